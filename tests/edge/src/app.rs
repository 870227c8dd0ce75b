//! Endpoints of an Access-protected application host (access-protocol.md sections 1, 3, 5, 7, 10, 11).
//!
//! Owns: the Access challenge (302 to the team login plus `CF_AppSession`), the signed
//! `Cf-Access-Metadata` header, the browser login page `/cdn-cgi/access/cli` (which seals tokens into
//! the transfer store), `/cdn-cgi/access/authorized` (last hop of the org exchange), token checks,
//! and the WebSocket upgrade up to the 101 (dialling the origin included). The frames after the 101
//! belong to `ws.rs`; the fault-injection answers (garbage, stall) are carried out by `server.rs`.

use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use tokio::net::TcpStream;

use crate::config::{Discovery, Origin};
use crate::http::{Request, Response};
use crate::server::Outcome;
use crate::state::{AppEntry, Shared};
use crate::transfer::parse_client_key;
use crate::util::{http_date, query_escape};

/// RFC 6455 section 1.3.
const WS_GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/// How long the edge waits for an origin TCP connect.
const ORIGIN_DIAL_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether the request asks for a WebSocket.
pub(crate) fn is_upgrade(req: &Request) -> bool {
    req.method == "GET" && req.header_has_token("upgrade", "websocket")
}

/// Whether the request asks for the discovery metadata.
pub(crate) fn wants_metadata(req: &Request) -> bool {
    req.header("cf-access-metadata-request")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
}

/// Whether the query carries `cloudflared_token_check=true`.
pub(crate) fn is_token_check(req: &Request) -> bool {
    req.query_param("cloudflared_token_check").as_deref() == Some("true")
}

/// A credential the edge accepted.
enum Credential {
    Jwt,
    Service(String),
}

fn credential(shared: &Shared, app: &AppEntry, req: &Request) -> Option<Credential> {
    if let Some(t) = req.header("cf-access-token")
        && shared.valid_app_token(t.trim(), &app.aud).is_some()
    {
        return Some(Credential::Jwt);
    }
    if let Some(t) = req.cookie("CF_Authorization")
        && shared.valid_app_token(&t, &app.aud).is_some()
    {
        return Some(Credential::Jwt);
    }
    if let (Some(id), Some(secret)) = (
        req.header("cf-access-client-id"),
        req.header("cf-access-client-secret"),
    ) && app
        .service_tokens
        .iter()
        .any(|(i, s)| i == id.trim() && s == secret.trim())
    {
        return Some(Credential::Service(id.trim().to_owned()));
    }
    None
}

/// `CF_Authorization=<jwt>; Expires=...; path=/; HttpOnly; Secure`.
fn authorization_cookie(jwt: &str, ttl: Duration) -> String {
    format!(
        "CF_Authorization={jwt}; Expires={}; path=/; HttpOnly; Secure",
        http_date(SystemTime::now() + ttl)
    )
}

fn service_cookie(shared: &Shared, app: &AppEntry, client_id: &str) -> String {
    authorization_cookie(
        &shared.mint_service_token(&app.aud, client_id),
        shared.cfg.token_ttl,
    )
}

/// The Access challenge: 302 to the team login page for this app, plus a new app session cookie.
pub(crate) fn access_redirect(shared: &Shared, app: &AppEntry, req: &Request) -> Response {
    let (session, meta) = shared.start_login(req.host_with_port(), &req.target);
    let location = format!(
        "https://{}/cdn-cgi/access/login/{}?kid={}&redirect_url={}&meta={}",
        shared.team,
        app.host,
        app.aud,
        query_escape(&req.target),
        meta
    );
    Response::new(302)
        .header("Location", location)
        .header(
            "Set-Cookie",
            format!("CF_AppSession={session}; path=/; HttpOnly; Secure"),
        )
        .header("Cache-Control", "private, max-age=0, no-store, no-cache")
}

fn error_page(status: u16, message: &str) -> Response {
    Response::new(status).html(format!(
        "<!DOCTYPE html>\n<html><head><title>Access error</title></head>\
         <body><h1>Access error</h1><p>{message}</p></body></html>\n"
    ))
}

