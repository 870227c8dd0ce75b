//! The single-flight login lock: when many zssh processes (say 50 `ssh` runs from Ansible, each
//! running `zssh proxy`) need a token for the same app, exactly one runs the browser login; the
//! others wait, learn the login URL, and continue as soon as the holder is done.
//!
//! Two layers, see ../shared/docs/access-protocol.md section 4.4:
//!
//! * **zssh's own lock** is a [`flock`](crate::flock) on `<state dir>/zssh/locks/<token file
//!   name>.lock`: never stale, since the kernel releases it when the holder exits. Here it is
//!   re-entrant per owner (the tokio task, or the thread outside tasks): a nested acquisition by
//!   the owner succeeds at once, a different task or thread waits.
//! * **cloudflared's lock** `<token file>.lock` next to the token ([`cloudflared_lock`]). While
//!   holding the flock we wait for a *live* cloudflared lock, remove stale ones (including legacy
//!   empty files, which would stall legacy cloudflared for minutes), then write our own in
//!   cloudflared's format so a concurrent cloudflared waits for us, and remove it on release if it
//!   is still ours.
//!
//! Owns: the per-owner registry of held login locks, the order of release (`.url`, then
//! cloudflared's lock, then the flock), the login URL the holder publishes in `<token file>.url`
//! (cloudflared's place; waiters report each distinct URL once, never one left over from an
//! earlier login), the login-lock timeout error, and the lock state `zssh doctor` shows and clears
//! ([`state`], [`clear_dead`]).
//!
//! Must not: print (waiters report through the caller's callback; the caller decides), run the
//! login itself (`access::login`), or touch the token (`token_store`).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use super::cloudflared_lock::{self, CfRecord, Claim, Inspection};
use crate::debug;
use crate::error::UserError;
use crate::exit::Exit;
use crate::flock::{
    POLL, read_holder_pid, read_small, remove_quietly, seconds, try_flock, write_holder_record,
};
use crate::fsutil::{ensure_private_dir, write_private};

/// A `.url` file larger than this is not a login URL.
const MAX_URL_LEN: u64 = 8192;
/// What a waiter sees while it waits; passed to the callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waiting {
    /// A login URL published by the holder (reported once per distinct URL).
    Url(String),
    /// Someone else holds the lock: reported the first time we have to wait, and again when the
    /// holder changes (e.g. a zssh holder, then a cloudflared login). `pid` is `None` when the
    /// holder did not say who it is.
    Holder { pid: Option<u32>, cloudflared: bool },
}

/// The held lock. Dropping the outermost guard of an owner releases, in this order: the `.url`
/// file if it still holds what we published, our cloudflared-format lock if it still holds our pid
/// and start time, then the flock.
#[derive(Debug)]
pub struct LoginLock {
    key: PathBuf,
    url_file: PathBuf,
}

/// Who may re-enter a held lock: the tokio task, or the thread when not inside a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

fn current_owner() -> Owner {
    match tokio::task::try_id() {
        Some(id) => Owner::Task(id),
        None => Owner::Thread(std::thread::current().id()),
    }
}

/// One held lock of this process.
struct Held {
    owner: Owner,
    depth: usize,
    /// The open handle carrying the flock; closing it releases the lock.
    file: File,
    /// Our cloudflared-format lock, if we wrote one.
    cf_lock: Option<(PathBuf, CfRecord)>,
    /// The URL we last published, if any.
    url: Option<String>,
}

/// Locks held by this process, keyed by the flock file path.
static HELD: LazyLock<Mutex<HashMap<PathBuf, Held>>> = LazyLock::new(Default::default);

fn registry() -> MutexGuard<'static, HashMap<PathBuf, Held>> {
    // A panic while holding the mutex leaves consistent data: every update is a single step.
    HELD.lock().unwrap_or_else(|e| e.into_inner())
}

/// `path` with `suffix` appended to its file name (`x-token` → `x-token.lock`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s: OsString = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

fn token_name(token_file: &Path) -> Result<String, UserError> {
    token_file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            UserError::local(
                format!("cannot lock {}: not a file path", token_file.display()),
                "this is a bug in zssh; please report it",
            )
        })
}

