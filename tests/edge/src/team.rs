//! Endpoints of the team (auth) domain `<team>.cloudflareaccess.com` (access-protocol.md 1.2, 1.3,
//! 3.2, 6, 11).
//!
//! Owns: the JWKS (`/cdn-cgi/access/certs`), the login page `/cdn-cgi/access/login/<app>` (200 page,
//! or with a valid org token a 302 to the app's `/cdn-cgi/access/authorized`; both carry
//! `CF-Access-Domain`), and `/cdn-cgi/access/cert_sign` (short-lived SSH certificates). Token policy
//! is `state.rs`'s; certificate encoding is `ssh_ca.rs`'s.

use std::sync::atomic::Ordering;

use serde::Deserialize;
use serde_json::json;

use crate::http::{Request, Response};
use crate::ssh_ca::CertRequest;
use crate::state::{Grant, Identity, Shared};
use crate::util::{now_secs, query_escape, random_uuid, rfc3339};

/// Serves one request to the team host.
pub(crate) fn handle(shared: &Shared, req: &Request) -> Response {
    let path = req.path();
    if path == "/cdn-cgi/access/certs" {
        return match req.method.as_str() {
            "GET" | "HEAD" => Response::new(200).json(shared.jwt.jwks_json()),
            _ => method_not_allowed("GET, HEAD"),
        };
    }
    if path.starts_with("/cdn-cgi/access/login/") {
        return login(shared, req);
    }
    if path == "/cdn-cgi/access/cert_sign" {
        return match req.method.as_str() {
            "POST" => cert_sign(shared, req),
            _ => method_not_allowed("POST"),
        };
    }
    Response::new(404).text("404 page not found\n")
}

fn method_not_allowed(allow: &str) -> Response {
    Response::new(405)
        .header("Allow", allow)
        .text("method not allowed\n")
}

/// `/cdn-cgi/access/login/<app host>?kid=<aud>&redirect_url=..&meta=..`.
fn login(shared: &Shared, req: &Request) -> Response {
    let tail = req.path_tail("/cdn-cgi/access/login/").unwrap_or_default();
    let Some(app) = shared.app(tail.trim_end_matches('/')) else {
        return Response::new(404)
            .html("<!DOCTYPE html>\n<html><body><h1>Unknown application</h1></body></html>\n");
    };
    let org = req
        .cookie("CF_Authorization")
        .and_then(|t| shared.valid_org_token(&t));
    let mut resp = match org {
        Some(_) => {
            let pending = req
                .query_param("meta")
                .and_then(|m| shared.pending_login(&m));
            let target = match &pending {
                Some(p) => p.target.clone(),
                None => req
                    .query_param("redirect_url")
                    .filter(|r| r.starts_with('/'))
                    .unwrap_or_else(|| "/".to_owned()),
            };
            let host = pending
                .as_ref()
                .map_or(app.host.clone(), |p| p.host_with_port.clone());
            let code = shared.issue_grant(Grant {
                app_host: app.host.clone(),
                target: target.clone(),
                session: pending.map(|p| p.session),
            });
            Response::new(302).header(
                "Location",
                format!(
                    "https://{host}/cdn-cgi/access/authorized?code={code}&redirect_url={}",
                    query_escape(&target)
                ),
            )
        }
        None => Response::new(200).html(format!(
            "<!DOCTYPE html>\n<html><head><title>Sign in - Cloudflare Access</title></head>\
             <body><h1>Sign in to {}</h1><p>zssh-test-edge login page for {}.</p></body></html>\n",
            shared.team, app.host
        )),
    };
    if !shared.knobs.no_access_domain.load(Ordering::SeqCst) {
        resp = resp.header("CF-Access-Domain", app.host.clone());
    }
    resp
}

#[derive(Deserialize)]
struct SignRequest {
    public_key: String,
    jwt: String,
    #[serde(default)]
    #[allow(dead_code)]
    issuer: String,
}

/// `{"status":N,"message":"..."}`, in that member order (as the real edge writes it).
fn json_error(status: u16, message: &str) -> Response {
    Response::new(status).json(format!(
        r#"{{"status":{status},"message":{}}}"#,
        serde_json::Value::String(message.to_owned())
    ))
}

/// `POST /cdn-cgi/access/cert_sign` with `{"public_key","jwt","issuer"}`.
fn cert_sign(shared: &Shared, req: &Request) -> Response {
    if shared.knobs.sign_non_json.load(Ordering::SeqCst) {
        return Response::new(502).text("upstream connect error");
    }
    let Ok(body) = serde_json::from_slice::<SignRequest>(&req.body) else {
        return json_error(400, "invalid request body");
    };
    let identity = shared
        .valid_claims(body.jwt.trim())
        .and_then(|c| Shared::identity(&c));
    let Some(identity) = identity else {
        return json_error(401, "invalid token");
    };
    if shared.knobs.sign_fail.load(Ordering::SeqCst) {
        return json_error(500, "failed to sign certificate");
    }
    let (principal, key_id) = match &identity {
        Identity::User(email) => (
            email.split('@').next().unwrap_or(email).to_owned(),
            email.clone(),
        ),
        Identity::Service(cn) => (cn.clone(), cn.clone()),
    };
    let now = now_secs();
    let valid_after = (now - shared.cfg.cert_before.as_secs() as i64).max(0);
    let valid_for = match shared.knobs.cert_valid_secs.load(Ordering::SeqCst) {
        0 => shared.cfg.cert_after.as_secs(),
        secs => secs,
    };
    let valid_before = now + valid_for as i64;
    let request = CertRequest {
        principal: &principal,
        key_id: &key_id,
        valid_after: valid_after as u64,
        valid_before: valid_before as u64,
    };
    match shared.ssh_ca.sign(&body.public_key, &request) {
        Ok(certificate) => Response::new(200).json(
            json!({
                "id": random_uuid(),
                "certificate": certificate,
                "expires_at": rfc3339(valid_before),
            })
            .to_string(),
        ),
        Err(message) => json_error(400, &message),
    }
}
