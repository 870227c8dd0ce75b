//! The browser login's token transfer (spec 3.1): a fresh X25519 key, the exact login URL the
//! browser opens on the app host, long polls of the transfer store, and opening the NaCl box
//! (X25519 + XSalsa20-Poly1305) that carries `{"app_token","org_token"}`.
//! Nothing here prints or opens a browser; the login command does.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use crypto_box::aead::{Aead, OsRng};
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use serde::Deserialize;

use super::app_url::AppUrl;
use super::user_agent;
use crate::edge::pool::{Client, ClientError, Target};
use crate::error::UserError;
use crate::exit::Exit;
use crate::secret::Secret;

/// Each poll may take this long (the store holds the request up to just under it).
pub const POLL_TIMEOUT: Duration = Duration::from_secs(60);
/// At most this many polls, then the login is given up.
pub const MAX_POLLS: usize = 10;

/// The transfer store's host: hard-coded in cloudflared, port 443.
pub fn store_host(fedramp: bool) -> &'static str {
    if fedramp {
        "login.fed.cloudflareaccess.org"
    } else {
        "login.cloudflareaccess.org"
    }
}

/// The client half of one transfer.
pub struct Transfer {
    secret: SecretKey,
    /// Padded URL-safe base64 of the public key (44 characters): the transfer's name.
    pub public: String,
}

impl Transfer {
    pub fn new() -> Transfer {
        let secret = SecretKey::generate(&mut OsRng);
        let public = URL_SAFE.encode(secret.public_key().as_bytes());
        Transfer { secret, public }
    }
}

impl std::fmt::Debug for Transfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Transfer([redacted])")
    }
}

