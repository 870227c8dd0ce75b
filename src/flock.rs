//! Kernel file locks (flock) in zssh's lock directory (`$XDG_STATE_HOME/zssh/locks`, see
//! `paths::lock_dir`): one holder at a time, across processes, for work that many processes may
//! want at once (renewing a certificate, editing the ssh config), and the first layer of the login
//! lock (`access::login_lock`). The kernel releases a lock when its holder exits, however it exits
//! (SIGKILL included), so a lock is never stale. The file itself stays on disk; it holds
//! `{"pid":N}` of the last holder, which waiters only read while someone holds the lock, to say
//! whom they wait for.
//!
//! Owns: opening lock files safely (0600, never through a symlink, noticing a file deleted and
//! recreated under us), the holder record, polling until a deadline, and the timeout error, whose
//! exit status and hint fit the caller (its [`Wait`]).
//!
//! Must not: print (the caller's callback decides what a wait shows), or know what is locked
//! (login and cloudflared lock files are `access::login_lock`'s and `access::cloudflared_lock`'s).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::debug;
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil::ensure_private_dir;

/// How often a waiter looks again. This is a lock wait, not test synchronisation.
pub(crate) const POLL: Duration = Duration::from_millis(200);

/// Lock files are tiny; never read more than this.
pub(crate) const MAX_LOCK_LEN: u64 = 4096;

/// What our own flock file says about its holder, for waiters' messages.
#[derive(Serialize, Deserialize)]
struct HolderRecord {
    pid: u32,
}

/// A plain single-flight lock: the flock layer alone (no cloudflared-format lock, no login URL),
/// for work other than logins that many processes may want at once, such as renewing an
/// application's certificate. Released when dropped, or by the kernel when the holder dies.
#[derive(Debug)]
pub struct Flock {
    file: File,
    path: PathBuf,
}

impl Drop for Flock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
        debug!("lock: released {}", self.path.display());
    }
}

/// What a caller of [`acquire`] waits for, so that a timeout speaks in the caller's terms.
#[derive(Debug, Clone, Copy)]
pub struct Wait<'a> {
    /// The holder's job, for the timeout error: "the certificate renewal for ssh.example.com".
    pub what: &'a str,
    /// The exit status of a timeout: what a holder this slow means to the caller (a renewal that
    /// may be in a browser login: [`Exit::Auth`]; a stuck editor of a local file: [`Exit::Local`]).
    pub exit: Exit,
    /// What may legitimately keep a holder this long, for the hint ("a browser login"), if
    /// anything does.
    pub busy_with: Option<&'a str>,
}

/// Take the flock `<lock_dir>/<name>.lock`, polling until it is free or `deadline` elapses.
/// `on_wait` is called on every poll while someone else holds it, with the holder's pid (when it
/// said) and how long this process has waited. `wait` words the timeout error.
pub async fn acquire(
    lock_dir: &Path,
    name: &str,
    wait: &Wait<'_>,
    deadline: Duration,
    on_wait: &mut (dyn FnMut(Option<u32>, Duration) + Send),
) -> Result<Flock, UserError> {
    let started = Instant::now();
    let path = lock_dir.join(format!("{name}.lock"));
    ensure_private_dir(lock_dir)?;
    loop {
        if let Some(file) = try_flock(&path)? {
            write_holder_record(&file, &path);
            debug!("lock: acquired {}", path.display());
            return Ok(Flock { file, path });
        }
        let pid = read_holder_pid(&path);
        on_wait(pid, started.elapsed());
        if started.elapsed() >= deadline {
            return Err(timeout_error(wait, deadline, pid));
        }
        debug!("lock: waiting for {} (held by pid {pid:?})", path.display());
        tokio::time::sleep(POLL.min(deadline.saturating_sub(started.elapsed()))).await;
    }
}

fn timeout_error(wait: &Wait<'_>, deadline: Duration, pid: Option<u32>) -> UserError {
    let who = pid.map_or("another process".to_string(), |p| format!("pid {p}"));
    let hint = match (pid, wait.busy_with) {
        (Some(pid), Some(busy)) => format!(
            "that process may be waiting for {busy}: finish it, or if the process is stuck, stop it \
             (kill {pid}), then run the command again"
        ),
        (Some(pid), None) => {
            format!("if that process is stuck, stop it (kill {pid}), then run the command again")
        }
        (None, Some(busy)) => format!(
            "the other zssh process may be waiting for {busy}: finish it or stop that process, \
             then run the command again"
        ),
        (None, None) => "stop the other zssh process, then run the command again".to_string(),
    };
    UserError::new(
        wait.exit,
        format!(
            "timed out after {} waiting for {} (held by {who})",
            seconds(deadline),
            wait.what
        ),
        hint,
    )
}

/// Open (creating, 0600, never truncating: the holder's record is in it) and try to flock.
/// `None` means someone else holds it.
pub(crate) fn try_flock(path: &Path) -> Result<Option<File>, UserError> {
    let fail = |e: std::io::Error| {
        UserError::local(
            format!("cannot lock {}: {e}", path.display()),
            "zssh keeps its locks under $XDG_STATE_HOME/zssh or ~/.local/state/zssh; make it a writable local directory",
        )
    };
    // A lock file deleted and recreated under us shows up as a different file; a few quick
    // retries settle it.
    for _ in 0..8 {
        // Lock files are zssh's own: a symlink planted in their place is removed, never followed
        // (the holder record would otherwise be written into its target).
        if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            remove_quietly(path);
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
        }
        let file = options.open(path).map_err(fail)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
            Err(std::fs::TryLockError::Error(e)) => return Err(fail(e)),
        }
        if same_file(&file, path) {
            return Ok(Some(file));
        }
        debug!(
            "lock: {} was replaced while locking; retrying",
            path.display()
        );
    }
    Ok(None)
}

