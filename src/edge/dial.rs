//! Reaching the edge: TCP (directly or through an HTTP CONNECT proxy from `HTTPS_PROXY`), then TLS
//! verified against the system roots (`SSL_CERT_FILE`/`SSL_CERT_DIR` honoured). There is no way
//! to turn verification off.
//!
//! `ZSSH_CONNECT_TO` maps `HOST:PORT` to another address, like curl's `--connect-to`, so a test or
//! a debugging session can point real hostnames at a local edge. TLS still verifies the original
//! name, so the override cannot weaken security.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore, pki_types::ServerName};

/// A verified TLS connection to the edge.
pub type Stream = TlsStream<TcpStream>;

/// Why a connection could not be made; each maps to a distinct hint.
#[derive(Debug)]
pub enum NetError {
    Dns { host: String, source: io::Error },
    Tcp { addr: String, source: io::Error },
    Tls { host: String, detail: String },
    Proxy { proxy: String, detail: String },
    Timeout { host: String, after: Duration },
    NoRoots(String),
}

impl std::fmt::Display for NetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NetError::Dns { host, source } => write!(f, "cannot resolve {host}: {source}"),
            NetError::Tcp { addr, source } => write!(f, "cannot connect to {addr}: {source}"),
            NetError::Tls { host, detail } => write!(f, "TLS with {host} failed: {detail}"),
            NetError::Proxy { proxy, detail } => write!(f, "proxy {proxy} failed: {detail}"),
            NetError::Timeout { host, after } => {
                write!(f, "no answer from {host} within {}s", after.as_secs_f32())
            }
            NetError::NoRoots(detail) => write!(f, "no trusted root certificates: {detail}"),
        }
    }
}

/// The step of a connection: resolving the name, reaching it over TCP (through the proxy's
/// tunnel when there is one: the proxy resolves the name then), the TLS handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Dns = 0,
    Tcp = 1,
    Tls = 2,
}

impl Step {
    fn from_u8(v: u8) -> Step {
        match v {
            0 => Step::Dns,
            1 => Step::Tcp,
            _ => Step::Tls,
        }
    }
}

/// One `HOST:PORT` → `HOST2:PORT2` mapping.
#[derive(Debug, Clone, PartialEq)]
struct ConnectTo {
    host: String,
    port: Option<u16>,
    to_host: String,
    to_port: u16,
}

fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let end = rest.find(']')?;
        let host = &rest[..end];
        let tail = rest[end + 1..].strip_prefix(':')?;
        Some((host, tail))
    } else {
        s.split_once(':')
    }
}

fn parse_connect_to(spec: &str) -> Result<Vec<ConnectTo>, String> {
    let mut out = Vec::new();
    for entry in spec.split([',', ' ']).filter(|e| !e.is_empty()) {
        let bad = || format!("bad ZSSH_CONNECT_TO entry {entry:?}: expected HOST:PORT:HOST2:PORT2");
        let (host, rest) = split_host_port(entry).ok_or_else(bad)?;
        let (port, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (to_host, to_port) = split_host_port(rest).ok_or_else(bad)?;
        out.push(ConnectTo {
            host: host.to_ascii_lowercase(),
            port: if port.is_empty() {
                None
            } else {
                Some(port.parse().map_err(|_| bad())?)
            },
            to_host: to_host.to_string(),
            to_port: to_port.parse().map_err(|_| bad())?,
        });
    }
    Ok(out)
}

/// The HTTP proxy to tunnel through, if any.
#[derive(Clone)]
struct Proxy {
    host: String,
    port: u16,
    /// The variable it came from (`HTTPS_PROXY`, `all_proxy`, ...), named in every message.
    var: &'static str,
    /// `user:password` for Proxy-Authorization, percent-decoded byte for byte as URLs define it
    /// (a `%ff` is the byte 0xff, as Go sends it). Never shown.
    auth: Option<Vec<u8>>,
}

impl std::fmt::Debug for Proxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.shown())
    }
}

impl Proxy {
    /// `host:port (from VAR)`: what messages say about the proxy, without its credentials.
    fn shown(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        format!("{host}:{} (from {})", self.port, self.var)
    }
}

fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.is_empty()))
}

