//! A small ssh-agent client: list the agent's identities, add a private key together with its
//! OpenSSH certificate under a lifetime constraint, remove an identity. Written from the agent
//! protocol (draft-miller-ssh-agent, now RFC 9987; OpenSSH's PROTOCOL.agent) and the certificate
//! key formats of OpenSSH's PROTOCOL.certkeys.
//!
//! This runs from ssh's `Match exec`, so a wedged agent must not hang `ssh`: every round trip
//! (and the connect) is bounded by [`ROUND_TRIP_TIMEOUT`], and replies are capped at
//! [`MAX_MESSAGE`] bytes. Key material is never logged or put in error text; the buffer that
//! carries a private key to the agent is zeroed when dropped.

use std::ffi::OsString;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use ssh_key::private::{EcdsaKeypair, KeypairData};
use ssh_key::{Certificate, PrivateKey};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::UserError;
use crate::exit::Exit;

// Message numbers (draft-miller-ssh-agent §5.1 / RFC 9987).
const SSH_AGENT_FAILURE: u8 = 5;
const SSH_AGENT_SUCCESS: u8 = 6;
const SSH_AGENTC_REQUEST_IDENTITIES: u8 = 11;
const SSH_AGENT_IDENTITIES_ANSWER: u8 = 12;
const SSH_AGENTC_REMOVE_IDENTITY: u8 = 18;
const SSH_AGENTC_ADD_ID_CONSTRAINED: u8 = 25;
// Failure codes of older agents (ssh.com's, and protocol-1 era OpenSSH); OpenSSH's own client
// treats them as SSH_AGENT_FAILURE too.
const SSH_COM_AGENT2_FAILURE: u8 = 30;
const SSH2_AGENT_FAILURE: u8 = 102;

// Key constraints.
const SSH_AGENT_CONSTRAIN_LIFETIME: u8 = 1;

const CERT_SUFFIX: &str = "-cert-v01@openssh.com";
const ECDSA_P256_CERT: &str = "ecdsa-sha2-nistp256-cert-v01@openssh.com";
const ED25519_CERT: &str = "ssh-ed25519-cert-v01@openssh.com";

/// The longest any one agent round trip (or the connect) may take.
pub const ROUND_TRIP_TIMEOUT: Duration = Duration::from_secs(5);

/// The largest message zssh sends to or accepts from an agent (OpenSSH's agent uses the same cap).
pub const MAX_MESSAGE: usize = 256 * 1024;

const HINT_START: &str = "start one with `eval $(ssh-agent)`, then run the command again";

/// One key (or certificate) the agent holds: its public blob and comment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub blob: Vec<u8>,
    pub comment: String,
}

/// A connection to an ssh-agent (a unix socket; Windows agents are not supported yet).
pub struct Agent {
    #[cfg(unix)]
    stream: tokio::net::UnixStream,
    #[cfg(not(unix))]
    never: std::convert::Infallible,
    timeout: Duration,
    /// Set when a round trip failed half-way: the stream may be out of step with the agent.
    broken: bool,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("broken", &self.broken)
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Connect to the agent at `$SSH_AUTH_SOCK`.
    pub async fn connect() -> Result<Agent, UserError> {
        Self::connect_from(std::env::var_os("SSH_AUTH_SOCK")).await
    }

    async fn connect_from(sock: Option<OsString>) -> Result<Agent, UserError> {
        if cfg!(not(unix)) {
            return Err(unsupported_platform());
        }
        match sock {
            Some(path) if !path.is_empty() => Self::connect_to(Path::new(&path)).await,
            _ => Err(UserError::local(
                "no ssh-agent: SSH_AUTH_SOCK is not set",
                HINT_START,
            )),
        }
    }

