//! The single-flight login lock: when many zssh processes (say 50 `ssh` runs from Ansible, each
//! running `zssh proxy`) need a token for the same app, exactly one runs the browser login; the
//! others wait, learn the login URL, and continue as soon as the holder is done.
//!
//! Two layers, see ../shared/docs/access-protocol.md section 4.4:
//!
//! * **zssh's own lock** is an flock ([`File::try_lock`]) on `<state dir>/zssh/locks/<token file
//!   name>.lock`. The kernel releases it when the holder exits, however it exits (SIGKILL
//!   included), so it is never stale. The file itself stays on disk; it holds `{"pid":N}` of the
//!   last holder, which waiters only read while someone holds the lock. It is re-entrant per owner
//!   (the tokio task, or the thread outside tasks): a nested acquisition by the owner succeeds at
//!   once, a different task or thread waits.
//! * **cloudflared's lock** `<token file>.lock` next to the token. While holding the flock we wait
//!   for a *live* cloudflared lock (current JSON format, section 4.4 staleness rules), remove stale
//!   ones (including legacy empty files, which would stall legacy cloudflared for minutes), then
//!   write our own in cloudflared's format so a concurrent cloudflared waits for us. We delete it on
//!   release after checking it is still ours (the fix proposed in cloudflared PR #1713).
//!
//! The holder publishes the login URL in `<token file>.url` (cloudflared's place); waiters report
//! each distinct URL once through a callback. This module never prints: the caller decides.
//!
//! Off Linux the liveness of a cloudflared lock cannot be checked without unsafe code, so any
//! parsable cloudflared lock younger than 10 minutes counts as live, and no cloudflared-format lock
//! of ours is written (cloudflared would find our start time unverifiable and remove it anyway).

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::debug;
use crate::error::UserError;
use crate::exit::Exit;
use crate::flock::{
    MAX_LOCK_LEN, POLL, read_holder_pid, read_small, remove_quietly, same_file, seconds, try_flock,
    write_holder_record,
};
use crate::fsutil::{ensure_private_dir, write_private};

/// cloudflared treats a lock file whose mtime is older than this as stale.
const STALE_AGE: Duration = Duration::from_secs(10 * 60);
/// cloudflared's tolerance between the recorded and the live process start time.
const START_SLACK_MS: u64 = 1000;
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

