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

use serde_json::Value;

use super::api::{AUTH_CODES, Api, ROUTE_CODES};
use crate::cli::FetchCaArgs;
use crate::error::UserError;
use crate::exit::Exit;

const PERMISSIONS: &str = "Access: SSH Auditing Read and Access: SSH Auditing Write";

pub async fn run(args: FetchCaArgs) -> Result<Exit, UserError> {
    let mut api = Api::new(&args.account, "access/gateway_ca", PERMISSIONS)?;
    let key = match read(&mut api).await? {
        Some(key) => key,
        None => create(&mut api).await?,
    };
    print_key(&key);
    Ok(Exit::Ok)
}

/// The trap of a token that may write but not read the CA: the API says success and hides
/// the key.
fn edit_only(api: &Api, method: &str) -> UserError {
    UserError::new(
        Exit::Auth,
        format!(
            "the Cloudflare API answered {method} {} with success but an empty public_key: \
             the API token can edit the SSH CA (Access: SSH Auditing Write) but lacks the \
             permission to read it",
            api.url
        ),
        format!(
            "give the API token Access: SSH Auditing Read as well as Access: SSH Auditing \
             Write for account {} (dash.cloudflare.com > My Profile > API Tokens > Edit), \
             then run this again",
            api.account
        ),
    )
}

/// The existing CA's key, or `None` when the account has none.
async fn read(api: &mut Api) -> Result<Option<String>, UserError> {
    let a = api.call("GET", None).await?;
    if a.success() && (200..300).contains(&a.status) {
        let entries: Vec<&Value> = match a.result() {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(list)) => list.iter().collect(),
            Some(obj @ Value::Object(_)) => vec![obj],
            Some(_) => {
                return Err(api.garbage("GET", "result is neither a list nor an object"));
            }
        };
        if entries.is_empty() {
            return Ok(None);
        }
        // The first entry with a key; all empty means the key is hidden from this token.
        return match entries.iter().find_map(|e| public_key(e)) {
            Some(key) => validate(api, "GET", key).map(Some),
            None => Err(edit_only(api, "GET")),
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
    Err(api.failure("GET", &a))
}

/// Create the CA and return its key.
async fn create(api: &mut Api) -> Result<String, UserError> {
    let a = api.call("POST", None).await?;
    if a.success() && (200..300).contains(&a.status) {
        return match a.result() {
            Some(v) => match public_key(v) {
                Some(key) => validate(api, "POST", key),
                None => Err(edit_only(api, "POST")),
            },
            None => Err(edit_only(api, "POST")),
        };
    }
    if a.mentions(&["already exists", "already exist"]) {
        // It exists, yet the read before did not show it: the token cannot read it.
        return Err(edit_only(api, "POST"));
    }
    Err(api.failure("POST", &a))
}

fn validate(api: &Api, method: &str, key: &str) -> Result<String, UserError> {
    match ssh_key::PublicKey::from_openssh(key) {
        Ok(_) => Ok(key.to_string()),
        Err(e) => Err(api.garbage(
            method,
            &format!("public_key is not an OpenSSH public key ({e})"),
        )),
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
    fn public_keys() {
        let v: Value = serde_json::json!({"id": "x", "public_key": " ssh-ed25519 AAAA c \n"});
        assert_eq!(public_key(&v), Some("ssh-ed25519 AAAA c"));
        let v: Value = serde_json::json!({"id": "x", "public_key": ""});
        assert_eq!(public_key(&v), None);
        let v: Value = serde_json::json!({"id": "x"});
        assert_eq!(public_key(&v), None);
    }
}
