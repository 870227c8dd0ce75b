//! What signed metadata proved about a host, remembered so the next connection can dial once.
//!
//! Discovery (spec 1.2) proves which Access application a host is: its audience, its team and
//! its application hostname, signed by the team. With that and a cached token, the next `zssh
//! proxy` to the same app URL can put the token on its first WebSocket upgrade (TCP, TLS,
//! upgrade: three round trips) instead of dialling without it, taking the login redirect,
//! running discovery and dialling again (five). A token still only goes to a host whose
//! identity signed metadata proved; what is remembered is that proof, kept no longer than the
//! metadata itself is valid (24 hours after it was issued, or its `exp` if sooner).
//!
//! Owns: `<state dir>/zssh/apps/<hash of the app URL>.json` (0600 in a 0700 directory; one file
//! per app URL, so concurrent writers never lose each other's entries), validation of what is
//! read back (a damaged or foreign file is ignored, never trusted), forgetting.
//!
//! Must not: hold tokens (only the public identity is stored), decide what to do on a refusal
//! (the carrier falls back to full discovery and replaces the entry), print.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::AppInfo;
use super::app_url::AppUrl;
use crate::{debug, fsutil, paths};

/// How long signed metadata stays valid after it was issued (spec 1.2 step 6).
pub const METADATA_MAX_AGE: i64 = 24 * 3600;

/// An entry is a few hundred bytes; anything much larger is not ours.
const MAX_FILE: u64 = 8192;

/// One remembered identity, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Entry {
    /// The app URL discovery ran against (`AppUrl::https`); must match on read.
    url: String,
    auth_domain: String,
    aud: String,
    app_hostname: String,
    /// When the metadata was verified (seconds since the epoch).
    verified_at: i64,
    /// The end of the metadata's validity (seconds since the epoch).
    valid_until: i64,
}

/// How long signed metadata issued at `iat` with an optional `exp` may be relied on.
pub fn validity(iat: i64, exp: Option<i64>) -> i64 {
    let by_age = iat.saturating_add(METADATA_MAX_AGE);
    match exp {
        Some(exp) if exp > 0 => by_age.min(exp),
        _ => by_age,
    }
}

/// The file that remembers `app` in `dir`.
fn file_for(dir: &Path, app: &AppUrl) -> PathBuf {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(app.https().as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("{hex}.json"))
}

/// The identity signed metadata proved for `app`, if it was remembered and is still valid at
/// `now`. Anything unreadable, damaged, for another URL or out of date is `None`.
pub fn recall(app: &AppUrl, now: i64) -> Option<AppInfo> {
    let dir = paths::apps_dir().ok()?;
    recall_in(&dir, app, now)
}

fn recall_in(dir: &Path, app: &AppUrl, now: i64) -> Option<AppInfo> {
    let path = file_for(dir, app);
    let bytes = match read_own(&path) {
        Ok(bytes) => bytes,
        Err(e) => {
            if e.kind() != std::io::ErrorKind::NotFound {
                debug!("{} is not trusted: {e}", path.display());
            }
            return None;
        }
    };
    let entry = match parse(&bytes, app, now) {
        Some(e) => e,
        None => {
            debug!(
                "{} is not a usable identity for {}; ignoring it",
                path.display(),
                app.https()
            );
            return None;
        }
    };
    Some(AppInfo {
        auth_domain: entry.auth_domain,
        aud: entry.aud,
        app_hostname: entry.app_hostname,
    })
}

/// The bytes of the file zssh wrote at `path`: a regular file (never a symlink, which zssh does
/// not write: it could name a file someone else controls), not writable by group or others,
/// and (on Linux) owned by the user zssh runs as. What it holds decides where a token goes.
fn read_own(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    let refuse = |why: &str| Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why));
    if !meta.is_file() {
        return refuse(fsutil::NOT_REGULAR);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.mode() & 0o022 != 0 {
            return refuse("group or others may write to it");
        }
        if fsutil::own_uid().is_some_and(|me| me != meta.uid()) {
            return refuse("another user owns it");
        }
    }
    fsutil::read_bounded(file, MAX_FILE)
}

