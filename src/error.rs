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

/// Print an error the one way zssh prints errors: one `error:` line, one `hint:` line.
pub fn report(err: &UserError) {
    // Multi-line causes are folded so the error stays one line.
    let message = err.message.replace('\n', " ");
    let hint = err.hint.replace('\n', " ");
    eprintln!("zssh: error: {message}");
    if !hint.is_empty() {
        eprintln!("zssh: hint: {hint}");
    }
}
