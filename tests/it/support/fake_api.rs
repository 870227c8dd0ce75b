//! An emulated Cloudflare API served over TLS on 127.0.0.1, for `zssh server fetch-ca` and
//! `log-key`: reached through `ZSSH_CONNECT_TO` and trusted through `SSL_CERT_FILE`.
//! The TLS certificates come from the `openssl` command; the server is rustls.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::{run, text};

/// A second name the API's certificate is valid for (to test a changed base URL).
pub const OTHER_HOST: &str = "cf-api.test.example";

/// One request the emulated API received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub authorization: Option<String>,
    pub body: Vec<u8>,
}

/// `(method, path, request body) -> (status, body)`.
type Handler = dyn Fn(&str, &str, &[u8]) -> (u16, String) + Send + Sync;

/// The emulated API: a TLS listener on loopback answering with `handler`, one request per
/// connection (`Connection: close`).
///
/// Dropping one that never received a request fails the test (a test that forgot to route
/// through it proves nothing), unless `allow_unused` says that is the point.
pub struct FakeApi {
    pub addr: SocketAddr,
    pub ca_pem: PathBuf,
    seen: Arc<Mutex<Vec<Seen>>>,
    allow_unused: bool,
}

impl FakeApi {
    pub fn start(
        dir: &Path,
        handler: impl Fn(&str, &str) -> (u16, String) + Send + Sync + 'static,
    ) -> FakeApi {
        Self::start_with_body(dir, move |method, path, _| handler(method, path))
    }

    /// [`FakeApi::start`] with a handler that also sees the request body.
    pub fn start_with_body(
        dir: &Path,
        handler: impl Fn(&str, &str, &[u8]) -> (u16, String) + Send + Sync + 'static,
    ) -> FakeApi {
        let ca_pem = dir.join("api-ca.pem");
        let config = tls_config(dir, &ca_pem);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming() {
                let Ok(tcp) = tcp else { continue };
                let (config, handler, seen) = (config.clone(), handler.clone(), seen2.clone());
                std::thread::spawn(move || {
                    let _ = serve(tcp, config, &*handler, &seen);
                });
            }
        });
        FakeApi {
            addr,
            ca_pem,
            seen,
            allow_unused: false,
        }
    }

    /// For a test that checks nothing reaches the API: no failure on drop for zero requests.
    pub fn allow_unused(mut self) -> FakeApi {
        self.allow_unused = true;
        self
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn methods(&self) -> Vec<String> {
        self.seen().into_iter().map(|s| s.method).collect()
    }
}

impl Drop for FakeApi {
    fn drop(&mut self) {
        if !self.allow_unused && !std::thread::panicking() && self.seen.lock().unwrap().is_empty() {
            panic!("the fake API was never called: route the command to it, or allow_unused()");
        }
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
    handler: &Handler,
    seen: &Mutex<Vec<Seen>>,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
    let conn = ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = StreamOwned::new(conn, tcp);
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tls.read(&mut chunk)?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let path = first.next().unwrap_or("").to_string();
    let mut authorization = None;
    let mut length = 0usize;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim().to_string();
            if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value);
            } else if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().unwrap_or(0);
            }
        }
    }
    while buf.len() < head_end + length {
        let n = tls.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let request_body = buf[head_end..].to_vec();
    seen.lock().unwrap().push(Seen {
        method: method.clone(),
        path: path.clone(),
        authorization,
        body: request_body.clone(),
    });
    let (status, body) = handler(&method, &path, &request_body);
    let resp = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(resp.as_bytes())?;
    tls.flush()?;
    tls.conn.send_close_notify();
    tls.flush()?;
    Ok(())
}

fn openssl(args: &[&str]) {
    let out = run(Command::new("openssl").args(args));
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        text(&out.stderr)
    );
}

/// A throwaway CA (written to `ca_pem`) and a leaf for api.cloudflare.com and OTHER_HOST.
fn tls_config(dir: &Path, ca_pem: &Path) -> Arc<ServerConfig> {
    let p = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let ext = dir.join("leaf.ext");
    std::fs::write(
        &ext,
        format!(
            "subjectAltName=DNS:api.cloudflare.com,DNS:{OTHER_HOST}\nbasicConstraints=CA:FALSE\n\
             keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .unwrap();
    let ca_pem_s = ca_pem.to_string_lossy().into_owned();
    #[rustfmt::skip]
    openssl(&["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", &p("api-ca.key"), "-out", &ca_pem_s, "-days", "2",
        "-subj", "/CN=zssh fetch-ca test CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
    #[rustfmt::skip]
    openssl(&["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", &p("leaf.key"), "-out", &p("leaf.csr"),
        "-subj", "/CN=api.cloudflare.com"]);
    #[rustfmt::skip]
    openssl(&["x509", "-req", "-in", &p("leaf.csr"), "-CA", &ca_pem_s,
        "-CAkey", &p("api-ca.key"), "-CAcreateserial", "-out", &p("leaf.pem"), "-days", "2",
        "-extfile", &ext.to_string_lossy()]);
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(dir.join("leaf.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("leaf.key")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    Arc::new(config)
}
