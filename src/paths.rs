//! Every on-disk location zssh reads or writes, and nothing else computes paths.
//!
//! Token files live where cloudflared keeps them (`~/.cloudflared`, spec section 4), so a user
//! logged in with cloudflared is logged in with zssh and both tools can run side by side.

use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::UserError;

/// `$HOME`, required: zssh keeps its state under it.
pub fn home() -> Result<PathBuf, UserError> {
    std::env::home_dir()
        .filter(|p| !p.as_os_str().is_empty())
        .ok_or_else(|| {
            UserError::local(
                "cannot find the home directory ($HOME is not set)",
                "set HOME to your home directory",
            )
        })
}

/// `~/.cloudflared`: tokens, JWKS cache, locks (shared with cloudflared).
pub fn cloudflared_dir() -> Result<PathBuf, UserError> {
    Ok(home()?.join(".cloudflared"))
}

/// `~/.cloudflared/<auth domain>-jwks` (spec 1.2 step 5).
pub fn jwks_file(auth_domain: &str) -> Result<PathBuf, UserError> {
    Ok(cloudflared_dir()?.join(format!("{}-jwks", auth_domain.replace('/', "-"))))
}

/// `$XDG_STATE_HOME/zssh/locks` (if set and absolute), else `~/.local/state/zssh/locks`.
pub fn lock_dir() -> Result<PathBuf, UserError> {
    Ok(state_dir_from(std::env::var_os("XDG_STATE_HOME"), home)?.join("locks"))
}

/// `<state dir>/zssh/apps`: what signed metadata proved about each app URL (no secrets).
pub fn apps_dir() -> Result<PathBuf, UserError> {
    Ok(state_dir_from(std::env::var_os("XDG_STATE_HOME"), home)?.join("apps"))
}

/// `<state dir>/zssh/keyring-used`: exists once zssh has stored a token in the OS keyring, so a
/// removal knows the keyring may hold tokens even when it cannot be reached.
pub fn keyring_marker() -> Result<PathBuf, UserError> {
    Ok(state_dir_from(std::env::var_os("XDG_STATE_HOME"), home)?.join("keyring-used"))
}

/// zssh's state directory from the value of `$XDG_STATE_HOME` (ignored unless absolute, as the
/// XDG base directory spec says) and the home directory.
fn state_dir_from(
    xdg_state_home: Option<OsString>,
    home: impl FnOnce() -> Result<PathBuf, UserError>,
) -> Result<PathBuf, UserError> {
    let state = match xdg_state_home.map(PathBuf::from) {
        Some(dir) if dir.is_absolute() => dir,
        _ => home()?.join(".local").join("state"),
    };
    Ok(state.join("zssh"))
}

/// `~/.cloudflared/<host>-cf_key`, `…-cf_key.pub`, `…-cf_key-cert.pub`: the key and certificate
/// files cloudflared's `ssh-gen` writes and its `ssh-config --short-lived-cert` names (spec 4.2).
pub fn cert_files(host: &str) -> Result<(PathBuf, PathBuf, PathBuf), UserError> {
    let dir = cloudflared_dir()?;
    let stem = host.replace('/', "-");
    Ok((
        dir.join(format!("{stem}-cf_key")),
        dir.join(format!("{stem}-cf_key.pub")),
        dir.join(format!("{stem}-cf_key-cert.pub")),
    ))
}

/// `~/.ssh`.
pub fn ssh_dir() -> Result<PathBuf, UserError> {
    Ok(home()?.join(".ssh"))
}

/// `~/.ssh/zssh_config`: the stanzas `zssh config` manages, included from `~/.ssh/config`.
pub fn managed_ssh_config() -> Result<PathBuf, UserError> {
    Ok(ssh_dir()?.join("zssh_config"))
}

/// `~/.ssh/known_hosts`.
pub fn known_hosts() -> Result<PathBuf, UserError> {
    Ok(ssh_dir()?.join("known_hosts"))
}

/// The rows of the FILES section of the man page.
pub const FILES: &[(&str, &str)] = &[
    (
        "~/.cloudflared/<app>-<aud>-token",
        "cached application token (shared with cloudflared); mode 0600",
    ),
    (
        "~/.cloudflared/<team>-org-token",
        "cached organisation token (shared with cloudflared); mode 0600",
    ),
    (
        "~/.cloudflared/<token>.lock, <token>.url",
        "cloudflared-format login lock (JSON pid and start time) and the pending login URL, while a login runs",
    ),
    (
        "~/.local/state/zssh/locks/",
        "zssh's login and certificate renewal locks (kernel file locks: released when their holder dies, never stale); $XDG_STATE_HOME/zssh/locks when set",
    ),
    (
        "OS keyring, service \"zssh\"",
        "tokens stored by zssh login when the keyring works: the Secret Service on Linux (GNOME Keyring or another provider of it); on macOS and Windows tokens go to files for now",
    ),
    (
        "~/.cloudflared/<host>-cf_key, <host>-cf_key.pub, <host>-cf_key-cert.pub",
        "the short-lived certificate's private key (kept across renewals, see zssh-cert(1)), public key and certificate (zssh cert, access ssh-gen); mode 0600",
    ),
    (
        "~/.ssh/zssh_config",
        "the ssh config stanzas zssh config manages; ~/.ssh/config includes it (one Include line zssh adds and --uninstall removes)",
    ),
    (
        "~/.ssh/config.zssh-backup, ~/.ssh/known_hosts.zssh-backup",
        "copies taken before zssh first changes these files (once, whole: written aside, then linked into place)",
    ),
    (
        "~/.ssh/known_hosts.zssh.lock",
        "locked while zssh known-hosts repair rewrites that known_hosts file (one beside each file it repairs)",
    ),
    (
        "~/.local/state/zssh/apps/",
        "the application identity (audience, team, app hostname) that signed metadata proved for each host, kept until that metadata expires (at most 24 hours), so the next connection sends a cached token on its first request; no secrets; $XDG_STATE_HOME/zssh/apps when set",
    ),
    (
        "~/.cloudflared/<team>-jwks",
        "cached signing keys of the team domain, refreshed after 24 hours",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_dir_is_under_the_state_dir() {
        let home = || Ok(PathBuf::from("/home/u"));
        let table: &[(Option<&str>, &str)] = &[
            (None, "/home/u/.local/state/zssh/locks"),
            (Some("/var/state"), "/var/state/zssh/locks"),
            (Some("relative/state"), "/home/u/.local/state/zssh/locks"),
            (Some(""), "/home/u/.local/state/zssh/locks"),
        ];
        for (xdg, want) in table {
            let got = state_dir_from(xdg.map(OsString::from), home)
                .unwrap()
                .join("locks");
            assert_eq!(got, PathBuf::from(want), "{xdg:?}");
        }
    }
}
