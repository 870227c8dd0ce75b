//! Where tokens live: the OS keyring (Secret Service on Linux) or cloudflared's token files in
//! `~/.cloudflared` (spec section 4, ../shared/docs/access-protocol.md). Tokens are named by their
//! cloudflared file name (`<app>-<aud>-token`, `<team>-org-token`), in both places, so a token is
//! one name whichever backend holds it.
//!
//! This file is the policy; the two places are [`files`] (cloudflared's token files) and
//! [`keyring`] (the OS keyring behind a worker thread with a deadline on every call).
//!
//! Owns: choosing the backend (`ZSSH_TOKEN_STORE`), keeping at most one copy of a name (a write
//! removes the stale copy from the other place), checking names (a name must stay inside
//! `~/.cloudflared`), deciding what a keyring failure means (auto: files take over for the rest
//! of the process; keyring: an error), and the errors callers see.
//!
//! Must not: interpret tokens (expiry and audience rules are `access::token`'s), print anything,
//! or let a token reach a log line, an error text or `Debug` output (tokens travel as
//! [`Secret`]). It does not lock: the login code serialises logins with its lock files.

mod files;
mod keyring;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use crate::debug;
use crate::error::UserError;
use crate::exit::Exit;
use crate::secret::Secret;
use crate::{fsutil, paths};

use files::{delete_file, list_files, read_file, write_file};
use keyring::{KEYRING_TIMEOUT, Keyring, os};

/// The environment variable that picks the backend.
pub const ENV_VAR: &str = "ZSSH_TOKEN_STORE";

/// Its line in the man page's ENVIRONMENT section.
pub const ENV_DOC: (&str, &str) = (
    ENV_VAR,
    "where tokens are kept: auto (the OS keyring when it works, else files in ~/.cloudflared; \
     the default), keyring (the OS keyring only: fail rather than fall back), \
     file (files in ~/.cloudflared only, shared with cloudflared; never talk to the keyring)",
);

/// Where a token is (or is to be) stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    Keyring,
    File,
}

impl Location {
    /// For people: `zssh status`, login messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Location::Keyring => KEYRING_NAME,
            Location::File => "file",
        }
    }
}

#[cfg(target_os = "linux")]
const KEYRING_NAME: &str = "OS keyring (Secret Service)";
#[cfg(not(target_os = "linux"))]
const KEYRING_NAME: &str = "OS keyring";

/// `ZSSH_TOKEN_STORE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The keyring when it works, else files.
    Auto,
    /// The keyring only: an explicit choice, so failing is better than silently writing files.
    Keyring,
    /// Files only; the keyring is never contacted (no D-Bus traffic at all).
    File,
}

impl Mode {
    fn parse(value: Option<&str>) -> Result<Mode, UserError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("") | Some("auto") => Ok(Mode::Auto),
            Some("keyring") => Ok(Mode::Keyring),
            Some("file") | Some("files") => Ok(Mode::File),
            Some(_) => Err(UserError::usage(
                format!(
                    "{ENV_VAR}={:?} is not a token store",
                    value.unwrap_or_default()
                ),
                format!("set {ENV_VAR} to auto, keyring or file (or unset it)"),
            )),
        }
    }
}

/// The token store: see the module docs.
pub struct TokenStore {
    dir: PathBuf,
    mode: Mode,
    keyring: Arc<Keyring>,
}

impl TokenStore {
    /// Cheap: no I/O. Mode from `ZSSH_TOKEN_STORE` = auto (default) | keyring | file.
    pub fn open() -> Result<TokenStore, UserError> {
        let value = std::env::var(ENV_VAR).ok();
        let mode = Mode::parse(value.as_deref())?;
        // One keyring per process, so "unavailable" and the probe result outlive a TokenStore
        // (a command may open the store more than once) and the D-Bus connection is made once.
        static KEYRING: OnceLock<Arc<Keyring>> = OnceLock::new();
        let keyring = KEYRING
            .get_or_init(|| Arc::new(Keyring::new(Box::new(os::connect), KEYRING_TIMEOUT)))
            .clone();
        Ok(TokenStore::with_parts(
            paths::cloudflared_dir()?,
            mode,
            keyring,
        ))
    }

    /// The constructor behind [`open`](Self::open), with the directory and keyring injected (tests).
    fn with_parts(dir: PathBuf, mode: Mode, keyring: Arc<Keyring>) -> TokenStore {
        TokenStore { dir, mode, keyring }
    }