    /// Connect to the agent listening on the unix socket `path`.
    #[cfg(unix)]
    pub async fn connect_to(path: &Path) -> Result<Agent, UserError> {
        let connect = tokio::net::UnixStream::connect(path);
        let stream = match tokio::time::timeout(ROUND_TRIP_TIMEOUT, connect).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                return Err(UserError::local(
                    format!("cannot connect to ssh-agent at {}: {e}", path.display()),
                    format!(
                        "check that the agent is running and SSH_AUTH_SOCK points at its socket; {HINT_START}"
                    ),
                ));
            }
            Err(_) => {
                return Err(UserError::local(
                    format!(
                        "ssh-agent at {} did not accept the connection within {} s",
                        path.display(),
                        ROUND_TRIP_TIMEOUT.as_secs()
                    ),
                    format!("the agent seems wedged: restart it; {HINT_START}"),
                ));
            }
        };
        crate::debug!("agent: connected to {}", path.display());
        Ok(Self::from_stream(stream))
    }

    /// Connect to the agent listening on `path` (not supported on this platform yet).
    #[cfg(not(unix))]
    pub async fn connect_to(_path: &Path) -> Result<Agent, UserError> {
        Err(unsupported_platform())
    }

    #[cfg(unix)]
    fn from_stream(stream: tokio::net::UnixStream) -> Agent {
        Agent {
            stream,
            timeout: ROUND_TRIP_TIMEOUT,
            broken: false,
        }
    }

    /// SSH_AGENTC_REQUEST_IDENTITIES: the keys and certificates the agent holds.
    pub async fn identities(&mut self) -> Result<Vec<Identity>, UserError> {
        let reply = self
            .round_trip(&frame(&[SSH_AGENTC_REQUEST_IDENTITIES]))
            .await?;
        parse_identities_reply(&reply)
    }

    /// Add `key` with its certificate `cert` (SSH_AGENTC_ADD_ID_CONSTRAINED, constrained to live
    /// `lifetime_secs` seconds), under `comment`. Supports ecdsa-sha2-nistp256 and ssh-ed25519
    /// keys, sent as their `-cert-v01@openssh.com` forms.
    pub async fn add_certificate(
        &mut self,
        key: &PrivateKey,
        cert: &Certificate,
        comment: &str,
        lifetime_secs: u32,
    ) -> Result<(), UserError> {
        let message = encode_add_certificate(key, cert, comment, lifetime_secs)?;
        crate::debug!(
            "agent: adding certificate {:?} ({}) with a lifetime of {lifetime_secs} s",
            cert.key_id(),
            cert.algorithm().to_certificate_type()
        );
        let reply = self.round_trip(message.as_slice()).await?;
        drop(message);
        match reply[0] {
            SSH_AGENT_SUCCESS => Ok(()),
            t if is_failure(t) => Err(UserError::local(
                format!(
                    "ssh-agent refused to add the certificate {:?} with a lifetime constraint of {lifetime_secs} s \
                     (some agents, such as older gpg-agent or some Windows agents, refuse constrained keys; \
                     a locked agent refuses all keys)",
                    cert.key_id()
                ),
                "use OpenSSH's ssh-agent, which supports key lifetimes: start one with `eval $(ssh-agent)`; \
                 if the agent is locked, unlock it with `ssh-add -X`",
            )),
            t => Err(unexpected_reply("adding a certificate", t)),
        }
    }

    /// SSH_AGENTC_REMOVE_IDENTITY by public blob. `Ok(false)` when the agent answered failure
    /// (it did not hold that identity).
    pub async fn remove(&mut self, blob: &[u8]) -> Result<bool, UserError> {
        if blob.len() > MAX_MESSAGE - 16 {
            return Err(bug(format!(
                "key blob of {} bytes is too large for ssh-agent",
                blob.len()
            )));
        }
        let mut body = Vec::with_capacity(1 + 4 + blob.len());
        body.push(SSH_AGENTC_REMOVE_IDENTITY);
        put_string(&mut body, blob);
        let reply = self.round_trip(&frame(&body)).await?;
        match reply[0] {
            SSH_AGENT_SUCCESS => Ok(true),
            t if is_failure(t) => Ok(false),
            t => Err(unexpected_reply("removing an identity", t)),
        }
    }

    #[cfg(unix)]
    async fn exchange(&mut self, request: &[u8]) -> Result<Vec<u8>, UserError> {
        exchange(&mut self.stream, request).await
    }

    #[cfg(not(unix))]
    async fn exchange(&mut self, _request: &[u8]) -> Result<Vec<u8>, UserError> {
        match self.never {}
    }

    /// Send one framed request and read one reply (without its length prefix; never empty).
    async fn round_trip(&mut self, request: &[u8]) -> Result<Vec<u8>, UserError> {
        if self.broken {
            return Err(UserError::local(
                "the connection to ssh-agent broke off earlier",
                "run the command again",
            ));
        }
        let result = tokio::time::timeout(self.timeout, self.exchange(request)).await;
        match result {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.broken = true;
                Err(e)
            }
            Err(_) => {
                self.broken = true;
                Err(UserError::local(
                    format!(
                        "ssh-agent did not answer within {} ms",
                        self.timeout.as_millis()
                    ),
                    format!("the agent seems wedged: restart it; {HINT_START}"),
                ))
            }
        }
    }
}

/// Whether `blob` (an identity's public blob) is an OpenSSH certificate — its key type string
/// ends in `-cert-v01@openssh.com` — and if so, the parsed certificate.
pub fn parse_certificate(blob: &[u8]) -> Option<Certificate> {
    let key_type = Wire::new(blob).string()?;
    if !key_type.ends_with(CERT_SUFFIX.as_bytes()) {
        return None;
    }
    Certificate::from_bytes(blob).ok()
}

fn unsupported_platform() -> UserError {
    UserError::local(
        "ssh-agent is not supported on this platform yet",
        "write the certificate to a file and point ssh's CertificateFile and IdentityFile at it",
    )
}

fn bug(message: String) -> UserError {
    UserError::new(
        Exit::Failure,
        message,
        "this is a bug in zssh; please report it",
    )
}

fn unexpected_reply(doing: &str, t: u8) -> UserError {
    UserError::local(
        format!("ssh-agent answered with unexpected message type {t} when {doing}"),
        "check that SSH_AUTH_SOCK points at an ssh-agent",
    )
}

fn malformed(what: &str) -> UserError {
    UserError::local(
        format!("ssh-agent sent a malformed {what}"),
        "check that SSH_AUTH_SOCK points at an ssh-agent",
    )
}

