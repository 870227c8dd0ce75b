//! The tunnel: the WebSocket upgrade to the app host (spec 5.1) and the byte pump between a
//! local stream (stdin/stdout or an accepted TCP connection) and the WebSocket (spec 5.2).
//!
//! Frames: every local read goes out as one masked binary message; the payload of every data
//! message from the edge goes to the local side. The two directions run independently (full
//! duplex, bounded buffers). zssh also sends a ping every `keepalive` so an idle session survives
//! edges that cut idle connections, and ends the session when the edge stays silent for
//! [`SILENT_PERIODS`] periods. On local EOF it sends a close frame and keeps relaying for a short
//! grace period so nothing in flight is lost. How a session ended is an [`End`]; the command
//! decides what to print.
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
use crate::edge::dial::Stream;
use crate::edge::http::{HttpError, Request, Response};
use crate::edge::pool::{Client, ClientError};
use crate::secret::Secret;

/// Size of local reads (a pipe delivers at most 64 KiB at a time on Linux by default).
const READ_BUF: usize = 64 * 1024;
/// Chunks queued between a local side and the pump, each way.
const CHANNEL_CHUNKS: usize = 2;

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
        // 64 KiB each way (tungstenite's defaults are 128 KiB): a relay chunk at a time is
        // enough to keep the TLS stream busy, and peak memory stays under 8 MiB.
        let config = WebSocketConfig::default()
            .read_buffer_size(READ_BUF)
            .write_buffer_size(READ_BUF);
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
    /// The local side ended: stdin or the local connection reached EOF (a close frame was
    /// sent), or stdout or the local connection stopped taking bytes.
    Local,
    /// The edge ended the session normally: a close frame with code 1000 or without a code
    /// (1005), or the end of the TLS stream after a TLS close_notify, which is how the
    /// origin-side cloudflared usually ends a stream (access-protocol.md 5.2).
    Edge,
    /// The edge sent a close frame with any other code.
    Closed { code: u16, reason: String },
    /// The TCP connection was reset.
    Reset,
    /// The TCP connection ended without a TLS close_notify and without a close frame.
    Cut,
    /// The edge showed no sign of life for this long while zssh sent keepalive pings: no frame
    /// (data, pong, ping) arrived, and no write that had to wait for the socket completed.
    Silent(Duration),
    /// Any other I/O or protocol failure.
    Lost(String),
}

/// "Never", for timers that must exist but should not fire.
const FAR: Duration = Duration::from_secs(3600 * 24 * 365);

/// The session is declared dead after this many keepalive periods without a frame from the edge.
pub const SILENT_PERIODS: u32 = 3;

/// What a WebSocket error means for the session.
fn classify(e: WsError) -> End {
    use std::io::ErrorKind;
    use tokio_tungstenite::tungstenite::error::ProtocolError;
    match e {
        // After a close handshake (the close frame itself was already classified).
        WsError::ConnectionClosed | WsError::AlreadyClosed => End::Edge,
        // A bare end of stream after TLS close_notify: the usual end of a cloudflared stream.
        WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake) => End::Edge,
        WsError::Io(io) => match io.kind() {
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted => End::Reset,
            // rustls: the TCP stream ended without close_notify.
            ErrorKind::UnexpectedEof => End::Cut,
            _ => End::Lost(io.to_string()),
        },
        other => End::Lost(other.to_string()),
    }
}

/// How the upload (local -> edge) half stopped.
enum Up {
    /// Local EOF, at this instant; the close frame was sent (or the grace ran out trying).
    Eof(tokio::time::Instant),
    /// Writing to the edge failed.
    Failed(WsError),
}

/// When the edge last showed it is alive, in milliseconds since `base`: a frame arrived, or a
/// write that had to wait for the socket to drain completed (the edge is consuming the upload,
/// even if its answers are queued behind it). Shared by both halves of one pump.
struct Liveness {
    base: tokio::time::Instant,
    last_ms: std::sync::atomic::AtomicU64,
}

