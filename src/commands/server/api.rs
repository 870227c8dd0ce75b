//! The Cloudflare REST API as `zssh server` calls it (`fetch-ca`, `log-key`): the account ID
//! check, the base URL (`ZSSH_CLOUDFLARE_API`), the API token (`CLOUDFLARE_API_TOKEN` or the
//! token store, never argv), the `{"success","errors","result"}` envelope, and the wording of the
//! failures every endpoint shares (token refused, no such route, not JSON, server errors).
//!
//! The token is only ever sent in the `Authorization` header: never printed, never logged, never
//! part of an error.

use std::time::Duration;

use serde_json::Value;

use crate::edge::dial::Net;
use crate::edge::http::Response;
use crate::edge::pool::{Client, Target};
use crate::error::UserError;
use crate::exit::Exit;
use crate::secret::Secret;
use crate::token_store::TokenStore;

/// The Cloudflare API base URL unless `ZSSH_CLOUDFLARE_API` says otherwise.
pub const DEFAULT_API: &str = "https://api.cloudflare.com/client/v4";
/// The environment variable overriding [`DEFAULT_API`].
pub const API_ENV: &str = "ZSSH_CLOUDFLARE_API";
/// The environment variable holding the API token.
pub const TOKEN_ENV: &str = "CLOUDFLARE_API_TOKEN";
/// The token store entry used when [`TOKEN_ENV`] is unset.
pub const TOKEN_NAME: &str = "cloudflare-api-token";

const TIMEOUT: Duration = Duration::from_secs(30);

/// The account ID goes into a URL path: allow only what Cloudflare IDs are made of.
pub fn check_account(account: &str) -> Result<&str, UserError> {
    let account = account.trim();
    let ok = !account.is_empty()
        && account.len() <= 64
        && account
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        return Err(UserError::usage(
            format!("{account:?} is not a Cloudflare account ID"),
            "pass the 32-character account ID shown in the Cloudflare dashboard (Account home, \
             or the URL dash.cloudflare.com/<account ID>)",
        ));
    }
    Ok(account)
}

pub fn api_base() -> Result<String, UserError> {
    match std::env::var(API_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().trim_end_matches('/').to_string()),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(DEFAULT_API.to_string()),
        Err(std::env::VarError::NotUnicode(_)) => Err(UserError::usage(
            format!("{API_ENV} is not valid UTF-8"),
            format!("set {API_ENV} to an https URL such as {DEFAULT_API}, or unset it"),
        )),
    }
}

/// The API token: `CLOUDFLARE_API_TOKEN`, else the token store entry. `permissions` words the
/// hint when there is none.
pub fn token(permissions: &str) -> Result<Secret, UserError> {
    if let Ok(v) = std::env::var(TOKEN_ENV) {
        let v = v.trim();
        if !v.is_empty() {
            return Ok(Secret::new(v));
        }
    }
    if let Some((token, _)) = TokenStore::open()?.read(TOKEN_NAME)? {
        let value = token.expose().trim();
        if !value.is_empty() {
            return Ok(Secret::new(value));
        }
    }
    Err(UserError::new(
        Exit::Auth,
        format!(
            "no Cloudflare API token: {TOKEN_ENV} is not set and the token store has no {TOKEN_NAME}"
        ),
        format!(
            "create an API token with {permissions} for the account (dash.cloudflare.com > My \
             Profile > API Tokens), then export {TOKEN_ENV}=<token>, or store it once with \
             `secret-tool store --label='zssh: {TOKEN_NAME}' service zssh username {TOKEN_NAME}` \
             (or in the 0600 file ~/.cloudflared/{TOKEN_NAME}); never pass it on the command line"
        ),
    ))
}

/// One endpoint of the Cloudflare API with its token.
pub struct Api {
    client: Client,
    target: Target,
    pub url: String,
    token: Secret,
    pub account: String,
    /// The token permissions the endpoint needs, for hints.
    pub permissions: &'static str,
}

/// At most this many of an answer's `errors` go into a message (an answer may list thousands).
const MAX_ERRORS_SHOWN: usize = 3;

/// What the API said, decoded as far as the envelope.
pub struct Answer {
    pub status: u16,
    /// `None` when the body is not a JSON object.
    pub json: Option<serde_json::Map<String, Value>>,
    resp: Response,
}

