//! Fetching the host key a path presents: through the Access tunnel (exactly the tunnel
//! `zssh proxy --hostname HOST` opens) or over a direct TCP connection (routing such as WARP).
//!
//! The SSH transport (RFC 4253) runs only as far as the server's key-exchange reply, which
//! carries the host key: version lines, both KEXINIT messages, our ephemeral key, the reply. No
//! shared secret is computed and the reply's signature is not checked: as with `ssh-keyscan`,
//! reading a key trusts nothing, and ssh checks the key it is shown against the recorded one on
//! every connection. (An SSH library did this before: it cost 1.4 MB of the binary and 1 MiB of
//! every proxy's memory, for this one use.)
//!
//! This module never prints; callers turn its errors into user-facing ones.

use std::time::Duration;

use aws_lc_rs::agreement::{self, EphemeralPrivateKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

use crate::access::login::Progress;
use crate::cli::CarrierArgs;
use crate::edge::carrier::{Carrier, Session};
use crate::edge::dial::Net;
use crate::edge::pool::Client;
use crate::edge::tunnel;
use crate::error::UserError;
use crate::exit::Exit;
use crate::known_hosts::Key;

/// How long the edge dial and, separately, the SSH handshake may take.
pub const TIMEOUT: Duration = Duration::from_secs(15);

/// Why a handshake did not yield a key.
#[derive(Debug)]
pub enum FetchError {
    /// The TCP connection (direct mode) failed.
    Connect(std::io::Error),
    /// No key within [`TIMEOUT`].
    Timeout,
    /// The server spoke, but not SSH as far as its host key (or closed first).
    Handshake(String),
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchError::Connect(e) => write!(f, "{e}"),
            FetchError::Timeout => write!(f, "no host key within {}s", TIMEOUT.as_secs()),
            FetchError::Handshake(e) => write!(f, "{e}"),
        }
    }
}

/// Key exchanges we can start, in our order of preference. Only the first message of each is
/// ever sent, so every one costs a few lines: an ephemeral public value of the right shape.
const KEX: &[&str] = &[
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group14-sha1",
];

/// Host key algorithms in OpenSSH's default order (plain keys; certificates are not recorded
/// in known_hosts).
const HOST_KEY_ALGORITHMS: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
];

/// The server refuses a KEXINIT without a cipher, MAC and compression in common, even though
/// none is ever used here: offer what servers old and new accept.
const CIPHERS: &str = "chacha20-poly1305@openssh.com,aes128-gcm@openssh.com,aes256-gcm@openssh.com,\
aes128-ctr,aes192-ctr,aes256-ctr,aes128-cbc,aes256-cbc,3des-cbc";
const MACS: &str = "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com,\
umac-128-etm@openssh.com,hmac-sha2-256,hmac-sha2-512,umac-64@openssh.com,hmac-sha1";
const COMPRESSION: &str = "none,zlib@openssh.com,zlib";

/// RFC 4253 message numbers this exchange meets.
const MSG_DISCONNECT: u8 = 1;
const MSG_KEXINIT: u8 = 20;
const MSG_KEX_INIT: u8 = 30;
const MSG_KEX_REPLY: u8 = 31;
/// OpenSSH's largest packet; anything longer is not SSH.
const MAX_PACKET: usize = 256 * 1024;
/// Lines a server may send before its version line, and packets before its reply.
const MAX_PRELUDE_LINES: usize = 64;
const MAX_PACKETS: usize = 32;

const CLOSED: &str = "the connection closed before the server showed its host key";

/// Host key algorithms with the types already recorded for the host first, so the server shows
/// the key ssh itself would be shown (OpenSSH orders the same way).
pub fn preferred_algorithms(known: &[String]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for name in known {
        let family: &[&'static str] = if name == "ssh-rsa" || name.starts_with("rsa-sha2-") {
            &HOST_KEY_ALGORITHMS[6..]
        } else {
            match HOST_KEY_ALGORITHMS.iter().find(|a| **a == name) {
                Some(a) => std::slice::from_ref(a),
                None => &[],
            }
        };
        for a in family {
            if !out.contains(a) {
                out.push(a);
            }
        }
    }
    for a in HOST_KEY_ALGORITHMS {
        if !out.contains(a) {
            out.push(a);
        }
    }
    out
}

