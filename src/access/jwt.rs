//! Reading compact JWS tokens without verifying them: the parts cloudflared reads unverified
//! (a cached token's algorithm, `aud`, `exp`, `iss`; the metadata JWT's `auth_domain` before
//! its keys are known). Verification lives in [`super::jwks`].

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

/// The decoded header and claims of a compact JWS.
#[derive(Debug, Clone)]
pub struct Unverified {
    pub header: Value,
    pub claims: Value,
}

fn decode_part(part: &str) -> Option<Value> {
    // Tolerate padding, which some issuers add.
    let bytes = URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Split and decode a compact JWS; `None` if it is not one.
pub fn peek(token: &str) -> Option<Unverified> {
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || s.is_empty() {
        return None;
    }
    let header = decode_part(h)?;
    let claims = decode_part(c)?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    Some(Unverified { header, claims })
}

impl Unverified {
    pub fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    pub fn claim_str(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// `exp` in seconds, if present and an integer.
    pub fn exp(&self) -> Option<i64> {
        self.claims.get("exp").and_then(Value::as_i64)
    }

    /// `aud` as a list, whether the token carries a string or an array.
    pub fn audiences(&self) -> Vec<String> {
        match self.claims.get("aud") {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn peeks_at_claims() {
        let t = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256","kid":"k","typ":"JWT"}"#),
            enc(r#"{"aud":["a","b"],"exp":17,"email":"x@y"}"#)
        );
        let u = peek(&t).unwrap();
        assert_eq!(u.alg(), Some("RS256"));
        assert_eq!(u.audiences(), vec!["a", "b"]);
        assert_eq!(u.exp(), Some(17));
        let t2 = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"aud":"a"}"#)
        );
        assert_eq!(peek(&t2).unwrap().audiences(), vec!["a"]);
        for bad in ["", "a.b", "a.b.c.d", "x.y.z", "e30.e30."] {
            assert!(peek(bad).is_none(), "{bad}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary text, and three dot-separated parts of base64 over arbitrary bytes or
        /// JSON-shaped text, never panic the reader or its accessors.
        #[test]
        fn arbitrary_tokens_never_panic(
            raw in ".{0,200}",
            header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            claims in "[{}\\[\\]\",:a-z0-9 .-]{0,80}",
            json in proptest::option::of("\\{\"(aud|exp|iss|alg)\":(\"[a-z]{0,5}\"|-?[0-9]{1,25}|\\[\"a\",1,null\\]|null|true|1e400)\\}"),
        ) {
            for t in [
                raw.clone(),
                format!("{}.{}.s", URL_SAFE_NO_PAD.encode(&header), URL_SAFE_NO_PAD.encode(&claims)),
                format!("{}.{}.s", enc(r#"{"alg":"RS256"}"#), enc(json.as_deref().unwrap_or("{}"))),
            ] {
                if let Some(u) = peek(&t) {
                    let _ = (u.alg(), u.claim_str("iss"), u.exp(), u.audiences());
                }
            }
        }
    }
}