/// The first of these that `get` finds set and not empty, with its name.
fn env_named(
    get: &impl Fn(&str) -> Option<String>,
    names: &[&'static str],
) -> Option<(&'static str, String)> {
    names
        .iter()
        .find_map(|&n| get(n).filter(|v| !v.is_empty()).map(|v| (n, v)))
}

/// A proxy URL as it may be shown: scheme, host and port; credentials replaced by `***`.
fn redacted(url: &url::Url) -> String {
    let creds = if url.username().is_empty() && url.password().is_none() {
        ""
    } else {
        "***@"
    };
    let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
    format!(
        "{}://{creds}{}{port}",
        url.scheme(),
        url.host_str().unwrap_or("")
    )
}

fn decoded(part: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(part).collect()
}

fn proxy_from_env() -> Result<Option<Proxy>, String> {
    proxy_from(&|name| std::env::var(name).ok())
}

/// The proxy connections go through, as messages may show it (`host:port (from VAR)`, never its
/// credentials), or why the variable naming it is unusable.
/// Whether ZSSH_CONNECT_TO (when set) is usable: the error [`Net::from_env`] would give.
pub fn connect_to_in_env() -> Result<(), String> {
    match std::env::var("ZSSH_CONNECT_TO") {
        Ok(spec) => parse_connect_to(&spec).map(|_| ()),
        Err(_) => Ok(()),
    }
}

pub fn proxy_in_use() -> Result<Option<String>, String> {
    Ok(proxy_from_env()?.map(|p| p.shown()))
}

/// The proxy the variables `get` reads name: `HTTPS_PROXY` (or `https_proxy`), else `ALL_PROXY`
/// (or `all_proxy`), which is ignored when its scheme is not http.
fn proxy_from(get: &impl Fn(&str) -> Option<String>) -> Result<Option<Proxy>, String> {
    let found = env_named(get, &["HTTPS_PROXY", "https_proxy"])
        .map(|(var, raw)| (var, raw, true))
        .or_else(|| {
            env_named(get, &["ALL_PROXY", "all_proxy"]).map(|(var, raw)| (var, raw, false))
        });
    let Some((var, raw, explicit)) = found else {
        return Ok(None);
    };
    let with_scheme = if raw.contains("://") {
        raw.clone()
    } else {
        format!("http://{raw}")
    };
    let (scheme, rest) = with_scheme.split_once("://").unwrap_or(("http", ""));
    if !explicit && !scheme.eq_ignore_ascii_case("http") {
        // Desktop proxy settings export socks:// in ALL_PROXY for every program; zssh speaks
        // only HTTP CONNECT (cloudflared ignores it too), whatever the rest of the URL says.
        crate::debug!("ignoring {var}: its scheme {scheme}:// is not http:// (CONNECT)");
        return Ok(None);
    }
    // The URL parser's own message never quotes the input, so no password can leak through it.
    let url =
        url::Url::parse(&with_scheme).map_err(|e| format!("{var} is not a proxy URL: {e}"))?;
    // An `@` the parser did not take as the end of credentials: a `#`, `/` or `?` in the user or
    // password cut the URL short, and what it calls the host (and port) is really the user (and
    // part of the password), which must never be shown.
    if rest.contains('@') && url.username().is_empty() && url.password().is_none() {
        return Err(format!(
            "{var} holds credentials with a character that must be percent-encoded \
             (# as %23, / as %2F, ? as %3F, @ as %40)"
        ));
    }
    if url.scheme() != "http" {
        return Err(format!(
            "{var} is {}, but only http:// proxies (CONNECT) are supported",
            redacted(&url)
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| format!("{var} is {}, which names no host", redacted(&url)))?
        .trim_matches(['[', ']'])
        .to_string();
    let auth = (!url.username().is_empty() || url.password().is_some()).then(|| {
        let mut auth = decoded(url.username());
        auth.push(b':');
        auth.extend(decoded(url.password().unwrap_or("")));
        auth
    });
    Ok(Some(Proxy {
        host,
        port: url.port().unwrap_or(80),
        var,
        auth,
    }))
}

/// Whether `host:port` bypasses the proxy: loopback always, then `NO_PROXY` entries: `*`, a
/// domain (suffix match, leading `.` or `*.` allowed), an address, an address range in CIDR
/// form; any of them with `:port` only for that port.
fn bypasses_proxy(host: &str, port: u16, no_proxy: &str) -> bool {
    let host = host.trim_matches(['[', ']']).to_ascii_lowercase();
    let ip = host.parse::<std::net::IpAddr>().ok();
    if host == "localhost" || ip.is_some_and(|ip| ip.is_loopback()) {
        return true;
    }
    no_proxy
        .split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|e| {
            let (name, entry_port) = split_entry_port(&e);
            if entry_port.is_some_and(|p| p != port) {
                return false;
            }
            if name == "*" {
                return true;
            }
            if let (Some(ip), Ok(range), true) =
                (ip, crate::cidr::Cidr::parse(name), name.contains('/'))
            {
                return range.contains(ip);
            }
            if let (Some(ip), Ok(entry)) = (ip, name.parse::<std::net::IpAddr>()) {
                return ip == entry;
            }
            let bare = name.trim_start_matches('*').trim_start_matches('.');
            !bare.is_empty() && (host == bare || host.ends_with(&format!(".{bare}")))
        })
}

/// `name[:port]` of a `NO_PROXY` entry; `[v6]:port` and a bare IPv6 address (more than one colon)
/// are understood.
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        let (addr, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (addr, after.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match entry.rsplit_once(':') {
        Some((name, p)) if !name.contains(':') => match p.parse() {
            Ok(port) => (name, Some(port)),
            Err(_) => (entry, None),
        },
        _ => (entry, None),
    }
}

/// Connection settings read once from the environment.
#[derive(Clone)]
pub struct Net {
    connect_to: Vec<ConnectTo>,
    proxy: Option<Proxy>,
    no_proxy: String,
    pub timeout: Duration,
}

static TLS: OnceLock<Result<Arc<ClientConfig>, String>> = OnceLock::new();

/// The TLS client configuration: system roots (or `SSL_CERT_FILE`/`SSL_CERT_DIR`), HTTP/1.1.
pub fn tls_config() -> Result<Arc<ClientConfig>, NetError> {
    TLS.get_or_init(|| {
        let loaded = load_roots();
        let mut roots = RootCertStore::empty();
        let (added, _ignored) = roots.add_parsable_certificates(loaded.certs);
        if added == 0 {
            let why = loaded
                .errors
                .first()
                .map(|e| e.to_string())
                .unwrap_or_else(|| "the system certificate store is empty".into());
            return Err(why);
        }
        let provider = Arc::new(provider());
        let config = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Arc::new(config))
    })
    .clone()
    .map_err(NetError::NoRoots)
}

/// aws-lc's suites in the order cloudflared's Go TLS client offers them on CPUs with AES
/// instructions: AES-128-GCM, AES-256-GCM, then ChaCha20-Poly1305, TLS 1.3 before 1.2. AES-128
/// is the same security level for TLS with four fewer AES rounds per block on every relayed byte
/// (the edge follows the client's order); ChaCha20 last, as it is slower where AES is in hardware.
fn provider() -> rustls::crypto::CryptoProvider {
    use rustls::CipherSuite as S;
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    // A stable sort: suites not named here keep their order, after these.
    provider
        .cipher_suites
        .sort_by_key(|suite| match suite.suite() {
            S::TLS13_AES_128_GCM_SHA256 => 0,
            S::TLS13_AES_256_GCM_SHA384 => 1,
            S::TLS13_CHACHA20_POLY1305_SHA256 => 2,
            S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
            | S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 3,
            S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
            | S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 4,
            _ => 5,
        });
    provider
}

/// System roots. On Linux the distribution's bundle file holds every trusted root, so reading
/// only it (not also the hundreds of per-certificate files beside it) keeps start-up short.
/// `SSL_CERT_FILE`/`SSL_CERT_DIR`, when set, win as usual.
fn load_roots() -> rustls_native_certs::CertificateResult {
    #[cfg(target_os = "linux")]
    if std::env::var_os("SSL_CERT_FILE").is_none() && std::env::var_os("SSL_CERT_DIR").is_none() {
        const BUNDLES: &[&str] = &[
            "/etc/ssl/certs/ca-certificates.crt",
            "/etc/pki/tls/certs/ca-bundle.crt",
            "/etc/ssl/ca-bundle.pem",
            "/etc/ssl/cert.pem",
        ];
        if let Some(file) = BUNDLES
            .iter()
            .map(std::path::Path::new)
            .find(|p| p.is_file())
        {
            return rustls_native_certs::load_certs_from_paths(Some(file), None);
        }
    }
    rustls_native_certs::load_native_certs()
}

impl Net {
    pub fn from_env(timeout: Duration) -> Result<Net, String> {
        let connect_to = match std::env::var("ZSSH_CONNECT_TO") {
            Ok(spec) => parse_connect_to(&spec)?,
            Err(_) => Vec::new(),
        };
        Ok(Net {
            connect_to,
            proxy: proxy_from_env()?,
            no_proxy: env_any(&["NO_PROXY", "no_proxy"]).unwrap_or_default(),
            timeout,
        })
    }

    /// Where a connection to `host:port` really goes.
    fn target(&self, host: &str, port: u16) -> (String, u16) {
        let lower = host.to_ascii_lowercase();
        for c in &self.connect_to {
            if (c.host.is_empty() || c.host == lower) && c.port.is_none_or(|p| p == port) {
                return (c.to_host.clone(), c.to_port);
            }
        }
        (host.to_string(), port)
    }

    /// Open a verified TLS connection to `host:port` (name used for SNI and verification).
    pub async fn connect(&self, host: &str, port: u16) -> Result<Stream, NetError> {
        self.connect_stepped(host, port).await.map_err(|(_, e)| e)
    }

    /// [`Net::connect`], with the step a failure stopped at (a timeout included): what
    /// `zssh doctor` needs to give each layer its own verdict.
    pub async fn connect_stepped(&self, host: &str, port: u16) -> Result<Stream, (Step, NetError)> {
        let step = AtomicU8::new(Step::Dns as u8);
        let fut = self.connect_inner(host, port, &step);
        let reached = |step: &AtomicU8| Step::from_u8(step.load(Ordering::Relaxed));
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(|e| (reached(&step), e)),
            Err(_) => Err((
                reached(&step),
                match self.proxy_for(host, port) {
                    Some(proxy) => NetError::Proxy {
                        proxy,
                        detail: format!(
                            "no tunnel to {host}:{port} within {}s",
                            self.timeout.as_secs_f32()
                        ),
                    },
                    None => NetError::Timeout {
                        host: format!("{host}:{port}"),
                        after: self.timeout,
                    },
                },
            )),
        }
    }

    /// The proxy (`host:port (from VAR)`, no credentials) connections to `host:port` go
    /// through, or `None` when they go directly.
    pub fn proxy_for(&self, host: &str, port: u16) -> Option<String> {
        self.proxy
            .as_ref()
            .filter(|_| !bypasses_proxy(host, port, &self.no_proxy))
            .map(Proxy::shown)
    }

    async fn connect_inner(
        &self,
        host: &str,
        port: u16,
        step: &AtomicU8,
    ) -> Result<Stream, NetError> {
        let (to_host, to_port) = self.target(host, port);
        let tcp = match &self.proxy {
            Some(proxy) if !bypasses_proxy(host, port, &self.no_proxy) => {
                // The proxy resolves the name and connects: its tunnel is the TCP step.
                step.store(Step::Tcp as u8, Ordering::Relaxed);
                connect_via_proxy(proxy, &to_host, to_port).await?
            }
            _ => connect_tcp(&to_host, to_port, step).await?,
        };
        step.store(Step::Tls as u8, Ordering::Relaxed);
        let _ = tcp.set_nodelay(true);
        let config = tls_config()?;
        let name =
            ServerName::try_from(host.trim_matches(['[', ']']).to_string()).map_err(|e| {
                NetError::Tls {
                    host: host.to_string(),
                    detail: e.to_string(),
                }
            })?;
        TlsConnector::from(config)
            .connect(name, tcp)
            .await
            .map_err(|e| NetError::Tls {
                host: host.to_string(),
                detail: tls_detail(&e),
            })
    }
}

/// What a TLS failure whose server does not speak TLS at all says (the hint differs: no
/// certificate is involved).
pub const NOT_TLS: &str = "the server does not speak TLS on this port";

/// What a TLS failure says when the connection was cut or refused during the handshake (no
/// certificate was judged).
pub const TLS_CUT: &str = "the connection was cut during the TLS handshake";

fn tls_detail(e: &io::Error) -> String {
    // rustls wraps its errors in io::Error; say what they mean in plain words (their Debug form,
    // `Other(OtherError(CaUsedAsEndEntity))`, means nothing to a person).
    use rustls::{CertificateError as C, Error as E};
    match e.kind() {
        io::ErrorKind::UnexpectedEof => return format!("{TLS_CUT} (the server closed it)"),
        io::ErrorKind::ConnectionReset => return format!("{TLS_CUT} (reset)"),
        _ => {}
    }
    let Some(inner) = e.get_ref() else {
        return e.to_string();
    };
    let Some(tls) = inner.downcast_ref::<E>() else {
        return inner.to_string();
    };
    match tls {
        E::InvalidMessage(_) | E::InappropriateMessage { .. } => {
            format!("{NOT_TLS} (it answered something else, such as plain HTTP)")
        }
        E::InvalidCertificate(c) => match c {
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                "its certificate is not valid for this name".into()
            }
            C::Expired | C::ExpiredContext { .. } => "its certificate has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "its certificate is not valid yet (or this machine's clock is behind)".into()
            }
            C::UnknownIssuer => {
                "its certificate is signed by an authority this machine does not trust".into()
            }
            C::Revoked => "its certificate has been revoked".into(),
            C::BadSignature => "its certificate's signature does not verify".into(),
            other => {
                let said = format!("{other:?}");
                if said.contains("CaUsedAsEndEntity") {
                    "it presents a CA certificate as its own certificate".into()
                } else {
                    format!("its certificate was refused: {other}")
                }
            }
        },
        E::AlertReceived(alert) => {
            // `HandshakeFailure` → "handshake failure".
            let mut words = String::new();
            for c in format!("{alert:?}").chars() {
                if c.is_ascii_uppercase() && !words.is_empty() {
                    words.push(' ');
                }
                words.push(c.to_ascii_lowercase());
            }
            format!("the server refused the TLS handshake (its alert: {words})")
        }
        E::NoCertificatesPresented => "the server presented no certificate".into(),
        other => other.to_string(),
    }
}

