//! cloudflared's token files in `~/.cloudflared`, byte for byte as cloudflared writes them: the
//! raw token, no newline, 0600 in a 0700 directory, named `<app>-<aud>-token` or
//! `<team>-org-token` (spec section 4).
//!
//! Owns: reading, writing, deleting and listing those files; refusing a token file that group or
//! others can read; treating what cannot be a token (not a regular file, larger than any token)
//! as absent, without blocking on a FIFO or reading a huge file whole.
//!
//! Must not: choose between the keyring and files, or keep copies in step (the store's policy in
//! `mod.rs`), check names (the caller did), print, or put a token in an error text.

use std::path::Path;

use crate::error::UserError;
use crate::fsutil;
use crate::secret::Secret;

/// A token file larger than this is not read (tokens are a few KiB).
pub(super) const MAX_TOKEN_FILE: u64 = 64 * 1024;

pub(super) fn read_file(dir: &Path, name: &str) -> Result<Option<Secret>, UserError> {
    let path = dir.join(name);
    let unreadable = |e: std::io::Error| {
        UserError::local(
            format!("cannot read {}: {e}", path.display()),
            format!(
                "check the permissions of {}, or remove it and log in again",
                path.display()
            ),
        )
    };
    // Not a regular file (a FIFO would block forever): not a token.
    let file = match fsutil::open_regular(&path) {
        Ok(Some(f)) => f,
        Ok(None) => return Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    // The mode of the file that was opened, not of whatever the path names a moment later.
    let meta = file.metadata().map_err(unreadable)?;
    if fsutil::readable_by_others(&meta) {
        return Err(UserError::local(
            format!(
                "{} can be read by other users; refusing to use the token in it",
                path.display()
            ),
            format!(
                "run `chmod 600 {}`; if someone else may have read it, log out and log in again",
                path.display()
            ),
        ));
    }
    let bytes = match fsutil::read_bounded(file, MAX_TOKEN_FILE) {
        Ok(b) => b,
        // Not a token (they are a few KiB): treated as absent, like any other non-token.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => return Ok(None),
        Err(e) => return Err(unreadable(e)),
    };
    // A token is ASCII; anything else cannot be one, and the reader treats it as absent.
    Ok(Some(Secret::new(String::from_utf8_lossy(&bytes))))
}

pub(super) fn write_file(dir: &Path, name: &str, token: &Secret) -> Result<(), UserError> {
    fsutil::write_private(&dir.join(name), token.expose().as_bytes())
}

pub(super) fn delete_file(dir: &Path, name: &str) -> Result<bool, UserError> {
    let path = dir.join(name);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(UserError::local(
            format!("cannot remove {}: {e}", path.display()),
            format!("check that {} is writable by you", dir.display()),
        )),
    }
}

