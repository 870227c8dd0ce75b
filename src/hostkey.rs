//! Fetching the host key a path presents: through the Access tunnel (exactly the tunnel
//! `zssh proxy --hostname HOST` opens) or over a direct TCP connection (routing such as WARP).
//!
//! An SSH handshake (RFC 4253) runs only as far as the server's signed key exchange: russh hands
//! the verified host key to [`russh::client::Handler::check_server_key`], which records it and
//! refuses to go on. No user authentication happens and nothing is trusted.
//!
//! This module never prints; callers turn its errors into user-facing ones.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::keys::{Algorithm, HashAlg, PublicKey, PublicKeyOrCertificate};
use tokio::io::{AsyncRead, AsyncWrite};

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

/// Records the server's key and stops the handshake there.
struct Catch(Arc<Mutex<Option<PublicKey>>>);

impl russh::client::Handler for Catch {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        if let PublicKeyOrCertificate::PublicKey { key, .. } = key {
            *self.0.lock().expect("not poisoned") = Some(key.clone());
        }
        Ok(false)
    }
}

/// russh's host key algorithms with the types already recorded for the host first, so the
/// server shows the key ssh itself would be shown (OpenSSH orders the same way).
pub fn preferred_algorithms(known: &[String]) -> Vec<Algorithm> {
    let mut out: Vec<Algorithm> = Vec::new();
    let mut push = |a: Algorithm| {
        if !out.contains(&a) {
            out.push(a);
        }
    };
    for name in known {
        match Algorithm::new(name) {
            Ok(Algorithm::Rsa { .. }) => {
                push(Algorithm::Rsa {
                    hash: Some(HashAlg::Sha512),
                });
                push(Algorithm::Rsa {
                    hash: Some(HashAlg::Sha256),
                });
                push(Algorithm::Rsa { hash: None });
            }
            Ok(a @ (Algorithm::Ed25519 | Algorithm::Ecdsa { .. })) => push(a),
            _ => {}
        }
    }
    for a in russh::Preferred::DEFAULT.key.iter() {
        push(a.clone());
    }
    out
}

/// Run the SSH handshake over `stream` until the server's host key is known.
pub async fn fetch_over<S>(stream: S, prefer: &[String]) -> Result<Key, FetchError>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let seen = Arc::new(Mutex::new(None));
    let config = russh::client::Config {
        preferred: russh::Preferred {
            key: Cow::Owned(preferred_algorithms(prefer)),
            ..russh::Preferred::DEFAULT
        },
        ..Default::default()
    };
    let handshake = russh::client::connect_stream(Arc::new(config), stream, Catch(seen.clone()));
    let result = tokio::time::timeout(TIMEOUT, handshake).await;
    let key = seen.lock().expect("not poisoned").take();
    if let Some(key) = key {
        let blob = key
            .to_bytes()
            .map_err(|e| FetchError::Handshake(format!("cannot encode the host key: {e}")))?;
        return Key::from_blob(blob)
            .ok_or_else(|| FetchError::Handshake("the host key has no type".into()));
    }
    match result {
        Err(_) => Err(FetchError::Timeout),
        Ok(Ok(_)) => Err(FetchError::Handshake(
            "the server did not show a plain host key".into(),
        )),
        Ok(Err(e)) => Err(FetchError::Handshake(match e {
            russh::Error::Disconnect | russh::Error::HUP => {
                "the connection closed before the server showed its host key".into()
            }
            russh::Error::IO(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the connection closed before the server showed its host key".into()
            }
            other => format!("SSH handshake failed: {other}"),
        })),
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
    // russh wants a byte stream: one end of an in-memory pipe, the other pumped to the tunnel.
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
    use russh::keys::EcdsaCurve;

    #[test]
    fn known_types_go_first() {
        let def = preferred_algorithms(&[]);
        assert_eq!(def[0], Algorithm::Ed25519);
        let rsa = preferred_algorithms(&["ssh-rsa".into(), "bogus".into()]);
        assert_eq!(
            rsa[0],
            Algorithm::Rsa {
                hash: Some(HashAlg::Sha512)
            }
        );
        assert_eq!(rsa.len(), def.len());
        let ec = preferred_algorithms(&["ecdsa-sha2-nistp384".into()]);
        assert_eq!(
            ec[0],
            Algorithm::Ecdsa {
                curve: EcdsaCurve::NistP384
            }
        );
    }

    #[tokio::test]
    async fn a_silent_peer_is_not_a_key() {
        let (ours, theirs) = tokio::io::duplex(1024);
        drop(theirs);
        let err = fetch_over(ours, &[]).await.unwrap_err();
        assert!(matches!(err, FetchError::Handshake(_)), "{err:?}");
    }
}
