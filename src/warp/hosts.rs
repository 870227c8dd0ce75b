//! Which ssh config stanza each target of `warp-cli target list` gets (`zssh config
//! --warp-targets`): one per name a user types after `ssh`.
//!
//! - The name is the target's `hostname` attribute (taken as it is, ASCII case aside: a name
//!   the normalisation would change, one with wildcards, an address other than the target's
//!   own or a name the URL parser reads as one, and `localhost` are skipped with a note, never
//!   rewritten: a look-alike must not take the real name), or its IP when it has
//!   none: users of this path type the IP (`ssh user@10.0.0.5`), and the stanza pins the proxy's
//!   key for it under the shared alias all the same.
//! - One name listed several times (the same hostname in several virtual networks, or on
//!   several ports): the target in the client's active virtual network, then the one on port
//!   22, then the first listed; a note names each one left out, and a chosen target outside
//!   the active network.
//! - `User`: `--user` when given (with a note for each target whose list does not show it: the
//!   list may show examples only, or the policy may allow the e-mail prefix, so it is written
//!   as asked); else the one username the target allows; none when it allows several or shows
//!   none (a note says which to pass).
//! - Protocols other than SSH, and targets on port 0 or an unspecified or multicast address
//!   (ssh would reject the whole file), are skipped with a note.
//!
//! Pure: the notes go back to the command to print.

use crate::ssh_config::{self, WarpStanza};

use super::Target;

/// The stanzas, in the order the list shows their targets, and what to tell the person.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Choice {
    pub stanzas: Vec<WarpStanza>,
    pub notes: Vec<String>,
}

/// A username ssh config can hold as is (the list is the client's text: nothing odd goes in).
fn plain_word(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "\"'\\#$`;&|<>()*?!{}=,".contains(c))
}

/// The `Host` name for a target, or why it has none. The hostname attribute is taken only as
/// it is (ASCII case aside): one the normalisation would change (fullwidth letters, an
/// ideographic dot, a scheme, a number the URL parser reads as an address such as `2130706433`
/// or `127.1`) is skipped, so a look-alike cannot take the real name's stanza; an address other
/// than the target's own, and `localhost`, would redirect that address or name.
fn host_name(t: &Target) -> Result<String, String> {
    let Some(h) = &t.hostname else {
        return Ok(t.ip.to_string());
    };
    if ssh_config::is_wildcard(h) {
        return Err(format!("its hostname {h:?} has wildcards"));
    }
    let plain = h.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = plain.parse::<std::net::IpAddr>() {
        return if ip == t.ip {
            Ok(t.ip.to_string())
        } else {
            Err(format!("its hostname {h:?} is another address than its IP"))
        };
    }
    let lower = h.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return Err(format!("its hostname {h:?} names this machine"));
    }
    let name = ssh_config::host_pattern(h).map_err(|e| e.message)?;
    if name.parse::<std::net::IpAddr>().is_ok() {
        return Err(format!("its hostname {h:?} reads as the address {name}"));
    }
    if name != lower {
        return Err(format!(
            "its hostname {h:?} is not a plain lowercase ASCII name (it would become {name:?}; zssh does not rewrite names)"
        ));
    }
    Ok(name)
}

/// Which target of those listed under one name gets the stanza: the active virtual network's,
/// then port 22's, then the first.
fn pick<'a>(listed: &[&'a Target], active: Option<&str>) -> &'a Target {
    let rank = |t: &Target| {
        (
            active.is_none() || t.vnet.as_deref() != active,
            t.port != 22,
        )
    };
    listed
        .iter()
        .min_by_key(|t| rank(t))
        .copied()
        .unwrap_or(listed[0])
}