fn is_failure(t: u8) -> bool {
    matches!(
        t,
        SSH_AGENT_FAILURE | SSH_COM_AGENT2_FAILURE | SSH2_AGENT_FAILURE
    )
}

/// Write `request` (already framed) and read one framed reply, returning its body.
#[cfg_attr(not(unix), allow(dead_code))]
async fn exchange<S>(stream: &mut S, request: &[u8]) -> Result<Vec<u8>, UserError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let io = |e: std::io::Error| {
        UserError::local(
            format!("lost the connection to ssh-agent: {e}"),
            format!("check that the agent is still running; {HINT_START}"),
        )
    };
    stream.write_all(request).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    let mut len = [0u8; 4];
    stream.read_exact(&mut len).await.map_err(io)?;
    let len = u32::from_be_bytes(len) as usize;
    if len == 0 {
        return Err(malformed("empty reply"));
    }
    if len > MAX_MESSAGE {
        return Err(UserError::local(
            format!(
                "ssh-agent sent a reply of {len} bytes, more than the {MAX_MESSAGE} zssh accepts"
            ),
            "check that SSH_AUTH_SOCK points at an ssh-agent",
        ));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await.map_err(io)?;
    Ok(body)
}

fn parse_identities_reply(reply: &[u8]) -> Result<Vec<Identity>, UserError> {
    let mut wire = Wire::new(reply);
    match wire.u8() {
        Some(SSH_AGENT_IDENTITIES_ANSWER) => {}
        Some(t) if is_failure(t) => {
            return Err(UserError::local(
                "ssh-agent refused to list its keys",
                "if the agent is locked, unlock it with `ssh-add -X`",
            ));
        }
        Some(t) => return Err(unexpected_reply("listing identities", t)),
        None => return Err(malformed("empty reply")),
    }
    let count = wire.u32().ok_or_else(|| malformed("identities answer"))? as usize;
    // Each identity takes at least two length prefixes: don't trust a count the body can't hold.
    if count > wire.remaining() / 8 {
        return Err(malformed(
            "identities answer (count larger than the message)",
        ));
    }
    let mut identities = Vec::with_capacity(count);
    for _ in 0..count {
        let blob = wire
            .string()
            .ok_or_else(|| malformed("identities answer"))?;
        let comment = wire
            .string()
            .ok_or_else(|| malformed("identities answer"))?;
        identities.push(Identity {
            blob: blob.to_vec(),
            comment: String::from_utf8_lossy(comment).into_owned(),
        });
    }
    Ok(identities)
}

/// A buffer holding private key material: zeroed on drop, never formatted.
struct SecretBytes(Vec<u8>);

impl SecretBytes {
    fn as_slice(&self) -> &[u8] {
        &self.0
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.fill(0);
        std::hint::black_box(&self.0);
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

/// The framed SSH_AGENTC_ADD_ID_CONSTRAINED message for `key` + `cert`:
///
/// ```text
/// uint32  length
/// byte    SSH_AGENTC_ADD_ID_CONSTRAINED
/// string  "ecdsa-sha2-nistp256-cert-v01@openssh.com" | "ssh-ed25519-cert-v01@openssh.com"
/// string  certificate blob
///         ecdsa:   mpint  private scalar
///         ed25519: string ENC(A) (32 bytes), string k || ENC(A) (64 bytes)
/// string  comment
/// byte    SSH_AGENT_CONSTRAIN_LIFETIME
/// uint32  lifetime in seconds
/// ```
fn encode_add_certificate(
    key: &PrivateKey,
    cert: &Certificate,
    comment: &str,
    lifetime_secs: u32,
) -> Result<SecretBytes, UserError> {
    if lifetime_secs == 0 {
        // OpenSSH's agent would drop the key at once; the caller computed a lifetime wrongly.
        return Err(bug(
            "refusing to add a certificate to ssh-agent with a lifetime of 0 s".to_string(),
        ));
    }
    if cert.public_key() != key.public_key().key_data() {
        return Err(bug(format!(
            "certificate {:?} was not issued for this private key",
            cert.key_id()
        )));
    }
    let cert_blob = cert.to_bytes().map_err(|e| {
        bug(format!(
            "cannot encode certificate {:?}: {e}",
            cert.key_id()
        ))
    })?;
    if cert_blob.len() + comment.len() > MAX_MESSAGE - 256 {
        return Err(bug(format!(
            "certificate {:?} is too large for ssh-agent ({} bytes)",
            cert.key_id(),
            cert_blob.len()
        )));
    }
    let key_type = match key.key_data() {
        KeypairData::Ecdsa(EcdsaKeypair::NistP256 { .. }) => ECDSA_P256_CERT,
        KeypairData::Ed25519(_) => ED25519_CERT,
        KeypairData::Encrypted(_) => {
            return Err(bug(
                "the private key is encrypted; decrypt it before adding it to ssh-agent"
                    .to_string(),
            ));
        }
        _ => {
            return Err(bug(format!(
                "cannot add a {} key to ssh-agent (zssh supports ecdsa-sha2-nistp256 and ssh-ed25519)",
                key.algorithm().as_str()
            )));
        }
    };
    // Sized up front so the buffer never reallocates (which would leave a copy of the key behind).
    let capacity =
        4 + 1 + (4 + key_type.len()) + (4 + cert_blob.len()) + 128 + (4 + comment.len()) + 5;
    let mut msg = SecretBytes(Vec::with_capacity(capacity));
    let buf = &mut msg.0;
    put_u32(buf, 0); // length, patched below
    buf.push(SSH_AGENTC_ADD_ID_CONSTRAINED);
    put_string(buf, key_type.as_bytes());
    put_string(buf, &cert_blob);
    match key.key_data() {
        KeypairData::Ecdsa(EcdsaKeypair::NistP256 { private, .. }) => {
            put_mpint(buf, private.as_slice());
        }
        KeypairData::Ed25519(keypair) => {
            put_string(buf, keypair.public.as_ref());
            let mut both = keypair.to_bytes(); // k || ENC(A)
            put_string(buf, &both);
            both.fill(0);
            std::hint::black_box(&both);
        }
        _ => unreachable!("key type checked above"),
    }
    put_string(buf, comment.as_bytes());
    buf.push(SSH_AGENT_CONSTRAIN_LIFETIME);
    put_u32(buf, lifetime_secs);
    debug_assert!(buf.len() <= capacity, "message outgrew its buffer");
    let len = u32::try_from(buf.len() - 4).map_err(|_| bug("agent message too large".into()))?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    Ok(msg)
}

/// Prefix `body` with its uint32 length.
fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + body.len());
    put_string(&mut out, body);
    out
}

