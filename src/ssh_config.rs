//! Pure edits of ssh config text (ssh_config(5)) for `zssh config`: the one `Include` line zssh
//! adds to the user's `~/.ssh/config` (with a marker comment above it), the per-host stanzas in
//! zssh's own managed file (`~/.ssh/zssh_config`), the quoting those lines need, and the
//! cloudflared-style snippet of `zssh config --print` (access-protocol.md section 6.1).
//!
//! What this module must not do: touch files, print, or change any byte of the user's config
//! that zssh did not add. The user's config is handled as bytes (it may hold non-UTF-8 comments);
//! lines keep their own terminators (LF, CRLF, or none at the end of the file).
//!
//! Where the Include goes: OpenSSH applies an `Include` that follows a `Host`/`Match` line only
//! when that block matches, so it must come before the first `Host`/`Match` line. It goes at the
//! very top: ssh keeps the first value it obtains for an option, and a user's global defaults
//! (`User me` before any `Host`) would otherwise override what `zssh config --user` asked for
//! on the hosts zssh serves. Host/Match blocks inside an included file end with that file
//! (readconf.c restores the active state after an Include), so zssh's stanzas cannot capture
//! the user's lines that follow the Include.

use crate::access::app_url::AppUrl;
use crate::error::UserError;

/// The comment line zssh puts right above its Include line; `--uninstall` looks for it.
pub const INCLUDE_MARKER: &str =
    "# Added by zssh config (the next line too); `zssh config --uninstall` removes both";

/// The first lines of the managed file.
const MANAGED_HEADER: &str = "# zssh's ssh config stanzas, written by `zssh config` and included from your ssh config.\n\
# `zssh config HOST` rewrites the block of HOST; `zssh config --uninstall` removes this file.\n";

const BEGIN: &str = "# zssh: begin ";
const END: &str = "# zssh: end ";

/// Seconds between ssh's keepalives: well below the edge's 270 s idle cut.
const SERVER_ALIVE_INTERVAL: u32 = 60;
const SERVER_ALIVE_COUNT_MAX: u32 = 3;

// ---------------------------------------------------------------------------------------------
// Lines of the user's config

/// One line of a byte buffer: `start..content_end` is the text, `content_end..end` the
/// terminator (`\n`, `\r\n`, or nothing for an unterminated last line).
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    content_end: usize,
    end: usize,
}

fn lines(text: &[u8]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < text.len() {
        let (content_end, end) = match text[start..].iter().position(|&b| b == b'\n') {
            Some(i) => {
                let nl = start + i;
                let content_end = if nl > start && text[nl - 1] == b'\r' {
                    nl - 1
                } else {
                    nl
                };
                (content_end, nl + 1)
            }
            None => (text.len(), text.len()),
        };
        out.push(Line {
            start,
            content_end,
            end,
        });
        start = end;
    }
    out
}

/// The line ending the file uses: that of its first terminated line, LF for a file without any.
pub fn line_ending(text: &[u8]) -> &'static str {
    match text.iter().position(|&b| b == b'\n') {
        Some(i) if i > 0 && text[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// The keyword of a config line, lowercased (`None` for blank lines and comments). ssh splits the
/// keyword from its argument at whitespace or `=`.
fn keyword(content: &[u8]) -> Option<String> {
    let s = content
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .map(|i| &content[i..])?;
    if s.first() == Some(&b'#') {
        return None;
    }
    let word: Vec<u8> = s
        .iter()
        .take_while(|&&b| !matches!(b, b' ' | b'\t' | b'=' | b'\r'))
        .map(u8::to_ascii_lowercase)
        .collect();
    (!word.is_empty()).then(|| String::from_utf8_lossy(&word).into_owned())
}

/// The arguments of a config line after its keyword (split at whitespace, quotes removed).
fn arguments(content: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(content);
    let line = text.trim_start_matches([' ', '\t']);
    let after = line
        .find([' ', '\t', '='])
        .map_or("", |i| &line[i..])
        .trim_start_matches([' ', '\t']);
    let rest = after.strip_prefix('=').unwrap_or(after);
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' | '\t' | '\r' if !quoted => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
            }
            '#' if !quoted && word.is_empty() => break,
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// The literal names (no wildcard, not negated) each `Host` line of `text` names, with the
/// line's 1-based number. ssh lowercases the host, not the pattern: `Host Web` matches nothing.
pub fn host_names(text: &[u8]) -> Vec<(usize, Vec<String>)> {
    lines(text)
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let content = &text[l.start..l.content_end];
            (keyword(content).as_deref() == Some("host")).then(|| {
                let names = arguments(content)
                    .into_iter()
                    .filter(|p| !p.starts_with('!') && !is_wildcard(p))
                    .collect();
                (i + 1, names)
            })
        })
        .collect()
}

/// The paths the `Include` lines of `text` name, as written.
pub fn include_paths(text: &[u8]) -> Vec<String> {
    lines(text)
        .iter()
        .map(|l| &text[l.start..l.content_end])
        .filter(|c| keyword(c).as_deref() == Some("include"))
        .flat_map(arguments)
        .collect()
}

#[cfg(test)]
/// Whether a line starts a conditional block (`Host` or `Match`).
fn starts_block(content: &[u8]) -> bool {
    matches!(keyword(content).as_deref(), Some("host" | "match"))
}

/// `Include <path>`, the path quoted for ssh_config when needed.
pub fn include_line(path: &str) -> String {
    format!("Include {}", config_arg(path))
}