/// Go's `url.QueryEscape`: unreserved `A-Z a-z 0-9 - _ . ~` kept, space as `+`, the rest %XX.
fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3 / 2);
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Go's `url.Values.Encode`: keys sorted (stable for repeated keys), `k=v` joined by `&`.
fn encode_sorted(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn parse_query(q: Option<&str>) -> Vec<(String, String)> {
    q.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// The URL the browser opens (spec 3.1 steps 1–2).
pub fn login_url(app: &AppUrl, aud: &str, public: &str, auto_close: bool) -> String {
    let (path, query) = app.path_and_query();
    let existing = parse_query(query);
    let mut r_pairs = existing.clone();
    r_pairs.push(("token".into(), public.into()));
    r_pairs.push(("aud".into(), aud.into()));
    let redirect = format!(
        "https://{}{}?{}",
        app.authority(),
        path,
        encode_sorted(r_pairs)
    );
    let mut pairs = existing;
    pairs.push(("aud".into(), aud.into()));
    if auto_close {
        pairs.push(("close_interstitial".into(), "true".into()));
    }
    pairs.push(("edge_token_transfer".into(), "true".into()));
    pairs.push(("redirect_url".into(), redirect));
    pairs.push(("send_org_token".into(), "true".into()));
    pairs.push(("token".into(), public.into()));
    format!(
        "https://{}/cdn-cgi/access/cli?{}",
        app.authority(),
        encode_sorted(pairs)
    )
}

/// The two tokens a finished login delivers.
pub struct Tokens {
    pub app: Secret,
    pub org: Secret,
}

#[derive(Deserialize)]
struct Sealed {
    app_token: String,
    org_token: String,
}

fn failed(message: String, hint: &str) -> UserError {
    UserError::new(
        Exit::Protocol,
        format!("cannot read the login service's answer: {message}"),
        hint,
    )
}

/// Open the store's answer: standard base64 of nonce(24) ‖ box, sealed with `server_key`.
pub fn open(transfer: &Transfer, body: &[u8], server_key: &str) -> Result<Tokens, UserError> {
    let hint = "the login service's answer could not be read; run the login again";
    let text = std::str::from_utf8(body).unwrap_or("").trim();
    let raw = STANDARD
        .decode(text)
        .map_err(|e| failed(format!("illegal base64 data: {e}"), hint))?;
    if raw.len() < 24 {
        return Err(failed(
            "message is too short to contain a nonce".into(),
            hint,
        ));
    }
    let key_bytes: [u8; 32] = URL_SAFE
        .decode(server_key.trim())
        .ok()
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| failed("the service-public-key header is not a key".into(), hint))?;
    let (nonce, sealed) = raw.split_at(24);
    let cipher = SalsaBox::new(&PublicKey::from(key_bytes), &transfer.secret);
    let plain = cipher
        .decrypt(nonce.into(), sealed)
        .map_err(|_| failed("it does not open with this login's key".into(), hint))?;
    let tokens: Sealed = serde_json::from_slice(&plain)
        .map_err(|e| failed(format!("it is not the JSON expected: {e}"), hint))?;
    Ok(Tokens {
        app: Secret::new(tokens.app_token),
        org: Secret::new(tokens.org_token),
    })
}

/// Long-poll the store until the box arrives: at most [`MAX_POLLS`] requests of
/// [`POLL_TIMEOUT`] each; a 5xx aborts at once; a 404 or empty 200 polls again at once.
pub async fn poll(
    client: &mut Client,
    transfer: &Transfer,
    fedramp: bool,
) -> Result<Tokens, UserError> {
    let host = store_host(fedramp);
    let url = format!("https://{host}/transfer/{}", transfer.public);
    let target = Target::parse(&url).expect("fixed URL");
    let headers = vec![("User-Agent".to_string(), user_agent())];
    for _ in 0..MAX_POLLS {
        let resp = client
            .request("GET", &target, &headers, None, POLL_TIMEOUT)
            .await
            .map_err(|e| poll_error(host, &e))?;
        if resp.status >= 500 {
            return Err(UserError::new(
                Exit::Refused,
                format!(
                    "the login service {host} failed: HTTP {}: {}",
                    resp.status,
                    resp.body_hint()
                ),
                format!("the login service {host} is failing; try again in a minute"),
            ));
        }
        if resp.status == 200 && !resp.body.is_empty() {
            let key = resp.header("service-public-key").unwrap_or("");
            return open(transfer, &resp.body, key);
        }
        crate::debug!("waiting for login ({} from {host})", resp.status);
    }
    Err(UserError::new(
        Exit::Auth,
        "the login was not finished in the browser in time".to_string(),
        "run the login again and finish it in the browser (the URL stays valid for about 10 minutes)",
    ))
}

fn poll_error(host: &str, e: &ClientError) -> UserError {
    UserError::new(
        Exit::Unreachable,
        format!("cannot reach the login service https://{host}: {e}"),
        format!("check that {host} is reachable (HTTPS_PROXY, firewall)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_url_matches_cloudflared_byte_for_byte() {
        // The observed example of spec 3.1, with the key and AUD shortened as there.
        let app = AppUrl::parse("app.test.example").unwrap();
        let url = login_url(&app, "bbbb", "6Q9pQA=", false);
        assert_eq!(
            url,
            "https://app.test.example/cdn-cgi/access/cli?aud=bbbb&edge_token_transfer=true&redirect_url=https%3A%2F%2Fapp.test.example%3Faud%3Dbbbb%26token%3D6Q9pQA%253D&send_org_token=true&token=6Q9pQA%3D"
        );
        let with_path = AppUrl::parse("https://app.test.example/x?z=1").unwrap();
        let url = login_url(&with_path, "a", "k=", true);
        assert!(url.contains("close_interstitial=true"));
        assert!(
            url.contains(
                "redirect_url=https%3A%2F%2Fapp.test.example%2Fx%3Faud%3Da%26token%3Dk%253D%26z%3D1"
            ),
            "{url}"
        );
        assert!(url.ends_with("&token=k%3D&z=1"), "{url}");
    }

    #[test]
    fn go_query_escape() {
        assert_eq!(query_escape("a b~c*d/e="), "a+b~c%2Ad%2Fe%3D");
    }

    #[test]
    fn opens_a_box_sealed_to_us() {
        let t = Transfer::new();
        assert_eq!(t.public.len(), 44);
        assert!(t.public.ends_with('='));
        let server = SecretKey::generate(&mut OsRng);
        let client_pub =
            PublicKey::from(<[u8; 32]>::try_from(URL_SAFE.decode(&t.public).unwrap()).unwrap());
        let nonce = [7u8; 24];
        let sealed = SalsaBox::new(&client_pub, &server)
            .encrypt(
                (&nonce).into(),
                br#"{"app_token":"A","org_token":"O"}"#.as_slice(),
            )
            .unwrap();
        let body = STANDARD.encode([nonce.as_slice(), &sealed].concat());
        let key = URL_SAFE.encode(server.public_key().as_bytes());
        let tokens = open(&t, body.as_bytes(), &key).unwrap();
        assert_eq!((tokens.app.expose(), tokens.org.expose()), ("A", "O"));
        let e = open(&t, b"!!!", &key).err().unwrap();
        assert!(e.message.contains("illegal base64"));
        let e = open(&t, STANDARD.encode([0u8; 10]).as_bytes(), &key)
            .err()
            .unwrap();
        assert!(e.message.contains("too short"));
        let wrong = URL_SAFE.encode(SecretKey::generate(&mut OsRng).public_key().as_bytes());
        let e = open(&t, body.as_bytes(), &wrong).err().unwrap();
        assert!(e.message.contains("does not open with this login's key"));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Any answer from the store, including well-sealed boxes of arbitrary plaintext (the
        /// JSON parser sees those): an error or tokens, never a panic.
        #[test]
        fn arbitrary_store_answers_never_panic(
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            key in ".{0,60}",
            plain in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
            json in "[{}\\[\\]\",:a-z_0-9 ]{0,60}",
        ) {
            let t = Transfer::new();
            let _ = open(&t, &body, &key);
            let server = SecretKey::generate(&mut OsRng);
            let client_pub =
                PublicKey::from(<[u8; 32]>::try_from(URL_SAFE.decode(&t.public).unwrap()).unwrap());
            let server_key = URL_SAFE.encode(server.public_key().as_bytes());
            let _ = open(&t, STANDARD.encode(&body).as_bytes(), &server_key);
            for p in [plain.as_slice(), json.as_bytes()] {
                let nonce = [3u8; 24];
                let sealed = SalsaBox::new(&client_pub, &server)
                    .encrypt((&nonce).into(), p)
                    .unwrap();
                let b = STANDARD.encode([nonce.as_slice(), &sealed].concat());
                let _ = open(&t, b.as_bytes(), &server_key);
            }
        }
    }
}
