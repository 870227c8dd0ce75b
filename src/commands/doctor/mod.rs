//! `zssh doctor HOST`: walk the path `ssh HOST` takes, layer by layer — ssh's effective config,
//! OpenSSH version, proxy settings, DNS/TCP/TLS to the edge, the WebSocket upgrade, app discovery,
//! the cached token, login locks, the clock, the certificate, known_hosts — and give one verdict
//! line each, with the fix. `--fix` performs the safe repairs. A layer that fails does not end
//! the walk: the layers it keeps from being checked are listed as skipped, with why, and the ones
//! that do not depend on it (this machine's config, the cached token and locks when the
//! application's identity is remembered, the certificate) are still checked. Exit 0 when nothing
//! failed (warnings and skips allowed), [`Exit::CheckFailed`] when a check failed; `--json` gives
//! the same verdicts and the result.
//! Every failure the carrier can report (spec section 9's catalogue) surfaces here as a verdict,
//! because the checks call the same code `zssh proxy` runs.
//!
//! A target that ssh reaches without a ProxyCommand (an IP, or a host configured so) takes the
//! WARP path instead when the Cloudflare One Client is installed: `warp.rs` checks that path.
//! Without the client, a hostname gets today's Access-application checks and a bare IP only the
//! local ones (no ProxyCommand advice: an IP is not an Access application).

mod warp;

use std::process::Command;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;

use crate::access::app_url::AppUrl;
use crate::access::login_lock::{self as lock, LockState};
use crate::access::token::{self, Lookup};
use crate::access::{AppInfo, discovery, exchange};
use crate::cert_store::{self, Files};
use crate::cli::{CarrierArgs, DoctorArgs};
use crate::edge::carrier::Carrier;
use crate::edge::dial::{Net, Step};
use crate::edge::pool::{Client, ClientError};
use crate::edge::tunnel::{self, Dialed};
use crate::error::UserError;
use crate::exit::Exit;
use crate::human::{self, shell_word};
use crate::paths;
use crate::token_store::TokenStore;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
    Fixed,
}

