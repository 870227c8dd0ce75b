//! The WARP path (Access for Infrastructure): `zssh targets` and `zssh doctor IP` against a
//! `warp-cli` stand-in printing the documented shapes, and, for routes and host keys, real
//! network namespaces made by the test (a `CloudflareWARP` veth, the client's policy rule and
//! table, a real sshd as the Gateway SSH proxy and another on the direct path). The namespace
//! tests need root, as tests/it/netns.rs does (CI runs as root); they re-run themselves inside.

use std::process::Command;

use crate::support::warp_cli::{WarpCli, target_table};
use crate::support::*;

/// `zssh ARGS` with HOME in `dir` and the stand-in first on PATH.
fn zssh_with(warp: Option<&WarpCli>, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut cmd = Command::new(zssh_bin());
    cmd.env_clear()
        .env("HOME", dir)
        .env("ZSSH_NONINTERACTIVE", "1")
        .env(
            "PATH",
            warp.map_or_else(
                || std::env::var_os("PATH").unwrap_or_default(),
                WarpCli::path,
            ),
        )
        .args(args);
    run(&mut cmd)
}

#[test]
fn targets_says_which_client_problem_and_exits_9() {
    let tmp = tempfile::tempdir().unwrap();
    // No client at all (PATH without warp-cli).
    let out = zssh_with(None, tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "warp-cli is not on PATH");
    let warp = WarpCli::new(tmp.path());
    warp.daemon_down();
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "daemon is not running");
    assert!(
        text(&out.stderr).contains("systemctl start warp-svc"),
        "{}",
        text(&out.stderr)
    );
    warp.answer(
        "status",
        true,
        "{\"status\":\"Disconnected\",\"reason\":{\"ManualDisconnect\":null}}\n",
        0,
    );
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "not connected: Disconnected (ManualDisconnect)");
    assert!(text(&out.stderr).contains("warp-cli connect"));
    // Connected, but a client too old for `target list`.
    warp.answer("status", true, "{\"status\":\"Connected\"}\n", 0)
        .unknown("target list");
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "unrecognized subcommand");
    assert!(
        text(&out.stderr).contains("2024.9.346.0"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        warp.calls().contains(".json target list"),
        "{}",
        warp.calls()
    );
}

#[test]
fn targets_lists_the_documented_table() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(&target_table(
        &[
            ("do-target", 22, "10.116.0.3", "a1net", "alice"),
            ("az-target", 80, "172.16.0.0", "b1net", "alice, bob"),
        ],
        "Usernames (examples)",
    ));
    let out = zssh_with(Some(&warp), tmp.path(), &["targets", "--json"]);
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, String, String, u64, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["hostname"].as_str().unwrap().into(),
                t["ip"].as_str().unwrap().into(),
                t["vnet"].as_str().unwrap().into(),
                t["port"].as_u64().unwrap(),
                t["usernames"].to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "do-target".into(),
                "10.116.0.3".into(),
                "a1net".into(),
                22,
                "[\"alice\"]".into()
            ),
            (
                "az-target".into(),
                "172.16.0.0".into(),
                "b1net".into(),
                80,
                "[\"alice\",\"bob\"]".into()
            ),
        ]
    );
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_ok(&out);
    let table = text(&out.stdout);
    assert!(table.starts_with("HOSTNAME"), "{table}");
    assert!(
        table
            .lines()
            .nth(2)
            .unwrap()
            .starts_with("az-target  172.16.0.0  b1net  80    alice,bob"),
        "{table}"
    );
}
