//! A small HTTP/1.1 client over one connection, enough for the Access protocol: HEAD/GET/POST,
//! `Content-Length` and chunked bodies, keep-alive reuse, and the WebSocket upgrade request.
//!
//! Hand-written rather than a general client because zssh needs exact control: one connection
//! reused across the Access dial, discovery and the token dial; hard limits on header and body size
//! so a hostile or broken answer (HTML, garbage, megabytes of headers) is an error, never a hang
//! or an allocation storm; and no redirect, cookie or proxy logic it did not ask for.

use std::fmt;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// At most this many bytes of response head (status line + headers).
pub const MAX_HEAD: usize = 64 * 1024;
/// At most this many bytes of body.
pub const MAX_BODY: usize = 4 * 1024 * 1024;
/// At most this many interim (1xx) answers before the final one.
const MAX_INTERIM: usize = 16;

#[derive(Debug)]
pub enum HttpError {
    Io(std::io::Error),
    /// The peer closed before a full response arrived.
    Closed,
    /// The bytes are not an HTTP/1.x response.
    Garbage(String),
    HeadTooLarge,
    BodyTooLarge,
    /// A request zssh was about to send has a line break or other control character in the
    /// named part (never sent: it would split into extra header lines). The value is not kept.
    Unsendable(&'static str),
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpError::Io(e) => write!(f, "{e}"),
            HttpError::Closed => f.write_str("the connection closed before a complete answer"),
            HttpError::Garbage(why) => write!(f, "the answer is not HTTP ({why})"),
            HttpError::HeadTooLarge => write!(f, "the answer's headers exceed {MAX_HEAD} bytes"),
            HttpError::BodyTooLarge => write!(f, "the answer's body exceeds {MAX_BODY} bytes"),
            HttpError::Unsendable(what) => {
                write!(
                    f,
                    "refused to send a request with a control character in {what}"
                )
            }
        }
    }
}

impl From<std::io::Error> for HttpError {
    fn from(e: std::io::Error) -> Self {
        HttpError::Io(e)
    }
}

/// A response: status, headers in order (names as sent), body.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    /// First header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// A short description of the body for error messages: its type and first line.
    pub fn body_hint(&self) -> String {
        let ctype = self.header("content-type").unwrap_or("");
        let text = String::from_utf8_lossy(&self.body[..self.body.len().min(200)]);
        let first = crate::human::shown(
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or(""),
            120,
        );
        match (ctype.is_empty(), first.is_empty()) {
            (_, true) => ctype.to_string(),
            (true, false) => first,
            (false, false) => format!("{ctype}: {first}"),
        }
    }
}

/// A connection with a read buffer, reusable for several requests while the server keeps it.
pub struct Conn<S> {
    pub stream: S,
    buf: Vec<u8>,
    pub reusable: bool,
}