#[derive(Debug, Serialize)]
struct Verdict {
    check: &'static str,
    status: Status,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

#[derive(Default)]
struct Report {
    verdicts: Vec<Verdict>,
}

impl Report {
    fn add(
        &mut self,
        check: &'static str,
        status: Status,
        detail: impl Into<String>,
        fix: Option<String>,
    ) {
        self.verdicts.push(Verdict {
            check,
            status,
            detail: detail.into(),
            fix,
        });
    }
    fn ok(&mut self, check: &'static str, detail: impl Into<String>) {
        self.add(check, Status::Ok, detail, None);
    }
    fn fail(&mut self, check: &'static str, detail: impl Into<String>, fix: impl Into<String>) {
        self.add(check, Status::Fail, detail, Some(fix.into()));
    }
    /// A failure as the rest of zssh reports it, without the hint's pointer to `zssh doctor`:
    /// that is where the user is.
    fn failed_with(&mut self, check: &'static str, e: &UserError) {
        self.fail(
            check,
            e.message.clone(),
            crate::error::without_doctor(&e.hint),
        );
    }
    /// A layer not checked, and why.
    fn skip(&mut self, check: &'static str, why: impl Into<String>) {
        self.add(check, Status::Skip, why, None);
    }
}

/// How the WebSocket upgrade went: what the checks after it may rely on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Upgrade {
    /// The edge asked for a login, as it should before a token.
    Login,
    /// The edge opened the tunnel without a login (service token, or no Access in front).
    Open,
    /// Refused, or no answer (see the handshake verdict).
    Failed,
    /// Not tried: the edge was not reached (the named network layer failed).
    NotTried(&'static str),
}

/// What `ssh -G HOST` says ssh will do.
#[derive(Default)]
struct SshView {
    user: String,
    proxy_command: String,
    identity_files: Vec<String>,
    certificate_files: Vec<String>,
    /// HostName (what ssh connects to).
    hostname: String,
    port: u16,
    /// Forwardings asked for (`localforward 8080 [localhost]:80`, `forwardagent yes`).
    forwards: Vec<String>,
    /// ProxyJump (ssh connects from the jump host, not from here).
    proxy_jump: String,
    /// ssh's whole answer, for the known_hosts view.
    raw: Vec<u8>,
}

impl SshView {
    /// Whether ssh offers the certificate `zssh cert` keeps.
    fn uses_cert(&self) -> bool {
        self.certificate_files
            .iter()
            .any(|c| c.contains("cf_key-cert.pub"))
    }
}

/// Asks about HOST as given: a `user@` in it is the user ssh logs in as, whatever User says.
fn ssh_view(args: &DoctorArgs) -> Result<SshView, String> {
    let mut cmd = Command::new("ssh");
    if let Some(f) = &args.ssh_config {
        cmd.arg("-F").arg(f);
    }
    let out = cmd
        .arg("-G")
        .arg(&args.host)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run ssh -G: {e}"))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    let mut v = SshView {
        port: 22,
        raw: out.stdout.clone(),
        ..SshView::default()
    };
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let (k, val) = line.split_once(' ').unwrap_or((line, ""));
        match k.to_ascii_lowercase().as_str() {
            "user" => v.user = val.to_string(),
            "proxycommand" if !val.eq_ignore_ascii_case("none") => {
                v.proxy_command = val.to_string()
            }
            "identityfile" => v.identity_files.push(val.to_string()),
            "certificatefile" => v.certificate_files.push(val.to_string()),
            "hostname" => v.hostname = val.to_string(),
            "proxyjump" if !val.eq_ignore_ascii_case("none") => v.proxy_jump = val.to_string(),
            "port" => v.port = val.parse().unwrap_or(22),
            "localforward" | "remoteforward" | "dynamicforward" => v.forwards.push(line.into()),
            "forwardagent" | "forwardx11" if !val.eq_ignore_ascii_case("no") => {
                v.forwards.push(line.into())
            }
            _ => {}
        }
    }
    Ok(v)
}

fn openssh_version() -> Option<(u32, u32, String)> {
    let out = Command::new("ssh").arg("-V").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr).to_string();
    let v = text.split("OpenSSH_").nth(1)?;
    let mut nums = v
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty());
    let major = nums.next()?.parse().ok()?;
    let minor = nums.next()?.parse().ok()?;
    Some((major, minor, text.trim().to_string()))
}

fn carrier_for(app: &AppUrl) -> Result<Carrier, UserError> {
    Carrier::from_args(&CarrierArgs::from_env_for(
        &app.shown(),
        Duration::from_secs(10),
    ))
}