    /// Read `name`: keyring first (if the mode allows and the keyring answers), then the file.
    /// A failing keyring is treated as empty (and not asked again in this process), except with
    /// `ZSSH_TOKEN_STORE=keyring`, where it is an error. A token file that group or others can
    /// read is refused.
    pub fn read(&self, name: &str) -> Result<Option<(Secret, Location)>, UserError> {
        if let Some(token) = self.read_at(name, Location::Keyring)? {
            return Ok(Some((token, Location::Keyring)));
        }
        Ok(self
            .read_at(name, Location::File)?
            .map(|t| (t, Location::File)))
    }

    /// Read `name` from one place only (`zssh status` shows each copy as it is). A failing
    /// keyring reads as empty, as in [`read`](Self::read).
    pub fn read_at(&self, name: &str, location: Location) -> Result<Option<Secret>, UserError> {
        check_name(name)?;
        match location {
            Location::Keyring => {
                if !self.keyring_allowed()? {
                    return Ok(None);
                }
                let owned = name.to_string();
                match self.keyring.call("read", move |b| b.get(&owned)) {
                    Ok(token) => Ok(token),
                    Err(why) => self.keyring_failed(&why).map(|()| None),
                }
            }
            Location::File => read_file(&self.dir, name),
        }
    }

    /// Store `token` under `name`. `prefer = Keyring`: the keyring when its probe (a set/get/delete
    /// of a throwaway entry, once per process) shows it works, else the file; `prefer = File`: the
    /// file. `ZSSH_TOKEN_STORE` overrides `prefer` (keyring: the keyring or an error; file: the
    /// file). Returns where the token went. The copy of `name` in the other place, if any, is then
    /// removed, so a read never finds an old token first.
    pub fn write(
        &self,
        name: &str,
        token: &Secret,
        prefer: Location,
    ) -> Result<Location, UserError> {
        check_name(name)?;
        let target = match (self.mode, prefer) {
            (Mode::File, _) => Location::File,
            (Mode::Keyring, _) => Location::Keyring,
            (Mode::Auto, Location::File) => Location::File,
            (Mode::Auto, Location::Keyring) => self.preferred(),
        };
        let written = if target == Location::Keyring {
            let (owned, value) = (name.to_string(), token.clone());
            match self
                .keyring
                .call("write", move |b| b.set(&owned, value.expose()))
            {
                Ok(()) => Location::Keyring,
                Err(why) => {
                    // Auto: the probe passed but this write failed; files still work.
                    self.keyring_failed(&why)?;
                    Location::File
                }
            }
        } else {
            Location::File
        };
        match written {
            Location::File => {
                write_file(&self.dir, name, token)?;
                // A keyring copy would shadow the new file (reads try the keyring first).
                if self.mode == Mode::Auto && self.keyring.usable() {
                    let owned = name.to_string();
                    if let Err(why) = self.keyring.call("remove stale", move |b| b.delete(&owned)) {
                        debug!("could not remove an old keyring copy of {name}: {why}");
                    }
                }
            }
            Location::Keyring => {
                remember_keyring_use();
                // A stale file is not read by zssh while the keyring answers, but cloudflared
                // reads it, and zssh does too whenever the keyring is away: remove it.
                if let Err(e) = delete_file(&self.dir, name) {
                    debug!(
                        "could not remove an old token file for {name}: {}",
                        e.message
                    );
                }
            }
        }
        debug!("stored {name} in the {}", written.describe());
        Ok(written)
    }

    /// Remove the token `refused` stored as `name` (the edge refused it), unless what is stored
    /// is no longer it: another process logged in meanwhile, and its fresh token stays. Returns
    /// whether another token is stored there now.
    pub fn drop_refused(&self, name: &str, refused: &Secret) -> Result<bool, UserError> {
        match self.read(name)? {
            Some((current, _)) if current.expose().trim() != refused.expose().trim() => {
                debug!("{name} was replaced meanwhile; keeping the new one");
                Ok(true)
            }
            Some((_, Location::Keyring)) => {
                self.delete(name)?;
                // The keyring answered the read a moment ago; if it failed since, the refused
                // token is still there, ahead of any file, and would be sent again.
                match self.keyring.failure() {
                    Some(why) => Err(UserError::local(
                        format!(
                            "the edge refused the token {name} stored in the keyring, and the keyring did not answer to remove it ({why}); it would be sent again"
                        ),
                        "check that the keyring is unlocked and answering, then run zssh logout for this host (or try again)",
                    )),
                    None => Ok(false),
                }
            }
            Some(_) => self.delete(name).map(|_| false),
            None => Ok(false),
        }
    }

