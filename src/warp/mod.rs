//! The Cloudflare One Client (formerly WARP) as zssh sees it on the WARP path ("Access for
//! Infrastructure": plain `ssh user@IP`, the client routes the connection to the Gateway SSH
//! proxy). What the client says through `warp-cli` (status, split-tunnel settings, virtual
//! networks, the targets this user may reach) and what the kernel says about the route to an
//! address.
//!
//! `exec` runs `warp-cli` (bounded, JSON first); `status`, `settings`, `vnet` and `targets` parse
//! its answers, JSON and text; `route` asks the kernel; `hosts` turns targets into ssh config
//! stanzas. The shapes and their sources are in
//! ../shared/docs/warp-path.md. Parsers take untrusted text and never panic (property tests in
//! each file). This module never prints: callers word the results and the [`Error`]s.

pub mod exec;
pub mod hosts;
pub mod route;
pub mod settings;
pub mod status;
pub mod targets;
pub mod vnet;

use std::fmt;
use std::time::Instant;

pub use route::Route;
pub use settings::{Settings, SplitMode};
pub use status::{State, Status};
pub use targets::{Target, TargetList};
pub use vnet::Vnets;

/// Text from the client made safe to print and to reason about, for one field (a name, an ID,
/// an error line): at most `max` characters, each control character (escape sequences, carriage
/// returns, tabs) and each bidirectional or invisible format control (which reorders what a
/// terminal shows, see [`crate::human::acts_on_terminal`]) replaced by `?`. Every parser of `warp-cli` output
/// passes the strings it keeps through here; whole answers go through [`clean_lines`] first.
pub fn printable(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| {
            if crate::human::acts_on_terminal(c) {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Why `warp-cli` gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No `warp-cli` on `PATH`.
    NotInstalled,
    /// A `warp-cli` is there but cannot be run (not executable, its interpreter missing).
    CannotRun {
        path: std::path::PathBuf,
        why: String,
    },
    /// The client's daemon is not running (`FailedToConnectToDaemon`); carries what it said.
    DaemonDown(String),
    /// The client answered with its error body `{"code","error"}`.
    Refused { code: String, message: String },
    /// It exited non-zero, or could not be run; carries what it said.
    Failed(String),
    /// No answer within this time (it was killed, with what it started).
    Timeout(std::time::Duration),
    /// Not asked: the caller's time for all its calls together was spent.
    OutOfTime,
    /// It printed more than this many bytes (on stdout or stderr).
    TooLong(usize),
    /// An answer in none of the known shapes; carries its first line.
    Unreadable(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInstalled => write!(f, "{} is not on PATH", exec::PROGRAM),
            Error::CannotRun { path, why } => write!(
                f,
                "cannot run {}: {why}",
                printable(&path.display().to_string(), 300)
            ),
            Error::DaemonDown(said) => write!(
                f,
                "the Cloudflare One Client's daemon is not running ({} says: {said})",
                exec::PROGRAM
            ),
            Error::Refused { code, message } if message.is_empty() => {
                write!(f, "{} answered with error {code}", exec::PROGRAM)
            }
            Error::Refused { code, message } => {
                write!(f, "{} answered with error {code}: {message}", exec::PROGRAM)
            }
            Error::Failed(said) => write!(f, "{} failed: {said}", exec::PROGRAM),
            Error::Timeout(limit) if limit.subsec_millis() == 0 => {
                write!(
                    f,
                    "{} did not answer within {} s",
                    exec::PROGRAM,
                    limit.as_secs()
                )
            }
            Error::Timeout(limit) => write!(
                f,
                "{} did not answer within {:.1} s",
                exec::PROGRAM,
                limit.as_secs_f64()
            ),
            Error::OutOfTime => write!(
                f,
                "not asked: the {} calls before it took all the time allowed for them",
                exec::PROGRAM
            ),
            Error::TooLong(max) => write!(f, "{} printed more than {max} bytes", exec::PROGRAM),
            Error::Unreadable(first) => {
                write!(
                    f,
                    "{} answered in an unknown shape: {first:?}",
                    exec::PROGRAM
                )
            }
        }
    }
}

impl Error {
    /// The next step for the person, to go with the error.
    pub fn hint(&self) -> String {
        match self {
            Error::NotInstalled => "install the Cloudflare One Client (WARP) and enrol this device in your Zero Trust organization (warp-cli must be on PATH)".into(),
            Error::CannotRun { .. } => "reinstall the Cloudflare One Client, or fix that file (ls -l shows its permissions; its first line names its interpreter)".into(),
            Error::DaemonDown(_) => "start the client's service: sudo systemctl start warp-svc (macOS, Windows: open the Cloudflare One Client app), then try again".into(),
            Error::Refused { .. } | Error::Failed(_) => "run warp-cli status yourself to see what the client needs (a first run asks you to accept its terms once)".into(),
            Error::Timeout(_) | Error::OutOfTime => "the client's service is busy or hung: restart it (sudo systemctl restart warp-svc) and try again".into(),
            Error::TooLong(_) => "this is not an answer the client gives: check that the warp-cli on PATH is the Cloudflare One Client's".into(),
            Error::Unreadable(_) => "this client version answers in a shape zssh does not know; please report it with the client's version (warp-cli --version)".into(),
        }
    }
}

impl From<Error> for crate::error::UserError {
    fn from(e: Error) -> Self {
        crate::error::UserError::new(crate::exit::Exit::Warp, e.to_string(), e.hint())
    }
}

/// A whole answer from the client (or another program) made safe for a terminal, keeping its
/// line structure: `\r\n` and a lone `\r` end a line (a `\r` can then never overwrite what
/// came before it), a tab becomes a space, other C0 and C1 control characters and the format
/// controls are dropped, so nothing it printed can move the cursor, recolour or retitle the
/// terminal, or reorder what follows. The fields parsed from it then go through [`printable`].
pub fn clean_lines(s: &str) -> String {
    let s = s.replace("\r\n", "\n");
    s.chars()
        .filter_map(|c| match c {
            '\n' | '\r' => Some('\n'),
            '\t' => Some(' '),
            c if crate::human::acts_on_terminal(c) => None,
            c => Some(c),
        })
        .collect()
}

/// The first line of a text, bounded (for [`Error::Unreadable`]).
fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty());
    printable(line.unwrap_or(""), 120)
}