pub async fn run(args: DoctorArgs) -> Result<Exit, UserError> {
    let host = args
        .host
        .rsplit('@')
        .next()
        .unwrap_or(&args.host)
        .to_string();
    let mut r = Report::default();
    // No ProxyCommand (or an IP): the WARP path, when there is a client to take it.
    let direct_view = ssh_view(&args)
        .ok()
        .filter(|v| v.proxy_command.is_empty() && v.proxy_jump.is_empty());
    let is_ip = host.parse::<std::net::IpAddr>().is_ok();
    if let Some(v) = &direct_view {
        let client = crate::warp::exec::locate();
        // A warp-cli that is there but cannot run is a client to report on, not an absent one.
        if !matches!(client, Err(crate::warp::Error::NotInstalled)) || is_ip {
            warp::check(&mut r, &args, &host, v, client).await;
            return finish(&args, &host, r);
        }
        r.add(
            "warp client",
            Status::Skip,
            "no Cloudflare One Client (warp-cli is not on PATH): checking the Access application path",
            None,
        );
    }
    // This machine: what ssh will run, and with what.
    let view = check_ssh_config(&mut r, &args, &host);
    check_openssh(&mut r);
    check_proxy(&mut r);
    // The edge, layer by layer. A layer that fails does not end the walk: the layers above it
    // are listed as skipped, with why, and the ones that do not need it are still checked.
    let mut edge = Edge::new(&host)?;
    let upgrade = match check_network(&mut r, &mut edge).await {
        Ok(()) => check_handshake(&mut r, &mut edge).await,
        Err(layer) => {
            let why = format!("the edge was not reached ({layer} failed)");
            r.skip(
                "handshake",
                format!("{why}, so no WebSocket upgrade was tried"),
            );
            r.skip(
                "clock",
                format!("{why}: the clock is compared with the time the edge's answer carries"),
            );
            Upgrade::NotTried(layer)
        }
    };
    // The application's identity: from discovery, or (the edge not reached) as remembered.
    let info = match upgrade {
        Upgrade::Login | Upgrade::Failed => check_discovery(&mut r, &mut edge).await,
        Upgrade::Open => {
            r.skip(
                "discovery",
                "the edge opened the tunnel without a login, so there is no Access login to discover",
            );
            None
        }
        Upgrade::NotTried(layer) => remembered(&mut r, &edge.app, layer),
    };
    // The login and what it gives ssh.
    let good_token = check_login(&mut r, &args, &mut edge, info.as_ref(), upgrade).await?;
    let team = info.as_ref().map(|i| i.auth_domain.as_str()).unwrap_or("");
    check_certificates(
        &mut r,
        &args,
        &mut edge,
        view.as_ref(),
        (good_token.as_ref(), team),
        upgrade,
    )
    .await;
    // known_hosts: fetching the key opens a tunnel, which needs a token the edge accepts
    // (and would drop a rejected one: doctor changes nothing without --fix).
    match (upgrade, &good_token) {
        (Upgrade::Open, _) | (_, Some(_)) => {
            check_known_hosts(&mut r, &host, args.ssh_config.as_deref(), args.fix)
        }
        (Upgrade::NotTried(layer), None) => r.skip(
            "known_hosts",
            format!(
                "the host key is fetched through the edge, which was not reached ({layer} failed)"
            ),
        ),
        (_, None) => r.skip(
            "known_hosts",
            "fetching the host key needs a token the edge accepts (see token)",
        ),
    }
    finish(&args, &host, r)
}

/// The cached token and the login locks, for the application `info` names (none: skipped, with
/// why). The token when the edge accepts it.
async fn check_login(
    r: &mut Report,
    args: &DoctorArgs,
    edge: &mut Edge,
    info: Option<&AppInfo>,
    upgrade: Upgrade,
) -> Result<Option<crate::secret::Secret>, UserError> {
    let Some(info) = info else {
        let why = if upgrade == Upgrade::Open {
            "the edge opened the tunnel without a login, so no token is needed"
        } else {
            "which application's token to look at comes from discovery (see above)"
        };
        r.skip("token", why);
        r.skip("locks", why);
        return Ok(None);
    };
    let store = TokenStore::open()?;
    let not_at_edge = match upgrade {
        Upgrade::Login => None,
        Upgrade::NotTried(layer) => Some(format!(
            "not tried at the edge: it was not reached ({layer} failed)"
        )),
        _ => Some("not tried at the edge: it refused the upgrade (see handshake)".into()),
    };
    let tok = check_token(
        r,
        &mut edge.client,
        &store,
        &edge.app,
        info,
        args.fix,
        not_at_edge,
    )
    .await?;
    check_locks(r, info, args.fix)?;
    Ok(tok)
}

/// The certificate ssh offers (if it is set up to offer one): whether the edge signs one (that
/// needs the edge and a token it accepts), and the stored one (checked here).
async fn check_certificates(
    r: &mut Report,
    args: &DoctorArgs,
    edge: &mut Edge,
    view: Option<&SshView>,
    (good_token, team): (Option<&crate::secret::Secret>, &str),
    upgrade: Upgrade,
) {
    let Some(v) = view else {
        return r.skip(
            "certificate",
            "ssh -G failed (see ssh config), so which certificate ssh offers is unknown",
        );
    };
    if v.uses_cert() {
        match (good_token, upgrade) {
            (Some(tok), _) => check_signing(r, &mut edge.client, tok, team, &edge.app).await,
            (None, Upgrade::NotTried(layer)) => r.skip(
                "signing",
                format!(
                    "the edge was not reached ({layer} failed), so no certificate was asked for"
                ),
            ),
            (None, _) => r.skip(
                "signing",
                "asking for a certificate needs a token the edge accepts (see token)",
            ),
        }
    }
    check_certificate(r, &edge.app.host, v, args.fix).await;
}