/// Whether `text` holds zssh's marker followed by exactly `include`.
pub fn has_include(text: &[u8], include: &str) -> bool {
    let ls = lines(text);
    ls.windows(2).any(|w| {
        &text[w[0].start..w[0].content_end] == INCLUDE_MARKER.as_bytes()
            && &text[w[1].start..w[1].content_end] == include.as_bytes()
    })
}

/// Whether `text` holds zssh's marker line (followed by its Include, whatever its path).
pub fn has_marker(text: &[u8]) -> bool {
    lines(text)
        .iter()
        .any(|l| &text[l.start..l.content_end] == INCLUDE_MARKER.as_bytes())
}

/// Add zssh's marker and `include` (an [`include_line`]) at the top of the file (so before the
/// first `Host`/`Match` line), with the file's own line ending. Every other byte is kept. If the
/// marker and this very line are already there (wherever the user moved them), nothing changes;
/// a marked Include with another path is replaced.
pub fn add_include(text: &[u8], include: &str) -> Vec<u8> {
    if has_include(text, include) {
        return text.to_vec();
    }
    let base = remove_include(text);
    let le = if base.contains(&b'\n') {
        line_ending(&base)
    } else {
        line_ending(text)
    };
    let mut out = Vec::with_capacity(base.len() + INCLUDE_MARKER.len() + include.len() + 4);
    out.extend_from_slice(INCLUDE_MARKER.as_bytes());
    out.extend_from_slice(le.as_bytes());
    out.extend_from_slice(include.as_bytes());
    out.extend_from_slice(le.as_bytes());
    out.extend_from_slice(&base);
    out
}

/// Remove what [`add_include`] added: each marker line and the `Include` line right after it
/// (a marker whose Include the user deleted goes alone). Every other byte is kept.
pub fn remove_include(text: &[u8]) -> Vec<u8> {
    let ls = lines(text);
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < ls.len() {
        let l = ls[i];
        if &text[l.start..l.content_end] == INCLUDE_MARKER.as_bytes() {
            i += 1;
            if let Some(next) = ls.get(i)
                && keyword(&text[next.start..next.content_end]).as_deref() == Some("include")
            {
                i += 1;
            }
            continue;
        }
        out.extend_from_slice(&text[l.start..l.end]);
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Quoting

/// An argument of an ssh_config keyword (Include, IdentityFile, …): as is when it needs no
/// quoting, else in double quotes with `\` and `"` escaped (ssh's argv_split honours `\\` and
/// `\"`, and keeps any other backslash, so Windows paths survive either way).
pub fn config_arg(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            !c.is_whitespace() && !c.is_control() && !matches!(c, '"' | '\'' | '\\' | '#' | '=')
        });
    if plain {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// `%` doubled, for values ssh expands `%` tokens in (ProxyCommand, Match exec, IdentityFile,
/// CertificateFile, ControlPath).
pub fn escape_percent(s: &str) -> String {
    s.replace('%', "%%")
}

/// The zssh executable as the first word of a command ssh hands to a shell (ProxyCommand,
/// `Match exec`): bare when it has only safe characters, else single-quoted on unix (the shell
/// removes the quotes; inside the double quotes of `Match exec` they need no escaping, which
/// both old and new OpenSSH config parsers agree on) or double-quoted on Windows.
/// `%` is doubled. Paths with characters no quoting survives are refused.
pub fn command_word(path: &str, windows: bool) -> Result<String, UserError> {
    let refuse = |why: &str| {
        UserError::local(
            format!("cannot use the zssh executable at {path:?} in an ssh config: {why}"),
            "install zssh under a path without quotes, backslashes or control characters",
        )
    };
    if path.chars().any(char::is_control) {
        return Err(refuse("it contains control characters"));
    }
    let escaped = escape_percent(path);
    let safe = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '/' | '.' | '_' | '-' | '+' | ',' | ':' | '@' | '%')
    };
    if windows {
        if path.contains('"') {
            return Err(refuse("it contains a double quote"));
        }
        if path.chars().all(|c| safe(c) || c == '\\') {
            return Ok(escaped);
        }
        return Ok(format!("\"{escaped}\""));
    }
    if path.chars().all(safe) {
        return Ok(escaped);
    }
    if path.contains(['\'', '"', '\\']) {
        return Err(refuse("it contains a quote or a backslash"));
    }
    Ok(format!("'{escaped}'"))
}

/// The argument of `Match exec`: the command in double quotes, `\` and `"` escaped.
fn exec_arg(command: &str) -> String {
    let mut out = String::from("\"");
    for c in command.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

// ---------------------------------------------------------------------------------------------
// Hosts

/// Whether a host pattern has ssh wildcards.
pub fn is_wildcard(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

/// Check a HOST argument and return it as a `Host` pattern: a hostname (normalised as
/// `--hostname` is: lowercase, punycode) or an ASCII pattern with `*`/`?` wildcards.
pub fn host_pattern(input: &str) -> Result<String, UserError> {
    let bad = |why: &str| {
        UserError::usage(
            format!("invalid host {input:?}: {why}"),
            "pass hostnames or patterns, e.g. zssh config ssh.example.com '*.internal.example.com'",
        )
    };
    if is_wildcard(input) {
        let ok = !input.is_empty()
            && input
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '*' | '?'));
        if !ok {
            return Err(bad(
                "a pattern may only hold letters, digits, '.', '-', '_', '*' and '?'",
            ));
        }
        if let Err(why) = dns_shape(input) {
            return Err(bad(&why));
        }
        return Ok(input.to_ascii_lowercase());
    }
    let app = AppUrl::parse(input)?;
    if app.port.is_some() {
        return Err(bad(
            "ssh hosts have no port here (ssh -p sets the ssh port)",
        ));
    }
    if app.has_path || app.target != "/" {
        return Err(bad("a host has no path or query"));
    }
    let host = app.host.to_ascii_lowercase();
    // IP literals come out of the URL parser canonical; a name must be a DNS name (the URL
    // parser lets quotes, '!', ',', ';', '$' and endless labels through, and ssh_config cannot
    // hold some of them at all).
    if host.parse::<std::net::IpAddr>().is_err() {
        if !host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
        {
            return Err(bad(
                "a host name may only hold letters, digits, '.', '-' and '_'",
            ));
        }
        dns_shape(&host).map_err(|why| bad(&why))?;
    }
    Ok(host)
}

