//! Every on-disk location zssh reads or writes, and nothing else computes paths.
//!
//! Token files live where cloudflared keeps them (`~/.cloudflared`, spec section 4), so a user
//! logged in with cloudflared is logged in with zssh and both tools can run side by side.

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
        "~/.cloudflared/<team>-jwks",
        "cached signing keys of the team domain, refreshed after 24 hours",
    ),
];