/// `step` is set to [`Step::Tcp`] once the name resolved.
async fn connect_tcp(host: &str, port: u16, step: &AtomicU8) -> Result<TcpStream, NetError> {
    let bare = host.trim_matches(['[', ']']);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((bare, port))
        .await
        .map_err(|source| NetError::Dns {
            host: host.to_string(),
            source,
        })?
        .collect();
    if !addrs.is_empty() {
        step.store(Step::Tcp as u8, Ordering::Relaxed);
    }
    let mut last = None;
    for addr in &addrs {
        match TcpStream::connect(addr).await {
            Ok(s) => return Ok(s),
            Err(e) => last = Some((addr, e)),
        }
    }
    match last {
        Some((addr, source)) => Err(NetError::Tcp {
            addr: format!("{host}:{port} ({addr})"),
            source,
        }),
        None => Err(NetError::Dns {
            host: host.to_string(),
            source: io::Error::new(io::ErrorKind::NotFound, "no addresses"),
        }),
    }
}

async fn connect_via_proxy(proxy: &Proxy, host: &str, port: u16) -> Result<TcpStream, NetError> {
    let fail = |detail: String| NetError::Proxy {
        proxy: proxy.shown(),
        detail,
    };
    let mut tcp = connect_tcp(&proxy.host, proxy.port, &AtomicU8::new(0))
        .await
        .map_err(|e| fail(e.to_string()))?;
    let authority = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
    if let Some(auth) = &proxy.auth {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(auth);
        req.push_str(&format!("Proxy-Authorization: Basic {b64}\r\n"));
    }
    req.push_str("\r\n");
    tcp.write_all(req.as_bytes())
        .await
        .map_err(|e| fail(e.to_string()))?;
    let head = read_connect_answer(&mut tcp).await.map_err(fail)?;
    let line = String::from_utf8_lossy(&head);
    let first = line.lines().next().unwrap_or("").trim();
    let status = first.split_whitespace().nth(1).unwrap_or("");
    let numeric = status.len() == 3 && status.bytes().all(|b| b.is_ascii_digit());
    if !(numeric && status.starts_with('2')) {
        let first = crate::human::shown(first, 120);
        let why = match (status, &proxy.auth) {
            ("407", None) => " (the proxy wants credentials: put them in the URL, percent-encoded)",
            ("407", Some(_)) => " (the proxy refused the credentials in the URL)",
            _ => "",
        };
        return Err(fail(format!("CONNECT {authority} answered {first:?}{why}")));
    }
    Ok(tcp)
}