/// Token file names in `dir`: `*-token` (which includes `*-org-token`), regular files only.
pub(super) fn list_files(dir: &Path) -> Result<Vec<String>, UserError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(UserError::local(
                format!("cannot list {}: {e}", dir.display()),
                format!("check the permissions of {}", dir.display()),
            ));
        }
    };
    let mut names = Vec::new();
    for entry in entries.flatten() {
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        // Dot files are our own in-flight temp files (fsutil), never tokens.
        if !name.ends_with("-token") || name.starts_with('.') {
            continue;
        }
        // metadata() follows symlinks, as cloudflared's reads do.
        if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()) {
            names.push(name);
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::Exit;
    use crate::token_store::testing::*;
    use crate::token_store::{Location, Mode};
    use std::sync::atomic::Ordering;
    use std::sync::mpsc;
    use std::time::Duration;

    #[cfg(unix)]
    #[test]
    fn fifos_and_huge_files_are_not_tokens() {
        let dir = tempfile::tempdir().unwrap();
        fsutil::ensure_private_dir(&dir.path().join("d")).unwrap();
        let d = dir.path().join("d");
        // A FIFO nobody writes to: opening it for reading would block forever.
        let st = std::process::Command::new("mkfifo")
            .arg(d.join(NAME))
            .status()
            .unwrap();
        assert!(st.success());
        let (tx, rx) = mpsc::channel();
        let dd = d.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_file(&dd, NAME).map(|t| t.is_some()).ok());
        });
        // A bound for a hang, not a synchronisation: the answer comes at once.
        let got = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("read_file returned instead of hanging on a FIFO");
        assert_eq!(got, Some(false));
        // Larger than any token: not read whole, and not a token.
        let big = d.join("big-token");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(100 * 1024 * 1024).unwrap();
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&big, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert!(read_file(&d, "big-token").unwrap().is_none());
        // At the limit it still is.
        std::fs::write(&big, vec![b'a'; MAX_TOKEN_FILE as usize]).unwrap();
        assert!(read_file(&d, "big-token").unwrap().is_some());
    }

    #[test]
    fn file_layout_is_cloudflareds() {
        let s = setup(Mode::File, Behaviour::Works);
        assert_eq!(s.store.read(NAME).unwrap(), None);
        let at = s.store.write(NAME, &secret(), Location::Keyring).unwrap();
        assert_eq!(at, Location::File);
        let file = s.dir.join(NAME);
        // Raw bytes, no newline, 0600 in a 0700 directory.
        assert_eq!(std::fs::read(&file).unwrap(), TOKEN.as_bytes());
        assert_eq!(mode_of(&file), 0o600);
        assert_eq!(mode_of(&s.dir), 0o700);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
        // Overwrite in place, no temp files left behind.
        s.store
            .write(NAME, &Secret::new("second"), Location::File)
            .unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(&s.dir).unwrap().count(), 1);
        // File mode never talks to the keyring, whatever the caller prefers.
        assert_eq!(s.store.preferred(), Location::File);
        assert_eq!(s.fake.calls(), 0);
        assert_eq!(s.fake.probes.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn reads_a_file_cloudflared_wrote() {
        let s = setup(Mode::Auto, Behaviour::Works);
        std::fs::create_dir_all(&s.dir).unwrap();
        let file = s.dir.join(NAME);
        std::fs::write(&file, TOKEN).unwrap();
        set_mode(&file, 0o600);
        assert_eq!(
            s.store.read(NAME).unwrap(),
            Some((secret(), Location::File))
        );
    }

    #[test]
    fn refuses_a_file_others_can_read() {
        for mode in [0o640, 0o604, 0o644] {
            let s = setup(Mode::File, Behaviour::Works);
            s.store.write(NAME, &secret(), Location::File).unwrap();
            let file = s.dir.join(NAME);
            set_mode(&file, mode);
            let err = s.store.read(NAME).unwrap_err();
            assert_eq!(err.exit, Exit::Local);
            assert!(
                err.message.contains(&file.display().to_string()),
                "{}",
                err.message
            );
            assert!(err.message.contains("other users"), "{}", err.message);
            assert!(
                err.hint.contains(&format!("chmod 600 {}", file.display())),
                "{}",
                err.hint
            );
            assert!(err.hint.contains("log out"), "{}", err.hint);
            assert!(!format!("{err:?}").contains(TOKEN));
        }
    }

    #[test]
    fn delete_reports_whether_anything_went() {
        let s = setup(Mode::File, Behaviour::Works);
        assert!(!s.store.delete(NAME).unwrap());
        s.store.write(NAME, &secret(), Location::File).unwrap();
        assert!(s.store.delete(NAME).unwrap());
        assert!(!s.dir.join(NAME).exists());
        assert!(!s.store.delete(NAME).unwrap());
    }

    #[test]
    fn lists_only_token_files() {
        let s = setup(Mode::File, Behaviour::Works);
        assert_eq!(s.store.list().unwrap(), vec![], "no directory yet");
        std::fs::create_dir_all(&s.dir).unwrap();
        for f in [
            "app.test.example-aud1-token",
            "app.test.example-aud1-token.lock",
            "app.test.example-aud1-token.url",
            "team.cloudflareaccess.com-org-token",
            "team.cloudflareaccess.com-org-token.lock",
            "team.cloudflareaccess.com-jwks",
            "ssh.test.example-cf_key",
            "ssh.test.example-cf_key.pub",
            "ssh.test.example-cf_key-cert.pub",
            ".zssh-abc.tmp",
            ".hidden-token",
            "config.yml",
        ] {
            std::fs::write(s.dir.join(f), "x").unwrap();
        }
        std::fs::create_dir(s.dir.join("dir-token")).unwrap();
        assert_eq!(
            s.store.list().unwrap(),
            vec![
                ("app.test.example-aud1-token".to_string(), Location::File),
                (
                    "team.cloudflareaccess.com-org-token".to_string(),
                    Location::File
                ),
            ]
        );
    }
}