    /// Remove `name` from both places; true if anything was removed.
    pub fn delete(&self, name: &str) -> Result<bool, UserError> {
        let from_keyring = self.delete_at(name, Location::Keyring)?;
        Ok(self.delete_at(name, Location::File)? | from_keyring)
    }

    /// Remove `name` from one place only: a stale copy in the keyring must not take a fresh
    /// token that cloudflared wrote to the file with it (and the other way round).
    pub fn delete_at(&self, name: &str, location: Location) -> Result<bool, UserError> {
        check_name(name)?;
        match location {
            Location::Keyring => {
                if !self.keyring_allowed()? {
                    return Ok(false);
                }
                let owned = name.to_string();
                match self.keyring.call("delete", move |b| b.delete(&owned)) {
                    Ok(r) => Ok(r),
                    Err(why) => {
                        self.keyring_failed(&why)?;
                        Ok(false)
                    }
                }
            }
            Location::File => delete_file(&self.dir, name),
        }
    }

    /// Every token name zssh can see, with its location, sorted by name: keyring entries of
    /// service `zssh`, and files in `~/.cloudflared` named `*-token` (app and org tokens; not the
    /// `.lock`/`.url` companions, JWKS caches or keys). A name in both places (only possible if
    /// another program wrote one) is listed twice.
    pub fn list(&self) -> Result<Vec<(String, Location)>, UserError> {
        let mut all = Vec::new();
        if self.keyring_allowed()? {
            match self.keyring.call("list", |b| b.list()) {
                Ok(names) => all.extend(
                    names
                        .into_iter()
                        .filter(|n| check_name(n).is_ok())
                        .map(|n| (n, Location::Keyring)),
                ),
                Err(why) => self.keyring_failed(&why)?,
            }
        }
        all.extend(
            list_files(&self.dir)?
                .into_iter()
                .map(|n| (n, Location::File)),
        );
        all.sort_by(|a, b| a.0.cmp(&b.0).then((a.1 as u8).cmp(&(b.1 as u8))));
        all.dedup();
        Ok(all)
    }

    /// After a removal: why the keyring could not be reached, when it may hold zssh's tokens (zssh
    /// stored one there before, or a desktop session bus is present, where a keyring lives). None
    /// when it answered every call, in file mode, and where no keyring can be.
    pub fn unreached_keyring(&self) -> Option<String> {
        if self.mode == Mode::File {
            return None;
        }
        let why = self.keyring.failure()?;
        let used = paths::keyring_marker().is_ok_and(|m| m.exists());
        // A session bus that says no Secret Service exists there (a headless server's) cannot
        // be where tokens are, unless zssh stored one in a keyring before.
        let absent = ["ServiceUnknown", "was not provided", "no session bus"]
            .iter()
            .any(|s| why.contains(s));
        let bus = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        (used || (bus && !absent)).then_some(why)
    }

    /// After a removal of every token that reached the keyring: it holds none of zssh's now, so
    /// a later failure to reach it hides nothing (see `unreached_keyring`).
    pub fn keyring_emptied(&self) {
        if self.mode != Mode::File
            && self.keyring.usable()
            && let Ok(marker) = paths::keyring_marker()
        {
            let _ = std::fs::remove_file(marker);
        }
    }

    /// Where `prefer = Keyring` would write now (runs the probe if not yet run).
    pub fn preferred(&self) -> Location {
        match self.mode {
            Mode::File => Location::File,
            Mode::Keyring => Location::Keyring,
            Mode::Auto if self.keyring.probe() => Location::Keyring,
            Mode::Auto => Location::File,
        }
    }

    /// Whether to ask the keyring at all: not in file mode, not once it failed (auto), and an
    /// error once it failed in keyring mode.
    fn keyring_allowed(&self) -> Result<bool, UserError> {
        match self.mode {
            Mode::File => Ok(false),
            Mode::Auto => Ok(self.keyring.usable()),
            Mode::Keyring => match self.keyring.failure() {
                None => Ok(true),
                Some(why) => Err(keyring_error(&why)),
            },
        }
    }

    /// A keyring call failed: fine in auto mode (files take over), an error in keyring mode.
    fn keyring_failed(&self, why: &str) -> Result<(), UserError> {
        match self.mode {
            Mode::Keyring => Err(keyring_error(why)),
            _ => Ok(()),
        }
    }
}

