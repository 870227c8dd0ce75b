//! `warp-cli settings`: the operation mode and the Split Tunnels list (mode and entries).
//!
//! JSON: `{"settings":{"operation_mode":…,"split_tunnel_mode":…,"split_tunnel_ips":[{"value":
//! "10.0.0.0/8","description":"…"}],"split_tunnel_hosts":[…],…}}`. Text: a line containing
//! `Exclude mode` or `Include mode`, then two-space-indented entries (`  10.0.0.0/8`,
//! `  169.254.0.0/16 (DHCP Unspecified)`); other lines such as `Mode: …`. Never panics.

use std::net::IpAddr;

use serde_json::Value;

use super::status::enum_words;
use crate::cidr::{Cidr, Family};

/// Which way the Split Tunnels list works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SplitMode {
    /// Everything goes through the client except the entries (the default).
    Exclude,
    /// Only the entries go through the client.
    Include,
}

/// One Split Tunnels entry: an address range or a host name, and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitEntry {
    pub value: String,
    pub description: Option<String>,
}

impl SplitEntry {
    /// The entry as a CIDR block (host bits cleared), when it is an address range.
    pub fn cidr(&self) -> Option<Cidr> {
        match Cidr::parse(&self.value) {
            Ok(c) => Some(c),
            Err(crate::cidr::ParseError::HostBits { corrected, .. }) => Some(corrected),
            Err(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitTunnel {
    pub mode: SplitMode,
    pub entries: Vec<SplitEntry>,
}

impl SplitTunnel {
    /// The entries whose range holds `ip` (an IPv4-mapped IPv6 address as its IPv4 address),
    /// with their blocks.
    pub fn covering(&self, ip: IpAddr) -> Vec<(SplitEntry, Cidr)> {
        let host = host_block(ip);
        self.entries
            .iter()
            .filter_map(|e| e.cidr().map(|c| (e.clone(), c)))
            .filter(|(_, c)| c.overlaps(&host))
            .collect()
    }
}

/// `ip` as a one-address block (`::ffff:10.1.2.3` is 10.1.2.3/32: that is what goes out).
pub fn host_block(ip: IpAddr) -> Cidr {
    match ip.to_canonical() {
        IpAddr::V4(v4) => Cidr {
            family: Family::V4,
            addr: u128::from(u32::from(v4)),
            len: 32,
        },
        IpAddr::V6(v6) => Cidr {
            family: Family::V6,
            addr: u128::from(v6),
            len: 128,
        },
    }
}

/// What `warp-cli settings` says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// The operation mode as the client names it (`WarpWithDnsOverHttps`, `DnsOverHttps`, ...).
    pub mode: Option<String>,
    pub split: Option<SplitTunnel>,
}

fn split_mode(word: &str) -> Option<SplitMode> {
    let w = word.to_ascii_lowercase();
    if w.contains("include") {
        Some(SplitMode::Include)
    } else if w.contains("exclude") {
        Some(SplitMode::Exclude)
    } else {
        None
    }
}

fn json_entry(v: &Value) -> Option<SplitEntry> {
    let text = |v: &Value| v.as_str().map(|s| super::printable(s, 200));
    let (value, description) = match v {
        Value::String(s) => (Some(super::printable(s, 200)), None),
        Value::Object(m) => (
            ["value", "address", "ip", "host"]
                .iter()
                .find_map(|k| m.get(*k).and_then(text)),
            m.get("description")
                .and_then(text)
                .filter(|d| !d.is_empty()),
        ),
        _ => (None, None),
    };
    Some(SplitEntry {
        value: value?.trim().to_string(),
        description,
    })
}

pub fn from_json(v: &Value) -> Option<Settings> {
    let s = v.get("settings").unwrap_or(v);
    let obj = s.as_object()?;
    let mode = obj
        .get("operation_mode")
        .filter(|m| !m.is_null())
        .map(enum_words);
    let split_word = obj.get("split_tunnel_mode").map(enum_words);
    let mut entries = Vec::new();
    for key in ["split_tunnel_ips", "split_tunnel_hosts"] {
        if let Some(list) = obj.get(key).and_then(Value::as_array) {
            entries.extend(list.iter().filter_map(json_entry));
        }
    }
    if mode.is_none() && split_word.is_none() && entries.is_empty() {
        return None;
    }
    let split = split_word
        .as_deref()
        .and_then(split_mode)
        .map(|mode| SplitTunnel { mode, entries });
    Some(Settings { mode, split })
}

pub fn from_text(text: &str) -> Option<Settings> {
    let mut settings = Settings::default();
    let mut in_list = false;
    for raw in text.lines() {
        let line = raw.trim_end();
        if in_list && raw.starts_with([' ', '\t']) && !line.trim().is_empty() {
            if let Some(entry) = text_entry(line.trim())
                && let Some(s) = settings.split.as_mut()
            {
                s.entries.push(entry);
            }
            continue;
        }
        in_list = false;
        if line.contains("Exclude mode") || line.contains("Include mode") {
            let mode = if line.contains("Include mode") {
                SplitMode::Include
            } else {
                SplitMode::Exclude
            };
            settings.split = Some(SplitTunnel {
                mode,
                entries: Vec::new(),
            });
            in_list = true;
        } else if let Some((_, v)) = line.split_once("Mode:")
            && settings.mode.is_none()
            && !v.trim().is_empty()
        {
            settings.mode = Some(super::printable(v.trim(), 200));
        }
    }
    (settings.mode.is_some() || settings.split.is_some()).then_some(settings)
}

/// `10.0.0.0/8` or `169.254.0.0/16 (DHCP Unspecified)`.
fn text_entry(line: &str) -> Option<SplitEntry> {
    let (value, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
    let rest = rest.trim();
    let description = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .or((!rest.is_empty()).then_some(rest))
        .map(|d| super::printable(d, 200));
    (!value.is_empty()).then(|| SplitEntry {
        value: super::printable(value, 200),
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The default exclude list, as warp-path.md gives it.
    pub const DEFAULT_EXCLUDES: &[&str] = &[
        "10.0.0.0/8",
        "100.64.0.0/10",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.168.0.0/16",
        "224.0.0.0/24",
        "240.0.0.0/4",
        "255.255.255.255/32",
        "fe80::/10",
        "fd00::/8",
        "ff01::/16",
        "ff02::/16",
        "ff03::/16",
        "ff04::/16",
        "ff05::/16",
    ];

    fn default_text() -> String {
        let mut t = String::from(
            "Merged configuration:\nMode: WarpWithDnsOverHttps\nAlways On: true\nExclude mode, with hosts/ips:\n",
        );
        for e in DEFAULT_EXCLUDES {
            let d = match *e {
                "169.254.0.0/16" => " (DHCP Unspecified)",
                "255.255.255.255/32" => " (DHCP Broadcast)",
                "fe80::/10" => " (IPv6 Link Local)",
                _ => "",
            };
            t.push_str(&format!("  {e}{d}\n"));
        }
        t.push_str("Allow mode switch: false\n");
        t
    }

    fn default_json() -> Value {
        let ips: Vec<Value> = DEFAULT_EXCLUDES
            .iter()
            .map(|e| serde_json::json!({"value": e, "description": if *e == "169.254.0.0/16" { "DHCP Unspecified" } else { "" }}))
            .collect();
        serde_json::json!({"settings": {"operation_mode": "WarpWithDnsOverHttps", "split_tunnel_mode": "Exclude",
            "split_tunnel_ips": ips, "split_tunnel_hosts": [], "always_on": true}})
    }

    #[test]
    fn the_default_exclude_list_in_both_shapes() {
        for s in [
            from_text(&default_text()).unwrap(),
            from_json(&default_json()).unwrap(),
        ] {
            assert_eq!(s.mode.as_deref(), Some("WarpWithDnsOverHttps"));
            let split = s.split.unwrap();
            assert_eq!(split.mode, SplitMode::Exclude);
            let values: Vec<&str> = split.entries.iter().map(|e| e.value.as_str()).collect();
            assert_eq!(values, DEFAULT_EXCLUDES);
            assert_eq!(
                split.entries[2].description.as_deref(),
                Some("DHCP Unspecified")
            );
            let cover = split.covering("172.31.15.42".parse().unwrap());
            assert_eq!(cover.len(), 1);
            assert_eq!(cover[0].1.to_string(), "172.16.0.0/12");
            assert!(split.covering("198.51.100.7".parse().unwrap()).is_empty());
            let mapped = split.covering("::ffff:10.1.2.3".parse().unwrap());
            assert_eq!(mapped.len(), 1);
            assert_eq!(mapped[0].1.to_string(), "10.0.0.0/8");
            assert_eq!(
                split.covering("fd12::1".parse().unwrap())[0].0.value,
                "fd00::/8"
            );
        }
    }

    #[test]
    fn include_mode_and_other_shapes() {
        let text = "(network policy) Include mode, with hosts/ips:\n  198.51.100.0/24\n  internal.example.com (intranet)\nMode: Warp\n";
        let s = from_text(text).unwrap();
        let split = s.split.unwrap();
        assert_eq!(split.mode, SplitMode::Include);
        assert_eq!(split.entries.len(), 2);
        assert_eq!(split.entries[1].description.as_deref(), Some("intranet"));
        assert!(split.entries[1].cidr().is_none());
        assert_eq!(s.mode.as_deref(), Some("Warp"));
        let j = serde_json::json!({"settings": {"operation_mode": {"WarpProxy": 40000},
            "split_tunnel_mode": {"Include": null}, "split_tunnel_ips": ["198.51.100.0/24", {"value": "10.1.2.3/8"}, 7]}});
        let s = from_json(&j).unwrap();
        assert_eq!(s.mode.as_deref(), Some("WarpProxy (40000)"));
        let split = s.split.unwrap();
        assert_eq!(split.mode, SplitMode::Include);
        // Host bits are forgiven: the client would have refused such an entry anyway.
        assert_eq!(split.entries[1].cidr().unwrap().to_string(), "10.0.0.0/8");
        assert_eq!(split.entries.len(), 2);
        assert!(from_json(&serde_json::json!({"status": "Connected"})).is_none());
        assert!(from_text("Status update: Connected\n").is_none());
    }

    #[test]
    fn source_prefixes_and_the_lists_that_follow() {
        let text = "Merged configuration:\n(network policy)\tAlways On: true\n(network policy)\tMode: WarpWithDnsOverHttps\n\
(network policy)\tExclude mode, with hosts/ips:\n  10.0.0.0/8\n\t172.16.0.0/12\n  *.local (mDNS)\n\
(network policy)\tFallback domains:\n  intranet\n  192.168.0.0/16\n";
        let s = from_text(text).unwrap();
        assert_eq!(s.mode.as_deref(), Some("WarpWithDnsOverHttps"));
        let values: Vec<String> = s
            .split
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.value)
            .collect();
        assert_eq!(values, ["10.0.0.0/8", "172.16.0.0/12", "*.local"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_input_never_panics(s in "(\\PC{0,40}\n){0,8}", ip in any::<u32>()) {
            let t = format!("Exclude mode\n{s}");
            for input in [&s, &t] {
                if let Some(split) = from_text(input).and_then(|st| st.split) {
                    let _ = split.covering(IpAddr::from(ip.to_be_bytes()));
                }
            }
            let _ = from_json(&serde_json::json!({"settings": {"split_tunnel_mode": s, "split_tunnel_ips": [s, {"value": s}]}}));
        }
    }
}
