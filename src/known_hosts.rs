//! Pure reads and edits of known_hosts text: which lines name a host, whether they hold the key a
//! server presents now, and the text with that host's stale entries replaced.
//!
//! The format is sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": one entry per line, `[marker] hostnames
//! keytype base64-key [comment]`, where `hostnames` is a comma-separated list of patterns (`*`, `?`,
//! `!negation`, `[host]:port` for ports other than 22) or one hashed name
//! `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`. Markers are `@cert-authority` and `@revoked`.
//!
//! The file is edited line by line on bytes, never parsed as a whole, so that every line this
//! module does not own (comments, blank lines, invalid or non-UTF-8 lines, other hosts' entries,
//! markers, CRLF endings, tabs) comes back byte for byte and in order. Lines that name the host
//! only through a wildcard are left alone: OpenSSH accepts a host when *any* matching line holds
//! the key, so a correct entry next to them is enough.
//!
//! This module never prints and never touches the file system.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{KeyInit, Mac};

type HmacSha1 = hmac::Hmac<sha1::Sha1>;

/// A host key as known_hosts stores it: the key type name and the key's wire-format blob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub algo: String,
    pub blob: Vec<u8>,
}

impl Key {
    /// From the wire-format blob (the type name is read from the blob itself).
    pub fn from_blob(blob: Vec<u8>) -> Option<Key> {
        let algo = blob_algo(&blob)?.to_string();
        Some(Key { algo, blob })
    }

    /// `keytype base64` as it appears in a known_hosts line.
    pub fn to_field(&self) -> String {
        format!("{} {}", self.algo, STANDARD.encode(&self.blob))
    }

    /// `SHA256:… (ED25519)`, as `ssh-keygen -lf` shows a key.
    pub fn fingerprint(&self) -> String {
        let kind = match self.algo.as_str() {
            "ssh-ed25519" => "ED25519",
            "ssh-rsa" => "RSA",
            "ssh-dss" => "DSA",
            a if a.starts_with("ecdsa-") => "ECDSA",
            a if a.starts_with("sk-ssh-ed25519") => "ED25519-SK",
            a if a.starts_with("sk-ecdsa") => "ECDSA-SK",
            a => a,
        };
        match ssh_key::PublicKey::from_bytes(&self.blob) {
            Ok(k) => format!("{} ({kind})", k.fingerprint(ssh_key::HashAlg::Sha256)),
            Err(_) => format!("(a {} key zssh cannot read)", self.algo),
        }
    }
}

/// The key type named at the start of a wire-format key blob.
fn blob_algo(blob: &[u8]) -> Option<&str> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let name = blob.get(4..4usize.checked_add(len)?)?;
    std::str::from_utf8(name).ok().filter(|s| !s.is_empty())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    CertAuthority,
    Revoked,
}

/// How a line's host field names the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum How {
    /// A hashed name (`|1|…`).
    Hashed,
    /// The field is exactly the name.
    Exact,
    /// The name is one literal entry of a comma-separated list.
    InList,
    /// Only a wildcard pattern matches (such lines are never edited).
    Pattern,
}

/// One line that names the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// 1-based line number.
    pub line: usize,
    pub marker: Option<Marker>,
    pub key: Key,
    pub how: How,
}

/// What known_hosts says about the key a host presents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// An entry holds this key (ssh will accept it).
    Matches,
    /// Entries exist but none holds this key (ssh will refuse: "host key changed").
    Differs,
    /// No entry names the host.
    Missing,
}

/// One physical line: its bytes without the terminator, and the terminator (`\n`, `\r\n`, or
/// nothing for a last line without one).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Line {
    text: Vec<u8>,
    eol: &'static [u8],
}

/// The parsed fields of an entry line (byte ranges into the line text).
struct Entry {
    marker: Option<Marker>,
    hosts: std::ops::Range<usize>,
    key: Key,
}

/// A known_hosts file as lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownHosts {
    lines: Vec<Line>,
}

/// The outcome of [`KnownHosts::repair`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repair {
    /// The new file contents.
    pub text: Vec<u8>,
    /// Lines (1-based, in the old file) removed: stale entries for the host alone.
    pub removed: Vec<usize>,
    /// Lines whose host list lost the host's name (the other hosts keep their entry).
    pub edited: Vec<usize>,
    /// Lines naming the host only through a wildcard, left as they were.
    pub kept_patterns: Vec<usize>,
    /// Whether an entry was added, and whether it is hashed.
    pub added: bool,
    pub hashed: bool,
}

impl Repair {
    pub fn changed(&self) -> bool {
        self.added || !self.removed.is_empty() || !self.edited.is_empty()
    }
}

