//! zssh-test-edge: a local, faithful emulation of the Cloudflare Access edge, over TLS on loopback.
//!
//! One listener serves, routed by the Host header: the Access-protected app hosts (challenge 302,
//! signed discovery metadata, the browser login page, the org→app exchange, token checks and the
//! WebSocket carrier), the team domain (JWKS, login page, `cert_sign`) and the login transfer store.
//! See `shared/docs/access-protocol.md`, sections 1, 3, 4.3, 5, 6, 7, 10 and 11: this crate follows
//! the real edge described there, not any particular client.
//!
//! This file owns the public API ([`Edge`] and re-exports) and the edge's lifetime: [`Edge::start`]
//! generates the per-run keys, binds, and serves on its own thread and tokio runtime until the
//! [`Edge`] is dropped. It never prints.

// Test code reports on a captured stderr: zssh's rule (no eprintln!, which panics on a
// broken stderr) is for the binary people run.
#![allow(clippy::disallowed_macros)]
#![forbid(unsafe_code)]

mod app;
mod config;
mod http;
mod jwt;
mod knobs;
mod record;
mod server;
mod ssh_ca;
mod state;
mod store;
mod team;
mod tls;
mod transfer;
mod util;
mod ws;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;

pub use config::{AppConfig, Discovery, EdgeConfig, Origin};
pub use knobs::Knobs;
pub use record::{Kind, RequestRecord};

use state::{AppEntry, Shared};

/// A running edge. Dropping it stops serving and closes the listener and every connection.
pub struct Edge {
    /// The listening address (connect here whatever the host name).
    pub addr: SocketAddr,
    /// `<dir>/ca.pem`: the per-run CA that signed the TLS certificate.
    pub ca_pem: PathBuf,
    /// `<dir>/ssh_user_ca.pub`: the SSH user CA behind `cert_sign` (for `TrustedUserCAKeys`).
    pub ssh_ca_pub: PathBuf,
    /// Fault-injection switches, read live by the server.
    pub knobs: Arc<Knobs>,
    shared: Arc<Shared>,
    hosts: Vec<String>,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Edge {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Edge")
            .field("addr", &self.addr)
            .field("team", &self.shared.team)
            .field("hosts", &self.hosts)
            .finish_non_exhaustive()
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

impl Edge {
    /// Generates the per-run PKI and keys, writes `ca.pem` and `ssh_user_ca.pub` into `cfg.dir`,
    /// binds `cfg.bind` and starts serving. Returns once the socket is listening.
    pub fn start(cfg: EdgeConfig) -> io::Result<Edge> {
        let team = cfg.team.trim().to_ascii_lowercase();
        if team.is_empty() {
            return Err(invalid("the team domain is empty".into()));
        }
        let mut apps = Vec::new();
        for a in &cfg.apps {
            let host = http::strip_port(a.host.trim()).to_ascii_lowercase();
            if host.is_empty() || host == team || server::STORE_HOSTS.contains(&host.as_str()) {
                return Err(invalid(format!("bad application host {:?}", a.host)));
            }
            if apps.iter().any(|e: &AppEntry| e.host == host) {
                return Err(invalid(format!("application host {host} given twice")));
            }
            apps.push(AppEntry {
                host,
                aud: if a.aud.is_empty() {
                    util::random_hex(32)
                } else {
                    a.aud.clone()
                },
                origin: a.origin,
                discovery: a.discovery,
                service_tokens: a.service_tokens.clone(),
                impostor_of: a.impostor_of.as_deref().map(str::to_ascii_lowercase),
            });
        }

        let mut hosts: Vec<String> = apps.iter().map(|a| a.host.clone()).collect();
        hosts.push(team.clone());
        hosts.extend(server::STORE_HOSTS.iter().map(|s| (*s).to_owned()));
        hosts.push("localhost".to_owned());

        let ca_pem = cfg.dir.join("ca.pem");
        let ssh_ca_pub = cfg.dir.join("ssh_user_ca.pub");
        let tls = tls::build(&hosts, &ca_pem)?;
        let jwt = jwt::JwtKeys::generate()?;
        let ssh_ca = ssh_ca::SshCa::generate(&ssh_ca_pub)?;

        let listener = std::net::TcpListener::bind(cfg.bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;

        let knobs = Arc::new(Knobs::default());
        let mut cfg = cfg;
        cfg.team = team;
        let shared = Arc::new(Shared::new(cfg, apps, knobs.clone(), jwt, ssh_ca));

        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("zssh-test-edge")
            .enable_all()
            .build()?;
        let (shutdown_tx, shutdown_rx) = oneshot::channel();
        let serve_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("zssh-test-edge-main".into())
            .spawn(move || {
                runtime.block_on(server::run(serve_shared, listener, tls, shutdown_rx));
                runtime.shutdown_timeout(Duration::from_secs(2));
            })?;

        Ok(Edge {
            addr,
            ca_pem,
            ssh_ca_pub,
            knobs,
            shared,
            hosts,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        })
    }

    /// The team (auth) domain, lowercased.
    pub fn team(&self) -> &str {
        &self.shared.team
    }

    /// Every DNS name in the TLS certificate: app hosts, the team host, both transfer store hosts
    /// and `localhost` (the certificate also covers IP 127.0.0.1).
    pub fn hosts(&self) -> Vec<String> {
        self.hosts.clone()
    }

    /// The AUD of an application. Panics if `app_host` is not configured.
    pub fn aud(&self, app_host: &str) -> String {
        self.app(app_host).aud.clone()
    }

    fn app(&self, app_host: &str) -> &AppEntry {
        self.shared
            .app(app_host)
            .unwrap_or_else(|| panic!("zssh-test-edge: no application {app_host:?}"))
    }

    /// An app token for `app_host`, as the login would mint it, valid for `ttl_secs` (negative:
    /// already expired). Panics if `app_host` is not configured.
    pub fn mint_app_token(&self, app_host: &str, ttl_secs: i64) -> String {
        let aud = self.app(app_host).aud.clone();
        self.shared.mint_app_token(&aud, ttl_secs)
    }

    /// This run's signing keys as a current client caches them in `~/.cloudflared/<team>-jwks`
    /// (`{"keys":[...]}`, access-protocol.md 1.2 step 5). The keys are new on every run, so a home
    /// reused across runs must get this file rewritten: a cached set that fails verification is
    /// only refetched once it is at least a minute old.
    pub fn jwks_cache_json(&self) -> String {
        self.shared.jwt.jwks_cache_json()
    }

    /// An org token for the team domain, valid for `ttl_secs` (negative: already expired).
    pub fn mint_org_token(&self, ttl_secs: i64) -> String {
        self.shared.mint_org_token(ttl_secs)
    }

    /// From now on the edge treats this exact token as invalid everywhere.
    pub fn revoke(&self, token: &str) {
        self.shared.revoke(token);
    }

    /// Every request seen so far, in arrival order.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.log.snapshot()
    }

    /// How many TCP connections the edge accepted so far (with or without a request on them).
    pub fn connections(&self) -> u64 {
        self.shared.log.connections()
    }

    /// How many requests seen so far match `f`.
    pub fn count(&self, f: impl Fn(&RequestRecord) -> bool) -> usize {
        self.shared.log.count(f)
    }
}

impl Drop for Edge {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    /// Tests hold an `Edge` across threads and `.await`s.
    #[test]
    fn edge_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Edge>();
        assert_send_sync::<super::RequestRecord>();
    }
}