/// Whether an identity for `app` was remembered at all, even one out of date: the application
/// was behind Access when it was proven, so proving it again is the likely first step.
pub fn known_before(app: &AppUrl) -> bool {
    let Ok(dir) = paths::apps_dir() else {
        return false;
    };
    read_own(&file_for(&dir, app))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Entry>(&bytes).ok())
        .is_some_and(|e| well_formed(&e, app))
}

/// The checks on what is read back: the same shapes discovery accepts, for this URL, valid now.
fn parse(bytes: &[u8], app: &AppUrl, now: i64) -> Option<Entry> {
    let e: Entry = serde_json::from_slice(bytes).ok()?;
    let valid = e.verified_at <= now.saturating_add(300) && now < e.valid_until;
    (valid && well_formed(&e, app)).then_some(e)
}

/// An entry zssh could have written for this URL, whether or not it is still valid.
fn well_formed(e: &Entry, app: &AppUrl) -> bool {
    let plain = |s: &str, max: usize| {
        !s.is_empty() && s.len() <= max && s.chars().all(|c| c.is_ascii_graphic())
    };
    let team_ok = plain(&e.auth_domain, 253)
        && e.auth_domain.ends_with(".cloudflareaccess.com")
        && e.auth_domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    e.url == app.https()
        && team_ok
        && plain(&e.aud, 512)
        && plain(&e.app_hostname, 512)
        && e.valid_until <= e.verified_at.saturating_add(METADATA_MAX_AGE)
}

/// Remember what discovery proved for `app`, valid until `valid_until`. A failure to write is
/// not an error: the next connection runs discovery again.
pub fn remember(app: &AppUrl, info: &AppInfo, now: i64, valid_until: i64) {
    if let Ok(dir) = paths::apps_dir() {
        remember_in(&dir, app, info, now, valid_until);
    }
}

fn remember_in(dir: &Path, app: &AppUrl, info: &AppInfo, now: i64, valid_until: i64) {
    if valid_until <= now {
        return;
    }
    let entry = Entry {
        url: app.https(),
        auth_domain: info.auth_domain.clone(),
        aud: info.aud.clone(),
        app_hostname: info.app_hostname.clone(),
        verified_at: now,
        valid_until: valid_until.min(now.saturating_add(METADATA_MAX_AGE)),
    };
    let path = file_for(dir, app);
    let Ok(json) = serde_json::to_vec(&entry) else {
        return;
    };
    if let Err(e) = fsutil::write_private(&path, &json) {
        debug!(
            "cannot remember the identity of {}: {}",
            app.https(),
            e.message
        );
    }
}