/// The flock file for `token_file` inside `lock_dir`.
fn lock_path_for(lock_dir: &Path, token_file: &Path) -> Result<PathBuf, UserError> {
    Ok(lock_dir.join(format!("{}.lock", token_name(token_file)?)))
}

/// Take the single-flight lock for the token stored at `token_file` (full path in ~/.cloudflared,
/// whether or not the file exists). Polls until acquired or `deadline` elapses; calls `on_wait`
/// with [`Waiting::Holder`] when it first has to wait (and when the holder changes) and with
/// [`Waiting::Url`] for each distinct login URL the holder publishes.
pub async fn acquire(
    token_file: &Path,
    deadline: Duration,
    on_wait: &mut (dyn FnMut(Waiting) + Send),
) -> Result<LoginLock, UserError> {
    let dir = crate::paths::lock_dir()?;
    acquire_in(&dir, token_file, deadline, on_wait).await
}

/// [`acquire`] with the flock directory given.
pub async fn acquire_in(
    lock_dir: &Path,
    token_file: &Path,
    deadline: Duration,
    on_wait: &mut (dyn FnMut(Waiting) + Send),
) -> Result<LoginLock, UserError> {
    let started = Instant::now();
    let name = token_name(token_file)?;
    let key = lock_path_for(lock_dir, token_file)?;
    let cf_path = with_suffix(token_file, ".lock");
    let url_file = with_suffix(token_file, ".url");
    // A `LoginLock` exists only for a counted hold: it is built at the two points of success, so
    // an error or a cancelled wait can never release someone else's hold.
    let guard = |key: PathBuf, url_file: PathBuf| LoginLock { key, url_file };

    let owner = current_owner();
    if let Some(held) = registry().get_mut(&key)
        && held.owner == owner
    {
        held.depth += 1;
        debug!("lock: {} re-entered (depth {})", key.display(), held.depth);
        return Ok(guard(key, url_file));
    }

    ensure_private_dir(lock_dir)?;
    let me = cloudflared_lock::own_record();
    let mut waiter = Waiter {
        on_wait,
        url_file: url_file.clone(),
        last_holder: None,
        seen_urls: Vec::new(),
    };

    // Layer 1: our flock.
    let file = loop {
        if let Some(file) = try_flock(&key)? {
            break file;
        }
        let pid = read_holder_pid(&key);
        waiter.holder(pid, false);
        // URLs written before this holder took the lock are left-overs of an earlier login. If the
        // holder is itself waiting for a live cloudflared, that login's URL counts too.
        let mut since = mtime(&key);
        if let Some((_, cf_since)) = cloudflared_lock::live(&cf_path) {
            since = since.map(|s| s.min(cf_since));
        }
        waiter.poll_url(since);
        if started.elapsed() >= deadline {
            return Err(timeout_error(deadline, &name, pid, None));
        }
        debug!("lock: waiting for {} (held by pid {pid:?})", key.display());
        tokio::time::sleep(POLL.min(deadline.saturating_sub(started.elapsed()))).await;
    };
    write_holder_record(&file, &key);

    // Layer 2: cloudflared's lock, while holding ours (so only one zssh at a time touches it).
    let cf_lock = loop {
        match cloudflared_lock::claim(&cf_path, me) {
            Claim::Done(ours) => break ours.map(|rec| (cf_path.clone(), rec)),
            Claim::Live { pid, since } => {
                waiter.holder(Some(pid), true);
                waiter.poll_url(Some(since));
                if started.elapsed() >= deadline {
                    return Err(timeout_error(deadline, &name, Some(pid), Some(&cf_path)));
                }
                debug!(
                    "lock: waiting for cloudflared pid {pid} ({})",
                    cf_path.display()
                );
                tokio::time::sleep(POLL.min(deadline.saturating_sub(started.elapsed()))).await;
            }
        }
    };

    // Nobody is logging in now, so a URL file on disk is from an earlier login: drop it so no
    // waiter (zssh or cloudflared) shows a dead link.
    match std::fs::remove_file(&url_file) {
        Ok(()) => debug!("lock: removed left-over {}", url_file.display()),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => debug!("lock: cannot remove {}: {e}", url_file.display()),
    }

    registry().insert(
        key.clone(),
        Held {
            owner,
            depth: 1,
            file,
            cf_lock,
            url: None,
        },
    );
    debug!("lock: acquired {}", key.display());
    Ok(guard(key, url_file))
}

