//! Reproducers from the adversarial review of the WARP path (adv12). Each one fails on the code
//! it was written against (merge 987ebf4) and states the behaviour expected instead. No network
//! namespaces: the only address touched is 127.0.0.1, on a port that was just closed.

use std::process::Command;

use crate::support::warp_cli::WarpCli;
use crate::support::*;

fn zssh_in(warp: &WarpCli, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(zssh_bin());
    cmd.env_clear()
        .env("HOME", dir)
        .env("ZSSH_NONINTERACTIVE", "1")
        .env("PATH", warp.path())
        .args(args);
    run(&mut cmd)
}

/// Control characters other than a newline: what a terminal would act on.
fn controls(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_control() && *c != '\n').collect()
}

/// An ssh config that sends 127.0.0.1 to a closed port, with known_hosts inside `dir`.
fn closed_port_config(dir: &std::path::Path) -> std::path::PathBuf {
    let port = free_port();
    let cfg = dir.join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host 127.0.0.1\n  Port {port}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n",
            dir.join("known_hosts").display()
        ),
    )
    .unwrap();
    cfg
}

fn doctor_json(warp: &WarpCli, dir: &std::path::Path) -> serde_json::Value {
    let cfg = closed_port_config(dir);
    let out = zssh_in(
        warp,
        dir,
        &["doctor", "--json", "-F", cfg.to_str().unwrap(), "127.0.0.1"],
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

fn verdict(v: &serde_json::Value, check: &str) -> (String, String) {
    let c = v
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no {check} verdict in {v:#}"));
    let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
    (s("detail"), s("fix"))
}

/// Finding 1: what warp-cli prints reaches the terminal unfiltered (escape sequences, BEL,
/// carriage returns that overwrite the `zssh: error:` line with a fake hint).
#[test]
fn warp_cli_text_never_reaches_the_terminal_as_control_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    let table = "│ Target ID │ Protocol │ Port │ Attributes │ IP (Virtual Network) │ Usernames │\n\
                 │ t1 │ SSH │ 22 │ hostname: web\u{1b}]0;PWNED\u{7} │ 127.0.0.1 (net\u{1b}[31m) │ al\u{1b}[2Jice │\n";
    warp.connected(table);
    let out = zssh_in(&warp, tmp.path(), &["targets"]);
    let shown = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(controls(&shown), vec![], "zssh targets printed: {shown:?}");

    // The error path: warp-cli's own words, with a carriage return and a fake hint.
    let said = "\u{1b}[2JStatus garbage\rzssh: hint: run something else\n";
    warp.answer("status", true, said, 1)
        .answer("status", false, said, 1);
    let out = zssh_in(&warp, tmp.path(), &["targets"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{err}");
    assert_eq!(controls(&err), vec![], "zssh targets error: {err:?}");
}

/// Finding 3: an API-style envelope (`{"errors":[],"messages":[],"result":[…]}`) is read as
/// an empty target list (the alphabetically first array wins), and the table is never asked for.
#[test]
fn a_json_envelope_with_empty_side_arrays_is_not_an_empty_target_list() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "target list",
        true,
        r#"{"success":true,"errors":[],"messages":[],"result":[{"id":"t1","hostname":"web","ip":"127.0.0.1","port":22,"usernames":["alice"]}]}"#,
        0,
    );
    let out = zssh_in(&warp, tmp.path(), &["targets", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(1),
        "{v:#} {}",
        text(&out.stderr)
    );
}

/// Finding 4: a wrapped cell is joined with a space, so a wrapped IPv6 address becomes another
/// address (its second half), a hostname loses its tail and a username splits in two.
#[test]
fn a_wrapped_ipv6_cell_is_never_read_as_another_address() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(
        "│ Target ID │ Protocol │ Port │ Attributes           │ IP (Virtual Network) │ Usernames │\n\
         │ t1        │ SSH      │ 22   │ hostname: a-very-lon │ 2001:db8:1234:5678:  │ alexandr  │\n\
         │           │          │      │ g-hostname           │ 9abc::1 (prod)       │ a         │\n",
    );
    let out = zssh_in(&warp, tmp.path(), &["targets", "--json"]);
    let shown = text(&out.stdout);
    assert!(
        !shown.contains("\"9abc::1\""),
        "a target at 9abc::1, which the table never named: {shown}"
    );
    assert!(!shown.contains("\"alexandr\""), "{shown}");
}

/// Finding 5: two exclude entries that both cover the target (or one entry listed twice) give a
/// re-add list with every entry of the smaller one twice, and a count that does not match the
/// `zssh cidr exclude` command printed next to it.
#[test]
fn overlapping_exclude_entries_give_a_re_add_list_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"WarpWithDnsOverHttps","split_tunnel_mode":"Exclude","split_tunnel_ips":[{"value":"127.0.0.0/8"},{"value":"127.0.0.0/16"}]}}"#,
        0,
    );
    let v = doctor_json(&warp, tmp.path());
    let (_, fix) = verdict(&v, "split tunnel");
    let list = fix
        .split("entries: ")
        .nth(1)
        .and_then(|r| r.split(" (").next())
        .unwrap_or_else(|| panic!("{fix}"));
    let entries: Vec<&str> = list.split(", ").collect();
    let mut unique = entries.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(entries.len(), unique.len(), "duplicates in: {fix}");
    assert_eq!(entries.len(), 24, "{fix}");
}

/// Finding 6: one target on two ports in another virtual network is named twice.
#[test]
fn the_vnet_verdict_names_each_network_once() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(
        "│ Target ID │ Protocol │ Port │ Attributes  │ IP (Virtual Network) │ Usernames │\n\
         │ t1        │ SSH      │ 22   │ hostname: a │ 127.0.0.1 (prod)     │ alice     │\n\
         │ t1        │ SSH      │ 2222 │ hostname: a │ 127.0.0.1 (prod)     │ bob       │\n",
    );
    let v = doctor_json(&warp, tmp.path());
    let (detail, _) = verdict(&v, "warp vnet");
    assert!(!detail.contains("prod, prod"), "{detail}");
}
