//! End-to-end tests of the test edge through real sockets: a rustls client that trusts only the
//! per-run `ca.pem`, a hand-written HTTP/1.1 exchange, tungstenite for the WebSocket carrier,
//! crypto_box for the transfer, jsonwebtoken for the JWKS, and OpenSSH's `ssh-keygen` for
//! certificates. No fixed ports; waits are on events (or on the edge's own timers), never sleeps.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use crypto_box::aead::Aead;
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use serde_json::Value;
use tungstenite::Message;
use tungstenite::client::IntoClientRequest;
use zssh_test_edge::{AppConfig, Discovery, Edge, EdgeConfig, Kind, Origin};

const APP: &str = "ssh.test.example";
const LEGACY: &str = "legacy.test.example";
const JUMP: &str = "jump.test.example";

// ---------------------------------------------------------------- helpers

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn client_config(edge: &Edge) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(&edge.ca_pem).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Arc::new(
        ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

/// A TLS connection to the edge with SNI `host`, verified against the per-run CA.
fn connect(edge: &Edge, host: &str) -> Tls {
    let tcp = TcpStream::connect(edge.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let name = ServerName::try_from(host.to_owned()).unwrap();
    let conn = ClientConnection::new(client_config(edge), name).unwrap();
    StreamOwned::new(conn, tcp)
}

#[derive(Debug)]
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn headers_named(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
    /// The value of a `Set-Cookie` named `name` (up to the first `;`), and the whole line.
    fn cookie(&self, name: &str) -> Option<(String, String)> {
        self.headers_named("set-cookie")
            .into_iter()
            .find_map(|line| {
                let (kv, _) = line.split_once(';').unwrap_or((line, ""));
                let (k, v) = kv.split_once('=')?;
                (k.trim() == name).then(|| (v.to_owned(), line.to_owned()))
            })
    }
}

/// One HTTP/1.1 client connection (keep-alive).
struct Http {
    s: Tls,
    host: String,
    buf: Vec<u8>,
}

impl Http {
    fn new(edge: &Edge, host: &str) -> Self {
        Http {
            s: connect(edge, host),
            host: host.to_owned(),
            buf: Vec::new(),
        }
    }

    fn send(&mut self, method: &str, target: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (k, v) in headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        if !body.is_empty() {
            req.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        req.push_str("\r\n");
        self.s.write_all(req.as_bytes()).unwrap();
        self.s.write_all(body).unwrap();
        self.s.flush().unwrap();
        self.read_response(method == "HEAD")
    }

    fn get(&mut self, target: &str, headers: &[(&str, &str)]) -> Resp {
        self.send("GET", target, headers, b"")
    }

    fn head(&mut self, target: &str, headers: &[(&str, &str)]) -> Resp {
        self.send("HEAD", target, headers, b"")
    }

    fn fill(&mut self) -> usize {
        let mut chunk = [0u8; 16384];
        let n = self.s.read(&mut chunk).unwrap();
        self.buf.extend_from_slice(&chunk[..n]);
        n
    }

    fn read_response(&mut self, head_only: bool) -> Resp {
        loop {
            let mut headers = vec![httparse::EMPTY_HEADER; 2048];
            let mut r = httparse::Response::new(&mut headers);
            if let httparse::Status::Complete(n) = r.parse(&self.buf).unwrap() {
                let status = r.code.unwrap();
                let headers: Vec<(String, String)> = r
                    .headers
                    .iter()
                    .map(|h| {
                        (
                            h.name.to_owned(),
                            String::from_utf8_lossy(h.value).into_owned(),
                        )
                    })
                    .collect();
                let len: usize = headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                    .map_or(0, |(_, v)| v.parse().unwrap());
                let len = if head_only || status == 101 { 0 } else { len };
                self.buf.drain(..n);
                while self.buf.len() < len {
                    assert!(self.fill() > 0, "EOF inside a body");
                }
                let body = self.buf.drain(..len).collect();
                return Resp {
                    status,
                    headers,
                    body,
                };
            }
            assert!(self.fill() > 0, "EOF before a response head");
        }
    }
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let q = url.split_once('?')?.1;
    form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn jwt_part(token: &str, i: usize) -> Value {
    let seg = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(seg).unwrap()).unwrap()
}

fn jwt_header_text(token: &str) -> String {
    String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A TCP echo server on 127.0.0.1:0; returns its address.
fn echo_origin() -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            std::thread::spawn(move || {
                let mut r = s.try_clone().unwrap();
                let _ = std::io::copy(&mut r, &mut s);
            });
        }
    });
    addr
}

