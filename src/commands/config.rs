//! `zssh config`: placeholder until the managed-config writer lands.

use crate::cli::ConfigArgs;
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(_args: ConfigArgs) -> Result<Exit, UserError> {
    Err(UserError::new(
        Exit::Failure,
        "zssh config is not available yet",
        "write the stanza by hand (see zssh cert --help)",
    ))
}