impl Liveness {
    fn new() -> Self {
        Liveness {
            base: tokio::time::Instant::now(),
            last_ms: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let ms = self.base.elapsed().as_millis() as u64;
        self.last_ms.store(ms, std::sync::atomic::Ordering::Relaxed);
    }

    fn last(&self) -> tokio::time::Instant {
        self.base + Duration::from_millis(self.last_ms.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// Runs `fut`, and touches `alive` if it had to wait before completing successfully: a write
/// that waited completed because the edge took bytes off the socket. (A write that never waits
/// proves nothing: the kernel buffers it whether or not the edge is there.)
async fn sent<F>(fut: F, alive: &Liveness) -> Result<(), WsError>
where
    F: std::future::Future<Output = Result<(), WsError>>,
{
    let mut fut = std::pin::pin!(fut);
    let mut waited = false;
    let out = std::future::poll_fn(|cx| {
        let p = fut.as_mut().poll(cx);
        waited |= p.is_pending();
        p
    })
    .await;
    if waited && out.is_ok() {
        alive.touch();
    }
    out
}

type Sink<S> = futures_util::stream::SplitSink<WebSocketStream<S>, Message>;
type Source<S> = futures_util::stream::SplitStream<WebSocketStream<S>>;

/// Local chunks -> binary messages, plus a ping every `period`. Never waits on the local output,
/// so a blocked stdout (or local socket) never stops the upload.
async fn upload<S>(
    sink: &mut Sink<S>,
    input: &mut mpsc::Receiver<Bytes>,
    period: Duration,
    alive: &Liveness,
) -> Up
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            // The ticker first, so a steady upload cannot starve the pings.
            biased;
            _ = ticker.tick() => {
                if let Err(e) = sent(sink.send(Message::Ping(Bytes::new())), alive).await {
                    return Up::Failed(e);
                }
            }
            chunk = input.recv() => match chunk {
                Some(bytes) => {
                    // Queue without flushing while more input is already waiting: one TLS write
                    // (and syscall) then carries several frames.
                    let result = if input.is_empty() {
                        sent(sink.send(Message::Binary(bytes)), alive).await
                    } else {
                        sent(sink.feed(Message::Binary(bytes)), alive).await
                    };
                    if let Err(e) = result {
                        return Up::Failed(e);
                    }
                }
                None => {
                    let at = tokio::time::Instant::now();
                    let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(Message::Close(None))).await;
                    return Up::Eof(at);
                }
            },
        }
    }
}

/// Edge messages -> local chunks. Pings are answered by tungstenite on the next read, so they
/// keep being answered as long as this side can make progress. With `silent`, ends the session
/// when the edge shows no sign of life (see [`Liveness`]) for that long; time spent waiting on
/// the local output does not count.
async fn download<S>(
    stream: &mut Source<S>,
    output: &mpsc::Sender<Bytes>,
    silent: Option<Duration>,
    alive: &Liveness,
) -> End
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let limit = silent.unwrap_or(FAR);
    // One timer, re-armed only when it fires early: cheaper than a new timer per message.
    let alarm = tokio::time::sleep_until(alive.last() + limit);
    tokio::pin!(alarm);
    loop {
        let msg = tokio::select! {
            biased;
            msg = stream.next() => msg,
            // The local side stopped taking bytes (stdout failed, the local connection closed):
            // nothing more can be delivered, so the session is over even while the edge is quiet.
            () = output.closed() => return End::Local,
            _ = &mut alarm => {
                let due = alive.last() + limit;
                if silent.is_some() && tokio::time::Instant::now() >= due {
                    return End::Silent(limit);
                }
                alarm.as_mut().reset(due);
                continue;
            }
        };
        alive.touch();
        let data = match msg {
            Some(Ok(Message::Binary(b))) => b,
            Some(Ok(Message::Text(t))) => Bytes::from(t),
            Some(Ok(Message::Close(frame))) => {
                return match frame {
                    Some(f) if u16::from(f.code) != 1000 => End::Closed {
                        code: u16::from(f.code),
                        reason: f.reason.to_string(),
                    },
                    _ => End::Edge,
                };
            }
            // Pings (the pong is already queued), pongs.
            Some(Ok(_)) => continue,
            Some(Err(e)) => return classify(e),
            None => return End::Edge,
        };
        if output.send(data).await.is_err() {
            return End::Local;
        }
        // Waiting for the local side is not the edge's silence.
        alive.touch();
    }
}

/// Relay between `input`/`output` (local side) and `ws` until either side ends.
/// `input` yields chunks read locally (closed = EOF); `output` takes chunks for the local side.
///
/// The two directions progress independently (full duplex): a blocked edge (not reading)
/// never stops the download, and a blocked local output never stops the upload. Buffering is
/// bounded in both: the channels hold a few chunks, tungstenite's write buffer one more.
/// With `keepalive`, a ping goes out every period and the session ends as [`End::Silent`] when
/// the edge shows no sign of life for [`SILENT_PERIODS`] periods: no frame arrives, and no
/// write that had to wait for the socket completes.
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
    // Clamped so that huge --keepalive values cannot overflow an Instant.
    let period = keepalive.unwrap_or(FAR).min(FAR);
    let silent = keepalive.map(|k| k.min(FAR).saturating_mul(SILENT_PERIODS));
    let alive = Liveness::new();
    let end = {
        let up = upload(&mut sink, &mut input, period, &alive);
        let down = download(&mut stream, &output, silent, &alive);
        tokio::pin!(up, down);
        tokio::select! {
            biased;
            end = &mut down => end,
            up_end = &mut up => match up_end {
                Up::Eof(at) => {
                    // Keep relaying what the edge still sends until it closes: as long as bytes
                    // keep moving (a slow reader of a long answer), and for CLOSE_GRACE after the
                    // last sign of life. A close with an error code in that time still counts: the
                    // answer may be cut short.
                    let mut deadline = at.max(alive.last()) + CLOSE_GRACE;
                    loop {
                        match tokio::time::timeout_at(deadline, &mut down).await {
                            Ok(End::Closed { code, reason }) => {
                                return End::Closed { code, reason };
                            }
                            Ok(_) => return End::Local,
                            Err(_) => {
                                let next = alive.last() + CLOSE_GRACE;
                                if next <= deadline {
                                    return End::Local;
                                }
                                deadline = next;
                            }
                        }
                    }
                }
                // The read side usually knows why the write failed (a close frame, a reset,
                // a cut): let it tell, briefly.
                Up::Failed(e) => match tokio::time::timeout(CLOSE_GRACE, &mut down).await {
                    Ok(end) => end,
                    Err(_) => classify(e),
                },
            },
        }
    };
    match end {
        End::Local => {
            let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(Message::Close(None))).await;
        }
        // tungstenite queued the close reply; flush it.
        End::Edge | End::Closed { .. } => {
            let _ = tokio::time::timeout(CLOSE_GRACE, sink.close()).await;
        }
        _ => {}
    }
    end
}