/// A TCP server that sends `n` bytes (0, 1, 2, ... mod 251) and then keeps the connection open.
fn source_origin(n: usize) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            std::thread::spawn(move || {
                let data: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
                let _ = s.write_all(&data);
                let mut sink = [0u8; 1024];
                while matches!(s.read(&mut sink), Ok(k) if k > 0) {}
            });
        }
    });
    addr
}

struct Fixture {
    edge: Edge,
    _dir: tempfile::TempDir,
}

fn start(customise: impl FnOnce(&mut EdgeConfig)) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let echo = echo_origin();
    let mut cfg = EdgeConfig::new(dir.path())
        .app(AppConfig {
            service_tokens: vec![("svc-id.access".into(), "svc-secret".into())],
            ..AppConfig::new(APP, Origin::Tcp(echo))
        })
        .app(AppConfig {
            discovery: Discovery::Legacy,
            ..AppConfig::new(LEGACY, Origin::Tcp(echo))
        })
        .app(AppConfig::new(JUMP, Origin::Bastion));
    customise(&mut cfg);
    Fixture {
        edge: Edge::start(cfg).unwrap(),
        _dir: dir,
    }
}

/// Waits (spinning, bounded) until `cond` holds; the edge records a request as soon as its head
/// is parsed, so this is an event wait, not a timed one.
fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::yield_now();
    }
}

fn transfer_key() -> (SecretKey, String) {
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed).unwrap();
    let sk = SecretKey::from(seed);
    let pk = URL_SAFE.encode(sk.public_key().as_bytes());
    (sk, pk)
}

fn cli_url(edge: &Edge, host: &str, pubkey: &str) -> String {
    let aud = edge.aud(host);
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let redirect = format!("https://{host}?aud={aud}&token={}", enc(pubkey));
    format!(
        "/cdn-cgi/access/cli?aud={aud}&edge_token_transfer=true&redirect_url={}&send_org_token=true&token={}",
        enc(&redirect),
        enc(pubkey)
    )
}

fn open_box(resp: &Resp, sk: &SecretKey) -> Value {
    let store_pk: [u8; 32] = URL_SAFE
        .decode(
            resp.header("service-public-key")
                .expect("service-public-key"),
        )
        .unwrap()
        .try_into()
        .unwrap();
    let blob = STANDARD.decode(&resp.body).unwrap();
    let (nonce, ct) = blob.split_at(24);
    let plain = SalsaBox::new(&PublicKey::from(store_pk), sk)
        .decrypt(Nonce::from_slice(nonce), ct)
        .expect("box opens");
    serde_json::from_slice(&plain).unwrap()
}

// ---------------------------------------------------------------- discovery

