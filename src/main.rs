//! zssh: parse the command line, set up logging, run the command on one current-thread tokio
//! runtime, report a failure as `zssh: error:` + `zssh: hint:`, exit with the code from `exit.rs`.

mod access;
mod agent;
mod cert_store;
mod cidr;
mod cli;
mod commands;
mod edge;
mod error;
mod exit;
mod flock;
mod fsutil;
mod hostkey;
mod human;
mod known_hosts;
mod log;
mod manual;
mod paths;
mod secret;
mod ssh_config;
mod sshd_config;
mod sshlog;
mod textdiff;
mod token_store;
mod ui;
mod userfile;
mod warp;

use std::process::ExitCode;

use clap::Parser;

use crate::error::UserError;
use crate::exit::Exit;

fn main() -> ExitCode {
    let args = cli::normalize_args(std::env::args_os());
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help and --version; a closed stdout is not an error.
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `zssh` or `zssh cidr` alone: the command list on stderr, not the description
            // dressed as an error; a usage error all the same (a script called it wrongly).
            let _ = e.print();
            return ExitCode::from(Exit::Usage.code());
        }
        Err(e) => {
            error::report(&cli::usage_error(&e));
            return ExitCode::from(Exit::Usage.code());
        }
    };
    // ZSSH_LOG= (set but empty) means the default, as an unset variable does.
    if let Some(level) = cli.log_level.as_ref().filter(|l| !l.is_empty()) {
        match log::parse_level(level) {
            Some(l) => log::set_level(l),
            None => {
                error::report(&UserError::usage(
                    format!("unknown log level {level:?}"),
                    "use one of: error, warn, info, debug",
                ));
                return ExitCode::from(Exit::Usage.code());
            }
        }
    }
    if let Some(path) = &cli.logfile {
        match std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            Ok(f) => log::set_file(f),
            Err(e) => {
                error::report(&UserError::local(
                    format!("cannot open log file {}: {e}", human::shown_path(path)),
                    "pick a writable path for --logfile",
                ));
                return ExitCode::from(Exit::Local.code());
            }
        }
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            error::report(&UserError::new(
                Exit::Failure,
                format!("cannot start the runtime: {e}"),
                "this is a bug or a resource limit; try again",
            ));
            return ExitCode::from(Exit::Failure.code());
        }
    };
    let result = runtime.block_on(async {
        // Registered before the command starts: its first steps may create files before it
        // first waits, and a signal then must already be ours, not the default kill.
        let stop = stop_signal();
        tokio::select! {
            r = commands::run(cli.command) => r,
            exit = stop => Ok(exit),
        }
    });
    // Don't wait for blocked stdin readers or idle pooled tasks.
    runtime.shutdown_background();
    match result {
        Ok(exit) => ExitCode::from(exit.code()),
        Err(e) => {
            error::report(&e);
            ExitCode::from(e.exit.code())
        }
    }
}

/// The first of Ctrl-C (SIGINT), SIGTERM and SIGHUP (the terminal closed): each drops the
/// running command, whose guards release its locks and remove what it published, and exits with
/// its own status. The handlers are installed when this is called, not when first polled.
fn stop_signal() -> impl std::future::Future<Output = Exit> {
    #[cfg(unix)]
    let streams = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        )
    };
    async move {
        #[cfg(unix)]
        if let (Ok(mut int), Ok(mut term), Ok(mut hup)) = streams {
            return tokio::select! {
                _ = int.recv() => Exit::Interrupted,
                _ = term.recv() => Exit::Terminated,
                _ = hup.recv() => Exit::HungUp,
            };
        }
        let _ = tokio::signal::ctrl_c().await;
        Exit::Interrupted
    }
}
