//! The Cloudflare Access client protocol as cloudflared speaks it
//! (`../shared/docs/access-protocol.md`): the app URL, discovery, token files. Nothing here prints.

pub mod app_url;
pub mod cert_sign;
mod cloudflared_lock;
pub mod discovery;
pub mod exchange;
pub mod jwks;
pub mod jwt;
pub mod login;
pub mod login_lock;
pub mod token;
pub mod transfer;
pub mod verified_apps;

/// What discovery learns about an Access application (spec section 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppInfo {
    /// The team domain, e.g. `myteam.cloudflareaccess.com`.
    pub auth_domain: String,
    /// The application audience tag.
    pub aud: String,
    /// The application's hostname; names the token file.
    pub app_hostname: String,
}

/// The User-Agent zssh sends on every Access request.
pub fn user_agent() -> String {
    format!("zssh/{}", env!("CARGO_PKG_VERSION"))
}