/// The identity signed metadata proved for `app` before, when the edge cannot be asked now:
/// enough to check the cached token and the locks here.
fn remembered(r: &mut Report, app: &AppUrl, layer: &str) -> Option<AppInfo> {
    let why = format!("the edge was not reached ({layer} failed), so no application was asked for");
    match crate::access::verified_apps::recall(app, cert_store::now_secs() as i64) {
        Some(info) => {
            r.skip(
                "discovery",
                format!(
                    "{why}; checking what is cached for application {} of team {}, as its signed metadata proved it earlier",
                    info.app_hostname, info.auth_domain
                ),
            );
            Some(info)
        }
        None => {
            r.skip("discovery", why);
            None
        }
    }
}

/// What ssh will run: zssh, cloudflared, or nothing (a direct connection).
fn check_ssh_config(r: &mut Report, args: &DoctorArgs, host: &str) -> Option<SshView> {
    let v = match ssh_view(args) {
        Ok(v) => v,
        Err(why) => {
            r.fail(
                "ssh config",
                format!("ssh -G {host} failed: {why}"),
                "fix the ssh config error shown",
            );
            return None;
        }
    };
    let pc = v.proxy_command.to_ascii_lowercase();
    if pc.contains("zssh") {
        r.ok(
            "ssh config",
            format!("ssh {host} runs: {}", v.proxy_command),
        );
    } else if pc.contains("cloudflared") {
        r.add(
            "ssh config",
            Status::Warn,
            format!("ssh {host} runs cloudflared: {}", v.proxy_command),
            Some(format!(
                "zssh is a drop-in: zssh config {}",
                shell_word(host)
            )),
        );
    } else {
        r.fail(
            "ssh config",
            format!("ssh {host} connects directly, not through the edge (no ProxyCommand)"),
            format!("zssh config {}", shell_word(host)),
        );
    }
    Some(v)
}

/// The OpenSSH version, and what it means for scp and certificates.
fn check_openssh(r: &mut Report) {
    match openssh_version() {
        Some((major, _, text)) if major >= 9 => r.ok("openssh", format!("{text}; scp uses the SFTP protocol (the server needs an sftp Subsystem; scp -O for the old protocol)")),
        Some((major, minor, text)) if (major, minor) >= (7, 8) => r.ok("openssh", format!("{text}; scp uses the legacy protocol")),
        Some((_, _, text)) => r.add("openssh", Status::Warn, format!("{text} is old: certificates and Include need OpenSSH 7.8 or newer"), Some("upgrade OpenSSH".into())),
        None => r.add("openssh", Status::Warn, "ssh -V gave no OpenSSH version", None),
    }
}

/// The proxy environment, as every connection reads it (credentials never shown).
fn check_proxy(r: &mut Report) {
    match crate::edge::dial::proxy_in_use() {
        Ok(Some(p)) => r.ok(
            "proxy",
            format!("connections to the edge go through the proxy {p}, except NO_PROXY hosts"),
        ),
        Ok(None) => r.ok(
            "proxy",
            "no HTTPS_PROXY or ALL_PROXY (http://): the edge is reached directly",
        ),
        Err(e) => r.add(
            "proxy",
            Status::Fail,
            e,
            Some("fix or unset the variable named above".into()),
        ),
    }
}

/// The way to the edge `zssh proxy` would take: the same environment and the same carrier.
struct Edge {
    app: AppUrl,
    client: Client,
    carrier: Carrier,
}