/// One request. `target` is the origin-form path (with query); `host` the Host header value.
pub struct Request<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub host: &'a str,
    pub headers: &'a [(String, String)],
    pub body: Option<&'a [u8]>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    pub fn new(stream: S) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
            reusable: true,
        }
    }

    /// Bytes read past the last response head (e.g. WebSocket frames right after a 101).
    pub fn take_leftover(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.buf)
    }

    /// Send a request and read the full response (the body too, unless HEAD or 101).
    pub async fn send(&mut self, req: &Request<'_>) -> Result<Response, HttpError> {
        // Last line of defence against header injection: every caller validates its input, but
        // nothing that reaches the wire may break a line.
        let bad =
            |v: &str, tab_ok: bool| v.chars().any(|c| c.is_control() && !(tab_ok && c == '\t'));
        if bad(req.method, false) || bad(req.target, false) || req.target.contains(' ') {
            return Err(HttpError::Unsendable("the request line"));
        }
        if bad(req.host, false) {
            return Err(HttpError::Unsendable("the Host header"));
        }
        if req
            .headers
            .iter()
            .any(|(n, v)| bad(n, false) || n.contains([':', ' ']) || bad(v, true))
        {
            return Err(HttpError::Unsendable("a header"));
        }
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            req.method, req.target, req.host
        );
        for (n, v) in req.headers {
            out.push_str(n);
            out.push_str(": ");
            out.push_str(v);
            out.push_str("\r\n");
        }
        if let Some(body) = req.body {
            out.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        out.push_str("\r\n");
        let mut bytes = out.into_bytes();
        if let Some(body) = req.body {
            bytes.extend_from_slice(body);
        }
        self.stream.write_all(&bytes).await?;
        self.stream.flush().await?;
        let mut resp = self.read_final_head().await?;
        let no_body =
            req.method == "HEAD" || resp.status == 101 || resp.status == 204 || resp.status == 304;
        if !no_body {
            resp.body = self.read_body(&resp).await?;
        }
        if resp
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
        {
            self.reusable = false;
        }
        Ok(resp)
    }

    async fn fill(&mut self) -> Result<usize, HttpError> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The final response head: interim `1xx` answers (`100 Continue`, `103 Early Hints`) are
    /// read and dropped; `101 Switching Protocols` is final (the answer to an upgrade).
    async fn read_final_head(&mut self) -> Result<Response, HttpError> {
        for _ in 0..MAX_INTERIM {
            let resp = self.read_head().await?;
            if !(100..200).contains(&resp.status) || resp.status == 101 {
                return Ok(resp);
            }
        }
        self.reusable = false;
        Err(HttpError::Garbage(format!(
            "more than {MAX_INTERIM} interim 1xx answers"
        )))
    }

    async fn read_head(&mut self) -> Result<Response, HttpError> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head: Vec<u8> = self.buf.drain(..end + 4).collect();
                return parse_head(&head);
            }
            if self.buf.len() > MAX_HEAD {
                self.reusable = false;
                return Err(HttpError::HeadTooLarge);
            }
            // Reject non-HTTP early instead of waiting for a blank line that never comes.
            if self.buf.len() >= 5 && !self.buf.starts_with(b"HTTP/") {
                self.reusable = false;
                let start = String::from_utf8_lossy(&self.buf[..self.buf.len().min(40)])
                    .chars()
                    .map(|c| if c.is_control() { '.' } else { c })
                    .collect::<String>();
                return Err(HttpError::Garbage(format!("it starts with {start:?}")));
            }
            if self.fill().await? == 0 {
                self.reusable = false;
                return Err(HttpError::Closed);
            }
        }
    }

    async fn read_body(&mut self, resp: &Response) -> Result<Vec<u8>, HttpError> {
        let chunked = resp
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
        if chunked {
            return self.read_chunked().await;
        }
        if let Some(len) = resp.header("content-length") {
            let len: usize = len
                .trim()
                .parse()
                .map_err(|_| HttpError::Garbage(format!("Content-Length {len:?}")))?;
            if len > MAX_BODY {
                self.reusable = false;
                return Err(HttpError::BodyTooLarge);
            }
            while self.buf.len() < len {
                if self.fill().await? == 0 {
                    self.reusable = false;
                    return Err(HttpError::Closed);
                }
            }
            return Ok(self.buf.drain(..len).collect());
        }
        // No length: the body runs to the end of the connection.
        self.reusable = false;
        loop {
            if self.buf.len() > MAX_BODY {
                return Err(HttpError::BodyTooLarge);
            }
            if self.fill().await? == 0 {
                return Ok(std::mem::take(&mut self.buf));
            }
        }
    }

    async fn read_chunked(&mut self) -> Result<Vec<u8>, HttpError> {
        let mut body = Vec::new();
        loop {
            let line_end = loop {
                if let Some(i) = find(&self.buf, b"\r\n") {
                    break i;
                }
                if self.buf.len() > 1024 {
                    return Err(HttpError::Garbage("chunk size line too long".into()));
                }
                if self.fill().await? == 0 {
                    self.reusable = false;
                    return Err(HttpError::Closed);
                }
            };
            let line: Vec<u8> = self.buf.drain(..line_end + 2).collect();
            let text = String::from_utf8_lossy(&line[..line_end]);
            let size_text = text.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size_text, 16)
                .map_err(|_| HttpError::Garbage(format!("chunk size {size_text:?}")))?;
            // `size` comes from the peer: compare without adding, which could overflow.
            if size > MAX_BODY - body.len() {
                self.reusable = false;
                return Err(HttpError::BodyTooLarge);
            }
            if size == 0 {
                // Trailers, then the final CRLF.
                let mut trailers = 0usize;
                loop {
                    while find(&self.buf, b"\r\n").is_none() {
                        if self.buf.len() > MAX_HEAD {
                            self.reusable = false;
                            return Err(HttpError::HeadTooLarge);
                        }
                        if self.fill().await? == 0 {
                            self.reusable = false;
                            return Ok(body);
                        }
                    }
                    let i = find(&self.buf, b"\r\n").unwrap_or(0);
                    self.buf.drain(..i + 2);
                    trailers += i + 2;
                    if trailers > MAX_HEAD {
                        self.reusable = false;
                        return Err(HttpError::HeadTooLarge);
                    }
                    if i == 0 {
                        return Ok(body);
                    }
                }
            }
            while self.buf.len() < size + 2 {
                if self.fill().await? == 0 {
                    self.reusable = false;
                    return Err(HttpError::Closed);
                }
            }
            body.extend(self.buf.drain(..size));
            self.buf.drain(..2);
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &[u8]) -> Result<Response, HttpError> {
    let mut storage = [httparse::EMPTY_HEADER; 128];
    let mut parsed = httparse::Response::new(&mut storage);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(HttpError::Garbage("incomplete head".into())),
        Err(httparse::Error::TooManyHeaders) => return Err(HttpError::HeadTooLarge),
        Err(e) => return Err(HttpError::Garbage(e.to_string())),
    }
    let status = parsed
        .code
        .ok_or_else(|| HttpError::Garbage("no status".into()))?;
    let headers = parsed
        .headers
        .iter()
        .map(|h| {
            (
                h.name.to_string(),
                String::from_utf8_lossy(h.value).into_owned(),
            )
        })
        .collect();
    Ok(Response {
        status,
        headers,
        body: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn roundtrip(answer: &'static [u8], method: &str) -> Result<Response, HttpError> {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let mut sink = [0u8; 4096];
            let _ = server.read(&mut sink).await;
            server.write_all(answer).await.unwrap();
        });
        let mut conn = Conn::new(client);
        conn.send(&Request {
            method,
            target: "/",
            host: "h",
            headers: &[],
            body: None,
        })
        .await
    }

    #[tokio::test]
    async fn line_breaks_never_reach_the_wire() {
        let cases: [(&str, &str, (&str, &str)); 5] = [
            ("/", "h", ("X-A", "v\r\nX-Injected: 1")),
            ("/", "h", ("X-A\n", "v")),
            ("/", "h", ("X-A: b", "v")),
            ("/\r\nX: y", "h", ("X-A", "v")),
            ("/", "h\r\nX: y", ("X-A", "v")),
        ];
        for (target, host, (n, v)) in cases {
            let (client, server) = tokio::io::duplex(1 << 16);
            let mut conn = Conn::new(client);
            let headers = [(n.to_string(), v.to_string())];
            let r = conn
                .send(&Request {
                    method: "GET",
                    target,
                    host,
                    headers: &headers,
                    body: None,
                })
                .await;
            let Err(e) = r else { panic!("refused") };
            assert!(matches!(e, HttpError::Unsendable(_)), "{e}");
            assert!(!e.to_string().contains("Injected"));
            drop(conn);
            // Nothing was written.
            let mut server = server;
            let mut got = Vec::new();
            server.read_to_end(&mut got).await.unwrap();
            assert!(got.is_empty());
        }
    }

    #[tokio::test]
    async fn reads_content_length_and_chunked() {
        let r = roundtrip(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "GET")
            .await
            .unwrap();
        assert_eq!(r.body, b"hello");
        let r = roundtrip(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n",
            "GET",
        )
        .await
        .unwrap();
        assert_eq!(r.body, b"abcde");
        let r = roundtrip(
            b"HTTP/1.1 302 Found\r\nLocation: /x\r\nContent-Length: 9\r\n\r\n",
            "HEAD",
        )
        .await
        .unwrap();
        assert_eq!(r.status, 302);
        assert_eq!(r.header("location"), Some("/x"));
    }

    #[tokio::test]
    async fn a_huge_chunk_size_is_an_error_not_an_overflow() {
        // A small chunk, then a size that overflows `body.len() + size` (it used to panic).
        for size in [
            "ffffffffffffffff",
            "fffffffffffffffe",
            "400001",
            "7fffffffffffffff",
        ] {
            let answer = format!(
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n{size}\r\nb\r\n"
            );
            let r = roundtrip(Box::leak(answer.into_bytes().into_boxed_slice()), "GET").await;
            assert!(matches!(r, Err(HttpError::BodyTooLarge)), "{size}: {r:?}");
        }
        // A size wider than usize is not a number.
        let r = roundtrip(
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n",
            "GET",
        )
        .await;
        assert!(matches!(r, Err(HttpError::Garbage(_))), "{r:?}");
    }

    #[tokio::test]
    async fn interim_answers_are_skipped_and_101_is_final() {
        let (client, mut server) = tokio::io::duplex(1 << 20);
        tokio::spawn(async move {
            let mut sink = [0u8; 4096];
            let _ = server.read(&mut sink).await;
            server
                .write_all(
                    b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n\
                      HTTP/1.1 100 Continue\r\n\r\n\
                      HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst",
                )
                .await
                .unwrap();
            let _ = server.read(&mut sink).await;
            server
                .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .await
                .unwrap();
        });
        let mut conn = Conn::new(client);
        let req = Request {
            method: "GET",
            target: "/",
            host: "h",
            headers: &[],
            body: None,
        };
        let r = conn.send(&req).await.unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, b"first".as_slice()));
        assert!(r.header("link").is_none());
        // The pooled connection holds nothing of the first exchange: the next answer is its own.
        let r = conn.send(&req).await.unwrap();
        assert_eq!(r.status, 204);

        let r = roundtrip(
            b"HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x82\x01x",
            "GET",
        )
        .await
        .unwrap();
        assert_eq!(r.status, 101);

        // An endless run of interim answers is an error, not a loop.
        let many = "HTTP/1.1 103 Early Hints\r\n\r\n".repeat(MAX_INTERIM + 1);
        let r = roundtrip(Box::leak(many.into_bytes().into_boxed_slice()), "GET").await;
        assert!(matches!(r, Err(HttpError::Garbage(_))), "{r:?}");
    }

    /// Feed `answer` to a request and return whatever comes back (must not panic).
    fn answer_to(answer: Vec<u8>, method: &'static str) -> Result<Response, HttpError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let (client, mut server) = tokio::io::duplex(1 << 16);
            let writer = tokio::spawn(async move {
                let _ = server.write_all(&answer).await;
                // Dropping `server` closes the stream: the reader sees EOF after the bytes.
            });
            let mut conn = Conn::new(client);
            let r = conn
                .send(&Request {
                    method,
                    target: "/",
                    host: "h",
                    headers: &[],
                    body: None,
                })
                .await;
            drop(conn);
            let _ = writer.await;
            r
        })
    }

    fn chunk_line() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        prop_oneof![
            any::<u64>().prop_map(|n| format!("{n:x}\r\n").into_bytes()),
            (0u16..64).prop_map(|n| format!("{n:x}\r\n").into_bytes()),
            (0u16..64).prop_map(|n| format!("{n:x};ext=1\r\n").into_bytes()),
            proptest::collection::vec(any::<u8>(), 0..40),
            Just(b"\r\n".to_vec()),
            Just(b"0\r\n\r\n".to_vec()),
        ]
    }

    fn header_line() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("Transfer-Encoding: chunked".to_string()),
            any::<u64>().prop_map(|n| format!("Content-Length: {n}")),
            (0u16..200).prop_map(|n| format!("Content-Length: {n}")),
            Just("Connection: close".to_string()),
            "[A-Za-z-]{1,12}: [ -~]{0,30}",
            "[ -~]{0,40}",
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..2048)) {
            let _ = answer_to(bytes, "GET");
        }

        #[test]
        fn http_shaped_answers_never_panic(
            interim in proptest::collection::vec(100u16..200, 0..3),
            status in 0u16..1000,
            headers in proptest::collection::vec(header_line(), 0..6),
            chunks in proptest::collection::vec(chunk_line(), 0..8),
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            head in proptest::prelude::any::<bool>(),
        ) {
            let mut a = Vec::new();
            for s in interim {
                a.extend_from_slice(format!("HTTP/1.1 {s} X\r\n\r\n").as_bytes());
            }
            a.extend_from_slice(format!("HTTP/1.1 {status} X\r\n").as_bytes());
            for h in headers {
                a.extend_from_slice(h.as_bytes());
                a.extend_from_slice(b"\r\n");
            }
            a.extend_from_slice(b"\r\n");
            for c in chunks {
                a.extend_from_slice(&c);
            }
            a.extend_from_slice(&tail);
            let r = answer_to(a, if head { "HEAD" } else { "GET" });
            if let Ok(r) = r {
                proptest::prop_assert!(r.body.len() <= MAX_BODY);
                proptest::prop_assert!(!(100..200).contains(&r.status) || r.status == 101);
            }
        }
    }

    #[tokio::test]
    async fn rejects_garbage_and_truncation() {
        assert!(matches!(
            roundtrip(b"SSH-2.0-OpenSSH_9.2\r\n", "GET").await,
            Err(HttpError::Garbage(_))
        ));
        assert!(matches!(
            roundtrip(b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nshort", "GET").await,
            Err(HttpError::Closed)
        ));
    }
}
