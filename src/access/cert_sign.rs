//! `cert_sign` (spec section 6): ask the team domain named by the token's `iss` to sign a public
//! key, and read the answer: `{"certificate": ...}` on 200, `{"status","message"}` otherwise, and
//! a clear error for anything that is not JSON (cloudflared#1271). Also the service-token JWT the
//! edge issues as a `CF_Authorization` cookie (spec 7). Nothing here prints.

use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::app_url::AppUrl;
use super::{jwt, user_agent};
use crate::edge::pool::{Client, Target};
use crate::error::UserError;
use crate::exit::Exit;
use crate::human::shell_word;
use crate::secret::Secret;

const TIMEOUT: Duration = Duration::from_secs(10);

/// A signed certificate line, and the edge's clock when it answered.
pub struct Signed {
    pub certificate: String,
    pub edge_time: Option<SystemTime>,
}

#[derive(Deserialize)]
struct Ok200 {
    certificate: String,
}

#[derive(Deserialize)]
struct Refusal {
    status: Option<i64>,
    message: Option<String>,
}

/// The team URL to POST to: the token's `iss`, which must be exactly `https://<team>` (a
/// Cloudflare Access domain, port 443, no path, query or user part): nothing else in a token
/// may steer where it is posted.
/// `host`: the application's, as hints name it.
pub fn issuer(token: &Secret, host: &str) -> Result<String, UserError> {
    let bad = |why: &str| {
        UserError::new(
            Exit::Auth,
            format!("the cached token cannot be used for certificates: {why}"),
            format!("log in again: zssh login {}", shell_word(host)),
        )
    };
    let peeked = jwt::peek(token.expose()).ok_or_else(|| bad("it is not a token zssh can read"))?;
    let iss = peeked
        .claim_str("iss")
        .ok_or_else(|| bad("it has no issuer (iss)"))?;
    let host =
        team_of(iss).ok_or_else(|| bad("its issuer is not https://<team>.cloudflareaccess.com"))?;
    Ok(format!("https://{host}"))
}

/// The commands that replace the token for `host`.
fn relogin(host: &str) -> String {
    let host = shell_word(host);
    format!("zssh logout {host}; zssh login {host}")
}

/// The team host of an issuer URL, if it is exactly `https://<host>[/]` with a Cloudflare
/// Access host (lowercased).
pub fn team_of(iss: &str) -> Option<String> {
    let u = url::Url::parse(iss).ok()?;
    let canonical = u.scheme() == "https"
        && u.username().is_empty()
        && u.password().is_none()
        && u.port().is_none()
        && u.path() == "/"
        && u.query().is_none()
        && u.fragment().is_none();
    let host = u.host_str()?.to_ascii_lowercase();
    (canonical && host.ends_with(".cloudflareaccess.com")).then_some(host)
}

/// The token's issuer must be the team that verified metadata named for this application: a
/// token (or a hostile token file) naming another team must not make zssh post it there.
pub fn check_issuer(token: &Secret, auth_domain: &str, host: &str) -> Result<(), UserError> {
    let iss = issuer(token, host)?;
    if !iss.eq_ignore_ascii_case(&format!("https://{auth_domain}")) {
        return Err(UserError::new(
            Exit::Auth,
            format!(
                "the token for this application was issued by {iss}, not by its team {auth_domain}; it was not sent"
            ),
            relogin(host),
        ));
    }
    Ok(())
}

/// POST the public key (an authorized_keys line) to `<iss>/cdn-cgi/access/cert_sign`.
/// `host`: the application's, as hints name it.
pub async fn sign(
    client: &mut Client,
    token: &Secret,
    public_key_line: &str,
    host: &str,
) -> Result<Signed, UserError> {
    let iss = issuer(token, host)?;
    let url = format!("{iss}/cdn-cgi/access/cert_sign");
    let target = Target::parse(&url).expect("validated issuer");
    let body = serde_json::json!({
        "public_key": public_key_line,
        "jwt": token.expose(),
        "issuer": iss,
    })
    .to_string();
    let headers = vec![
        ("Content-Type".to_string(), "application/json".to_string()),
        ("User-Agent".to_string(), user_agent()),
    ];
    let resp = client
        .request("POST", &target, &headers, Some(body.as_bytes()), TIMEOUT)
        .await
        .map_err(|e| {
            super::discovery::unreachable_doing("cannot ask for a certificate at", &url, &e)
        })?;
    answer(&iss, &resp, host)
}

/// Read cert_sign's answer (any status, any body) into the certificate or an error.
fn answer(iss: &str, resp: &crate::edge::http::Response, host: &str) -> Result<Signed, UserError> {
    let edge_time = resp
        .header("date")
        .and_then(|d| httpdate::parse_http_date(d).ok());
    if resp.status == 200
        && let Ok(ok) = serde_json::from_slice::<Ok200>(&resp.body)
    {
        return Ok(Signed {
            certificate: ok.certificate.trim().to_string(),
            edge_time,
        });
    }
    match serde_json::from_slice::<Refusal>(&resp.body) {
        Ok(r) if r.status.is_some() || r.message.is_some() => {
            let status = r.status.unwrap_or(i64::from(resp.status));
            let message = r.message.unwrap_or_default();
            let (exit, hint) = match status {
                401 | 403 => (
                    Exit::Auth,
                    format!(
                        "the edge refused the token for certificates; log in again ({}), or ask the administrator whether short-lived certificates are enabled for this application",
                        relogin(host)
                    ),
                ),
                _ => (
                    Exit::Refused,
                    "the signing service failed; try again, and ask the administrator if it persists"
                        .to_string(),
                ),
            };
            Err(UserError::new(
                exit,
                format!("cert_sign at {iss} refused: {status}: {message}"),
                hint,
            ))
        }
        _ => Err(UserError::new(
            Exit::Protocol,
            format!(
                "cert_sign at {iss} answered HTTP {} with something that is not JSON ({})",
                resp.status,
                if resp.body.is_empty() {
                    "empty".to_string()
                } else {
                    resp.body_hint()
                }
            ),
            "the signing service or something in front of it failed; try again in a minute",
        )),
    }
}

