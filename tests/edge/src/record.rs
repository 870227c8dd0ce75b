//! The request log: every request the edge parsed, in arrival order, with the status it got.
//!
//! A record is appended when the request head has been read (status 0), and its status is filled in
//! once the answer is decided. Status 0 therefore means "no HTTP answer" (stall, garbage, or the
//! request is still being served, e.g. a transfer poll that is still held).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// What kind of endpoint a request hit. Assigned from host, method, path and headers alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// App host request carrying `Cf-Access-Metadata-Request: true` (current discovery).
    Metadata,
    /// Any other plain HEAD/GET to an app host (the legacy redirect probe, the first hop of the org
    /// exchange, or an authenticated page request).
    LegacyProbe,
    /// Team host `/cdn-cgi/access/login/<app>`.
    TeamLogin,
    /// Team host `/cdn-cgi/access/certs`.
    Jwks,
    /// App host `/cdn-cgi/access/cli` (the browser login page).
    CliLogin,
    /// App host `/cdn-cgi/access/authorized` (last hop of the org exchange).
    Authorized,
    /// App host request whose query has `cloudflared_token_check=true`.
    TokenCheck,
    /// App host WebSocket upgrade (the carrier).
    Upgrade,
    /// Team host `/cdn-cgi/access/cert_sign`.
    CertSign,
    /// Transfer store `/transfer/<key>`.
    TransferPoll,
    /// Anything else (unknown host, unknown path, other methods).
    Other,
}

/// One request as the edge saw it.
#[derive(Debug, Clone)]
pub struct RequestRecord {
    /// Request method, as sent.
    pub method: String,
    /// Host header value without the port, lowercased.
    pub host: String,
    /// Request target: path including the query string.
    pub path: String,
    /// Every header as sent (name casing preserved), in order.
    pub headers: Vec<(String, String)>,
    /// The status answered; 0 if none (yet).
    pub status: u16,
    /// The endpoint kind.
    pub kind: Kind,
    /// Which TCP connection carried it: connections are numbered from 1 in accept order.
    pub conn: u64,
}

impl RequestRecord {
    /// First value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Append-only log shared by all connections.
#[derive(Debug, Default)]
pub(crate) struct RequestLog {
    records: Mutex<Vec<RequestRecord>>,
    connections: AtomicU64,
}

impl RequestLog {
    /// Counts an accepted TCP connection (whether or not it ever sends a request) and returns
    /// its number.
    pub(crate) fn connection(&self) -> u64 {
        self.connections.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// How many TCP connections were accepted so far.
    pub(crate) fn connections(&self) -> u64 {
        self.connections.load(Ordering::Relaxed)
    }

    /// Appends a record and returns its index, for [`RequestLog::set_status`].
    pub(crate) fn push(&self, record: RequestRecord) -> usize {
        let mut v = self.records.lock().unwrap_or_else(|e| e.into_inner());
        v.push(record);
        v.len() - 1
    }

    pub(crate) fn set_status(&self, index: usize, status: u16) {
        let mut v = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = v.get_mut(index) {
            r.status = status;
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<RequestRecord> {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(crate) fn count(&self, f: impl Fn(&RequestRecord) -> bool) -> usize {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .filter(|r| f(r))
            .count()
    }
}
