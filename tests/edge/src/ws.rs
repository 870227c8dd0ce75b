//! The carrier after the 101: a server-side WebSocket (RFC 6455) bridged to an origin TCP stream,
//! as the origin-side cloudflared does it (access-protocol.md 5.2 and 10).
//!
//! Hand-rolled framing, for speed and for exact control over faults:
//! * client -> origin: frames must be masked and binary (continuations allowed); a text frame, an
//!   unmasked frame, reserved bits or a bad control frame end the stream abruptly. Payloads are
//!   unmasked in place and written to the origin as they arrive, without waiting for whole frames.
//! * origin -> client: every read (up to 64 KiB) becomes one unmasked binary frame, written with
//!   its header in a single TLS write.
//! * pings from the client are answered; the edge pings every `ping` period.
//! * when either side ends, the stream is dropped WITHOUT a close frame (a clean EOF gets a TLS
//!   close_notify; a fault cut — `drop_after_bytes`, `idle_drop_ms`, protocol errors — does not).
//! * at `drop_after_bytes`, the knobs may pick another bad ending instead of the cut: a close
//!   frame with `close_code`, a TCP reset (`reset`), or a dead edge that keeps the connection
//!   open but never reads or writes again (`freeze`).
//!
//! The two directions run as independent futures (full duplex): a blocked origin write never
//! stops the edge from sending the client what the origin wrote, and vice versa.
//!
//! Idle accounting (`idle_drop_ms`): any frame from the client, any data frame to the client and
//! any pong the edge sends count as activity; a server ping alone does not (the client's pong does).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_rustls::server::TlsStream;

use crate::knobs::Knobs;

/// Bytes read from the origin per frame, and the client read buffer size.
const CHUNK: usize = 64 * 1024;
/// Longest header of an unmasked server frame.
const SERVER_HDR_MAX: usize = 10;

const OP_CONT: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// How a bridge ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// A side ended normally: close TLS politely, still no WebSocket close frame.
    Graceful,
    /// A fault: drop the TCP connection as is.
    Abrupt,
    /// A fault: reset the TCP connection.
    Reset,
    /// A dead edge: keep everything open, never read or write again.
    Freeze,
}

/// Last time a frame passed, as milliseconds since `base`.
struct Activity {
    base: Instant,
    last_ms: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        self.last_ms
            .store(self.base.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    fn last(&self) -> Instant {
        self.base + Duration::from_millis(self.last_ms.load(Ordering::Relaxed))
    }
}

/// Bridges `client` (already past the 101; `leftover` holds bytes read beyond the request head)
/// and `origin` until either ends.
pub(crate) async fn bridge(
    client: TlsStream<TcpStream>,
    leftover: Vec<u8>,
    origin: TcpStream,
    ping: Option<Duration>,
    knobs: Arc<Knobs>,
) {
    let activity = Activity {
        base: Instant::now(),
        last_ms: AtomicU64::new(0),
    };
    let (mut c_rd, mut c_wr) = tokio::io::split(client);
    let (mut o_rd, mut o_wr) = origin.into_split();
    let (pong_tx, mut pong_rx) = mpsc::channel::<Vec<u8>>(16);
    let end = {
        let up = uplink(&mut c_rd, leftover, &mut o_wr, pong_tx, &activity);
        let down = downlink(&mut c_wr, &mut o_rd, &mut pong_rx, ping, &knobs, &activity);
        tokio::select! {
            e = up => e,
            e = down => e,
        }
    };
    match end {
        End::Graceful => {
            let mut client = c_rd.unsplit(c_wr);
            let _ = tokio::time::timeout(Duration::from_secs(1), client.shutdown()).await;
        }
        End::Reset => {
            // SO_LINGER 0: close() sends a RST instead of a FIN.
            let client = c_rd.unsplit(c_wr);
            let _ = client.get_ref().0.set_zero_linger();
        }
        End::Freeze => {
            // Hold both connections until the edge stops.
            let _held = (c_rd, c_wr, o_rd, o_wr);
            std::future::pending::<()>().await;
        }
        End::Abrupt => {}
    }
    // Dropping the halves closes both connections (the origin gets a FIN).
}

/// Buffered reader of client bytes.
struct Input<'a, R> {
    rd: &'a mut R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl<R: AsyncRead + Unpin> Input<'_, R> {
    fn available(&self) -> usize {
        self.end - self.start
    }

    /// Reads more bytes; `Ok(0)` at EOF.
    async fn fill(&mut self) -> std::io::Result<usize> {
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        } else if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = self.rd.read(&mut self.buf[self.end..]).await?;
        self.end += n;
        Ok(n)
    }

    /// Makes at least `n` (small) bytes available; false at EOF or error.
    async fn need(&mut self, n: usize) -> bool {
        while self.available() < n {
            if self.start + n > self.buf.len() {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            }
            if !matches!(self.fill().await, Ok(k) if k > 0) {
                return false;
            }
        }
        true
    }
}

