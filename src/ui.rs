//! What the commands show on the terminal: the one writer of results on stdout
//! ([`write_stdout`], [`print`], the `out!`/`outln!` macros; clippy.toml forbids the others), and
//! the login progress display on stderr ([`LoginUi`]) that `login`, `proxy`, `cert` and
//! `known-hosts` share.

use std::collections::HashSet;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use crate::access::login::{Event, Progress};
use crate::access::login_lock::Waiting;

/// Shows login progress on stderr: the URL (once per distinct URL), an optional QR code, and a
/// spinner with elapsed time while stderr is a terminal. Never writes to stdout.
pub struct LoginUi {
    host: String,
    qr: bool,
    seen: HashSet<String>,
    waited: bool,
    spinner: Option<ProgressBar>,
}

impl LoginUi {
    pub fn new(host: &str, qr: bool) -> LoginUi {
        LoginUi {
            host: host.to_string(),
            qr,
            seen: HashSet::new(),
            waited: false,
            spinner: None,
        }
    }

    fn show_url(&mut self, url: &str) {
        if !self.seen.insert(url.to_string()) {
            return;
        }
        if let Some(s) = &self.spinner {
            s.suspend(|| crate::errln!("  {url}"));
        } else {
            crate::errln!("  {url}");
        }
        if self.qr {
            match qrcode::QrCode::new(url.as_bytes()) {
                Ok(code) => crate::errln!(
                    "{}",
                    code.render::<qrcode::render::unicode::Dense1x2>()
                        .quiet_zone(true)
                        .build()
                ),
                Err(e) => crate::errln!("zssh: cannot draw a QR code for this URL: {e}"),
            }
        }
    }

    fn spin(&mut self, what: String) {
        if let Some(s) = &self.spinner {
            s.set_message(what);
            return;
        }
        // Hidden automatically when stderr is not a terminal.
        let s = ProgressBar::new_spinner();
        s.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        s.set_message(what);
        s.enable_steady_tick(Duration::from_millis(120));
        self.spinner = Some(s);
    }
}

impl Progress for LoginUi {
    fn event(&mut self, e: Event) {
        match e {
            Event::BrowserLogin { url, opened } => {
                if opened {
                    crate::errln!(
                        "zssh: a browser window should have opened to log in to {}; if not, open this URL:",
                        self.host
                    );
                } else {
                    crate::errln!(
                        "zssh: to log in to {}, open this URL in a browser:",
                        self.host
                    );
                }
                self.show_url(&url);
                self.spin(format!("waiting for the login to {} to finish", self.host));
            }
            Event::OtherLogin(Waiting::Holder { pid, cloudflared }) => {
                if !self.waited {
                    self.waited = true;
                    let who = if cloudflared { "cloudflared" } else { "zssh" };
                    let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
                    crate::errln!(
                        "zssh: another {who} process{pid} is logging in to {}; waiting for it",
                        self.host
                    );
                    self.spin(format!("waiting for the other login to {}", self.host));
                }
            }
            Event::OtherLogin(Waiting::Url(url)) => {
                if !self.seen.contains(&url) {
                    crate::errln!("zssh: if no browser window opened, finish that login at:");
                }
                self.show_url(&url);
            }
        }
    }

    fn finish(&mut self) {
        if let Some(s) = self.spinner.take() {
            s.finish_and_clear();
        }
    }
}

/// Ask a yes/no question on the terminal (`/dev/tty`, so it works with stdout redirected):
/// `Some(true)` only for y or yes. `None`: there is no terminal to ask on, or
/// `ZSSH_NONINTERACTIVE=1`; the caller words the error (usually: pass --yes).
pub fn ask_yes_no(question: &str) -> Option<bool> {
    use std::io::{BufRead, Write};
    let noninteractive =
        std::env::var_os("ZSSH_NONINTERACTIVE").is_some_and(|v| !v.is_empty() && v != "0");
    if noninteractive {
        return None;
    }
    let mut tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    // Whatever was printed before the question is out first.
    let _ = write_stdout(b"");
    write!(tty, "{question} [y/N] ")
        .and_then(|_| tty.flush())
        .ok()?;
    let mut answer = String::new();
    std::io::BufReader::new(tty).read_line(&mut answer).ok()?;
    Some(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// The one writer of zssh's results on stdout (the relay's origin bytes in `proxy` go through
/// their own raw descriptor in `edge::tunnel`). Writes everything and flushes.
#[allow(clippy::disallowed_methods)] // the one place that may take std::io::stdout
pub fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// [`write_stdout`] for a command's whole output, where a reader that went away (`| head`)
/// simply did not want the rest: only other failures (a full disk) are errors.
pub fn write_all_stdout(bytes: &[u8]) -> std::io::Result<()> {
    match write_stdout(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// A command's output (`what`: "the result", "the report") on stdout, with the error a command
/// reports when it cannot be written (a full disk, a closed file; exit 7). A reader that went
/// away is not an error.
pub fn write_result(what: &str, bytes: &[u8]) -> Result<(), crate::error::UserError> {
    write_all_stdout(bytes).map_err(|e| {
        crate::error::UserError::local(
            format!("cannot write {what} to standard output: {e}"),
            "check where standard output goes (a full disk, a file that cannot grow)",
        )
    })
}

/// [`write_stdout`] for text, where a reader that went away (`| head`) is not an error worth a
/// line: the command's result simply had nobody to read it.
pub fn print(text: &str) {
    let _ = write_stdout(text.as_bytes());
}

/// `print!` through [`print`]: never panics on a closed stdout, as `print!` does.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::ui::print(&format!($($arg)*)) };
}

/// `println!` through [`print`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::ui::print(&line)
    }};
}

/// Text on stderr, for people. A stderr that went away or is full (`2>&-`, `2>/dev/full`,
/// `2>&1 | head`) loses the text, never the exit status: `eprint!` would panic (exit 101).
pub fn eprint(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(text.as_bytes());
}

/// `eprint!` through [`eprint`].
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::ui::eprint(&format!($($arg)*)) };
}

/// `eprintln!` through [`eprint`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {{
        let mut line = format!($($arg)*);
        line.push('\n');
        $crate::ui::eprint(&line)
    }};
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        for (a, want) in [
            ("y\n", true),
            ("YES\r\n", true),
            (" yes ", true),
            ("\n", false),
            ("n\n", false),
            ("yep\n", false),
            ("", false),
        ] {
            assert_eq!(is_yes(a), want, "{a:?}");
        }
    }
}
