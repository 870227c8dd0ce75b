//! `zssh server fetch-ca --account ID`: print the account's Access SSH CA public key (the CA that
//! signs the short-lived certificates of Access for Infrastructure) as one OpenSSH public key line
//! on stdout, ready for `zssh server trust-ca --ca-key -`.
//!
//! The Cloudflare API (`https://api.cloudflare.com/client/v4`):
//!
//! * `GET  /accounts/{account}/access/gateway_ca` lists the account's SSH CAs:
//!   `{"success":true,"result":[{"id":"…","public_key":"ecdsa-sha2-nistp256 AAAA… …"}]}`.
//!   Accepted permissions: Access: SSH Auditing Read or Access: SSH Auditing Write.
//! * `POST /accounts/{account}/access/gateway_ca` creates the CA (no body) and answers
//!   `{"success":true,"result":{"id":"…","public_key":"…"}}`. Needs Access: SSH Auditing Write.
//! * Failures: `{"success":false,"errors":[{"code":N,"message":"…"}]}`.
//!
//! The CA is read first; only when the account has none (an empty list, a null result, or a 404
//! that is not a routing error such as code 7003 for a bad account ID) is it created. An answer
//! with `success:true` whose `public_key` is empty is what a token with Write but without Read
//! permission gets: that is reported as such rather than as "no CA".
//!
//! The (legacy) per-application short-lived-certificate CA lives at
//! `/accounts/{account}/access/apps/{app_id}/ca` and is not what this command reads.
//!
//! Environment:
//!
//! * `CLOUDFLARE_API_TOKEN`: the API token. Never taken from the command line. When unset, the
//!   token store entry `cloudflare-api-token` is used (the OS keyring, or the 0600 file
//!   `~/.cloudflared/cloudflare-api-token`; see `ZSSH_TOKEN_STORE`). The token is only ever sent
//!   in the `Authorization` header: never printed, never logged, never part of an error.
//! * `ZSSH_CLOUDFLARE_API`: the API base URL (default `https://api.cloudflare.com/client/v4`);
//!   must be https.
//! * `ZSSH_CONNECT_TO`, `SSL_CERT_FILE`, `HTTPS_PROXY`…: as for every zssh connection.

use std::time::Duration;

use serde_json::Value;

use crate::cli::FetchCaArgs;
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

const PERMISSIONS: &str = "Access: SSH Auditing Read and Access: SSH Auditing Write";

pub async fn run(args: FetchCaArgs) -> Result<Exit, UserError> {
    let account = check_account(&args.account)?;
    let base = api_base()?;
    let url = format!("{base}/accounts/{account}/access/gateway_ca");
    let target = Target::parse(&url).ok_or_else(|| {
        UserError::usage(
            format!("{API_ENV}={base:?} is not an https URL"),
            format!("set {API_ENV} to an https URL such as {DEFAULT_API}, or unset it"),
        )
    })?;
    let token = token()?;
    let net = Net::from_env(TIMEOUT)
        .map_err(|why| UserError::usage(why, "fix or unset the variable named above"))?;
    let mut api = Api {
        client: Client::new(net),
        target,
        url,
        token,
        account: account.to_string(),
    };

    let key = match api.read().await? {
        Some(key) => key,
        None => api.create().await?,
    };
    print_key(&key);
    Ok(Exit::Ok)
}

/// The account ID goes into a URL path: allow only what Cloudflare IDs are made of.
fn check_account(account: &str) -> Result<&str, UserError> {
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

fn api_base() -> Result<String, UserError> {
    match std::env::var(API_ENV) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().trim_end_matches('/').to_string()),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(DEFAULT_API.to_string()),
        Err(std::env::VarError::NotUnicode(_)) => Err(UserError::usage(
            format!("{API_ENV} is not valid UTF-8"),
            format!("set {API_ENV} to an https URL such as {DEFAULT_API}, or unset it"),
        )),
    }
}

fn token() -> Result<Secret, UserError> {
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
            "create an API token with {PERMISSIONS} for the account (dash.cloudflare.com > My \
             Profile > API Tokens), then export {TOKEN_ENV}=<token>, or store it once with \
             `secret-tool store --label='zssh: {TOKEN_NAME}' service zssh username {TOKEN_NAME}` \
             (or in the 0600 file ~/.cloudflared/{TOKEN_NAME}); never pass it on the command line"
        ),
    ))
}

struct Api {
    client: Client,
    target: Target,
    url: String,
    token: Secret,
    account: String,
}

/// What the API said, decoded as far as the envelope.
struct Answer {
    status: u16,
    /// `None` when the body is not a JSON object.
    json: Option<serde_json::Map<String, Value>>,
    resp: Response,
}

