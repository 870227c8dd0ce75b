//! `zssh doctor`: placeholder until the checks land.

use crate::cli::DoctorArgs;
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(_args: DoctorArgs) -> Result<Exit, UserError> {
    Err(UserError::new(
        Exit::Failure,
        "zssh doctor is not available yet",
        "",
    ))
}
