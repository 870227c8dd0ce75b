//! The edge's JWT signing key: minting RS256 tokens, verifying them, and publishing the JWKS.
//!
//! Every JWS this module emits has the canonical protected header
//! `{"alg":"RS256","kid":"<kid>","typ":"JWT"}` (compact, keys sorted), because cloudflared
//! re-serialises stored headers that way and would break any other form (access-protocol.md 4.3).
//! Claims are serialised by serde_json, whose maps keep keys sorted.
//! This module checks signatures only; expiry, audience and revocation are policy and live in
//! `state.rs`.

use std::io;

use aws_lc_rs::rsa::KeyPair as RsaKeyPair;
use aws_lc_rs::signature::{self, KeyPair as _, UnparsedPublicKey};
use rcgen::{CertificateParams, DistinguishedName, DnType, PKCS_RSA_SHA256, RsaKeySize};
use rustls::pki_types::PrivatePkcs8KeyDer;
use serde_json::{Map, Value, json};

use crate::util::{b64url_nopad, b64url_nopad_decode, random_hex};

/// An RSA-2048 key with its key id and the material the JWKS endpoint publishes.
pub(crate) struct JwtKeys {
    kid: String,
    key: RsaKeyPair,
    /// RFC 8017 `RSAPublicKey` DER, for verification.
    public_der: Vec<u8>,
    n: String,
    e: String,
    /// A self-signed certificate for the same key, published as `public_cert` like Cloudflare does.
    cert_pem: String,
}

impl std::fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JwtKeys").field("kid", &self.kid).finish()
    }
}

impl JwtKeys {
    /// Generates a fresh key (aws-lc, fast even in debug builds) and its certificate.
    pub(crate) fn generate() -> io::Result<Self> {
        let other = |e: &dyn std::fmt::Display| io::Error::other(e.to_string());
        let rc_key = rcgen::KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048)
            .map_err(|e| other(&e))?;
        let pkcs8 = rc_key.serialize_der();
        let key = RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| other(&e))?;
        let public = key.public_key();
        let n = b64url_nopad(public.modulus().big_endian_without_leading_zero());
        let e = b64url_nopad(public.exponent().big_endian_without_leading_zero());
        let public_der = public.as_ref().to_vec();

        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(|e| other(&e))?;
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, "zssh-test-edge Access JWT signing key");
        params.distinguished_name = dn;
        let signer = rcgen::KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(pkcs8),
            &PKCS_RSA_SHA256,
        )
        .map_err(|e| other(&e))?;
        let cert_pem = params.self_signed(&signer).map_err(|e| other(&e))?.pem();

        Ok(JwtKeys {
            kid: random_hex(32),
            key,
            public_der,
            n,
            e,
            cert_pem,
        })
    }

    /// The key id placed in every header and in the JWKS.
    #[cfg(test)]
    pub(crate) fn kid(&self) -> &str {
        &self.kid
    }

    /// The canonical protected header, as JSON text.
    fn header_json(&self) -> String {
        // Built by hand so the key order and the absence of whitespace are guaranteed.
        format!(
            r#"{{"alg":"RS256","kid":{},"typ":"JWT"}}"#,
            Value::String(self.kid.clone())
        )
    }

    /// Signs `claims` into a compact JWS.
    pub(crate) fn sign(&self, claims: &Value) -> String {
        let header = b64url_nopad(self.header_json().as_bytes());
        let payload = b64url_nopad(
            serde_json::to_string(claims)
                .expect("claims serialise")
                .as_bytes(),
        );
        let signing_input = format!("{header}.{payload}");
        let mut sig = vec![0u8; self.key.public_modulus_len()];
        self.key
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signing failed");
        format!("{signing_input}.{}", b64url_nopad(&sig))
    }

    /// Checks that `token` is an RS256 JWS with our `kid` and a valid signature, and returns its
    /// claims. Says nothing about expiry or audience.
    pub(crate) fn verify(&self, token: &str) -> Option<Map<String, Value>> {
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&b64url_nopad_decode(h)?).ok()?;
        if header.get("alg")?.as_str()? != "RS256" || header.get("kid")?.as_str()? != self.kid {
            return None;
        }
        let sig = b64url_nopad_decode(s)?;
        let signing_input = &token[..h.len() + 1 + p.len()];
        UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &self.public_der)
            .verify(signing_input.as_bytes(), &sig)
            .ok()?;
        match serde_json::from_slice(&b64url_nopad_decode(p)?).ok()? {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    /// The one JWK of the key set.
    fn jwk(&self) -> Value {
        json!({
            "kid": self.kid,
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "e": self.e,
            "n": self.n,
        })
    }

    /// The body of `GET /cdn-cgi/access/certs`.
    pub(crate) fn jwks_json(&self) -> String {
        let cert = json!({"kid": self.kid, "cert": self.cert_pem});
        json!({
            "keys": [self.jwk()],
            "public_cert": cert,
            "public_certs": [cert],
        })
        .to_string()
    }

    /// The key set as a current client caches it in `~/.cloudflared/<team>-jwks`:
    /// `{"keys":[...]}` only (access-protocol.md 1.2 step 5).
    pub(crate) fn jwks_cache_json(&self) -> String {
        json!({ "keys": [self.jwk()] }).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_then_verify_and_canonical_header() {
        let keys = JwtKeys::generate().unwrap();
        let token = keys.sign(&json!({"b": 1, "a": "x"}));
        let claims = keys.verify(&token).expect("verifies");
        assert_eq!(claims["a"], "x");
        let header = b64url_nopad_decode(token.split('.').next().unwrap()).unwrap();
        assert_eq!(
            String::from_utf8(header).unwrap(),
            format!(r#"{{"alg":"RS256","kid":"{}","typ":"JWT"}}"#, keys.kid())
        );

        // Flip one payload character: the signature must no longer verify.
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64url_nopad(br#"{"a":"y","b":1}"#);
        assert!(keys.verify(&parts.join(".")).is_none());
        assert!(keys.verify("a.b").is_none());
    }

    #[test]
    fn cache_form_is_the_served_key_set_without_extras() {
        let keys = JwtKeys::generate().unwrap();
        let served: Value = serde_json::from_str(&keys.jwks_json()).unwrap();
        let cached: Value = serde_json::from_str(&keys.jwks_cache_json()).unwrap();
        assert_eq!(cached, json!({"keys": served["keys"]}));
        assert_eq!(cached["keys"][0]["kid"], keys.kid());
    }
}
