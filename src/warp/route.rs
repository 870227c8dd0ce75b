//! The route the kernel takes to an address now, and whether it goes through the Cloudflare One
//! Client. Linux: `ip -j route get IP` (or its text when `-j` is not understood); tunnelled when
//! the device is `CloudflareWARP` or the lookup ended in the client's table 65743 (its policy
//! rule sits at priority 32764). macOS: `route -n get IP`; tunnelled through a `utunN` interface.
//! Never prints; the parsers never panic.

use std::net::IpAddr;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use super::exec;

/// The client's interface on Linux.
pub const WARP_DEV: &str = "CloudflareWARP";
/// The client's routing table on Linux.
pub const WARP_TABLE: &str = "65743";

/// Where the kernel sends packets for one address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The interface (`CloudflareWARP`, `eth0`, `utun3`).
    pub dev: String,
    /// The routing table, when not `main` (Linux).
    pub table: Option<String>,
    /// The next hop, when there is one.
    pub gateway: Option<String>,
    /// The source address the kernel picks.
    pub src: Option<String>,
    /// Through the Cloudflare One Client.
    pub tunnelled: bool,
}

impl Route {
    fn linux(
        dev: String,
        table: Option<String>,
        gateway: Option<String>,
        src: Option<String>,
    ) -> Route {
        let tunnelled = dev == WARP_DEV || table.as_deref() == Some(WARP_TABLE);
        Route {
            dev,
            table,
            gateway,
            src,
            tunnelled,
        }
    }

    /// `dev CloudflareWARP table 65743` / `dev eth0 via 192.0.2.1`, for messages.
    pub fn describe(&self) -> String {
        let mut s = format!("dev {}", self.dev);
        if let Some(t) = &self.table {
            s.push_str(&format!(" table {t}"));
        }
        if let Some(g) = &self.gateway {
            s.push_str(&format!(" via {g}"));
        }
        s
    }
}

fn bounded(s: &str) -> String {
    super::printable(s, 80)
}