impl Answer {
    fn success(&self) -> bool {
        self.json
            .as_ref()
            .and_then(|j| j.get("success"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    fn result(&self) -> Option<&Value> {
        self.json.as_ref().and_then(|j| j.get("result"))
    }

    /// `(code, message)` of each entry in `errors`.
    fn errors(&self) -> Vec<(i64, String)> {
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
                let message: String = e
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(200)
                    .collect();
                (code, message)
            })
            .collect()
    }

    /// For messages: `HTTP 403 (code 10000: Authentication error)`.
    fn describe(&self) -> String {
        let errors = self.errors();
        if errors.is_empty() {
            let hint = self.resp.body_hint();
            if hint.is_empty() {
                return format!("HTTP {}", self.status);
            }
            return format!("HTTP {} ({hint})", self.status);
        }
        let parts: Vec<String> = errors
            .iter()
            .map(|(code, msg)| format!("code {code}: {msg}"))
            .collect();
        format!("HTTP {} ({})", self.status, parts.join("; "))
    }

    fn has_code(&self, codes: &[i64]) -> bool {
        self.errors().iter().any(|(c, _)| codes.contains(c))
    }

    fn mentions(&self, words: &[&str]) -> bool {
        self.errors().iter().any(|(_, m)| {
            let m = m.to_ascii_lowercase();
            words.iter().any(|w| m.contains(w))
        })
    }
}

/// Cloudflare's "could not route" codes: the URL (usually the account ID) is wrong.
const ROUTE_CODES: &[i64] = &[7000, 7003];
/// Cloudflare's authentication codes (bad, expired or unknown token).
const AUTH_CODES: &[i64] = &[9106, 9109, 10000, 10001];

impl Api {
    async fn call(&mut self, method: &str) -> Result<Answer, UserError> {
        let headers = vec![
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
        // POST with an explicit empty body, so a Content-Length: 0 goes with it.
        let body: Option<&[u8]> = (method == "POST").then_some(b"");
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
    fn failure(&self, method: &str, a: &Answer) -> UserError {
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
                     token (not a Global API Key) for account {} with {PERMISSIONS}",
                    self.account
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
                format!("check the account ID and that the API token has {PERMISSIONS} for it")
            },
        )
    }

    /// The trap of a token that may write but not read the CA: the API says success and hides
    /// the key.
    fn edit_only(&self, method: &str) -> UserError {
        UserError::new(
            Exit::Auth,
            format!(
                "the Cloudflare API answered {method} {} with success but an empty public_key: \
                 the API token can edit the SSH CA (Access: SSH Auditing Write) but lacks the \
                 permission to read it",
                self.url
            ),
            format!(
                "give the API token Access: SSH Auditing Read as well as Access: SSH Auditing \
                 Write for account {} (dash.cloudflare.com > My Profile > API Tokens > Edit), \
                 then run this again",
                self.account
            ),
        )
    }

    /// The existing CA's key, or `None` when the account has none.
    async fn read(&mut self) -> Result<Option<String>, UserError> {
        let a = self.call("GET").await?;
        if a.success() && (200..300).contains(&a.status) {
            let entries: Vec<&Value> = match a.result() {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::Array(list)) => list.iter().collect(),
                Some(obj @ Value::Object(_)) => vec![obj],
                Some(_) => {
                    return Err(self.garbage("GET", "result is neither a list nor an object"));
                }
            };
            if entries.is_empty() {
                return Ok(None);
            }
            // The first entry with a key; all empty means the key is hidden from this token.
            return match entries.iter().find_map(|e| public_key(e)) {
                Some(key) => self.validate("GET", key).map(Some),
                None => Err(self.edit_only("GET")),
            };
        }
        if a.status == 404 && !a.has_code(ROUTE_CODES) && !a.has_code(AUTH_CODES) {
            return Ok(None);
        }
        if !a.success()
            && !a.has_code(ROUTE_CODES)
            && a.mentions(&["not found", "does not exist", "no ssh ca", "no ca "])
        {
            return Ok(None);
        }
        Err(self.failure("GET", &a))
    }

    /// Create the CA and return its key.
    async fn create(&mut self) -> Result<String, UserError> {
        let a = self.call("POST").await?;
        if a.success() && (200..300).contains(&a.status) {
            return match a.result() {
                Some(v) => match public_key(v) {
                    Some(key) => self.validate("POST", key),
                    None => Err(self.edit_only("POST")),
                },
                None => Err(self.edit_only("POST")),
            };
        }
        if a.mentions(&["already exists", "already exist"]) {
            // It exists, yet the read before did not show it: the token cannot read it.
            return Err(self.edit_only("POST"));
        }
        Err(self.failure("POST", &a))
    }

    fn validate(&self, method: &str, key: &str) -> Result<String, UserError> {
        match ssh_key::PublicKey::from_openssh(key) {
            Ok(_) => Ok(key.to_string()),
            Err(e) => Err(self.garbage(
                method,
                &format!("public_key is not an OpenSSH public key ({e})"),
            )),
        }
    }

    fn garbage(&self, method: &str, why: &str) -> UserError {
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

/// A non-empty `public_key` of a result entry, trimmed to one line.
fn public_key(entry: &Value) -> Option<&str> {
    let key = entry.get("public_key")?.as_str()?.trim();
    (!key.is_empty()).then_some(key)
}

fn print_key(key: &str) {
    crate::outln!("{key}");
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

    #[test]
    fn public_keys() {
        let v: Value = serde_json::json!({"id": "x", "public_key": " ssh-ed25519 AAAA c \n"});
        assert_eq!(public_key(&v), Some("ssh-ed25519 AAAA c"));
        let v: Value = serde_json::json!({"id": "x", "public_key": ""});
        assert_eq!(public_key(&v), None);
        let v: Value = serde_json::json!({"id": "x"});
        assert_eq!(public_key(&v), None);
    }
}
