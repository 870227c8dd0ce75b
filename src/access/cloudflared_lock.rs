//! Compatibility with cloudflared's login lock: the file `<token file>.lock` next to the token in
//! `~/.cloudflared`, holding `{"pid":N,"start_time":MS}` (../shared/docs/access-protocol.md
//! section 4.4). The login lock (`login_lock`) takes it, after its own flock, so that a
//! cloudflared and a zssh logging in to the same application at once take turns.
//!
//! Owns: reading such a lock and deciding whether it is live by cloudflared's staleness rules (a
//! live process whose start time matches, within 10 minutes; empty legacy files and anything
//! unparsable are stale), a process's start time as cloudflared computes it, removing a stale lock
//! only if it is still the file that was inspected, writing ours in cloudflared's format
//! (exclusive create, 0600), and removing ours on release only if it is still ours (the fix
//! proposed in cloudflared PR #1713).
//!
//! Must not: wait, poll or print (the login lock decides what a wait means and reports it), or be
//! touched by two zssh processes at once: callers hold the login lock's flock.
//!
//! Off Linux the liveness of a cloudflared lock cannot be checked without unsafe code, so any
//! parsable cloudflared lock younger than 10 minutes counts as live, and no cloudflared-format lock
//! of ours is written (cloudflared would find our start time unverifiable and remove it anyway).

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::Path;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::debug;
use crate::flock::{MAX_LOCK_LEN, open_for_reading, read_small, remove_quietly, same_file};
use crate::fsutil::ensure_private_dir;

/// cloudflared treats a lock file whose mtime is older than this as stale.
const STALE_AGE: Duration = Duration::from_secs(10 * 60);

/// cloudflared's tolerance between the recorded and the live process start time.
const START_SLACK_MS: u64 = 1000;

/// cloudflared's current lock content: `{"pid":N,"start_time":MS}` + newline.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CfRecord {
    pub(crate) pid: u32,
    pub(crate) start_time: i64,
}

/// Our cloudflared-format record, or `None` where our start time cannot be known as cloudflared
/// computes it (off Linux).
pub(crate) fn own_record() -> Option<CfRecord> {
    let pid = std::process::id();
    Some(CfRecord {
        pid,
        start_time: process_start_ms(pid)?,
    })
}

pub(crate) enum Claim {
    /// Nothing blocks us; carries our record if we wrote our cloudflared-format lock.
    Done(Option<CfRecord>),
    /// A live cloudflared login holds it; `since` is its lock's mtime.
    Live { pid: u32, since: SystemTime },
}

/// Clear stale cloudflared locks and create ours, or report the live one in the way.
pub(crate) fn claim(path: &Path, me: Option<CfRecord>) -> Claim {
    for _ in 0..8 {
        if let Some(me) = me {
            match create(path, me) {
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
        match inspect(path) {
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

/// Create ours: exclusive create, 0600, one JSON line. A half-written file is removed again.
fn create(path: &Path, me: CfRecord) -> std::io::Result<()> {
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

/// Remove our cloudflared-format lock at `path` if it still holds `ours` (someone may have replaced
/// it while we held it: `rm` and a cloudflared login, say); otherwise leave it.
pub(crate) fn release(path: &Path, ours: &CfRecord) {
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

pub(crate) enum Inspection {
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

pub(crate) fn inspect(path: &Path) -> Inspection {
    let file = match open_for_reading(path) {
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
pub(crate) fn live(path: &Path) -> Option<(u32, SystemTime)> {
    match inspect(path) {
        Inspection::Live { pid, since } => Some((pid, since)),
        _ => None,
    }
}

/// Remove `path` if it is still the file we inspected (a cloudflared may have replaced a stale
/// lock with a live one meanwhile). Returns false if a stale lock could not be removed.
pub(crate) fn remove_if_same(path: &Path, inspected: &Option<File>) -> bool {
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
pub(crate) fn process_start_ms(pid: u32) -> Option<i64> {
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
pub(crate) fn process_start_ms(_pid: u32) -> Option<i64> {
    None
}

/// Helpers for the tests here and in `login_lock`: real processes with real start times.
#[cfg(all(test, target_os = "linux"))]
pub(crate) mod testing {
    use std::process::{Child, Command, Stdio};

    pub(crate) fn cf_json(pid: u32, start_time: i64) -> String {
        format!("{{\"pid\":{pid},\"start_time\":{start_time}}}\n")
    }

    /// A live process with a real start time, killed and reaped on drop.
    pub(crate) struct Sleeper(pub(crate) Child);

    impl Sleeper {
        pub(crate) fn spawn() -> Sleeper {
            Sleeper(
                Command::new("sleep")
                    .arg("1000")
                    .stdin(Stdio::null())
                    .spawn()
                    .unwrap(),
            )
        }
        pub(crate) fn pid(&self) -> u32 {
            self.0.id()
        }
    }

    impl Drop for Sleeper {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_os = "linux")]
    use super::testing::Sleeper;
    use super::*;
    #[cfg(target_os = "linux")]
    use std::process::Command;

    #[test]
    #[allow(clippy::too_many_lines)] // One row per rule: a table, not steps.
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
}