/// `ip -j route get`: `[{"dst":…,"dev":…,"table":"65743","gateway":…,"prefsrc":…}]`.
pub fn from_ip_json(text: &str) -> Option<Route> {
    let v: Value = serde_json::from_str(text.trim()).ok()?;
    let r = v.as_array()?.first()?;
    let s = |k: &str| {
        r.get(k).and_then(|x| match x {
            Value::String(s) => Some(bounded(s)),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
    };
    Some(Route::linux(
        s("dev")?,
        s("table"),
        s("gateway"),
        s("prefsrc"),
    ))
}

/// `ip route get` text: `198.51.100.7 dev CloudflareWARP table 65743 src 172.16.0.2 uid 0`.
pub fn from_ip_text(text: &str) -> Option<Route> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let after = |k: &str| {
        words
            .iter()
            .position(|w| *w == k)
            .and_then(|i| words.get(i + 1))
            .map(|w| bounded(w))
    };
    Some(Route::linux(
        after("dev")?,
        after("table"),
        after("via"),
        after("src"),
    ))
}

/// macOS `route -n get`: lines `  interface: utun3`, `    gateway: 192.0.2.1`.
pub fn from_macos(text: &str) -> Option<Route> {
    let mut dev = None;
    let mut gateway = None;
    for line in text.lines() {
        match line.trim().split_once(':') {
            Some(("interface", v)) if !v.trim().is_empty() => dev = Some(bounded(v.trim())),
            Some(("gateway", v)) if !v.trim().is_empty() => gateway = Some(bounded(v.trim())),
            _ => {}
        }
    }
    let dev = dev?;
    let tunnelled = dev.starts_with("utun");
    Some(Route {
        dev,
        table: None,
        gateway,
        src: None,
        tunnelled,
    })
}

/// How long the kernel's answer may take (it is local).
const TIMEOUT: Duration = Duration::from_secs(5);

fn ask(program: &str, args: &[String]) -> Result<exec::Output, String> {
    let mut cmd = Command::new(program);
    cmd.args(args);
    match exec::run_bounded(&mut cmd, TIMEOUT) {
        Ok(out) => Ok(out),
        Err(super::Error::NotInstalled) => Err(format!("{program} is not installed")),
        Err(e) => Err(e.to_string().replace(exec::PROGRAM, program)),
    }
}

/// The route to `ip` now. The error is what the system said ("Network is unreachable").
pub fn lookup(ip: IpAddr) -> Result<Route, String> {
    let ip = ip.to_string();
    if cfg!(target_os = "macos") {
        let out = ask("route", &["-n".into(), "get".into(), ip])?;
        return from_macos(&out.stdout).ok_or_else(|| out.said());
    }
    let out = ask(
        "ip",
        &["-j".into(), "route".into(), "get".into(), ip.clone()],
    )?;
    if out.success
        && let Some(r) = from_ip_json(&out.stdout)
    {
        return Ok(r);
    }
    // An old `ip` without -j: the text shape.
    let out = ask("ip", &["route".into(), "get".into(), ip])?;
    if !out.success {
        return Err(out.said());
    }
    from_ip_text(&out.stdout).ok_or_else(|| out.said())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn linux_and_macos_shapes() {
        let json: &[(&str, &str, bool)] = &[
            (
                r#"[{"dst":"198.51.100.7","dev":"CloudflareWARP","table":"65743","prefsrc":"172.16.0.2","flags":[],"uid":0,"cache":[]}]"#,
                "dev CloudflareWARP table 65743",
                true,
            ),
            (
                r#"[{"dst":"172.31.15.42","gateway":"192.168.7.1","dev":"lan0","prefsrc":"192.168.7.2","flags":[],"uid":0,"cache":[]}]"#,
                "dev lan0 via 192.168.7.1",
                false,
            ),
            // A client set up with another device name still uses its table.
            (
                r#"[{"dst":"10.0.0.5","dev":"wg9","table":65743}]"#,
                "dev wg9 table 65743",
                true,
            ),
        ];
        for (text, want, tunnelled) in json {
            let r = from_ip_json(text).unwrap();
            assert_eq!(
                (r.describe().as_str(), r.tunnelled),
                (*want, *tunnelled),
                "{text}"
            );
        }
        let plain: &[(&str, &str, bool)] = &[
            (
                "198.51.100.7 dev CloudflareWARP table 65743 src 172.16.0.2 uid 0 \n    cache \n",
                "dev CloudflareWARP table 65743",
                true,
            ),
            (
                "172.31.15.42 via 192.168.7.1 dev lan0 src 192.168.7.2 uid 0 \n    cache \n",
                "dev lan0 via 192.168.7.1",
                false,
            ),
            (
                "local 127.0.0.1 dev lo table local src 127.0.0.1 uid 0\n",
                "dev lo table local",
                false,
            ),
        ];
        for (text, want, tunnelled) in plain {
            let r = from_ip_text(text).unwrap();
            assert_eq!(
                (r.describe().as_str(), r.tunnelled),
                (*want, *tunnelled),
                "{text}"
            );
        }
        let mac = "   route to: 10.0.0.5\ndestination: 10.0.0.0\n       mask: 255.0.0.0\n  interface: utun3\n      flags: <UP,DONE,STATIC>\n";
        let r = from_macos(mac).unwrap();
        assert_eq!((r.dev.as_str(), r.tunnelled), ("utun3", true));
        let r = from_macos("route to: 192.0.2.9\n    gateway: 192.168.1.1\n  interface: en0\n")
            .unwrap();
        assert_eq!(
            (r.dev.as_str(), r.gateway.as_deref(), r.tunnelled),
            ("en0", Some("192.168.1.1"), false)
        );
        for bad in [
            "",
            "[]",
            "{}",
            "RTNETLINK answers: Network is unreachable",
            "[{\"dst\":\"x\"}]",
        ] {
            assert!(
                from_ip_json(bad).is_none()
                    && from_ip_text(bad).is_none()
                    && from_macos(bad).is_none(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_kernel_answers_for_loopback() {
        if cfg!(target_os = "linux") {
            let r = lookup("127.0.0.1".parse().unwrap()).unwrap();
            assert_eq!((r.dev.as_str(), r.tunnelled), ("lo", false));
        }
    }

    proptest! {
        #[test]
        fn arbitrary_input_never_panics(s in "\\PC{0,200}") {
            let _ = from_ip_json(&s);
            let _ = from_ip_text(&s);
            let _ = from_macos(&s);
            let _ = from_ip_json(&format!("[{{\"dev\":{s:?},\"table\":[1]}}]"));
        }
    }
}