#[test]
fn metadata_jwt_verifies_against_jwks_with_canonical_header() {
    let f = start(|_| {});
    let edge = &f.edge;
    let mut app = Http::new(edge, APP);
    let r = app.head("/", &[("Cf-Access-Metadata-Request", "true")]);
    assert_eq!(r.status, 302);
    let jws = r
        .header("Cf-Access-Metadata")
        .expect("metadata header")
        .to_owned();

    let mut team = Http::new(edge, edge.team());
    let jwks = team.get("/cdn-cgi/access/certs", &[]);
    assert_eq!(jwks.status, 200);
    assert!(
        jwks.json()["public_cert"]["cert"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN")
    );
    let set: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(&jwks.body).unwrap();

    let header = jsonwebtoken::decode_header(&jws).unwrap();
    let kid = header.kid.clone().expect("kid");
    assert_eq!(
        jwt_header_text(&jws),
        format!(r#"{{"alg":"RS256","kid":"{kid}","typ":"JWT"}}"#)
    );
    let jwk = set.find(&kid).expect("kid in JWKS");
    let key = jsonwebtoken::DecodingKey::from_jwk(jwk).unwrap();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Value>(&jws, &key, &validation)
        .unwrap()
        .claims;
    assert_eq!(claims["type"], "match");
    assert_eq!(claims["hostname"], APP);
    assert_eq!(claims["auth_domain"], edge.team());
    assert_eq!(claims["aud"], edge.aud(APP));
    assert_eq!(claims["app_hostname"], APP);
    assert!((claims["iat"].as_i64().unwrap() - now()).abs() < 60);

    // App tokens are signed the same way (canonical header, same key).
    let tok = edge.mint_app_token(APP, 60);
    assert_eq!(jwt_header_text(&tok), jwt_header_text(&jws));
    let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    v.set_audience(&[edge.aud(APP)]);
    let c = jsonwebtoken::decode::<Value>(&tok, &key, &v)
        .unwrap()
        .claims;
    assert_eq!(c["email"], "alice@example.com");
    assert_eq!(c["iss"], format!("https://{}", edge.team()));

    // Legacy apps and the no_metadata knob: no header at all, same 302.
    let mut legacy = Http::new(edge, LEGACY);
    let r = legacy.head("/", &[("Cf-Access-Metadata-Request", "true")]);
    assert_eq!(r.status, 302);
    assert!(r.header("Cf-Access-Metadata").is_none());
    edge.knobs.no_metadata.store(true, Ordering::SeqCst);
    let r = app.head("/", &[("Cf-Access-Metadata-Request", "true")]);
    assert_eq!(r.status, 302);
    assert!(r.header("Cf-Access-Metadata").is_none());

    assert_eq!(edge.count(|r| r.kind == Kind::Metadata), 3);
    assert_eq!(edge.count(|r| r.kind == Kind::Jwks && r.status == 200), 1);
}

#[test]
fn access_redirect_and_legacy_login_shape() {
    let f = start(|_| {});
    let edge = &f.edge;
    let mut app = Http::new(edge, APP);
    let r = app.get("/some/path?x=1", &[]);
    assert_eq!(r.status, 302);
    let loc = r.header("Location").unwrap().to_owned();
    let prefix = format!("https://{}/cdn-cgi/access/login/{APP}?kid=", edge.team());
    assert!(loc.starts_with(&prefix), "{loc}");
    assert_eq!(query_param(&loc, "kid").unwrap(), edge.aud(APP));
    assert_eq!(query_param(&loc, "redirect_url").unwrap(), "/some/path?x=1");
    assert!(!query_param(&loc, "meta").unwrap().is_empty());
    let (session, line) = r.cookie("CF_AppSession").expect("CF_AppSession");
    assert!(!session.is_empty());
    assert!(line.contains("path=/") && line.contains("HttpOnly") && line.contains("Secure"));
    assert!(r.header("Date").is_some());

    // Keep-alive: more requests on the same connection, with garbage credentials.
    let r = app.head("/", &[("Cf-Access-Token", "not.a.jwt")]);
    assert_eq!(r.status, 302);
    assert!(r.body.is_empty());
    let r = app.get(
        "/",
        &[
            ("Cf-Access-Client-Id", "svc-id.access"),
            ("Cf-Access-Client-Secret", "wrong"),
        ],
    );
    assert_eq!(
        r.status, 302,
        "an invalid service token gets the Access 302"
    );

    // Legacy discovery's second hop: the team login page with CF-Access-Domain.
    let mut team = Http::new(edge, edge.team());
    let path = loc.split_once(edge.team()).unwrap().1;
    let r = team.head(path, &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("CF-Access-Domain"), Some(APP));
    edge.knobs.no_access_domain.store(true, Ordering::SeqCst);
    let r = team.get(path, &[]);
    assert_eq!(r.status, 200);
    assert!(r.header("CF-Access-Domain").is_none());
    assert!(r.text().contains("<html>"));

    let kinds: Vec<Kind> = edge.requests().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [
            Kind::LegacyProbe,
            Kind::LegacyProbe,
            Kind::LegacyProbe,
            Kind::TeamLogin,
            Kind::TeamLogin
        ]
    );
    assert_eq!(edge.requests()[0].path, "/some/path?x=1");
    assert_eq!(edge.requests()[0].host, APP);
}

// ---------------------------------------------------------------- login and tokens

#[test]
fn cli_login_wakes_a_held_transfer_poll_with_a_sealed_box() {
    let f = start(|c| c.transfer_hold = Duration::from_secs(30));
    let edge = &f.edge;
    let (sk, pk) = transfer_key();

    let poll = {
        let mut store = Http::new(edge, "login.cloudflareaccess.org");
        let path = format!("/transfer/{pk}");
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let r = store.get(&path, &[]);
            (r, t0.elapsed())
        })
    };
    wait_until("the poll to reach the store", || {
        edge.count(|r| r.kind == Kind::TransferPoll) == 1
    });

    let mut app = Http::new(edge, APP);
    let r = app.get(&cli_url(edge, APP, &pk), &[]);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("close this window"));

    let (resp, waited) = poll.join().unwrap();
    assert_eq!(resp.status, 200);
    assert!(
        waited < Duration::from_secs(25),
        "the poll was not woken: {waited:?}"
    );
    let tokens = open_box(&resp, &sk);
    let app_token = tokens["app_token"].as_str().unwrap();
    let org_token = tokens["org_token"].as_str().unwrap();
    assert_eq!(jwt_part(app_token, 1)["aud"][0], edge.aud(APP));
    assert_eq!(jwt_part(org_token, 1)["type"], "org");

    // The fresh app token passes the edge's token check.
    let r = app.get(
        "/?cloudflared_token_check=true",
        &[("Cf-Access-Token", app_token)],
    );
    assert_eq!(r.status, 200);
    assert_eq!(
        edge.count(|r| r.kind == Kind::TokenCheck && r.status == 200),
        1
    );
}

