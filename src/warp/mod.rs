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

pub use route::Route;
pub use settings::{Settings, SplitMode};
pub use status::{State, Status};
pub use targets::Target;
pub use vnet::Vnets;

/// Text from the client made safe to print and to reason about: at most `max` characters, each
/// control character (escape sequences, carriage returns, tabs) and each bidirectional
/// formatting character (which reorders what a terminal shows) replaced by `?`. Every parser
/// of `warp-cli` output passes the strings it keeps through here.
pub fn printable(s: &str, max: usize) -> String {
    s.chars()
        .take(max)
        .map(|c| {
            let bidi = matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
            if c.is_control() || bidi { '?' } else { c }
        })
        .collect()
}

/// Why `warp-cli` gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// No `warp-cli` on `PATH`.
    NotInstalled,
    /// The client's daemon is not running (`FailedToConnectToDaemon`); carries what it said.
    DaemonDown(String),
    /// The client answered with its error body `{"code","error"}`.
    Refused { code: String, message: String },
    /// It exited non-zero, or could not be run; carries what it said.
    Failed(String),
    /// No answer within [`exec::TIMEOUT`].
    Timeout,
    /// An answer in none of the known shapes; carries its first line.
    Unreadable(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotInstalled => write!(f, "{} is not on PATH", exec::PROGRAM),
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
            Error::Timeout => write!(
                f,
                "{} did not answer within {} s",
                exec::PROGRAM,
                exec::TIMEOUT.as_secs()
            ),
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
            Error::DaemonDown(_) => "start the client's service: sudo systemctl start warp-svc (macOS, Windows: open the Cloudflare One Client app), then try again".into(),
            Error::Refused { .. } | Error::Failed(_) => "run warp-cli status yourself to see what the client needs (a first run asks you to accept its terms once)".into(),
            Error::Timeout => "the client's service is busy or hung: restart it (sudo systemctl restart warp-svc) and try again".into(),
            Error::Unreadable(_) => "this client version answers in a shape zssh does not know; please report it with the client's version (warp-cli --version)".into(),
        }
    }
}

impl From<Error> for crate::error::UserError {
    fn from(e: Error) -> Self {
        crate::error::UserError::new(crate::exit::Exit::Warp, e.to_string(), e.hint())
    }
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
    from_json: impl Fn(&serde_json::Value) -> Option<T>,
    from_text: impl Fn(&str) -> Option<T>,
) -> Result<T, Error> {
    let out = exec::run(args, true)?;
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
    let out = exec::run(args, false)?;
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
    ask(&["status"], status::from_json, status::from_text)
}

/// `warp-cli settings`.
pub fn settings() -> Result<Settings, Error> {
    ask(&["settings"], settings::from_json, settings::from_text)
}

/// `warp-cli vnet`.
pub fn vnets() -> Result<Vnets, Error> {
    ask(&["vnet"], vnet::from_json, vnet::from_text)
}

/// `warp-cli target list`: the targets this user may reach (client 2024.9.346.0 or later).
pub fn targets() -> Result<Vec<Target>, Error> {
    target_list().map(|l| l.targets)
}

/// `warp-cli target list` with the rows that could not be read.
pub fn target_list() -> Result<targets::List, Error> {
    ask(
        &["target", "list"],
        targets::list_from_json,
        targets::list_from_text,
    )
}
