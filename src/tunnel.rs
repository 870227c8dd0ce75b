//! The carrier: the WebSocket upgrade to the app host (spec 5.1) and the byte pump between a
//! local stream (stdin/stdout or an accepted TCP connection) and the WebSocket (spec 5.2).
//!
//! Frames: every local read goes out as one masked binary message; the payload of every data
//! message from the edge goes to the local side. zssh also sends a ping every `keepalive` so an
//! idle session survives edges that cut idle connections, and on local EOF it sends a close
//! frame and keeps relaying for a short grace period so nothing in flight is lost.
//! RFC 6455; `../shared/docs/access-protocol.md` section 5.

use std::time::Duration;

use bytes::BytesMut;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Bytes, Error as WsError, Message};

use crate::access::app_url::AppUrl;
use crate::client::{Client, ClientError};
use crate::http::{HttpError, Request, Response};
use crate::net::Stream;
use crate::secret::Secret;

/// Size of local reads (a pipe delivers at most 64 KiB at a time on Linux by default).
const READ_BUF: usize = 64 * 1024;

/// How long to keep relaying edge→local after local EOF, waiting for the edge to close.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

pub type Ws = WebSocketStream<Stream>;

/// The result of one upgrade attempt.
pub enum Dialed {
    Open(Box<Ws>),
    /// Any answer but 101; the body has been read and the connection returned to the pool.
    Refused(Response),
}

/// Attempt the WebSocket upgrade with `headers` (+ `Cf-Access-Token` if `token`).
pub async fn dial(
    client: &mut Client,
    app: &AppUrl,
    headers: &[(String, String)],
    token: Option<&Secret>,
) -> Result<Dialed, ClientError> {
    let timeout = client.net.timeout;
    let fut = async {
        let mut conn = client.conn(&app.host, app.port_or_default()).await?;
        let key = generate_key();
        let mut all: Vec<(String, String)> = headers.to_vec();
        if let Some(t) = token {
            all.push(("Cf-Access-Token".into(), t.expose().to_string()));
        }
        all.push(("Connection".into(), "Upgrade".into()));
        all.push(("Sec-WebSocket-Key".into(), key.clone()));
        all.push(("Sec-WebSocket-Version".into(), "13".into()));
        all.push(("Upgrade".into(), "websocket".into()));
        let authority = app.authority();
        let req = Request {
            method: "GET",
            target: &app.target,
            host: &authority,
            headers: &all,
            body: None,
        };
        let resp = conn.send(&req).await.map_err(|err| ClientError::Http {
            host: authority.clone(),
            err,
        })?;
        if resp.status != 101 {
            client.put(&app.host, app.port_or_default(), conn);
            return Ok(Dialed::Refused(resp));
        }
        let accept_ok = resp.header("sec-websocket-accept")
            == Some(&derive_accept_key(key.as_bytes()))
            && resp
                .header("upgrade")
                .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
        if !accept_ok {
            return Err(ClientError::Http {
                host: authority,
                err: HttpError::Garbage("101 without a valid Sec-WebSocket-Accept".into()),
            });
        }
        let leftover = conn.take_leftover();
        let config = WebSocketConfig::default();
        let ws =
            WebSocketStream::from_partially_read(conn.stream, leftover, Role::Client, Some(config))
                .await;
        Ok(Dialed::Open(Box::new(ws)))
    };
    match tokio::time::timeout(timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(ClientError::Timeout {
            host: app.authority(),
            after: timeout,
        }),
    }
}

/// How a relayed session ended.
#[derive(Debug, PartialEq, Eq)]
pub enum End {
    /// The local side reached EOF (or went away); a close frame was sent.
    Local,
    /// The edge closed (close frame or end of stream).
    Edge,
    /// The edge connection failed mid-session.
    Lost(String),
}