/// Serves one request to an app host.
pub(crate) async fn handle(shared: &Shared, app: &AppEntry, req: &Request) -> Outcome {
    let knobs = &shared.knobs;
    if knobs.stall.load(Ordering::SeqCst) {
        return Outcome::Stall;
    }
    if knobs.garbage.load(Ordering::SeqCst) {
        return Outcome::Garbage;
    }
    if knobs.chunk_overflow.load(Ordering::SeqCst) {
        return Outcome::RawClose(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n\
              1\r\na\r\nffffffffffffffff\r\nb\r\n",
        );
    }
    if knobs.huge_headers.load(Ordering::SeqCst) {
        return Outcome::RespondClose(huge_headers());
    }
    if knobs.html.load(Ordering::SeqCst) {
        return Outcome::Respond(Response::new(200).html(
            "<!DOCTYPE html>\n<html><head><title>Welcome</title></head>\
             <body><p>This is not an Access response.</p></body></html>\n",
        ));
    }
    if let Some(victim) = app.impostor_of.as_deref() {
        // The attacker's host: whatever is asked, the other application's Access challenge.
        return Outcome::Respond(match shared.app(victim) {
            Some(v) => access_redirect(shared, v, req),
            None => error_page(404, "no such application to imitate"),
        });
    }
    if is_upgrade(req) {
        return upgrade(shared, app, req).await;
    }

    let mut resp = match req.path() {
        "/cdn-cgi/access/cli" => cli_login(shared, app, req),
        "/cdn-cgi/access/authorized" => authorized(shared, app, req),
        _ => match credential(shared, app, req) {
            Some(cred) => {
                let mut r = Response::new(200).text(format!(
                    "zssh-test-edge: authenticated request for {}\n",
                    app.host
                ));
                if let Credential::Service(id) = cred {
                    r = r.header("Set-Cookie", service_cookie(shared, app, &id));
                }
                r
            }
            None => access_redirect(shared, app, req),
        },
    };
    if wants_metadata(req)
        && app.discovery == Discovery::Current
        && !knobs.no_metadata.load(Ordering::SeqCst)
    {
        resp = resp.header("Cf-Access-Metadata", shared.metadata_jwt(app, &req.host()));
    }
    Outcome::Respond(resp)
}

/// 200 with about 1 MiB of header lines.
fn huge_headers() -> Response {
    let filler = "x".repeat(1000);
    let mut r = Response::new(200);
    for i in 0..1050 {
        r = r.header(&format!("X-Filler-{i:04}"), filler.clone());
    }
    r.text("huge\n")
}

/// The "browser": `/cdn-cgi/access/cli?aud=..&edge_token_transfer=true&redirect_url=..&send_org_token=true&token=<key>`.
fn cli_login(shared: &Shared, app: &AppEntry, req: &Request) -> Response {
    let q = |k: &str| req.query_param(k).unwrap_or_default();
    if q("aud") != app.aud {
        return error_page(400, "The aud parameter does not name this application.");
    }
    if q("edge_token_transfer") != "true" {
        return error_page(400, "Missing edge_token_transfer=true.");
    }
    if q("send_org_token") != "true" {
        return error_page(400, "Missing send_org_token=true.");
    }
    if q("redirect_url").is_empty() {
        return error_page(400, "Missing redirect_url.");
    }
    let Some(client_key) = parse_client_key(&q("token")) else {
        return error_page(
            400,
            "The token parameter is not a 32-byte key in padded base64url.",
        );
    };
    let ttl = shared.cfg.token_ttl.as_secs() as i64;
    let plaintext = json!({
        "app_token": shared.mint_app_token(&app.aud, ttl),
        "org_token": shared.mint_org_token(ttl),
    })
    .to_string();
    shared.store.deposit(&client_key, plaintext.as_bytes());
    Response::new(200).html(
        "<!DOCTYPE html>\n<html><head><title>Success</title></head><body>\
         <h1>Success</h1><p>You can close this window and return to your terminal.</p>\
         </body></html>\n",
    )
}