/// What each target left out under `name` is, and how to reach it anyway (a command that
/// reaches it, not the chosen one).
fn left_out(name: &str, chosen: &Target, other: &Target) -> String {
    let net = |t: &Target| t.vnet.clone().unwrap_or_else(|| "no network shown".into());
    if other.vnet != chosen.vnet {
        format!(
            "{name} is also a target in virtual network {} ({} port {}); the stanza is for {} in {}{}",
            net(other),
            other.ip,
            other.port,
            chosen.ip,
            net(chosen),
            if chosen.vnet.is_some() && other.vnet.is_some() {
                " (switch with warp-cli vnet, then run zssh config --warp-targets again)"
            } else {
                ""
            }
        )
    } else if other.ip == chosen.ip {
        format!(
            "{name} also allows SSH on port {} ({}): ssh -p {} {name}",
            other.port, other.ip, other.port
        )
    } else {
        // `ssh -p P NAME` would reach the chosen target's HostName: the other address is given
        // on the command line (it wins over the stanza; the stanza's User and key alias stay).
        format!(
            "{name} is also a target at {} port {}; the stanza is for {} port {}: ssh -o HostName={} -p {} {name}",
            other.ip, other.port, chosen.ip, chosen.port, other.ip, other.port
        )
    }
}

/// The `User` line for `t`, and a note when one is due. A `--user` the target's list does not
/// show is written all the same; the caller gathers those into one note ([`unlisted_note`]).
fn user_for(name: &str, t: &Target, user: Option<&str>) -> (Option<String>, Option<String>) {
    let allowed: Vec<&String> = t.usernames.iter().filter(|u| plain_word(u)).collect();
    let shown = || {
        allowed
            .iter()
            .map(|u| u.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match user {
        Some(u) if allowed.is_empty() || allowed.iter().any(|a| *a == u) => (Some(u.into()), None),
        Some(u) => (Some(u.into()), Some(format!("{name} ({})", shown()))),
        None if allowed.len() == 1 => (Some(allowed[0].clone()), None),
        None if allowed.is_empty() => (
            None,
            Some(format!(
                "{name}: the list shows no username; no User line (ssh logs in as your local user; pass --user U to choose)"
            )),
        ),
        None => (
            None,
            Some(format!(
                "{name}: the policy allows {}; no User line (pass --user U, or ssh U@{name})",
                shown()
            )),
        ),
    }
}

/// One note for every target whose list does not show `--user U` (`name (shown)` each).
fn unlisted_note(user: &str, unlisted: &[String]) -> Option<String> {
    let tail = format!(
        "User {user} is written as asked, and works only if the policy allows it too (the list may show examples only, or allow your e-mail prefix)"
    );
    match unlisted {
        [] => None,
        [one] => {
            let (name, shown) = one.split_once(" (").unwrap_or((one, ""));
            Some(format!(
                "{name}: the policy shows {}, not {user}; {tail}",
                shown.trim_end_matches(')')
            ))
        }
        many => Some(format!(
            "{} targets list other usernames than {user}: {}; {tail}",
            many.len(),
            many.join(", ")
        )),
    }
}

/// The stanzas for `targets`, `active` being the client's active virtual network's name.
pub fn choose(targets: &[Target], active: Option<&str>, user: Option<&str>) -> Choice {
    let mut choice = Choice::default();
    let mut groups: Vec<(String, Vec<&Target>)> = Vec::new();
    for t in targets {
        if !t.protocol.eq_ignore_ascii_case("ssh") {
            choice.notes.push(format!(
                "target {} ({}) is for {}, not SSH; skipped",
                t.id, t.ip, t.protocol
            ));
            continue;
        }
        if t.port == 0 || t.ip.is_unspecified() || t.ip.is_multicast() {
            choice.notes.push(format!(
                "target {} ({} port {}) is skipped: ssh cannot connect there",
                t.id, t.ip, t.port
            ));
            continue;
        }
        let name = match host_name(t) {
            Ok(name) => name,
            Err(why) => {
                choice.notes.push(format!(
                    "target {} ({}) is skipped: {why}; ssh {} reaches it without a stanza",
                    t.id, t.ip, t.ip
                ));
                continue;
            }
        };
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, listed)) => listed.push(t),
            None => groups.push((name, vec![t])),
        }
    }
    let mut unlisted = Vec::new();
    for (name, listed) in groups {
        let chosen = pick(&listed, active);
        for other in listed.iter().filter(|o| !std::ptr::eq(**o, chosen)) {
            choice.notes.push(left_out(&name, chosen, other));
        }
        if let (Some(net), Some(active)) = (&chosen.vnet, active)
            && net != active
        {
            choice.notes.push(format!(
                "{name} is in virtual network {net}, the client is on {active}: ssh {name} reaches it after warp-cli vnet {net}"
            ));
        }
        let (user_line, note) = user_for(&name, chosen, user);
        match user {
            Some(_) => unlisted.extend(note),
            None => choice.notes.extend(note),
        }
        choice.stanzas.push(WarpStanza {
            host: name,
            ip: chosen.ip,
            port: chosen.port,
            user: user_line,
            id: chosen.id.clone(),
            vnet: chosen.vnet.clone(),
            control_dir: None,
        });
    }
    if let Some(u) = user {
        choice.notes.extend(unlisted_note(u, &unlisted));
    }
    choice
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(
        id: &str,
        host: Option<&str>,
        ip: &str,
        vnet: Option<&str>,
        port: u16,
        users: &[&str],
    ) -> Target {
        Target {
            id: id.into(),
            hostname: host.map(String::from),
            ip: ip.parse().unwrap(),
            vnet: vnet.map(String::from),
            port,
            usernames: users.iter().map(|u| u.to_string()).collect(),
            protocol: "SSH".into(),
        }
    }

    /// (host, ip, port, user) of each stanza.
    fn summary(c: &Choice) -> Vec<(String, String, u16, Option<String>)> {
        c.stanzas
            .iter()
            .map(|s| (s.host.clone(), s.ip.to_string(), s.port, s.user.clone()))
            .collect()
    }

    #[test]
    fn one_stanza_per_name_with_the_documented_choices() {
        let targets = [
            t(
                "a",
                Some("Web.Test"),
                "198.51.100.7",
                Some("a1net"),
                22,
                &["alice"],
            ),
            t(
                "b",
                Some("web.test"),
                "10.0.0.7",
                Some("b1net"),
                22,
                &["alice"],
            ),
            t(
                "c",
                None,
                "203.0.113.9",
                Some("a1net"),
                2222,
                &["alice", "bob"],
            ),
            t(
                "d",
                Some("db.test"),
                "198.51.100.8",
                Some("a1net"),
                2222,
                &[],
            ),
            t(
                "d",
                Some("db.test"),
                "198.51.100.8",
                Some("a1net"),
                22,
                &["root"],
            ),
            t("e", Some("*.bad"), "198.51.100.9", None, 22, &["x"]),
            t("f", Some("a b"), "198.51.100.10", None, 22, &["x"]),
        ];
        let c = choose(&targets, Some("b1net"), None);
        assert_eq!(
            summary(&c),
            [
                (
                    "web.test".into(),
                    "10.0.0.7".into(),
                    22,
                    Some("alice".into())
                ),
                ("203.0.113.9".into(), "203.0.113.9".into(), 2222, None),
                (
                    "db.test".into(),
                    "198.51.100.8".into(),
                    22,
                    Some("root".into())
                ),
            ]
        );
        let notes = c.notes.join("\n");
        for want in [
            "target e (198.51.100.9) is skipped: its hostname \"*.bad\" has wildcards",
            "target f (198.51.100.10) is skipped: invalid hostname \"a b\"",
            "web.test is also a target in virtual network a1net (198.51.100.7 port 22); the stanza is for 10.0.0.7 in b1net (switch with warp-cli vnet",
            "203.0.113.9: the policy allows alice, bob; no User line (pass --user U, or ssh U@203.0.113.9)",
            "db.test also allows SSH on port 2222 (198.51.100.8): ssh -p 2222 db.test",
        ] {
            assert!(notes.contains(want), "{want}\n--\n{notes}");
        }
        assert_eq!(c.notes.len(), 7, "{notes}");
        // The only target of a name in another network than the client's: named.
        let c = choose(&targets[2..3], Some("b1net"), Some("alice"));
        assert_eq!(
            c.notes,
            [
                "203.0.113.9 is in virtual network a1net, the client is on b1net: ssh 203.0.113.9 reaches it after warp-cli vnet a1net"
            ]
        );
        // Without an active network: the first listed.
        let c = choose(&targets[..2], None, None);
        assert_eq!(c.stanzas[0].ip.to_string(), "198.51.100.7");
    }

    #[test]
    fn hostnames_that_are_addresses_or_not_plain_are_skipped() {
        let ip = "198.51.100.7";
        for (h, want) in [
            ("Web.Test", Ok("web.test")),
            ("198.51.100.7", Ok("198.51.100.7")),
            ("192.0.2.50", Err("is another address than its IP")),
            ("::1", Err("is another address than its IP")),
            ("2130706433", Err("reads as the address 127.0.0.1")),
            ("0x7f.1", Err("reads as the address 127.0.0.1")),
            ("127.1", Err("reads as the address 127.0.0.1")),
            ("localhost", Err("names this machine")),
            ("LocalHost", Err("names this machine")),
            ("ｗｅｂ.test", Err("not a plain lowercase ASCII name")),
            ("web\u{3002}test", Err("not a plain lowercase ASCII name")),
            ("bücher.test", Err("not a plain lowercase ASCII name")),
        ] {
            let target = t("a", Some(h), ip, None, 22, &["x"]);
            match (host_name(&target), want) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{h}"),
                (Err(got), Err(want)) => assert!(got.contains(want), "{h}: {got}"),
                (got, want) => panic!("{h}: {got:?}, want {want:?}"),
            }
        }
        for h in ["web.test#x", "ssh://web.test", "web.test/x"] {
            let target = t("a", Some(h), ip, None, 22, &["x"]);
            assert!(host_name(&target).is_err(), "{h}");
        }
    }

    #[test]
    fn user_flag_is_written_and_a_target_that_does_not_show_it_is_named() {
        let targets = [
            t(
                "a",
                Some("web.test"),
                "198.51.100.7",
                None,
                22,
                &["alice", "bob"],
            ),
            t("b", Some("db.test"), "198.51.100.8", None, 22, &["carol"]),
            t("c", Some("x.test"), "198.51.100.9", None, 22, &[]),
        ];
        let c = choose(&targets, None, Some("bob"));
        let users: Vec<Option<String>> = c.stanzas.iter().map(|s| s.user.clone()).collect();
        assert_eq!(
            users,
            [Some("bob".into()), Some("bob".into()), Some("bob".into())]
        );
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(
            c.notes[0].starts_with(
                "db.test: the policy shows carol, not bob; User bob is written as asked"
            ),
            "{:?}",
            c.notes
        );
        // Several targets that do not show it: one note, not one each.
        let c = choose(&targets, None, Some("dave"));
        assert_eq!(
            c.notes,
            [
                "2 targets list other usernames than dave: web.test (alice, bob), db.test (carol); User dave is written as asked, and works only if the policy allows it too (the list may show examples only, or allow your e-mail prefix)"
            ]
        );
        // No --user and no username shown.
        let c = choose(&targets[2..], None, None);
        assert_eq!(c.stanzas[0].user, None);
        assert!(
            c.notes[0].contains("the list shows no username"),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn odd_usernames_and_other_protocols_are_left_out() {
        let mut rdp = t("r", Some("desk.test"), "198.51.100.20", None, 3389, &["a"]);
        rdp.protocol = "RDP".into();
        let odd = t(
            "o",
            Some("o.test"),
            "198.51.100.21",
            None,
            22,
            &["$(x)", "ok"],
        );
        let c = choose(&[rdp, odd], None, None);
        assert_eq!(
            summary(&c),
            [(
                "o.test".into(),
                "198.51.100.21".into(),
                22,
                Some("ok".into())
            )]
        );
        assert_eq!(
            c.notes,
            ["target r (198.51.100.20) is for RDP, not SSH; skipped"]
        );
    }

    #[test]
    fn rendered_stanza() {
        let c = choose(
            &[t(
                "0193f22a",
                Some("web.test"),
                "198.51.100.7",
                Some("a1net"),
                2222,
                &["alice"],
            )],
            None,
            None,
        );
        assert_eq!(
            c.stanzas[0].render(),
            "# zssh: begin web.test\n\
             # zssh: WARP target 0193f22a, virtual network a1net (zssh config --warp-targets rewrites this block)\n\
             Host web.test\n\
             \x20 HostName 198.51.100.7\n\
             \x20 Port 2222\n\
             \x20 User alice\n\
             \x20 # The Gateway SSH proxy's key, one per account: pinned once for every target.\n\
             \x20 HostKeyAlias zssh-warp-proxy\n\
             \x20 CheckHostIP no\n\
             \x20 # ssh itself connects: no ProxyJump or ProxyCommand of a catch-all `Host *` applies.\n\
             \x20 ProxyCommand none\n\
             \x20 ProxyJump none\n\
             # zssh: end web.test\n"
        );
        // Text from the client cannot break out of the comment line; sharing adds its lines.
        let mut s = c.stanzas[0].clone();
        s.id = "x\nHost *\n  ProxyCommand evil".into();
        s.vnet = None;
        s.user = None;
        s.control_dir = Some("/home/u/.ssh".into());
        let text = s.render();
        assert!(
            text.contains("# zssh: WARP target xHost *  ProxyCommand evil (zssh config"),
            "{text}"
        );
        assert_eq!(
            text.lines().filter(|l| l.starts_with("Host ")).count(),
            1,
            "{text}"
        );
        assert!(!text.contains("User"), "{text}");
        assert!(
            text.contains("  ControlMaster auto\n  ControlPath /home/u/.ssh/zssh-%C\n  ControlPersist 10m\n# zssh: end"),
            "{text}"
        );
    }

    #[test]
    fn warp_blocks_are_told_apart_from_access_blocks() {
        let c = choose(
            &[
                t("a", Some("web.test"), "198.51.100.7", None, 22, &["alice"]),
                t("b", None, "198.51.100.8", None, 22, &["alice"]),
            ],
            None,
            None,
        );
        let mut managed = String::new();
        for s in &c.stanzas {
            managed = ssh_config::set_block(&managed, &s.block());
        }
        let access = ssh_config::Stanza {
            pattern: "app.example.com".into(),
            zssh: "/usr/bin/zssh".into(),
            auth: ssh_config::Auth::Keys,
            user: None,
            destination: None,
            cloudflared_dir: "/h/.cloudflared".into(),
            control_dir: None,
            identity: None,
        };
        managed = ssh_config::set_stanza(&managed, &access);
        assert_eq!(
            ssh_config::managed_patterns(&managed),
            ["web.test", "198.51.100.8", "app.example.com"]
        );
        assert_eq!(
            ssh_config::warp_patterns(&managed),
            ["web.test", "198.51.100.8"]
        );
        // Written again: no change.
        let again = c.stanzas.iter().fold(managed.clone(), |m, s| {
            ssh_config::set_block(&m, &s.block())
        });
        assert_eq!(again, managed);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn arbitrary_targets_never_panic_and_give_one_stanza_per_name(
            rows in proptest::collection::vec(("\\PC{0,12}", any::<bool>(), 0u8..4, "[a-c]{0,2}", 0u16..3, proptest::collection::vec("\\PC{0,6}", 0..3)), 0..8),
            user in proptest::option::of("[a-z]{1,4}"),
        ) {
            let targets: Vec<Target> = rows.iter().map(|(h, has, ip, vnet, port, users)| Target {
                id: "id".into(),
                hostname: has.then(|| h.clone()),
                ip: format!("198.51.100.{ip}").parse().unwrap(),
                vnet: (!vnet.is_empty()).then(|| vnet.clone()),
                port: *port + 22,
                usernames: users.clone(),
                protocol: "SSH".into(),
            }).collect();
            let c = choose(&targets, Some("a"), user.as_deref());
            let mut names: Vec<&String> = c.stanzas.iter().map(|s| &s.host).collect();
            let n = names.len();
            names.sort();
            names.dedup();
            prop_assert_eq!(names.len(), n);
            for s in &c.stanzas {
                let text = s.render();
                prop_assert_eq!(text.lines().filter(|l| l.starts_with("Host ")).count(), 1);
                prop_assert!(ssh_config::host_pattern(&s.host).is_ok());
            }
        }
    }
}