/// cloudflared's current lock content: `{"pid":N,"start_time":MS}` + newline.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
struct CfRecord {
    pid: u32,
    start_time: i64,
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
    let me = own_record();
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
        if let Some((_, cf_since)) = live_cloudflared(&cf_path) {
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
        match claim_cloudflared(&cf_path, me) {
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
            let still_ours = read_small(path, MAX_LOCK_LEN)
                .and_then(|b| serde_json::from_slice::<CfRecord>(&b).ok())
                .is_some_and(|rec| rec == *ours);
            if still_ours {
                remove_quietly(path);
            } else {
                debug!(
                    "lock: {} was replaced by someone else; leaving it",
                    path.display()
                );
            }
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

/// Our cloudflared-format record, or `None` where our start time cannot be known as cloudflared
/// computes it (off Linux).
fn own_record() -> Option<CfRecord> {
    let pid = std::process::id();
    Some(CfRecord {
        pid,
        start_time: process_start_ms(pid)?,
    })
}

enum Claim {
    /// Nothing blocks us; carries our record if we wrote our cloudflared-format lock.
    Done(Option<CfRecord>),
    /// A live cloudflared login holds it; `since` is its lock's mtime.
    Live { pid: u32, since: SystemTime },
}

/// Clear stale cloudflared locks and create ours, or report the live one in the way.
fn claim_cloudflared(path: &Path, me: Option<CfRecord>) -> Claim {
    for _ in 0..8 {
        if let Some(me) = me {
            match create_cf_lock(path, me) {
                Ok(()) => return Claim::Done(Some(me)),
                Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                Err(e) => {
                    // Unwritable ~/.cloudflared: proceed under our flock alone; the token write
                    // will report the real problem.
                    debug!("lock: cannot create {}: {e}", path.display());
                    return Claim::Done(None);
                }
            }
        }
        match inspect_cf_lock(path) {
            Inspection::Missing if me.is_none() => return Claim::Done(None),
            Inspection::Missing => continue,
            Inspection::Live { pid, since } => return Claim::Live { pid, since },
            Inspection::Stale { reason, file } => {
                if !remove_if_same(path, &file) {
                    return Claim::Done(None);
                }
                debug!(
                    "lock: removed stale cloudflared lock {} ({reason})",
                    path.display()
                );
            }
        }
    }
    Claim::Done(None)
}

/// Exclusive create, 0600, one JSON line. A half-written file is removed again.
fn create_cf_lock(path: &Path, me: CfRecord) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.is_dir()
    {
        ensure_private_dir(dir).map_err(|e| std::io::Error::other(e.message))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let mut line = serde_json::to_vec(&me).map_err(std::io::Error::other)?;
    line.push(b'\n');
    if let Err(e) = file.write_all(&line) {
        drop(file);
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

enum Inspection {
    Missing,
    Live {
        pid: u32,
        since: SystemTime,
    },
    Stale {
        reason: &'static str,
        file: Option<File>,
    },
}

fn inspect_cf_lock(path: &Path) -> Inspection {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Inspection::Missing,
        Err(_) => {
            return Inspection::Stale {
                reason: "unreadable",
                file: None,
            };
        }
    };
    let modified = file.metadata().and_then(|m| m.modified()).ok();
    let mut bytes = Vec::new();
    if (&file).take(MAX_LOCK_LEN).read_to_end(&mut bytes).is_err() {
        return Inspection::Stale {
            reason: "unreadable",
            file: Some(file),
        };
    }
    let age = modified
        .and_then(|m| SystemTime::now().duration_since(m).ok())
        .unwrap_or_default();
    let start_of: Option<&dyn Fn(u32) -> Option<i64>> = if cfg!(target_os = "linux") {
        Some(&process_start_ms)
    } else {
        None
    };
    match classify(&bytes, age, std::process::id(), start_of) {
        Verdict::Live(pid) => Inspection::Live {
            pid,
            since: modified.unwrap_or_else(SystemTime::now),
        },
        Verdict::Stale(reason) => Inspection::Stale {
            reason,
            file: Some(file),
        },
    }
}

/// The live cloudflared lock at `path`, if any, without touching it.
fn live_cloudflared(path: &Path) -> Option<(u32, SystemTime)> {
    match inspect_cf_lock(path) {
        Inspection::Live { pid, since } => Some((pid, since)),
        _ => None,
    }
}

/// Remove `path` if it is still the file we inspected (a cloudflared may have replaced a stale
/// lock with a live one meanwhile). Returns false if a stale lock could not be removed.
fn remove_if_same(path: &Path, inspected: &Option<File>) -> bool {
    if let Some(file) = inspected
        && !same_file(file, path)
    {
        return true; // replaced: look again
    }
    match std::fs::remove_file(path) {
        Ok(()) => true,
        Err(e) if e.kind() == ErrorKind::NotFound => true,
        Err(e) => {
            debug!("lock: cannot remove stale {}: {e}", path.display());
            false
        }
    }
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
    Ok(match inspect_cf_lock(&with_suffix(token_file, ".lock")) {
        Inspection::Missing => LockState::Free,
        Inspection::Live { pid, .. } => LockState::Cloudflared { pid },
        Inspection::Stale { reason, .. } => LockState::Dead { reason },
    })
}

/// Remove a dead cloudflared lock for `token_file` (a live one is left alone). True if removed.
pub fn clear_dead(token_file: &Path) -> bool {
    let path = with_suffix(token_file, ".lock");
    match inspect_cf_lock(&path) {
        Inspection::Stale { file, .. } => remove_if_same(&path, &file) && !path.exists(),
        _ => false,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Live(u32),
    Stale(&'static str),
}

/// cloudflared's staleness rules (spec 4.4) for lock content `content` whose mtime is `age` old.
/// `start_of` gives a live process's start time in ms (`None`: gone, a zombie, or unreadable);
/// without it (off Linux) a parsable, fresh lock counts as live. A lock naming `self_pid` can only
/// be a left-over of this process, since we checked it while holding our flock.
fn classify(
    content: &[u8],
    age: Duration,
    self_pid: u32,
    start_of: Option<&dyn Fn(u32) -> Option<i64>>,
) -> Verdict {
    if content.iter().all(u8::is_ascii_whitespace) {
        return Verdict::Stale("empty (legacy) lock");
    }
    let Ok(rec) = serde_json::from_slice::<CfRecord>(content) else {
        return Verdict::Stale("unparsable");
    };
    if age > STALE_AGE {
        return Verdict::Stale("older than 10 minutes");
    }
    if rec.pid == self_pid {
        return Verdict::Stale("left behind by this process");
    }
    let Some(start_of) = start_of else {
        return Verdict::Live(rec.pid);
    };
    match start_of(rec.pid) {
        None => Verdict::Stale("process is gone"),
        Some(start) if start.abs_diff(rec.start_time) > START_SLACK_MS => {
            Verdict::Stale("start time differs (pid reused)")
        }
        Some(_) => Verdict::Live(rec.pid),
    }
}

/// A process's start time in ms since the epoch, computed as cloudflared (gopsutil) does on
/// Linux: `/proc/<pid>/stat` field 22 (clock ticks since boot, USER_HZ = 100) truncated to whole
/// seconds, plus `btime` from `/proc/stat`, times 1000. `None` if the process does not exist, is
/// a zombie, or cannot be read.
#[cfg(target_os = "linux")]
fn process_start_ms(pid: u32) -> Option<i64> {
    const CLOCK_TICKS: u64 = 100;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?; // field 3
    if state == "Z" || state == "X" || state == "x" {
        return None;
    }
    let ticks: u64 = fields.nth(22 - 4)?.parse().ok()?;
    let btime: u64 = std::fs::read_to_string("/proc/stat")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()?;
    i64::try_from((ticks / CLOCK_TICKS + btime) * 1000).ok()
}

#[cfg(not(target_os = "linux"))]
fn process_start_ms(_pid: u32) -> Option<i64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_os = "linux")]
    use std::io::BufRead;
    #[cfg(target_os = "linux")]
    use std::process::{Child, Command, Stdio};
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

    #[cfg(target_os = "linux")]
    fn cf_json(pid: u32, start_time: i64) -> String {
        format!("{{\"pid\":{pid},\"start_time\":{start_time}}}\n")
    }

    /// A live process with a real start time, killed and reaped on drop.
    #[cfg(target_os = "linux")]
    struct Sleeper(Child);

    #[cfg(target_os = "linux")]
    impl Sleeper {
        fn spawn() -> Sleeper {
            Sleeper(
                Command::new("sleep")
                    .arg("1000")
                    .stdin(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        }
        fn pid(&self) -> u32 {
            self.0.id()
        }
    }

    #[cfg(target_os = "linux")]
    impl Drop for Sleeper {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn classify_follows_cloudflared_staleness_rules() {
        let me = 4242;
        let table: &[(&str, &str, u64, Option<i64>, Verdict)] = &[
            (
                "live",
                r#"{"pid":7,"start_time":5000}"#,
                5,
                Some(5000),
                Verdict::Live(7),
            ),
            (
                "newline and extra field",
                "{\"pid\":7,\"start_time\":5000,\"x\":1}\n",
                0,
                Some(5000),
                Verdict::Live(7),
            ),
            (
                "slack 1000 ms",
                r#"{"pid":7,"start_time":5000}"#,
                0,
                Some(6000),
                Verdict::Live(7),
            ),
            (
                "slack exceeded",
                r#"{"pid":7,"start_time":5000}"#,
                0,
                Some(6001),
                Verdict::Stale("start time differs (pid reused)"),
            ),
            (
                "gone",
                r#"{"pid":7,"start_time":5000}"#,
                0,
                None,
                Verdict::Stale("process is gone"),
            ),
            (
                "empty legacy",
                "",
                0,
                Some(5000),
                Verdict::Stale("empty (legacy) lock"),
            ),
            (
                "whitespace",
                " \n",
                0,
                Some(5000),
                Verdict::Stale("empty (legacy) lock"),
            ),
            (
                "garbage",
                "pid=7",
                0,
                Some(5000),
                Verdict::Stale("unparsable"),
            ),
            (
                "negative pid",
                r#"{"pid":-1,"start_time":5000}"#,
                0,
                Some(5000),
                Verdict::Stale("unparsable"),
            ),
            (
                "missing start",
                r#"{"pid":7}"#,
                0,
                Some(5000),
                Verdict::Stale("unparsable"),
            ),
            (
                "9 min old",
                r#"{"pid":7,"start_time":5000}"#,
                540,
                Some(5000),
                Verdict::Live(7),
            ),
            (
                "11 min old",
                r#"{"pid":7,"start_time":5000}"#,
                660,
                Some(5000),
                Verdict::Stale("older than 10 minutes"),
            ),
            (
                "ours",
                r#"{"pid":4242,"start_time":5000}"#,
                0,
                Some(5000),
                Verdict::Stale("left behind by this process"),
            ),
        ];
        for (name, content, age, start, want) in table {
            let start = *start;
            let start_of = move |_pid: u32| start;
            let got = classify(
                content.as_bytes(),
                Duration::from_secs(*age),
                me,
                Some(&start_of),
            );
            assert_eq!(&got, want, "{name}");
        }
        // Off Linux: a fresh parsable lock is live whatever its pid.
        let got = classify(br#"{"pid":7,"start_time":1}"#, Duration::ZERO, me, None);
        assert_eq!(got, Verdict::Live(7));
        let got = classify(b"", Duration::ZERO, me, None);
        assert_eq!(got, Verdict::Stale("empty (legacy) lock"));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn process_start_time_is_gopsutil_style() {
        let start = process_start_ms(std::process::id()).unwrap();
        assert_eq!(start % 1000, 0, "whole seconds, as gopsutil computes it");
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        assert!(
            start <= now + 1000 && start > now - 86_400_000,
            "{start} vs {now}"
        );
        // A child started after us started no earlier than we did.
        let child = Sleeper::spawn();
        assert!(process_start_ms(child.pid()).unwrap() >= start);
        // A reaped child has no start time; pid 0 never does.
        let mut gone = Command::new("true").spawn().unwrap();
        let gone_pid = gone.id();
        gone.wait().unwrap();
        assert_eq!(process_start_ms(gone_pid), None);
        assert_eq!(process_start_ms(0), None);
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
