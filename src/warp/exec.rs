//! Running `warp-cli` (the Cloudflare One Client's command line): found on `PATH`, stdin closed,
//! a deadline, output capped, JSON (`-j`) asked for first. A JSON `{"code","error"}` body is a
//! failure even when the exit status is 0 (the client answers errors that way), and the code
//! `FailedToConnectToDaemon` means the client's daemon is not running.
//!
//! Never prints; what the client said goes back in [`Error`] for the caller to word.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::Error;

/// The program's name on `PATH`.
pub const PROGRAM: &str = "warp-cli";

/// How long one `warp-cli` call may take (it asks a local daemon; `target list` may ask the
/// account's API through it).
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// More output than any answer of the client needs: the rest is dropped.
const MAX_OUTPUT: u64 = 4 << 20;

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
        let line = self
            .stderr
            .lines()
            .chain(self.stdout.lines())
            .map(super::clean_text)
            .find(|l| !l.trim().is_empty())
            .unwrap_or_else(|| "no output".into());
        line.trim().chars().take(300).collect()
    }
}

/// `warp-cli` on `PATH`, if there is one (an executable file).
pub fn find() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|d| !d.as_os_str().is_empty())
        .map(|d| d.join(PROGRAM))
        .find(|p| is_executable(p))
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

/// `warp-cli ARGS` (with `-j` first when `json`), within [`TIMEOUT`].
pub fn run(args: &[&str], json: bool) -> Result<Output, Error> {
    let program = find().ok_or(Error::NotInstalled)?;
    let mut cmd = Command::new(program);
    if json {
        cmd.arg("-j");
    }
    cmd.args(args);
    run_bounded(&mut cmd, TIMEOUT)
}

/// Run `cmd` to its end or `limit`, whichever comes first (then it is killed).
pub fn run_bounded(cmd: &mut Command, limit: Duration) -> Result<Output, Error> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => Error::NotInstalled,
            _ => Error::Failed(format!("cannot run {PROGRAM}: {e}")),
        })?;
    let (tx, rx) = mpsc::channel();
    for (i, pipe) in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(p) = pipe {
                let _ = p.take(MAX_OUTPUT).read_to_end(&mut buf);
            }
            let _ = tx.send((i, buf));
        });
    }
    drop(tx);
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(Error::Timeout);
            }
            // std has no wait with a deadline: look again shortly (the client answers in ms).
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(Error::Failed(format!("waiting for {PROGRAM}: {e}"))),
        }
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    // A process it left behind may hold the pipes open: don't wait past the deadline for them.
    while let Ok((i, buf)) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        if i == 0 { stdout = buf } else { stderr = buf }
    }
    Ok(Output {
        success: status.success(),
        stdout: super::clean_lines(&String::from_utf8_lossy(&stdout)),
        stderr: super::clean_lines(&String::from_utf8_lossy(&stderr)),
    })
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
    let message = super::clean_text(message)
        .chars()
        .take(300)
        .collect::<String>();
    let code = super::clean_text(code);
    if code == "FailedToConnectToDaemon" {
        return Error::DaemonDown(if message.is_empty() {
            code.to_string()
        } else {
            format!("{code}: {message}")
        });
    }
    Error::Refused {
        code: code.chars().take(80).collect(),
        message,
    }
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

    #[test]
    fn a_hung_program_is_killed_at_the_deadline() {
        let start = Instant::now();
        let r = run_bounded(
            Command::new("sh").args(["-c", "exec sleep 30"]),
            Duration::from_millis(200),
        );
        assert!(matches!(r, Err(Error::Timeout)), "{r:?}");
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