/// The new file contents (so a repair can be handed to [`crate::userfile`] as the edit).
impl AsRef<[u8]> for Repair {
    fn as_ref(&self) -> &[u8] {
        &self.text
    }
}

fn is_blank(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Split at runs of spaces and tabs, returning the byte range of each field.
fn fields(text: &[u8]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        while i < text.len() && is_blank(text[i]) {
            i += 1;
        }
        let start = i;
        while i < text.len() && !is_blank(text[i]) {
            i += 1;
        }
        if i > start {
            out.push(start..i);
        }
    }
    out
}

fn parse_entry(text: &[u8]) -> Option<Entry> {
    let f = fields(text);
    let first = f.first()?;
    if text[first.start] == b'#' {
        return None;
    }
    let (marker, rest) = match &text[first.clone()] {
        b"@cert-authority" => (Some(Marker::CertAuthority), &f[1..]),
        b"@revoked" => (Some(Marker::Revoked), &f[1..]),
        m if m.starts_with(b"@") => return None,
        _ => (None, &f[..]),
    };
    let [hosts, algo, b64, ..] = rest else {
        return None;
    };
    let algo = std::str::from_utf8(&text[algo.clone()]).ok()?;
    let blob = STANDARD.decode(&text[b64.clone()]).ok()?;
    // OpenSSH rejects a line whose key does not parse as the named type.
    if blob_algo(&blob) != Some(algo) {
        return None;
    }
    Some(Entry {
        marker,
        hosts: hosts.clone(),
        key: Key {
            algo: algo.to_string(),
            blob,
        },
    })
}

/// `*` and `?` wildcard match, ASCII case-insensitive (OpenSSH lowercases both sides).
fn wildcard(name: &[u8], pat: &[u8]) -> bool {
    let (mut n, mut p) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if p < pat.len() && (pat[p] == b'?' || pat[p].eq_ignore_ascii_case(&name[n])) {
            n += 1;
            p += 1;
        } else if p < pat.len() && pat[p] == b'*' {
            star = Some((p, n));
            p += 1;
        } else if let Some((sp, sn)) = star {
            p = sp + 1;
            n = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|&c| c == b'*')
}

fn is_literal(pat: &[u8]) -> bool {
    !pat.iter().any(|&c| c == b'*' || c == b'?' || c == b'!')
}

/// Whether a comma-separated pattern list accepts `name`: some positive pattern matches and no
/// negated one does (sshd(8)).
fn list_matches(list: &[u8], name: &[u8]) -> bool {
    let mut hit = false;
    for pat in list.split(|&c| c == b',') {
        if let Some(neg) = pat.strip_prefix(b"!") {
            if wildcard(name, neg) {
                return false;
            }
        } else if !pat.is_empty() && wildcard(name, pat) {
            hit = true;
        }
    }
    hit
}

/// HMAC-SHA1(salt, name) for a hashed host field `|1|salt|hash`.
fn hash_name(salt: &[u8], name: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha1::new_from_slice(salt).expect("HMAC takes any key length");
    mac.update(name);
    mac.finalize().into_bytes().to_vec()
}

fn hashed_matches(field: &[u8], name: &[u8]) -> Option<bool> {
    let rest = field.strip_prefix(b"|1|")?;
    let mut parts = rest.split(|&c| c == b'|');
    let (salt, hash) = (parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return Some(false);
    }
    let (Ok(salt), Ok(hash)) = (STANDARD.decode(salt), STANDARD.decode(hash)) else {
        return Some(false);
    };
    let mut mac = HmacSha1::new_from_slice(&salt).expect("HMAC takes any key length");
    mac.update(name);
    Some(mac.verify_slice(&hash).is_ok())
}

/// `|1|salt|hash` for `name` with this salt.
pub fn hashed_field(name: &str, salt: &[u8]) -> String {
    format!(
        "|1|{}|{}",
        STANDARD.encode(salt),
        STANDARD.encode(hash_name(salt, name.as_bytes()))
    )
}

/// How a host field names `name`, if it does.
fn how(field: &[u8], name: &[u8]) -> Option<How> {
    if field.starts_with(b"|") {
        return hashed_matches(field, name)
            .unwrap_or(false)
            .then_some(How::Hashed);
    }
    if !list_matches(field, name) {
        return None;
    }
    if field.eq_ignore_ascii_case(name) {
        return Some(How::Exact);
    }
    let literal = field
        .split(|&c| c == b',')
        .any(|p| is_literal(p) && p.eq_ignore_ascii_case(name));
    Some(if literal { How::InList } else { How::Pattern })
}