/// XORs `data` with the 4-byte `mask`, `offset` bytes into the payload. Eight bytes at a time.
pub(crate) fn unmask(data: &mut [u8], mask: [u8; 4], offset: usize) {
    let mut rotated = [0u8; 8];
    for (i, b) in rotated.iter_mut().enumerate() {
        *b = mask[(offset + i) % 4];
    }
    let wide = u64::from_ne_bytes(rotated);
    let mut chunks = data.chunks_exact_mut(8);
    for c in &mut chunks {
        let v = u64::from_ne_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]) ^ wide;
        c.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= rotated[i % 8];
    }
}

/// Client frames -> origin bytes.
async fn uplink<R: AsyncRead + Unpin>(
    rd: &mut R,
    leftover: Vec<u8>,
    origin: &mut tokio::net::tcp::OwnedWriteHalf,
    pong_tx: mpsc::Sender<Vec<u8>>,
    activity: &Activity,
) -> End {
    let mut buf = vec![0u8; CHUNK.max(leftover.len())];
    buf[..leftover.len()].copy_from_slice(&leftover);
    let mut input = Input {
        rd,
        end: leftover.len(),
        buf,
        start: 0,
    };
    let mut in_message = false;
    loop {
        if !input.need(2).await {
            return End::Graceful;
        }
        let b0 = input.buf[input.start];
        let b1 = input.buf[input.start + 1];
        let fin = b0 & 0x80 != 0;
        let opcode = b0 & 0x0f;
        if b0 & 0x70 != 0 || b1 & 0x80 == 0 {
            // Reserved bits (no extensions were negotiated) or an unmasked client frame.
            return End::Abrupt;
        }
        let ext = match b1 & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        if !input.need(2 + ext + 4).await {
            return End::Graceful;
        }
        let h = &input.buf[input.start..input.start + 2 + ext + 4];
        let len = match ext {
            0 => u64::from(b1 & 0x7f),
            2 => u64::from(u16::from_be_bytes([h[2], h[3]])),
            _ => u64::from_be_bytes([h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9]]),
        };
        let mask = [h[2 + ext], h[3 + ext], h[4 + ext], h[5 + ext]];
        input.start += 2 + ext + 4;
        activity.touch();

        match opcode {
            OP_BINARY | OP_CONT => {
                if (opcode == OP_BINARY) == in_message {
                    // A new message inside a fragmented one, or a continuation of nothing.
                    return End::Abrupt;
                }
                in_message = !fin;
                let mut remaining = len;
                let mut offset = 0usize;
                while remaining > 0 {
                    if input.available() == 0 && !matches!(input.fill().await, Ok(k) if k > 0) {
                        return End::Graceful;
                    }
                    let k = input
                        .available()
                        .min(remaining.min(usize::MAX as u64) as usize);
                    let chunk = &mut input.buf[input.start..input.start + k];
                    unmask(chunk, mask, offset);
                    if origin.write_all(chunk).await.is_err() {
                        return End::Graceful;
                    }
                    input.start += k;
                    remaining -= k as u64;
                    offset = (offset + k) % 4;
                }
            }
            OP_PING | OP_PONG => {
                if !fin || len > 125 {
                    return End::Abrupt;
                }
                let len = len as usize;
                if !input.need(len).await {
                    return End::Graceful;
                }
                let mut payload = input.buf[input.start..input.start + len].to_vec();
                input.start += len;
                unmask(&mut payload, mask, 0);
                if opcode == OP_PING && pong_tx.send(payload).await.is_err() {
                    return End::Graceful;
                }
            }
            OP_CLOSE => return End::Graceful,
            OP_TEXT => return End::Abrupt,
            _ => return End::Abrupt,
        }
    }
}

/// Writes a server frame header for `len` payload bytes ending right before `buf[at]`; returns
/// where the header starts.
fn put_header(buf: &mut [u8], at: usize, opcode: u8, len: usize) -> usize {
    let start;
    if len < 126 {
        start = at - 2;
        buf[start + 1] = len as u8;
    } else if len <= usize::from(u16::MAX) {
        start = at - 4;
        buf[start + 1] = 126;
        buf[start + 2..at].copy_from_slice(&(len as u16).to_be_bytes());
    } else {
        start = at - 10;
        buf[start + 1] = 127;
        buf[start + 2..at].copy_from_slice(&(len as u64).to_be_bytes());
    }
    buf[start] = 0x80 | opcode;
    start
}

async fn write_control<W: AsyncWrite + Unpin>(
    wr: &mut W,
    opcode: u8,
    payload: &[u8],
) -> std::io::Result<()> {
    let mut frame = vec![0u8; 2 + payload.len()];
    put_header(&mut frame, 2, opcode, payload.len());
    frame[2..].copy_from_slice(payload);
    wr.write_all(&frame).await?;
    wr.flush().await
}