fn is_normal_end(e: &WsError) -> bool {
    match e {
        WsError::ConnectionClosed | WsError::AlreadyClosed => true,
        WsError::Protocol(p) => matches!(
            p,
            tokio_tungstenite::tungstenite::error::ProtocolError::ResetWithoutClosingHandshake
        ),
        WsError::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

/// Relay between `input`/`output` (local side) and `ws` until either side ends.
/// `input` yields chunks read locally (closed = EOF); `output` takes chunks for the local side.
pub async fn pump<S>(
    ws: WebSocketStream<S>,
    mut input: mpsc::Receiver<Bytes>,
    output: mpsc::Sender<Bytes>,
    keepalive: Option<Duration>,
) -> End
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let (mut sink, mut stream) = ws.split();
    let period = keepalive.unwrap_or(Duration::from_secs(3600 * 24 * 365));
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            chunk = input.recv() => match chunk {
                Some(bytes) => {
                    // Queue without flushing while more input is already waiting: one TLS write
                    // (and syscall) then carries several frames.
                    let sent = if input.is_empty() {
                        sink.send(Message::Binary(bytes)).await
                    } else {
                        sink.feed(Message::Binary(bytes)).await
                    };
                    if let Err(e) = sent {
                        return if is_normal_end(&e) { End::Edge } else { End::Lost(e.to_string()) };
                    }
                }
                None => {
                    let _ = sink.send(Message::Close(None)).await;
                    let drain = async {
                        while let Some(Ok(msg)) = stream.next().await {
                            if let Message::Binary(b) = msg
                                && output.send(b).await.is_err()
                            {
                                break;
                            }
                        }
                    };
                    let _ = tokio::time::timeout(CLOSE_GRACE, drain).await;
                    return End::Local;
                }
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(b))) => {
                    if output.send(b).await.is_err() {
                        let _ = sink.send(Message::Close(None)).await;
                        return End::Local;
                    }
                }
                Some(Ok(Message::Text(t))) => {
                    if output.send(Bytes::from(t)).await.is_err() {
                        let _ = sink.send(Message::Close(None)).await;
                        return End::Local;
                    }
                }
                Some(Ok(Message::Close(_))) | None => {
                    // tungstenite queued the close reply; flush it.
                    let _ = sink.close().await;
                    return End::Edge;
                }
                Some(Ok(_)) => {
                    // Ping: tungstenite queued the pong; flush it now rather than on the next send.
                    let _ = sink.flush().await;
                }
                Some(Err(e)) => {
                    return if is_normal_end(&e) { End::Edge } else { End::Lost(e.to_string()) };
                }
            },
            _ = ticker.tick() => {
                if let Err(e) = sink.send(Message::Ping(Bytes::new())).await {
                    return if is_normal_end(&e) { End::Edge } else { End::Lost(e.to_string()) };
                }
            }
        }
    }
}

/// Local stdin/stdout as pump channels, served by two plain threads (blocking I/O on pipes is
/// the fastest portable way; tokio's stdio would hop through its blocking pool per read).
pub fn stdio_channels() -> (
    mpsc::Receiver<Bytes>,
    mpsc::Sender<Bytes>,
    std::thread::JoinHandle<()>,
) {
    use std::io::{Read, Write};
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(8);
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(8);
    std::thread::spawn(move || {
        let mut stdin = raw_stdin();
        // One reused read buffer, and an arena the chunks are cut from: a memcpy per read but
        // (once earlier chunks are sent and dropped) no allocation or fresh pages per read.
        let mut rd = vec![0u8; READ_BUF];
        let mut arena = BytesMut::with_capacity(4 * READ_BUF);
        loop {
            match stdin.read(&mut rd) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    arena.reserve(n);
                    arena.extend_from_slice(&rd[..n]);
                    if in_tx.blocking_send(arena.split().freeze()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let writer = std::thread::spawn(move || {
        let mut stdout = raw_stdout();
        while let Some(chunk) = out_rx.blocking_recv() {
            if stdout
                .write_all(&chunk)
                .and_then(|_| stdout.flush())
                .is_err()
            {
                break;
            }
        }
    });
    (in_rx, out_tx, writer)
}

#[cfg(unix)]
fn raw_stdin() -> Box<dyn std::io::Read + Send> {
    use std::os::fd::AsFd;
    match std::io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::stdin()),
    }
}

#[cfg(unix)]
fn raw_stdout() -> Box<dyn std::io::Write + Send> {
    use std::os::fd::AsFd;
    match std::io::stdout().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::stdout()),
    }
}

#[cfg(not(unix))]
fn raw_stdin() -> Box<dyn std::io::Read + Send> {
    Box::new(std::io::stdin())
}

#[cfg(not(unix))]
fn raw_stdout() -> Box<dyn std::io::Write + Send> {
    Box::new(std::io::stdout())
}

/// Any byte stream (an accepted TCP connection, an in-memory duplex) as pump channels, served
/// by two tasks.
pub fn stream_channels<S>(stream: S) -> (mpsc::Receiver<Bytes>, mpsc::Sender<Bytes>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Send + 'static,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut rd, mut wr) = tokio::io::split(stream);
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(8);
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(8);
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            match rd.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if in_tx.send(Bytes::copy_from_slice(&buf[..n])).await.is_err() {
                        break;
                    }
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some(chunk) = out_rx.recv().await {
            if wr.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = wr.shutdown().await;
    });
    (in_rx, out_tx)
}
