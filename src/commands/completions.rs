//! `zssh completions SHELL`: the completion script, on stdout.

use crate::cli::CompletionsArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::manual;

pub fn run(args: &CompletionsArgs) -> Result<Exit, UserError> {
    crate::ui::write_result("the completion script", &manual::completion(args.shell))?;
    Ok(Exit::Ok)
}