/// The name ssh looks a host up under: `host` for port 22, `[host]:port` otherwise (sshd(8)).
pub fn lookup_name(host: &str, port: u16) -> String {
    let host = host.to_ascii_lowercase();
    if port == 22 {
        host
    } else {
        format!("[{host}]:{port}")
    }
}

impl KnownHosts {
    pub fn parse(bytes: &[u8]) -> KnownHosts {
        let mut lines = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            match rest.iter().position(|&c| c == b'\n') {
                Some(i) => {
                    let (text, eol): (&[u8], &'static [u8]) = if i > 0 && rest[i - 1] == b'\r' {
                        (&rest[..i - 1], b"\r\n")
                    } else {
                        (&rest[..i], b"\n")
                    };
                    lines.push(Line {
                        text: text.to_vec(),
                        eol,
                    });
                    rest = &rest[i + 1..];
                }
                None => {
                    lines.push(Line {
                        text: rest.to_vec(),
                        eol: b"",
                    });
                    rest = &[];
                }
            }
        }
        KnownHosts { lines }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for l in &self.lines {
            out.extend_from_slice(&l.text);
            out.extend_from_slice(l.eol);
        }
        out
    }

    /// Every line that names `name` (as [`lookup_name`] spells it), markers included.
    pub fn lookup(&self, name: &str) -> Vec<Found> {
        let name = name.as_bytes();
        let mut out = Vec::new();
        for (i, line) in self.lines.iter().enumerate() {
            let Some(e) = parse_entry(&line.text) else {
                continue;
            };
            if let Some(how) = how(&line.text[e.hosts.clone()], name) {
                out.push(Found {
                    line: i + 1,
                    marker: e.marker,
                    key: e.key,
                    how,
                });
            }
        }
        out
    }

    /// Whether known_hosts accepts `key` for `name`.
    pub fn status(&self, name: &str, key: &Key) -> Status {
        let found: Vec<Found> = self
            .lookup(name)
            .into_iter()
            .filter(|f| f.marker.is_none())
            .collect();
        if found.iter().any(|f| &f.key == key) {
            Status::Matches
        } else if found.is_empty() {
            Status::Missing
        } else {
            Status::Differs
        }
    }

    /// `@revoked` lines for `name` that hold `key` (ssh refuses such a key whatever else says).
    pub fn revoked(&self, name: &str, key: &Key) -> Vec<usize> {
        self.lookup(name)
            .into_iter()
            .filter(|f| f.marker == Some(Marker::Revoked) && &f.key == key)
            .map(|f| f.line)
            .collect()
    }

    /// Whether most entries in the file are hashed (ties: no).
    fn mostly_hashed(&self) -> bool {
        let (mut hashed, mut plain) = (0usize, 0usize);
        for l in &self.lines {
            if let Some(e) = parse_entry(&l.text)
                && e.marker.is_none()
            {
                if l.text[e.hosts].starts_with(b"|") {
                    hashed += 1;
                } else {
                    plain += 1;
                }
            }
        }
        hashed > plain
    }

    /// The terminator most lines use (`\n` on a tie or an empty file).
    fn usual_eol(&self) -> &'static [u8] {
        let crlf = self.lines.iter().filter(|l| l.eol == b"\r\n").count();
        let lf = self.lines.iter().filter(|l| l.eol == b"\n").count();
        if crlf > lf { b"\r\n" } else { b"\n" }
    }

    /// The file with `name`'s stale entries replaced by one entry for `key`.
    ///
    /// Stale entries (any key but `key`, markers excluded) that name the host alone or by a
    /// hashed name are removed; a host list that names it literally loses that name; lines that
    /// match only through wildcards stay. Unless an entry already holds `key`, one entry is
    /// written where the first stale one was (or appended): hashed with `salt` if the removed
    /// entries were hashed; when none was removed, as `hash` says (ssh's HashKnownHosts), or
    /// without it, if most of the file's entries are hashed.
    /// Every other line is kept byte for byte. Applying it twice changes nothing more.
    pub fn repair(&self, name: &str, key: &Key, salt: &[u8], hash: Option<bool>) -> Repair {
        self.edit(name, key, salt, true, hash)
    }

    /// [`KnownHosts::repair`] without adding an entry: only the stale entries go (for the other
    /// files ssh reads, when the new entry is written to one of them).
    pub fn remove_stale(&self, name: &str, key: &Key) -> Repair {
        self.edit(name, key, &[], false, None)
    }

    fn edit(&self, name: &str, key: &Key, salt: &[u8], add: bool, hash: Option<bool>) -> Repair {
        let name_b = name.as_bytes();
        let mut out: Vec<Line> = Vec::with_capacity(self.lines.len() + 1);
        let (mut removed, mut edited, mut kept_patterns) = (Vec::new(), Vec::new(), Vec::new());
        let mut insert_at: Option<(usize, &'static [u8])> = None;
        let mut removed_hashed = None::<bool>;
        let mut has_good = false;
        for (i, line) in self.lines.iter().enumerate() {
            let entry = parse_entry(&line.text).filter(|e| e.marker.is_none());
            let Some(e) = entry else {
                out.push(line.clone());
                continue;
            };
            let field = &line.text[e.hosts.clone()];
            let Some(h) = how(field, name_b) else {
                out.push(line.clone());
                continue;
            };
            if e.key == *key {
                has_good = true;
                out.push(line.clone());
                continue;
            }
            match h {
                How::Hashed | How::Exact => {
                    removed.push(i + 1);
                    removed_hashed = Some(removed_hashed.unwrap_or(false) || h == How::Hashed);
                    insert_at.get_or_insert((out.len(), line.eol));
                }
                How::InList => {
                    let kept: Vec<&[u8]> = field
                        .split(|&c| c == b',')
                        .filter(|p| !(is_literal(p) && p.eq_ignore_ascii_case(name_b)))
                        .collect();
                    let new_field = kept.join(&b","[..]);
                    if new_field.is_empty() || list_matches(&new_field, name_b) {
                        kept_patterns.push(i + 1);
                        out.push(line.clone());
                        continue;
                    }
                    let mut text = line.text[..e.hosts.start].to_vec();
                    text.extend_from_slice(&new_field);
                    text.extend_from_slice(&line.text[e.hosts.end..]);
                    edited.push(i + 1);
                    removed_hashed.get_or_insert(false);
                    out.push(Line {
                        text,
                        eol: line.eol,
                    });
                    // The host's own entry goes right after the line it came out of.
                    insert_at.get_or_insert((out.len(), line.eol));
                }
                How::Pattern => {
                    kept_patterns.push(i + 1);
                    out.push(line.clone());
                }
            }
        }
        let hashed = removed_hashed.unwrap_or_else(|| hash.unwrap_or_else(|| self.mostly_hashed()));
        let added = add && !has_good;
        if added {
            let host = if hashed {
                hashed_field(name, salt)
            } else {
                name.to_string()
            };
            let text = format!("{host} {}", key.to_field()).into_bytes();
            match insert_at {
                Some((at, eol)) => {
                    // A removed last line without a terminator: the new one ends the file the same way.
                    out.insert(at, Line { text, eol });
                }
                None => {
                    let eol = self.usual_eol();
                    if let Some(last) = out.last_mut()
                        && last.eol.is_empty()
                    {
                        last.eol = eol;
                    }
                    out.push(Line { text, eol });
                }
            }
        }
        Repair {
            text: KnownHosts { lines: out }.to_bytes(),
            removed,
            edited,
            kept_patterns,
            added,
            hashed: added && hashed,
        }
    }
}