impl Answer {
    pub fn success(&self) -> bool {
        self.json
            .as_ref()
            .and_then(|j| j.get("success"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    pub fn result(&self) -> Option<&Value> {
        self.json.as_ref().and_then(|j| j.get("result"))
    }

    /// `(code, message)` of each entry in `errors`.
    pub fn errors(&self) -> Vec<(i64, String)> {
        let Some(list) = self
            .json
            .as_ref()
            .and_then(|j| j.get("errors"))
            .and_then(Value::as_array)
        else {
            return Vec::new();
        };
        list.iter()
            .map(|e| {
                let code = e.get("code").and_then(Value::as_i64).unwrap_or(0);
                let message = crate::human::shown(
                    e.get("message").and_then(Value::as_str).unwrap_or(""),
                    200,
                );
                (code, message)
            })
            .collect()
    }

    /// For messages: `HTTP 403 (code 10000: Authentication error)`.
    pub fn describe(&self) -> String {
        let errors = self.errors();
        if errors.is_empty() {
            let hint = self.resp.body_hint();
            if hint.is_empty() {
                return format!("HTTP {}", self.status);
            }
            return format!("HTTP {} ({hint})", self.status);
        }
        let mut parts: Vec<String> = errors
            .iter()
            .take(MAX_ERRORS_SHOWN)
            .map(|(code, msg)| format!("code {code}: {msg}"))
            .collect();
        if errors.len() > MAX_ERRORS_SHOWN {
            parts.push(format!("and {} more", errors.len() - MAX_ERRORS_SHOWN));
        }
        format!("HTTP {} ({})", self.status, parts.join("; "))
    }

    pub fn has_code(&self, codes: &[i64]) -> bool {
        self.errors().iter().any(|(c, _)| codes.contains(c))
    }

    pub fn mentions(&self, words: &[&str]) -> bool {
        self.errors().iter().any(|(_, m)| {
            let m = m.to_ascii_lowercase();
            words.iter().any(|w| m.contains(w))
        })
    }
}

/// Cloudflare's "could not route" codes: the URL (usually the account ID) is wrong.
pub const ROUTE_CODES: &[i64] = &[7000, 7003];
/// Cloudflare's authentication codes (bad, expired or unknown token).
pub const AUTH_CODES: &[i64] = &[9106, 9109, 10000, 10001];

impl Api {
    /// The endpoint `path` (after `/accounts/{account}`) of `account`, with the token, checked
    /// before any request.
    pub fn new(account: &str, path: &str, permissions: &'static str) -> Result<Api, UserError> {
        let account = check_account(account)?;
        let base = api_base()?;
        let url = format!("{base}/accounts/{account}/{path}");
        let target = Target::parse(&url).ok_or_else(|| {
            UserError::usage(
                format!("{API_ENV}={base:?} is not an https URL"),
                format!("set {API_ENV} to an https URL such as {DEFAULT_API}, or unset it"),
            )
        })?;
        let token = token(permissions)?;
        let net = Net::from_env(TIMEOUT)
            .map_err(|why| UserError::usage(why, "fix or unset the variable named above"))?;
        Ok(Api {
            client: Client::new(net),
            target,
            url,
            token,
            account: account.to_string(),
            permissions,
        })
    }

    /// `method` on the endpoint, with `body` as JSON when given (and an explicit empty body for
    /// POST, so a Content-Length: 0 goes with it).
    pub async fn call(&mut self, method: &str, json: Option<&[u8]>) -> Result<Answer, UserError> {
        let mut headers = vec![
            (
                "Authorization".to_string(),
                format!("Bearer {}", self.token.expose()),
            ),
            ("Accept".to_string(), "application/json".to_string()),
            (
                "User-Agent".to_string(),
                format!("zssh/{}", env!("CARGO_PKG_VERSION")),
            ),
        ];
        if json.is_some() {
            headers.push(("Content-Type".to_string(), "application/json".to_string()));
        }
        let body: Option<&[u8]> = json.or_else(|| (method == "POST").then_some(b""));
        let resp = self
            .client
            .request(method, &self.target, &headers, body, TIMEOUT)
            .await
            .map_err(|e| {
                UserError::new(
                    Exit::Unreachable,
                    format!(
                        "cannot reach the Cloudflare API ({method} {}): {e}",
                        self.url
                    ),
                    format!(
                        "check the network, proxy (HTTPS_PROXY) and DNS; {API_ENV} overrides the \
                         API URL"
                    ),
                )
            })?;
        let json = serde_json::from_slice::<Value>(&resp.body)
            .ok()
            .and_then(|v| match v {
                Value::Object(m) => Some(m),
                _ => None,
            });
        Ok(Answer {
            status: resp.status,
            json,
            resp,
        })
    }

    /// Errors common to both calls: the token, the account, the server.
    pub fn failure(&self, method: &str, a: &Answer) -> UserError {
        let what = format!("{method} {}", self.url);
        if a.status == 401 || a.status == 403 || a.has_code(AUTH_CODES) {
            return UserError::new(
                Exit::Auth,
                format!(
                    "the Cloudflare API refused the API token for {what}: {}",
                    a.describe()
                ),
                format!(
                    "check that {TOKEN_ENV} (or the stored {TOKEN_NAME}) is a valid, unexpired API \
                     token (not a Global API Key) for account {} with {}",
                    self.account, self.permissions
                ),
            );
        }
        if a.has_code(ROUTE_CODES) {
            return UserError::usage(
                format!(
                    "the Cloudflare API has no such route {what}: {}",
                    a.describe()
                ),
                format!(
                    "check the account ID {:?} (the 32-character ID from the Cloudflare dashboard)",
                    self.account
                ),
            );
        }
        if a.json.is_none() {
            return UserError::new(
                Exit::Protocol,
                format!(
                    "the Cloudflare API answered {what} with something that is not a JSON \
                     object: {}",
                    a.describe()
                ),
                format!(
                    "check {API_ENV} and any proxy in between; if it persists, see \
                     https://www.cloudflarestatus.com"
                ),
            );
        }
        UserError::new(
            Exit::Protocol,
            format!("the Cloudflare API refused {what}: {}", a.describe()),
            if a.status >= 500 {
                "the API failed on its side; try again later (https://www.cloudflarestatus.com)"
                    .to_string()
            } else {
                format!(
                    "check the account ID and that the API token has {} for it",
                    self.permissions
                )
            },
        )
    }

    pub fn garbage(&self, method: &str, why: &str) -> UserError {
        UserError::new(
            Exit::Protocol,
            format!(
                "the Cloudflare API answered {method} {} with something zssh cannot use: {why}",
                self.url
            ),
            format!("check {API_ENV} and any proxy in between"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids() {
        assert!(check_account("0123456789abcdef0123456789abcdef").is_ok());
        assert!(check_account("../zones").is_err());
        assert!(check_account("a?b").is_err());
        assert!(check_account("").is_err());
    }
}
