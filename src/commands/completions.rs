//! `zssh completions SHELL`: the completion script, on stdout.

use crate::cli::CompletionsArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::manual;

pub fn run(args: &CompletionsArgs) -> Result<Exit, UserError> {
    crate::ui::write_all_stdout(&manual::completion(args.shell)).map_err(|e| {
        UserError::local(
            format!("cannot write the completion script: {e}"),
            "redirect it to a file: zssh completions SHELL > FILE",
        )
    })?;
    Ok(Exit::Ok)
}