#[test]
fn transfer_store_holds_delivers_once_and_fails_on_knob() {
    let f = start(|c| c.transfer_hold = Duration::from_millis(300));
    let edge = &f.edge;
    let (sk, pk) = transfer_key();
    let mut app = Http::new(edge, APP);
    let mut store = Http::new(edge, "login.cloudflareaccess.org");

    // Bad cli requests are refused with an HTML page and deposit nothing.
    let bad = cli_url(edge, APP, &pk).replace(&edge.aud(APP), "0000");
    assert_eq!(app.get(&bad, &[]).status, 400);
    let unpadded = cli_url(edge, APP, pk.trim_end_matches('='));
    assert_eq!(app.get(&unpadded, &[]).status, 400);

    // Nothing deposited: held for the hold time, then 404.
    let t0 = Instant::now();
    let r = store.get(&format!("/transfer/{pk}"), &[]);
    assert_eq!(r.status, 404);
    assert!(t0.elapsed() >= Duration::from_millis(290));

    // Deposit first, then poll (with %3D escaping and the FedRAMP host): delivered once.
    assert_eq!(app.get(&cli_url(edge, APP, &pk), &[]).status, 200);
    let mut fed = Http::new(edge, "login.fed.cloudflareaccess.org");
    let r = fed.get(&format!("/transfer/{}", pk.replace('=', "%3D")), &[]);
    assert_eq!(r.status, 200);
    assert!(open_box(&r, &sk)["app_token"].is_string());
    assert_eq!(store.get(&format!("/transfer/{pk}"), &[]).status, 404);

    edge.knobs.store_5xx.store(true, Ordering::SeqCst);
    let r = store.get(&format!("/transfer/{pk}"), &[]);
    assert_eq!(r.status, 503);
    assert_eq!(r.text(), "service unavailable");
}

#[test]
fn org_token_exchange_chain_and_token_validity() {
    let f = start(|_| {});
    let edge = &f.edge;
    let org = edge.mint_org_token(600);
    let mut app = Http::new(edge, APP);
    let mut team = Http::new(edge, edge.team());

    let r1 = app.head("/", &[]);
    assert_eq!(r1.status, 302);
    let (session, _) = r1.cookie("CF_AppSession").unwrap();
    let login = r1.header("Location").unwrap().to_owned();
    let login_path = login.split_once(edge.team()).unwrap().1;

    let r2 = team.head(
        login_path,
        &[("Cookie", &format!("CF_Authorization={org}"))],
    );
    assert_eq!(r2.status, 302);
    assert_eq!(r2.header("CF-Access-Domain"), Some(APP));
    let authorized = r2.header("Location").unwrap().to_owned();
    let prefix = format!("https://{APP}/cdn-cgi/access/authorized?");
    assert!(authorized.starts_with(&prefix), "{authorized}");
    let authorized_path = authorized.strip_prefix(&format!("https://{APP}")).unwrap();

    // Without the app session the grant is refused (and burnt).
    let r = app.head(authorized_path, &[]);
    assert_eq!(r.status, 302);
    assert!(r.cookie("CF_Authorization").is_none());

    // Again, properly.
    let r2 = team.head(
        login_path,
        &[("Cookie", &format!("CF_Authorization={org}"))],
    );
    let authorized = r2.header("Location").unwrap().to_owned();
    let authorized_path = authorized.strip_prefix(&format!("https://{APP}")).unwrap();
    let r3 = app.head(
        authorized_path,
        &[("Cookie", &format!("CF_AppSession={session}"))],
    );
    assert_eq!(r3.status, 302);
    assert_eq!(r3.header("Location"), Some("/"));
    let (token, line) = r3.cookie("CF_Authorization").expect("app token cookie");
    let expires = line
        .split(';')
        .find_map(|a| a.trim().strip_prefix("Expires="))
        .expect("Expires attribute");
    let expires = httpdate::parse_http_date(expires).unwrap();
    assert!(expires > std::time::SystemTime::now());
    assert_eq!(jwt_part(&token, 1)["aud"][0], edge.aud(APP));

    // Valid as header and as cookie; a token for another app is not.
    let check = "/?cloudflared_token_check=true";
    assert_eq!(app.get(check, &[("Cf-Access-Token", &token)]).status, 200);
    assert_eq!(
        app.get("/", &[("Cookie", &format!("CF_Authorization={token}"))])
            .status,
        200
    );
    let other = edge.mint_app_token(LEGACY, 600);
    assert_eq!(app.get(check, &[("Cf-Access-Token", &other)]).status, 302);
    let expired = edge.mint_app_token(APP, -5);
    assert_eq!(app.get(check, &[("Cf-Access-Token", &expired)]).status, 302);

    // An org token is not an app credential, and an app token does not open the team login.
    assert_eq!(app.get(check, &[("Cf-Access-Token", &org)]).status, 302);
    let r = team.get(
        login_path,
        &[("Cookie", &format!("CF_Authorization={token}"))],
    );
    assert_eq!(r.status, 200);

    edge.knobs.reject_tokens.store(true, Ordering::SeqCst);
    assert_eq!(app.get(check, &[("Cf-Access-Token", &token)]).status, 302);
    edge.knobs.reject_tokens.store(false, Ordering::SeqCst);
    edge.revoke(&token);
    let r = app.get(check, &[("Cf-Access-Token", &token)]);
    assert_eq!(r.status, 302);
    assert!(
        r.header("Location")
            .unwrap()
            .contains("/cdn-cgi/access/login/")
    );
    assert_eq!(edge.count(|r| r.kind == Kind::Authorized), 2);
}