/// Whether `path` still names the file open as `file` (always true off unix, where an open file
/// cannot be deleted).
pub(crate) fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

pub(crate) fn write_holder_record(mut file: &File, path: &Path) {
    let mut line = serde_json::to_vec(&HolderRecord {
        pid: std::process::id(),
    })
    .unwrap_or_default();
    line.push(b'\n');
    let result = file
        .set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(&line));
    if let Err(e) = result {
        debug!("lock: cannot record our pid in {}: {e}", path.display());
    }
}

pub(crate) fn read_holder_pid(path: &Path) -> Option<u32> {
    let bytes = read_small(path, MAX_LOCK_LEN)?;
    serde_json::from_slice::<HolderRecord>(&bytes)
        .ok()
        .map(|r| r.pid)
}

pub(crate) fn read_small(path: &Path, limit: u64) -> Option<Vec<u8>> {
    let file = open_for_reading(path).ok()?;
    let mut bytes = Vec::new();
    file.take(limit).read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// Open a lock or companion file (`.lock`, `.url`) for reading without ever waiting: a FIFO
/// found there is opened without waiting for a writer (which may never come) and, like a
/// directory or a device, refused as not a regular file.
pub(crate) fn open_for_reading(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(
            ErrorKind::InvalidInput,
            crate::fsutil::NOT_REGULAR,
        ));
    }
    Ok(file)
}

pub(crate) fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != ErrorKind::NotFound
    {
        debug!("lock: cannot remove {}: {e}", path.display());
    }
}

/// `11 s`, `0.3 s`.
pub(crate) fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    fn wait(what: &str) -> Wait<'_> {
        Wait {
            what,
            exit: Exit::Auth,
            busy_with: None,
        }
    }

    #[test]
    fn same_file_notices_deletion_and_replacement() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a-b-token.lock");
        let file = try_flock(&path).unwrap().unwrap();
        assert!(same_file(&file, &path));
        std::fs::remove_file(&path).unwrap();
        assert!(!same_file(&file, &path));
        std::fs::write(&path, b"").unwrap();
        assert!(!same_file(&file, &path));
    }

    #[test]
    fn plain_flock_waits_reports_the_holder_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("state/zssh/locks");
        let held = runtime()
            .block_on(acquire(
                &locks,
                "h-cert",
                &wait("x"),
                Duration::ZERO,
                &mut |_, _| {},
            ))
            .unwrap();
        let mut seen = Vec::new();
        let err = runtime()
            .block_on(acquire(
                &locks,
                "h-cert",
                &wait("the certificate renewal for h"),
                Duration::from_millis(300),
                &mut |pid, _| seen.push(pid),
            ))
            .unwrap_err();
        let pid = std::process::id();
        assert_eq!(
            err.message,
            format!(
                "timed out after 0.3 s waiting for the certificate renewal for h (held by pid {pid})"
            )
        );
        assert!(err.hint.contains(&format!("kill {pid}")), "{}", err.hint);
        assert!(!seen.is_empty() && seen.iter().all(|p| *p == Some(pid)));
        drop(held);
        let again = runtime()
            .block_on(acquire(
                &locks,
                "h-cert",
                &wait("x"),
                Duration::ZERO,
                &mut |_, _| panic!("free: no wait"),
            ))
            .unwrap();
        drop(again);
    }

    /// The timeout belongs to the caller: `zssh config` waiting on a stuck `zssh config` is a
    /// local problem (it was an authentication failure, exit 3, for every caller), while a
    /// certificate renewal's holder may be in a browser login and says so.
    #[test]
    fn a_timeout_has_the_callers_exit_status_and_hint() {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("locks");
        let pid = std::process::id();
        let config = Wait {
            what: "another zssh config run",
            exit: Exit::Local,
            busy_with: None,
        };
        let renewal = Wait {
            what: "the certificate renewal for h",
            exit: Exit::Auth,
            busy_with: Some("a browser login"),
        };
        for (name, wait) in [("ssh-config", config), ("h-cert", renewal)] {
            let _held = runtime()
                .block_on(acquire(&locks, name, &wait, Duration::ZERO, &mut |_, _| {}))
                .unwrap();
            let err = runtime()
                .block_on(acquire(&locks, name, &wait, Duration::ZERO, &mut |_, _| {}))
                .unwrap_err();
            assert_eq!(err.exit, wait.exit, "{name}");
            assert_eq!(
                err.message,
                format!(
                    "timed out after 0 s waiting for {} (held by pid {pid})",
                    wait.what
                )
            );
            assert!(err.hint.contains(&format!("kill {pid}")), "{}", err.hint);
            assert_eq!(
                err.hint.contains("browser login"),
                wait.busy_with.is_some(),
                "{}",
                err.hint
            );
        }
        // A holder that did not say who it is.
        let err = timeout_error(&config, Duration::from_secs(60), None);
        assert_eq!(err.exit, Exit::Local);
        assert!(
            err.message.ends_with("(held by another process)"),
            "{}",
            err.message
        );
        assert!(!err.hint.contains("login"), "{}", err.hint);
        let err = timeout_error(&renewal, Duration::from_secs(60), None);
        assert_eq!(err.exit, Exit::Auth);
        assert!(
            err.hint.contains("waiting for a browser login"),
            "{}",
            err.hint
        );
    }
}
