//! App discovery (spec section 1): which team domain and audience protect an app host.
//! The edge answers a HEAD carrying `Cf-Access-Metadata-Request: true` with a metadata JWT
//! signed by the team (spec 1.2). Only that signature proves which application a host is, so it
//! is the only source of the values that select a token (audience, app hostname) and the team
//! that may receive the org session (auth domain). A host without signed metadata is refused
//! (spec 1.4): the unsigned legacy redirect probe (spec 1.3) would let any host that answers
//! with another application's login redirect choose which of the user's tokens it receives.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::app_url::AppUrl;
use super::{AppInfo, jwks, jwt, user_agent};
use crate::debug;
use crate::edge::dial::NetError;
use crate::edge::http::Response;
use crate::edge::pool::{Client, ClientError, Target};
use crate::error::UserError;
use crate::exit::Exit;

/// How long one discovery request may take (zssh doctor gives each of its steps as long).
pub const TIMEOUT: Duration = Duration::from_secs(7);

fn protocol(message: String, hint: &str) -> UserError {
    UserError::new(Exit::Protocol, message, hint)
}

/// Map a transport failure on the way to `app` to a user error: "cannot reach https://HOST: what
/// failed", the URL as the user knows it, and a hint that points at `zssh doctor HOST`.
pub fn unreachable(app: &AppUrl, e: &ClientError) -> UserError {
    let mut err = unreachable_doing("cannot reach", &app.shown(), e);
    err.hint
        .push_str(&crate::error::see_doctor(&app.authority()));
    err
}

