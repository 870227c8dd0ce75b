//! Running `warp-cli` (the Cloudflare One Client's command line): found on `PATH`, stdin closed,
//! in its own process group (killed whole at the deadline), output capped (more is an error),
//! JSON (`-j`) asked for first. A JSON `{"code","error"}` body is a
//! failure even when the exit status is 0 (the client answers errors that way), and the code
//! `FailedToConnectToDaemon` means the client's daemon is not running.
//!
//! Never prints; what the client said goes back in [`Error`] for the caller to word.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::Error;

/// The program's name on `PATH`.
pub const PROGRAM: &str = "warp-cli";

/// How long one `warp-cli` call may take (it asks a local daemon; `target list` may ask the
/// account's API through it).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// More output (on stdout or stderr) than any answer of the client needs: an error, never
/// an answer cut short and parsed.
pub const MAX_OUTPUT: usize = 4 << 20;

/// What one call printed (made safe for a terminal by [`super::clean_lines`]), and whether it
/// exited 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The first non-empty line of stderr, else of stdout (for error texts).
    pub fn said(&self) -> String {
        self.stderr
            .lines()
            .chain(self.stdout.lines())
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map_or_else(|| "no output".to_string(), |l| super::printable(l, 300))
    }
}

/// The first executable `warp-cli` on `PATH`, as a shell finds it; when there is none but a
/// file of that name is there, [`Error::CannotRun`] says so (not "not on PATH").
pub fn locate() -> Result<PathBuf, Error> {
    let path = std::env::var_os("PATH").ok_or(Error::NotInstalled)?;
    let mut files = std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(PROGRAM))
        .filter(|p| p.is_file());
    let first = files.next().ok_or(Error::NotInstalled)?;
    if is_executable(&first) {
        return Ok(first);
    }
    files.find(|p| is_executable(p)).ok_or(Error::CannotRun {
        path: first,
        why: "it is not executable".into(),
    })
}

fn is_executable(p: &std::path::Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.is_file() && meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        meta.is_file()
    }
}

/// How long one call may take: [`TIMEOUT`], or, for tests only, `ZSSH_TEST_WARP_TIMEOUT_MS`
/// (so a test of a hung client need not wait 10 s; not documented for users).
pub fn timeout() -> Duration {
    std::env::var("ZSSH_TEST_WARP_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(TIMEOUT, Duration::from_millis)
}

/// `warp-cli ARGS` (with `-j` first when `json`), within [`timeout`] and before `by` when
/// given (a caller's budget for several calls; none left: [`Error::OutOfTime`]).
pub fn run(args: &[&str], json: bool, by: Option<Instant>) -> Result<Output, Error> {
    let mut limit = timeout();
    if let Some(by) = by {
        let left = by.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Error::OutOfTime);
        }
        limit = limit.min(left);
    }
    let program = locate()?;
    let mut cmd = Command::new(program);
    if json {
        cmd.arg("-j");
    }
    cmd.args(args);
    run_bounded(&mut cmd, limit)
}

/// After the program exits, how long to wait for its pipes to close (a process it left
/// behind may hold them): then what was read is the answer.
const PIPE_GRACE: Duration = Duration::from_millis(250);

/// What the two reader threads share with the caller.
#[derive(Default)]
struct Pipes {
    /// stdout and stderr as read so far.
    bytes: [Vec<u8>; 2],
    /// Each pipe's end was read.
    closed: [bool; 2],
    /// A pipe gave more than [`MAX_OUTPUT`] bytes (the reader stopped and closed it).
    over: bool,
}

type Shared = std::sync::Arc<(Mutex<Pipes>, Condvar)>;

fn read_pipe(mut pipe: impl Read, i: usize, shared: Shared) {
    let mut buf = [0u8; 16 << 10];
    loop {
        let n = pipe.read(&mut buf).unwrap_or(0);
        let (lock, cv) = &*shared;
        let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
        if n == 0 {
            p.closed[i] = true;
        } else if p.bytes[i].len() + n > MAX_OUTPUT {
            // Closing the pipe (by returning) stops a program that goes on writing (SIGPIPE).
            p.over = true;
            p.closed[i] = true;
        } else {
            p.bytes[i].extend_from_slice(&buf[..n]);
        }
        let done = p.closed[i];
        drop(p);
        cv.notify_all();
        if done {
            return;
        }
    }
}

/// Kill the program's whole process group (it was made its leader), so what it started goes
/// too. std has no killpg and this crate has no unsafe code: the system's `kill` does it.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{}", child.id())])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
}

