//! `zssh known-hosts check|repair HOST`: fetch the host key the path presents now (through the
//! edge, or `--direct`), compare it with the known_hosts entries for the host, and (repair) replace
//! stale entries after asking, with a backup taken before the first change.
//!
//! The report goes to stdout; the question goes to the terminal (/dev/tty); errors to stderr.
//! Exit status: check → 0 when known_hosts accepts the key, 1 (`Exit::Failure`) when it differs or
//! is missing; repair → 0 when repaired or already correct, 1 when the answer was no.

#![allow(clippy::print_stdout)]

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use crate::cli::{KnownHostsArgs, KnownHostsCommand};
use crate::error::UserError;
use crate::exit::Exit;
use crate::hostkey::{self, FetchError};
use crate::known_hosts::{self, Found, How, Key, KnownHosts, Marker, Status};
use crate::paths;

/// Appended to the file name for the one-time backup.
const BACKUP_SUFFIX: &str = ".zssh-backup";

pub async fn run(cmd: KnownHostsCommand) -> Result<Exit, UserError> {
    let (repair, args) = match cmd {
        KnownHostsCommand::Check(a) => (false, a),
        KnownHostsCommand::Repair(a) => (true, a),
    };
    let host = parse_host(&args.host)?;
    let name = match &args.host_key_alias {
        Some(alias) if !alias.is_empty() && !alias.contains([' ', '\t', ',', '\n']) => {
            alias.clone()
        }
        Some(alias) => {
            return Err(UserError::usage(
                format!("invalid host key alias {alias:?}"),
                "pass the HostKeyAlias value from your ssh config, e.g. --host-key-alias myserver",
            ));
        }
        None => known_hosts::lookup_name(&host, args.direct.unwrap_or(22)),
    };
    let file = match &args.known_hosts {
        Some(p) => p.clone(),
        None => paths::known_hosts()?,
    };
    // Edit the file a symlink points to, not the link (dotfile managers link known_hosts).
    let file = std::fs::canonicalize(&file).unwrap_or(file);
    let before = read(&file)?;
    let kh = KnownHosts::parse(before.as_deref().unwrap_or_default());
    let found = kh.lookup(&name);
    let prefer: Vec<String> = found
        .iter()
        .filter(|f| f.marker.is_none())
        .map(|f| f.key.algo.clone())
        .collect();

    let (key, via) = match args.direct {
        Some(port) => {
            let key = hostkey::fetch_direct(&host, port, &prefer)
                .await
                .map_err(|e| direct_error(&host, port, e))?;
            (key, format!("directly from {host} port {port}"))
        }
        None => (
            hostkey::fetch_via_edge(&host, &prefer).await?,
            "through the edge".to_string(),
        ),
    };

    let shown = if name == host {
        host.clone()
    } else {
        format!("{host} (stored as {name})")
    };
    println!("{shown} presents {} ({via})", key.fingerprint());
    for f in &found {
        println!("  {}", describe(&file, f, &key));
    }
    let status = kh.status(&name, &key);
    let revoked = kh.revoked(&name, &key);
    if !revoked.is_empty() {
        return Err(UserError::new(
            Exit::Failure,
            format!(
                "the key {host} presents is marked @revoked in {} line {}",
                file.display(),
                join(&revoked)
            ),
            "do not connect: this key was revoked on purpose; ask the server's administrator",
        ));
    }
    let again = again_command(&args);
    match status {
        Status::Matches => {
            println!("{}: matches; ssh will accept this key", file.display());
            return Ok(Exit::Ok);
        }
        Status::Differs => {
            println!(
                "{}: differs; ssh will refuse to connect (\"host key has changed\")",
                file.display()
            );
            println!("  why: {}", why_changed(&host, args.direct.is_some()));
            println!(
                "  if you did not expect a change, someone may be intercepting the connection: \
                 compare the new fingerprint with one the server's administrator gives you first"
            );
        }
        Status::Missing => {
            println!("{}: missing; ssh has no entry for {name}", file.display());
        }
    }
    if !repair {
        let (message, hint) = match status {
            Status::Missing => (
                format!("{} has no entry for {name}", file.display()),
                format!("to add the key above, run: zssh known-hosts repair {again}"),
            ),
            _ => (
                format!(
                    "{} does not hold the key {host} presents now",
                    file.display()
                ),
                format!(
                    "if you expected the change (ask the server's administrator if unsure), run: zssh known-hosts repair {again}"
                ),
            ),
        };
        return Err(UserError::new(Exit::Failure, message, hint));
    }

    let mut salt = [0u8; 20];
    ssh_key::getrandom::fill(&mut salt).map_err(|e| {
        UserError::new(
            Exit::Failure,
            format!("cannot get random bytes for a hashed entry: {e}"),
            "this system's random source is unavailable; try again",
        )
    })?;
    let plan = kh.repair(&name, &key, &salt);
    if !plan.changed() {
        println!("{}: nothing to change", file.display());
        return Ok(Exit::Ok);
    }
    for line in &plan.kept_patterns {
        println!(
            "  line {line} names {name} only through a wildcard; it stays (the new entry takes precedence)"
        );
    }
    let backup = backup_path(&file);
    let takes_backup = before.is_some() && !backup.exists();
    if !args.yes {
        let what = match status {
            Status::Missing => format!("Add {name} with this key to {}", file.display()),
            _ => format!(
                "Replace the entries for {name} in {} with this key",
                file.display()
            ),
        };
        let question = if takes_backup {
            format!("{what} (backup: {})?", backup.display())
        } else {
            format!("{what}?")
        };
        if !confirm(&question, &again)? {
            return Err(UserError::new(
                Exit::Failure,
                format!("{} was not changed", file.display()),
                format!(
                    "to change it, run again and answer y, or: zssh known-hosts repair --yes {again}"
                ),
            ));
        }
    }
    if takes_backup {
        std::fs::copy(&file, &backup).map_err(|e| {
            UserError::local(
                format!(
                    "cannot back up {} to {}: {e}",
                    file.display(),
                    backup.display()
                ),
                format!("check that {} is writable by you", parent(&file).display()),
            )
        })?;
        println!("backed up {} to {}", file.display(), backup.display());
    }
    write_keeping_mode(&file, &plan.text)?;
    let form = if plan.hashed { "a hashed" } else { "an" };
    let mut done = Vec::new();
    if !plan.removed.is_empty() {
        done.push(format!("removed line {}", join(&plan.removed)));
    }
    if !plan.edited.is_empty() {
        done.push(format!("took {name} out of line {}", join(&plan.edited)));
    }
    if plan.added {
        done.push(format!("added {form} entry for {name}"));
    }
    println!("{}: {}", file.display(), done.join(", "));
    Ok(Exit::Ok)
}