impl LoginLock {
    /// Publish the login URL for waiters (`<token_file>.url`, 0600, no trailing newline).
    pub fn publish_url(&self, url: &str) -> Result<(), UserError> {
        write_private(&self.url_file, url.as_bytes())?;
        if let Some(held) = registry().get_mut(&self.key) {
            held.url = Some(url.to_string());
        }
        Ok(())
    }
}

impl Drop for LoginLock {
    fn drop(&mut self) {
        let held = {
            let mut reg = registry();
            let Some(held) = reg.get_mut(&self.key) else {
                return;
            };
            held.depth -= 1;
            if held.depth > 0 {
                return;
            }
            reg.remove(&self.key)
        };
        let Some(held) = held else { return };
        // Files first, flock last: the next holder must not find our cloudflared lock.
        if let Some(url) = &held.url
            && read_small(&self.url_file, MAX_URL_LEN).is_some_and(|b| b == url.as_bytes())
        {
            remove_quietly(&self.url_file);
        }
        if let Some((path, ours)) = &held.cf_lock {
            cloudflared_lock::release(path, ours);
        }
        let _ = held.file.unlock();
        debug!("lock: released {}", self.key.display());
    }
}

/// Reports to the caller's callback, each thing once.
struct Waiter<'a> {
    on_wait: &'a mut (dyn FnMut(Waiting) + Send),
    url_file: PathBuf,
    last_holder: Option<(Option<u32>, bool)>,
    seen_urls: Vec<String>,
}

impl Waiter<'_> {
    fn holder(&mut self, pid: Option<u32>, cloudflared: bool) {
        let report = match self.last_holder {
            None => true,
            Some((last_pid, last_cf)) => {
                last_cf != cloudflared || (pid.is_some() && pid != last_pid)
            }
        };
        if report {
            self.last_holder = Some((pid, cloudflared));
            (self.on_wait)(Waiting::Holder { pid, cloudflared });
        }
    }

    /// Report the URL in the `.url` file if it is new and was written after `since` (with a
    /// second of slack for coarse file system clocks).
    fn poll_url(&mut self, since: Option<SystemTime>) {
        let Ok(meta) = std::fs::metadata(&self.url_file) else {
            return;
        };
        if let (Some(since), Ok(modified)) = (since, meta.modified())
            && modified + Duration::from_secs(1) < since
        {
            return;
        }
        let Some(bytes) = read_small(&self.url_file, MAX_URL_LEN) else {
            return;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            return;
        };
        let url = text.trim();
        // The caller prints it to a terminal: no control characters.
        if url.is_empty() || url.chars().any(char::is_control) {
            return;
        }
        if !self.seen_urls.iter().any(|u| u == url) {
            self.seen_urls.push(url.to_string());
            (self.on_wait)(Waiting::Url(url.to_string()));
        }
    }
}

