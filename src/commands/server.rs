//! `zssh server`: placeholder until the server helpers land.

use crate::cli::ServerCommand;
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(_cmd: ServerCommand) -> Result<Exit, UserError> {
    Err(UserError::new(
        Exit::Failure,
        "zssh server is not available yet",
        "",
    ))
}