/// `HOST` or `user@HOST` → the host, validated.
fn parse_host(raw: &str) -> Result<String, UserError> {
    let host = raw.rsplit_once('@').map_or(raw, |(_, h)| h);
    if host.is_empty()
        || host.starts_with('-')
        || host.contains(|c: char| c.is_whitespace() || c == ',' || c == '/' || c.is_control())
    {
        return Err(UserError::usage(
            format!("invalid host {raw:?}"),
            "pass the host as you type it after ssh, e.g. zssh known-hosts check ssh.example.com",
        ));
    }
    Ok(host.to_ascii_lowercase())
}

/// The arguments to run the same lookup again (for hints).
fn again_command(args: &KnownHostsArgs) -> String {
    let mut out = Vec::new();
    if let Some(port) = args.direct {
        out.push(format!("--direct {port}"));
    }
    if let Some(alias) = &args.host_key_alias {
        out.push(format!("--host-key-alias {alias}"));
    }
    if let Some(file) = &args.known_hosts {
        out.push(format!("--known-hosts {}", file.display()));
    }
    out.push(args.host.clone());
    out.join(" ")
}

fn why_changed(host: &str, direct: bool) -> String {
    if direct {
        format!(
            "{host} was reinstalled, its key was rotated, or the address now reaches a different machine"
        )
    } else {
        format!("the edge now routes {host} to a different server, or the server's key was rotated")
    }
}

fn describe(file: &Path, f: &Found, key: &Key) -> String {
    let verdict = match f.marker {
        Some(_) => "left alone",
        None if &f.key == key => "same key",
        None => "different key",
    };
    let how = match (f.marker, f.how) {
        (Some(Marker::CertAuthority), _) => "@cert-authority",
        (Some(Marker::Revoked), _) => "@revoked",
        (None, How::Hashed) => "hashed entry",
        (None, How::Exact) => "entry",
        (None, How::InList) => "entry in a host list",
        (None, How::Pattern) => "wildcard entry",
    };
    format!(
        "{} line {}: {how} {}: {verdict}",
        file.display(),
        f.line,
        f.key.fingerprint()
    )
}