/// Run the SSH transport over `stream` until the server's host key is known.
pub async fn fetch_over<S>(stream: S, prefer: &[String]) -> Result<Key, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let hostkeys = preferred_algorithms(prefer);
    match tokio::time::timeout(TIMEOUT, exchange(stream, &hostkeys)).await {
        Err(_) => Err(FetchError::Timeout),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            Err(FetchError::Handshake(CLOSED.into()))
        }
        Ok(Err(e)) => Err(FetchError::Handshake(e.to_string())),
        Ok(Ok(blob)) => {
            if ssh_key::PublicKey::from_bytes(&blob).is_err() {
                return Err(FetchError::Handshake(
                    "the server's host key is not a key ssh can read".into(),
                ));
            }
            Key::from_blob(blob)
                .ok_or_else(|| FetchError::Handshake("the host key has no type".into()))
        }
    }
}

/// Version lines, KEXINITs, the first key-exchange message; the host key blob of the reply.
async fn exchange<S>(stream: S, hostkeys: &[&str]) -> std::io::Result<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut io = BufReader::new(stream);
    let mut hello = format!("SSH-2.0-zssh_{}\r\n", env!("CARGO_PKG_VERSION")).into_bytes();
    hello.extend_from_slice(&packet(&kexinit(hostkeys)?));
    io.write_all(&hello).await?;
    io.flush().await?;
    read_version(&mut io).await?;
    let theirs = loop {
        let payload = read_packet(&mut io).await?;
        if payload.first() == Some(&MSG_KEXINIT) {
            break payload;
        }
        check_not_disconnect(&payload)?;
    };
    let (kex, algorithm) = negotiate(&theirs, hostkeys)?;
    io.write_all(&packet(&kex_init(kex)?)).await?;
    io.flush().await?;
    for _ in 0..MAX_PACKETS {
        let payload = read_packet(&mut io).await?;
        if payload.first() == Some(&MSG_KEX_REPLY) {
            let mut r = Reader(&payload[1..]);
            let blob = r
                .string()
                .ok_or_else(|| bad("a key-exchange reply without a host key"))?;
            return of_type(blob, algorithm).map(<[u8]>::to_vec);
        }
        check_not_disconnect(&payload)?;
    }
    Err(bad("no key-exchange reply"))
}

/// The host key, if it is of the type both sides agreed on: ssh refuses a reply whose key is not
/// (so a key recorded from one would never be shown to it).
fn of_type<'a>(blob: &'a [u8], algorithm: &str) -> std::io::Result<&'a [u8]> {
    let expected = if algorithm.starts_with("rsa-sha2-") {
        "ssh-rsa"
    } else {
        algorithm
    };
    match Reader(blob).string() {
        Some(t) if t == expected.as_bytes() => Ok(blob),
        t => Err(std::io::Error::other(format!(
            "the server agreed on a {expected} host key but sent {}",
            t.map_or_else(
                || "a malformed key".to_string(),
                |t| {
                    format!(
                        "a {} key",
                        crate::human::shown(&String::from_utf8_lossy(t), 60)
                    )
                }
            )
        ))),
    }
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::other(format!("the server sent {what}"))
}

/// Read lines until the server's version line (RFC 4253 4.2 allows other lines before it).
async fn read_version<R: tokio::io::AsyncBufRead + Unpin>(io: &mut R) -> std::io::Result<()> {
    for _ in 0..MAX_PRELUDE_LINES {
        let mut line = Vec::new();
        (&mut *io).take(1024).read_until(b'\n', &mut line).await?;
        if line.last() != Some(&b'\n') {
            return Err(if line.len() < 1024 {
                std::io::ErrorKind::UnexpectedEof.into()
            } else {
                bad("a line of over 1 KiB before its version")
            });
        }
        if line.starts_with(b"SSH-2.0-") || line.starts_with(b"SSH-1.99-") {
            return Ok(());
        }
        if line.starts_with(b"SSH-") {
            return Err(std::io::Error::other(
                "the server speaks only SSH protocol 1, which ssh no longer supports",
            ));
        }
    }
    Err(bad("no SSH version line"))
}

/// One binary packet before any keys: no MAC, padding to a multiple of 8.
async fn read_packet<R: AsyncRead + Unpin>(io: &mut R) -> std::io::Result<Vec<u8>> {
    let len = io.read_u32().await? as usize;
    if !(5..=MAX_PACKET).contains(&len) {
        return Err(bad(&format!("a packet of {len} bytes, which is not SSH")));
    }
    let mut body = vec![0; len];
    io.read_exact(&mut body).await?;
    let pad = body[0] as usize;
    if pad + 1 > len {
        return Err(bad("a packet whose padding is longer than itself"));
    }
    body.truncate(len - pad);
    body.remove(0);
    Ok(body)
}