/// Local stdin/stdout as pump channels, served by two plain threads (blocking I/O on pipes is
/// the fastest portable way; tokio's stdio would hop through its blocking pool per read).
pub fn stdio_channels() -> (mpsc::Receiver<Bytes>, mpsc::Sender<Bytes>, StdioErrors) {
    use std::io::{ErrorKind, Read, Write};
    let (in_tx, in_rx) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
    let (out_tx, mut out_rx) = mpsc::channel::<Bytes>(CHANNEL_CHUNKS);
    let read_error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let reader_error = read_error.clone();
    std::thread::spawn(move || {
        let mut stdin = raw_stdin();
        // One reused read buffer, and an arena the chunks are cut from: a memcpy per read but
        // (once earlier chunks are sent and dropped) no allocation or fresh pages per read.
        let mut rd = vec![0u8; READ_BUF];
        let mut arena = BytesMut::with_capacity(2 * READ_BUF);
        loop {
            match stdin.read(&mut rd) {
                Ok(0) => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    if let Ok(mut slot) = reader_error.lock() {
                        *slot = Some(e);
                    }
                    break;
                }
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
            if let Err(e) = stdout.write_all(&chunk).and_then(|_| stdout.flush()) {
                // A reader that went away (`| head`) is a normal end; anything else (a full
                // disk, an I/O error) means the origin's bytes were not all delivered.
                return (e.kind() != ErrorKind::BrokenPipe).then_some(e);
            }
        }
        None
    });
    (
        in_rx,
        out_tx,
        StdioErrors {
            read: read_error,
            writer,
        },
    )
}

/// What went wrong on the local side of a stdio tunnel, collected after the pump ended.
pub struct StdioErrors {
    read: std::sync::Arc<std::sync::Mutex<Option<std::io::Error>>>,
    writer: std::thread::JoinHandle<Option<std::io::Error>>,
}

impl StdioErrors {
    /// Wait for the writer to drain what is queued (the pump has dropped its sender), then
    /// report a failed stdout write, else a failed stdin read.
    pub fn finish(self) -> Option<(&'static str, std::io::Error)> {
        if let Ok(Some(e)) = self.writer.join() {
            return Some(("writing to stdout", e));
        }
        let read = self.read.lock().ok().and_then(|mut slot| slot.take());
        read.map(|e| ("reading stdin", e))
    }
}

#[cfg(unix)]
fn raw_stdin() -> Box<dyn std::io::Read + Send> {
    use std::os::fd::AsFd;
    match std::io::stdin().as_fd().try_clone_to_owned() {
        Ok(fd) => Box::new(std::fs::File::from(fd)),
        Err(_) => Box::new(std::io::stdin()),
    }
}

/// The relay's own stdout: origin bytes only, on a duplicate of the descriptor (no std lock, no
/// line buffering). The one other writer of stdout besides `ui::write_stdout`.
#[cfg(unix)]
#[allow(clippy::disallowed_methods)]
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
#[allow(clippy::disallowed_methods)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error, ErrorKind};
    use tokio_tungstenite::tungstenite::error::ProtocolError;

    #[test]
    fn errors_are_classified() {
        let io = |k: ErrorKind| WsError::Io(Error::new(k, "x"));
        assert_eq!(classify(io(ErrorKind::ConnectionReset)), End::Reset);
        assert_eq!(classify(io(ErrorKind::UnexpectedEof)), End::Cut);
        assert_eq!(
            classify(WsError::Protocol(
                ProtocolError::ResetWithoutClosingHandshake
            )),
            End::Edge
        );
        assert_eq!(classify(WsError::ConnectionClosed), End::Edge);
        assert!(matches!(classify(io(ErrorKind::TimedOut)), End::Lost(_)));
        assert!(matches!(
            classify(WsError::Protocol(ProtocolError::MaskedFrameFromServer)),
            End::Lost(_)
        ));
    }
}