/// Map a transport failure to a user error: "`doing` URL: what failed".
pub fn unreachable_doing(doing: &str, url: &str, e: &ClientError) -> UserError {
    let hint = match e {
        ClientError::Net(NetError::Dns { .. }) => "check the hostname's spelling and your DNS",
        ClientError::Net(NetError::Tls { detail, .. })
            if detail.starts_with(crate::edge::dial::NOT_TLS) =>
        {
            "something other than an HTTPS server answers on this port; check the hostname, the port, ZSSH_CONNECT_TO and any proxy in between"
        }
        ClientError::Net(NetError::Tls { detail, .. })
            if detail.contains("has expired") || detail.contains("not valid yet") =>
        {
            "check this machine's date and time; if they are right, the server's certificate is out of date and its operator must renew it"
        }
        ClientError::Net(NetError::Tls { detail, .. })
            if detail.starts_with(crate::edge::dial::TLS_CUT)
                || detail.starts_with("the server refused the TLS handshake") =>
        {
            "no certificate was judged: a firewall or proxy in between may block TLS to this host, or the server refuses this client's TLS; try again, and check the port and any proxy"
        }
        ClientError::Net(NetError::Tls { .. }) => {
            "the certificate was not valid for this name; a TLS-intercepting proxy needs its CA in SSL_CERT_FILE"
        }
        ClientError::Net(NetError::Proxy { .. }) => {
            "check the proxy variable named above (its host, port and credentials) and NO_PROXY"
        }
        ClientError::Http { .. } => {
            "something other than the Access edge answered; check the hostname and any proxy in between"
        }
        _ => "check your network connection and that the host is reachable on its port",
    };
    let exit = match e {
        ClientError::Http { .. } => Exit::Protocol,
        _ => Exit::Unreachable,
    };
    UserError::new(exit, format!("{doing} {url}: {e}"), hint)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Find the Access application protecting `app`.
pub async fn discover(client: &mut Client, app: &AppUrl) -> Result<AppInfo, UserError> {
    Ok(discover_proof(client, app).await?.0)
}

/// [`discover`], remembering what it proved ([`super::verified_apps`]) for the next
/// connection, and forgetting what was remembered when the host no longer proves anything.
pub async fn discover_and_remember(
    client: &mut Client,
    app: &AppUrl,
) -> Result<AppInfo, UserError> {
    use super::verified_apps;
    match discover_proof(client, app).await {
        Ok((info, valid_until)) => {
            verified_apps::remember(app, &info, now_secs(), valid_until);
            Ok(info)
        }
        Err(e) => {
            if e.exit == Exit::Protocol {
                verified_apps::forget(app);
            }
            Err(e)
        }
    }
}

/// The identity signed metadata proved for `app`: remembered and still valid (no request;
/// `true`), else from discovery (which remembers it; `false`).
pub async fn proven(client: &mut Client, app: &AppUrl) -> Result<(AppInfo, bool), UserError> {
    if let Some(info) = super::verified_apps::recall(app, now_secs()) {
        debug!(
            "{} is application {} (remembered from signed metadata)",
            app.authority(),
            info.app_hostname
        );
        return Ok((info, true));
    }
    Ok((discover_and_remember(client, app).await?, false))
}

/// [`discover`], with the end of the signed metadata's validity (seconds since the epoch): how
/// long what it proved may be relied on.
pub async fn discover_proof(
    client: &mut Client,
    app: &AppUrl,
) -> Result<(AppInfo, i64), UserError> {
    let target = Target::parse(&app.https()).expect("normalised app URL");
    let headers = vec![
        ("User-Agent".to_string(), user_agent()),
        ("Cf-Access-Metadata-Request".to_string(), "true".to_string()),
    ];
    let resp = client
        .request("HEAD", &target, &headers, None, TIMEOUT)
        .await
        .map_err(|e| unreachable(app, &e))?;
    match resp.header("cf-access-metadata").filter(|v| !v.is_empty()) {
        Some(jws) => current(client, app, jws).await,
        None => Err(untrusted(app, &resp)),
    }
}

/// The refusal for a host that sent no signed metadata: it may be an old edge, a typo or a
/// wildcard stanza reaching a host that is not an Access application, or an impostor; zssh
/// cannot tell them apart, so it sends nothing.
pub fn untrusted(app: &AppUrl, resp: &Response) -> UserError {
    let said = match resp
        .header("location")
        .filter(|_| (300..400).contains(&resp.status))
    {
        Some(loc) => format!(
            "; its unsigned redirect to {} proves nothing",
            short_location(loc)
        ),
        None => String::new(),
    };
    UserError::new(
        Exit::Protocol,
        format!(
            "{} is not an Access application zssh can trust: it sent no signed application metadata (Cf-Access-Metadata){said}",
            app.authority()
        ),
        "zssh sends your tokens only to hosts whose metadata the team signed; check the hostname (a typo, or a wildcard Host stanza reaching a host outside Access); if it is yours, its Access application must challenge (not Bypass)",
    )
}

/// A Location without its query (the query of a login redirect is long and says nothing a user
/// can check).
fn short_location(loc: &str) -> String {
    loc.split(['?', '#'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_graphic)
        .take(200)
        .collect()
}

/// Current discovery: verify the metadata JWT and apply the checks of spec 1.2.
async fn current(
    client: &mut Client,
    app: &AppUrl,
    jws: &str,
) -> Result<(AppInfo, i64), UserError> {
    let peeked = jwt::peek(jws).ok_or_else(|| {
        protocol(
            "metadata JWT verification failed: the Cf-Access-Metadata header is not a JWT".into(),
            "something between you and the edge rewrote the answer",
        )
    })?;
    let auth_raw = peeked.claim_str("auth_domain").unwrap_or("");
    let auth_host = url::Url::parse(&format!("https://{auth_raw}"))
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
        .unwrap_or_default();
    if !auth_host.ends_with(".cloudflareaccess.com") {
        return Err(protocol(
            format!(
                "metadata JWT auth_domain validation failed: auth_domain {auth_raw:?} does not end with \".cloudflareaccess.com\""
            ),
            "the application metadata names a login domain that is not Cloudflare Access",
        ));
    }
    let claims = jwks::verify(client, &auth_host, jws).await?;
    debug!("metadata JWT verified against the keys of {auth_host}");
    check_claims(&claims, app, now_secs())?;
    let aud = claims["aud"].as_str().unwrap_or_default().to_string();
    let app_hostname = claims
        .get("app_hostname")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .or_else(|| claims.get("hostname").and_then(Value::as_str))
        .unwrap_or(&app.host)
        .to_string();
    let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
    let exp = claims.get("exp").and_then(Value::as_i64);
    let info = AppInfo {
        auth_domain: auth_host,
        aud,
        app_hostname,
    };
    Ok((info, super::verified_apps::validity(iat, exp)))
}

/// A `host[:port]` or `[v6]:port` without the port (and a v6 literal without brackets, as
/// `AppUrl` keeps it).
fn without_port(hostport: &str) -> &str {
    if let Some(rest) = hostport.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    hostport.split(':').next().unwrap_or("")
}

/// The claim checks of spec 1.2 step 6, in order.
fn check_claims(claims: &Value, app: &AppUrl, now: i64) -> Result<(), UserError> {
    let hint = &format!(
        "the edge's application metadata is inconsistent; check the hostname, and your clock{}",
        crate::error::see_doctor(&app.authority())
    );
    let hostname = claims.get("hostname").and_then(Value::as_str).unwrap_or("");
    let bare = without_port(hostname);
    if !bare.eq_ignore_ascii_case(&app.host) {
        return Err(protocol(
            format!(
                "metadata JWT hostname {hostname:?} does not match request host {:?}",
                app.host
            ),
            hint,
        ));
    }
    if claims.get("type").and_then(Value::as_str) != Some("match") {
        return Err(protocol("metadata JWT type is not \"match\"".into(), hint));
    }
    if claims
        .get("aud")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        return Err(protocol("metadata JWT aud is empty".into(), hint));
    }
    let iat = claims.get("iat").and_then(Value::as_i64).unwrap_or(0);
    if iat <= 0 {
        return Err(protocol(
            "metadata JWT iat is missing or invalid".into(),
            hint,
        ));
    }
    if now - iat > 24 * 3600 {
        return Err(protocol("metadata JWT is older than 24h0m0s".into(), hint));
    }
    if iat - now > 5 * 60 {
        return Err(protocol(
            "metadata JWT is more than 5m0s in the future".into(),
            hint,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn claim_checks_follow_the_spec() {
        let app = AppUrl::parse("ssh.example.com:8443").unwrap();
        let now = 100_000;
        let ok = json!({"hostname":"SSH.example.com","type":"match","aud":"a","iat":now});
        assert!(check_claims(&ok, &app, now).is_ok());
        let cases = [
            (
                json!({"hostname":"other","type":"match","aud":"a","iat":now}),
                "does not match",
            ),
            (
                json!({"hostname":"ssh.example.com","type":"x","aud":"a","iat":now}),
                "type",
            ),
            (
                json!({"hostname":"ssh.example.com","type":"match","aud":"","iat":now}),
                "aud is empty",
            ),
            (
                json!({"hostname":"ssh.example.com","type":"match","aud":"a"}),
                "iat is missing",
            ),
            (
                json!({"hostname":"ssh.example.com","type":"match","aud":"a","iat":now - 86_401}),
                "older than 24h",
            ),
            (
                json!({"hostname":"ssh.example.com","type":"match","aud":"a","iat":now + 301}),
                "future",
            ),
        ];
        for (claims, want) in cases {
            let e = check_claims(&claims, &app, now).expect_err(want);
            assert!(e.message.contains(want), "{}: {want}", e.message);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any JSON claims (as arbitrary JSON text and as the claims' shapes with odd values):
        /// the checks answer, never panic.
        #[test]
        fn arbitrary_claims_never_panic(
            text in "[{}\\[\\]\",:a-z_0-9. -]{0,100}",
            hostname in proptest::option::of(".{0,30}"),
            aud in proptest::option::of(".{0,10}"),
            exp in proptest::option::of(proptest::prelude::any::<i64>()),
            now in proptest::prelude::any::<i64>(),
        ) {
            let app = AppUrl::parse("app.test.example").unwrap();
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                let _ = check_claims(&v, &app, now);
            }
            let v = json!({"hostname": hostname, "aud": aud, "exp": exp, "nbf": exp, "iat": exp});
            let _ = check_claims(&v, &app, now);
        }
    }
}