fn join(lines: &[usize]) -> String {
    lines
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn direct_error(host: &str, port: u16, e: FetchError) -> UserError {
    match e {
        FetchError::Connect(e) => UserError::new(
            Exit::Unreachable,
            format!("cannot connect to {host} port {port}: {e}"),
            "check that the host is reachable directly (with WARP: that WARP is connected and routes it), or drop --direct to go through the edge",
        ),
        FetchError::Timeout => UserError::new(
            Exit::Unreachable,
            format!(
                "{host} port {port} did not show its host key within {}s",
                hostkey::TIMEOUT.as_secs()
            ),
            "check that an SSH server listens there and that nothing in between drops the connection",
        ),
        FetchError::Handshake(why) => UserError::new(
            Exit::Protocol,
            format!("cannot get the host key of {host} port {port}: {why}"),
            "check that an SSH server listens on that port",
        ),
    }
}

/// The file's bytes, or None if it does not exist yet.
fn read(file: &Path) -> Result<Option<Vec<u8>>, UserError> {
    match std::fs::read(file) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(UserError::local(
            format!("cannot read {}: {e}", file.display()),
            "check that the file is readable by you, or pass another with --known-hosts",
        )),
    }
}

fn backup_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(BACKUP_SUFFIX);
    PathBuf::from(s)
}

fn parent(file: &Path) -> &Path {
    file.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Replace `file` atomically, keeping its mode; a new file is created 0600 (and its directory
/// 0700) by [`crate::fsutil::write_private`].
fn write_keeping_mode(file: &Path, bytes: &[u8]) -> Result<(), UserError> {
    let Some(mode) = crate::fsutil::existing_mode(file) else {
        return crate::fsutil::write_private(file, bytes);
    };
    crate::fsutil::replace_atomically(file, bytes, mode).map_err(|e| {
        UserError::local(
            format!("cannot write {}: {e}", file.display()),
            format!("check that {} is writable by you", parent(file).display()),
        )
    })
}

/// Ask a yes/no question on the terminal; no terminal (or `ZSSH_NONINTERACTIVE=1`) is an error
/// that says to pass --yes.
fn confirm(question: &str, again: &str) -> Result<bool, UserError> {
    let no_terminal = || {
        UserError::usage(
            "zssh asks before changing known_hosts, and there is no terminal to ask on",
            format!(
                "check the fingerprints above, then run: zssh known-hosts repair --yes {again}"
            ),
        )
    };
    let noninteractive =
        std::env::var_os("ZSSH_NONINTERACTIVE").is_some_and(|v| !v.is_empty() && v != "0");
    if noninteractive {
        return Err(no_terminal());
    }
    let Ok(mut tty) = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
    else {
        return Err(no_terminal());
    };
    let _ = std::io::stdout().flush();
    write!(tty, "{question} [y/N] ")
        .and_then(|_| tty.flush())
        .map_err(|_| no_terminal())?;
    let mut answer = String::new();
    std::io::BufReader::new(tty)
        .read_line(&mut answer)
        .map_err(|_| no_terminal())?;
    Ok(is_yes(&answer))
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        for (a, want) in [
            ("y\n", true),
            ("YES\r\n", true),
            (" yes ", true),
            ("\n", false),
            ("n\n", false),
            ("yep\n", false),
            ("", false),
        ] {
            assert_eq!(is_yes(a), want, "{a:?}");
        }
    }

    #[test]
    fn hosts() {
        assert_eq!(
            parse_host("alice@SSH.Example.com").unwrap(),
            "ssh.example.com"
        );
        assert_eq!(parse_host("10.0.0.1").unwrap(), "10.0.0.1");
        for bad in ["", "a b", "-oProxyCommand=x", "a,b", "user@"] {
            assert!(parse_host(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn backup_is_next_to_the_file() {
        assert_eq!(
            backup_path(Path::new("/h/.ssh/known_hosts")),
            PathBuf::from("/h/.ssh/known_hosts.zssh-backup")
        );
    }

    #[cfg(unix)]
    #[test]
    fn rewrite_keeps_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("known_hosts");
        std::fs::write(&f, "a\n").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_keeping_mode(&f, b"b\n").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"b\n");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o644);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