impl Edge {
    fn new(host: &str) -> Result<Edge, UserError> {
        let app = AppUrl::parse(host)?;
        let net = Net::from_env(Duration::from_secs(10))
            .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
        let client = Client::new(net);
        let carrier = carrier_for(&app)?;
        Ok(Edge {
            app,
            client,
            carrier,
        })
    }
}

/// DNS, TCP and TLS to the edge, one verdict each, over the connection `zssh proxy` would open.
/// A step that fails leaves the ones after it untried: each is marked skipped, with why. The
/// name of the failed layer when one failed.
async fn check_network(r: &mut Report, edge: &mut Edge) -> Result<(), &'static str> {
    let app = &edge.app;
    let (host, port) = (app.host.as_str(), app.port_or_default());
    let shown = app.authority();
    let net = &edge.client.net;
    let via = net.proxy_for(host, port);
    let failed = match net.connect_stepped(host, port).await {
        Ok(_) => None,
        Err((step, e)) => Some((step, edge.carrier.dial_error(&ClientError::Net(e)))),
    };
    for (step, check) in [(Step::Dns, "dns"), (Step::Tcp, "tcp"), (Step::Tls, "tls")] {
        match &failed {
            Some((at, e)) if *at == step => r.failed_with(check, e),
            Some((at, _)) if (*at as u8) < (step as u8) => r.skip(
                check,
                match (at, step) {
                    (Step::Dns, Step::Tcp) => "DNS failed, so no TCP connection was tried",
                    _ => "no TCP connection, so no TLS handshake was tried",
                },
            ),
            // The proxy resolves the name: whether it could is in its answer (see tcp).
            Some(_) if step == Step::Dns && via.is_some() => r.skip(
                check,
                format!(
                    "the proxy {} resolves {host}; its answer is under tcp",
                    via.as_deref().unwrap_or("")
                ),
            ),
            _ => r.ok(
                check,
                match (step, &via) {
                    (Step::Dns, None) => format!("{host} resolves"),
                    (Step::Dns, Some(p)) => format!("{host} is resolved by the proxy {p}"),
                    (Step::Tcp, None) => format!("{shown} accepts TCP on port {port}"),
                    (Step::Tcp, Some(p)) => {
                        format!("the proxy {p} opened a tunnel to {host} port {port}")
                    }
                    (Step::Tls, _) => format!("{shown} presents a valid TLS certificate"),
                },
            ),
        }
    }
    match failed {
        None => Ok(()),
        Some((Step::Dns, _)) => Err("dns"),
        Some((Step::Tcp, _)) => Err("tcp"),
        Some((Step::Tls, _)) => Err("tls"),
    }
}

/// The WebSocket upgrade, and the clock against the time the edge's answer carries.
async fn check_handshake(r: &mut Report, edge: &mut Edge) -> Upgrade {
    let carrier = &edge.carrier;
    let resp = match tunnel::dial(&mut edge.client, carrier.app(), carrier.headers(), None).await {
        Ok(Dialed::Refused(resp)) => resp,
        Ok(Dialed::Open(_)) => {
            r.ok(
                "handshake",
                "the edge opened the tunnel without a login (service token, or no Access in front)",
            );
            r.skip(
                "clock",
                "the opened tunnel carries no time to compare this machine's clock with",
            );
            return Upgrade::Open;
        }
        Err(e) => {
            r.failed_with("handshake", &carrier.dial_error(&e));
            r.skip(
                "clock",
                "the upgrade got no answer (see handshake), so there is no time to compare this machine's clock with",
            );
            return Upgrade::Failed;
        }
    };
    check_clock(r, resp.header("date"));
    if !carrier.is_access_redirect(&resp) {
        r.failed_with("handshake", &carrier.refused(&resp));
        return Upgrade::Failed;
    }
    r.ok(
        "handshake",
        "the edge answers the upgrade with the Access login redirect, as expected before a token",
    );
    Upgrade::Login
}

