//! Silent SSO and token checks against the edge:
//! - the org → app token exchange (spec 3.2): follow the app's login redirects by HEAD with the
//!   org token as the team's `CF_Authorization` cookie and the app's `CF_AppSession`, stop at
//!   `/cdn-cgi/access/authorized`, and take the app token from its `Set-Cookie` (which must carry
//!   an `Expires` in the future). The chain may only visit the two origins signed metadata named:
//!   the app (`https://<app authority>`) and its team (`https://<auth domain>:443`). The org
//!   token goes only to the team, the app session only to the app; a redirect anywhere else ends
//!   the exchange before anything is sent there;
//! - the token check (spec 3.3): is this app token still accepted?

use std::time::{Duration, SystemTime};

use super::app_url::AppUrl;
use super::{AppInfo, user_agent};
use crate::edge::pool::{Client, Target};
use crate::secret::Secret;

const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(7);
const CHECK_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_HOPS: usize = 10;

/// `name=value` of a Set-Cookie header, if the name matches; with its Expires, if any.
fn cookie<'a>(set_cookie: &'a str, name: &str) -> Option<(&'a str, Option<SystemTime>)> {
    let mut parts = set_cookie.split(';');
    let (n, v) = parts.next()?.trim().split_once('=')?;
    if n.trim() != name {
        return None;
    }
    let expires = parts.find_map(|attr| {
        let (k, v) = attr.trim().split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("expires")
            .then(|| httpdate::parse_http_date(v.trim()).ok())
            .flatten()
    });
    Some((v.trim(), expires))
}

/// Which of the two proven origins a URL is on, if either.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    App,
    Team,
}

fn origin_of(url: &url::Url, app: &AppUrl, info: &AppInfo) -> Option<Origin> {
    if url.scheme() != "https" {
        return None;
    }
    let host = url.host_str()?.to_ascii_lowercase();
    let port = url.port_or_known_default()?;
    if host == app.host.to_ascii_lowercase() && port == app.port_or_default() {
        Some(Origin::App)
    } else if host == info.auth_domain.to_ascii_lowercase() && port == 443 {
        Some(Origin::Team)
    } else {
        None
    }
}

/// Exchange the org token for an app token; `Err` carries a reason for the debug log. `info`
/// must come from verified metadata: it decides where the org token may go.
pub async fn org_to_app(
    client: &mut Client,
    app: &AppUrl,
    info: &AppInfo,
    org: &Secret,
) -> Result<Secret, String> {
    let fut = async {
        let mut url = url::Url::parse(&app.https()).map_err(|e| e.to_string())?;
        let mut app_session: Option<String> = None;
        for _ in 0..MAX_HOPS {
            let origin = origin_of(&url, app, info).ok_or_else(|| {
                format!(
                    "redirected to {}, which is neither the application nor its team {}",
                    url.origin().ascii_serialization(),
                    info.auth_domain
                )
            })?;
            let target = Target::parse(url.as_str()).ok_or("not an https URL")?;
            let mut headers = vec![("User-Agent".to_string(), user_agent())];
            let path = url.path().to_string();
            if origin == Origin::Team && path.contains("/cdn-cgi/access/login") {
                headers.push((
                    "Cookie".into(),
                    format!("CF_Authorization={}", org.expose()),
                ));
            } else if origin == Origin::App
                && path.contains("/cdn-cgi/access/authorized")
                && let Some(s) = &app_session
            {
                headers.push(("Cookie".into(), format!("CF_AppSession={s}")));
            }
            let resp = client
                .request("HEAD", &target, &headers, None, EXCHANGE_TIMEOUT)
                .await
                .map_err(|e| e.to_string())?;
            for sc in resp
                .headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
            {
                if origin == Origin::App
                    && app_session.is_none()
                    && let Some((v, _)) = cookie(&sc.1, "CF_AppSession")
                {
                    app_session = Some(v.to_string());
                }
            }
            let is_final = path.contains("/cdn-cgi/access/authorized");
            let location = resp.header("location").map(str::to_string);
            if is_final || !(300..400).contains(&resp.status) || location.is_none() {
                if origin != Origin::App {
                    return Err(format!(
                        "the exchange ended at the team {} instead of the application",
                        info.auth_domain
                    ));
                }
                let now = SystemTime::now();
                return resp
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case("set-cookie"))
                    .filter_map(|(_, v)| cookie(v, "CF_Authorization"))
                    .find(|(_, exp)| exp.is_some_and(|e| e > now))
                    .map(|(v, _)| Secret::new(v))
                    .ok_or_else(|| format!("response from {url} did not contain app token"));
            }
            url = url
                .join(location.as_deref().unwrap_or(""))
                .map_err(|e| e.to_string())?;
        }
        Err("too many redirects".to_string())
    };
    tokio::time::timeout(EXCHANGE_TIMEOUT, fut)
        .await
        .unwrap_or_else(|_| Err("timed out".into()))
}