/// `/cdn-cgi/access/authorized?code=..`: redeem the team login's grant for an app token cookie.
fn authorized(shared: &Shared, app: &AppEntry, req: &Request) -> Response {
    let code = req.query_param("code").unwrap_or_default();
    let session = req.cookie("CF_AppSession");
    let Some(grant) = shared.redeem_grant(&code, &app.host, session.as_deref()) else {
        return access_redirect(shared, app, req);
    };
    let ttl = shared.cfg.token_ttl;
    let jwt = shared.mint_app_token(&app.aud, ttl.as_secs() as i64);
    Response::new(302)
        .header("Location", grant.target)
        .header("Set-Cookie", authorization_cookie(&jwt, ttl))
}

/// The WebSocket upgrade: Access check, origin dial, 101.
async fn upgrade(shared: &Shared, app: &AppEntry, req: &Request) -> Outcome {
    let forced = shared.knobs.upgrade_status.load(Ordering::SeqCst);
    if forced != 0 {
        let mut r = Response::new(forced).text(format!("forced status {forced}\n"));
        if (300..400).contains(&forced) {
            r = r.header(
                "Location",
                format!("https://{}{}", req.host_with_port(), req.target),
            );
        }
        return Outcome::Respond(r);
    }
    let Some(cred) = credential(shared, app, req) else {
        return Outcome::Respond(access_redirect(shared, app, req));
    };
    if req.header("sec-websocket-version").map(str::trim) != Some("13") {
        return Outcome::Respond(
            Response::new(426)
                .header("Sec-WebSocket-Version", "13")
                .text("unsupported WebSocket version\n"),
        );
    }
    let key = req.header("sec-websocket-key").unwrap_or("").trim();
    if STANDARD.decode(key).map(|k| k.len()) != Ok(16) {
        return Outcome::Respond(Response::new(400).text("bad Sec-WebSocket-Key\n"));
    }
    let origin = match dial_origin(app, req).await {
        Ok(s) => s,
        Err(text) => return Outcome::Respond(Response::new(502).text(format!("{text}\n"))),
    };
    let mut resp = Response::new(101)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Accept", accept_key(key));
    if let Credential::Service(id) = cred {
        resp = resp.header("Set-Cookie", service_cookie(shared, app, &id));
    }
    Outcome::Upgrade(resp, origin)
}

/// `Sec-WebSocket-Accept` for a client key.
pub(crate) fn accept_key(key: &str) -> String {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(key.as_bytes());
    ctx.update(WS_GUID.as_bytes());
    STANDARD.encode(ctx.finish().as_ref())
}

/// The address a bastion request names: scheme and anything from the first `/` removed.
pub(crate) fn jump_destination(raw: &str) -> &str {
    let raw = raw.trim();
    let raw = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    raw.split_once('/').map_or(raw, |(hostport, _)| hostport)
}

async fn dial_origin(app: &AppEntry, req: &Request) -> Result<TcpStream, String> {
    let addrs: Vec<std::net::SocketAddr> = match app.origin {
        Origin::Tcp(addr) => vec![addr],
        Origin::Bastion => {
            let Some(raw) = req.header("cf-access-jump-destination") else {
                return Err("Did not receive final destination from client. \
                            The --destination flag is likely not set on the client side"
                    .to_owned());
            };
            let dest = jump_destination(raw);
            let addrs: Vec<_> = tokio::net::lookup_host(dest)
                .await
                .map_err(|e| format!("failed to resolve destination {dest}: {e}"))?
                .collect();
            // This edge only ever relays on this machine.
            if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
                return Err(format!(
                    "destination {dest} is not a loopback address; the test edge refuses it"
                ));
            }
            addrs
        }
    };
    let mut last = String::from("no address");
    for addr in addrs {
        match tokio::time::timeout(ORIGIN_DIAL_TIMEOUT, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Ok(Err(e)) => last = format!("failed to connect to origin {addr}: {e}"),
            Err(_) => last = format!("timed out connecting to origin {addr}"),
        }
    }
    Err(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6455_accept_example() {
        assert_eq!(
            accept_key("dGhlIHNhbXBsZSBub25jZQ=="),
            "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        );
    }

    #[test]
    fn jump_destinations() {
        assert_eq!(jump_destination("tcp://localhost:22/x"), "localhost:22");
        assert_eq!(jump_destination("127.0.0.1:2222"), "127.0.0.1:2222");
        assert_eq!(jump_destination("ssh://h:1"), "h:1");
    }
}