/// Run `cmd` to its end or `limit`, whichever comes first (then it and everything it started
/// in its process group are killed). Output is collected until the program exits, then for
/// [`PIPE_GRACE`] while its pipes stay open; more than [`MAX_OUTPUT`] bytes is an error.
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Output, Error> {
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| spawn_error(cmd, &e))?;
    let shared: Shared = Default::default();
    if let Some(p) = child.stdout.take() {
        let s = shared.clone();
        std::thread::spawn(move || read_pipe(p, 0, s));
    }
    if let Some(p) = child.stderr.take() {
        let s = shared.clone();
        std::thread::spawn(move || read_pipe(p, 1, s));
    }
    let status = wait_bounded(&mut child, &shared, Instant::now() + limit, limit)?;
    let (lock, cv) = &*shared;
    let grace = Instant::now() + PIPE_GRACE;
    let mut p = lock.lock().unwrap_or_else(|e| e.into_inner());
    while !(p.over || p.closed[0] && p.closed[1]) {
        let left = grace.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // What it left behind holds the pipes: it goes, with what it printed so far kept.
            kill_group(&mut child);
            break;
        }
        p = cv
            .wait_timeout(p, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    if p.over {
        kill_group(&mut child);
        return Err(Error::TooLong(MAX_OUTPUT));
    }
    Ok(Output {
        success: status.success(),
        stdout: super::clean_lines(&String::from_utf8_lossy(&p.bytes[0])),
        stderr: super::clean_lines(&String::from_utf8_lossy(&p.bytes[1])),
    })
}

/// Wait for the program to exit, up to `deadline`; at the deadline, or as soon as it has
/// printed too much, its process group is killed.
fn wait_bounded(
    child: &mut Child,
    shared: &Shared,
    deadline: Instant,
    limit: Duration,
) -> Result<ExitStatus, Error> {
    loop {
        let over = shared.0.lock().is_ok_and(|p| p.over);
        match child.try_wait() {
            _ if over => {
                kill_group(child);
                let _ = child.wait();
                return Err(Error::TooLong(MAX_OUTPUT));
            }
            Ok(Some(status)) => return Ok(status),
            Ok(None) if Instant::now() >= deadline => {
                kill_group(child);
                let _ = child.wait();
                return Err(Error::Timeout(limit));
            }
            // std has no wait with a deadline: look again shortly (the client answers in ms).
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => {
                kill_group(child);
                return Err(Error::Failed(format!("waiting for {PROGRAM}: {e}")));
            }
        }
    }
}

/// Why the program could not be started. A file that is there but "not found" when run is a
/// script whose interpreter (its `#!` line) is missing.
fn spawn_error(cmd: &Command, e: &std::io::Error) -> Error {
    let path = PathBuf::from(cmd.get_program());
    let there = path.components().count() > 1 && path.is_file();
    match e.kind() {
        std::io::ErrorKind::NotFound if !there => Error::NotInstalled,
        std::io::ErrorKind::NotFound => Error::CannotRun {
            path,
            why: "the interpreter its first line (#!) names is missing".into(),
        },
        std::io::ErrorKind::PermissionDenied => Error::CannotRun {
            path,
            why: "permission denied".into(),
        },
        _ => Error::CannotRun {
            path,
            why: super::printable(&e.to_string(), 300),
        },
    }
}

/// The client's error body `{"code": "...", "error": "..."}` (exit status 0 or not), as an
/// [`Error`]; `None` when `json` is anything else.
pub fn envelope(json: &serde_json::Value) -> Option<Error> {
    let obj = json.as_object()?;
    let code = obj.get("code")?.as_str()?;
    let message = match obj.get("error") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    Some(error_for(code, &message))
}

fn error_for(code: &str, message: &str) -> Error {
    let message = super::printable(message, 300);
    let code = super::printable(code, 80);
    if code == "FailedToConnectToDaemon" {
        return Error::DaemonDown(if message.is_empty() {
            code.to_string()
        } else {
            format!("{code}: {message}")
        });
    }
    Error::Refused { code, message }
}

/// A text-mode failure (non-zero exit, or an error line): the daemon being down is told apart
/// by what the client says about it.
pub fn text_failure(out: &Output) -> Error {
    let said = out.said();
    let lower = said.to_ascii_lowercase();
    if lower.contains("daemon") && (lower.contains("connect") || lower.contains("running")) {
        Error::DaemonDown(said)
    } else {
        Error::Failed(said)
    }
}