/// Whether the edge still accepts `token` for `app`: invalid only when it answers with the
/// Access login redirect; any other answer counts as valid, as in cloudflared.
pub async fn token_accepted(
    client: &mut Client,
    app: &AppUrl,
    token: &Secret,
) -> Result<bool, String> {
    let (path, query) = app.path_and_query();
    let path = if path.is_empty() { "/" } else { path };
    let target_url = match query {
        Some(q) => format!(
            "https://{}{path}?{q}&cloudflared_token_check=true",
            app.authority()
        ),
        None => format!(
            "https://{}{path}?cloudflared_token_check=true",
            app.authority()
        ),
    };
    let target = Target::parse(&target_url).ok_or("bad URL")?;
    let headers = vec![
        ("User-Agent".to_string(), user_agent()),
        ("Cf-Access-Token".to_string(), token.expose().to_string()),
    ];
    let resp = client
        .request("GET", &target, &headers, None, CHECK_TIMEOUT)
        .await
        .map_err(|e| e.to_string())?;
    let redirected_to_login = resp.status == 302
        && resp.header("location").is_some_and(|loc| {
            url::Url::parse(&target_url)
                .and_then(|base| base.join(loc))
                .is_ok_and(|u| u.path().starts_with("/cdn-cgi/access/login"))
        });
    Ok(!redirected_to_login)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_set_cookie() {
        let (v, exp) = cookie(
            "CF_Authorization=abc.def; Expires=Wed, 21 Oct 2099 07:28:00 GMT; Path=/; Secure",
            "CF_Authorization",
        )
        .unwrap();
        assert_eq!(v, "abc.def");
        assert!(exp.unwrap() > SystemTime::now());
        let (_, exp) = cookie("CF_Authorization=x; Max-Age=60", "CF_Authorization").unwrap();
        assert!(exp.is_none(), "Max-Age alone does not count");
        assert!(cookie("CF_AppSession=x", "CF_Authorization").is_none());
    }

    #[test]
    fn only_the_proven_origins_are_visited() {
        let app = AppUrl::parse("ssh.example.com").unwrap();
        let info = AppInfo {
            auth_domain: "team.cloudflareaccess.com".into(),
            aud: "a".into(),
            app_hostname: "ssh.example.com".into(),
        };
        let at = |u: &str| origin_of(&url::Url::parse(u).unwrap(), &app, &info);
        assert!(at("https://ssh.example.com/cdn-cgi/access/authorized?x") == Some(Origin::App));
        assert!(at("https://SSH.example.com:443/") == Some(Origin::App));
        assert!(
            at("https://team.cloudflareaccess.com/cdn-cgi/access/login/x") == Some(Origin::Team)
        );
        for other in [
            "https://other.cloudflareaccess.com/cdn-cgi/access/login/x",
            "https://team.cloudflareaccess.com:8443/cdn-cgi/access/login/x",
            "http://team.cloudflareaccess.com/cdn-cgi/access/login/x",
            "https://ssh.example.com:8443/",
            "https://evil.example/cdn-cgi/access/login/ssh.example.com",
            "https://team.cloudflareaccess.com.evil.example/",
            "https://team.cloudflareaccess.com./cdn-cgi/access/login/x",
        ] {
            assert!(at(other).is_none(), "{other}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

        /// Any Set-Cookie value the edge sends: no panic.
        #[test]
        fn arbitrary_set_cookies_never_panic(
            raw in ".{0,120}",
            value in "[ -~]{0,40}",
            expires in "[ -~]{0,40}",
        ) {
            let _ = cookie(&raw, "CF_Authorization");
            let shaped = format!("CF_Authorization={value}; Expires={expires}; {raw}");
            proptest::prop_assert!(cookie(&shaped, "CF_Authorization").is_some());
        }
    }
}
