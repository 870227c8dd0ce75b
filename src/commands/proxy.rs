//! `zssh proxy` / `zssh access ssh|tcp|rdp|smb`: open the tunnel (through the carrier:
//! [`crate::edge::carrier`]) and relay stdin/stdout or a local listener through it.
//! stdout carries only bytes from the origin: everything else goes to stderr.

use std::time::Duration;

use crate::cli::CarrierArgs;
use crate::edge::carrier::{Carrier, Session};
use crate::edge::dial::Net;
use crate::edge::pool::Client;
use crate::edge::tunnel::{self, End};
use crate::error::UserError;
use crate::exit::Exit;
use crate::ui::LoginUi;
use crate::{debug, info, warn};

fn listener_addr(raw: &str) -> Result<String, UserError> {
    let bad = |why: &str| {
        UserError::usage(
            format!("invalid listener address {raw:?}: {why}"),
            "pass host:port, e.g. --url 127.0.0.1:2222",
        )
    };
    let rest = match raw.split_once("://") {
        Some((scheme, rest)) => {
            if !["http", "https", "rdp", "ssh", "smb", "tcp"]
                .contains(&scheme.to_ascii_lowercase().as_str())
            {
                return Err(bad(&format!("unsupported scheme {scheme}://")));
            }
            rest
        }
        None => raw,
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    port.parse::<u16>().map_err(|_| bad("bad port"))?;
    if host.is_empty() {
        return Err(bad("no host"));
    }
    Ok(rest.to_string())
}

pub async fn run(args: CarrierArgs, cloudflared_layout: bool) -> Result<Exit, UserError> {
    let carrier = Carrier::from_args(&args)?;
    let listener = args.url.clone().or(args.listener.clone());
    let net = Net::from_env(carrier.net_timeout())
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let keepalive = (!args.keepalive.is_zero()).then_some(args.keepalive);
    if keepalive.is_some_and(|k| k < Duration::from_millis(100)) {
        return Err(UserError::usage(
            format!(
                "--keepalive {}ms is too short: a healthy edge cannot answer within it",
                args.keepalive.as_millis()
            ),
            "use 100ms or more (the default is 30s), or 0 to disable keepalives",
        ));
    }
    if args.service_token.service_token_secret.is_some()
        && std::env::var_os("TUNNEL_SERVICE_TOKEN_SECRET").is_none()
    {
        debug!(
            "the service token secret came from the command line; prefer TUNNEL_SERVICE_TOKEN_SECRET"
        );
    }
    match listener {
        Some(raw) => {
            serve(
                carrier,
                net,
                &listener_addr(&raw)?,
                keepalive,
                cloudflared_layout,
            )
            .await
        }
        None => stdio(carrier, net, keepalive, cloudflared_layout).await,
    }
}

async fn stdio(
    carrier: Carrier,
    net: Net,
    keepalive: Option<Duration>,
    cloudflared_layout: bool,
) -> Result<Exit, UserError> {
    let mut client = Client::new(net);
    let mut session = Session::new(
        cloudflared_layout,
        Box::new(LoginUi::new(&carrier.host(), false)),
    )?;
    let ws = carrier.open(&mut client, &mut session).await?;
    drop(client);
    debug!("tunnel to {} open", carrier.host());
    let (input, output, local) = tunnel::stdio_channels();
    let end = tunnel::pump(ws, input, output, keepalive).await;
    debug!("tunnel to {} ended: {end:?}", carrier.host());
    // The pump dropped its sender: the writer drains what is queued, then ends.
    if let Some((what, e)) = local.finish() {
        return Err(UserError::local(
            format!(
                "{what} failed during the session with {}: {e}",
                carrier.host()
            ),
            "the session's data was not all relayed; check where stdin and stdout point (a full disk, a closed file)",
        ));
    }
    match session_error(&carrier.host(), end, keepalive) {
        None => Ok(Exit::Ok),
        Some(e) => Err(e),
    }
}

/// The error for a session that did not end normally (None for local EOF, close 1000/1005 or a
/// clean TLS end). Close reasons come from the network: shown escaped and quoted.
fn session_error(host: &str, end: End, keepalive: Option<Duration>) -> Option<UserError> {
    let reconnect = "reconnect; if it keeps happening, check the network path to the edge (a proxy, NAT or firewall that drops connections)";
    let (message, hint) = match end {
        End::Local | End::Edge => return None,
        End::Reset => (
            format!("the connection to {host} was reset mid-session (TCP reset)"),
            reconnect.to_string(),
        ),
        End::Cut => (
            format!(
                "the connection to {host} was cut mid-session (the stream ended without TLS close_notify or a WebSocket close)"
            ),
            reconnect.to_string(),
        ),
        End::Silent(after) => (
            format!(
                "no answer from {host} to keepalives for {}s; the edge or the path to it stopped responding",
                after.as_secs_f64()
            ),
            format!(
                "reconnect; a session ends after {} keepalive periods without a frame from the edge (--keepalive {}s now; 0 disables)",
                tunnel::SILENT_PERIODS,
                keepalive.unwrap_or_default().as_secs_f64()
            ),
        ),
        End::Closed { code, reason } => {
            let (name, hint) = match code {
                1001 => (
                    "going away",
                    "the edge restarted or cut a long session; reconnect",
                ),
                1002 => (
                    "protocol error",
                    "one side broke the WebSocket protocol (an invalid frame from the edge shows up this way too); reconnect, and report it with --loglevel debug output if it repeats",
                ),
                1008 => (
                    "policy violation",
                    "Access or a WAF rule ended the session (an expired or revoked session?); reconnect, logging in again if asked",
                ),
                1009 => (
                    "message too big",
                    "the edge refused a message as too large; reconnect, and report it if it repeats",
                ),
                1011 => (
                    "internal error",
                    "the edge or the tunnel behind it failed; reconnect, and check that cloudflared on the server is healthy",
                ),
                1012 => ("service restart", "the edge restarted; reconnect"),
                1013 => (
                    "try again later",
                    "the edge is overloaded; reconnect in a moment",
                ),
                4000..=4999 => (
                    "application code",
                    "the edge or the origin's cloudflared ended the session for the reason shown; reconnect",
                ),
                _ => ("", reconnect),
            };
            let name = if name.is_empty() {
                String::new()
            } else {
                format!(" ({name})")
            };
            let reason = if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason:?}")
            };
            (
                format!("{host} closed the session with WebSocket close code {code}{name}{reason}"),
                hint.to_string(),
            )
        }
        End::Lost(why) => (
            format!("the connection to {host} broke: {why}"),
            reconnect.to_string(),
        ),
    };
    Some(UserError::new(Exit::Broken, message, hint))
}

