//! `warp-cli target list`: the Access for Infrastructure targets this user may reach, one row per
//! target, port and username set (client 2024.9.346.0 or later).
//!
//! Text: a Unicode box table. Rows are split on `│` and columns found by header prefix (`Target
//! ID`, `Protocol`, `Port`, `Attributes`, `IP`, `Usernames` — the last reads `Usernames
//! (examples)` in some versions); the IP cell is `<ip> (<virtual network>)`, usernames are
//! comma-separated, a cell too long for its column may continue on the next line with the
//! other cells empty. The same target ID on several rows with the same port is one target with
//! every username; another port is another [`Target`]. JSON is not documented: an array of
//! objects with the obvious field names is read when the client offers one. Never panics.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use serde_json::Value;

/// One target this user may reach on one port.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Target {
    /// The target ID (a UUID).
    pub id: String,
    /// The `hostname` attribute (what users call it), when it has one.
    pub hostname: Option<String>,
    pub ip: IpAddr,
    /// The virtual network the IP belongs to, when shown.
    pub vnet: Option<String>,
    pub port: u16,
    /// The UNIX usernames the policy allows here, in the order shown.
    pub usernames: Vec<String>,
    /// `SSH` (or what the client says).
    pub protocol: String,
}

/// A row (or JSON entry) that names a target but cannot be read as one: what could be read of
/// it, so a caller can say so and keep what it wrote for that target before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub id: Option<String>,
    pub hostname: Option<String>,
    /// What is wrong with it (`no IP address`, `port "x"`).
    pub why: String,
}

/// Rows of the same target and port become one target with every username (in the order
/// first shown). Linear in the rows: a map from (id, port, ip, protocol) to the merged target,
/// a set of the usernames each already has.
fn merge(rows: Vec<Target>) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    let mut seen: Vec<HashSet<String>> = Vec::new();
    let mut index: HashMap<(String, u16, IpAddr, String), usize> = HashMap::new();
    for row in rows {
        let key = (row.id.clone(), row.port, row.ip, row.protocol.clone());
        let Some(&i) = index.get(&key) else {
            index.insert(key, out.len());
            seen.push(HashSet::new());
            let mut row = row;
            let users = std::mem::take(&mut row.usernames);
            out.push(row);
            let i = out.len() - 1;
            add_usernames(&mut out[i], &mut seen[i], users);
            continue;
        };
        let t = &mut out[i];
        add_usernames(t, &mut seen[i], row.usernames);
        if t.hostname.is_none() {
            t.hostname = row.hostname;
        }
        if t.vnet.is_none() {
            t.vnet = row.vnet;
        }
    }
    out
}

fn add_usernames(t: &mut Target, seen: &mut HashSet<String>, users: Vec<String>) {
    for u in users {
        if seen.insert(u.clone()) {
            t.usernames.push(u);
        }
    }
}

/// A cell or field as kept: trimmed, bounded, no control character ([`super::printable`]).
fn bounded(s: &str) -> String {
    super::printable(s.trim(), 200)
}

/// `alice, bob` → [alice, bob].
fn usernames(cell: &str) -> Vec<String> {
    cell.split([',', ' '])
        .map(bounded)
        .filter(|u| !u.is_empty())
        .collect()
}

/// `10.116.0.3 (a1net)` → the address and the network.
fn ip_cell(cell: &str) -> Option<(IpAddr, Option<String>)> {
    let cell = cell.trim();
    let (addr, rest) = cell.split_once('(').unwrap_or((cell, ""));
    // The first address as a whole: a cell that still holds a space (a wrap zssh could not
    // undo) is unreadable, never the address that one of its pieces happens to be.
    let ip = addr
        .split(',')
        .map(str::trim)
        .find(|w| !w.is_empty())?
        .parse::<IpAddr>()
        .ok()?;
    let vnet = rest.rsplit_once(')').map_or(rest, |(v, _)| v).trim();
    Some((ip, (!vnet.is_empty()).then(|| bounded(vnet))))
}

