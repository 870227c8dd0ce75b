//! HTTPS requests to the edge with connection reuse: the Access dial, discovery and the token
//! dial usually go to the same host, and reusing one TLS connection saves two handshakes per
//! `ssh`. Owns the pool; the protocol logic lives in `access/` and [`super::tunnel`].

use std::collections::HashMap;
use std::fmt;
use std::time::Duration;

use crate::edge::dial::{Net, NetError, Stream};
use crate::edge::http::{Conn, HttpError, Request, Response};

#[derive(Debug)]
pub enum ClientError {
    Net(NetError),
    Http { host: String, err: HttpError },
    Timeout { host: String, after: Duration },
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Net(e) => e.fmt(f),
            ClientError::Http { host, err } => write!(f, "{host}: {err}"),
            ClientError::Timeout { host, after } => {
                write!(f, "{host} did not answer within {}s", after.as_secs_f32())
            }
        }
    }
}

impl From<NetError> for ClientError {
    fn from(e: NetError) -> Self {
        ClientError::Net(e)
    }
}

/// An absolute https URL split for a request.
#[derive(Debug, Clone)]
pub struct Target {
    pub host: String,
    pub port: u16,
    /// Host header value (`host` or `host:port`).
    pub authority: String,
    pub path: String,
}

impl Target {
    pub fn parse(url: &str) -> Option<Target> {
        let u = url::Url::parse(url).ok()?;
        if u.scheme() != "https" {
            return None;
        }
        let host = match u.host()? {
            url::Host::Domain(d) => d.to_string(),
            url::Host::Ipv4(ip) => ip.to_string(),
            url::Host::Ipv6(ip) => ip.to_string(),
        };
        let bracketed = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.clone()
        };
        let authority = match u.port() {
            Some(p) => format!("{bracketed}:{p}"),
            None => bracketed,
        };
        let mut path = u.path().to_string();
        if let Some(q) = u.query() {
            path.push('?');
            path.push_str(q);
        }
        Some(Target {
            host,
            port: u.port().unwrap_or(443),
            authority,
            path,
        })
    }
}

pub struct Client {
    pub net: Net,
    pool: HashMap<(String, u16), Conn<Stream>>,
}

impl Client {
    pub fn new(net: Net) -> Client {
        Client {
            net,
            pool: HashMap::new(),
        }
    }

    /// A connection to `host:port`: a pooled one if any, else a new one.
    pub async fn conn(&mut self, host: &str, port: u16) -> Result<Conn<Stream>, ClientError> {
        if let Some(c) = self.pool.remove(&(host.to_ascii_lowercase(), port)) {
            return Ok(c);
        }
        Ok(Conn::new(self.net.connect(host, port).await?))
    }

    /// Return a connection for reuse if the server allows it.
    pub fn put(&mut self, host: &str, port: u16, conn: Conn<Stream>) {
        if conn.reusable {
            self.pool.insert((host.to_ascii_lowercase(), port), conn);
        }
    }

    /// One request with a deadline. A pooled connection the server already closed is retried
    /// once on a fresh connection (requests here are idempotent or not yet sent).
    pub async fn request(
        &mut self,
        method: &str,
        target: &Target,
        headers: &[(String, String)],
        body: Option<&[u8]>,
        timeout: Duration,
    ) -> Result<Response, ClientError> {
        let fut = async {
            let key = (target.host.to_ascii_lowercase(), target.port);
            let pooled = self.pool.contains_key(&key);
            let mut conn = self.conn(&target.host, target.port).await?;
            let req = Request {
                method,
                target: &target.path,
                host: &target.authority,
                headers,
                body,
            };
            let result = match conn.send(&req).await {
                Err(HttpError::Closed | HttpError::Io(_)) if pooled => {
                    conn = Conn::new(self.net.connect(&target.host, target.port).await?);
                    conn.send(&req).await
                }
                other => other,
            };
            match result {
                Ok(resp) => {
                    self.put(&target.host, target.port, conn);
                    Ok(resp)
                }
                Err(err) => Err(ClientError::Http {
                    host: target.authority.clone(),
                    err,
                }),
            }
        };
        match tokio::time::timeout(timeout, fut).await {
            Ok(r) => r,
            Err(_) => Err(ClientError::Timeout {
                host: target.authority.clone(),
                after: timeout,
            }),
        }
    }
}
