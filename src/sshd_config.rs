//! sshd_config text surgery for `zssh server trust-ca`, and parsing of `sshd -T` output. Pure:
//! no files, no processes. The edit inserts lines; every other byte of the file is kept.
//!
//! sshd takes the first value it reads for a keyword, reads `Include`d files where the `Include`
//! stands, and treats everything after the first `Match` as conditional. So lines that must take
//! effect go before the first directive of the file, ahead of any `Include`, `Match` or earlier
//! conflicting line.

use ssh_key::PublicKey;

/// The comment zssh puts above the lines it adds.
pub const MARKER: &str =
    "# Added by zssh server trust-ca: trust the Access SSH CA (keep before any Include or Match)";

/// One directive line of an sshd_config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// 1-based line number.
    pub line: usize,
    /// The keyword, lowercased.
    pub keyword: String,
    /// The first argument, quotes removed.
    pub value: String,
    /// Whether the line comes after the first `Match` (so it is conditional).
    pub in_match: bool,
    /// Byte offset of the start of the line.
    pub offset: usize,
}

/// The directives of `text`, in order.
pub fn directives(text: &str) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut in_match = false;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let start = offset;
        offset += raw.len();
        let line = raw
            .trim_end_matches(['\n', '\r'])
            .trim_start_matches([' ', '\t']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let end = line.find([' ', '\t', '=']).unwrap_or(line.len());
        let keyword = line[..end].to_ascii_lowercase();
        let rest = line[end..].trim_start_matches([' ', '\t']);
        let rest = rest
            .strip_prefix('=')
            .unwrap_or(rest)
            .trim_start_matches([' ', '\t']);
        let value = first_arg(rest);
        if keyword == "match" {
            in_match = true;
        }
        out.push(Directive {
            line: i + 1,
            keyword,
            value,
            in_match,
            offset: start,
        });
    }
    out
}

fn first_arg(rest: &str) -> String {
    if let Some(q) = rest.strip_prefix('"') {
        return q.split('"').next().unwrap_or("").to_string();
    }
    rest.split([' ', '\t']).next().unwrap_or("").to_string()
}

/// `sshd -T` output: `keyword value` lines, keywords lowercased.
#[derive(Debug, Default, Clone)]
pub struct Effective {
    pairs: Vec<(String, String)>,
}

impl Effective {
    pub fn parse(output: &str) -> Effective {
        let pairs = output
            .lines()
            .filter_map(|l| {
                let l = l.trim();
                let (k, v) = l.split_once(' ').unwrap_or((l, ""));
                (!k.is_empty()).then(|| (k.to_ascii_lowercase(), v.trim().to_string()))
            })
            .collect();
        Effective { pairs }
    }

    /// The first value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key` (port and listenaddress repeat).
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn pubkey_auth(&self) -> &str {
        self.get("pubkeyauthentication").unwrap_or("yes")
    }

    pub fn trusted_ca(&self) -> &str {
        self.get("trustedusercakeys").unwrap_or("none")
    }
}

/// What trust-ca would do to sshd_config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    /// The whole new file.
    pub text: String,
    /// The directive lines added (without line endings).
    pub added: Vec<String>,
    /// Things the admin should know (conflicting lines we now take precedence over, ...).
    pub notes: Vec<String>,
}

/// Why trust-ca will not edit the file by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// sshd already trusts another CA file; ours would silently replace it.
    OtherCaFile(String),
}

