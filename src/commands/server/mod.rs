//! `zssh server`: helpers run on a target server, one module each: `trust-ca` makes sshd trust
//! the Access SSH CA (dry run unless `--apply`; [`trust_ca`]), `check` reports whether it does
//! and whether the ssh port still answers directly ([`check`]), `fetch-ca` prints the account's
//! CA key ([`fetch_ca`]), `log-key` sets the key session command logs are encrypted to
//! ([`log_key`]; both through the Cloudflare API client in [`api`]). This file finds sshd and
//! asks it what it makes of a configuration.
//!
//! What sshd makes of its configuration is asked from sshd itself (`sshd -T -f FILE`); edits are
//! validated with `sshd -t` on a staged copy before the file is replaced, so a failure changes
//! nothing.

mod api;
mod check;
mod fetch_ca;
mod log_key;
mod trust_ca;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::cli::ServerCommand;
use crate::error::UserError;
use crate::exit::Exit;
use crate::sshd_config::Effective;

pub async fn run(cmd: ServerCommand) -> Result<Exit, UserError> {
    match cmd {
        ServerCommand::TrustCa(args) => trust_ca::run(args),
        ServerCommand::Check(args) => check::run(args).await,
        ServerCommand::FetchCa(args) => fetch_ca::run(args).await,
        ServerCommand::LogKey(args) => log_key::run(args).await,
    }
}

/// The sshd binary: PATH first, then the usual sbin directories.
fn find_sshd() -> Result<PathBuf, UserError> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join("sshd"))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            UserError::local(
                "sshd is not installed here (not in PATH, /usr/sbin or /sbin)",
                "run zssh server on the machine that runs the OpenSSH server",
            )
        })
}

/// Run sshd with `args`; Ok(stdout) on success, Err(stderr) otherwise.
fn sshd_run(sshd: &Path, args: &[&std::ffi::OsStr]) -> Result<String, String> {
    let out = Command::new(sshd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", sshd.display()))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
        Err(if err.is_empty() {
            format!("exit status {}", out.status)
        } else {
            err
        })
    }
}

/// `sshd -T -f file`: the effective global configuration.
fn effective(sshd: &Path, file: &Path) -> Result<Effective, UserError> {
    sshd_run(sshd, &["-T".as_ref(), "-f".as_ref(), file.as_os_str()])
        .map(|out| Effective::parse(&out))
        .map_err(|e| {
            UserError::local(
                format!("sshd -T -f {} failed: {e}", file.display()),
                "run as root (sshd reads its host keys) and fix the configuration until `sshd -t` passes",
            )
        })
}

fn read_key_input(arg: &str) -> Result<String, UserError> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map_err(|e| {
            UserError::local(
                format!("cannot read the CA key from standard input: {e}"),
                "pipe one OpenSSH public key line into --ca-key -",
            )
        })?;
        Ok(s)
    } else {
        std::fs::read_to_string(arg).map_err(|e| {
            UserError::local(
                format!("cannot read the CA key file {arg}: {e}"),
                "pass the CA public key file (zssh server fetch-ca prints the key), or - for standard input",
            )
        })
    }
}