/// The ending `drop_after_bytes` asks for: a close frame, a reset, a freeze or a plain cut.
async fn bad_end<W: AsyncWrite + Unpin>(wr: &mut W, knobs: &Knobs) -> End {
    if knobs.freeze.load(Ordering::SeqCst) {
        return End::Freeze;
    }
    if knobs.reset.load(Ordering::SeqCst) {
        return End::Reset;
    }
    let code = knobs.close_code.load(Ordering::SeqCst);
    if code == 0 {
        return End::Abrupt;
    }
    let reason: &[u8] = match code {
        1000 => b"",
        1001 => b"going away",
        1009 => b"message too big",
        1011 => b"internal error",
        _ => b"test edge: session ended",
    };
    let mut payload = code.to_be_bytes().to_vec();
    payload.extend_from_slice(reason);
    if write_control(wr, OP_CLOSE, &payload).await.is_err() {
        return End::Abrupt;
    }
    End::Graceful
}

/// Origin bytes, pongs and pings -> client frames; also enforces the idle and byte-count cuts.
async fn downlink<W: AsyncWrite + Unpin>(
    wr: &mut W,
    origin: &mut tokio::net::tcp::OwnedReadHalf,
    pong_rx: &mut mpsc::Receiver<Vec<u8>>,
    ping: Option<Duration>,
    knobs: &Knobs,
    activity: &Activity,
) -> End {
    let mut buf = vec![0u8; SERVER_HDR_MAX + CHUNK];
    let mut sent: u64 = 0;
    let mut ticker = ping.filter(|p| !p.is_zero()).map(|p| {
        let mut t = tokio::time::interval_at(Instant::now() + p, p);
        t.set_missed_tick_behavior(MissedTickBehavior::Delay);
        t
    });
    loop {
        let idle_ms = knobs.idle_drop_ms.load(Ordering::SeqCst);
        let idle_deadline = (idle_ms > 0).then(|| activity.last() + Duration::from_millis(idle_ms));
        tokio::select! {
            biased;
            pong = pong_rx.recv() => {
                let Some(payload) = pong else { return End::Graceful };
                if write_control(wr, OP_PONG, &payload).await.is_err() {
                    return End::Graceful;
                }
                activity.touch();
            }
            _ = async {
                match ticker.as_mut() {
                    Some(t) => { t.tick().await; }
                    None => std::future::pending::<()>().await,
                }
            } => {
                if write_control(wr, OP_PING, b"").await.is_err() {
                    return End::Graceful;
                }
            }
            _ = async {
                match idle_deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending::<()>().await,
                }
            } => {
                // Activity may have happened while we slept; the loop recomputes the deadline.
                if activity.last().elapsed() >= Duration::from_millis(idle_ms) {
                    return End::Abrupt;
                }
            }
            read = origin.read(&mut buf[SERVER_HDR_MAX..]) => {
                let mut n = match read {
                    Ok(0) | Err(_) => return End::Graceful,
                    Ok(n) => n,
                };
                let limit = knobs.drop_after_bytes.load(Ordering::SeqCst);
                let cut = limit > 0 && sent + n as u64 >= limit;
                if cut {
                    n = limit.saturating_sub(sent) as usize;
                }
                if n > 0 {
                    let start = put_header(&mut buf, SERVER_HDR_MAX, OP_BINARY, n);
                    let frame = &buf[start..SERVER_HDR_MAX + n];
                    if wr.write_all(frame).await.is_err() || wr.flush().await.is_err() {
                        return End::Graceful;
                    }
                    sent += n as u64;
                    activity.touch();
                }
                if cut {
                    return bad_end(wr, knobs).await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmask_matches_bytewise_at_any_offset() {
        let mask = [0x12, 0x34, 0x56, 0x78];
        for offset in 0..4 {
            for len in [0usize, 1, 7, 8, 9, 31, 64] {
                let orig: Vec<u8> = (0..len as u8).collect();
                let mut fast = orig.clone();
                unmask(&mut fast, mask, offset);
                let slow: Vec<u8> = orig
                    .iter()
                    .enumerate()
                    .map(|(i, b)| b ^ mask[(offset + i) % 4])
                    .collect();
                assert_eq!(fast, slow, "offset {offset} len {len}");
            }
        }
    }

    #[test]
    fn header_lengths() {
        let mut b = [0u8; 10];
        assert_eq!(put_header(&mut b, 10, OP_BINARY, 5), 8);
        assert_eq!(&b[8..], &[0x82, 5]);
        assert_eq!(put_header(&mut b, 10, OP_BINARY, 300), 6);
        assert_eq!(&b[6..], &[0x82, 126, 1, 44]);
        assert_eq!(put_header(&mut b, 10, OP_BINARY, 70_000), 0);
        assert_eq!(b[1], 127);
        assert_eq!(u64::from_be_bytes(b[2..10].try_into().unwrap()), 70_000);
    }
}