/// `hostname: do-target` (maybe among other attributes) → do-target.
fn hostname_attr(cell: &str) -> Option<String> {
    let (_, rest) = cell.split_once("hostname:")?;
    let name = rest.trim().split([',', ' ']).next().unwrap_or("");
    (!name.is_empty()).then(|| bounded(name))
}

/// Which cell holds what, from the header row.
#[derive(Default)]
struct Columns {
    id: Option<usize>,
    protocol: Option<usize>,
    port: Option<usize>,
    attributes: Option<usize>,
    ip: Option<usize>,
    usernames: Option<usize>,
}

impl Columns {
    fn from_header(cells: &[String]) -> Option<Columns> {
        let mut c = Columns::default();
        for (i, cell) in cells.iter().enumerate() {
            let h = cell.to_ascii_lowercase();
            let slot = if h.starts_with("target id") || h == "id" {
                &mut c.id
            } else if h.starts_with("protocol") {
                &mut c.protocol
            } else if h.starts_with("port") {
                &mut c.port
            } else if h.starts_with("attribute") {
                &mut c.attributes
            } else if h.starts_with("ip") {
                &mut c.ip
            } else if h.starts_with("username") {
                &mut c.usernames
            } else {
                continue;
            };
            slot.get_or_insert(i);
        }
        (c.id.is_some() && c.ip.is_some()).then_some(c)
    }

    /// The row's target; `Ok(None)` for an empty row. A row with something in it but no ID is
    /// unreadable (never silently dropped).
    fn target(&self, cells: &[String]) -> Result<Option<Target>, Unreadable> {
        let cell = |i: Option<usize>| i.and_then(|i| cells.get(i)).map_or("", |s| s.as_str());
        let id = bounded(cell(self.id));
        let hostname = hostname_attr(cell(self.attributes));
        let unreadable = |why: String| Unreadable {
            id: (!id.is_empty()).then(|| id.clone()),
            hostname: hostname.clone(),
            why,
        };
        if id.is_empty() {
            if cells.iter().all(|c| c.trim().is_empty()) {
                return Ok(None);
            }
            return Err(unreadable("no target ID".into()));
        }
        let Some((ip, vnet)) = ip_cell(cell(self.ip)) else {
            return Err(unreadable(format!(
                "no IP address in {:?}",
                bounded(cell(self.ip))
            )));
        };
        let port = match cell(self.port) {
            "" => 22,
            p => p
                .parse()
                .map_err(|_| unreadable(format!("port {:?}", bounded(p))))?,
        };
        Ok(Some(Target {
            id,
            hostname,
            ip,
            vnet,
            port,
            usernames: usernames(cell(self.usernames)),
            protocol: match bounded(cell(self.protocol)) {
                p if p.is_empty() => "SSH".into(),
                p => p,
            },
        }))
    }
}

/// One cell of a table line: its text, and whether the text runs to the column's right edge
/// (at most the one space of padding after it), as a piece cut mid-word by a wrap does.
struct Cell {
    text: String,
    full: bool,
}

/// The cells of a table line (`│ a │ b │` → [a, b]); `None` for other lines.
fn cells(line: &str) -> Option<Vec<Cell>> {
    let line = line.trim();
    let inner = line.strip_prefix('│')?;
    let inner = inner.strip_suffix('│').unwrap_or(inner);
    let cell = |raw: &str| {
        let text = raw.trim();
        Cell {
            text: text.to_string(),
            full: !text.is_empty() && raw.len() - raw.trim_end().len() <= 1,
        }
    };
    Some(inner.split('│').map(cell).collect())
}

/// A continuation line's cells appended to its row's: straight after a piece that filled its
/// column (a word cut at the edge: `2001:db8:1234:5678:` + `9abc::1`), after a space otherwise
/// (`alice,` + `bob`).
fn continue_row(prev: &mut [Cell], row: Vec<Cell>) {
    for (p, c) in prev.iter_mut().zip(row) {
        if c.text.is_empty() {
            continue;
        }
        if !p.text.is_empty() && !p.full {
            p.text.push(' ');
        }
        p.text.push_str(&c.text);
        p.full = c.full;
    }
}