/// Note (best effort) that zssh has stored a token in the keyring: see `unreached_keyring`.
fn remember_keyring_use() {
    if let Ok(marker) = paths::keyring_marker()
        && !marker.exists()
        && let Err(e) = fsutil::write_private(&marker, b"")
    {
        debug!("cannot note that the keyring is in use: {}", e.message);
    }
}

fn keyring_error(why: &str) -> UserError {
    UserError::local(
        format!("{ENV_VAR}=keyring, but the {KEYRING_NAME} does not work: {why}"),
        format!(
            "unlock or start the keyring (on a desktop, log in to it; headless, start \
             gnome-keyring-daemon --unlock), or set {ENV_VAR}=auto to fall back to files in ~/.cloudflared"
        ),
    )
}

/// Names become file names and keyring accounts: a name must stay inside `~/.cloudflared`.
fn check_name(name: &str) -> Result<(), UserError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains(['/', '\\', '\0'])
        || name.chars().any(char::is_control);
    if bad {
        return Err(UserError::new(
            Exit::Failure,
            format!("invalid token name {name:?}"),
            "this is a bug in zssh; please report it",
        ));
    }
    Ok(())
}

/// The fixture of the store's tests (here and in `files` and `keyring`): a store over a temporary
/// directory and an in-memory keyring.
#[cfg(test)]
mod testing {
    use super::keyring::{Backend, KEYRING_TIMEOUT, Keyring};
    use super::*;
    use std::collections::HashMap;
    use std::path::Path;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    pub(super) const TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjF9.c2ln";
    pub(super) const NAME: &str = "ssh.example.com-0123abcd-token";

    /// An in-memory keyring that can be told to fail or to hang, and counts the calls it got.
    #[derive(Clone, Default)]
    pub(super) struct Fake {
        pub(super) entries: Arc<Mutex<HashMap<String, String>>>,
        pub(super) behaviour: Arc<Mutex<Behaviour>>,
        pub(super) calls: Arc<AtomicUsize>,
        pub(super) probes: Arc<AtomicUsize>,
    }

    #[derive(Clone, Copy, Default, PartialEq)]
    pub(super) enum Behaviour {
        #[default]
        Works,
        Fails,
        /// Reads work, writes fail (the probe must catch it).
        ReadOnly,
        Hangs,
    }

    impl Fake {
        pub(super) fn with(b: Behaviour) -> Fake {
            let f = Fake::default();
            *f.behaviour.lock().unwrap() = b;
            f
        }

        pub(super) fn keyring(&self, timeout: Duration) -> Arc<Keyring> {
            let me = self.clone();
            Arc::new(Keyring::new(
                Box::new(move || Ok(Box::new(me) as Box<dyn Backend>)),
                timeout,
            ))
        }

        fn enter(&self, writing: bool) -> Result<(), String> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            match *self.behaviour.lock().unwrap() {
                Behaviour::Works => Ok(()),
                Behaviour::ReadOnly if !writing => Ok(()),
                Behaviour::Fails | Behaviour::ReadOnly => Err("locked".into()),
                Behaviour::Hangs => {
                    std::thread::sleep(Duration::from_secs(3600));
                    Err("woke up".into())
                }
            }
        }

        pub(super) fn has(&self, name: &str) -> bool {
            self.entries.lock().unwrap().contains_key(name)
        }

