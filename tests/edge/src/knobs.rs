//! Fault-injection switches that tests flip at run time.
//!
//! Every knob is an atomic, off (zero) by default, read by the server at the moment it matters, so a
//! test may change one between requests without restarting the edge. The knobs only select
//! behaviour; the code that misbehaves lives next to the normal code path it replaces.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64};

/// Run-time fault injection. Share it through [`crate::Edge::knobs`] and use `Ordering::SeqCst` (or
/// any ordering: each knob is read independently).
#[derive(Debug, Default)]
pub struct Knobs {
    /// App hosts omit `Cf-Access-Metadata` even for current-discovery apps.
    pub no_metadata: AtomicBool,
    /// The team login endpoint omits `CF-Access-Domain` (legacy clients then fail with `Empty app domain`).
    pub no_access_domain: AtomicBool,
    /// Every JWT (app, org, service JWT) is treated as invalid everywhere: app hosts answer the
    /// Access 302, the team login shows its page, cert_sign answers 401. A service token sent as
    /// the `Cf-Access-Client-Id`/`-Secret` pair is not a JWT and still works.
    pub reject_tokens: AtomicBool,
    /// The transfer store answers every poll with 503 `service unavailable`.
    pub store_5xx: AtomicBool,
    /// cert_sign answers 500 `{"status":500,"message":"failed to sign certificate"}`.
    pub sign_fail: AtomicBool,
    /// cert_sign answers 502 with the text body `upstream connect error`.
    pub sign_non_json: AtomicBool,
    /// 0 = `EdgeConfig::cert_after`; otherwise certificates cert_sign issues expire this many
    /// seconds after signing (short ones, to test renewal).
    pub cert_valid_secs: AtomicU64,
    /// 0 = normal; otherwise every WebSocket upgrade on an app host gets this status (before any
    /// credential check).
    pub upgrade_status: AtomicU16,
    /// 0 = never; otherwise cut the TLS/TCP stream of a carrier (no close frame, no TLS close_notify)
    /// once this many payload bytes have been relayed edge -> client.
    pub drop_after_bytes: AtomicU64,
    /// How a carrier ends at `drop_after_bytes`: 0 = cut (as described there); 1000..=4999 = send
    /// a WebSocket close frame with this code (and a reason naming it), then end TLS politely.
    pub close_code: AtomicU16,
    /// At `drop_after_bytes`, reset the TCP connection (RST) instead of cutting it.
    pub reset: AtomicBool,
    /// At `drop_after_bytes`, go silent instead of cutting: read nothing, write nothing (no pongs,
    /// no pings, no data), keep the connection open. A dead edge, as a client sees one.
    pub freeze: AtomicBool,
    /// 0 = never; otherwise drop a carrier on which no frame has passed for this many milliseconds.
    /// Activity is: any frame from the client (data, ping, pong, ...), any data frame to the client,
    /// and pongs the edge sends. A server ping by itself is NOT activity: only the client's pong
    /// answering it is, so a client that answers pings survives and one that does not is cut.
    pub idle_drop_ms: AtomicU64,
    /// Overrides `EdgeConfig::ping_interval` for carriers that start while it is non-zero.
    pub ping_interval_ms: AtomicU64,
    /// App hosts answer every request with 200 `text/html`.
    pub html: AtomicBool,
    /// App hosts answer every request with non-HTTP bytes, then close.
    pub garbage: AtomicBool,
    /// App hosts answer every request with a 200 carrying about 1 MiB of headers.
    pub huge_headers: AtomicBool,
    /// App hosts read the request and never answer.
    pub stall: AtomicBool,
    /// Every answer (app hosts, team domain, store; the 101 included) is preceded by an interim
    /// `103 Early Hints`, as a zone with Early Hints enabled sends.
    pub early_hints: AtomicBool,
    /// App hosts answer every request with a chunked 200 whose second chunk size is
    /// `ffffffffffffffff` (after a one-byte chunk), then close.
    pub chunk_overflow: AtomicBool,
}