/// This machine's clock against the edge's `Date` header (when it sent one).
fn check_clock(r: &mut Report, date: Option<&str>) {
    let Some(edge) = date.and_then(|d| httpdate::parse_http_date(d).ok()) else {
        return r.skip(
            "clock",
            "the edge's answer had no Date header to compare this machine's clock with",
        );
    };
    let edge = edge
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let skew = cert_store::now_secs() as i64 - edge;
    if skew.abs() > 60 {
        r.fail(
            "clock",
            format!(
                "this machine's clock is {} {} the edge's: certificates will be refused",
                human::span(skew),
                if skew > 0 { "ahead of" } else { "behind" }
            ),
            "enable time synchronisation (timedatectl set-ntp true)",
        );
    } else {
        r.ok("clock", format!("within {} s of the edge's", skew.abs()));
    }
}

/// Discovery: the application and its team, as the login page names them.
async fn check_discovery(r: &mut Report, edge: &mut Edge) -> Option<AppInfo> {
    match discovery::discover(&mut edge.client, &edge.app).await {
        Ok(i) => {
            r.ok(
                "discovery",
                format!(
                    "application {} of team {} (aud {}…)",
                    i.app_hostname,
                    i.auth_domain,
                    i.aud.chars().take(12).collect::<String>()
                ),
            );
            Some(i)
        }
        Err(e) => {
            r.failed_with("discovery", &e);
            None
        }
    }
}

/// The cached token, and whether the edge still accepts it (a rejected one is removed with
/// --fix). Returns the token when the edge accepts it. `not_at_edge`: why the edge is not asked
/// (it was not reached, or refused the upgrade): the token is checked here only.
async fn check_token(
    r: &mut Report,
    client: &mut Client,
    store: &TokenStore,
    app: &AppUrl,
    info: &AppInfo,
    fix: bool,
    not_at_edge: Option<String>,
) -> Result<Option<crate::secret::Secret>, UserError> {
    let login = format!("zssh login {}", shell_word(&app.authority()));
    let lookup = match token::app_token(store, info) {
        Ok(l) => l,
        Err(e) => {
            r.failed_with("token", &e);
            return Ok(None);
        }
    };
    match lookup {
        Lookup::Missing => r.fail(
            "token",
            "no cached token for this application (or the cached file is not a token)",
            login,
        ),
        Lookup::Expired { exp } => r.fail(
            "token",
            format!(
                "the cached token expired {} (it has been removed)",
                human::ago(exp)
            ),
            login,
        ),
        Lookup::WrongAudience => r.fail(
            "token",
            "the cached token was for another application (it has been removed)",
            login,
        ),
        Lookup::OtherTeam { iss } => r.fail(
            "token",
            format!(
                "the cached token was issued by {iss}, not by this application's team {}; it is never sent here",
                info.auth_domain
            ),
            login,
        ),
        Lookup::Usable(tok, location) => {
            let (who, exp, _) = token::identity(&tok);
            if let Some(why) = not_at_edge {
                r.ok(
                    "token",
                    format!(
                        "a cached token for {who}, expires {}, stored in {}; {why}",
                        exp.map(human::ago).unwrap_or_default(),
                        location.describe()
                    ),
                );
                return Ok(None);
            }
            match exchange::token_accepted(client, app, &tok).await {
                Ok(true) => {
                    r.ok("token", format!("logged in as {who}, expires {}, stored in {}", exp.map(human::ago).unwrap_or_default(), location.describe()));
                    return Ok(Some(tok));
                }
                Ok(false) if fix => {
                    store.delete_at(&token::app_name(info), location)?;
                    r.add("token", Status::Fixed, format!("the edge rejected the cached token for {who}; removed it"), Some(login));
                }
                Ok(false) => r.fail("token", format!("the edge rejects the cached token for {who} (revoked, a binding cookie, or a policy change)"), format!("add --fix to remove it, then {login}")),
                Err(why) => r.add("token", Status::Warn, format!("could not check the token at the edge: {why}"), None),
            }
        }
    }
    Ok(None)
}