/// Parse stdout as JSON if it is JSON: `Ok(Some)` a value that is not an error body,
/// `Ok(None)` not JSON at all, `Err` an error body.
pub fn json_body(out: &Output) -> Result<Option<serde_json::Value>, Error> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(out.stdout.trim()) else {
        return Ok(None);
    };
    match envelope(&v) {
        Some(e) => Err(e),
        None => Ok(Some(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(stdout: &str, success: bool) -> Output {
        Output {
            success,
            stdout: stdout.into(),
            stderr: String::new(),
        }
    }

    #[test]
    fn error_bodies_are_failures_even_with_exit_0() {
        let cases: &[(&str, &str)] = &[
            (
                r#"{"code":"FailedToConnectToDaemon","error":"Is warp-svc running?"}"#,
                "daemon",
            ),
            (r#"{"code":"FailedToConnectToDaemon"}"#, "daemon"),
            (
                r#"{"code": "NotRegistered", "error": "Registration missing"}"#,
                "refused NotRegistered",
            ),
            (r#"{"code":"X","error":{"nested":1}}"#, "refused X"),
        ];
        for (body, want) in cases {
            let e = json_body(&out(body, true)).unwrap_err();
            let got = match &e {
                Error::DaemonDown(_) => "daemon".to_string(),
                Error::Refused { code, .. } => format!("refused {code}"),
                other => format!("{other:?}"),
            };
            assert_eq!(&got, want, "{body}");
        }
        assert!(
            json_body(&out("Status update: Connected", true))
                .unwrap()
                .is_none()
        );
        assert!(
            json_body(&out(r#"{"status":"Connected"}"#, true))
                .unwrap()
                .is_some()
        );
        // `code` that is not a string is not the error body.
        assert!(json_body(&out(r#"{"code":5}"#, true)).unwrap().is_some());
    }

    #[test]
    fn text_failures_tell_a_stopped_daemon_apart() {
        let mut o = out("", false);
        o.stderr = "Error: Unable to connect to the CloudflareWARP daemon\n".into();
        assert!(matches!(text_failure(&o), Error::DaemonDown(_)));
        o.stderr = "error: unrecognized subcommand 'target'\n".into();
        assert!(matches!(text_failure(&o), Error::Failed(ref s) if s.contains("unrecognized")));
        assert_eq!(out("", false).said(), "no output");
    }

    /// Whether process `pid` is gone (or a zombie no one has reaped yet): its group was killed.
    /// SIGKILL is delivered asynchronously, so this looks until it is, for at most 20 s.
    fn gone(pid: &str) -> bool {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let state = stat.rsplit_once(") ").map(|(_, r)| r.chars().next());
            let alive = !stat.is_empty() && state != Some(Some('Z'));
            if !alive {
                return true;
            }
            if Instant::now() > until {
                return false;
            }
            std::thread::yield_now();
        }
    }

    fn pid_in(file: &std::path::Path) -> String {
        std::fs::read_to_string(file).unwrap().trim().to_string()
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn what_the_program_started_is_killed_with_it_at_the_deadline() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pid");
        // A busy loop in the background (output elsewhere: it does not hold the pipes).
        let script = format!(
            "yes > /dev/null 2>&1 & echo $! > '{}'; exec sleep 600",
            pids.display()
        );
        let r = run_bounded(
            Command::new("sh").args(["-c", &script]),
            Duration::from_millis(300),
        );
        assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
        assert!(gone(&pid_in(&pids)), "the background yes survived");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn an_answer_is_taken_when_the_program_exits_even_if_a_child_holds_its_pipes() {
        let dir = tempfile::tempdir().unwrap();
        let pids = dir.path().join("pid");
        // The answer, then a child that keeps stdout and stderr open long past any deadline.
        let script = format!(
            "echo '{{\"status\":\"Connected\"}}'; sleep 600 & echo $! > '{}'; exit 0",
            pids.display()
        );
        // (Before, the deadline was waited out and the answer lost: with 30 s, an empty one.)
        let r = run_bounded(
            Command::new("sh").args(["-c", &script]),
            Duration::from_secs(30),
        )
        .unwrap();
        assert_eq!(
            (r.success, r.stdout.as_str()),
            (true, "{\"status\":\"Connected\"}\n")
        );
        assert!(gone(&pid_in(&pids)), "the child holding the pipes survived");
    }

    #[test]
    fn more_output_than_the_cap_is_an_error_naming_it() {
        // `yes` is killed by SIGPIPE when the pipe is closed on it: still the size, not "failed: y".
        // The other writes exactly one byte more than the cap, then exits 0.
        let over = format!("head -c {} /dev/zero; exit 0", MAX_OUTPUT + 1);
        for script in ["yes", "yes >&2", over.as_str()] {
            let r = run_bounded(
                Command::new("sh").args(["-c", script]),
                Duration::from_secs(600),
            );
            assert_eq!(r, Err(Error::TooLong(MAX_OUTPUT)), "{script}");
            assert_eq!(
                r.unwrap_err().to_string(),
                format!("warp-cli printed more than {MAX_OUTPUT} bytes")
            );
        }
        let exact = format!("head -c {MAX_OUTPUT} /dev/zero");
        let r = run_bounded(
            Command::new("sh").args(["-c", &exact]),
            Duration::from_secs(600),
        );
        assert_eq!(
            r.map(|o| o.stdout.len()),
            Ok(0),
            "NULs are dropped, the answer is whole"
        );
    }

    #[test]
    fn a_hung_program_is_killed_at_the_deadline() {
        let start = Instant::now();
        let r = run_bounded(
            Command::new("sh").args(["-c", "exec sleep 30"]),
            Duration::from_millis(200),
        );
        assert!(matches!(r, Err(Error::Timeout(_))), "{r:?}");
        assert!(start.elapsed() < Duration::from_secs(10));
        let r = run_bounded(
            Command::new("sh").args(["-c", "echo out; echo err >&2; exit 3"]),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(
            (r.success, r.stdout.as_str(), r.stderr.as_str()),
            (false, "out\n", "err\n")
        );
    }
}
