//! One file per subcommand. Commands orchestrate and decide what to print; the work is done by
//! the modules they call.

pub mod generate;
pub mod proxy;

use crate::cli::{AccessCommand, Command};
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(command: Command) -> Result<Exit, UserError> {
    match command {
        Command::Proxy(args) => proxy::run(args).await,
        Command::Access(access) => match access.command {
            AccessCommand::Ssh(args) => proxy::run(args).await,
        },
        Command::Generate { dir } => generate::run(&dir),
    }
}