/// What `warp-cli target list` showed: the targets read, and the rows (or JSON items) that
/// name a target but could not be read (an address or port that does not parse), with what
/// could be read of them, for the caller to mention (and `config --warp-targets` to keep the
/// stanza it wrote for that target before).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TargetList {
    pub targets: Vec<Target>,
    pub unreadable: Vec<Unreadable>,
}

/// The box table. `None` when there is no header row with a Target ID and an IP column.
pub fn from_text(text: &str) -> Option<TargetList> {
    let mut columns: Option<Columns> = None;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    // Whether the last line was a row (so an ID-less line continues it).
    let mut open = false;
    for line in text.lines() {
        let Some(row) = cells(line) else {
            open = false;
            continue;
        };
        let Some(cols) = &columns else {
            let texts: Vec<String> = row.into_iter().map(|c| c.text).collect();
            columns = Columns::from_header(&texts);
            continue;
        };
        let id_empty = cols
            .id
            .and_then(|i| row.get(i))
            .is_none_or(|c| c.text.is_empty());
        match rows.last_mut() {
            Some(prev) if open && id_empty => continue_row(prev, row),
            _ => rows.push(row),
        }
        open = true;
    }
    let cols = columns?;
    let mut list = TargetList::default();
    for r in rows {
        let texts: Vec<String> = r.into_iter().map(|c| c.text).collect();
        match cols.target(&texts) {
            Ok(t) => list.targets.extend(t),
            Err(u) => list.unreadable.push(u),
        }
    }
    list.targets = merge(list.targets);
    Some(list)
}

fn field<'a>(v: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| v.get(*n))
        .filter(|v| !v.is_null())
}

fn json_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(bounded(s)),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(a) => a.first().and_then(json_text),
        _ => None,
    }
}

/// An IP field: a string (`10.0.0.1` or `10.0.0.1 (net)`), or the API's
/// `{"ipv4":{"ip_addr":…},"ipv6":{…}}`.
fn json_ip(v: &Value) -> Option<(IpAddr, Option<String>)> {
    if let Some(s) = v.as_str() {
        return ip_cell(s);
    }
    ["ipv4", "ipv6"].iter().find_map(|fam| {
        let inner = v.get(*fam)?;
        let ip = field(inner, &["ip_addr", "ip", "address"]).and_then(json_text)?;
        ip_cell(&ip)
    })
}

fn json_target(v: &Value) -> Option<Target> {
    let id = field(v, &["target_id", "id"]).and_then(json_text)?;
    let (ip, vnet_in_ip) =
        field(v, &["ip", "ip_address", "ip_addr", "address"]).and_then(json_ip)?;
    let hostname = field(v, &["hostname"])
        .or_else(|| v.get("attributes").and_then(|a| field(a, &["hostname"])))
        .and_then(json_text);
    let vnet = field(
        v,
        &[
            "virtual_network",
            "virtual_network_name",
            "vnet",
            "vnet_name",
        ],
    )
    .and_then(|n| json_text(n).or_else(|| n.get("name").and_then(json_text)))
    .or(vnet_in_ip);
    let port = match field(v, &["port"]) {
        None => 22,
        Some(p) => json_text(p)?.parse().ok()?,
    };
    let usernames = match field(v, &["usernames", "username"]) {
        Some(Value::Array(a)) => a.iter().filter_map(json_text).collect(),
        Some(Value::String(s)) => usernames(s),
        _ => Vec::new(),
    };
    let protocol = field(v, &["protocol"])
        .and_then(json_text)
        .unwrap_or_else(|| "SSH".into());
    Some(Target {
        id,
        hostname,
        ip,
        vnet,
        port,
        usernames,
        protocol,
    })
}

/// The keys an answer may keep its list under (an API-style envelope keeps it in `result`).
const LIST_KEYS: &[&str] = &["result", "targets", "data", "items"];

/// An object with an ID and an address: a target, whatever else it holds.
fn looks_like_target(v: &Value) -> bool {
    v.is_object()
        && field(v, &["target_id", "id"]).is_some()
        && field(v, &["ip", "ip_address", "ip_addr", "address"]).is_some()
}

