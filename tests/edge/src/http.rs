//! A deliberately small HTTP/1.1 server layer: read one request head (+ Content-Length body) at a
//! time from a byte stream, and write responses byte for byte.
//!
//! Hand-written on httparse so that the edge keeps raw control of the connection: routing code can
//! answer with garbage, stall, send huge heads, or take the stream over for a WebSocket. It owns
//! keep-alive bookkeeping (a leftover buffer survives between requests and is handed to the
//! WebSocket bridge) and knows nothing about Access. Chunked request bodies are refused (501).

use std::time::SystemTime;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::util::{http_date, percent_decode};

/// Largest request head accepted before answering 431.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body accepted before answering 413.
const MAX_BODY: usize = 1024 * 1024;
/// Most request headers accepted before answering 431.
const MAX_HEADERS: usize = 128;

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// Path including the query string, as sent.
    pub target: String,
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    pub version: u8,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// First value of a header (case-insensitive name).
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without the query.
    pub(crate) fn path(&self) -> &str {
        self.target.split_once('?').map_or(&self.target, |(p, _)| p)
    }

    /// The raw query (without `?`), empty if none.
    pub(crate) fn query(&self) -> &str {
        self.target.split_once('?').map_or("", |(_, q)| q)
    }

    /// First value of a query parameter, form-decoded.
    pub(crate) fn query_param(&self, name: &str) -> Option<String> {
        form_urlencoded::parse(self.query().as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The Host header without port, lowercased ("" if missing).
    pub(crate) fn host(&self) -> String {
        strip_port(self.header("host").unwrap_or("")).to_ascii_lowercase()
    }

    /// The Host header as sent (may carry a port).
    pub(crate) fn host_with_port(&self) -> &str {
        self.header("host").unwrap_or("")
    }

    /// A cookie's value from any `Cookie` header.
    pub(crate) fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("cookie"))
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim_matches('"').to_owned())
    }

    /// Whether a header contains `token` in its comma-separated list (case-insensitive).
    pub(crate) fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }

    /// Whether the client wants the connection closed after this exchange.
    pub(crate) fn wants_close(&self) -> bool {
        if self.version == 0 {
            !self.header_has_token("connection", "keep-alive")
        } else {
            self.header_has_token("connection", "close")
        }
    }

    /// The path segment after `prefix`, percent-decoded.
    pub(crate) fn path_tail(&self, prefix: &str) -> Option<String> {
        self.path().strip_prefix(prefix).map(percent_decode)
    }
}

/// Strips `:port` from a Host value, keeping bracketed IPv6 literals intact.
pub(crate) fn strip_port(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split_once(']').map_or(host, |(h, _)| h);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed cleanly between requests.
    Eof,
    /// Transport failure or a close in the middle of a request.
    Io,
    /// The request was malformed; answer this status and close.
    Bad(u16, &'static str),
}

/// A connection: the stream plus bytes already read but not yet consumed.
pub(crate) struct Conn<S> {
    pub stream: S,
    pub buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub(crate) fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        }
    }

    async fn fill(&mut self) -> Result<usize, ReadError> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self
            .stream
            .read(&mut chunk)
            .await
            .map_err(|_| ReadError::Io)?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// Reads the next request (head and Content-Length body).
    pub(crate) async fn read_request(&mut self) -> Result<Request, ReadError> {
        loop {
            if !self.buf.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
                let mut req = httparse::Request::new(&mut headers);
                match req.parse(&self.buf) {
                    Ok(httparse::Status::Complete(head_len)) => {
                        let request = Request {
                            method: req.method.unwrap_or("").to_owned(),
                            target: req.path.unwrap_or("").to_owned(),
                            version: req.version.unwrap_or(1),
                            headers: req
                                .headers
                                .iter()
                                .map(|h| {
                                    (
                                        h.name.to_owned(),
                                        String::from_utf8_lossy(h.value).into_owned(),
                                    )
                                })
                                .collect(),
                            body: Vec::new(),
                        };
                        return self.finish_body(request, head_len).await;
                    }
                    Ok(httparse::Status::Partial) => {
                        if self.buf.len() > MAX_HEAD {
                            return Err(ReadError::Bad(431, "request header fields too large"));
                        }
                    }
                    Err(httparse::Error::TooManyHeaders) => {
                        return Err(ReadError::Bad(431, "too many request header fields"));
                    }
                    Err(_) => return Err(ReadError::Bad(400, "malformed request")),
                }
            }
            let was_empty = self.buf.is_empty();
            if self.fill().await? == 0 {
                return Err(if was_empty {
                    ReadError::Eof
                } else {
                    ReadError::Io
                });
            }
        }
    }

    async fn finish_body(
        &mut self,
        mut request: Request,
        head_len: usize,
    ) -> Result<Request, ReadError> {
        if request.header("transfer-encoding").is_some() {
            return Err(ReadError::Bad(
                501,
                "chunked request bodies are not supported",
            ));
        }
        let len = match request.header("content-length") {
            None => 0,
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map_err(|_| ReadError::Bad(400, "bad Content-Length"))?,
        };
        if len > MAX_BODY {
            return Err(ReadError::Bad(413, "request body too large"));
        }
        if len > 0
            && self.buf.len() < head_len + len
            && request
                .header("expect")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("100-continue"))
        {
            // curl asks before sending bodies over 1 KiB; answer at once instead of making it
            // wait for its own timeout.
            write_all(&mut self.stream, b"HTTP/1.1 100 Continue\r\n\r\n")
                .await
                .map_err(|_| ReadError::Io)?;
        }
        while self.buf.len() < head_len + len {
            if self.fill().await? == 0 {
                return Err(ReadError::Io);
            }
        }
        request.body = self.buf[head_len..head_len + len].to_vec();
        self.buf.drain(..head_len + len);
        Ok(request)
    }
}

