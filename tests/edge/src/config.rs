//! The edge's configuration: which team, which applications, and the timings the tests may shorten.
//!
//! Plain data with defaults that match the real edge (see access-protocol.md sections 5.2, 6 and 11).
//! Nothing here touches the network or the disk.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// How the whole emulated edge is set up. Build it with [`EdgeConfig::new`] and [`EdgeConfig::app`].
#[derive(Debug, Clone)]
pub struct EdgeConfig {
    /// The team (auth) domain, e.g. `zssh-test.cloudflareaccess.com`. Current clients insist on the
    /// `.cloudflareaccess.com` suffix; the edge does not, so tests can provoke that client error.
    pub team: String,
    /// The Access applications served, one per host name.
    pub apps: Vec<AppConfig>,
    /// Where to listen; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Existing directory that receives `ca.pem` and `ssh_user_ca.pub`.
    pub dir: PathBuf,
    /// How long the transfer store holds a poll that finds nothing before answering 404.
    pub transfer_hold: Duration,
    /// Server WebSocket ping period (the origin cloudflared pings every 54 s); `None` disables pings.
    pub ping_interval: Option<Duration>,
    /// Short-lived SSH certificates are valid from `now - cert_before`...
    pub cert_before: Duration,
    /// ...to `now + cert_after`.
    pub cert_after: Duration,
    /// The identity the login "browser" signs in as. Its local part is the certificate principal.
    pub user_email: String,
    /// Lifetime of app and org tokens minted by the login flows.
    pub token_ttl: Duration,
}

impl EdgeConfig {
    /// Defaults: team `zssh-test.cloudflareaccess.com`, no apps, `127.0.0.1:0`, 2 s transfer hold,
    /// 54 s pings, certificates valid -1 min .. +3 min, user `alice@example.com`, tokens for 1 h.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        EdgeConfig {
            team: "zssh-test.cloudflareaccess.com".to_owned(),
            apps: Vec::new(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            dir: dir.into(),
            transfer_hold: Duration::from_secs(2),
            ping_interval: Some(Duration::from_secs(54)),
            cert_before: Duration::from_secs(60),
            cert_after: Duration::from_secs(180),
            user_email: "alice@example.com".to_owned(),
            token_ttl: Duration::from_secs(3600),
        }
    }

    /// Adds an application (builder style).
    pub fn app(mut self, app: AppConfig) -> Self {
        self.apps.push(app);
        self
    }
}

/// One Access application, protecting one host name.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Host name, without port (a port, if given, is ignored when routing).
    pub host: String,
    /// The application audience tag; empty means "make up 64 random hex digits".
    pub aud: String,
    /// What the WebSocket carrier connects to.
    pub origin: Origin,
    /// Which discovery generation the app answers (metadata JWT or redirect chain only).
    pub discovery: Discovery,
    /// Valid service tokens as (client id, client secret).
    pub service_tokens: Vec<(String, String)>,
    /// A hostile host, not an Access application: it sends no metadata and answers with the
    /// Access redirect of the named *other* application (its login page, its `kid`), the way an
    /// attacker who knows that application's public audience tag would. It accepts nothing.
    pub impostor_of: Option<String>,
}

impl AppConfig {
    /// An app with a random AUD, current discovery and no service tokens.
    pub fn new(host: &str, origin: Origin) -> Self {
        AppConfig {
            host: host.to_owned(),
            aud: String::new(),
            origin,
            discovery: Discovery::Current,
            service_tokens: Vec::new(),
            impostor_of: None,
        }
    }
}

/// Where the carrier of an application ends up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A fixed TCP service (`ssh://localhost:22` style ingress).
    Tcp(SocketAddr),
    /// Bastion mode: dial whatever `Cf-Access-Jump-Destination` names.
    Bastion,
}

/// Which generation of app discovery the application supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discovery {
    /// The current edge: a signed `Cf-Access-Metadata` header when asked for, and the 302 chain.
    Current,
    /// An older edge: the 302 chain only, never a `Cf-Access-Metadata` header.
    Legacy,
}
