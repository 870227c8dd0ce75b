//! One file per subcommand (a folder for a command whose subcommands need files of their own).
//! Commands orchestrate and decide what to print; the work is done by the modules they call. No
//! command imports another: what two share lives outside `commands/`.

pub mod cert;
pub mod cidr;
pub mod completions;
pub mod config;
pub mod doctor;
pub mod generate;
pub mod known_hosts;
pub mod login;
pub mod logout;
pub mod logs;
pub mod man;
pub mod proxy;
pub mod server;
pub mod status;
pub mod targets;
pub mod token;

use crate::cli::{AccessCommand, Command, KnownHostsCommand};
use crate::error::UserError;
use crate::exit::Exit;

pub async fn run(command: Command) -> Result<Exit, UserError> {
    match command {
        Command::Proxy(args) => proxy::run(args.resolve(false)?, false).await,
        Command::Login(args) => login::run(args, false).await,
        Command::Cert(args) => cert::run(args.resolve(false)?, false).await,
        Command::Config(args) => config::run(args).await,
        Command::Doctor(args) => doctor::run(args.resolve()?).await,
        Command::Server(cmd) => server::run(cmd).await,
        Command::Cidr(cmd) => cidr::run(cmd),
        Command::Logs(cmd) => logs::run(cmd).await,
        Command::KnownHosts(cmd) => {
            known_hosts::run(match cmd {
                KnownHostsCommand::Check(args) => KnownHostsCommand::Check(args.resolve()?),
                KnownHostsCommand::Repair(args) => KnownHostsCommand::Repair(args.resolve()?),
            })
            .await
        }
        Command::Logout(mut args) => {
            args.host = args.host.or(args.hostname.take());
            logout::run(args)
        }
        Command::Status(args) => status::run(args),
        Command::Targets(args) => targets::run(args),
        Command::Token(args) => token::run(args, false).await,
        Command::Completions(args) => completions::run(&args),
        Command::Man(args) => man::run(&args),
        Command::Access(access) => match access.command {
            AccessCommand::Ssh(args) => proxy::run(args.resolve(true)?, true).await,
            AccessCommand::Login(mut args) => {
                args.fedramp |= access.fedramp;
                login::run(args, true).await
            }
            AccessCommand::Token(args) => token::run(args, true).await,
            AccessCommand::SshGen(args) => cert::run(args.resolve(true)?, true).await,
        },
        Command::Generate { dir } => generate::run(&dir),
    }
}