fn put_u32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_be_bytes());
}

/// An SSH `string`: uint32 length, then the bytes. Callers keep fields far below 4 GiB
/// (messages are capped at [`MAX_MESSAGE`]).
fn put_string(buf: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    put_u32(buf, len);
    buf.extend_from_slice(bytes);
}

/// An SSH `mpint` (RFC 4251 §5) of the non-negative big-endian integer `magnitude`: no
/// unnecessary leading zero bytes, and one zero byte in front when the top bit is set.
fn put_mpint(buf: &mut Vec<u8>, magnitude: &[u8]) {
    let start = magnitude
        .iter()
        .position(|&b| b != 0)
        .unwrap_or(magnitude.len());
    let digits = &magnitude[start..];
    let pad = digits.first().is_some_and(|&b| b & 0x80 != 0);
    put_u32(buf, (digits.len() + usize::from(pad)) as u32);
    if pad {
        buf.push(0);
    }
    buf.extend_from_slice(digits);
}

/// A reader over SSH wire data; every getter returns `None` on truncation.
struct Wire<'a> {
    buf: &'a [u8],
}

impl<'a> Wire<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Wire { buf }
    }

    fn remaining(&self) -> usize {
        self.buf.len()
    }

    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if n > self.buf.len() {
            return None;
        }
        let (head, tail) = self.buf.split_at(n);
        self.buf = tail;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn string(&mut self) -> Option<&'a [u8]> {
        let len = self.u32()? as usize;
        self.take(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ssh_key::certificate::{Builder, CertType};
    use ssh_key::getrandom::SysRng;
    use ssh_key::rand_core::UnwrapErr;
    use ssh_key::{Algorithm, EcdsaCurve};

    const P256: Algorithm = Algorithm::Ecdsa {
        curve: EcdsaCurve::NistP256,
    };

    fn now() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }

    /// A fresh user key of `algorithm` and a certificate for it (principal "alice").
    fn key_and_cert(algorithm: Algorithm) -> (PrivateKey, Certificate) {
        let mut rng = UnwrapErr(SysRng);
        let ca = PrivateKey::random(&mut rng, Algorithm::Ed25519).unwrap();
        let key = PrivateKey::random(&mut rng, algorithm).unwrap();
        let t = now();
        let mut builder =
            Builder::new_with_random_nonce(&mut rng, key.public_key(), t - 60, t + 300).unwrap();
        builder.cert_type(CertType::User).unwrap();
        builder.key_id("test-id").unwrap();
        builder.valid_principal("alice").unwrap();
        (key, builder.sign(&ca).unwrap())
    }

    /// Check the length prefix and the common head of an add message; return the rest.
    fn open_add_message<'a>(msg: &'a [u8], key_type: &str, cert: &Certificate) -> Wire<'a> {
        let mut w = Wire::new(msg);
        assert_eq!(w.u32().unwrap() as usize, msg.len() - 4, "length prefix");
        assert_eq!(w.u8(), Some(SSH_AGENTC_ADD_ID_CONSTRAINED));
        assert_eq!(w.string().unwrap(), key_type.as_bytes());
        assert_eq!(w.string().unwrap(), cert.to_bytes().unwrap().as_slice());
        w
    }

    fn close_add_message(mut w: Wire<'_>, comment: &str, lifetime: u32) {
        assert_eq!(w.string().unwrap(), comment.as_bytes());
        assert_eq!(w.u8(), Some(SSH_AGENT_CONSTRAIN_LIFETIME));
        assert_eq!(w.u32(), Some(lifetime));
        assert_eq!(w.remaining(), 0, "nothing after the constraint");
    }

    #[test]
    fn add_message_ecdsa_p256_field_by_field() {
        let (key, cert) = key_and_cert(P256);
        let msg = encode_add_certificate(&key, &cert, "zssh: alice", 120).unwrap();
        let mut w = open_add_message(msg.as_slice(), ECDSA_P256_CERT, &cert);
        let KeypairData::Ecdsa(EcdsaKeypair::NistP256 { private, .. }) = key.key_data() else {
            panic!("not a P-256 key");
        };
        let mpint = w.string().unwrap();
        let scalar = private.as_slice();
        let digits: Vec<u8> = scalar.iter().copied().skip_while(|&b| b == 0).collect();
        if digits[0] & 0x80 != 0 {
            assert_eq!(mpint[0], 0, "leading zero for a high top bit");
            assert_eq!(&mpint[1..], digits.as_slice());
        } else {
            assert_eq!(mpint, digits.as_slice());
        }
        close_add_message(w, "zssh: alice", 120);
    }

    #[test]
    fn add_message_ed25519_field_by_field() {
        let (key, cert) = key_and_cert(Algorithm::Ed25519);
        let msg = encode_add_certificate(&key, &cert, "c", 86_400).unwrap();
        let mut w = open_add_message(msg.as_slice(), ED25519_CERT, &cert);
        let KeypairData::Ed25519(keypair) = key.key_data() else {
            panic!("not an Ed25519 key");
        };
        let public: &[u8; 32] = keypair.public.as_ref();
        assert_eq!(w.string().unwrap(), public.as_slice(), "ENC(A)");
        let both = w.string().unwrap();
        assert_eq!(both.len(), 64);
        let seed: &[u8; 32] = keypair.private.as_ref();
        assert_eq!(&both[..32], seed.as_slice(), "k");
        assert_eq!(&both[32..], public.as_slice(), "ENC(A) after k");
        close_add_message(w, "c", 86_400);
    }

    #[test]
    fn add_message_refuses_mismatch_zero_lifetime_and_other_key_types() {
        let (key, _) = key_and_cert(Algorithm::Ed25519);
        let (_, other_cert) = key_and_cert(Algorithm::Ed25519);
        let err = encode_add_certificate(&key, &other_cert, "c", 60).unwrap_err();
        assert!(
            err.message.contains("not issued for this private key"),
            "{}",
            err.message
        );

        let (key, cert) = key_and_cert(P256);
        let err = encode_add_certificate(&key, &cert, "c", 0).unwrap_err();
        assert!(err.message.contains("lifetime of 0"), "{}", err.message);

        let mut rng = UnwrapErr(SysRng);
        let p384 = Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP384,
        };
        // P-384 is not compiled into ssh-key here; if it ever is, it must still be refused.
        if let Ok(key) = PrivateKey::random(&mut rng, p384) {
            let t = now();
            let ca = PrivateKey::random(&mut rng, Algorithm::Ed25519).unwrap();
            let mut b =
                Builder::new_with_random_nonce(&mut rng, key.public_key(), t, t + 60).unwrap();
            b.valid_principal("alice").unwrap();
            let cert = b.sign(&ca).unwrap();
            let err = encode_add_certificate(&key, &cert, "c", 60).unwrap_err();
            assert!(err.message.contains("cannot add"), "{}", err.message);
        }
    }

    #[test]
    fn secret_buffer_never_formats_its_bytes() {
        let s = SecretBytes(vec![0xAB; 8]);
        assert_eq!(format!("{s:?}"), "SecretBytes([redacted])");
    }

    #[test]
    fn mpint_encoding() {
        let enc = |m: &[u8]| {
            let mut v = Vec::new();
            put_mpint(&mut v, m);
            v
        };
        assert_eq!(enc(&[]), [0, 0, 0, 0]);
        assert_eq!(enc(&[0, 0]), [0, 0, 0, 0]);
        assert_eq!(enc(&[0x7f]), [0, 0, 0, 1, 0x7f]);
        assert_eq!(enc(&[0x00, 0x00, 0x7f, 0x01]), [0, 0, 0, 2, 0x7f, 0x01]);
        assert_eq!(enc(&[0x80]), [0, 0, 0, 2, 0x00, 0x80]);
        assert_eq!(enc(&[0x00, 0xff, 0x01]), [0, 0, 0, 3, 0x00, 0xff, 0x01]);
    }

    fn identities_answer(ids: &[(&[u8], &str)]) -> Vec<u8> {
        let mut v = vec![SSH_AGENT_IDENTITIES_ANSWER];
        put_u32(&mut v, ids.len() as u32);
        for (blob, comment) in ids {
            put_string(&mut v, blob);
            put_string(&mut v, comment.as_bytes());
        }
        v
    }

    #[test]
    fn parses_identities_answer() {
        let (key, cert) = key_and_cert(Algorithm::Ed25519);
        let cert_blob = cert.to_bytes().unwrap();
        let key_blob = key.public_key().to_bytes().unwrap();
        let reply = identities_answer(&[(&cert_blob, "zssh cert"), (&key_blob, "plain key")]);
        let ids = parse_identities_reply(&reply).unwrap();
        assert_eq!(
            ids,
            vec![
                Identity {
                    blob: cert_blob.clone(),
                    comment: "zssh cert".into()
                },
                Identity {
                    blob: key_blob.clone(),
                    comment: "plain key".into()
                },
            ]
        );
        let parsed = parse_certificate(&ids[0].blob).expect("a certificate");
        assert_eq!(parsed.valid_principals(), ["alice".to_string()]);
        assert_eq!(parsed.key_id(), "test-id");
        assert!(parse_certificate(&ids[1].blob).is_none());

        assert_eq!(
            parse_identities_reply(&identities_answer(&[])).unwrap(),
            vec![]
        );
    }

    #[test]
    fn rejects_bad_identities_answers() {
        // Failure, and an unexpected type.
        let err = parse_identities_reply(&[SSH_AGENT_FAILURE]).unwrap_err();
        assert!(err.message.contains("refused to list"), "{}", err.message);
        assert!(parse_identities_reply(&[SSH2_AGENT_FAILURE]).is_err());
        let err = parse_identities_reply(&[SSH_AGENT_SUCCESS]).unwrap_err();
        assert!(
            err.message.contains("unexpected message type 6"),
            "{}",
            err.message
        );
        // Truncated: a count but no body, a blob without a comment, a short string.
        assert!(parse_identities_reply(&[SSH_AGENT_IDENTITIES_ANSWER, 0, 0]).is_err());
        let mut one = identities_answer(&[(b"blob", "comment")]);
        one.truncate(one.len() - 3);
        assert!(parse_identities_reply(&one).is_err());
        // A count the message cannot hold is refused before allocating for it.
        let mut huge = vec![SSH_AGENT_IDENTITIES_ANSWER];
        put_u32(&mut huge, u32::MAX);
        let err = parse_identities_reply(&huge).unwrap_err();
        assert!(err.message.contains("count"), "{}", err.message);
        assert!(parse_identities_reply(&[]).is_err());
    }

    #[test]
    fn parse_certificate_only_accepts_certificates() {
        let (key, cert) = key_and_cert(P256);
        let parsed = parse_certificate(&cert.to_bytes().unwrap()).unwrap();
        assert_eq!(parsed, cert);
        assert!(parse_certificate(&key.public_key().to_bytes().unwrap()).is_none());
        assert!(parse_certificate(b"").is_none());
        assert!(parse_certificate(&[0, 0, 0, 9, b'x']).is_none());
        // The right type string, then garbage.
        let mut bogus = Vec::new();
        put_string(&mut bogus, ED25519_CERT.as_bytes());
        bogus.extend_from_slice(&[0, 0, 0, 1, 7]);
        assert!(parse_certificate(&bogus).is_none());
    }

    #[tokio::test]
    async fn connect_errors_name_the_fix() {
        let err = Agent::connect_from(None).await.unwrap_err();
        if cfg!(unix) {
            assert!(
                err.message.contains("SSH_AUTH_SOCK is not set"),
                "{}",
                err.message
            );
            assert!(err.hint.contains("eval $(ssh-agent)"), "{}", err.hint);
            let err = Agent::connect_from(Some(OsString::new()))
                .await
                .unwrap_err();
            assert!(
                err.message.contains("SSH_AUTH_SOCK is not set"),
                "{}",
                err.message
            );
            let dir = tempfile::tempdir().unwrap();
            let missing = dir.path().join("no-agent.sock");
            let err = Agent::connect_to(&missing).await.unwrap_err();
            assert!(
                err.message.contains("cannot connect to ssh-agent"),
                "{}",
                err.message
            );
            assert!(err.message.contains("no-agent.sock"), "{}", err.message);
            assert!(err.hint.contains("eval $(ssh-agent)"), "{}", err.hint);
            assert_eq!(err.exit, Exit::Local);
        } else {
            assert!(err.message.contains("not supported"), "{}", err.message);
        }
    }

    /// Fake agents on a socket pair: each answers one request with a canned reply.
    #[cfg(unix)]
    mod fake {
        use super::*;
        use tokio::net::UnixStream;

        /// An agent whose peer answers the next request with `reply` (a framed message, or raw
        /// bytes), and hands back the request it saw.
        pub fn agent_answering(reply: Vec<u8>) -> (Agent, tokio::task::JoinHandle<Vec<u8>>) {
            let (ours, mut theirs) = UnixStream::pair().unwrap();
            let peer = tokio::spawn(async move {
                let mut len = [0u8; 4];
                theirs.read_exact(&mut len).await.unwrap();
                let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
                theirs.read_exact(&mut body).await.unwrap();
                theirs.write_all(&reply).await.unwrap();
                // Keep the socket open until the client has read the reply.
                let mut rest = Vec::new();
                let _ = theirs.read_to_end(&mut rest).await;
                body
            });
            (Agent::from_stream(ours), peer)
        }

        #[tokio::test]
        async fn add_refused_says_lifetime_constraint() {
            let (mut agent, peer) = agent_answering(frame(&[SSH_AGENT_FAILURE]));
            let (key, cert) = key_and_cert(Algorithm::Ed25519);
            let err = agent
                .add_certificate(&key, &cert, "zssh", 120)
                .await
                .unwrap_err();
            assert!(err.message.contains("refused"), "{}", err.message);
            assert!(
                err.message.contains("lifetime constraint"),
                "{}",
                err.message
            );
            assert!(err.hint.contains("ssh-agent"), "{}", err.hint);
            drop(agent);
            let request = peer.await.unwrap();
            // What the agent received is exactly the encoded message, minus its length prefix.
            let expected = encode_add_certificate(&key, &cert, "zssh", 120).unwrap();
            assert_eq!(request.as_slice(), &expected.as_slice()[4..]);
        }

        #[tokio::test]
        async fn add_accepted() {
            let (mut agent, _peer) = agent_answering(frame(&[SSH_AGENT_SUCCESS]));
            let (key, cert) = key_and_cert(P256);
            agent
                .add_certificate(&key, &cert, "zssh", 60)
                .await
                .unwrap();
        }

        #[tokio::test]
        async fn add_unexpected_answer() {
            let (mut agent, _peer) = agent_answering(frame(&[SSH_AGENT_IDENTITIES_ANSWER]));
            let (key, cert) = key_and_cert(P256);
            let err = agent
                .add_certificate(&key, &cert, "zssh", 60)
                .await
                .unwrap_err();
            assert!(
                err.message.contains("unexpected message type 12"),
                "{}",
                err.message
            );
        }

        #[tokio::test]
        async fn remove_success_and_failure() {
            let (mut agent, peer) = agent_answering(frame(&[SSH_AGENT_SUCCESS]));
            assert!(agent.remove(b"the-blob").await.unwrap());
            drop(agent);
            let mut expected = vec![SSH_AGENTC_REMOVE_IDENTITY];
            put_string(&mut expected, b"the-blob");
            assert_eq!(peer.await.unwrap(), expected);

            let (mut agent, _peer) = agent_answering(frame(&[SSH_AGENT_FAILURE]));
            assert!(!agent.remove(b"the-blob").await.unwrap());
            let (mut agent, _peer) = agent_answering(frame(&[SSH_COM_AGENT2_FAILURE]));
            assert!(!agent.remove(b"the-blob").await.unwrap());
        }

        #[tokio::test]
        async fn identities_round_trip_and_failure() {
            let (_, cert) = key_and_cert(Algorithm::Ed25519);
            let blob = cert.to_bytes().unwrap();
            let (mut agent, peer) = agent_answering(frame(&identities_answer(&[(&blob, "x")])));
            let ids = agent.identities().await.unwrap();
            assert_eq!(ids.len(), 1);
            assert_eq!(ids[0].blob, blob);
            drop(agent);
            assert_eq!(peer.await.unwrap(), [SSH_AGENTC_REQUEST_IDENTITIES]);

            let (mut agent, _peer) = agent_answering(frame(&[SSH_AGENT_FAILURE]));
            assert!(agent.identities().await.is_err());
        }

        #[tokio::test]
        async fn oversized_and_empty_replies_are_refused() {
            let mut big = Vec::new();
            put_u32(&mut big, (MAX_MESSAGE + 1) as u32);
            let (mut agent, _peer) = agent_answering(big);
            let err = agent.identities().await.unwrap_err();
            assert!(err.message.contains("more than the"), "{}", err.message);
            // The stream is out of step now: later calls fail instead of misreading.
            let err = agent.identities().await.unwrap_err();
            assert!(err.message.contains("broke off"), "{}", err.message);

            let (mut agent, _peer) = agent_answering(vec![0, 0, 0, 0]);
            assert!(agent.identities().await.is_err());
        }

        #[tokio::test]
        async fn closed_connection_is_an_error() {
            let (ours, theirs) = UnixStream::pair().unwrap();
            drop(theirs);
            let mut agent = Agent::from_stream(ours);
            let err = agent.identities().await.unwrap_err();
            assert!(
                err.message.contains("lost the connection"),
                "{}",
                err.message
            );
        }

        #[tokio::test]
        async fn wedged_agent_times_out() {
            let (ours, _theirs) = UnixStream::pair().unwrap(); // never answers
            let mut agent = Agent::from_stream(ours);
            agent.timeout = Duration::from_millis(50);
            let err = agent.identities().await.unwrap_err();
            assert!(err.message.contains("did not answer"), "{}", err.message);
            assert!(agent.broken);
        }
    }

    /// Against a real OpenSSH ssh-agent, with keys and certificates made by ssh-keygen.
    #[cfg(unix)]
    mod real_agent {
        use super::*;
        use std::io::BufRead;
        use std::path::PathBuf;
        use std::process::{Child, Command, Stdio};

        /// `ssh-agent -D -a SOCK`, killed when dropped.
        struct AgentProcess {
            child: Child,
            sock: PathBuf,
            _stdout: std::io::BufReader<std::process::ChildStdout>,
        }

        impl AgentProcess {
            fn start(sock: PathBuf) -> AgentProcess {
                let mut child = Command::new("ssh-agent")
                    .arg("-D")
                    .arg("-a")
                    .arg(&sock)
                    .env_remove("SSH_AUTH_SOCK")
                    .stdin(Stdio::null())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .expect("run ssh-agent (openssh-client)");
                let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
                // ssh-agent binds and listens before it prints its environment line.
                let mut line = String::new();
                stdout.read_line(&mut line).unwrap();
                let agent = AgentProcess {
                    child,
                    sock,
                    _stdout: stdout,
                };
                assert!(
                    line.starts_with("SSH_AUTH_SOCK="),
                    "ssh-agent said {line:?}"
                );
                assert!(agent.sock.exists(), "no socket at {}", agent.sock.display());
                agent
            }

            fn ssh_add(&self, args: &[&str]) -> String {
                let out = Command::new("ssh-add")
                    .args(args)
                    .env("SSH_AUTH_SOCK", &self.sock)
                    .stdin(Stdio::null())
                    .output()
                    .unwrap();
                String::from_utf8_lossy(&out.stdout).into_owned()
            }
        }

        impl Drop for AgentProcess {
            fn drop(&mut self) {
                let _ = self.child.kill();
                let _ = self.child.wait();
            }
        }

        fn keygen(args: &[&str]) {
            let status = Command::new("ssh-keygen")
                .args(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success(), "ssh-keygen {args:?} failed");
        }

        /// Make a CA and a user key of `kind`, and sign a certificate for alice.
        fn make(dir: &Path, kind: &str) -> (PrivateKey, Certificate) {
            let type_args: &[&str] = if kind == "ecdsa" {
                &["-t", "ecdsa", "-b", "256"]
            } else {
                &["-t", "ed25519"]
            };
            let ca = dir.join(format!("ca_{kind}"));
            let user = dir.join(format!("user_{kind}"));
            for (path, comment) in [(&ca, "ca"), (&user, "user")] {
                let mut args = vec!["-q", "-N", "", "-C", comment, "-f", path.to_str().unwrap()];
                args.extend_from_slice(type_args);
                keygen(&args);
            }
            let pubkey = dir.join(format!("user_{kind}.pub"));
            keygen(&[
                "-q",
                "-s",
                ca.to_str().unwrap(),
                "-I",
                "id",
                "-n",
                "alice",
                "-V",
                "-1m:+5m",
                pubkey.to_str().unwrap(),
            ]);
            let key = PrivateKey::read_openssh_file(&user).unwrap();
            let cert = Certificate::read_file(&dir.join(format!("user_{kind}-cert.pub"))).unwrap();
            (key, cert)
        }

        #[tokio::test]
        async fn adds_lists_and_removes_certificates() {
            let dir = tempfile::tempdir().unwrap();
            let process = AgentProcess::start(dir.path().join("agent.sock"));

            // A plain key already in the agent, so listings mix keys and certificates.
            keygen(
                &["-q", "-t", "ed25519", "-N", "", "-C", "plain", "-f"]
                    .iter()
                    .copied()
                    .chain([dir.path().join("plain").to_str().unwrap()])
                    .collect::<Vec<_>>(),
            );
            let out = Command::new("ssh-add")
                .arg("-q")
                .arg(dir.path().join("plain"))
                .env("SSH_AUTH_SOCK", &process.sock)
                .stdin(Stdio::null())
                .output()
                .unwrap();
            assert!(out.status.success(), "ssh-add plain: {out:?}");

            let mut agent = Agent::connect_to(&process.sock).await.unwrap();
            for (kind, label) in [("ecdsa", "(ECDSA-CERT)"), ("ed25519", "(ED25519-CERT)")] {
                let (key, cert) = make(dir.path(), kind);
                let comment = format!("zssh-test-{kind}");
                agent
                    .add_certificate(&key, &cert, &comment, 120)
                    .await
                    .unwrap_or_else(|e| panic!("{kind}: {} ({})", e.message, e.hint));

                let listed = process.ssh_add(&["-l"]);
                assert!(
                    listed
                        .lines()
                        .any(|l| l.contains(&comment) && l.ends_with(label)),
                    "{kind}: ssh-add -l shows no {label} {comment}:\n{listed}"
                );
                let long = process.ssh_add(&["-L"]);
                assert!(
                    long.lines()
                        .any(|l| l.starts_with(&cert.algorithm().to_certificate_type())),
                    "{kind}: ssh-add -L:\n{long}"
                );

                let ids = agent.identities().await.unwrap();
                assert!(
                    ids.iter()
                        .any(|i| i.comment == "plain" && parse_certificate(&i.blob).is_none())
                );
                let ours = ids
                    .iter()
                    .find(|i| i.comment == comment)
                    .unwrap_or_else(|| panic!("{kind}: not in identities: {ids:?}"));
                assert_eq!(ours.blob, cert.to_bytes().unwrap());
                let parsed = parse_certificate(&ours.blob).expect("a certificate");
                assert_eq!(parsed.valid_principals(), ["alice".to_string()]);
                assert_eq!(parsed.key_id(), "id");

                assert!(agent.remove(&ours.blob).await.unwrap(), "{kind}: remove");
                let listed = process.ssh_add(&["-l"]);
                assert!(!listed.contains(label), "{kind}: still listed:\n{listed}");
                assert!(
                    listed.contains("plain"),
                    "{kind}: plain key gone:\n{listed}"
                );
                assert!(
                    !agent.remove(&ours.blob).await.unwrap(),
                    "{kind}: second remove should report absence"
                );
            }
            drop(agent);
            drop(process);
        }
    }
}