/// A response about to be written.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub(crate) fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub(crate) fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    pub(crate) fn body(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.headers
            .push(("Content-Type".to_owned(), content_type.to_owned()));
        self.body = body.into();
        self
    }

    pub(crate) fn text(self, body: impl Into<String>) -> Self {
        self.body("text/plain; charset=utf-8", body.into().into_bytes())
    }

    pub(crate) fn html(self, body: impl Into<String>) -> Self {
        self.body("text/html; charset=utf-8", body.into().into_bytes())
    }

    pub(crate) fn json(self, body: impl Into<String>) -> Self {
        self.body("application/json", body.into().into_bytes())
    }

    /// Serialises the head (and the body unless `head_only`). `Date`, `Server` and, except for
    /// 101, `Content-Length` are added here; `Connection: close` when `close`.
    pub(crate) fn to_bytes(&self, head_only: bool, close: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.body.len());
        out.extend_from_slice(
            format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status)).as_bytes(),
        );
        out.extend_from_slice(format!("Date: {}\r\n", http_date(SystemTime::now())).as_bytes());
        out.extend_from_slice(b"Server: cloudflare\r\n");
        for (k, v) in &self.headers {
            out.extend_from_slice(k.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        if self.status != 101 {
            out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
            if close {
                out.extend_from_slice(b"Connection: close\r\n");
            }
        }
        out.extend_from_slice(b"\r\n");
        if !head_only && self.status != 101 {
            out.extend_from_slice(&self.body);
        }
        out
    }
}

/// Writes all of `bytes` and flushes (TLS records go out at once).
pub(crate) async fn write_all<S: AsyncWrite + Unpin>(
    stream: &mut S,
    bytes: &[u8],
) -> std::io::Result<()> {
    stream.write_all(bytes).await?;
    stream.flush().await
}

/// Reason phrases for the statuses the edge uses.
fn reason(status: u16) -> &'static str {
    match status {
        101 => "Switching Protocols",
        200 => "OK",
        204 => "No Content",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        421 => "Misdirected Request",
        426 => "Upgrade Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_ports() {
        assert_eq!(strip_port("a.example:8443"), "a.example");
        assert_eq!(strip_port("a.example"), "a.example");
        assert_eq!(strip_port("[::1]:443"), "::1");
        assert_eq!(strip_port("::1"), "::1");
    }

    #[tokio::test]
    async fn parses_pipelined_requests_and_bodies() {
        let raw = b"POST /x?a=1&b=%3D HTTP/1.1\r\nHost: H.example:1\r\nContent-Length: 3\r\nCookie: a=1; CF_AppSession=zz\r\n\r\nabcGET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        let (mut client, server) = tokio::io::duplex(4096);
        client.write_all(raw).await.unwrap();
        drop(client);
        let mut conn = Conn::new(server);
        let r = conn.read_request().await.unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.body, b"abc");
        assert_eq!(r.host(), "h.example");
        assert_eq!(r.query_param("b").as_deref(), Some("="));
        assert_eq!(r.cookie("CF_AppSession").as_deref(), Some("zz"));
        let r2 = conn.read_request().await.unwrap();
        assert!(r2.wants_close());
        assert!(matches!(conn.read_request().await, Err(ReadError::Eof)));
    }

    #[test]
    fn head_responses_have_no_body() {
        let r = Response::new(200).text("hello");
        let bytes = String::from_utf8(r.to_bytes(true, false)).unwrap();
        assert!(bytes.contains("Content-Length: 5\r\n"));
        assert!(bytes.ends_with("\r\n\r\n"));
        assert!(bytes.contains("Date: "));
    }
}