fn packet(payload: &[u8]) -> Vec<u8> {
    let mut pad = 8 - (payload.len() + 5) % 8;
    if pad < 4 {
        pad += 8;
    }
    let mut out = Vec::with_capacity(payload.len() + pad + 5);
    out.extend_from_slice(&((payload.len() + pad + 1) as u32).to_be_bytes());
    out.push(pad as u8);
    out.extend_from_slice(payload);
    out.resize(out.len() + pad, 0);
    out
}

fn check_not_disconnect(payload: &[u8]) -> std::io::Result<()> {
    if payload.first() != Some(&MSG_DISCONNECT) {
        return Ok(());
    }
    let mut r = Reader(payload.get(5..).unwrap_or_default());
    let why = r.string().map(String::from_utf8_lossy).unwrap_or_default();
    let why = crate::human::shown(&why, 200);
    Err(std::io::Error::other(format!(
        "the server disconnected: {why}"
    )))
}

fn put_string(out: &mut Vec<u8>, s: &[u8]) {
    out.extend_from_slice(&(s.len() as u32).to_be_bytes());
    out.extend_from_slice(s);
}

fn kexinit(hostkeys: &[&str]) -> std::io::Result<Vec<u8>> {
    let mut out = vec![MSG_KEXINIT];
    let mut cookie = [0u8; 16];
    SystemRandom::new()
        .fill(&mut cookie)
        .map_err(|_| std::io::Error::other("no randomness"))?;
    out.extend_from_slice(&cookie);
    put_string(&mut out, KEX.join(",").as_bytes());
    put_string(&mut out, hostkeys.join(",").as_bytes());
    for list in [
        CIPHERS,
        CIPHERS,
        MACS,
        MACS,
        COMPRESSION,
        COMPRESSION,
        "",
        "",
    ] {
        put_string(&mut out, list.as_bytes());
    }
    out.push(0); // no guessed key-exchange packet follows
    out.extend_from_slice(&[0; 4]);
    Ok(out)
}

/// The key exchange and host key algorithm both sides will use: the first of ours the server
/// also lists (RFC 4253 7.1).
fn negotiate<'a>(theirs: &[u8], hostkeys: &[&'a str]) -> std::io::Result<(&'static str, &'a str)> {
    let mut r = Reader(theirs.get(17..).unwrap_or_default());
    let kex = r.string().ok_or_else(|| bad("a malformed KEXINIT"))?;
    let keys = r.string().ok_or_else(|| bad("a malformed KEXINIT"))?;
    let first = |ours: &[&'a str], list: &[u8]| {
        ours.iter()
            .copied()
            .find(|a| list.split(|b| *b == b',').any(|n| n == a.as_bytes()))
    };
    let chosen_kex = KEX
        .iter()
        .copied()
        .find(|a| kex.split(|b| *b == b',').any(|n| n == a.as_bytes()));
    let Some(chosen_kex) = chosen_kex else {
        return Err(std::io::Error::other(format!(
            "the server offers no key exchange zssh can start (it offers {})",
            printable(kex)
        )));
    };
    let Some(key) = first(hostkeys, keys) else {
        return Err(std::io::Error::other(format!(
            "the server offers no host key type ssh records (it offers {})",
            printable(keys)
        )));
    };
    Ok((chosen_kex, key))
}

/// A name-list from the network, safe to show.
fn printable(list: &[u8]) -> String {
    let s = crate::human::shown(&String::from_utf8_lossy(list), 300);
    if s.is_empty() { "nothing".into() } else { s }
}

/// The first message of key exchange `kex`: an ephemeral public value of the right shape.
fn kex_init(kex: &str) -> std::io::Result<Vec<u8>> {
    let rng = SystemRandom::new();
    let no_random = |_| std::io::Error::other("no randomness");
    let mut out = vec![MSG_KEX_INIT];
    let curve = match kex {
        k if k.starts_with("curve25519-") => Some(&agreement::X25519),
        "ecdh-sha2-nistp256" => Some(&agreement::ECDH_P256),
        "ecdh-sha2-nistp384" => Some(&agreement::ECDH_P384),
        "ecdh-sha2-nistp521" => Some(&agreement::ECDH_P521),
        _ => None,
    };
    if let Some(curve) = curve {
        let key = EphemeralPrivateKey::generate(curve, &rng).map_err(no_random)?;
        let public = key.compute_public_key().map_err(no_random)?;
        put_string(&mut out, public.as_ref());
        return Ok(out);
    }
    // Finite-field Diffie-Hellman: any e with 1 < e < p - 1 is accepted. Every group's prime
    // starts with 64 one bits, so a value of the prime's length starting 0x40 is below it and,
    // positive without a sign byte, is its own mpint.
    let bytes = match kex {
        "diffie-hellman-group16-sha512" => 512,
        "diffie-hellman-group18-sha512" => 1024,
        _ => 256,
    };
    let mut e = vec![0u8; bytes];
    rng.fill(&mut e).map_err(no_random)?;
    e[0] = 0x40;
    put_string(&mut out, &e);
    Ok(out)
}

