//! The team domain's signing keys (JWKS) and verification of the metadata JWT with them
//! (spec 1.2 steps 2 and 5): RS256 only, `kid` required, a 24-hour cache file shared with
//! cloudflared, one refetch when a cached set fails to verify (key rotation).

use std::path::Path;
use std::time::{Duration, SystemTime};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::Jwk};
use serde_json::Value;

use crate::edge::pool::{Client, Target};
use crate::error::UserError;
use crate::exit::Exit;
use crate::{debug, fsutil, paths};

const CACHE_MAX_AGE: Duration = Duration::from_secs(24 * 3600);
const REFETCH_MIN_AGE: Duration = Duration::from_secs(60);
const MAX_JWKS: usize = 1024 * 1024;

fn protocol_error(message: String, hint: &str) -> UserError {
    UserError::new(Exit::Protocol, message, hint)
}

/// Keep only parsable keys; re-serialise as `{"keys":[...]}` for the cache.
fn parse_keys(body: &[u8]) -> Option<Vec<Value>> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let keys = v.get("keys")?.as_array()?;
    Some(
        keys.iter()
            .filter(|k| serde_json::from_value::<Jwk>((*k).clone()).is_ok())
            .cloned()
            .collect(),
    )
}

fn read_cache(path: &Path) -> Option<(Vec<Value>, Duration)> {
    let meta = std::fs::metadata(path).ok()?;
    let age = SystemTime::now()
        .duration_since(meta.modified().ok()?)
        .unwrap_or_default();
    if age > CACHE_MAX_AGE {
        return None;
    }
    // The same 1 MiB bound as a fetched set; a FIFO or device there is not a cache.
    let bytes = crate::fsutil::read_regular(path, MAX_JWKS as u64).ok()??;
    let keys = parse_keys(&bytes)?;
    (!keys.is_empty()).then_some((keys, age))
}

async fn fetch(client: &mut Client, auth_host: &str) -> Result<Vec<Value>, UserError> {
    let url = format!("https://{auth_host}/cdn-cgi/access/certs");
    let target = Target::parse(&url).expect("auth host was validated");
    let resp = client
        .request("GET", &target, &[], None, Duration::from_secs(10))
        .await
        .map_err(|e| {
            UserError::new(
                Exit::Unreachable,
                format!("cannot get the team's signing keys from {url}: {e}"),
                format!("check that the team domain {auth_host} is reachable from here"),
            )
        })?;
    if resp.status != 200 {
        return Err(protocol_error(
            format!("JWKS endpoint {url} returned status {}", resp.status),
            "the team domain did not serve its signing keys; try again later",
        ));
    }
    if resp.body.len() > MAX_JWKS {
        return Err(protocol_error(
            format!("JWKS from {url} is larger than 1 MiB"),
            "the team domain answered something that is not a key set",
        ));
    }
    let keys = parse_keys(&resp.body).ok_or_else(|| {
        protocol_error(
            format!("JWKS from {url} is not a JSON key set"),
            "the team domain answered something that is not a key set",
        )
    })?;
    if let Ok(path) = paths::jwks_file(auth_host) {
        let doc = serde_json::json!({ "keys": keys });
        if let Err(e) = fsutil::write_private(&path, doc.to_string().as_bytes()) {
            debug!("cannot cache JWKS: {}", e.message);
        }
    }
    Ok(keys)
}

/// Verify `token` (RS256, `kid` in the set); the claims on success.
fn verify_with(token: &str, keys: &[Value]) -> Result<Value, String> {
    let header = jsonwebtoken::decode_header(token).map_err(|e| e.to_string())?;
    if header.alg != Algorithm::RS256 {
        return Err(format!("unexpected signing algorithm {:?}", header.alg));
    }
    let kid = header.kid.ok_or("the token has no kid")?;
    let jwk: Jwk = keys
        .iter()
        .find(|k| k.get("kid").and_then(Value::as_str) == Some(kid.as_str()))
        .and_then(|k| serde_json::from_value(k.clone()).ok())
        .ok_or_else(|| format!("no key with kid {kid:?} in the key set"))?;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let mut validation = Validation::new(Algorithm::RS256);
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    jsonwebtoken::decode::<Value>(token, &key, &validation)
        .map(|d| d.claims)
        .map_err(|e| e.to_string())
}

/// Verify the metadata JWT against the team's keys, using and refreshing the cache.
pub async fn verify(client: &mut Client, auth_host: &str, token: &str) -> Result<Value, UserError> {
    let cache = paths::jwks_file(auth_host)
        .ok()
        .and_then(|p| read_cache(&p));
    let fail = |why: String| {
        protocol_error(
            format!("metadata JWT verification failed: {why}"),
            "the edge's application metadata is not signed by the team's keys; if this persists, something between you and the edge is rewriting answers",
        )
    };
    match cache {
        Some((keys, age)) => match verify_with(token, &keys) {
            Ok(claims) => Ok(claims),
            Err(why) if age >= REFETCH_MIN_AGE => {
                debug!("cached JWKS failed ({why}); refetching");
                let keys = fetch(client, auth_host).await?;
                verify_with(token, &keys).map_err(fail)
            }
            Err(why) => Err(fail(why)),
        },
        None => {
            let keys = fetch(client, auth_host).await?;
            verify_with(token, &keys).map_err(fail)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Any key set body, and any token against keys of any shape: no panic.
        #[test]
        fn arbitrary_key_sets_and_tokens_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            kid in "[a-z0-9]{0,8}",
            n in "[A-Za-z0-9_-]{0,40}",
            e in "[A-Za-z0-9_-]{0,6}",
            token in "[A-Za-z0-9_.-]{0,120}",
        ) {
            let _ = parse_keys(&body);
            let set = serde_json::json!({"keys": [{"kty": "RSA", "kid": kid, "n": n, "e": e, "alg": "RS256"}]});
            if let Some(keys) = parse_keys(set.to_string().as_bytes()) {
                let _ = verify_with(&token, &keys);
                let header = base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    format!("{{\"alg\":\"RS256\",\"kid\":\"{kid}\"}}"),
                );
                let _ = verify_with(&format!("{header}.{token}"), &keys);
            }
        }
    }
}
