//! `zssh cidr`: placeholder until the CIDR arithmetic lands.

use crate::cli::CidrCommand;
use crate::error::UserError;
use crate::exit::Exit;

pub fn run(_cmd: CidrCommand) -> Result<Exit, UserError> {
    Err(UserError::new(
        Exit::Failure,
        "zssh cidr is not available yet",
        "",
    ))
}
