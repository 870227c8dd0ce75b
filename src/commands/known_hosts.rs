//! `zssh known-hosts`: placeholder until the repair lands.

use crate::cli::KnownHostsCommand;
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(_cmd: KnownHostsCommand) -> Result<Exit, UserError> {
    Err(UserError::new(
        Exit::Failure,
        "zssh known-hosts is not available yet",
        "use ssh-keygen -R HOST",
    ))
}