fn timeout_error(
    deadline: Duration,
    token_name: &str,
    pid: Option<u32>,
    cloudflared_lock: Option<&Path>,
) -> UserError {
    let waited = seconds(deadline);
    let who = match pid {
        Some(pid) => format!("pid {pid}"),
        None => "another process".to_string(),
    };
    let message = format!(
        "timed out after {waited} waiting for another login to {token_name} (held by {who})"
    );
    let hint = match (cloudflared_lock, pid) {
        (Some(path), Some(pid)) => format!(
            "finish the cloudflared login in the browser or stop it (kill {pid}), then run the command again; if no cloudflared is logging in, delete {}",
            path.display()
        ),
        (_, Some(pid)) => format!(
            "finish the login in the browser (the URL is shown by the other process) or stop it (kill {pid}), then run the command again"
        ),
        _ => "finish or stop the other login, then run the command again".to_string(),
    };
    UserError::new(Exit::Auth, message, hint)
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// What the lock files for one token say, for `zssh doctor` (read-only unless asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockState {
    /// No login is running.
    Free,
    /// A zssh process holds the login lock (a login is in progress).
    Zssh { pid: Option<u32> },
    /// A live cloudflared process holds its lock.
    Cloudflared { pid: u32 },
    /// A cloudflared lock file nobody holds any more (it would block legacy cloudflared).
    Dead { reason: &'static str },
}

/// Inspect the locks for the token stored at `token_file`.
pub fn state(token_file: &Path) -> Result<LockState, UserError> {
    let ours = lock_path_for(&crate::paths::lock_dir()?, token_file)?;
    if ours.exists() && try_flock(&ours)?.is_none() {
        return Ok(LockState::Zssh {
            pid: read_holder_pid(&ours),
        });
    }
    Ok(
        match cloudflared_lock::inspect(&with_suffix(token_file, ".lock")) {
            Inspection::Missing => LockState::Free,
            Inspection::Live { pid, .. } => LockState::Cloudflared { pid },
            Inspection::Stale { reason, .. } => LockState::Dead { reason },
        },
    )
}

/// Remove a dead cloudflared lock for `token_file` (a live one is left alone). True if removed.
pub fn clear_dead(token_file: &Path) -> bool {
    let path = with_suffix(token_file, ".lock");
    match cloudflared_lock::inspect(&path) {
        Inspection::Stale { file, .. } => {
            cloudflared_lock::remove_if_same(&path, &file) && !path.exists()
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_os = "linux")]
    use crate::access::cloudflared_lock::testing::{Sleeper, cf_json};
    #[cfg(target_os = "linux")]
    use crate::access::cloudflared_lock::{own_record, process_start_ms};
    #[cfg(target_os = "linux")]
    use std::io::BufRead;
    #[cfg(target_os = "linux")]
    use std::process::{Command, Stdio};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::mpsc;

    struct Fixture {
        _dir: tempfile::TempDir,
        locks: PathBuf,
        token: PathBuf,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let locks = dir.path().join("state/zssh/locks");
        let cf = dir.path().join("home/.cloudflared");
        std::fs::create_dir_all(&cf).unwrap();
        let token = cf.join("ssh.example.com-aud123-token");
        Fixture {
            _dir: dir,
            locks,
            token,
        }
    }

    impl Fixture {
        fn cf_lock(&self) -> PathBuf {
            with_suffix(&self.token, ".lock")
        }
        fn url(&self) -> PathBuf {
            with_suffix(&self.token, ".url")
        }
        fn flock_file(&self) -> PathBuf {
            lock_path_for(&self.locks, &self.token).unwrap()
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    fn no_wait() -> impl FnMut(Waiting) + Send {
        |w| panic!("unexpected wait: {w:?}")
    }

    #[cfg(target_os = "linux")]
    fn our_cf_record() -> CfRecord {
        own_record().expect("our start time on Linux")
    }

    #[test]
    fn second_thread_waits_until_first_guard_drops() {
        let f = Arc::new(fixture());
        let url = "https://team.example.com/cdn-cgi/access/cli?token=abc";
        let (acquired_tx, acquired_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let released = Arc::new(AtomicBool::new(false));

        let holder = {
            let (f, released) = (f.clone(), released.clone());
            std::thread::spawn(move || {
                let guard = runtime()
                    .block_on(acquire_in(
                        &f.locks,
                        &f.token,
                        Duration::ZERO,
                        &mut no_wait(),
                    ))
                    .unwrap();
                guard.publish_url(url).unwrap();
                acquired_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                released.store(true, Ordering::SeqCst);
                drop(guard);
            })
        };
        acquired_rx.recv().unwrap();
        // The published URL: 0600, no newline.
        assert_eq!(std::fs::read_to_string(f.url()).unwrap(), url);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.url()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        let (event_tx, event_rx) = mpsc::channel();
        let waiter = {
            let (f, released) = (f.clone(), released.clone());
            std::thread::spawn(move || {
                let mut on_wait = move |w: Waiting| event_tx.send(w).unwrap();
                let guard = runtime()
                    .block_on(acquire_in(
                        &f.locks,
                        &f.token,
                        Duration::from_secs(60),
                        &mut on_wait,
                    ))
                    .unwrap();
                assert!(released.load(Ordering::SeqCst), "acquired before release");
                drop(guard);
            })
        };
        assert_eq!(
            event_rx.recv().unwrap(),
            Waiting::Holder {
                pid: Some(std::process::id()),
                cloudflared: false
            }
        );
        assert_eq!(event_rx.recv().unwrap(), Waiting::Url(url.to_string()));
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        waiter.join().unwrap();
        // The URL was reported once, and removed with the holder's release.
        assert!(event_rx.try_iter().next().is_none());
        assert!(!f.url().exists());
        assert!(!f.cf_lock().exists());
    }

    #[tokio::test]
    async fn tasks_in_one_runtime_take_turns() {
        let f = Arc::new(fixture());
        let (acquired_tx, acquired_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let released = Arc::new(AtomicBool::new(false));

        let holder = {
            let (f, released) = (f.clone(), released.clone());
            tokio::spawn(async move {
                let guard = acquire_in(&f.locks, &f.token, Duration::ZERO, &mut no_wait())
                    .await
                    .unwrap();
                acquired_tx.send(()).unwrap();
                release_rx.await.unwrap();
                released.store(true, Ordering::SeqCst);
                drop(guard);
            })
        };
        acquired_rx.await.unwrap();

        let (event_tx, mut event_rx) = tokio::sync::mpsc::unbounded_channel();
        let waiter = {
            let (f, released) = (f.clone(), released.clone());
            tokio::spawn(async move {
                let mut on_wait = move |w: Waiting| event_tx.send(w).unwrap();
                let guard = acquire_in(&f.locks, &f.token, Duration::from_secs(60), &mut on_wait)
                    .await
                    .unwrap();
                assert!(released.load(Ordering::SeqCst), "acquired before release");
                drop(guard);
            })
        };
        assert!(matches!(
            event_rx.recv().await.unwrap(),
            Waiting::Holder {
                cloudflared: false,
                ..
            }
        ));
        release_tx.send(()).unwrap();
        holder.await.unwrap();
        waiter.await.unwrap();
    }

    #[tokio::test]
    async fn reentrant_within_one_owner() {
        let f = fixture();
        let outer = acquire_in(&f.locks, &f.token, Duration::ZERO, &mut no_wait())
            .await
            .unwrap();
        let inner = acquire_in(&f.locks, &f.token, Duration::ZERO, &mut no_wait())
            .await
            .unwrap();
        inner.publish_url("https://x.example/login").unwrap();
        let probe = File::open(f.flock_file()).unwrap();
        assert!(matches!(
            probe.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));

        // The inner guard releases nothing.
        drop(inner);
        assert!(matches!(
            probe.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        assert!(f.url().exists());
        #[cfg(target_os = "linux")]
        assert!(f.cf_lock().exists());

        drop(outer);
        probe.try_lock().unwrap();
        assert!(!f.url().exists());
        assert!(!f.cf_lock().exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn sigkilled_holder_releases_at_once() {
        let f = fixture();
        std::fs::create_dir_all(&f.locks).unwrap();
        let path = f.flock_file();
        // flock(1) locks fd 9, which `exec sleep` inherits: the sleep process holds the lock.
        let mut holder = Command::new("sh")
            .arg("-c")
            .arg(r#"exec 9>>"$1"; flock -n 9 || exit 3; echo locked; exec sleep 1000"#)
            .arg("sh")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(holder.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "locked\n");

        // flock(1) and File::lock are the same lock.
        let probe = File::open(&path).unwrap();
        assert!(matches!(
            probe.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        let mut events = Vec::new();
        let err = runtime()
            .block_on(acquire_in(&f.locks, &f.token, Duration::ZERO, &mut |w| {
                events.push(w)
            }))
            .unwrap_err();
        assert_eq!(
            err.message,
            "timed out after 0 s waiting for another login to ssh.example.com-aud123-token (held by another process)"
        );
        assert_eq!(
            events,
            [Waiting::Holder {
                pid: None,
                cloudflared: false
            }]
        );

        holder.kill().unwrap(); // SIGKILL
        holder.wait().unwrap();
        let guard = runtime()
            .block_on(acquire_in(
                &f.locks,
                &f.token,
                Duration::ZERO,
                &mut no_wait(),
            ))
            .unwrap();
        drop(guard);
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn waits_for_live_cloudflared_and_shows_its_url() {
        let f = Arc::new(fixture());
        let mut sleeper = Sleeper::spawn();
        let pid = sleeper.pid();
        let start = process_start_ms(pid).unwrap();
        std::fs::write(f.cf_lock(), cf_json(pid, start)).unwrap();
        let url = "https://team.example.com/cdn-cgi/access/cli?redirect_url=x";
        std::fs::write(f.url(), url).unwrap();

        let (event_tx, mut event_rx) = tokio::sync::mpsc::unbounded_channel();
        let task = {
            let f = f.clone();
            tokio::spawn(async move {
                let mut on_wait = move |w: Waiting| event_tx.send(w).unwrap();
                acquire_in(&f.locks, &f.token, Duration::from_secs(60), &mut on_wait).await
            })
        };
        assert_eq!(
            event_rx.recv().await.unwrap(),
            Waiting::Holder {
                pid: Some(pid),
                cloudflared: true
            }
        );
        assert_eq!(event_rx.recv().await.unwrap(), Waiting::Url(url.into()));

        // Killed but not yet reaped: a zombie is not a live login either.
        sleeper.0.kill().unwrap();
        let guard = task.await.unwrap().unwrap();
        sleeper.0.wait().unwrap();
        assert!(event_rx.recv().await.is_none(), "each thing reported once");

        // Our cloudflared-format lock replaced it; the old URL file is gone.
        let content = std::fs::read_to_string(f.cf_lock()).unwrap();
        assert_eq!(
            content,
            cf_json(std::process::id(), our_cf_record().start_time)
        );
        assert!(!f.url().exists());
        drop(guard);
        assert!(!f.cf_lock().exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn live_cloudflared_past_deadline_is_a_clear_error() {
        let f = fixture();
        let sleeper = Sleeper::spawn();
        let start = process_start_ms(sleeper.pid()).unwrap();
        std::fs::write(f.cf_lock(), cf_json(sleeper.pid(), start)).unwrap();
        let err = runtime()
            .block_on(acquire_in(&f.locks, &f.token, Duration::ZERO, &mut |_| {}))
            .unwrap_err();
        assert_eq!(err.exit, Exit::Auth);
        assert_eq!(
            err.message,
            format!(
                "timed out after 0 s waiting for another login to ssh.example.com-aud123-token (held by pid {})",
                sleeper.pid()
            )
        );
        assert!(
            err.hint.contains(&f.cf_lock().display().to_string()),
            "{}",
            err.hint
        );
        // Left alone, and our flock released.
        assert_eq!(
            std::fs::read_to_string(f.cf_lock()).unwrap(),
            cf_json(sleeper.pid(), start)
        );
        File::open(f.flock_file()).unwrap().try_lock().unwrap();
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn stale_cloudflared_locks_are_removed_and_replaced() {
        let sleeper = Sleeper::spawn();
        let start = process_start_ms(sleeper.pid()).unwrap();
        let mut dead = Command::new("true").spawn().unwrap();
        let dead_pid = dead.id();
        dead.wait().unwrap();
        let eleven_min = Duration::from_secs(11 * 60);
        let cases: &[(&str, String, Option<Duration>)] = &[
            ("dead pid", cf_json(dead_pid, start), None),
            ("start mismatch", cf_json(sleeper.pid(), start - 5000), None),
            ("unparsable", "{\"pid\":".to_string(), None),
            ("empty legacy", String::new(), None),
            (
                "mtime > 10 min",
                cf_json(sleeper.pid(), start),
                Some(eleven_min),
            ),
            ("our own left-over", cf_json(std::process::id(), 1), None),
        ];
        for (name, content, age) in cases {
            let f = fixture();
            std::fs::write(f.cf_lock(), content).unwrap();
            if let Some(age) = age {
                let file = File::options().write(true).open(f.cf_lock()).unwrap();
                file.set_modified(SystemTime::now() - *age).unwrap();
            }
            let guard = runtime()
                .block_on(acquire_in(
                    &f.locks,
                    &f.token,
                    Duration::ZERO,
                    &mut no_wait(),
                ))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let ours = our_cf_record();
            assert_eq!(
                std::fs::read_to_string(f.cf_lock()).unwrap(),
                cf_json(ours.pid, ours.start_time),
                "{name}"
            );
            drop(guard);
            assert!(!f.cf_lock().exists(), "{name}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_cloudflared_lock_is_written_and_removed_only_if_still_ours() {
        let f = fixture();
        // No ~/.cloudflared yet: created 0700 like cloudflared does.
        std::fs::remove_dir(f.token.parent().unwrap()).unwrap();
        let guard = runtime()
            .block_on(acquire_in(
                &f.locks,
                &f.token,
                Duration::ZERO,
                &mut no_wait(),
            ))
            .unwrap();
        let content = std::fs::read(f.cf_lock()).unwrap();
        assert_eq!(content.last(), Some(&b'\n'));
        let rec: CfRecord = serde_json::from_slice(&content).unwrap();
        assert_eq!(rec.pid, std::process::id());
        assert_eq!(Some(rec.start_time), process_start_ms(rec.pid));
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(f.cf_lock()).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir = std::fs::metadata(f.token.parent().unwrap()).unwrap();
            assert_eq!(dir.permissions().mode() & 0o777, 0o700);
        }
        drop(guard);
        assert!(!f.cf_lock().exists());

        // Replaced while held (say by `rm` and a cloudflared): left alone on release.
        let guard = runtime()
            .block_on(acquire_in(
                &f.locks,
                &f.token,
                Duration::ZERO,
                &mut no_wait(),
            ))
            .unwrap();
        guard.publish_url("https://a.example/1").unwrap();
        std::fs::write(f.cf_lock(), cf_json(1, 0)).unwrap();
        std::fs::write(f.url(), "https://b.example/2").unwrap();
        drop(guard);
        assert_eq!(std::fs::read_to_string(f.cf_lock()).unwrap(), cf_json(1, 0));
        assert_eq!(
            std::fs::read_to_string(f.url()).unwrap(),
            "https://b.example/2"
        );
    }

    #[test]
    fn deadline_error_names_the_zssh_holder() {
        let f = Arc::new(fixture());
        let (acquired_tx, acquired_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let holder = {
            let f = f.clone();
            std::thread::spawn(move || {
                let guard = runtime()
                    .block_on(acquire_in(
                        &f.locks,
                        &f.token,
                        Duration::ZERO,
                        &mut no_wait(),
                    ))
                    .unwrap();
                acquired_tx.send(()).unwrap();
                release_rx.recv().unwrap();
                drop(guard);
            })
        };
        acquired_rx.recv().unwrap();
        let mut events = Vec::new();
        let err = runtime()
            .block_on(acquire_in(
                &f.locks,
                &f.token,
                Duration::from_millis(300),
                &mut |w| events.push(w),
            ))
            .unwrap_err();
        // The failed attempt left the holder's lock alone.
        let probe = File::open(f.flock_file()).unwrap();
        assert!(matches!(
            probe.try_lock(),
            Err(std::fs::TryLockError::WouldBlock)
        ));
        release_tx.send(()).unwrap();
        holder.join().unwrap();
        probe.try_lock().unwrap();
        let pid = std::process::id();
        assert_eq!(err.exit, Exit::Auth);
        assert_eq!(
            err.message,
            format!(
                "timed out after 0.3 s waiting for another login to ssh.example.com-aud123-token (held by pid {pid})"
            )
        );
        assert!(err.hint.contains(&format!("kill {pid}")), "{}", err.hint);
        assert_eq!(
            events,
            [Waiting::Holder {
                pid: Some(pid),
                cloudflared: false
            }]
        );
    }

    #[test]
    fn stale_url_file_from_an_earlier_login_is_not_reported() {
        let f = fixture();
        std::fs::write(f.url(), "https://old.example/").unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        File::options()
            .write(true)
            .open(f.url())
            .unwrap()
            .set_modified(old)
            .unwrap();
        let mut events = Vec::new();
        let mut waiter = Waiter {
            on_wait: &mut |w| events.push(w),
            url_file: f.url(),
            last_holder: None,
            seen_urls: Vec::new(),
        };
        waiter.poll_url(Some(SystemTime::now()));
        waiter.poll_url(Some(old));
        waiter.poll_url(Some(old));
        std::fs::write(f.url(), "bad\u{1b}[2Jurl").unwrap();
        waiter.poll_url(None);
        drop(waiter);
        assert_eq!(events, [Waiting::Url("https://old.example/".into())]);
    }

    #[test]
    fn lock_file_is_named_after_the_token() {
        assert_eq!(
            lock_path_for(Path::new("/l"), Path::new("/h/.cloudflared/a-b-token")).unwrap(),
            PathBuf::from("/l/a-b-token.lock")
        );
    }
}