        pub(super) fn calls(&self) -> usize {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl Backend for Fake {
        fn get(&mut self, name: &str) -> Result<Option<Secret>, String> {
            self.enter(false)?;
            Ok(self.entries.lock().unwrap().get(name).map(Secret::new))
        }
        fn set(&mut self, name: &str, token: &str) -> Result<(), String> {
            self.enter(true)?;
            self.entries
                .lock()
                .unwrap()
                .insert(name.into(), token.into());
            Ok(())
        }
        fn delete(&mut self, name: &str) -> Result<bool, String> {
            self.enter(true)?;
            Ok(self.entries.lock().unwrap().remove(name).is_some())
        }
        fn list(&mut self) -> Result<Vec<String>, String> {
            self.enter(false)?;
            Ok(self.entries.lock().unwrap().keys().cloned().collect())
        }
        fn probe(&mut self) -> Result<(), String> {
            self.probes.fetch_add(1, Ordering::SeqCst);
            self.enter(true)
        }
    }

    pub(super) struct Setup {
        _tmp: tempfile::TempDir,
        pub(super) dir: PathBuf,
        pub(super) fake: Fake,
        pub(super) store: TokenStore,
    }

    pub(super) fn setup(mode: Mode, b: Behaviour) -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".cloudflared");
        let fake = Fake::with(b);
        let store = TokenStore::with_parts(dir.clone(), mode, fake.keyring(KEYRING_TIMEOUT));
        Setup {
            _tmp: tmp,
            dir,
            fake,
            store,
        }
    }

    pub(super) fn secret() -> Secret {
        Secret::new(TOKEN)
    }

    pub(super) fn set_mode(path: &Path, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    pub(super) fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn modes_parse_and_bad_values_are_refused() {
        for (value, want) in [
            (None, Mode::Auto),
            (Some(""), Mode::Auto),
            (Some("auto"), Mode::Auto),
            (Some("Keyring"), Mode::Keyring),
            (Some(" file "), Mode::File),
            (Some("files"), Mode::File),
        ] {
            assert_eq!(Mode::parse(value).unwrap(), want, "{value:?}");
        }
        let err = Mode::parse(Some("vault")).unwrap_err();
        assert_eq!(err.exit, Exit::Usage);
        assert!(
            err.message.contains("ZSSH_TOKEN_STORE=\"vault\""),
            "{}",
            err.message
        );
        assert!(err.hint.contains("auto, keyring or file"), "{}", err.hint);
    }

    #[test]
    fn a_refused_token_is_dropped_but_a_newer_one_stays() {
        let s = setup(Mode::File, Behaviour::Works);
        let refused = secret();
        s.store.write(NAME, &refused, Location::File).unwrap();
        assert!(!s.store.drop_refused(NAME, &refused).unwrap());
        assert_eq!(s.store.read(NAME).unwrap(), None);
        // Another process stored a fresh token after ours was refused: it survives.
        let fresh = Secret::new(format!("{}x", refused.expose()));
        s.store.write(NAME, &fresh, Location::File).unwrap();
        assert!(s.store.drop_refused(NAME, &refused).unwrap());
        assert_eq!(
            s.store
                .read(NAME)
                .unwrap()
                .map(|(t, _)| t.expose().to_string()),
            Some(fresh.expose().to_string())
        );
        assert!(
            !s.store
                .drop_refused("other.example.com-1-token", &refused)
                .unwrap()
        );
    }

    /// Issue 15 item 1: a refused token read from the keyring that the keyring then does not let
    /// go of is an error, not a silent "dropped" (it would be read, sent and refused again).
    #[test]
    fn a_refused_keyring_token_that_cannot_be_removed_is_an_error() {
        let s = setup(Mode::Auto, Behaviour::Works);
        let refused = secret();
        assert_eq!(
            s.store.write(NAME, &refused, Location::Keyring).unwrap(),
            Location::Keyring
        );
        *s.fake.behaviour.lock().unwrap() = Behaviour::ReadOnly;
        let err = s.store.drop_refused(NAME, &refused).unwrap_err();
        assert_eq!(err.exit, Exit::Local);
        assert!(
            err.message.contains("did not answer to remove it"),
            "{}",
            err.message
        );
        assert!(s.fake.has(NAME), "still there, as the error says");
    }

    #[test]
    fn describes_locations() {
        assert_eq!(Location::File.describe(), "file");
        assert!(Location::Keyring.describe().starts_with("OS keyring"));
        assert_eq!(
            serde_json::to_string(&Location::Keyring).unwrap(),
            "\"keyring\""
        );
        assert_eq!(serde_json::to_string(&Location::File).unwrap(), "\"file\"");
    }

    #[test]
    fn rejects_names_that_leave_the_directory() {
        let s = setup(Mode::File, Behaviour::Works);
        for bad in [
            "",
            ".",
            "..",
            "../x-token",
            "a/b-token",
            "a\\b",
            "a\0b",
            "a\nb",
        ] {
            let err = s.store.read(bad).unwrap_err();
            assert!(err.message.contains("invalid token name"), "{bad:?}");
            assert!(s.store.write(bad, &secret(), Location::File).is_err());
            assert!(s.store.delete(bad).is_err());
        }
        // A wildcard app's escaped name is fine (spec 4.2).
        assert!(check_name("-.example.com-aud-token").is_ok());
    }

    #[test]
    fn auto_prefers_a_working_keyring_and_removes_the_stale_file() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store
            .write(NAME, &Secret::new("old"), Location::File)
            .unwrap();
        assert!(s.dir.join(NAME).exists());
        assert_eq!(s.store.preferred(), Location::Keyring);
        let at = s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(at, Location::Keyring);
        assert!(s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists(), "the old file is gone");
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::Keyring))
        );
        assert_eq!(
            s.store.list().unwrap(),
            vec![(NAME.into(), Location::Keyring)]
        );
        // The probe ran once, however often the store was asked.
        s.store.preferred();
        s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_file_write_removes_the_keyring_copy_that_would_shadow_it() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store
            .write(NAME, &Secret::new("old"), Location::Keyring)
            .unwrap();
        let at = s.store.write(NAME, &secret(), Location::File).unwrap();
        assert_eq!(at, Location::File);
        assert!(!s.fake.has(NAME));
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
    }

    #[test]
    fn delete_removes_both_copies() {
        let s = setup(Mode::Auto, Behaviour::Works);
        s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        // Another program (cloudflared) writes the same name as a file.
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), TOKEN).unwrap();
        assert_eq!(
            s.store.list().unwrap(),
            vec![
                (NAME.into(), Location::Keyring),
                (NAME.into(), Location::File)
            ]
        );
        assert!(s.store.delete(NAME).unwrap());
        assert!(!s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists());
        assert_eq!(s.store.read(NAME).unwrap(), None);
    }

    #[test]
    fn a_failing_keyring_falls_back_to_files_and_is_not_asked_again() {
        let s = setup(Mode::Auto, Behaviour::Fails);
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), TOKEN).unwrap();
        set_mode(&s.dir.join(NAME), 0o600);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
        assert_eq!(s.fake.calls(), 1);
        let other = "team.example-org-token";
        assert_eq!(
            s.store.write(other, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
        assert_eq!(s.store.preferred(), Location::File);
        assert!(s.store.delete(other).unwrap());
        assert_eq!(s.store.list().unwrap(), vec![(NAME.into(), Location::File)]);
        assert_eq!(s.fake.calls(), 1, "the keyring was asked once");
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_read_only_keyring_fails_the_probe_and_writes_go_to_files() {
        let s = setup(Mode::Auto, Behaviour::ReadOnly);
        assert_eq!(s.store.read(NAME).unwrap(), None);
        assert_eq!(
            s.store.write(NAME, &secret(), Location::Keyring).unwrap(),
            Location::File
        );
        assert_eq!(std::fs::read(s.dir.join(NAME)).unwrap(), TOKEN.as_bytes());
        assert_eq!(s.store.preferred(), Location::File);
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn keyring_mode_refuses_to_fall_back() {
        let s = setup(Mode::Keyring, Behaviour::Fails);
        let err = s.store.read(NAME).unwrap_err();
        assert_eq!(err.exit, Exit::Local);
        assert!(
            err.message.contains("ZSSH_TOKEN_STORE=keyring"),
            "{}",
            err.message
        );
        assert!(
            err.message.contains("locked"),
            "the keyring's reason: {}",
            err.message
        );
        assert!(err.hint.contains("ZSSH_TOKEN_STORE=auto"), "{}", err.hint);
        for prefer in [Location::Keyring, Location::File] {
            assert!(s.store.write(NAME, &secret(), prefer).is_err());
        }
        assert!(!s.dir.join(NAME).exists(), "no silent file");
        assert!(s.store.list().is_err());
        assert!(s.store.delete(NAME).is_err());
        assert_eq!(s.store.preferred(), Location::Keyring);
    }

    #[test]
    fn keyring_mode_overrides_a_file_preference() {
        let s = setup(Mode::Keyring, Behaviour::Works);
        assert_eq!(
            s.store.write(NAME, &secret(), Location::File).unwrap(),
            Location::Keyring
        );
        assert!(s.fake.has(NAME));
        assert!(!s.dir.join(NAME).exists());
        // No probe needed: the write itself is the test.
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn the_keyring_wins_over_a_file_of_the_same_name() {
        let s = setup(Mode::Auto, Behaviour::Works);
        std::fs::create_dir_all(&s.dir).unwrap();
        std::fs::write(s.dir.join(NAME), "from-cloudflared").unwrap();
        s.fake
            .entries
            .lock()
            .unwrap()
            .insert(NAME.into(), TOKEN.into());
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::Keyring))
        );
    }
}
