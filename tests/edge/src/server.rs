//! The listener: accept TCP, terminate TLS, read requests in a keep-alive loop, route each by its
//! Host header (port ignored), record it, and carry out the answer.
//!
//! Routing: the team host -> `team.rs`; the two transfer store hosts -> `store.rs`; a configured app
//! host -> `app.rs`; anything else -> 404. This file also performs the answers that are not plain
//! responses: a WebSocket hand-over to `ws.rs`, garbage bytes, and stalls.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rustls::ServerConfig;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::TlsAcceptor;

use crate::http::{Conn, ReadError, Request, Response, write_all};
use crate::record::{Kind, RequestRecord};
use crate::state::Shared;
use crate::{app, store, team, ws};

/// Host names of the transfer store (commercial and FedRAMP).
pub(crate) const STORE_HOSTS: [&str; 2] = [
    "login.cloudflareaccess.org",
    "login.fed.cloudflareaccess.org",
];

/// A TLS handshake that takes longer than this is abandoned.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What to do with a request.
pub(crate) enum Outcome {
    /// Answer, and keep the connection if the client wants it.
    Respond(Response),
    /// Answer, then close.
    RespondClose(Response),
    /// Answer 101 and bridge the stream to this origin connection.
    Upgrade(Response, TcpStream),
    /// Write bytes that are not HTTP, then close.
    Garbage,
    /// Write these bytes (a malformed HTTP answer), then close.
    RawClose(&'static [u8]),
    /// Never answer (until the client goes away or the edge stops).
    Stall,
}

enum Route<'a> {
    App(&'a crate::state::AppEntry),
    Team,
    Store,
    Unknown,
}

fn route<'a>(shared: &'a Shared, req: &Request) -> (Route<'a>, Kind) {
    let host = req.host();
    let path = req.path();
    if host == shared.team {
        let kind = if path == "/cdn-cgi/access/certs" {
            Kind::Jwks
        } else if path.starts_with("/cdn-cgi/access/login/") {
            Kind::TeamLogin
        } else if path == "/cdn-cgi/access/cert_sign" {
            Kind::CertSign
        } else {
            Kind::Other
        };
        return (Route::Team, kind);
    }
    if STORE_HOSTS.contains(&host.as_str()) {
        let kind = if path.starts_with("/transfer/") {
            Kind::TransferPoll
        } else {
            Kind::Other
        };
        return (Route::Store, kind);
    }
    if let Some(a) = shared.app(&host) {
        let kind = if app::is_upgrade(req) {
            Kind::Upgrade
        } else if path == "/cdn-cgi/access/cli" {
            Kind::CliLogin
        } else if path == "/cdn-cgi/access/authorized" {
            Kind::Authorized
        } else if app::wants_metadata(req) {
            Kind::Metadata
        } else if app::is_token_check(req) {
            Kind::TokenCheck
        } else if req.method == "HEAD" || req.method == "GET" {
            Kind::LegacyProbe
        } else {
            Kind::Other
        };
        return (Route::App(a), kind);
    }
    (Route::Unknown, Kind::Other)
}

/// Accepts connections until `shutdown` fires (or its sender is dropped).
pub(crate) async fn run(
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    tls: Arc<ServerConfig>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("zssh-test-edge: cannot use listener: {e}");
            return;
        }
    };
    let acceptor = TlsAcceptor::from(tls);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    let number = shared.log.connection();
                    tokio::spawn(serve_connection(shared.clone(), acceptor.clone(), tcp, number));
                }
                // Out of descriptors and the like: back off briefly instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
        }
    }
}

async fn serve_connection(shared: Arc<Shared>, acceptor: TlsAcceptor, tcp: TcpStream, number: u64) {
    let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
        Ok(Ok(s)) => s,
        _ => return,
    };
    let mut conn = Conn::new(tls);
    loop {
        let req = match conn.read_request().await {
            Ok(r) => r,
            Err(ReadError::Bad(status, why)) => {
                let resp = Response::new(status).text(format!("{why}\n"));
                let _ = write_all(&mut conn.stream, &resp.to_bytes(false, true)).await;
                let _ = conn.stream.shutdown().await;
                return;
            }
            Err(ReadError::Eof | ReadError::Io) => return,
        };
        let (route, kind) = route(&shared, &req);
        let index = shared.log.push(RequestRecord {
            method: req.method.clone(),
            host: req.host(),
            path: req.target.clone(),
            headers: req.headers.clone(),
            status: 0,
            kind,
            conn: number,
        });
        let outcome = match route {
            Route::App(a) => app::handle(&shared, a, &req).await,
            Route::Team => Outcome::Respond(team::handle(&shared, &req)),
            Route::Store => Outcome::Respond(store::handle(&shared, &req).await),
            Route::Unknown => Outcome::Respond(
                Response::new(404)
                    .text(format!("no Access application for host {:?}\n", req.host())),
            ),
        };
        let head_only = req.method == "HEAD";
        if shared.knobs.early_hints.load(Ordering::SeqCst)
            && !matches!(outcome, Outcome::Stall | Outcome::Garbage)
            && write_all(
                &mut conn.stream,
                b"HTTP/1.1 103 Early Hints\r\nLink: </cdn-cgi/styles/main.css>; rel=preload; as=style\r\n\r\n",
            )
            .await
            .is_err()
        {
            return;
        }
        match outcome {
            Outcome::Respond(resp) => {
                shared.log.set_status(index, resp.status);
                let close = req.wants_close();
                if write_all(&mut conn.stream, &resp.to_bytes(head_only, close))
                    .await
                    .is_err()
                    || close
                {
                    let _ = conn.stream.shutdown().await;
                    return;
                }
            }
            Outcome::RespondClose(resp) => {
                shared.log.set_status(index, resp.status);
                let _ = write_all(&mut conn.stream, &resp.to_bytes(head_only, true)).await;
                let _ = conn.stream.shutdown().await;
                return;
            }
            Outcome::Upgrade(resp, origin) => {
                shared.log.set_status(index, 101);
                if write_all(&mut conn.stream, &resp.to_bytes(true, false))
                    .await
                    .is_err()
                {
                    return;
                }
                let ping = match shared.knobs.ping_interval_ms.load(Ordering::SeqCst) {
                    0 => shared.cfg.ping_interval,
                    ms => Some(Duration::from_millis(ms)),
                };
                let Conn { stream, buf } = conn;
                ws::bridge(stream, buf, origin, ping, shared.knobs.clone()).await;
                return;
            }
            Outcome::Garbage => {
                let _ = write_all(
                    &mut conn.stream,
                    b"\x00\x01\xfe\xffSSH-2.0-garbage \x1b[31mnot http\x1b[0m\r\n\xde\xad\xbe\xef",
                )
                .await;
                let _ = conn.stream.shutdown().await;
                return;
            }
            Outcome::RawClose(bytes) => {
                let _ = write_all(&mut conn.stream, bytes).await;
                let _ = conn.stream.shutdown().await;
                return;
            }
            Outcome::Stall => {
                // Swallow whatever else arrives until the client gives up.
                let mut sink = vec![0u8; 16 * 1024];
                while matches!(conn.stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
        }
    }
}