/// Reads SSH `string`s from a byte slice; `None` when one runs past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn string(&mut self) -> Option<&'a [u8]> {
        let len = u32::from_be_bytes(self.0.get(..4)?.try_into().ok()?) as usize;
        let s = self.0.get(4..4usize.checked_add(len)?)?;
        self.0 = &self.0[4 + len..];
        Some(s)
    }
}

/// The key `host:port` presents over a plain TCP connection.
pub async fn fetch_direct(host: &str, port: u16, prefer: &[String]) -> Result<Key, FetchError> {
    let tcp = tokio::time::timeout(TIMEOUT, tokio::net::TcpStream::connect((host, port)))
        .await
        .map_err(|_| FetchError::Timeout)?
        .map_err(FetchError::Connect)?;
    let _ = tcp.set_nodelay(true);
    fetch_over(tcp, prefer).await
}

/// The key the origin behind Access application `host` presents, through the tunnel. Tunnel
/// failures come back as the same errors `zssh proxy` gives. A login, if one is needed, reports to
/// `progress`.
pub async fn fetch_via_edge(
    host: &str,
    prefer: &[String],
    progress: Box<dyn Progress>,
) -> Result<Key, UserError> {
    let args = CarrierArgs::from_env_for(host, TIMEOUT);
    let carrier = Carrier::from_args(&args)?;
    let net = Net::from_env(args.connect_timeout)
        .map_err(|e| UserError::usage(e, "fix the environment variable named above"))?;
    let mut client = Client::new(net);
    let mut session = Session::new(false, progress)?;
    let ws = carrier.open(&mut client, &mut session).await?;
    drop(client);
    // The exchange reads a byte stream: one end of an in-memory pipe, the other pumped to the tunnel.
    let (ours, theirs) = tokio::io::duplex(64 * 1024);
    let (input, output) = tunnel::stream_channels(theirs);
    let pump = tokio::spawn(tunnel::pump(ws, input, output, None));
    let result = fetch_over(ours, prefer).await;
    pump.abort();
    result.map_err(|e| match e {
        FetchError::Timeout => UserError::new(
            Exit::Unreachable,
            format!("the server behind {host} did not show its host key within {}s", TIMEOUT.as_secs()),
            "the tunnel opened but the origin is silent; check that the application's origin is an SSH server",
        ),
        other => UserError::new(
            Exit::Protocol,
            format!("cannot get the host key of the server behind {host}: {other}"),
            "the tunnel opened but no SSH server answered; check that the application's origin is ssh://…:22 (cloudflared's ingress rule)",
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_types_go_first() {
        let def = preferred_algorithms(&[]);
        assert_eq!(def, HOST_KEY_ALGORITHMS);
        let rsa = preferred_algorithms(&["ssh-rsa".into(), "bogus".into()]);
        assert_eq!(rsa[..3], ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
        assert_eq!(rsa.len(), def.len());
        let ec = preferred_algorithms(&["ecdsa-sha2-nistp384".into(), "ssh-ed25519".into()]);
        assert_eq!(ec[..2], ["ecdsa-sha2-nistp384", "ssh-ed25519"]);
        assert_eq!(ec.len(), def.len());
    }

    #[test]
    fn packets_are_padded_as_rfc_4253_says() {
        for n in 0..40 {
            let p = packet(&vec![7; n]);
            assert_eq!(p.len() % 8, 0, "{n}");
            let pad = p[4] as usize;
            assert!(pad >= 4, "{n}");
            assert_eq!(
                u32::from_be_bytes(p[..4].try_into().unwrap()) as usize,
                p.len() - 4
            );
            assert_eq!(p.len(), 5 + n + pad);
        }
    }

    fn kexinit_with(kex: &str, keys: &str) -> Vec<u8> {
        let mut out = vec![MSG_KEXINIT];
        out.extend_from_slice(&[9; 16]);
        put_string(&mut out, kex.as_bytes());
        put_string(&mut out, keys.as_bytes());
        for list in [CIPHERS, CIPHERS, MACS, MACS, "none", "none", "", ""] {
            put_string(&mut out, list.as_bytes());
        }
        out.extend_from_slice(&[0; 5]);
        out
    }

    /// A scripted server: what it sends, all at once, then what it read from us.
    async fn against(server_bytes: Vec<u8>) -> (Result<Key, FetchError>, Vec<u8>) {
        let (ours, mut theirs) = tokio::io::duplex(1 << 20);
        theirs.write_all(&server_bytes).await.unwrap();
        theirs.shutdown().await.unwrap();
        let result = fetch_over(ours, &[]).await;
        let mut heard = Vec::new();
        theirs.read_to_end(&mut heard).await.unwrap();
        (result, heard)
    }

    fn ed25519_blob() -> Vec<u8> {
        let mut blob = Vec::new();
        put_string(&mut blob, b"ssh-ed25519");
        put_string(&mut blob, &[3; 32]);
        blob
    }

    #[tokio::test]
    async fn the_host_key_comes_from_the_reply() {
        let mut s = b"a banner line\r\nSSH-2.0-Test\r\n".to_vec();
        s.extend(packet(&kexinit_with(
            "foo,ecdh-sha2-nistp256,curve25519-sha256",
            "ssh-rsa,ssh-ed25519",
        )));
        s.extend(packet(&[2, 0, 0, 0, 0])); // SSH_MSG_IGNORE
        let mut reply = vec![MSG_KEX_REPLY];
        put_string(&mut reply, &ed25519_blob());
        s.extend(packet(&reply));
        let (key, heard) = against(s).await;
        let key = key.unwrap();
        assert_eq!(key.algo, "ssh-ed25519");
        assert_eq!(key.blob, ed25519_blob());
        assert!(heard.starts_with(b"SSH-2.0-zssh_"));
        // Our first choice the server lists: curve25519 (a 32-byte value), not its own order.
        let tail = &heard[heard.len() - 48..];
        assert_eq!(tail[5], MSG_KEX_INIT, "{tail:?}");
        assert_eq!(&tail[6..10], &32u32.to_be_bytes());
    }

    #[tokio::test]
    async fn a_key_of_another_type_than_agreed_is_refused() {
        let mut s = b"SSH-2.0-Test\r\n".to_vec();
        s.extend(packet(&kexinit_with("curve25519-sha256", "rsa-sha2-256")));
        let mut reply = vec![MSG_KEX_REPLY];
        put_string(&mut reply, &ed25519_blob());
        s.extend(packet(&reply));
        let err = against(s).await.0.unwrap_err().to_string();
        assert!(
            err.contains("agreed on a ssh-rsa host key but sent a ssh-ed25519 key"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_disconnect_says_why() {
        let mut s = b"SSH-2.0-Test\r\n".to_vec();
        let mut d = vec![MSG_DISCONNECT, 0, 0, 0, 3];
        put_string(
            &mut d,
            "no matching host key type\x1b[2J\u{202E}".as_bytes(),
        );
        put_string(&mut d, b"");
        s.extend(packet(&d));
        let err = against(s).await.0.unwrap_err().to_string();
        assert!(
            err.contains("disconnected: no matching host key type[2J"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn what_is_not_ssh_is_named() {
        let cases: [(&[u8], &str); 5] = [
            (b"", CLOSED),
            (b"HTTP/1.1 400 Bad Request\r\n\r\n", CLOSED),
            (b"SSH-1.5-old\r\n", "protocol 1"),
            (b"SSH-2.0-x\r\n\xff\xff\xff\xff", "not SSH"),
            (b"SSH-2.0-x\r\n\x00\x00\x00\x08\x09abcdefgh", "padding"),
        ];
        for (bytes, want) in cases {
            let err = against(bytes.to_vec()).await.0.unwrap_err().to_string();
            assert!(err.contains(want), "{bytes:?}: {err}");
        }
        let mut s = b"SSH-2.0-x\r\n".to_vec();
        s.extend(packet(&kexinit_with(
            "sntrup761x25519-sha512@openssh.com",
            "ssh-ed25519",
        )));
        let err = against(s).await.0.unwrap_err().to_string();
        assert!(
            err.contains("no key exchange zssh can start (it offers sntrup761"),
            "{err}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        /// Whatever a hostile server sends, the answer is a key or an error, never a panic.
        #[test]
        fn any_server_bytes(prefix in prop::sample::select(vec![&b""[..], b"SSH-2.0-x\r\n"]),
                            body in prop::collection::vec(any::<u8>(), 0..600),
                            framed in any::<bool>()) {
            let mut s = prefix.to_vec();
            if framed { s.extend(packet(&body)) } else { s.extend(body) }
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _ = rt.block_on(against(s));
        }
    }
}