/// Run `warp-cli -j ARGS`; parse its JSON with `from_json`, or, when the answer is not JSON (or
/// JSON `from_json` cannot read), its text with `from_text`. An error body or a failed run is an
/// error; a text answer is also parsed from a plain run when `-j` itself was refused.
fn ask<T>(
    args: &[&str],
    by: Option<Instant>,
    from_json: impl Fn(&serde_json::Value) -> Option<T>,
    from_text: impl Fn(&str) -> Option<T>,
) -> Result<T, Error> {
    let out = exec::run(args, true, by)?;
    if let Some(v) = exec::json_body(&out)? {
        if let Some(t) = from_json(&v) {
            return Ok(t);
        }
    } else if out.success
        && let Some(t) = from_text(&out.stdout)
    {
        return Ok(t);
    }
    // `-j` refused, or an answer neither parser reads: ask again in text.
    let out = exec::run(args, false, by)?;
    if let Some(v) = exec::json_body(&out)?
        && let Some(t) = from_json(&v)
    {
        return Ok(t);
    }
    if !out.success {
        return Err(exec::text_failure(&out));
    }
    from_text(&out.stdout).ok_or_else(|| Error::Unreadable(first_line(&out.stdout)))
}

/// `warp-cli status`.
pub fn status() -> Result<Status, Error> {
    status_by(None)
}

/// `warp-cli status`, given up at `by` (for callers with a budget for several calls).
pub fn status_by(by: Option<Instant>) -> Result<Status, Error> {
    ask(&["status"], by, status::from_json, status::from_text)
}