async fn serve(
    carrier: Carrier,
    net: Net,
    addr: &str,
    keepalive: Option<Duration>,
    cloudflared_layout: bool,
) -> Result<Exit, UserError> {
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        UserError::local(
            format!("cannot listen on {addr}: {e}"),
            "pick a free port, or a port above 1024 when not root",
        )
    })?;
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_else(|_| addr.to_string());
    info!("listening on {local} for {}", carrier.host());
    crate::errln!(
        "zssh: listening on {local}, forwarding to {}",
        carrier.host()
    );
    let carrier = std::sync::Arc::new(carrier);
    loop {
        let (tcp, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                warn!("accept failed: {e}");
                continue;
            }
        };
        let carrier = carrier.clone();
        let mut client = Client::new(net.clone());
        tokio::spawn(async move {
            debug!("connection from {peer}");
            let opened = match Session::new(
                cloudflared_layout,
                Box::new(LoginUi::new(&carrier.host(), false)),
            ) {
                Ok(mut session) => carrier.open(&mut client, &mut session).await,
                Err(e) => Err(e),
            };
            match opened {
                Ok(ws) => {
                    drop(client);
                    let (input, output) = tunnel::stream_channels(tcp);
                    let end = tunnel::pump(ws, input, output, keepalive).await;
                    debug!("connection from {peer} ended: {end:?}");
                    // One report per connection that ended badly; the listener keeps serving.
                    if let Some(e) = session_error(&carrier.host(), end, keepalive) {
                        crate::error::report(&UserError::new(
                            e.exit,
                            format!("connection from {peer}: {}", e.message),
                            e.hint,
                        ));
                    }
                }
                Err(e) => {
                    // One report per failed connection; the listener keeps serving.
                    crate::error::report(&UserError::new(
                        e.exit,
                        format!("connection from {peer}: {}", e.message),
                        e.hint,
                    ));
                }
            }
        });
    }
}