/// The list of targets in a JSON answer: the answer itself when it is an array, else the list
/// under a known key (one level of nesting, `{"result":{"targets":[…]}}`, is followed), else
/// the one array whose items look like targets. A failure envelope (`"success": false`) or
/// any other shape has none (empty side arrays such as `errors` and `messages` are not it).
fn json_list(v: &Value, depth: u8) -> Option<&Vec<Value>> {
    let m = match v {
        Value::Array(a) => return Some(a),
        Value::Object(m) => m,
        _ => return None,
    };
    if m.get("success") == Some(&Value::Bool(false)) {
        return None;
    }
    for key in LIST_KEYS {
        match m.get(*key) {
            Some(Value::Array(a)) => return Some(a),
            Some(inner @ Value::Object(_)) if depth == 0 => return json_list(inner, 1),
            _ => {}
        }
    }
    m.values()
        .filter_map(Value::as_array)
        .find(|a| a.iter().any(looks_like_target))
}

/// The undocumented JSON (see [`json_list`]). `None` when no target can be read from it (the
/// caller then falls back to the table): never an empty list unless the list itself is empty.
/// The entries that cannot be read are returned with what could be read of them.
pub fn from_json(v: &Value) -> Option<TargetList> {
    let entries = json_list(v, 0)?;
    let mut list = TargetList::default();
    for e in entries {
        match json_target(e) {
            Some(t) => list.targets.push(t),
            None => list.unreadable.push(Unreadable {
                id: field(e, &["target_id", "id"]).and_then(json_text),
                hostname: field(e, &["hostname"])
                    .or_else(|| e.get("attributes").and_then(|a| field(a, &["hostname"])))
                    .and_then(json_text),
                why: "no IP address or port zssh can read".into(),
            }),
        }
    }
    if list.targets.is_empty() && !entries.is_empty() {
        return None;
    }
    list.targets = merge(list.targets);
    Some(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The sample in warp-path.md.
    const DOC_TABLE: &str = "\
╭──────────────────────────────────────┬──────────┬───────┬───────────────────────┬──────────────────────┬────────────╮
│ Target ID                            │ Protocol │ Port  │ Attributes            │ IP (Virtual Network) │ Usernames  │
├──────────────────────────────────────┼──────────┼───────┼───────────────────────┼──────────────────────┼────────────┤
│ 0193f22a-9df3-78e3-b5bb-7ab631903306 │ SSH      │ 22    │ hostname: do-target   │ 10.116.0.3 (a1net)   │ alice      │
├──────────────────────────────────────┼──────────┼───────┼───────────────────────┼──────────────────────┼────────────┤
│ 01943cff-6130-7989-8bff-cbc02b59a2b1 │ SSH      │ 80    │ hostname: az-target   │ 172.16.0.0 (b1net)   │ alice, bob │
╰──────────────────────────────────────┴──────────┴───────┴───────────────────────┴──────────────────────┴────────────╯
";

    fn doc_targets() -> Vec<Target> {
        vec![
            Target {
                id: "0193f22a-9df3-78e3-b5bb-7ab631903306".into(),
                hostname: Some("do-target".into()),
                ip: "10.116.0.3".parse().unwrap(),
                vnet: Some("a1net".into()),
                port: 22,
                usernames: vec!["alice".into()],
                protocol: "SSH".into(),
            },
            Target {
                id: "01943cff-6130-7989-8bff-cbc02b59a2b1".into(),
                hostname: Some("az-target".into()),
                ip: "172.16.0.0".parse().unwrap(),
                vnet: Some("b1net".into()),
                port: 80,
                usernames: vec!["alice".into(), "bob".into()],
                protocol: "SSH".into(),
            },
        ]
    }

    #[test]
    fn the_documented_table_and_its_header_variants() {
        let examples = DOC_TABLE.replace("│ Usernames  │", "│ Usernames (examples) │");
        let reordered = "\
│ IP (Virtual Network) │ Target ID                            │ Usernames │
│ 10.116.0.3 (a1net)   │ 0193f22a-9df3-78e3-b5bb-7ab631903306 │ alice     │
";
        for (name, text) in [("doc", DOC_TABLE.to_string()), ("examples", examples)] {
            assert_eq!(from_text(&text).unwrap().targets, doc_targets(), "{name}");
        }
        let r = from_text(reordered).unwrap().targets;
        assert_eq!(
            (r[0].ip.to_string(), r[0].port, r[0].hostname.clone()),
            ("10.116.0.3".into(), 22, None)
        );
        // No table: not a target list (an empty table is an empty list).
        assert!(from_text("Status update: Connected\n").is_none());
        let header_only: String = DOC_TABLE
            .lines()
            .take(3)
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(from_text(&header_only).unwrap(), TargetList::default());
    }

    #[test]
    fn repeated_ids_wrapped_cells_and_bad_rows() {
        let text = "\
│ Target ID │ Protocol │ Port │ Attributes          │ IP (Virtual Network)  │ Usernames (examples) │
├───────────┼──────────┼──────┼─────────────────────┼───────────────────────┼──────────────────────┤
│ t1        │ SSH      │ 22   │ hostname: web       │ 198.51.100.7 (prod)   │ alice,               │
│           │          │      │                     │                       │ bob                  │
├───────────┼──────────┼──────┼─────────────────────┼───────────────────────┼──────────────────────┤
│ t1        │ SSH      │ 22   │ hostname: web       │ 198.51.100.7 (prod)   │ carol, alice         │
├───────────┼──────────┼──────┼─────────────────────┼───────────────────────┼──────────────────────┤
│ t1        │ SSH      │ 2222 │ hostname: web       │ 198.51.100.7 (prod)   │ root                 │
├───────────┼──────────┼──────┼─────────────────────┼───────────────────────┼──────────────────────┤
│ t2        │ SSH      │ 22   │ hostname: db, os: x │ 2001:db8::5           │                      │
├───────────┼──────────┼──────┼─────────────────────┼───────────────────────┼──────────────────────┤
│ t3        │ SSH      │ huge │ hostname: bad       │ 203.0.113.9           │ x                    │
│ t4        │ SSH      │ 22   │                     │ not-an-ip (prod)      │ x                    │
";
        let list = from_text(text).unwrap();
        // t3 (port `huge`) and t4 (no address) are counted, not silently dropped.
        assert_eq!(list.unreadable.len(), 2);
        let t = list.targets;
        let got: Vec<(String, u16, Vec<String>)> = t
            .iter()
            .map(|t| (t.id.clone(), t.port, t.usernames.clone()))
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                ("t1".into(), 22, s(&["alice", "bob", "carol"])),
                ("t1".into(), 2222, s(&["root"])),
                ("t2".into(), 22, vec![]),
            ]
        );
        assert_eq!(t[2].hostname.as_deref(), Some("db"));
        assert_eq!(t[2].vnet, None);
        assert_eq!(t[0].vnet.as_deref(), Some("prod"));
    }

    #[test]
    fn many_rows_merge_by_target_and_port() {
        let mut text = String::from("│ Target ID │ Port │ IP │ Usernames │\n");
        for i in 0..3000u32 {
            let ip = std::net::Ipv4Addr::from(0xC633_6400 + i % 1000);
            // Every target twice on port 22 (one username repeated), once on 2222.
            text.push_str(&format!("│ t{} │ 22 │ {ip} │ u{i}, shared │\n", i % 1000));
            if i < 1000 {
                text.push_str(&format!("│ t{i} │ 2222 │ {ip} │ root │\n"));
            }
        }
        let list = from_text(&text).unwrap();
        assert_eq!((list.targets.len(), list.unreadable.len()), (2000, 0));
        // In the order first shown: t0:22, t0:2222, t1:22, ...
        let (t7, t7b) = (&list.targets[14], &list.targets[15]);
        assert_eq!((t7.id.as_str(), t7.port, t7b.port), ("t7", 22, 2222));
        assert_eq!(t7.usernames, ["u7", "shared", "u1007", "u2007"]);
        assert_eq!(t7b.usernames, ["root"]);
    }

    #[test]
    fn a_wrapped_cell_is_joined_as_it_was_cut() {
        // Cut mid-word at the column's edge: joined straight; after a word: joined with a space.
        let text = "\
│ Target ID │ Protocol │ Port │ Attributes           │ IP (Virtual Network) │ Usernames │
│ t1        │ SSH      │ 22   │ hostname: a-very-lon │ 2001:db8:1234:5678:9 │ alice,    │
│           │          │      │ g-hostname           │ abc::1 (prod)        │ bob       │
│ t2        │ SSH      │ 22   │ hostname: b          │ 2001:db8:1234:5678:  │ carol     │
│           │          │      │                      │ 9abc::2 (prod)       │           │
│ t3        │ SSH      │ 22   │ hostname: c          │ 198.51.100.7 (a      │ dave      │
│           │          │      │                      │ long-network)        │           │
";
        let list = from_text(text).unwrap();
        let got: Vec<(String, String, Option<String>, Vec<String>)> = list
            .targets
            .iter()
            .map(|t| {
                let h = t.hostname.clone().unwrap_or_default();
                (h, t.ip.to_string(), t.vnet.clone(), t.usernames.clone())
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            got,
            vec![
                (
                    "a-very-long-hostname".into(),
                    "2001:db8:1234:5678:9abc::1".into(),
                    Some("prod".into()),
                    s(&["alice", "bob"])
                ),
                (
                    "c".into(),
                    "198.51.100.7".into(),
                    Some("a long-network".into()),
                    s(&["dave"])
                ),
            ]
        );
        // t2's cell stops short of the edge, so its pieces are two words: not an address, and
        // certainly not 9abc::2. The row is counted as unreadable.
        assert_eq!(list.unreadable.len(), 1);
        assert!(ip_cell("2001:db8:1234:5678: 9abc::2 (prod)").is_none());
        assert!(ip_cell("10.0.0.1 10.0.0.2").is_none());
    }

    #[test]
    fn json_when_the_client_offers_it() {
        let cases: Vec<(Value, Option<usize>)> = vec![
            (
                serde_json::json!([{"target_id": "t1", "hostname": "web", "ip": "198.51.100.7 (prod)", "port": 22, "usernames": ["alice", "bob"], "protocol": "SSH"}]),
                Some(1),
            ),
            (
                serde_json::json!({"targets": [{"id": "t1", "attributes": {"hostname": ["web"]},
                "ip": {"ipv4": {"ip_addr": "198.51.100.7", "virtual_network_id": "x"}}, "virtual_network": {"name": "prod"},
                "port": "22", "usernames": "alice, bob"}]}),
                Some(1),
            ),
            (serde_json::json!({"targets": []}), Some(0)),
            (serde_json::json!({"status": "Connected"}), None),
            (
                serde_json::json!({"virtual_networks": [{"id": "a", "name": "b"}]}),
                None,
            ),
            (serde_json::json!("text"), None),
            // An API-style envelope: the list is `result`, not the first (empty) array.
            (
                serde_json::json!({"success": true, "errors": [], "messages": [], "result": [
                    {"id": "t1", "hostname": "web", "ip": "198.51.100.7", "virtual_network": "prod", "usernames": ["alice", "bob"]}]}),
                Some(1),
            ),
            (
                serde_json::json!({"errors": [], "list": [{"id": "t1", "hostname": "web",
                    "ip": "198.51.100.7 (prod)", "usernames": "alice,bob"}]}),
                Some(1),
            ),
            (
                serde_json::json!({"result": {"targets": [{"id": "t1", "hostname": "web",
                    "ip": "198.51.100.7 (prod)", "usernames": ["alice", "bob"]}]}}),
                Some(1),
            ),
            (
                serde_json::json!({"success": true, "errors": [], "messages": [], "result": []}),
                Some(0),
            ),
            // Shapes with no usable list: the table is asked for instead.
            (serde_json::json!({"errors": [], "messages": []}), None),
            (
                serde_json::json!({"success": false, "errors": [{"code": 1}], "result": []}),
                None,
            ),
            (serde_json::json!({"result": [{"name": "x"}]}), None),
        ];
        for (v, n) in cases {
            let got = from_json(&v);
            assert_eq!(got.as_ref().map(|l| l.targets.len()), n, "{v}");
            if let Some(t) = got.and_then(|l| l.targets.into_iter().next()) {
                assert_eq!(
                    (t.id.as_str(), t.hostname.as_deref(), t.vnet.as_deref()),
                    ("t1", Some("web"), Some("prod")),
                    "{v}"
                );
                assert_eq!(t.usernames, vec!["alice".to_string(), "bob".into()], "{v}");
                assert_eq!(t.ip.to_string(), "198.51.100.7");
            }
        }
    }

    #[test]
    fn unreadable_rows_are_returned_not_dropped() {
        let text = DOC_TABLE.replacen("│ 80    │", "│ 8x    │", 1);
        let l = from_text(&text).unwrap();
        assert_eq!(l.targets, doc_targets()[..1]);
        assert_eq!(
            l.unreadable,
            [Unreadable {
                id: Some("01943cff-6130-7989-8bff-cbc02b59a2b1".into()),
                hostname: Some("az-target".into()),
                why: "port \"8x\"".into(),
            }]
        );
        // A row with no ID after a rule (not a continuation) is not a target, but it is said.
        let text = format!(
            "{DOC_TABLE}├──┤\n│                                      │ SSH      │ 22    │ hostname: lost        │ 10.0.0.9             │ x          │\n"
        );
        let l = from_text(&text).unwrap();
        assert_eq!(l.targets, doc_targets());
        assert_eq!(
            l.unreadable,
            [Unreadable {
                id: None,
                hostname: Some("lost".into()),
                why: "no target ID".into(),
            }]
        );
        let json = serde_json::json!([{"id": "a", "ip": "10.0.0.1"}, {"id": "b", "hostname": "h", "ip": "x"}]);
        let l = from_json(&json).unwrap();
        assert_eq!(
            (l.targets.len(), l.unreadable[0].id.as_deref()),
            (1, Some("b"))
        );
    }

    /// No field keeps a control character, from the table or from JSON.
    fn clean(list: &TargetList) -> bool {
        let ok = |s: &str| !s.chars().any(char::is_control);
        let rows_ok = list.unreadable.iter().all(|u| {
            u.id.as_deref().is_none_or(ok) && u.hostname.as_deref().is_none_or(ok) && ok(&u.why)
        });
        rows_ok
            && list.targets.iter().all(|t| {
                ok(&t.id)
                    && ok(&t.protocol)
                    && t.hostname.as_deref().is_none_or(ok)
                    && t.vnet.as_deref().is_none_or(ok)
                    && t.usernames.iter().all(|u| ok(u))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn no_control_character_survives(s in "[a-z\\x00-\\x1f\\x7f\\u{9b}]{1,20}") {
            let table = format!(
                "│ Target ID │ Protocol │ Port │ Attributes │ IP │ Usernames │\n│ t{s} │ SSH{s} │ 22 │ hostname: h{s} │ 198.51.100.7 (n{s}) │ a{s}, b │\n"
            );
            prop_assert!(clean(&from_text(&table).unwrap_or_default()));
            let json = serde_json::json!([{"id": s, "ip": "198.51.100.7", "hostname": s, "protocol": s, "virtual_network": s, "usernames": [s]}]);
            prop_assert!(clean(&from_json(&json).unwrap_or_default()));
        }
        #[test]
        fn arbitrary_input_never_panics(rows in proptest::collection::vec("[│ a-z0-9.:,()\\-]{0,60}", 0..8), s in "\\PC{0,80}") {
            let text = format!("│ Target ID │ Port │ IP │ Usernames │\n{}\n{s}", rows.join("\n"));
            let _ = from_text(&text);
            let _ = from_text(&s);
            let _ = from_json(&serde_json::json!([{"id": s, "ip": s, "port": s, "usernames": [s, 1]}]));
            let _ = from_json(&serde_json::json!({"t": [{"id": 1, "ip": {"ipv4": {"ip_addr": s}}, "port": -1}]}));
        }
    }
}