/// Labels of 1 to 63 characters that neither start nor end with '-', 253 characters in all.
fn dns_shape(name: &str) -> Result<(), String> {
    if name.len() > 253 {
        return Err(format!(
            "{} characters is longer than a DNS name can be (253)",
            name.len()
        ));
    }
    for label in name.split('.') {
        if label.is_empty() {
            return Err("it has an empty label (two dots in a row, or a leading dot)".into());
        }
        if label.len() > 63 {
            return Err(format!(
                "the label {}… has {} characters; DNS allows 63",
                label.chars().take(12).collect::<String>(),
                label.len()
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!("the label {label:?} starts or ends with '-'"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Stanzas of the managed file

/// How ssh authenticates for a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// The user's own keys; zssh only carries the connection.
    Keys,
    /// A short-lived certificate in `~/.cloudflared/<host>-cf_key[-cert.pub]`.
    ShortLivedCert,
    /// A short-lived certificate that `zssh cert --agent` loads into ssh-agent.
    Agent,
}

/// A key of the user's to have certified instead of zssh's own (`zssh config --short-lived-cert
/// --identity FILE`, `zssh cert --public-key`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// ssh's IdentityFile: the private key, or the `.pub` of a key held elsewhere (absolute).
    pub identity_file: String,
    /// Its public key file as a [`command_word`], for `zssh cert --public-key`.
    pub public_key_word: String,
    /// The certificate file: the public key's name without `.pub`, plus `-cert.pub` (absolute).
    pub certificate: String,
}

impl Identity {
    /// The `Match exec` flag, and the IdentityFile and CertificateFile lines.
    fn flag(&self) -> String {
        format!(" --public-key {}", self.public_key_word)
    }

    fn files(&self) -> String {
        format!(
            "  IdentityFile {}\n  CertificateFile {}\n",
            config_arg(&escape_percent(&self.identity_file)),
            config_arg(&escape_percent(&self.certificate)),
        )
    }
}

/// What one host's stanza says.
#[derive(Clone, Debug)]
pub struct Stanza {
    /// The `Host` pattern (see [`host_pattern`]).
    pub pattern: String,
    /// The zssh executable as a [`command_word`].
    pub zssh: String,
    pub auth: Auth,
    pub user: Option<String>,
    pub destination: Option<String>,
    /// The absolute `~/.cloudflared` (ssh expands `~` from the password database, not $HOME).
    pub cloudflared_dir: String,
    /// `Some(absolute ~/.ssh)` to share connections (ControlMaster).
    pub control_dir: Option<String>,
    /// With [`Auth::ShortLivedCert`]: the user's own key instead of `<host>-cf_key`.
    pub identity: Option<Identity>,
}

impl Stanza {
    /// The stanza as it appears in the managed file, between its begin and end markers.
    pub fn render(&self) -> String {
        let p = &self.pattern;
        let mut s = format!("{BEGIN}{p}\nHost {p}\n");
        let mut proxy = format!("{} proxy --hostname %h", self.zssh);
        if let Some(d) = &self.destination {
            proxy.push_str(&format!(" --destination {}", escape_percent(d)));
        }
        s.push_str(&format!("  ProxyCommand {proxy}\n"));
        if let Some(u) = &self.user {
            s.push_str(&format!("  User {}\n", config_arg(u)));
        }
        if is_wildcard(p) {
            s.push_str(
                "  # No HostKeyAlias: a pattern has no single name to pin keys under, so ssh\n  \
                 # checks each host's key under the name you type.\n",
            );
        } else {
            // A name of its own: the key seen through the edge never collides with a key
            // known_hosts holds for a direct path to the same name.
            s.push_str(&format!("  HostKeyAlias {p}.zssh\n"));
        }
        s.push_str(&format!(
            "  ServerAliveInterval {SERVER_ALIVE_INTERVAL}\n  ServerAliveCountMax {SERVER_ALIVE_COUNT_MAX}\n"
        ));
        if let Some(dir) = &self.control_dir {
            let path = escape_percent(&format!("{dir}/zssh-")) + "%C";
            s.push_str(&format!(
                "  ControlMaster auto\n  ControlPath {}\n  ControlPersist 10m\n",
                config_arg(&path)
            ));
        }
        // The certificate is fetched from a Match exec of its own, after the Host block: if
        // `zssh cert` fails, ssh still goes through the edge (rather than straight to the name).
        match (self.auth, &self.identity) {
            (Auth::Keys, _) => {}
            (Auth::ShortLivedCert, Some(id)) => {
                s.push_str(&format!(
                    "Match host {p} exec {}\n{}",
                    exec_arg(&format!("{} cert --hostname %h{}", self.zssh, id.flag())),
                    id.files(),
                ));
            }
            (Auth::ShortLivedCert, None) => {
                let key = escape_percent(&format!("{}/", self.cloudflared_dir)) + "%h-cf_key";
                s.push_str(&format!(
                    "Match host {p} exec {}\n  IdentityFile {}\n  CertificateFile {}\n",
                    exec_arg(&format!("{} cert --hostname %h", self.zssh)),
                    config_arg(&key),
                    config_arg(&format!("{key}-cert.pub")),
                ));
            }
            (Auth::Agent, _) => {
                s.push_str(&format!(
                    "Match host {p} exec {}\n",
                    exec_arg(&format!("{} cert --agent --hostname %h", self.zssh)),
                ));
            }
        }
        s.push_str(&format!("{END}{p}\n"));
        s
    }
}

/// A rendered block of the managed file and the pattern it is keyed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub pattern: String,
    pub text: String,
}

impl Stanza {
    pub fn block(&self) -> Block {
        Block {
            pattern: self.pattern.clone(),
            text: self.render(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stanzas of WARP targets (`zssh config --warp-targets`)

/// The one `HostKeyAlias` of every WARP target's stanza. The Gateway SSH proxy presents one host
/// key per account (derived from the account's seed), whatever the target, so one known_hosts
/// entry under this name serves them all, apart from any key a server's direct path left under
/// its IP, and a seed rotation is one entry to replace. The client exposes no account name to
/// derive a name from; a device is enrolled in one organization at a time, so one name per
/// device is one per account (re-enrolling elsewhere shows as a changed key, repaired once).
pub const WARP_HOST_KEY_ALIAS: &str = "zssh-warp-proxy";

/// The comment line that marks a block as a WARP target's (`--uninstall --warp-targets` and
/// the next `--warp-targets` run find theirs by it).
const WARP_MARKER: &str = "# zssh: WARP target ";

/// One Access for Infrastructure target as `zssh config --warp-targets` writes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarpStanza {
    /// The `Host` name: the target's hostname (a [`host_pattern`] without wildcards), or its IP.
    pub host: String,
    pub ip: std::net::IpAddr,
    pub port: u16,
    pub user: Option<String>,
    /// The target ID and its virtual network, for the marker comment.
    pub id: String,
    pub vnet: Option<String>,
    /// `Some(absolute ~/.ssh)` to share connections (ControlMaster).
    pub control_dir: Option<String>,
}

/// Text from the client, safe for a comment line.
fn comment_text(s: &str) -> String {
    crate::human::shown(s, 200)
}

impl WarpStanza {
    /// The stanza as it appears in the managed file, between its begin and end markers.
    pub fn render(&self) -> String {
        let h = &self.host;
        let vnet = self
            .vnet
            .as_deref()
            .map(|v| format!(", virtual network {}", comment_text(v)))
            .unwrap_or_default();
        let mut s = format!(
            "{BEGIN}{h}\n{WARP_MARKER}{}{vnet} (zssh config --warp-targets rewrites this block)\n\
             Host {h}\n  HostName {}\n  Port {}\n",
            comment_text(&self.id),
            self.ip,
            self.port
        );
        if let Some(u) = &self.user {
            s.push_str(&format!("  User {}\n", config_arg(u)));
        }
        s.push_str(&format!(
            "  # The Gateway SSH proxy's key, one per account: pinned once for every target.\n  \
             HostKeyAlias {WARP_HOST_KEY_ALIAS}\n  CheckHostIP no\n  \
             # ssh itself connects: no ProxyJump or ProxyCommand of a catch-all `Host *` applies.\n  \
             ProxyCommand none\n  ProxyJump none\n"
        ));
        if let Some(dir) = &self.control_dir {
            let path = escape_percent(&format!("{dir}/zssh-")) + "%C";
            s.push_str(&format!(
                "  ControlMaster auto\n  ControlPath {}\n  ControlPersist 10m\n",
                config_arg(&path)
            ));
        }
        s.push_str(&format!("{END}{h}\n"));
        s
    }

    pub fn block(&self) -> Block {
        Block {
            pattern: self.host.clone(),
            text: self.render(),
        }
    }
}

/// The patterns whose blocks are WARP targets' ([`WarpStanza`]), in file order.
pub fn warp_patterns(managed: &str) -> Vec<String> {
    managed_patterns(managed)
        .into_iter()
        .filter(|p| {
            block_range(managed, p).is_some_and(|r| {
                managed[r]
                    .lines()
                    .nth(1)
                    .is_some_and(|l| l.starts_with(WARP_MARKER))
            })
        })
        .collect()
}

/// Where the managed file's block markers do not pair up: the 1-based line of the fault and
/// what is wrong there. A block that lost its end line (a hand edit, a merge) would otherwise
/// make the next edit of its pattern take everything up to the next block's end line with it.
#[derive(Debug, PartialEq, Eq)]
pub struct BadMarkers {
    pub line: usize,
    pub why: String,
}

/// Check that every `# zssh: begin NAME` line has its own `# zssh: end NAME` line before the next
/// begin line (or the end of the file), and that every end line closes the block open above it.
pub fn check_markers(managed: &str) -> Result<(), BadMarkers> {
    let bytes = managed.as_bytes();
    let mut open: Option<(usize, &str)> = None;
    let ls = lines(bytes);
    for (i, l) in ls.iter().enumerate() {
        let text = &managed[l.start..l.content_end];
        if let Some(name) = text.strip_prefix(BEGIN) {
            if let Some((at, was)) = open {
                return Err(BadMarkers {
                    line: at,
                    why: format!(
                        "the block `{was}` has no end line before the next block begins at line {}",
                        i + 1
                    ),
                });
            }
            open = Some((i + 1, name));
        } else if let Some(name) = text.strip_prefix(END) {
            match open.take() {
                Some((_, was)) if was == name => {}
                Some((at, was)) => {
                    return Err(BadMarkers {
                        line: i + 1,
                        why: format!(
                            "the end line of `{name}` closes the block `{was}` begun at line {at}"
                        ),
                    });
                }
                None => {
                    return Err(BadMarkers {
                        line: i + 1,
                        why: format!("the end line of `{name}` has no begin line above it"),
                    });
                }
            }
        }
    }
    match open {
        Some((at, was)) => Err(BadMarkers {
            line: at,
            why: format!("the block `{was}` has no end line"),
        }),
        None => Ok(()),
    }
}

/// The target ID a WARP target's block for `pattern` was written for (from its marker line).
pub fn warp_target_id(managed: &str, pattern: &str) -> Option<String> {
    let r = block_range(managed, pattern)?;
    let rest = managed[r].lines().nth(1)?.strip_prefix(WARP_MARKER)?;
    let end = rest.find([',', ' ']).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// Byte range of the block for `pattern` (begin line through end line and its newline).
fn block_range(managed: &str, pattern: &str) -> Option<std::ops::Range<usize>> {
    let bytes = managed.as_bytes();
    let ls = lines(bytes);
    let begin = format!("{BEGIN}{pattern}");
    let end = format!("{END}{pattern}");
    let b = ls
        .iter()
        .position(|l| &bytes[l.start..l.content_end] == begin.as_bytes())?;
    let e = ls[b..]
        .iter()
        .position(|l| &bytes[l.start..l.content_end] == end.as_bytes())?;
    Some(ls[b].start..ls[b + e].end)
}

/// The patterns that have a block in the managed file, in file order.
pub fn managed_patterns(managed: &str) -> Vec<String> {
    managed
        .lines()
        .filter_map(|l| l.strip_prefix(BEGIN))
        .filter(|p| block_range(managed, p).is_some())
        .map(str::to_string)
        .collect()
}

/// The managed file with `stanza`'s block added (at the end) or replaced (in place). Everything
/// else in the file is kept.
#[cfg(test)]
pub fn set_stanza(managed: &str, stanza: &Stanza) -> String {
    set_block(managed, &stanza.block())
}

/// The managed file with `block` added (at the end) or replacing the one of its pattern (in
/// place). Everything else in the file is kept.
pub fn set_block(managed: &str, block: &Block) -> String {
    let (pattern, block) = (&block.pattern, &block.text);
    if let Some(r) = block_range(managed, pattern) {
        let mut out = managed.to_string();
        out.replace_range(r, block);
        return out;
    }
    let mut out = if managed.is_empty() {
        MANAGED_HEADER.to_string()
    } else {
        managed.to_string()
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out.push('\n');
    out.push_str(block);
    out
}

/// The managed file without the block for `pattern` (and the blank line [`set_stanza`] put
/// before it).
pub fn remove_stanza(managed: &str, pattern: &str) -> String {
    let Some(r) = block_range(managed, pattern) else {
        return managed.to_string();
    };
    let mut start = r.start;
    if managed[..start].ends_with("\n\n") {
        start -= 1;
    }
    let mut out = managed.to_string();
    out.replace_range(start..r.end, "");
    out
}

// ---------------------------------------------------------------------------------------------
// `--print`

/// cloudflared's `access ssh-config` output (spec 6.1) for one host, with zssh's executable and
/// its `access ssh` / `access ssh-gen` subcommands. `home` is the expanded `$HOME`.
pub fn cloudflared_snippet(
    home: &str,
    pattern: &str,
    zssh: &str,
    auth: Auth,
    user: Option<&str>,
    destination: Option<&str>,
    identity: Option<&Identity>,
) -> String {
    let mut proxy = format!("  ProxyCommand {zssh} access ssh --hostname %h");
    if let Some(d) = destination {
        proxy.push_str(&format!(" --destination {}", escape_percent(d)));
    }
    proxy.push('\n');
    let user = user
        .map(|u| format!("  User {}\n", config_arg(u)))
        .unwrap_or_default();
    let head = format!("\nAdd to your {home}/.ssh/config:\n");
    match (auth, identity) {
        (Auth::Keys, _) => format!("{head}Host {pattern}\n{proxy}{user}\n"),
        (Auth::ShortLivedCert, Some(id)) => format!(
            "{head}Match host {pattern} exec \"{zssh} access ssh-gen --hostname %h{}\"\n{proxy}{user}{}",
            id.flag(),
            id.files()
        ),
        (Auth::ShortLivedCert, None) => format!(
            "{head}Match host {pattern} exec \"{zssh} access ssh-gen --hostname %h\"\n{proxy}\
             {user}  IdentityFile ~/.cloudflared/%h-cf_key\n  CertificateFile ~/.cloudflared/%h-cf_key-cert.pub\n"
        ),
        (Auth::Agent, _) => format!(
            "{head}Match host {pattern} exec \"{zssh} access ssh-gen --agent --hostname %h\"\n{proxy}{user}"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_names_and_includes() {
        let text = b"Include ~/.ssh/a \"b c\"\nHost one !two *.w Three\r\n  HostName x\nhost=\"four\" # c\nMatch host five\n";
        assert_eq!(
            host_names(text),
            [
                (2, vec!["one".to_string(), "Three".into()]),
                (4, vec!["four".to_string()])
            ]
        );
        assert_eq!(include_paths(text), ["~/.ssh/a", "b c"]);
    }

    #[test]
    fn markers_must_pair_up() {
        let ok = "# zssh: begin a\nHost a\n# zssh: end a\n\n# zssh: begin b\r\n# zssh: end b\r\n";
        assert_eq!(check_markers(ok), Ok(()));
        assert_eq!(check_markers(""), Ok(()));
        let lost = "# zssh: begin a\nHost a\n# zssh: begin b\n# zssh: end b\n";
        assert_eq!(check_markers(lost).unwrap_err().line, 1);
        let at_eof = "# zssh: begin a\nHost a\n# zssh: end a\n# zssh: begin b\nHost b\n";
        assert_eq!(check_markers(at_eof).unwrap_err().line, 4);
        let mismatched = "# zssh: begin a\nHost a\n# zssh: end b\n";
        assert_eq!(check_markers(mismatched).unwrap_err().line, 3);
        let stray = "# zssh: end a\n";
        assert_eq!(check_markers(stray).unwrap_err().line, 1);
    }
    use proptest::prelude::*;

    const INC: &str = "Include /home/u/.ssh/zssh_config";

    fn add(s: &str) -> String {
        String::from_utf8(add_include(s.as_bytes(), INC)).unwrap()
    }

    fn remove(s: &str) -> String {
        String::from_utf8(remove_include(s.as_bytes())).unwrap()
    }

    #[test]
    fn include_goes_at_the_top_with_the_files_line_ending() {
        let m = INCLUDE_MARKER;
        let table: &[(&str, String)] = &[
            ("", format!("{m}\n{INC}\n")),
            (
                "Host a\n  User b\n",
                format!("{m}\n{INC}\nHost a\n  User b\n"),
            ),
            (
                "# mine\nUser x\n\nMatch all\n",
                format!("{m}\n{INC}\n# mine\nUser x\n\nMatch all\n"),
            ),
            (
                "a b\r\n\tHOST=x\r\n",
                format!("{m}\r\n{INC}\r\na b\r\n\tHOST=x\r\n"),
            ),
            ("User x", format!("{m}\n{INC}\nUser x")),
            (
                "Include other\r\nHost a",
                format!("{m}\r\n{INC}\r\nInclude other\r\nHost a"),
            ),
        ];
        for (input, want) in table {
            assert_eq!(&add(input), want, "{input:?}");
            assert_eq!(&remove(want), input, "{input:?}");
        }
    }

    #[test]
    fn include_with_another_path_is_replaced_and_a_moved_one_is_kept() {
        let old = format!("User x\n{INCLUDE_MARKER}\nInclude /old/zssh_config\nHost a\n");
        assert_eq!(
            add(&old),
            format!("{INCLUDE_MARKER}\n{INC}\nUser x\nHost a\n")
        );
        let moved = format!("User x\n{INCLUDE_MARKER}\n{INC}\nHost a\n");
        assert_eq!(add(&moved), moved);
        // A marker without its Include goes alone; a user's Include after it is kept.
        assert_eq!(
            remove(&format!("x\n{INCLUDE_MARKER}\nHost a\n")),
            "x\nHost a\n"
        );
    }

    #[test]
    fn arguments_are_quoted_when_needed() {
        let table = [
            ("/home/u/.ssh/zssh_config", "/home/u/.ssh/zssh_config"),
            ("/home/my u/x", "\"/home/my u/x\""),
            ("C:\\Users\\u\\.ssh\\x", "\"C:\\\\Users\\\\u\\\\.ssh\\\\x\""),
            ("a\"b", "\"a\\\"b\""),
            ("a#b", "\"a#b\""),
            ("", "\"\""),
        ];
        for (input, want) in table {
            assert_eq!(config_arg(input), want, "{input:?}");
        }
    }

    #[test]
    fn command_words() {
        let ok = [
            ("/usr/bin/zssh", false, "/usr/bin/zssh"),
            ("/opt/my apps/zssh", false, "'/opt/my apps/zssh'"),
            ("/opt/100%/zssh", false, "/opt/100%%/zssh"),
            ("/opt/a$b/zssh", false, "'/opt/a$b/zssh'"),
            (
                "C:\\Program Files\\zssh\\zssh.exe",
                true,
                "\"C:\\Program Files\\zssh\\zssh.exe\"",
            ),
            ("C:\\zssh\\zssh.exe", true, "C:\\zssh\\zssh.exe"),
        ];
        for (path, windows, want) in ok {
            assert_eq!(command_word(path, windows).unwrap(), want, "{path:?}");
        }
        for path in [
            "/opt/it's/zssh",
            "/opt/a\"b/zssh",
            "/opt/a\\b/zssh",
            "/a\nb",
        ] {
            assert!(command_word(path, false).is_err(), "{path:?}");
        }
        // Inside Match exec, a Windows word is escaped for ssh's argv parser.
        assert_eq!(
            exec_arg("\"C:\\z.exe\" cert --hostname %h"),
            "\"\\\"C:\\\\z.exe\\\" cert --hostname %h\""
        );
    }

    #[test]
    fn host_patterns() {
        let ok = [
            ("ssh.example.com", "ssh.example.com"),
            ("SSH.Example.com", "ssh.example.com"),
            ("https://ssh.example.com", "ssh.example.com"),
            ("bücher.example", "xn--bcher-kva.example"),
            ("10.0.0.1", "10.0.0.1"),
            ("host_1.internal", "host_1.internal"),
            ("*.example.com", "*.example.com"),
            ("host?.Example.com", "host?.example.com"),
        ];
        for (input, want) in ok {
            assert_eq!(host_pattern(input).unwrap(), want, "{input:?}");
        }
        for input in [
            "",
            "a b",
            "ssh.example.com:2222",
            "ssh.example.com/x",
            "*.ex ample.com",
            "*.bü.example",
            "!*.example.com",
            "a,*.b",
            "a\"b.example",
            "a'b.example",
            "a!b.example",
            "a,b.example",
            "a;b.example",
            "a$b.example",
            "a&b.example",
            "a b.example",
            "-a.example",
            "a..example",
            &format!("{}.example", "a".repeat(300)),
            &format!("*.{}.example", "a".repeat(64)),
            &"a.".repeat(130),
        ] {
            let e = host_pattern(input).unwrap_err();
            assert_eq!(e.exit, crate::exit::Exit::Usage, "{input:?}");
        }
    }

    fn stanza(pattern: &str, auth: Auth) -> Stanza {
        Stanza {
            pattern: pattern.to_string(),
            zssh: "/usr/bin/zssh".to_string(),
            auth,
            user: None,
            destination: None,
            cloudflared_dir: "/home/u/.cloudflared".to_string(),
            control_dir: None,
            identity: None,
        }
    }

    #[test]
    fn stanza_shapes() {
        assert_eq!(
            stanza("ssh.example.com", Auth::Keys).render(),
            "# zssh: begin ssh.example.com\n\
             Host ssh.example.com\n\
             \x20 ProxyCommand /usr/bin/zssh proxy --hostname %h\n\
             \x20 HostKeyAlias ssh.example.com.zssh\n\
             \x20 ServerAliveInterval 60\n\
             \x20 ServerAliveCountMax 3\n\
             # zssh: end ssh.example.com\n"
        );
        let mut s = stanza("*.example.com", Auth::ShortLivedCert);
        s.user = Some("alice".into());
        s.destination = Some("db:22".into());
        s.control_dir = Some("/home/my u/.ssh".into());
        assert_eq!(
            s.render(),
            "# zssh: begin *.example.com\n\
             Host *.example.com\n\
             \x20 ProxyCommand /usr/bin/zssh proxy --hostname %h --destination db:22\n\
             \x20 User alice\n\
             \x20 # No HostKeyAlias: a pattern has no single name to pin keys under, so ssh\n\
             \x20 # checks each host's key under the name you type.\n\
             \x20 ServerAliveInterval 60\n\
             \x20 ServerAliveCountMax 3\n\
             \x20 ControlMaster auto\n\
             \x20 ControlPath \"/home/my u/.ssh/zssh-%C\"\n\
             \x20 ControlPersist 10m\n\
             Match host *.example.com exec \"/usr/bin/zssh cert --hostname %h\"\n\
             \x20 IdentityFile /home/u/.cloudflared/%h-cf_key\n\
             \x20 CertificateFile /home/u/.cloudflared/%h-cf_key-cert.pub\n\
             # zssh: end *.example.com\n"
        );
        let agent = stanza("a.example", Auth::Agent).render();
        assert!(
            agent.contains(
                "\nMatch host a.example exec \"/usr/bin/zssh cert --agent --hostname %h\"\n# zssh: end a.example\n"
            ),
            "{agent}"
        );
        assert!(!agent.contains("IdentityFile"));
        let mut own = stanza("b.example", Auth::ShortLivedCert);
        own.identity = Some(Identity {
            identity_file: "/home/u/.ssh/id_ecdsa_sk".into(),
            public_key_word: "'/home/u/my keys/id_ecdsa_sk.pub'".into(),
            certificate: "/home/u/.ssh/100%-cert.pub".into(),
        });
        assert!(
            own.render().ends_with(
                "Match host b.example exec \"/usr/bin/zssh cert --hostname %h --public-key '/home/u/my keys/id_ecdsa_sk.pub'\"\n\
                 \x20 IdentityFile /home/u/.ssh/id_ecdsa_sk\n\
                 \x20 CertificateFile /home/u/.ssh/100%%-cert.pub\n\
                 # zssh: end b.example\n"
            ),
            "{}",
            own.render()
        );
    }

    #[test]
    fn stanzas_are_added_replaced_and_removed() {
        let a = stanza("a.example", Auth::Keys);
        let b = stanza("*.b.example", Auth::Keys);
        let one = set_stanza("", &a);
        assert!(one.starts_with(MANAGED_HEADER));
        let two = set_stanza(&one, &b);
        assert_eq!(managed_patterns(&two), ["a.example", "*.b.example"]);
        assert_eq!(set_stanza(&two, &a), two, "same stanza again: no change");
        let mut a2 = a.clone();
        a2.user = Some("root".into());
        let replaced = set_stanza(&two, &a2);
        assert_eq!(managed_patterns(&replaced), ["a.example", "*.b.example"]);
        assert!(replaced.contains("User root"));
        assert_eq!(remove_stanza(&two, "*.b.example"), one);
        assert_eq!(remove_stanza(&one, "a.example"), MANAGED_HEADER);
        assert_eq!(remove_stanza(&one, "other"), one);
    }

    #[test]
    fn cloudflared_snippets() {
        assert_eq!(
            cloudflared_snippet(
                "/home/u",
                "h.example",
                "/usr/bin/zssh",
                Auth::Keys,
                None,
                None,
                None
            ),
            "\nAdd to your /home/u/.ssh/config:\nHost h.example\n  ProxyCommand /usr/bin/zssh access ssh --hostname %h\n\n"
        );
        assert_eq!(
            cloudflared_snippet(
                "/home/u",
                "h.example",
                "/usr/bin/zssh",
                Auth::ShortLivedCert,
                None,
                None,
                None
            ),
            "\nAdd to your /home/u/.ssh/config:\n\
             Match host h.example exec \"/usr/bin/zssh access ssh-gen --hostname %h\"\n\
             \x20 ProxyCommand /usr/bin/zssh access ssh --hostname %h\n\
             \x20 IdentityFile ~/.cloudflared/%h-cf_key\n\
             \x20 CertificateFile ~/.cloudflared/%h-cf_key-cert.pub\n"
        );
    }

    // -----------------------------------------------------------------------------------------
    // Properties over generated config files

    fn config_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("# a comment".to_string()),
            Just("  # Host in a comment".to_string()),
            Just("Host *.example.com".to_string()),
            Just("\tHost\tweb".to_string()),
            Just("host=x".to_string()),
            Just("Match host a exec \"true\"".to_string()),
            Just("MATCH all".to_string()),
            Just("Include ~/.ssh/config.d/*".to_string()),
            Just("  User bob".to_string()),
            Just("\tHostName 10.0.0.1   ".to_string()),
            Just("ServerAliveInterval 30 \t".to_string()),
            Just("HostKeyAlias x".to_string()),
            Just("   ".to_string()),
            "[ \t]{0,3}[A-Za-z#=]{1,8}[ \t=]{0,2}[a-z*.]{0,6}[ \t]{0,2}",
        ]
    }

    fn config_file() -> impl Strategy<Value = (String, &'static str)> {
        (
            prop::collection::vec(config_line(), 0..12),
            prop_oneof![Just("\n"), Just("\r\n")],
            any::<bool>(),
        )
            .prop_map(|(ls, le, final_newline)| {
                let mut s = ls.join(le);
                if final_newline && !ls.is_empty() {
                    s.push_str(le);
                }
                (s, le)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn adding_keeps_every_byte((input, le) in config_file()) {
            let out = add(&input);
            let added = format!("{INCLUDE_MARKER}{le}{INC}{le}");
            // The lines use the file's line ending (a file without one gets LF).
            let added = if input.contains('\n') { added } else { format!("{INCLUDE_MARKER}\n{INC}\n") };
            let at = out.find(&added).expect("the added lines, whole");
            let mut back = out.clone();
            back.replace_range(at..at + added.len(), "");
            prop_assert_eq!(&back, &input);
            // At a line start.
            prop_assert!(at == 0 || out[..at].ends_with('\n'));
        }

        #[test]
        fn include_is_before_the_first_host_or_match((input, _le) in config_file()) {
            let out = add(&input);
            let bytes = out.as_bytes();
            let ls = lines(bytes);
            let inc = ls.iter().position(|l| &bytes[l.start..l.content_end] == INC.as_bytes()).unwrap();
            let first_block = ls.iter().position(|l| starts_block(&bytes[l.start..l.content_end]));
            if let Some(b) = first_block {
                prop_assert!(inc < b, "{out:?}");
            }
            prop_assert_eq!(&bytes[ls[inc - 1].start..ls[inc - 1].content_end], INCLUDE_MARKER.as_bytes());
        }

        #[test]
        fn adding_twice_is_adding_once((input, _le) in config_file()) {
            let once = add(&input);
            prop_assert_eq!(add(&once), once.clone());
            prop_assert!(has_include(once.as_bytes(), INC));
        }

        #[test]
        fn remove_undoes_add((input, _le) in config_file()) {
            prop_assert_eq!(remove(&add(&input)), input.clone());
            prop_assert_eq!(remove(&input), input);
        }

        #[test]
        fn stanza_edits_round_trip(
            patterns in prop::collection::vec("[a-c]{1,2}(\\.example)?|\\*\\.[a-c]", 1..5),
            keys in any::<bool>(),
        ) {
            let auth = if keys { Auth::Keys } else { Auth::ShortLivedCert };
            let mut managed = String::new();
            let mut history = vec![managed.clone()];
            for p in &patterns {
                managed = set_stanza(&managed, &stanza(p, auth));
                history.push(managed.clone());
            }
            let again = patterns.iter().fold(managed.clone(), |m, p| set_stanza(&m, &stanza(p, auth)));
            prop_assert_eq!(&again, &managed);
            let mut unique: Vec<&String> = Vec::new();
            for p in &patterns { if !unique.contains(&p) { unique.push(p); } }
            let listed = managed_patterns(&managed);
            prop_assert_eq!(listed.iter().collect::<Vec<_>>(), unique);
            // Removing the last-added new pattern gives back the file before it.
            let last = patterns.last().unwrap();
            if patterns.iter().filter(|p| *p == last).count() == 1 {
                let before = &history[history.len() - 2];
                let want = if before.is_empty() { MANAGED_HEADER.to_string() } else { before.clone() };
                prop_assert_eq!(remove_stanza(&managed, last), want);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any bytes as the user's config and any text as the managed file: every reader and
        /// edit answers without a panic.
        #[test]
        fn arbitrary_configs_never_panic(
            bytes in prop::collection::vec(any::<u8>(), 0..300),
            managed in "(.|\r|\n){0,300}",
            pattern in "[a-z*?.]{1,10}",
        ) {
            let with = add_include(&bytes, INC);
            let _ = (has_include(&bytes, INC), has_marker(&bytes), line_ending(&bytes));
            let _ = remove_include(&bytes);
            prop_assert!(has_include(&with, INC));
            let _ = managed_patterns(&managed);
            let _ = remove_stanza(&managed, &pattern);
            let _ = set_stanza(&managed, &stanza(&pattern, Auth::Keys));
            let _ = host_pattern(&managed);
        }
    }
}