// ---------------------------------------------------------------- cert_sign

fn ssh_keygen(dir: &std::path::Path, kind: &str) -> String {
    let path = dir.join(format!("id_{kind}"));
    if let Ok(existing) = std::fs::read_to_string(path.with_extension("pub")) {
        return existing;
    }
    let st = Command::new("ssh-keygen")
        .stdin(Stdio::null())
        .args(["-q", "-t", kind, "-N", "", "-C", "", "-f"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read_to_string(path.with_extension("pub")).unwrap()
}

fn cert_sign(edge: &Edge, public_key: &str, jwt: &str) -> Resp {
    let body = serde_json::json!({
        "public_key": public_key,
        "jwt": jwt,
        "issuer": format!("https://{}", edge.team()),
    })
    .to_string();
    Http::new(edge, edge.team()).send(
        "POST",
        "/cdn-cgi/access/cert_sign",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

fn inspect_cert(dir: &std::path::Path, cert: &str) -> String {
    let path = dir.join("cert.pub");
    std::fs::write(&path, format!("{cert}\n")).unwrap();
    let out = Command::new("ssh-keygen")
        .arg("-L")
        .arg("-f")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn cert_sign_issues_certificates_ssh_keygen_reads() {
    let f = start(|_| {});
    let edge = &f.edge;
    let tmp = tempfile::tempdir().unwrap();
    let token = edge.mint_app_token(APP, 600);

    let ca_line = std::fs::read_to_string(&edge.ssh_ca_pub).unwrap();
    assert!(ca_line.starts_with("ssh-ed25519 "));
    let ca_fp = Command::new("ssh-keygen")
        .arg("-l")
        .arg("-f")
        .arg(&edge.ssh_ca_pub)
        .output()
        .unwrap();
    let ca_fp = String::from_utf8(ca_fp.stdout).unwrap();
    let ca_fp = ca_fp.split_whitespace().nth(1).unwrap().to_owned();

    for kind in ["ecdsa", "ed25519"] {
        let pubkey = ssh_keygen(tmp.path(), kind);
        let r = cert_sign(edge, &pubkey, &token);
        assert_eq!(r.status, 200, "{}", r.text());
        let j = r.json();
        assert!(!j["id"].as_str().unwrap().is_empty());
        assert!(j["expires_at"].as_str().unwrap().ends_with('Z'));
        let cert = j["certificate"].as_str().unwrap();
        let text = inspect_cert(tmp.path(), cert);
        assert!(text.contains("user certificate"), "{text}");
        assert!(text.contains(&ca_fp), "{text}");
        assert!(text.contains("Key ID: \"alice@example.com\""), "{text}");
        let principals = text.split("Principals:").nth(1).unwrap();
        assert_eq!(principals.lines().nth(1).unwrap().trim(), "alice", "{text}");
        for ext in [
            "permit-X11-forwarding",
            "permit-agent-forwarding",
            "permit-port-forwarding",
            "permit-pty",
            "permit-user-rc",
        ] {
            assert!(text.contains(ext), "{ext} missing: {text}");
        }
    }
    let pubkey = ssh_keygen(tmp.path(), "ecdsa");

    // Errors.
    let r = cert_sign(edge, &pubkey, "garbage");
    assert_eq!(r.status, 401);
    assert_eq!(
        r.json(),
        serde_json::json!({"status": 401, "message": "invalid token"})
    );
    let r = cert_sign(edge, &pubkey, &edge.mint_app_token(APP, -1));
    assert_eq!(r.status, 401);
    let r = cert_sign(edge, "ssh-ed25519 AAAAnope", &token);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["status"], 400);
    let r = Http::new(edge, edge.team()).send("POST", "/cdn-cgi/access/cert_sign", &[], b"{");
    assert_eq!(r.status, 400);
    edge.knobs.sign_fail.store(true, Ordering::SeqCst);
    let r = cert_sign(edge, &pubkey, &token);
    assert_eq!(r.status, 500);
    assert_eq!(r.json()["message"], "failed to sign certificate");
    edge.knobs.sign_non_json.store(true, Ordering::SeqCst);
    let r = cert_sign(edge, &pubkey, &token);
    assert_eq!(r.status, 502);
    assert_eq!(r.text(), "upstream connect error");
    assert_eq!(edge.count(|r| r.kind == Kind::CertSign), 8);
}

// ---------------------------------------------------------------- WebSocket carrier

type Ws = tungstenite::WebSocket<Tls>;

fn ws_dial(
    edge: &Edge,
    host: &str,
    headers: &[(&str, &str)],
) -> Result<(Ws, tungstenite::handshake::client::Response), tungstenite::Error> {
    let mut req = format!("wss://{host}/").into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    tungstenite::client::client(req, connect(edge, host)).map_err(|e| match e {
        tungstenite::HandshakeError::Failure(e) => e,
        tungstenite::HandshakeError::Interrupted(_) => panic!("blocking socket interrupted"),
    })
}

fn http_status(err: tungstenite::Error) -> (u16, Vec<u8>) {
    match err {
        tungstenite::Error::Http(resp) => (
            resp.status().as_u16(),
            resp.body().clone().unwrap_or_default(),
        ),
        other => panic!("expected an HTTP refusal, got {other:?}"),
    }
}

/// Reads data messages until `n` payload bytes arrived (answering pings on the way).
fn ws_read_exact(ws: &mut Ws, n: usize) -> Vec<u8> {
    let mut got = Vec::with_capacity(n);
    while got.len() < n {
        match ws.read().unwrap() {
            Message::Binary(b) => got.extend_from_slice(&b),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    got
}

#[test]
fn websocket_bridge_echoes_through_a_tcp_origin() {
    let f = start(|_| {});
    let edge = &f.edge;
    let token = edge.mint_app_token(APP, 600);
    let (mut ws, resp) = ws_dial(edge, APP, &[("Cf-Access-Token", &token)]).unwrap();
    assert_eq!(resp.status().as_u16(), 101);

    let data: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 256) as u8).collect();
    for chunk in data.chunks(16 * 1024) {
        ws.send(Message::binary(chunk.to_vec())).unwrap();
    }
    assert_eq!(ws_read_exact(&mut ws, data.len()), data);

    ws.send(Message::Ping(b"hi".to_vec().into())).unwrap();
    match ws.read().unwrap() {
        Message::Pong(p) => assert_eq!(&p[..], b"hi"),
        other => panic!("unexpected {other:?}"),
    }
    // A text frame is a protocol violation for this server: the stream is cut, no close frame.
    ws.send(Message::text("nope")).unwrap();
    match ws.read() {
        Err(tungstenite::Error::Protocol(
            tungstenite::error::ProtocolError::ResetWithoutClosingHandshake,
        ))
        | Err(tungstenite::Error::Io(_)) => {}
        other => panic!("expected a bare drop, got {other:?}"),
    }
    assert_eq!(
        edge.count(|r| r.kind == Kind::Upgrade && r.status == 101),
        1
    );
}

#[test]
fn websocket_refusals_service_tokens_and_bastion() {
    let f = start(|_| {});
    let edge = &f.edge;

    // No credential: the Access 302 (what clients detect as "Access protected").
    let (status, _) = http_status(ws_dial(edge, APP, &[]).unwrap_err());
    assert_eq!(status, 302);
    let rec = edge.requests().pop().unwrap();
    assert_eq!((rec.kind, rec.status), (Kind::Upgrade, 302));
    assert_eq!(rec.header("Sec-WebSocket-Version"), Some("13"));

    // A valid service token: 101 directly, with a service JWT cookie that is itself a credential.
    let svc = [
        ("Cf-Access-Client-Id", "svc-id.access"),
        ("Cf-Access-Client-Secret", "svc-secret"),
    ];
    let (mut ws, resp) = ws_dial(edge, APP, &svc).unwrap();
    let cookie = resp.headers()["set-cookie"].to_str().unwrap().to_owned();
    let jwt = cookie
        .strip_prefix("CF_Authorization=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let claims = jwt_part(&jwt, 1);
    assert_eq!(claims["common_name"], "svc-id.access");
    assert_eq!(claims["type"], "app");
    ws.send(Message::binary(b"ping?".to_vec())).unwrap();
    assert_eq!(ws_read_exact(&mut ws, 5), b"ping?");
    drop(ws);
    let mut app = Http::new(edge, APP);
    assert_eq!(
        app.get(
            "/?cloudflared_token_check=true",
            &[("Cf-Access-Token", &jwt)]
        )
        .status,
        200
    );
    let tmp = tempfile::tempdir().unwrap();
    let r = cert_sign(edge, &ssh_keygen(tmp.path(), "ecdsa"), &jwt);
    assert_eq!(r.status, 200, "{}", r.text());
    let text = inspect_cert(tmp.path(), r.json()["certificate"].as_str().unwrap());
    assert!(text.contains("svc-id.access"), "{text}");

    // Forced statuses.
    for forced in [401u16, 403, 307, 502] {
        edge.knobs.upgrade_status.store(forced, Ordering::SeqCst);
        let token = edge.mint_app_token(APP, 600);
        let (status, _) =
            http_status(ws_dial(edge, APP, &[("Cf-Access-Token", &token)]).unwrap_err());
        assert_eq!(status, forced);
    }
    edge.knobs.upgrade_status.store(0, Ordering::SeqCst);

    // Bastion: the destination header decides; without it, 502 with cloudflared's text.
    let token = edge.mint_app_token(JUMP, 600);
    let (status, body) =
        http_status(ws_dial(edge, JUMP, &[("Cf-Access-Token", &token)]).unwrap_err());
    assert_eq!(status, 502);
    assert!(
        String::from_utf8_lossy(&body).contains("Did not receive final destination from client")
    );
    let dest = format!("tcp://{}/ignored", echo_origin());
    let (mut ws, _) = ws_dial(
        edge,
        JUMP,
        &[
            ("Cf-Access-Token", &token),
            ("Cf-Access-Jump-Destination", &dest),
        ],
    )
    .unwrap();
    ws.send(Message::binary(b"via bastion".to_vec())).unwrap();
    assert_eq!(ws_read_exact(&mut ws, 11), b"via bastion");
    drop(ws);

    // An origin that refuses: 502.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (status, _) = http_status(
        ws_dial(
            edge,
            JUMP,
            &[
                ("Cf-Access-Token", &token),
                ("Cf-Access-Jump-Destination", &closed.to_string()),
            ],
        )
        .unwrap_err(),
    );
    assert_eq!(status, 502);
}

#[test]
fn websocket_cuts_pings_and_idle_drop() {
    let dir = tempfile::tempdir().unwrap();
    let source = source_origin(100_000);
    let echo = echo_origin();
    let cfg = EdgeConfig {
        ping_interval: None,
        ..EdgeConfig::new(dir.path())
    }
    .app(AppConfig::new("source.test.example", Origin::Tcp(source)))
    .app(AppConfig::new(APP, Origin::Tcp(echo)));
    let edge = Edge::start(cfg).unwrap();

    // drop_after_bytes: exactly that many payload bytes, then a bare cut.
    edge.knobs.drop_after_bytes.store(1000, Ordering::SeqCst);
    let token = edge.mint_app_token("source.test.example", 600);
    let (mut ws, _) =
        ws_dial(&edge, "source.test.example", &[("Cf-Access-Token", &token)]).unwrap();
    let mut got = Vec::new();
    let end = loop {
        match ws.read() {
            Ok(Message::Binary(b)) => got.extend_from_slice(&b),
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(got.len(), 1000);
    assert!(
        matches!(
            end,
            tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            ) | tungstenite::Error::Io(_)
        ),
        "{end:?}"
    );
    edge.knobs.drop_after_bytes.store(0, Ordering::SeqCst);

    // Server pings at the knob's period; tungstenite answers them.
    edge.knobs.ping_interval_ms.store(50, Ordering::SeqCst);
    let token = edge.mint_app_token(APP, 600);
    let (mut ws, _) = ws_dial(&edge, APP, &[("Cf-Access-Token", &token)]).unwrap();
    match ws.read().unwrap() {
        Message::Ping(_) => {}
        other => panic!("expected a ping, got {other:?}"),
    }
    ws.flush().unwrap(); // sends the queued pong
    drop(ws);
    edge.knobs.ping_interval_ms.store(0, Ordering::SeqCst);

    // Idle drop: no traffic at all -> cut after the idle time, with no close frame.
    edge.knobs.idle_drop_ms.store(200, Ordering::SeqCst);
    let (mut ws, _) = ws_dial(&edge, APP, &[("Cf-Access-Token", &token)]).unwrap();
    let t0 = Instant::now();
    let err = ws.read().unwrap_err();
    assert!(
        t0.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        matches!(
            err,
            tungstenite::Error::Protocol(
                tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
            ) | tungstenite::Error::Io(_)
        ),
        "{err:?}"
    );
}

// ---------------------------------------------------------------- app-host fault knobs

#[test]
fn app_host_fault_knobs() {
    let f = start(|_| {});
    let edge = &f.edge;

    edge.knobs.html.store(true, Ordering::SeqCst);
    let r = Http::new(edge, APP).head("/", &[("Cf-Access-Metadata-Request", "true")]);
    assert_eq!(r.status, 200);
    assert!(r.header("Content-Type").unwrap().starts_with("text/html"));
    assert!(r.header("Cf-Access-Metadata").is_none());
    edge.knobs.html.store(false, Ordering::SeqCst);

    edge.knobs.huge_headers.store(true, Ordering::SeqCst);
    let mut c = Http::new(edge, APP);
    let r = c.get("/", &[]);
    assert_eq!(r.status, 200);
    let size: usize = r.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum();
    assert!(size > 1_000_000, "{size}");
    edge.knobs.huge_headers.store(false, Ordering::SeqCst);

    edge.knobs.garbage.store(true, Ordering::SeqCst);
    let mut s = connect(edge, APP);
    s.write_all(format!("GET / HTTP/1.1\r\nHost: {APP}\r\n\r\n").as_bytes())
        .unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    assert!(!got.is_empty());
    assert!(!got.starts_with(b"HTTP/"));
    edge.knobs.garbage.store(false, Ordering::SeqCst);

    edge.knobs.stall.store(true, Ordering::SeqCst);
    let mut s = connect(edge, APP);
    s.sock
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    s.write_all(format!("GET / HTTP/1.1\r\nHost: {APP}\r\n\r\n").as_bytes())
        .unwrap();
    let mut buf = [0u8; 64];
    let err = s.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));
    assert_eq!(edge.requests().last().unwrap().status, 0);

    // Team and store hosts are not affected by app-host knobs.
    let r = Http::new(edge, edge.team()).get("/cdn-cgi/access/certs", &[]);
    assert_eq!(r.status, 200);
    // Unknown hosts get a 404.
    let r = Http::new(edge, "localhost").get("/", &[]);
    assert_eq!(r.status, 404);
}

// ---------------------------------------------------------------- lifecycle and binary

#[test]
fn drop_stops_the_listener() {
    let f = start(|_| {});
    let addr = f.edge.addr;
    assert!(f.edge.hosts().contains(&APP.to_owned()));
    assert!(
        f.edge
            .hosts()
            .contains(&"login.cloudflareaccess.org".to_owned())
    );
    drop(f);
    assert!(TcpStream::connect(addr).is_err());
}

#[test]
fn binary_prints_one_json_line_and_exits_on_stdin_eof() {
    let dir = tempfile::tempdir().unwrap();
    let echo = echo_origin();
    let mut child = Command::new(env!("CARGO_BIN_EXE_zssh-test-edge"))
        .arg("serve")
        .arg("--dir")
        .arg(dir.path())
        .args(["--app", &format!("{APP}={echo},token=id1:secret1")])
        .args(["--app", "b.test.example=bastion,legacy,aud=abc123"])
        .args(["--ping-secs", "5", "--idle-drop-secs", "0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let info: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(info["team"], "zssh-test.cloudflareaccess.com");
    assert_eq!(info["apps"][0]["host"], APP);
    assert_eq!(info["apps"][0]["aud"].as_str().unwrap().len(), 64);
    assert_eq!(info["apps"][1]["aud"], "abc123");
    let addr: SocketAddr = info["addr"].as_str().unwrap().parse().unwrap();
    assert!(std::path::Path::new(info["ca_pem"].as_str().unwrap()).exists());
    assert!(std::path::Path::new(info["ssh_ca_pub"].as_str().unwrap()).exists());

    // Talk to it with the CA it wrote.
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(info["ca_pem"].as_str().unwrap()).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let cfg = ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let conn = ClientConnection::new(
        Arc::new(cfg),
        ServerName::try_from("zssh-test.cloudflareaccess.com").unwrap(),
    )
    .unwrap();
    let mut s = StreamOwned::new(conn, TcpStream::connect(addr).unwrap());
    s.write_all(b"GET /cdn-cgi/access/certs HTTP/1.1\r\nHost: zssh-test.cloudflareaccess.com\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    assert!(
        resp.starts_with(b"HTTP/1.1 200 OK\r\n"),
        "{}",
        String::from_utf8_lossy(&resp)
    );

    drop(child.stdin.take());
    let status = child.wait().unwrap();
    assert!(status.success());
}