/// The JWT the edge issues for a service-token request: the `CF_Authorization` cookie of an
/// answer to a request carrying the service token headers.
pub async fn service_token_jwt(
    client: &mut Client,
    app: &AppUrl,
    id: &str,
    secret: &Secret,
) -> Result<Secret, UserError> {
    let target = Target::parse(&app.https()).expect("normalised app URL");
    let headers = vec![
        ("User-Agent".to_string(), user_agent()),
        ("Cf-Access-Client-Id".to_string(), id.to_string()),
        (
            "Cf-Access-Client-Secret".to_string(),
            secret.expose().to_string(),
        ),
    ];
    let resp = client
        .request("GET", &target, &headers, None, TIMEOUT)
        .await
        .map_err(|e| {
            super::discovery::unreachable_doing(
                "cannot log in with the service token at",
                &app.https(),
                &e,
            )
        })?;
    let cookie = resp
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
        .find_map(|(_, v)| {
            let (pair, _) = v.split_once(';').unwrap_or((v, ""));
            let (name, value) = pair.trim().split_once('=')?;
            (name == "CF_Authorization" && !value.is_empty()).then(|| value.to_string())
        });
    cookie.map(Secret::new).ok_or_else(|| {
        UserError::new(
            Exit::Auth,
            format!(
                "{} issued no token for the service token {id} (HTTP {})",
                app.authority(),
                resp.status
            ),
            "this is the edge's policy: the application must allow this service token (a Service Auth policy) for certificates to be signed",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn token(iss: &str) -> Secret {
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        Secret::new(format!(
            "{}.{}.sig",
            part(serde_json::json!({"alg":"RS256","typ":"JWT"})),
            part(serde_json::json!({"iss": iss, "aud": ["a"], "exp": 4_000_000_000u64}))
        ))
    }

    #[test]
    fn the_issuer_must_be_the_proven_team() {
        let team = "team.cloudflareaccess.com";
        assert!(check_issuer(&token("https://team.cloudflareaccess.com"), team, "h").is_ok());
        assert!(check_issuer(&token("https://TEAM.cloudflareaccess.com/"), team, "h").is_ok());
        for bad in [
            "https://team.cloudflareaccess.com:8443",
            "https://team.cloudflareaccess.com/evil/path",
            "https://team.cloudflareaccess.com/?x=",
            "https://user@team.cloudflareaccess.com",
            "https://other.cloudflareaccess.com",
            "https://team.cloudflareaccess.com.evil.example",
            "http://team.cloudflareaccess.com",
            "https://evil.example",
            "",
        ] {
            let e = check_issuer(&token(bad), team, "ssh.example.com").expect_err(bad);
            assert!(!e.message.contains(".sig"), "{}", e.message);
        }
    }

    use proptest::prelude::*;

    fn resp(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> crate::edge::http::Response {
        crate::edge::http::Response {
            status,
            headers,
            body,
        }
    }

    #[test]
    fn answers_become_certificates_or_errors() {
        let iss = "https://team.cloudflareaccess.com";
        let ok = answer(
            iss,
            &resp(200, vec![], br#"{"certificate":" c \n"}"#.to_vec()),
            "ssh.example.com",
        )
        .unwrap();
        assert_eq!(ok.certificate, "c");
        let e = answer(
            iss,
            &resp(401, vec![], br#"{"status":401,"message":"no"}"#.to_vec()),
            "ssh.example.com",
        )
        .err()
        .unwrap();
        assert_eq!(e.exit, Exit::Auth);
        assert!(
            e.hint
                .contains("zssh logout ssh.example.com; zssh login ssh.example.com"),
            "{}",
            e.hint
        );
        let e = answer(
            iss,
            &resp(502, vec![], b"upstream".to_vec()),
            "ssh.example.com",
        )
        .err()
        .unwrap();
        assert_eq!(e.exit, Exit::Protocol);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the edge (or something in front of it) answers, no panic.
        #[test]
        fn arbitrary_answers_never_panic(
            status in any::<u16>(),
            body in prop::collection::vec(any::<u8>(), 0..256),
            date in "[ -~]{0,40}",
            json_status in any::<Option<i64>>(),
            message in any::<Option<String>>(),
            cert in any::<Option<String>>(),
        ) {
            let iss = "https://team.cloudflareaccess.com";
            let headers = vec![("Date".to_string(), date)];
            let _ = answer(iss, &resp(status, headers.clone(), body), "ssh.example.com");
            let json = serde_json::json!({"status": json_status, "message": message, "certificate": cert});
            let _ = answer(iss, &resp(status, headers, json.to_string().into_bytes()), "ssh.example.com");
        }
    }
}