/// Login locks: one in progress, or a dead cloudflared one (removed with --fix).
fn check_locks(r: &mut Report, info: &AppInfo, fix: bool) -> Result<(), UserError> {
    let token_file = paths::cloudflared_dir()?.join(token::app_name(info));
    match lock::state(&token_file)? {
        LockState::Free => r.ok("locks", "no login in progress, no stale lock files"),
        LockState::Zssh { pid } => r.add(
            "locks",
            Status::Warn,
            format!(
                "a zssh login is in progress{}",
                pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
            ),
            Some("finish it in the browser; it releases by itself if that process dies".into()),
        ),
        LockState::Cloudflared { pid } => r.add(
            "locks",
            Status::Warn,
            format!("a cloudflared login is in progress (pid {pid})"),
            Some("finish it in the browser, or stop that cloudflared".into()),
        ),
        LockState::Dead { reason } if fix && lock::clear_dead(&token_file) => r.add(
            "locks",
            Status::Fixed,
            format!("removed a dead cloudflared lock ({reason})"),
            None,
        ),
        LockState::Dead { reason } => r.fail(
            "locks",
            format!(
                "a dead cloudflared lock file ({reason}) makes cloudflared wait minutes: {}.lock",
                token_file.display()
            ),
            "add --fix to remove it (zssh itself is not blocked by it)",
        ),
    }
    Ok(())
}

/// Ask the edge to sign a throwaway key: proves certificates can be renewed (and explains
/// cert_sign's refusals and non-JSON answers) without touching the stored ones.
async fn check_signing(
    r: &mut Report,
    client: &mut Client,
    tok: &crate::secret::Secret,
    team: &str,
    app: &AppUrl,
) {
    let host = app.authority();
    if let Err(e) = crate::access::cert_sign::check_issuer(tok, team, &host) {
        r.failed_with("signing", &e);
        return;
    }
    let Ok(key) = cert_store::generate(cert_store::KeyType::Ecdsa) else {
        return;
    };
    match crate::access::cert_sign::sign(client, tok, &cert_store::public_line(&key), &host).await {
        Ok(signed) => match cert_store::check(
            &signed.certificate,
            key.public_key().key_data(),
            cert_store::now_secs(),
        ) {
            Ok(cert) => r.ok(
                "signing",
                format!(
                    "the edge signs certificates for principal(s) {}",
                    cert.valid_principals().join(", ")
                ),
            ),
            Err(why) => r.fail(
                "signing",
                format!("the edge signed an unusable certificate: {why}"),
                "tell the administrator; zssh refuses to store it",
            ),
        },
        Err(e) => r.failed_with("signing", &e),
    }
}

async fn check_certificate(r: &mut Report, host: &str, view: &SshView, fix: bool) {
    let files = match Files::for_host(host) {
        Ok(f) => f,
        Err(_) => return,
    };
    if !view.uses_cert() && !files.cert.exists() {
        r.add(
            "certificate",
            Status::Skip,
            "ssh is not set up for short-lived certificates",
            None,
        );
        return;
    }
    let renew = format!("zssh cert --hostname {} --force", shell_word(host));
    let Some(current) = cert_store::load(&files) else {
        r.fail("certificate", format!("no usable key and certificate pair in {} (missing, or the certificate is for another key)", files.cert.display()), renew);
        return;
    };
    let left = cert_store::remaining(&current.cert, cert_store::now_secs());
    let principals = current.cert.valid_principals().join(", ");
    if left <= 0 {
        if fix {
            let status = Command::new(std::env::current_exe().unwrap_or_else(|_| "zssh".into()))
                .args(["cert", "--hostname", host, "--force"])
                .stdout(to_stderr())
                .status();
            if status.is_ok_and(|s| s.success()) {
                r.add(
                    "certificate",
                    Status::Fixed,
                    "renewed the expired certificate",
                    None,
                );
                return;
            }
        }
        r.fail(
            "certificate",
            format!(
                "the certificate expired {}",
                human::ago(current.cert.valid_before() as i64)
            ),
            renew,
        );
    } else if !view.user.is_empty()
        && !current
            .cert
            .valid_principals()
            .iter()
            .any(|p| p == &view.user)
    {
        r.fail("certificate", format!("the certificate is for principal(s) {principals}, but ssh logs in as {}", view.user), format!("ssh as one of {principals} (User in ssh config), or have the server map it with AuthorizedPrincipalsFile"));
    } else {
        r.ok(
            "certificate",
            format!("principal(s) {principals}, {} left", human::span(left)),
        );
    }
}