/// Forget what was remembered for `app` (its metadata no longer proves it). Best effort.
pub fn forget(app: &AppUrl) {
    if let Ok(dir) = paths::apps_dir() {
        let _ = std::fs::remove_file(file_for(&dir, app));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> AppInfo {
        AppInfo {
            auth_domain: "team.cloudflareaccess.com".into(),
            aud: "abc123".into(),
            app_hostname: "ssh.example.com".into(),
        }
    }

    #[test]
    fn remembers_until_the_metadata_expires_and_no_longer() {
        let dir = tempfile::tempdir().unwrap();
        let app = AppUrl::parse("ssh.example.com").unwrap();
        let now = 1_000_000;
        assert_eq!(recall_in(dir.path(), &app, now), None);
        remember_in(dir.path(), &app, &info(), now, validity(now - 60, None));
        assert_eq!(recall_in(dir.path(), &app, now + 10), Some(info()));
        // The metadata was issued a minute before: valid for 24 h from then, not from now.
        assert_eq!(
            recall_in(dir.path(), &app, now - 60 + METADATA_MAX_AGE - 1),
            Some(info())
        );
        assert_eq!(
            recall_in(dir.path(), &app, now - 60 + METADATA_MAX_AGE),
            None
        );
        // An exp sooner than 24 h wins.
        remember_in(
            dir.path(),
            &app,
            &info(),
            now,
            validity(now, Some(now + 100)),
        );
        assert_eq!(recall_in(dir.path(), &app, now + 99), Some(info()));
        assert_eq!(recall_in(dir.path(), &app, now + 100), None);
    }

    #[test]
    fn another_url_or_a_changed_identity_is_kept_apart() {
        let dir = tempfile::tempdir().unwrap();
        let app = AppUrl::parse("ssh.example.com").unwrap();
        let other_port = AppUrl::parse("ssh.example.com:8443").unwrap();
        let other_path = AppUrl::parse("ssh.example.com/other").unwrap();
        let now = 1_000_000;
        remember_in(dir.path(), &app, &info(), now, now + 1000);
        assert_eq!(recall_in(dir.path(), &other_port, now), None);
        assert_eq!(recall_in(dir.path(), &other_path, now), None);
        let mut changed = info();
        changed.aud = "def456".into();
        remember_in(dir.path(), &app, &changed, now, now + 1000);
        assert_eq!(recall_in(dir.path(), &app, now), Some(changed));
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let apps = dir.path().join("apps");
        let app = AppUrl::parse("ssh.example.com").unwrap();
        remember_in(&apps, &app, &info(), 10, 20);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&apps), 0o700);
        assert_eq!(mode(&file_for(&apps, &app)), 0o600);
    }

    #[test]
    fn damaged_or_hostile_entries_are_not_trusted() {
        let app = AppUrl::parse("ssh.example.com").unwrap();
        let now = 1_000_000;
        let good = Entry {
            url: app.https(),
            auth_domain: "team.cloudflareaccess.com".into(),
            aud: "abc".into(),
            app_hostname: "ssh.example.com".into(),
            verified_at: now - 10,
            valid_until: now + 10,
        };
        let ok = serde_json::to_vec(&good).unwrap();
        assert!(parse(&ok, &app, now).is_some());
        let bad = [
            Entry {
                auth_domain: "evil.example.com".into(),
                ..good.clone()
            },
            Entry {
                auth_domain: "x/y.cloudflareaccess.com".into(),
                ..good.clone()
            },
            Entry {
                url: "https://other.example.com/".into(),
                ..good.clone()
            },
            Entry {
                aud: String::new(),
                ..good.clone()
            },
            Entry {
                aud: "a b".into(),
                ..good.clone()
            },
            // Claims a validity longer than metadata ever has.
            Entry {
                valid_until: now + METADATA_MAX_AGE,
                verified_at: now - 10,
                ..good.clone()
            },
            // Written in the future (a clock set back by more than the slack).
            Entry {
                verified_at: now + 1000,
                valid_until: now + 2000,
                ..good.clone()
            },
        ];
        for e in bad {
            let bytes = serde_json::to_vec(&e).unwrap();
            assert!(parse(&bytes, &app, now).is_none(), "{e:?}");
        }
        for junk in [&b""[..], b"{", b"[]", b"null", b"{\"url\":1}"] {
            assert!(parse(junk, &app, now).is_none());
        }
    }

    #[test]
    fn a_fifo_or_huge_file_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let app = AppUrl::parse("ssh.example.com").unwrap();
        std::fs::create_dir_all(file_for(dir.path(), &app)).unwrap();
        assert_eq!(recall_in(dir.path(), &app, 10), None);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(file_for(dir.path(), &app), vec![b' '; 100_000]).unwrap();
        assert_eq!(recall_in(dir.path(), &app, 10), None);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any bytes in the file: read back as nothing or as a checked entry, never a panic.
        #[test]
        fn arbitrary_files_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
                                       now in proptest::prelude::any::<i64>()) {
            let app = AppUrl::parse("ssh.example.com").unwrap();
            let _ = parse(&bytes, &app, now);
        }
    }
}