/// What `ssh -G` says about how ssh checks a host's key (ssh_config(5)): the name it connects
/// to, the port, the alias keys are stored under, the files it reads (user files first: ssh
/// adds new keys to the first), and whether it hashes the names it adds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshView {
    pub hostname: Option<String>,
    pub port: Option<u16>,
    pub host_key_alias: Option<String>,
    /// UserKnownHostsFile, in order, `none` dropped. `~` may still need expanding (ssh before
    /// 8.4 printed the paths as configured).
    pub user_files: Vec<String>,
    /// GlobalKnownHostsFile: read, never written.
    pub global_files: Vec<String>,
    pub hash: Option<bool>,
    /// A ProxyCommand or ProxyJump: ssh does not connect to the HostName from here.
    pub proxied: bool,
}

/// Read `ssh -G` output (`keyword value` lines; unknown keywords and odd lines are skipped).
/// ssh prints file lists space-separated and unquoted, so a path with a space cannot be told
/// from two paths; such a list is split at the spaces, as ssh's own output reads.
/// A file list as `ssh -G` prints it: space-separated and unquoted, so a path with a space in it
/// comes out as several words. A new path starts with `/` or `~` (what ssh prints for absolute
/// and home paths); any other word continues the previous path after a space, so
/// `/home/a/my kh` stays one file instead of becoming `/home/a/my` and a relative `kh`.
fn split_file_list(val: &str) -> Vec<String> {
    let mut files: Vec<String> = Vec::new();
    for word in val.split(' ').filter(|w| !w.is_empty()) {
        match files.last_mut() {
            Some(last) if !word.starts_with(['/', '~']) => {
                last.push(' ');
                last.push_str(word);
            }
            _ => files.push(word.to_string()),
        }
    }
    files.retain(|f| !f.eq_ignore_ascii_case("none"));
    files
}