/// The head of the proxy's answer to CONNECT, read byte by byte so no tunnelled byte is consumed.
/// Bare line feeds end lines too (as Go's reader allows); an answer that cannot be HTTP fails at
/// once rather than at the connect timeout.
async fn read_connect_answer(tcp: &mut TcpStream) -> Result<Vec<u8>, String> {
    const PREFIX: &[u8] = b"HTTP/";
    let mut head = Vec::with_capacity(128);
    loop {
        let mut b = [0u8; 1];
        let n = tcp.read(&mut b).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed the connection during CONNECT".into());
        }
        head.push(b[0]);
        let checked = head.len().min(PREFIX.len());
        if head[..checked] != PREFIX[..checked] {
            let seen = crate::human::shown(&String::from_utf8_lossy(&head), 40);
            return Err(format!(
                "answered CONNECT with something that is not HTTP ({seen:?})"
            ));
        }
        if head.ends_with(b"\n\r\n") || head.ends_with(b"\n\n") {
            return Ok(head);
        }
        if head.len() > 16 * 1024 {
            return Err("CONNECT answer too large".into());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suites_in_gos_order_and_no_suite_is_lost() {
        use rustls::CipherSuite as S;
        let ours: Vec<S> = provider().cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            ours,
            [
                S::TLS13_AES_128_GCM_SHA256,
                S::TLS13_AES_256_GCM_SHA384,
                S::TLS13_CHACHA20_POLY1305_SHA256,
                S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
                S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
                S::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                S::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
            ]
        );
        let mut default: Vec<S> = rustls::crypto::aws_lc_rs::default_provider()
            .cipher_suites
            .iter()
            .map(|s| s.suite())
            .collect();
        let mut sorted = ours.clone();
        default.sort_by_key(|s| u16::from(*s));
        sorted.sort_by_key(|s| u16::from(*s));
        assert_eq!(sorted, default);
    }

    #[test]
    fn parses_connect_to() {
        let v = parse_connect_to("a.example:443:127.0.0.1:8443,:443:[::1]:9").unwrap();
        assert_eq!(v[0].host, "a.example");
        assert_eq!(v[0].port, Some(443));
        assert_eq!(v[0].to_host, "127.0.0.1");
        assert_eq!(v[0].to_port, 8443);
        assert_eq!(v[1].host, "");
        assert_eq!(v[1].to_host, "::1");
        assert!(parse_connect_to("nonsense").is_err());
        assert!(parse_connect_to("a:b:c:d").is_err());
    }

    fn proxy_with(vars: &[(&str, &str)]) -> Result<Option<Proxy>, String> {
        proxy_from(&|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        })
    }

    #[test]
    fn proxy_credentials_are_percent_decoded_and_never_shown() {
        let p = proxy_with(&[(
            "HTTPS_PROXY",
            "http://al%40ice+x%26y%3Dz:p%40ss%3Aw%2Frd@proxy.corp:3128",
        )])
        .unwrap()
        .unwrap();
        assert_eq!(p.auth.as_deref(), Some(&b"al@ice+x&y=z:p@ss:w/rd"[..]));
        assert_eq!(p.shown(), "proxy.corp:3128 (from HTTPS_PROXY)");
        assert_eq!(format!("{p:?}"), p.shown());
        // A password without a user is kept.
        let p = proxy_with(&[("https_proxy", "http://:s3cret@[::1]:8080")])
            .unwrap()
            .unwrap();
        assert_eq!(p.auth.as_deref(), Some(&b":s3cret"[..]));
        assert_eq!(p.shown(), "[::1]:8080 (from https_proxy)");
        // Byte for byte: %ff is the byte 0xff, not U+FFFD.
        let p = proxy_with(&[("HTTPS_PROXY", "http://u%ff:p%e4ss@proxy:1")])
            .unwrap()
            .unwrap();
        assert_eq!(p.auth.as_deref(), Some(&b"u\xff:p\xe4ss"[..]));
        // A delimiter left unencoded in the credentials: refused, and neither part shown.
        let err = proxy_with(&[("HTTPS_PROXY", "http://alice:1234#5678@proxy:3128")]).unwrap_err();
        assert!(
            err.contains("percent-encoded") && !err.contains("alice") && !err.contains("1234"),
            "{err}"
        );
        assert!(
            proxy_with(&[("HTTPS_PROXY", "http://proxy:3128")])
                .unwrap()
                .unwrap()
                .auth
                .is_none()
        );
    }

    #[test]
    fn unusable_proxies_are_named_by_their_variable_without_credentials() {
        let err = proxy_with(&[("HTTPS_PROXY", "https://u:hunter2@proxy:8443")]).unwrap_err();
        assert!(
            err.starts_with("HTTPS_PROXY is https://***@proxy:8443, but only http://"),
            "{err}"
        );
        let err = proxy_with(&[("HTTPS_PROXY", "socks5://u:hunter2@proxy:1080")]).unwrap_err();
        assert!(!err.contains("hunter2"), "{err}");
        let err = proxy_with(&[("HTTPS_PROXY", "http://u:hunter2@pro xy:1080")]).unwrap_err();
        assert!(
            err.starts_with("HTTPS_PROXY is not a proxy URL") && !err.contains("hunter2"),
            "{err}"
        );
        // ALL_PROXY with a scheme zssh cannot use (desktop settings export socks://) is ignored.
        for v in [
            "socks5://u:hunter2@proxy:1080",
            "socks://proxy:1080",
            "https://proxy",
        ] {
            assert!(proxy_with(&[("ALL_PROXY", v)]).unwrap().is_none(), "{v}");
        }
        let p = proxy_with(&[("all_proxy", "http://proxy:3128")])
            .unwrap()
            .unwrap();
        assert_eq!(p.shown(), "proxy:3128 (from all_proxy)");
        // HTTPS_PROXY wins over ALL_PROXY.
        let p = proxy_with(&[("ALL_PROXY", "socks5://x"), ("HTTPS_PROXY", "proxy:1")]).unwrap();
        assert_eq!(p.unwrap().shown(), "proxy:1 (from HTTPS_PROXY)");
    }

    #[test]
    fn no_proxy_entries_with_a_port_match_only_that_port() {
        assert!(bypasses_proxy(
            "ssh.example.com",
            8443,
            "ssh.example.com:8443"
        ));
        assert!(!bypasses_proxy(
            "ssh.example.com",
            443,
            "ssh.example.com:8443"
        ));
        assert!(bypasses_proxy("ssh.example.com", 443, ".example.com:443"));
        assert!(bypasses_proxy("10.1.2.3", 443, "10.0.0.0/8"));
        assert!(!bypasses_proxy("11.1.2.3", 443, "10.0.0.0/8"));
        assert!(bypasses_proxy("[2001:db8::1]", 443, "2001:db8::/32"));
        assert!(bypasses_proxy("2001:db8::1", 443, "[2001:db8::1]:443"));
        assert!(!bypasses_proxy("2001:db8::1", 8443, "[2001:db8::1]:443"));
        assert!(!bypasses_proxy("example.com", 443, "*:8443"));
        assert!(!bypasses_proxy("example.com", 443, ":443"));
        assert!(bypasses_proxy("2001:db8::1", 443, "2001:db8:0:0::1"));
    }

    #[test]
    fn proxy_bypass_rules() {
        assert!(bypasses_proxy("127.0.0.1", 443, ""));
        assert!(bypasses_proxy("[::1]", 443, ""));
        assert!(bypasses_proxy("localhost", 443, ""));
        assert!(!bypasses_proxy("ssh.example.com", 443, ""));
        assert!(bypasses_proxy("ssh.example.com", 443, "example.com"));
        assert!(bypasses_proxy("ssh.example.com", 443, ".example.com"));
        assert!(bypasses_proxy("ssh.example.com", 443, "*.example.com"));
        assert!(!bypasses_proxy("ssh.example.community", 443, "example.com"));
        assert!(bypasses_proxy("anything", 443, "*"));
    }
}
