//! Errors a user can act on. Each carries the `zssh: error:` text (naming the host, path or URL),
//! the `zssh: hint:` text (the next step) and the exit code from [`crate::exit`]. Error texts never
//! contain secrets: callers pass names and statuses, never tokens.

use std::fmt;

use crate::exit::Exit;

/// A failure with a message, a hint and an exit code.
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub hint: String,
    pub exit: Exit,
}

impl UserError {
    pub fn new(exit: Exit, message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError {
            message: message.into(),
            hint: hint.into(),
            exit,
        }
    }

    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message, hint)
    }

    pub fn local(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::new(Exit::Local, message, hint)
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// The pointer to `zssh doctor` a hint may end with, for `host` as the user can paste it:
/// ` (zssh doctor HOST explains more)`. `zssh doctor` itself drops it ([`without_doctor`]): a
/// hint never sends the user to the command they are running.
pub fn see_doctor(host: &str) -> String {
    format!(
        " ({DOCTOR}{} explains more)",
        crate::human::shell_word(host)
    )
}

const DOCTOR: &str = "zssh doctor ";

/// `hint` without the pointers [`see_doctor`] added.
pub fn without_doctor(hint: &str) -> String {
    let mut out = hint.to_string();
    while let Some(at) = out.find(&format!(" ({DOCTOR}")) {
        let Some(len) = out[at..].find(" explains more)") else {
            break;
        };
        out.replace_range(at..at + len + " explains more)".len(), "");
    }
    out
}

/// Print an error the one way zssh prints errors: one `error:` line, one `hint:` line.
pub fn report(err: &UserError) {
    // Multi-line causes are folded so the error stays one line.
    let message = err.message.replace('\n', " ");
    let hint = err.hint.replace('\n', " ");
    crate::errln!("zssh: error: {message}");
    if !hint.is_empty() {
        crate::errln!("zssh: hint: {hint}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_doctor_pointer_names_the_host_and_doctor_can_drop_it() {
        let hint = format!(
            "check the hostname's spelling and your DNS{}",
            see_doctor("ssh.example.com")
        );
        assert_eq!(
            hint,
            "check the hostname's spelling and your DNS (zssh doctor ssh.example.com explains more)"
        );
        assert_eq!(
            without_doctor(&hint),
            "check the hostname's spelling and your DNS"
        );
        let quoted = format!("ask{}; then retry", see_doctor("[::1]:8443"));
        assert_eq!(
            quoted,
            "ask (zssh doctor '[::1]:8443' explains more); then retry"
        );
        assert_eq!(without_doctor(&quoted), "ask; then retry");
        assert_eq!(
            without_doctor("no pointer (zssh doctor x"),
            "no pointer (zssh doctor x"
        );
    }
}