pub fn parse_ssh_g(out: &[u8]) -> SshView {
    let mut v = SshView::default();
    for line in String::from_utf8_lossy(out).lines() {
        let (k, val) = line.split_once(' ').unwrap_or((line, ""));
        let val = val.trim();
        let files = || split_file_list(val);
        match k {
            "hostname" if !val.is_empty() => v.hostname = Some(val.to_ascii_lowercase()),
            "port" => v.port = val.parse().ok(),
            "hostkeyalias" if !val.is_empty() && !val.eq_ignore_ascii_case("none") => {
                v.host_key_alias = Some(val.to_string())
            }
            "userknownhostsfile" => v.user_files = files(),
            "globalknownhostsfile" => v.global_files = files(),
            "hashknownhosts" => v.hash = Some(val.eq_ignore_ascii_case("yes")),
            "proxycommand" | "proxyjump"
                if !val.is_empty() && !val.eq_ignore_ascii_case("none") =>
            {
                v.proxied = true
            }
            _ => {}
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn file_lists_keep_paths_with_spaces_whole() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "~/.ssh/known_hosts ~/.ssh/known_hosts2",
                &["~/.ssh/known_hosts", "~/.ssh/known_hosts2"],
            ),
            ("/tmp/a/my kh", &["/tmp/a/my kh"]),
            ("/tmp/kh1 /tmp/kh 2 ~/x", &["/tmp/kh1", "/tmp/kh 2", "~/x"]),
            ("none", &[]),
            (
                "/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2",
                &["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"],
            ),
        ];
        for (val, want) in cases {
            assert_eq!(split_file_list(val), want, "{val}");
        }
    }

    fn key(algo: &str, seed: u8) -> Key {
        let mut blob = Vec::new();
        blob.extend_from_slice(&(algo.len() as u32).to_be_bytes());
        blob.extend_from_slice(algo.as_bytes());
        blob.extend_from_slice(&32u32.to_be_bytes());
        blob.extend_from_slice(&[seed; 32]);
        Key {
            algo: algo.to_string(),
            blob,
        }
    }

    fn old() -> Key {
        key("ssh-ed25519", 1)
    }
    fn new() -> Key {
        key("ssh-ed25519", 2)
    }
    const SALT: [u8; 20] = [7; 20];

    #[test]
    fn wildcards() {
        let table: &[(&str, &str, bool)] = &[
            ("a.example.com", "*.example.com", true),
            ("a.example.com", "*.EXAMPLE.com", true),
            ("example.com", "*.example.com", false),
            ("abc", "a?c", true),
            ("abc", "a*", true),
            ("abc", "*", true),
            ("abc", "ab", false),
            ("abc", "abcd", false),
            ("a.b.c", "a*c", true),
            ("[h]:2222", "[h]:2222", true),
            ("[h]:2222", "h", false),
        ];
        for (name, pat, want) in table {
            assert_eq!(
                wildcard(name.as_bytes(), pat.as_bytes()),
                *want,
                "{name} {pat}"
            );
        }
    }

    #[test]
    fn how_lines_name_a_host() {
        let h = hashed_field("host", &SALT);
        let table: &[(&str, Option<How>)] = &[
            ("host", Some(How::Exact)),
            ("HOST", Some(How::Exact)),
            ("other", None),
            ("other,host", Some(How::InList)),
            ("h*", Some(How::Pattern)),
            ("h*,!host", None),
            ("host,!host", None),
            ("!other,host", Some(How::InList)),
            (&h, Some(How::Hashed)),
            ("|1|garbage|x", None),
            ("[host]:22", None),
        ];
        for (field, want) in table {
            assert_eq!(how(field.as_bytes(), b"host"), *want, "{field}");
        }
    }

    #[test]
    fn hashed_matches_what_ssh_keygen_writes() {
        // `ssh-keygen -H` (OpenSSH 9) wrote this for "example.com".
        let field = b"|1|FuMxnzy4rQrwKdll3cEO6/F1lYI=|vqu/e0u6W/tSYzOqvsCuMdPgikM=";
        assert_eq!(hashed_matches(field, b"example.com"), Some(true));
        assert_eq!(hashed_matches(field, b"example.org"), Some(false));
        let salt = STANDARD.decode("FuMxnzy4rQrwKdll3cEO6/F1lYI=").unwrap();
        assert_eq!(hashed_field("example.com", &salt).as_bytes(), field);
    }

    #[test]
    fn lookup_and_status() {
        let text = format!(
            "# comment\nhost {}\n@revoked * {}\n@cert-authority *.ex {}\nbad line\nother {}\n",
            old().to_field(),
            new().to_field(),
            new().to_field(),
            new().to_field()
        );
        let kh = KnownHosts::parse(text.as_bytes());
        let found = kh.lookup("host");
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].line, 2);
        assert_eq!(found[1].marker, Some(Marker::Revoked));
        assert_eq!(kh.status("host", &new()), Status::Differs);
        assert_eq!(kh.status("host", &old()), Status::Matches);
        assert_eq!(kh.status("nobody", &old()), Status::Missing);
        assert_eq!(kh.revoked("host", &new()), vec![3]);
        assert!(kh.revoked("host", &old()).is_empty());
    }

    #[test]
    fn repair_table() {
        let o = old().to_field();
        let n = new().to_field();
        let table: Vec<(String, String)> = vec![
            // Missing: appended, missing final newline added.
            ("other x".into(), format!("other x\nhost {n}\n")),
            (String::new(), format!("host {n}\n")),
            // Replaced in place.
            (
                format!("a {o}\nhost {o}\nb {o}\n"),
                format!("a {o}\nhost {n}\nb {o}\n"),
            ),
            // CRLF kept on the replaced line.
            (
                format!("host {o}\r\nb {o}\n"),
                format!("host {n}\r\nb {o}\n"),
            ),
            // Several stale entries: one new entry where the first was.
            (
                format!("host {o}\nb {o}\nhost {}\n", key("ssh-rsa", 3).to_field()),
                format!("host {n}\nb {o}\n"),
            ),
            // A list loses the host; the new entry follows.
            (format!("a,host,b {o}\n"), format!("a,b {o}\nhost {n}\n")),
            // Wildcards and markers stay; the entry is appended.
            (
                format!("h* {o}\n@revoked host {o}\n@cert-authority host {o}\n"),
                format!("h* {o}\n@revoked host {o}\n@cert-authority host {o}\nhost {n}\n"),
            ),
            // Already correct: nothing changes, stale ones included (status says Matches).
            (format!("host {n}\n"), format!("host {n}\n")),
            // Tabs and comments in the replaced line's neighbours stay.
            (
                format!("\t# c\nhost\t{o} comment\n  \n"),
                format!("\t# c\nhost {n}\n  \n"),
            ),
        ];
        for (before, want) in table {
            let kh = KnownHosts::parse(before.as_bytes());
            let r = kh.repair("host", &new(), &SALT, None);
            assert_eq!(String::from_utf8(r.text).unwrap(), want, "from {before:?}");
        }
    }

    #[test]
    fn repair_keeps_hashing() {
        let o = old().to_field();
        let hashed = hashed_field("host", &[1; 20]);
        let before = format!("{hashed} {o}\nplain {o}\n");
        let r = KnownHosts::parse(before.as_bytes()).repair("host", &new(), &SALT, None);
        assert!(r.hashed);
        assert_eq!(r.removed, vec![1]);
        let text = String::from_utf8(r.text).unwrap();
        assert_eq!(
            text,
            format!(
                "{} {}\nplain {o}\n",
                hashed_field("host", &SALT),
                new().to_field()
            )
        );
        // No entry for the host, file mostly hashed: hashed.
        let before = format!(
            "{} {o}\n{} {o}\nplain {o}\n",
            hashed_field("a", &SALT),
            hashed_field("b", &SALT)
        );
        let r = KnownHosts::parse(before.as_bytes()).repair("host", &new(), &SALT, None);
        assert!(r.hashed);
        // Mostly plain: plain.
        let before = format!("{} {o}\nx {o}\nplain {o}\n", hashed_field("a", &SALT));
        let r = KnownHosts::parse(before.as_bytes()).repair("host", &new(), &SALT, None);
        assert!(!r.hashed);
    }

    #[test]
    fn non_utf8_lines_survive() {
        let mut before = b"# caf\xe9\n".to_vec();
        before.extend_from_slice(b"host x \xff\n");
        before.extend_from_slice(format!("host {}\n", old().to_field()).as_bytes());
        let r = KnownHosts::parse(&before).repair("host", &new(), &SALT, None);
        assert!(r.text.starts_with(b"# caf\xe9\n"));
        assert_eq!(r.removed, vec![3]);
    }

    #[test]
    fn key_fingerprint_like_ssh_keygen() {
        // `ssh-keygen -lf` prints "256 SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU no comment (ED25519)".
        let line =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
        let k = ssh_key::PublicKey::from_openssh(line).unwrap();
        let key = Key::from_blob(k.to_bytes().unwrap()).unwrap();
        assert_eq!(key.to_field(), line);
        assert_eq!(
            key.fingerprint(),
            "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU (ED25519)"
        );
    }

    #[test]
    fn ssh_g_output() {
        let out = b"user me\nhostname SSH.Example.com\nport 2222\nhashknownhosts yes\n\
            hostkeyalias ssh.example.com.zssh\n\
            globalknownhostsfile /etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2\n\
            userknownhostsfile ~/.ssh/known_hosts /tmp/kh2\nproxycommand x\n";
        assert_eq!(
            parse_ssh_g(out),
            SshView {
                hostname: Some("ssh.example.com".into()),
                port: Some(2222),
                host_key_alias: Some("ssh.example.com.zssh".into()),
                user_files: vec!["~/.ssh/known_hosts".into(), "/tmp/kh2".into()],
                global_files: vec![
                    "/etc/ssh/ssh_known_hosts".into(),
                    "/etc/ssh/ssh_known_hosts2".into()
                ],
                hash: Some(true),
                proxied: true,
            }
        );
        let v =
            parse_ssh_g(b"userknownhostsfile none\nhashknownhosts no\nport x\nproxycommand none\n");
        assert!(v.user_files.is_empty() && !v.proxied);
        assert!(parse_ssh_g(b"proxyjump bastion\n").proxied);
        assert_eq!(
            (v.hash, v.port, v.host_key_alias),
            (Some(false), None, None)
        );
    }

    #[test]
    fn remove_stale_adds_nothing() {
        let o = old().to_field();
        let n = new().to_field();
        let kh = KnownHosts::parse(format!("a {o}\nhost {o}\nx,host {o}\n").as_bytes());
        let r = kh.remove_stale("host", &new());
        assert!(!r.added && r.changed());
        assert_eq!(
            String::from_utf8(r.text).unwrap(),
            format!("a {o}\nx {o}\n")
        );
        let kh = KnownHosts::parse(format!("host {n}\n").as_bytes());
        assert!(!kh.remove_stale("host", &new()).changed());
    }

    #[test]
    fn ssh_hashing_setting_decides_for_new_entries() {
        let o = old().to_field();
        let plain = KnownHosts::parse(format!("a {o}\n").as_bytes());
        assert!(plain.repair("host", &new(), &SALT, Some(true)).hashed);
        assert!(!plain.repair("host", &new(), &SALT, None).hashed);
        // A replaced hashed entry stays hashed whatever the setting.
        let h = format!("{} {o}\n", hashed_field("host", &SALT));
        let r = KnownHosts::parse(h.as_bytes()).repair("host", &new(), &SALT, Some(false));
        assert!(r.hashed);
    }

    // ---- property tests ----

    /// One generated line and whether (and how) it names `host`.
    #[derive(Clone, Debug)]
    enum Gen {
        Other(String),
        Host(String),
    }

    fn eol() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just("\n"), Just("\r\n")]
    }

    fn keys() -> impl Strategy<Value = Key> {
        (
            prop_oneof![
                Just("ssh-ed25519"),
                Just("ssh-rsa"),
                Just("ecdsa-sha2-nistp256")
            ],
            0u8..4,
        )
            .prop_map(|(a, s)| key(a, s))
    }

    fn other_name() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-g]{1,6}(\\.example\\.com)?",
            "\\[[a-g]{1,4}\\]:[1-9][0-9]{1,3}",
            Just("hostx".to_string()),
            Just("[host]:2222".to_string()),
        ]
    }

    fn sep() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(" "), Just("\t"), Just("  "), Just(" \t")]
    }

    fn line() -> impl Strategy<Value = Gen> {
        let other = prop_oneof![
            "#[ -~]{0,20}".prop_map(|c| c),
            "[ \t]{0,3}".prop_map(|c| c),
            "[a-z !@|*]{1,20}".prop_map(|c| c), // mostly invalid lines
            (other_name(), sep(), keys(), "( [a-z@.]{1,8})?")
                .prop_map(|(n, s, k, c)| format!("{n}{s}{}{c}", k.to_field().replacen(' ', s, 1))),
            (other_name(), keys(), any::<[u8; 20]>()).prop_map(|(n, k, salt)| format!(
                "{} {}",
                hashed_field(&n, &salt),
                k.to_field()
            )),
            (
                prop_oneof![Just("@revoked"), Just("@cert-authority")],
                prop_oneof![Just("host"), Just("*"), Just("h*,other")],
                keys()
            )
                .prop_map(|(m, h, k)| format!("{m} {h} {}", k.to_field())),
            keys().prop_map(|k| format!("!host,h* {}", k.to_field())),
        ]
        .prop_map(Gen::Other);
        let host = prop_oneof![
            (sep(), keys()).prop_map(|(s, k)| format!("host{s}{}", k.to_field())),
            keys().prop_map(|k| format!("HOST {} old comment", k.to_field())),
            (keys(), any::<[u8; 20]>()).prop_map(|(k, salt)| format!(
                "{} {}",
                hashed_field("host", &salt),
                k.to_field()
            )),
        ]
        .prop_map(Gen::Host);
        prop_oneof![4 => other, 1 => host]
    }

    fn file() -> impl Strategy<Value = (Vec<(Gen, &'static str)>, bool)> {
        (prop::collection::vec((line(), eol()), 0..25), any::<bool>())
    }

    fn render(lines: &[(Gen, &str)], final_eol: bool) -> Vec<u8> {
        let mut out = String::new();
        for (i, (g, e)) in lines.iter().enumerate() {
            let (Gen::Other(t) | Gen::Host(t)) = g;
            out.push_str(t);
            if i + 1 < lines.len() || final_eol {
                out.push_str(e);
            }
        }
        out.into_bytes()
    }

    /// Lines (with terminators, a missing final one normalised away) that do not name `host`.
    fn others(bytes: &[u8]) -> Vec<Vec<u8>> {
        let kh = KnownHosts::parse(bytes);
        let hosts: Vec<usize> = kh
            .lookup("host")
            .into_iter()
            .filter(|f| f.marker.is_none())
            .map(|f| f.line)
            .collect();
        kh.lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !hosts.contains(&(i + 1)))
            .map(|(_, l)| l.text.clone())
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Arbitrary bytes (and arbitrary lines after a valid entry) never panic any reader.
        #[test]
        fn arbitrary_bytes_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..512),
            field in "[|1a-zA-Z0-9+/=,!*?\\[\\]:@-]{0,40}",
            name in "[a-z.:\\[\\]0-9*?!]{0,20}",
            hash in any::<Option<bool>>(),
        ) {
            let mut text = format!("{field} {}\n", old().to_field()).into_bytes();
            text.extend_from_slice(&bytes);
            for input in [&bytes, &text] {
                let kh = KnownHosts::parse(input);
                prop_assert_eq!(kh.to_bytes(), input.clone());
                let _ = kh.lookup(&name);
                let _ = kh.status(&name, &new());
                let _ = kh.revoked(&name, &old());
                let _ = kh.repair(&name, &new(), &SALT, hash);
                let _ = kh.remove_stale(&name, &new());
                let _ = Key::from_blob(input.clone()).map(|k| k.fingerprint());
            }
            let _ = parse_ssh_g(&bytes);
        }

        #[test]
        fn repair_touches_only_the_host((lines, final_eol) in file(), new_key in keys(), salt in any::<[u8; 20]>()) {
            let before = render(&lines, final_eol);
            let kh = KnownHosts::parse(&before);
            let r = kh.repair("host", &new_key, &salt, None);
            // Every other line, in order, byte for byte (terminators included, except that a
            // last line without one gains one when an entry is appended after it).
            let after = KnownHosts::parse(&r.text);
            prop_assert_eq!(others(&before), others(&r.text));
            let old_other_lines: Vec<&Line> = kh.lines.iter().enumerate()
                .filter(|(i, _)| !r.removed.contains(&(i + 1)))
                .map(|(_, l)| l).collect();
            let new_lines: Vec<&Line> = after.lines.iter().collect();
            let mut j = 0;
            for l in &old_other_lines {
                while j < new_lines.len() && new_lines[j].text != l.text {
                    j += 1;
                }
                prop_assert!(j < new_lines.len(), "line {:?} lost", String::from_utf8_lossy(&l.text));
                prop_assert!(new_lines[j].eol == l.eol || l.eol.is_empty());
                j += 1;
            }
            // The host's generated lines are all found (hashed ones included) and, being exact
            // or hashed, all stale ones are gone.
            let generated = lines.iter().filter(|(g, _)| matches!(g, Gen::Host(_))).count();
            let found = kh.lookup("host").into_iter().filter(|f| f.marker.is_none() && f.how != How::Pattern).count();
            prop_assert_eq!(found, generated);
            prop_assert_eq!(after.status("host", &new_key), Status::Matches);
            for f in after.lookup("host") {
                if f.marker.is_none() && f.how != How::Pattern {
                    prop_assert_eq!(&f.key, &new_key);
                }
            }
            // Hashed if the stale entries were hashed.
            let stale: Vec<Found> = kh.lookup("host").into_iter()
                .filter(|f| f.marker.is_none() && f.how != How::Pattern && f.key != new_key).collect();
            if r.added && !stale.is_empty() {
                prop_assert_eq!(r.hashed, stale.iter().any(|f| f.how == How::Hashed));
            }
            // Idempotent.
            let again = after.repair("host", &new_key, &[9; 20], None);
            prop_assert!(!again.changed());
            prop_assert_eq!(&again.text, &r.text);
        }
    }
}