/// `zssh known-hosts check` (and with --fix, repair) against the same ssh config: it asks
/// `ssh -G` for the alias, port, every known_hosts file and the hashing ssh uses.
fn check_known_hosts(r: &mut Report, host: &str, ssh_config: Option<&std::path::Path>, fix: bool) {
    let me = std::env::current_exe().unwrap_or_else(|_| "zssh".into());
    let mut args: Vec<std::ffi::OsString> = vec!["known-hosts".into(), "check".into(), host.into()];
    if let Some(file) = ssh_config {
        args.push("--ssh-config".into());
        args.push(file.into());
    }
    let out = Command::new(&me)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .output();
    let Ok(out) = out else {
        r.add(
            "known_hosts",
            Status::Warn,
            "could not run the known_hosts check",
            None,
        );
        return;
    };
    let said = String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim_start_matches("zssh: error: ")
        .to_string();
    if out.status.success() {
        r.ok("known_hosts", said);
        return;
    }
    let repair = match ssh_config {
        Some(f) => format!(
            "zssh known-hosts repair {} --ssh-config {}",
            shell_word(host),
            shell_word(&f.display().to_string())
        ),
        None => format!("zssh known-hosts repair {}", shell_word(host)),
    };
    if fix {
        // Repair asks the person first (it reads the terminal); without one it refuses.
        let mut rep = args.clone();
        rep[1] = "repair".into();
        if Command::new(&me)
            .args(&rep)
            .stdout(to_stderr())
            .status()
            .is_ok_and(|s| s.success())
        {
            r.add(
                "known_hosts",
                Status::Fixed,
                "known_hosts now holds the key the edge presents",
                None,
            );
            return;
        }
    }
    r.fail("known_hosts", said, repair);
}

/// A child's stdout sent to our stderr: the report (or its JSON) owns stdout.
fn to_stderr() -> std::process::Stdio {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        if let Ok(fd) = std::io::stderr().as_fd().try_clone_to_owned() {
            return std::process::Stdio::from(fd);
        }
    }
    std::process::Stdio::null()
}

/// What `--json` prints: the verdicts, and the result they add up to.
#[derive(Serialize)]
struct Summary<'a> {
    host: &'a str,
    /// `ok`, `warn` (warnings, nothing failed) or `fail`.
    result: &'static str,
    /// The exit status: 0, or [`Exit::CheckFailed`]'s when a check failed.
    exit: u8,
    checks: &'a [Verdict],
}

fn finish(args: &DoctorArgs, host: &str, r: Report) -> Result<Exit, UserError> {
    let has = |s: Status| r.verdicts.iter().any(|v| v.status == s);
    let (result, exit) = if has(Status::Fail) {
        ("fail", Exit::CheckFailed)
    } else if has(Status::Warn) {
        ("warn", Exit::Ok)
    } else {
        ("ok", Exit::Ok)
    };
    let text = if args.json {
        let summary = Summary {
            host,
            result,
            exit: exit.code(),
            checks: &r.verdicts,
        };
        serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n"
    } else {
        let mut t = String::new();
        for v in &r.verdicts {
            let mark = match v.status {
                Status::Ok => "ok  ",
                Status::Warn => "warn",
                Status::Fail => "FAIL",
                Status::Skip => "skip",
                Status::Fixed => "FIXED",
            };
            t.push_str(&format!("{mark:<5} {:<12} {}\n", v.check, v.detail));
            if let Some(f) = &v.fix
                && v.status != Status::Ok
            {
                t.push_str(&format!("{:<5} {:<12} fix: {f}\n", "", ""));
            }
        }
        t
    };
    crate::ui::print(&text);
    Ok(exit)
}