/// Quote a value for sshd_config if it needs it.
fn quote(value: &str) -> String {
    if value.contains([' ', '\t', '#']) {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// Plan the sshd_config edit that makes `PubkeyAuthentication yes` and `TrustedUserCAKeys
/// ca_file` effective, given the file's text and what `sshd -T` says is effective now.
/// `Ok(None)`: nothing to change.
pub fn plan(text: &str, ca_file: &str, now: &Effective) -> Result<Option<Edit>, Refusal> {
    let need_pubkey = !now.pubkey_auth().eq_ignore_ascii_case("yes");
    let current_ca = now.trusted_ca();
    let need_ca = current_ca != ca_file;
    if need_ca && !current_ca.eq_ignore_ascii_case("none") {
        return Err(Refusal::OtherCaFile(current_ca.to_string()));
    }
    if !need_pubkey && !need_ca {
        return Ok(None);
    }
    let dirs = directives(text);
    let mut notes = Vec::new();
    let mut added = Vec::new();
    let mut check = |keyword: &str, shown: &str, want: &str, effective: &str| {
        let mut in_file = false;
        for d in dirs.iter().filter(|d| d.keyword == keyword) {
            if d.value == want {
                continue;
            }
            in_file |= !d.in_match;
            notes.push(if d.in_match {
                format!(
                    "line {} sets {shown} {} inside a Match block (for matching connections only); left as is",
                    d.line, d.value
                )
            } else {
                format!(
                    "line {} sets {shown} {}; the added line goes before it and takes precedence",
                    d.line, d.value
                )
            });
        }
        if !in_file && !effective.eq_ignore_ascii_case("none") {
            notes.push(format!(
                "sshd reads {shown} {effective} now (from an Include'd file or the default); the added line goes before any Include"
            ));
        }
    };
    if need_pubkey {
        check(
            "pubkeyauthentication",
            "PubkeyAuthentication",
            "yes",
            now.pubkey_auth(),
        );
        added.push("PubkeyAuthentication yes".to_string());
    }
    if need_ca {
        check(
            "trustedusercakeys",
            "TrustedUserCAKeys",
            ca_file,
            current_ca,
        );
        added.push(format!("TrustedUserCAKeys {}", quote(ca_file)));
    }
    let eol = if text
        .split_inclusive('\n')
        .next()
        .is_some_and(|l| l.ends_with("\r\n"))
    {
        "\r\n"
    } else {
        "\n"
    };
    let mut block = String::new();
    for l in std::iter::once(MARKER).chain(added.iter().map(String::as_str)) {
        block.push_str(l);
        block.push_str(eol);
    }
    let mut out = String::with_capacity(text.len() + block.len() + 2);
    match dirs.first() {
        Some(first) => {
            block.push_str(eol);
            out.push_str(&text[..first.offset]);
            out.push_str(&block);
            out.push_str(&text[first.offset..]);
        }
        None => {
            out.push_str(text);
            if !text.is_empty() && !text.ends_with('\n') {
                out.push_str(eol);
            }
            out.push_str(&block);
        }
    }
    Ok(Some(Edit {
        text: out,
        added,
        notes,
    }))
}

/// The single public key in `input` (an OpenSSH public key line; blank lines and `#` comments
/// allowed), as (trimmed line, parsed key).
pub fn parse_ca_key(input: &str) -> Result<(String, PublicKey), String> {
    let lines: Vec<&str> = input
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    match lines.as_slice() {
        [] => Err("no public key found".to_string()),
        [line] => PublicKey::from_openssh(line)
            .map(|k| (line.to_string(), k))
            .map_err(|e| format!("not an OpenSSH public key line ({e})")),
        _ => Err(format!(
            "{} lines found where one public key line was expected",
            lines.len()
        )),
    }
}

/// The CA file's new text with `line` appended, or None if a line with the same key data is
/// already there (whatever its comment). Other lines are kept as they are.
pub fn add_ca_key(existing: &str, line: &str, key: &PublicKey) -> Option<String> {
    let present = existing
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| PublicKey::from_openssh(l).ok())
        .any(|k| k.key_data() == key.key_data());
    if present {
        return None;
    }
    let eol = if existing.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    out.push_str(line);
    out.push_str(eol);
    Some(out)
}

/// Whether the CA file's text holds `key` (by key data).
pub fn ca_file_has(text: &str, key: &PublicKey) -> bool {
    add_ca_key(text, "", key).is_none()
}

/// How many valid keys the CA file's text holds.
pub fn ca_key_count(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| PublicKey::from_openssh(l).is_ok())
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEwE6c9IBuANvLMn/8UVerCOlRQcFrpRfva6xYZibhFQ ca@one";

    fn eff(s: &str) -> Effective {
        Effective::parse(s)
    }

    #[test]
    fn directives_parse() {
        let d = directives(
            "# c\n  Port 22\nPubkeyAuthentication=no\r\nInclude \"/a b/*.conf\"\nMatch User x\n\tPubkeyAuthentication no\n",
        );
        let kv: Vec<_> = d
            .iter()
            .map(|d| (d.line, d.keyword.as_str(), d.value.as_str(), d.in_match))
            .collect();
        assert_eq!(
            kv,
            vec![
                (2, "port", "22", false),
                (3, "pubkeyauthentication", "no", false),
                (4, "include", "/a b/*.conf", false),
                (5, "match", "User", true),
                (6, "pubkeyauthentication", "no", true),
            ]
        );
        assert_eq!(d[0].offset, 4);
    }

    #[test]
    fn plan_inserts_before_first_directive_keeping_bytes() {
        let text = "# header\n\nPubkeyAuthentication no\nInclude /x/*.conf\nMatch User a\n  PubkeyAuthentication no\n";
        let e = plan(
            text,
            "/etc/ssh/ca.pub",
            &eff("pubkeyauthentication no\ntrustedusercakeys none\n"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            e.text,
            format!(
                "# header\n\n{MARKER}\nPubkeyAuthentication yes\nTrustedUserCAKeys /etc/ssh/ca.pub\n\nPubkeyAuthentication no\nInclude /x/*.conf\nMatch User a\n  PubkeyAuthentication no\n"
            )
        );
        assert_eq!(e.added.len(), 2);
        assert!(
            e.notes.iter().any(|n| n.contains("line 3")),
            "{:?}",
            e.notes
        );
        assert!(
            e.notes
                .iter()
                .any(|n| n.contains("line 6") && n.contains("Match"))
        );
    }

    #[test]
    fn plan_only_what_is_missing() {
        let e = plan(
            "Port 22\n",
            "/c",
            &eff("pubkeyauthentication yes\ntrustedusercakeys none\n"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(e.added, vec!["TrustedUserCAKeys /c"]);
        assert!(
            plan(
                "Port 22\n",
                "/c",
                &eff("pubkeyauthentication yes\ntrustedusercakeys /c\n")
            )
            .unwrap()
            .is_none()
        );
        assert_eq!(
            plan(
                "Port 22\n",
                "/c",
                &eff("pubkeyauthentication yes\ntrustedusercakeys /other\n")
            ),
            Err(Refusal::OtherCaFile("/other".into()))
        );
    }

    #[test]
    fn plan_crlf_and_no_directives() {
        let e = plan("Port 22\r\n", "/c d", &eff("pubkeyauthentication yes\n"))
            .unwrap()
            .unwrap();
        assert_eq!(
            e.text,
            format!("{MARKER}\r\nTrustedUserCAKeys \"/c d\"\r\n\r\nPort 22\r\n")
        );
        let e = plan("# only a comment", "/c", &eff("")).unwrap().unwrap();
        assert_eq!(
            e.text,
            format!("# only a comment\n{MARKER}\nTrustedUserCAKeys /c\n")
        );
        let e = plan("", "/c", &eff("")).unwrap().unwrap();
        assert_eq!(e.text, format!("{MARKER}\nTrustedUserCAKeys /c\n"));
    }

    #[test]
    fn ca_keys() {
        let (line, key) = parse_ca_key(&format!("# hi\n{K1}\n\n")).unwrap();
        assert_eq!(line, K1);
        assert!(parse_ca_key("").is_err());
        assert!(parse_ca_key("garbage").is_err());
        assert!(parse_ca_key(&format!("{K1}\n{K1}\n")).is_err());
        let added = add_ca_key("# mine\nnot a key\n", &line, &key).unwrap();
        assert_eq!(added, format!("# mine\nnot a key\n{K1}\n"));
        assert_eq!(add_ca_key("x", &line, &key).unwrap(), format!("x\n{K1}\n"));
        assert_eq!(add_ca_key("", &line, &key).unwrap(), format!("{K1}\n"));
        // Same key data with another comment is a duplicate.
        let other = K1.replace("ca@one", "other comment");
        assert!(add_ca_key(&format!("{other}\n"), &line, &key).is_none());
        assert!(ca_file_has(&added, &key));
        assert_eq!(ca_key_count(&added), 1);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any sshd_config text, `sshd -T` output and CA key input: no panic in any reader or
        /// edit.
        #[test]
        fn arbitrary_configs_never_panic(
            text in "(.|\r|\n){0,300}",
            shaped in proptest::collection::vec(
                "[ \t]{0,2}(Match|TrustedUserCAKeys|PubkeyAuthentication|Include|#)?[ \t=]{0,2}[ -~]{0,20}\r?",
                0..10,
            ),
            ca in ".{0,120}",
        ) {
            let shaped = shaped.join("\n");
            for t in [text.as_str(), shaped.as_str()] {
                let _ = directives(t);
                let eff = Effective::parse(t);
                let _ = (eff.pubkey_auth(), eff.trusted_ca(), eff.all("trustedusercakeys"));
                let _ = plan(t, "/etc/ssh/ca.pub", &eff);
                let _ = ca_key_count(t);
                if let Ok((line, key)) = parse_ca_key(K1) {
                    let _ = add_ca_key(t, &line, &key);
                    let _ = ca_file_has(t, &key);
                }
            }
            let _ = parse_ca_key(&ca);
        }
    }
}
