//! The app URL: what `--hostname` (or a URL argument) means, normalised as cloudflared does
//! (spec 1.1): https forced, host converted to punycode, IPv6 literals bracketed, path kept.

use crate::error::UserError;

/// A normalised Access application URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppUrl {
    /// ASCII host (punycode), IPv6 without brackets.
    pub host: String,
    /// Explicit port, if the user gave one.
    pub port: Option<u16>,
    /// Path and query in origin form, at least `/`.
    pub target: String,
    /// Whether the user wrote a path (`host/` or `host/x`); Go keeps an empty path empty, which
    /// shows in the login URL (spec 3.1: "R has no slash before ?").
    pub has_path: bool,
}

impl AppUrl {
    /// Parse a hostname or URL given by the user.
    pub fn parse(input: &str) -> Result<AppUrl, UserError> {
        let raw = input.trim();
        let bad = |why: &str| {
            UserError::usage(
                format!("invalid hostname {input:?}: {why}"),
                "give the application's hostname or URL, e.g. ssh.example.com or https://ssh.example.com",
            )
        };
        if raw.is_empty() {
            return Err(bad("no input provided"));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("it contains spaces or control characters"));
        }
        let with_scheme = match raw.split_once("://") {
            Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
                "https" | "http" | "wss" | "ws" => format!("https://{rest}"),
                other => return Err(bad(&format!("unsupported scheme {other}://"))),
            },
            None => {
                // A bare IPv6 literal ("::1", "2001:db8::1") gets brackets.
                if raw.parse::<std::net::Ipv6Addr>().is_ok() {
                    format!("https://[{raw}]")
                } else {
                    format!("https://{raw}")
                }
            }
        };
        let url = url::Url::parse(&with_scheme).map_err(|e| bad(&e.to_string()))?;
        let after_scheme = with_scheme.split_once("://").map_or("", |(_, r)| r);
        let has_path = after_scheme
            .find(['/', '?', '#'])
            .is_some_and(|i| after_scheme[i..].starts_with('/'));
        if !url.username().is_empty() || url.password().is_some() {
            return Err(bad(
                "user names and passwords do not belong in the hostname",
            ));
        }
        let host = match url.host() {
            Some(url::Host::Domain(d)) => d.trim_end_matches('.').to_string(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            None => return Err(bad("no host")),
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        let mut target = url.path().to_string();
        if let Some(q) = url.query() {
            target.push('?');
            target.push_str(q);
        }
        Ok(AppUrl {
            host,
            port: url.port(),
            target,
            has_path,
        })
    }

    pub fn port_or_default(&self) -> u16 {
        self.port.unwrap_or(443)
    }

    fn is_ipv6(&self) -> bool {
        self.host.contains(':')
    }

    /// Host as it appears in a URL or Host header (IPv6 bracketed), with the port if explicit.
    pub fn authority(&self) -> String {
        let host = if self.is_ipv6() {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.port {
            Some(p) => format!("{host}:{p}"),
            None => host,
        }
    }

    /// The path (empty if the user gave none) and the query, split.
    pub fn path_and_query(&self) -> (&str, Option<&str>) {
        let (path, query) = match self.target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (self.target.as_str(), None),
        };
        (if self.has_path { path } else { "" }, query)
    }

    /// `https://authority`, with the path and query when the user gave them: the URL as the
    /// user knows it, for messages (no `wss://`, no `/` they did not type).
    pub fn shown(&self) -> String {
        if self.has_path || self.target.contains('?') {
            self.https()
        } else {
            format!("https://{}", self.authority())
        }
    }

    /// `https://authority/target`, as used for discovery.
    pub fn https(&self) -> String {
        format!("https://{}{}", self.authority(), self.target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_cloudflared() {
        let cases = [
            ("ssh.example.com", "ssh.example.com", None, "/"),
            (
                "http://ssh.example.com/a?b=c",
                "ssh.example.com",
                None,
                "/a?b=c",
            ),
            (
                "https://SSH.Example.COM:8443",
                "ssh.example.com",
                Some(8443),
                "/",
            ),
            ("wss://ssh.example.com", "ssh.example.com", None, "/"),
            ("bücher.example", "xn--bcher-kva.example", None, "/"),
            ("::1", "::1", None, "/"),
            ("[2001:db8::1]:2222", "2001:db8::1", Some(2222), "/"),
            ("10.0.0.1", "10.0.0.1", None, "/"),
        ];
        for (input, host, port, target) in cases {
            let u = AppUrl::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                (u.host.as_str(), u.port, u.target.as_str()),
                (host, port, target),
                "{input}"
            );
        }
        assert_eq!(AppUrl::parse("::1").unwrap().authority(), "[::1]");
        assert_eq!(
            AppUrl::parse("a.example:8443/x").unwrap().https(),
            "https://a.example:8443/x"
        );
    }

    #[test]
    fn rejects_bad_input() {
        for input in [
            "",
            "  ",
            "ssh example.com",
            "ssh://host",
            "ftp://h",
            "a\u{7}b",
            "https://",
            "user:pw@host",
        ] {
            let e = AppUrl::parse(input).expect_err(input);
            assert_eq!(e.exit, crate::exit::Exit::Usage, "{input}");
            assert!(
                e.message.contains("invalid hostname"),
                "{input}: {}",
                e.message
            );
        }
    }
}