/// `warp-cli settings`, given up at `by`.
pub fn settings_by(by: Option<Instant>) -> Result<Settings, Error> {
    ask(&["settings"], by, settings::from_json, settings::from_text)
}

/// `warp-cli vnet`.
pub fn vnets() -> Result<Vnets, Error> {
    vnets_by(None)
}

pub fn vnets_by(by: Option<Instant>) -> Result<Vnets, Error> {
    ask(&["vnet"], by, vnet::from_json, vnet::from_text)
}

/// `warp-cli target list`: the targets this user may reach (client 2024.9.346.0 or later), with
/// the rows it showed that could not be read.
pub fn target_list() -> Result<TargetList, Error> {
    target_list_by(None)
}

/// [`target_list`], given up at `by`.
pub fn target_list_by(by: Option<Instant>) -> Result<TargetList, Error> {
    let (json, text) = (targets::from_json, targets::from_text);
    ask(&["target", "list"], by, json, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_bidi_characters_never_survive() {
        let hostile = "a\u{1b}]0;PWNED\u{7}b\u{1b}[2Jc\rd\u{9b}e\u{202E}f\u{2066}g\u{200F}h\u{61C}i\u{7f}j\tk";
        assert_eq!(printable(hostile, 200), "a?]0;PWNED?b?[2Jc?d?e?f?g?h?i?j?k");
        assert_eq!(printable(hostile, 3), "a?]");
        assert_eq!(
            clean_lines("line one\r\nfake\roverwrite\u{1b}[31m\tx\n"),
            "line one\nfake\noverwrite[31m x\n"
        );
        // What is left is printable and keeps its meaning (letters of any script, the table's bars).
        assert_eq!(printable("│ 名前 café │", 200), "│ 名前 café │");
    }

    #[test]
    fn a_timeout_names_the_limit_it_had() {
        let t = |ms| Error::Timeout(std::time::Duration::from_millis(ms)).to_string();
        assert_eq!(t(10_000), "warp-cli did not answer within 10 s");
        assert_eq!(t(400), "warp-cli did not answer within 0.4 s");
    }

    #[test]
    fn error_texts_from_the_client_are_clean() {
        let out = exec::Output {
            success: false,
            stdout: String::new(),
            stderr: "\u{1b}[2JStatus garbage\rzssh: hint: run something else\n".into(),
        };
        let said = exec::text_failure(&out).to_string();
        assert!(!said.chars().any(char::is_control), "{said:?}");
        let body = serde_json::json!({"code": "X\u{1b}[1m", "error": "no\u{202E}pe\r\u{7}"});
        let e = exec::envelope(&body).unwrap().to_string();
        assert!(
            !e.chars().any(|c| c.is_control() || c == '\u{202E}'),
            "{e:?}"
        );
        let s = status::from_json(&serde_json::json!({"status": "Dis\u{1b}[0mconnected", "reason": {"X\u{7}": "\u{1b}]0;t"}}))
            .unwrap();
        assert_eq!(s.reason.as_deref(), Some("X? (?]0;t)"));
        let st = settings::from_json(&serde_json::json!({"settings": {"operation_mode": "W\u{9b}arp",
            "split_tunnel_mode": "Exclude", "split_tunnel_ips": [{"value": "10.0.0.0/8", "description": "a\u{2067}b\rc"}]}}))
        .unwrap();
        assert_eq!(st.mode.as_deref(), Some("W?arp"));
        assert_eq!(
            st.split.unwrap().entries[0].description.as_deref(),
            Some("a?b?c")
        );
        let v = vnet::from_json(&serde_json::json!({"virtual_networks": [{"id": "a", "name": "n\u{1b}[31m"}], "active_vnet_id": "a"})).unwrap();
        assert_eq!(v.active_name().as_deref(), Some("n?[31m"));
    }
}
