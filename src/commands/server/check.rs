//! `zssh server check`: whether sshd trusts a user CA (and the key given with `--ca-key`), with
//! public key authentication on, and whether the ssh port still answers directly. Reports on
//! stdout; the first problem found is the error (exit 1).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::Path;
use std::time::Duration;

use ssh_key::HashAlg;

use super::{effective, find_sshd, read_key_input};
use crate::cli::ServerCheckArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::sshd_config::{self, Effective};

/// Where to knock for a `listenaddress` value: wildcard addresses mean loopback here.
fn knock_target(listen: &str) -> Option<SocketAddr> {
    let first = listen.split_whitespace().next()?;
    let mut addr: SocketAddr = first.parse().ok()?;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    Some(addr)
}

pub(super) async fn run(args: ServerCheckArgs) -> Result<Exit, UserError> {
    let sshd = find_sshd()?;
    let config = &args.sshd_config;
    let eff = effective(&sshd, config)?;
    let mut report = Report {
        out: format!("sshd configuration: {}\n", config.display()),
        problem: None,
    };
    report.line(format!("PubkeyAuthentication: {}", eff.pubkey_auth()));
    let ca = eff.trusted_ca().to_string();
    let ca_text = report.trusted_ca_file(config, &ca);
    if !eff.pubkey_auth().eq_ignore_ascii_case("yes") {
        report.problem(
            format!("public key authentication is off in {}", config.display()),
            TRUST_CA_FIX,
        );
    }
    if let Some(key_path) = &args.ca_key {
        report.ca_key_trusted(key_path, ca_text.as_deref(), &ca)?;
    }
    report.direct_ssh(&eff).await;
    crate::out!("{}", report.out);
    match report.problem {
        None => Ok(Exit::Ok),
        Some((msg, hint)) => Err(UserError::new(Exit::Failure, msg, hint)),
    }
}

/// The fix for a server that does not trust the CA.
const TRUST_CA_FIX: &str = "run zssh server trust-ca --ca-key FILE --apply (as root)";

/// What `server check` found: the lines to print and the first problem (error and hint).
struct Report {
    out: String,
    problem: Option<(String, String)>,
}

impl Report {
    fn line(&mut self, line: String) {
        self.out.push_str(&line);
        self.out.push('\n');
    }

    /// Record a problem, unless an earlier one is the one to report.
    fn problem(&mut self, message: String, hint: impl Into<String>) {
        if self.problem.is_none() {
            self.problem = Some((message, hint.into()));
        }
    }

    /// TrustedUserCAKeys: the file `ca` names, and how many keys it holds. Returns its text.
    fn trusted_ca_file(&mut self, config: &Path, ca: &str) -> Option<String> {
        if ca.eq_ignore_ascii_case("none") {
            self.line("TrustedUserCAKeys: none".into());
            self.problem(
                format!(
                    "sshd trusts no user CA (TrustedUserCAKeys none in {})",
                    config.display()
                ),
                TRUST_CA_FIX,
            );
            return None;
        }
        match std::fs::read_to_string(ca) {
            Ok(t) => {
                let n = sshd_config::ca_key_count(&t);
                self.line(format!(
                    "TrustedUserCAKeys: {ca} ({n} key{})",
                    if n == 1 { "" } else { "s" }
                ));
                if n == 0 {
                    self.problem(
                        format!("the trusted CA file {ca} holds no keys"),
                        TRUST_CA_FIX,
                    );
                }
                Some(t)
            }
            Err(e) => {
                self.line(format!("TrustedUserCAKeys: {ca} (unreadable: {e})"));
                self.problem(
                    format!("the trusted CA file {ca} cannot be read: {e}"),
                    TRUST_CA_FIX,
                );
                None
            }
        }
    }

    /// `--ca-key`: whether the CA file (`ca_text`, read from `ca`) holds that key.
    fn ca_key_trusted(
        &mut self,
        key_path: &Path,
        ca_text: Option<&str>,
        ca: &str,
    ) -> Result<(), UserError> {
        let input = read_key_input(&key_path.to_string_lossy())?;
        let (_, key) = sshd_config::parse_ca_key(&input).map_err(|e| {
            UserError::usage(
                format!("--ca-key {}: {e}", key_path.display()),
                "pass the CA public key file (one OpenSSH public key line)",
            )
        })?;
        let fp = key.fingerprint(HashAlg::Sha256);
        if ca_text.is_some_and(|t| sshd_config::ca_file_has(t, &key)) {
            self.line(format!("CA key {fp}: trusted (in {ca})"));
        } else {
            self.line(format!("CA key {fp}: not trusted"));
            self.problem(
                format!("the CA key {} ({fp}) is not in {ca}", key_path.display()),
                format!(
                    "run zssh server trust-ca --ca-key {} --ca-file {ca} --apply (as root)",
                    key_path.display()
                ),
            );
        }
        Ok(())
    }

    /// Does the ssh port still answer directly? Knock on each listen address (or port).
    async fn direct_ssh(&mut self, eff: &Effective) {
        let mut answering = 0;
        for (label, addr) in &listen_targets(eff) {
            let r =
                tokio::time::timeout(Duration::from_secs(2), tokio::net::TcpStream::connect(addr))
                    .await;
            match r {
                Ok(Ok(_)) => {
                    answering += 1;
                    self.line(format!("direct ssh {label}: answers ({addr})"));
                }
                Ok(Err(e)) => {
                    self.line(format!("direct ssh {label}: does not answer ({addr}: {e})"))
                }
                Err(_) => self.line(format!(
                    "direct ssh {label}: does not answer ({addr}: timed out)"
                )),
            }
        }
        if answering > 0 {
            self.line("note: sshd still answers directly; once SSH goes through Access, the port can be closed to the outside (firewall), keeping loopback for cloudflared".into());
        }
    }
}

/// Where sshd listens: each `listenaddress` (labelled with it), else each `port` on loopback.
fn listen_targets(eff: &Effective) -> Vec<(String, SocketAddr)> {
    let mut targets: Vec<(String, SocketAddr)> = eff
        .all("listenaddress")
        .into_iter()
        .filter_map(|l| knock_target(l).map(|a| (l.to_string(), a)))
        .collect();
    if targets.is_empty() {
        for p in eff.all("port") {
            if let Ok(port) = p.parse::<u16>() {
                targets.push((
                    format!("port {port}"),
                    SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
                ));
            }
        }
    }
    targets
}
