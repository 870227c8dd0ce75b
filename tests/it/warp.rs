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
    // A client that offers JSON for the list: the same targets (with -j, no second call).
    warp.answer(
        "target list",
        true,
        r#"[{"target_id":"0193f22a-9df3-78e3-b5bb-7ab631903300","hostname":"do-target","ip":"10.116.0.3 (a1net)","port":22,"usernames":["alice"],"protocol":"SSH"},
            {"target_id":"0193f22a-9df3-78e3-b5bb-7ab631903301","hostname":"az-target","ip":"172.16.0.0 (b1net)","port":80,"usernames":["alice","bob"],"protocol":"SSH"}]"#,
        0,
    );
    let again = zssh_with(Some(&warp), tmp.path(), &["targets", "--json"]);
    assert_ok(&again);
    assert_eq!(text(&again.stdout), text(&out.stdout));
    assert!(
        !warp.calls().lines().any(|l| l == " target list"),
        "{}",
        warp.calls()
    );
    warp.unknown("target list").answer(
        "target list",
        false,
        &target_table(
            &[
                ("do-target", 22, "10.116.0.3", "a1net", "alice"),
                ("az-target", 80, "172.16.0.0", "b1net", "alice, bob"),
            ],
            "Usernames (examples)",
        ),
        0,
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

const INNER: &str = "ZSSH_WARP_NETNS_INNER";

/// Runs test `name` again inside a new network and mount namespace (root, as in CI), where
/// `ip netns` keeps its names in a private tmpfs. True inside (the test goes on); outside, it
/// checks that the inner run passed and returns false.
fn inside_namespace(name: &str) -> bool {
    if std::env::var_os(INNER).is_some() {
        return true;
    }
    needs_root("it creates network namespaces");
    let me = std::env::current_exe().unwrap();
    let out = run(Command::new("unshare")
        .args(["--net", "--mount", "--", "sh", "-ec"])
        .arg("mkdir -p /run/netns; mount -t tmpfs zssh-test /run/netns; ip link set lo up; exec \"$@\"")
        .arg("sh")
        .arg(&me)
        .args([&format!("warp::{name}"), "--exact", "--nocapture", "--test-threads=1"])
        .env(INNER, "1"));
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "inside the namespace:\n{so}\n{se}");
    assert!(so.contains("1 passed"), "the inner test ran:\n{so}\n{se}");
    false
}

/// `ip ARGS`, which must succeed.
fn ip(args: &str) {
    let out = run(Command::new("ip").args(args.split_whitespace()));
    assert!(out.status.success(), "ip {args}: {}", text(&out.stderr));
}

/// The tunnelled target (behind the Gateway SSH proxy) and the one a default exclude covers.
const TUNNELLED: &str = "198.51.100.7";
const EXCLUDED: &str = "172.31.15.42";

/// This namespace as a device running the Cloudflare One Client: a `CloudflareWARP` veth
/// (172.16.0.2/32, MTU 1280) whose peer, in namespace `gw`, holds the tunnelled targets where a
/// real sshd stands in for the Gateway SSH proxy; the client's policy rule (priority 32764) to
/// table 65743 holds the ranges it routes. The LAN is a veth to namespace `lan`, where the
/// excluded target's own sshd answers (the direct path, the server's original key).
struct Device {
    tmp: tempfile::TempDir,
    home: std::path::PathBuf,
    known_hosts: std::path::PathBuf,
    config: std::path::PathBuf,
    ak: std::path::PathBuf,
    warp: WarpCli,
    gateway: Option<Sshd>,
    direct: Sshd,
}

impl Device {
    fn new() -> Device {
        // Only loopback here so far: nothing the test sends can leave.
        let links = text(&run(Command::new("ip").args(["-o", "link"])).stdout);
        assert_eq!(links.lines().count(), 1, "a fresh namespace:\n{links}");
        ip("netns add gw");
        ip("netns add lan");
        ip("link add CloudflareWARP mtu 1280 type veth peer name gw0 netns gw");
        ip("addr add 172.16.0.2/32 dev CloudflareWARP");
        ip("link set CloudflareWARP up");
        ip(&format!("-n gw addr add {TUNNELLED}/32 dev gw0"));
        ip("-n gw link set gw0 up");
        ip("-n gw link set lo up");
        ip("-n gw route add 172.16.0.2/32 dev gw0");
        ip("link add lan0 type veth peer name lan1 netns lan");
        ip("addr add 192.0.2.2/24 dev lan0");
        ip("link set lan0 up");
        ip("-n lan addr add 192.0.2.1/24 dev lan1");
        ip(&format!("-n lan addr add {EXCLUDED}/32 dev lan1"));
        ip("-n lan link set lan1 up");
        ip("-n lan link set lo up");
        ip("route add 172.16.0.0/12 via 192.0.2.1 dev lan0");
        ip("route add 198.51.100.0/24 dev CloudflareWARP table 65743");
        ip("rule add priority 32764 lookup 65743");
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let key = tmp.path().join("id_ed25519");
        ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
        let ak = tmp.path().join("authorized_keys");
        std::fs::copy(key.with_extension("pub"), &ak).unwrap();
        let known_hosts = tmp.path().join("known_hosts");
        std::fs::write(&known_hosts, "").unwrap();
        let config = tmp.path().join("ssh_config");
        std::fs::write(
            &config,
            format!(
                "Host *\n  User {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  IdentityFile {}\n  IdentitiesOnly yes\n  BatchMode yes\n  StrictHostKeyChecking yes\n",
                whoami(),
                known_hosts.display(),
                key.display()
            ),
        )
        .unwrap();
        let warp = WarpCli::new(tmp.path());
        let direct = Sshd::start_at(&tmp.path().join("direct"), &ak, &in_ns("lan", EXCLUDED), 22);
        let mut d = Device {
            tmp,
            home,
            known_hosts,
            config,
            ak,
            warp,
            gateway: None,
            direct,
        };
        d.start_gateway();
        d
    }

    /// (Re)start the Gateway SSH proxy's stand-in; `rotate` gives it a new host key first.
    fn start_gateway(&mut self) {
        let dir = self.tmp.path().join("gateway");
        self.gateway = None;
        let _ = std::fs::remove_file(dir.join("host_ed25519"));
        self.gateway = Some(Sshd::start_at(&dir, &self.ak, &in_ns("gw", TUNNELLED), 22));
    }

    fn gateway_key(&self) -> String {
        self.gateway.as_ref().unwrap().host_pub.clone()
    }

    /// The client disconnects (or its daemon stops): its rule goes, as the real client's does.
    fn routes_down(&self) {
        ip("rule del priority 32764");
    }

    fn zssh(&self, args: &[&str]) -> std::process::Output {
        zssh_with(Some(&self.warp), &self.home, args)
    }

    /// `zssh doctor HOST --json -F CONFIG`: the exit code and the verdicts by check.
    fn doctor(&self, host: &str) -> (Option<i32>, serde_json::Value) {
        let out = self.zssh(&[
            "doctor",
            host,
            "--json",
            "-F",
            self.config.to_str().unwrap(),
        ]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
        (out.status.code(), v)
    }

    /// `zssh doctor HOST --fix` on a terminal (script(1) gives it one), answering yes to the
    /// question it asks there; the text it showed.
    fn doctor_fix_on_a_terminal(&self, host: &str) -> String {
        use std::io::{Read, Write};
        let cmd = format!(
            "{} doctor {host} --fix -F {}",
            zssh_bin().display(),
            self.config.display()
        );
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &cmd, "/dev/null"])
            .env("HOME", &self.home)
            .env("PATH", self.warp.path())
            .env_remove("ZSSH_NONINTERACTIVE")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("script(1) from util-linux");
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while !text(&seen).contains("[y/N]") {
            let n = stdout.read(&mut buf).unwrap();
            assert!(n > 0, "doctor --fix ended without asking:\n{}", text(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
        stdin.write_all(b"y\n").unwrap();
        stdout.read_to_end(&mut seen).unwrap();
        drop(stdin);
        let status = child.wait().unwrap();
        assert!(status.success(), "doctor --fix: {status}\n{}", text(&seen));
        text(&seen)
    }

    /// The text report, as a person reads it.
    fn doctor_text(&self, host: &str) -> String {
        text(
            &self
                .zssh(&["doctor", host, "-F", self.config.to_str().unwrap()])
                .stdout,
        )
    }
}

fn in_ns(ns: &str, addr: &str) -> Listen {
    Listen {
        addr: addr.parse().unwrap(),
        prefix: ["ip", "netns", "exec", ns].map(String::from).to_vec(),
    }
}

/// The verdict for `check` (status, detail, fix).
fn verdict(v: &serde_json::Value, check: &str) -> (String, String, String) {
    let c = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no {check} verdict in {v:#}"));
    let s = |k: &str| c[k].as_str().unwrap_or("").to_string();
    (s("status"), s("detail"), s("fix"))
}

fn targets_table(rows: &[(&str, &str, &str)]) -> String {
    let rows: Vec<(&str, u16, &str, &str, &str)> = rows
        .iter()
        .map(|(h, ip, users)| (*h, 22, *ip, "a1net", *users))
        .collect();
    target_table(&rows, "Usernames (examples)")
}

/// `SHA256:…` of a public key line, as ssh-keygen prints it.
fn fingerprint(public_line: &str) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let f = tmp.path().join("k.pub");
    std::fs::write(&f, public_line).unwrap();
    let out = run(Command::new("ssh-keygen").arg("-lf").arg(&f));
    assert_ok(&out);
    text(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

/// Issue 12: `ssh 172.31.15.42` goes straight out the LAN because the default exclude
/// 172.16.0.0/12 covers it. Doctor names the entry, the exact entries to add back, and fails.
#[test]
fn doctor_names_the_exclude_entry_and_the_entries_to_add_back() {
    if !inside_namespace("doctor_names_the_exclude_entry_and_the_entries_to_add_back") {
        return;
    }
    let d = Device::new();
    d.warp
        .connected(&targets_table(&[("legacy", EXCLUDED, "root")]));
    let (code, v) = d.doctor(EXCLUDED);
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "split tunnel");
    assert_eq!(status, "fail", "{v:#}");
    assert!(detail.contains("exclude entry 172.16.0.0/12"), "{detail}");
    // The list to add back is `zssh cidr exclude`'s, in full.
    let out = d.zssh(&[
        "cidr",
        "exclude",
        "172.16.0.0/12",
        "--except",
        &format!("{EXCLUDED}/32"),
    ]);
    assert_ok(&out);
    let readd: Vec<String> = text(&out.stdout).lines().map(String::from).collect();
    assert!(
        readd.len() > 10 && !readd.iter().any(|c| c.starts_with(&format!("{EXCLUDED}/"))),
        "{readd:?}"
    );
    assert!(
        fix.contains(&format!(
            "delete 172.16.0.0/12 from the exclude list and add back these {} entries: {}",
            readd.len(),
            readd.join(", ")
        )),
        "{fix}"
    );
    // The kernel agrees: the LAN, not the client; and the direct server is what answers.
    let (status, detail, _) = verdict(&v, "route");
    assert_eq!(status, "fail");
    assert!(
        detail.contains("out dev lan0 via 192.0.2.1, not through the client"),
        "{detail}"
    );
    assert_eq!(verdict(&v, "tcp").0, "ok", "{v:#}");
    assert_eq!(verdict(&v, "warp client").0, "ok", "{v:#}");
    assert!(
        d.direct.log_text().contains("Connection from 192.0.2.2"),
        "{}",
        d.direct.log_text()
    );
    let report = d.doctor_text(EXCLUDED);
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("FAIL  split tunnel 172.31.15.42 is in")),
        "{report}"
    );
}

/// Issue 12: through the client the Gateway SSH proxy shows its own key, so the server's old
/// direct key in known_hosts makes ssh refuse. Doctor names both keys and the repair; after
/// it, strict ssh works and doctor passes; a rotated proxy key is caught again.
#[test]
fn doctor_names_the_proxy_key_change_and_the_repair_works() {
    if !inside_namespace("doctor_names_the_proxy_key_change_and_the_repair_works") {
        return;
    }
    let mut d = Device::new();
    d.warp
        .connected(&targets_table(&[("web.test", TUNNELLED, &whoami())]));
    std::fs::write(
        &d.known_hosts,
        format!("{TUNNELLED} {}\n", d.direct.host_pub),
    )
    .unwrap();
    let ssh = |d: &Device| {
        let mut cmd = Command::new("ssh");
        cmd.arg("-F")
            .arg(&d.config)
            .args([TUNNELLED, "echo warp-path-ok"]);
        run(&mut cmd)
    };
    let out = ssh(&d);
    assert!(
        text(&out.stderr).contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
        "{}",
        text(&out.stderr)
    );
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "host key");
    assert_eq!(status, "fail", "{v:#}");
    let (old, new) = (
        fingerprint(&d.direct.host_pub),
        fingerprint(&d.gateway_key()),
    );
    assert!(
        detail.contains(&format!(
            "known_hosts holds {old} (ED25519) for {TUNNELLED}, but {TUNNELLED} shows {new}"
        )),
        "{detail}"
    );
    assert!(
        detail.contains("the Gateway SSH proxy presents its own host key"),
        "{detail}"
    );
    let repair = format!(
        "zssh known-hosts repair --direct 22 {TUNNELLED} --ssh-config {}",
        d.config.display()
    );
    assert!(fix.starts_with(&repair), "{fix}");
    for check in [
        "warp client",
        "route",
        "split tunnel",
        "target",
        "username",
        "tcp",
    ] {
        assert_eq!(verdict(&v, check).0, "ok", "{check}: {v:#}");
    }
    // The repair the fix names, then strict ssh through the "proxy".
    let args: Vec<&str> = repair.split_whitespace().skip(1).chain(["--yes"]).collect();
    assert_ok(&d.zssh(&args));
    let out = ssh(&d);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "warp-path-ok\n");
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(0), "{v:#}");
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "ok"),
        "{v:#}"
    );
    // The account's proxy key is rotated: the pinned one no longer matches.
    d.start_gateway();
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    assert!(
        verdict(&v, "host key")
            .1
            .contains(&fingerprint(&d.gateway_key())),
        "{v:#}"
    );
    // doctor --fix repairs it after asking on the terminal.
    let report = d.doctor_fix_on_a_terminal(TUNNELLED);
    assert!(
        report.lines().any(|l| l.starts_with("FIXED host key")),
        "{report}"
    );
    assert_ok(&ssh(&d));
    // What this path cannot carry, when ssh config asks for it: a warning, not a failure.
    let mut cfg = std::fs::read_to_string(&d.config).unwrap();
    cfg.push_str("  LocalForward 8080 localhost:80\n  ForwardAgent yes\n");
    std::fs::write(&d.config, cfg).unwrap();
    let (code, v) = d.doctor(TUNNELLED);
    let (status, detail, _) = verdict(&v, "limits");
    assert_eq!((code, status.as_str()), (Some(0), "warn"), "{v:#}");
    assert!(
        detail.contains("localforward 8080")
            && detail.contains("forwardagent yes")
            && detail.contains("10 h"),
        "{detail}"
    );
}

/// Issue 12: the ssh user is not one the policy allows: doctor names the allowed ones.
#[test]
fn doctor_names_the_usernames_the_policy_allows() {
    if !inside_namespace("doctor_names_the_usernames_the_policy_allows") {
        return;
    }
    let d = Device::new();
    d.warp
        .connected(&targets_table(&[("web.test", TUNNELLED, "alice, bob")]));
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "username");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains(&format!(
            "ssh logs in as {}, but the policy allows only alice, bob on web.test",
            whoami()
        )),
        "{detail}"
    );
    assert!(
        fix.starts_with(&format!("ssh alice@{TUNNELLED}")) && fix.contains("e-mail prefix"),
        "{fix}"
    );
    assert_eq!(verdict(&v, "route").0, "ok", "{v:#}");
    // As alice (ssh's user@host wins over User), the same target passes that check.
    let (_, v) = d.doctor(&format!("alice@{TUNNELLED}"));
    assert_eq!(verdict(&v, "username").0, "ok", "{v:#}");
    // The target's hostname is a label of the list, not a name ssh can resolve.
    let (code, v) = d.doctor("web.test");
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "hostname");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains(&format!(
            "web.test is the hostname of a target ({TUNNELLED})"
        )),
        "{detail}"
    );
    assert!(
        fix.contains(&format!("Host web.test with HostName {TUNNELLED}")),
        "{fix}"
    );
    assert_eq!(
        verdict(&v, "route").0,
        "ok",
        "the checks go on with its IP: {v:#}"
    );
    // A target the list does not show.
    d.warp
        .connected(&targets_table(&[("other", "198.51.100.99", "alice")]));
    let (code, v) = d.doctor(TUNNELLED);
    let (status, detail, _) = verdict(&v, "target");
    assert_eq!((code, status.as_str()), (Some(12), "fail"), "{v:#}");
    assert!(detail.contains("is not among the 1 targets"), "{detail}");
    // A jump host: ssh does not connect from this machine, so this is not the WARP path.
    let jump = d.tmp.path().join("jump_config");
    std::fs::write(
        &jump,
        format!("Host {TUNNELLED}\n  ProxyJump bastion.test\n"),
    )
    .unwrap();
    let out = d.zssh(&["doctor", TUNNELLED, "--json", "-F", jump.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["check"] != "warp client"),
        "{v:#}"
    );
    // Listed, but on another port than the one ssh uses.
    d.warp.connected(&target_table(
        &[("web.test", 2222, TUNNELLED, "a1net", "alice")],
        "Usernames ",
    ));
    let (code, v) = d.doctor(TUNNELLED);
    let (status, detail, fix) = verdict(&v, "target");
    assert_eq!((code, status.as_str()), (Some(12), "fail"), "{v:#}");
    assert!(
        detail.contains("ssh connects to port 22, but target web.test allows SSH on port 2222"),
        "{detail}"
    );
    assert!(
        fix.starts_with(&format!("ssh -p 2222 {TUNNELLED}")),
        "{fix}"
    );
}

/// Issue 12: a disconnected client and a stopped daemon (an error body with exit 0).
#[test]
fn doctor_on_a_disconnected_client_and_a_stopped_daemon() {
    if !inside_namespace("doctor_on_a_disconnected_client_and_a_stopped_daemon") {
        return;
    }
    let d = Device::new();
    d.warp
        .connected(&targets_table(&[("web.test", TUNNELLED, &whoami())]));
    d.warp.answer(
        "status",
        true,
        "{\"status\":\"Disconnected\",\"reason\":{\"ManualDisconnect\":null}}\n",
        0,
    );
    d.routes_down();
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "warp client");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains("disconnected (ManualDisconnect)"),
        "{detail}"
    );
    assert!(fix.contains("warp-cli connect"), "{fix}");
    assert_eq!(verdict(&v, "route").0, "fail", "{v:#}");
    let (status, _, fix) = verdict(&v, "tcp");
    assert_eq!(
        (status.as_str(), fix.as_str()),
        ("fail", "the client is not connected: see warp client above"),
        "{v:#}"
    );
    d.warp.daemon_down();
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    let (status, detail, fix) = verdict(&v, "warp client");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains("daemon is not running") && detail.contains("FailedToConnectToDaemon"),
        "{detail}"
    );
    assert!(fix.contains("systemctl start warp-svc"), "{fix}");
    // Nothing else is asked of a stopped daemon: what it would have answered is listed as
    // skipped, with why (issue 14 item 5).
    for check in [
        "warp mode",
        "warp vnet",
        "split tunnel",
        "target",
        "username",
    ] {
        let (status, detail, _) = verdict(&v, check);
        assert_eq!(
            (status.as_str(), detail.as_str()),
            (
                "skip",
                "the client's daemon does not answer (see warp client), so it was not asked"
            ),
            "{check}: {v:#}"
        );
    }
    assert!(
        d.warp.calls().ends_with(".json status\n"),
        "{}",
        d.warp.calls()
    );
}

/// Issue 12: `zssh doctor IP` without a client used to advise a ProxyCommand and report the
/// edge's port 443; an IP is not an Access application.
#[test]
fn doctor_on_a_bare_ip_without_a_client_gives_no_proxycommand_advice() {
    if !inside_namespace("doctor_on_a_bare_ip_without_a_client_gives_no_proxycommand_advice") {
        return;
    }
    let d = Device::new();
    let out = zssh_with(
        None,
        &d.home,
        &[
            "doctor",
            TUNNELLED,
            "--json",
            "-F",
            d.config.to_str().unwrap(),
        ],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    let (status, detail, _) = verdict(&v, "warp client");
    assert_eq!(status, "fail");
    assert!(detail.contains("warp-cli is not on PATH"), "{detail}");
    let all = v.to_string();
    assert!(
        !all.contains("ProxyCommand=") && !all.contains("zssh config 198") && !all.contains("443"),
        "{v:#}"
    );
    for c in v["checks"].as_array().unwrap() {
        assert!(
            !["dns", "tls", "handshake", "discovery", "token"]
                .contains(&c["check"].as_str().unwrap()),
            "{v:#}"
        );
    }
    // The local facts still hold: the kernel's route (here the client's rule is still up).
    assert_eq!(verdict(&v, "route").0, "ok", "{v:#}");
    assert_eq!(verdict(&v, "tcp").0, "ok", "{v:#}");
    // What only the client could say is listed as skipped, with why (issue 14 item 5).
    for check in [
        "warp mode",
        "warp vnet",
        "split tunnel",
        "target",
        "username",
    ] {
        let (status, detail, _) = verdict(&v, check);
        assert_eq!(
            (status.as_str(), detail.as_str()),
            (
                "skip",
                "there is no Cloudflare One Client to ask (see warp client)"
            ),
            "{check}: {v:#}"
        );
    }
}

/// `zssh targets` against the stand-in, with the kernel's routes made by the test.
#[test]
fn targets_shows_which_targets_go_through_the_client() {
    if !inside_namespace("targets_shows_which_targets_go_through_the_client") {
        return;
    }
    let d = Device::new();
    d.warp.connected(&targets_table(&[
        ("web.test", TUNNELLED, "alice"),
        ("legacy", EXCLUDED, "bob"),
    ]));
    let out = d.zssh(&["targets", "--json"]);
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, bool, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["hostname"].as_str().unwrap().into(),
                t["tunnelled"].as_bool().unwrap(),
                t["route"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "web.test".into(),
                true,
                "dev CloudflareWARP table 65743".into()
            ),
            ("legacy".into(), false, "dev lan0 via 192.0.2.1".into()),
        ]
    );
    let out = d.zssh(&["targets"]);
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains(&format!(
            "not routed through the client: {EXCLUDED}; zssh doctor {EXCLUDED}"
        )),
        "{}",
        text(&out.stderr)
    );
}

/// The client's mode, its virtual network and an Include-mode list without the target, read
/// from text answers where the client gives no JSON. Each verdict reads its own source (the
/// kernel still routes the target, as this test made it).
#[test]
fn doctor_on_include_mode_another_network_and_a_dns_only_mode() {
    if !inside_namespace("doctor_on_include_mode_another_network_and_a_dns_only_mode") {
        return;
    }
    let d = Device::new();
    d.warp
        .connected(&targets_table(&[("web.test", TUNNELLED, &whoami())]))
        .unknown("status")
        .unknown("settings")
        .answer("status", false, "Status update: Connected\nNetwork: healthy\n", 0)
        .answer(
            "settings",
            false,
            "Merged configuration:\nMode: DnsOverHttps\nAlways On: true\nInclude mode, with hosts/ips:\n  203.0.113.0/24\n  intranet.example.com (wiki)\n",
            0,
        )
        .answer(
            "vnet",
            true,
            "{\"virtual_networks\":[{\"id\":\"a1\",\"name\":\"a1net\"},{\"id\":\"b1\",\"name\":\"b1net\"}],\"active_vnet_id\":\"b1\"}\n",
            0,
        );
    let (code, v) = d.doctor(TUNNELLED);
    assert_eq!(code, Some(12), "{v:#}");
    assert_eq!(verdict(&v, "warp client").0, "ok", "{v:#}");
    let (status, detail, fix) = verdict(&v, "warp mode");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains("mode DnsOverHttps") && fix.contains("Traffic and DNS"),
        "{detail} / {fix}"
    );
    let (status, detail, fix) = verdict(&v, "warp vnet");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.contains("on virtual network a1net, the client on b1net"),
        "{detail}"
    );
    assert!(fix.contains("warp-cli vnet a1net"), "{fix}");
    let (status, detail, fix) = verdict(&v, "split tunnel");
    assert_eq!(status, "fail", "{v:#}");
    assert!(
        detail.starts_with("Include mode, and no include entry covers 198.51.100.7"),
        "{detail}"
    );
    assert!(fix.starts_with("add 198.51.100.7/32"), "{fix}");
    // Text asked only where -j gave no JSON: the stand-in saw -j first every time.
    assert!(
        d.warp.calls().lines().all(|l| l.starts_with(".json ")),
        "{}",
        d.warp.calls()
    );
}

/// The second target behind the Gateway SSH proxy's stand-in, on another port.
const SECOND: &str = "198.51.100.8";

/// The Gateway SSH proxy answers for every target of the account with the same key: a second
/// sshd at SECOND port 2222 in namespace `gw`, with the gateway's current host key.
fn second_gateway(d: &Device) -> Sshd {
    let dir = d.tmp.path().join("gateway2");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["host_ed25519", "host_ed25519.pub"] {
        std::fs::copy(d.tmp.path().join("gateway").join(f), dir.join(f)).unwrap();
    }
    Sshd::start_at(&dir, &d.ak, &in_ns("gw", SECOND), 2222)
}

/// The block `zssh config --warp-targets` writes for the stand-in's row `i`.
fn warp_block(i: usize, host: &str, ip: &str, port: u16, user: Option<&str>) -> String {
    let user = user.map(|u| format!("  User {u}\n")).unwrap_or_default();
    format!(
        "# zssh: begin {host}\n\
         # zssh: WARP target 0193f22a-9df3-78e3-b5bb-7ab63190330{i}, virtual network a1net (zssh config --warp-targets rewrites this block)\n\
         Host {host}\n  HostName {ip}\n  Port {port}\n{user}\
         \x20 # The Gateway SSH proxy's key, one per account: pinned once for every target.\n\
         \x20 HostKeyAlias zssh-warp-proxy\n  CheckHostIP no\n\
         \x20 # ssh itself connects: no ProxyJump or ProxyCommand of a catch-all `Host *` applies.\n\
         \x20 ProxyCommand none\n  ProxyJump none\n\
         # zssh: end {host}\n"
    )
}

/// The known_hosts lines under the proxy's alias.
fn alias_lines(d: &Device) -> Vec<String> {
    std::fs::read_to_string(&d.known_hosts)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("zssh-warp-proxy "))
        .map(String::from)
        .collect()
}

/// The key part (`ssh-ed25519 AAAA…`) of a public key line.
fn key_part(public_line: &str) -> String {
    public_line
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `ssh -F CONFIG HOST echo …` with the test's strict config.
fn ssh_to(config: &std::path::Path, host: &str) -> std::process::Output {
    run(Command::new("ssh")
        .arg("-F")
        .arg(config)
        .args([host, "echo warp-target-ok"]))
}

/// Strict ssh reaches both targets; known_hosts holds the proxy's current key once, under the
/// alias, and still the server's direct key for the same IP, untouched.
fn both_targets_work(d: &Device, direct_line: &str) {
    for host in ["web.test", "db.test"] {
        let out = ssh_to(&d.config, host);
        assert_ok(&out);
        assert_eq!(text(&out.stdout), "warp-target-ok\n", "{host}");
    }
    assert_eq!(
        alias_lines(d),
        [format!("zssh-warp-proxy {}", key_part(&d.gateway_key()))]
    );
    let kh = std::fs::read_to_string(&d.known_hosts).unwrap();
    assert!(kh.starts_with(&format!("{direct_line}\n")), "{kh}");
}

/// `--direct` without a port takes the target's Port from its stanza (2222) and the shared
/// alias; the direct path to the IP is still judged against the server's own key.
fn direct_lookups(d: &Device, cfg: &str) {
    // `--direct` without a port: the target's Port from its stanza (2222), the shared alias.
    let out = d.zssh(&[
        "known-hosts",
        "check",
        "db.test",
        "--direct",
        "--ssh-config",
        cfg,
    ]);
    assert_ok(&out);
    let report = text(&out.stdout);
    assert!(
        report.contains(&format!("from {SECOND} port 2222"))
            && report.contains("db.test (stored as zssh-warp-proxy)"),
        "{report}"
    );
    // The direct path is still judged against the server's own key.
    let out = d.zssh(&[
        "known-hosts",
        "check",
        TUNNELLED,
        "--direct",
        "22",
        "--ssh-config",
        cfg,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
}

/// Issue 12, items 3 and 4: `zssh config --warp-targets` writes a stanza per target; one
/// `zssh known-hosts repair` pins the Gateway SSH proxy's key once under the shared alias (the
/// server's direct key for the same IP stays apart), strict ssh then reaches both targets, and
/// after a seed rotation one repair (through either target) fixes both.
#[test]
fn config_from_targets_then_strict_ssh_and_one_repair_after_a_rotation() {
    if !inside_namespace("config_from_targets_then_strict_ssh_and_one_repair_after_a_rotation") {
        return;
    }
    let mut d = Device::new();
    ip(&format!("-n gw addr add {SECOND}/32 dev gw0"));
    let mut second = second_gateway(&d);
    let me = whoami();
    d.warp.connected(&target_table(
        &[
            ("web.test", 22, TUNNELLED, "a1net", &me),
            ("db.test", 2222, SECOND, "a1net", &format!("{me}, alice")),
        ],
        "Usernames (examples)",
    ));
    // The server's own key from the direct path, under its IP: it must stay apart.
    let direct_line = format!("{TUNNELLED} {}", d.direct.host_pub);
    std::fs::write(&d.known_hosts, format!("{direct_line}\n")).unwrap();
    let cfg = d.config.to_str().unwrap().to_string();
    let out = d.zssh(&["config", "--warp-targets", "--ssh-config", &cfg]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "zssh: note: db.test: the policy allows {me}, alice; no User line"
        )),
        "{stderr}"
    );
    let managed = std::fs::read_to_string(d.home.join(".ssh/zssh_config")).unwrap();
    assert!(
        managed.ends_with(&format!(
            "\n{}\n{}",
            warp_block(0, "web.test", TUNNELLED, 22, Some(&me)),
            warp_block(1, "db.test", SECOND, 2222, None)
        )),
        "{managed}"
    );
    // Strict checking: no key under the alias yet, so ssh refuses.
    let out = ssh_to(&d.config, "web.test");
    assert!(
        !out.status.success() && text(&out.stderr).contains("Host key verification failed"),
        "{}",
        text(&out.stderr)
    );
    let repair = |host: &str| {
        let out = d.zssh(&["known-hosts", "repair", host, "--ssh-config", &cfg, "--yes"]);
        assert_ok(&out);
        text(&out.stdout)
    };
    let report = repair("web.test");
    assert!(
        report.contains("web.test (stored as zssh-warp-proxy) presents")
            && report.contains(&format!(
                "from {TUNNELLED} port 22: the Gateway SSH proxy's key"
            )),
        "{report}"
    );
    both_targets_work(&d, &direct_line);
    // The account's seed is rotated: the proxy shows a new key for every target.
    let old_key = d.gateway_key();
    d.start_gateway();
    drop(second);
    second = second_gateway(&d);
    assert!(old_key != d.gateway_key() && second.host_pub == d.gateway_key());
    for host in ["web.test", "db.test"] {
        let out = ssh_to(&d.config, host);
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("REMOTE HOST IDENTIFICATION HAS CHANGED"),
            "{host}: {stderr}"
        );
    }
    let out = d.zssh(&["known-hosts", "check", "web.test", "--ssh-config", &cfg]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(report.contains("one repair covers them all"), "{report}");
    // One repair, through the other target, fixes both.
    assert_ok(&d.zssh(&[
        "known-hosts",
        "repair",
        "db.test",
        "--ssh-config",
        &cfg,
        "--yes",
    ]));
    both_targets_work(&d, &direct_line);
    direct_lookups(&d, &cfg);
}

/// A home, a `warp-cli` stand-in listing web.test and db.test, and a user's ssh config with
/// CRLF lines and a non-UTF-8 comment.
struct ConfigCase {
    tmp: tempfile::TempDir,
    home: std::path::PathBuf,
    warp: WarpCli,
    cfg: std::path::PathBuf,
    managed: std::path::PathBuf,
}

const MINE: &[u8] = b"# mine\r\nHost old\r\n  User me\r\n# \xff not UTF-8\r\n";

impl ConfigCase {
    fn new() -> ConfigCase {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(&home).unwrap();
        let warp = WarpCli::new(tmp.path());
        warp.connected(&target_table(
            &[
                ("web.test", 22, "198.51.100.7", "a1net", "alice"),
                ("db.test", 2222, "198.51.100.8", "a1net", "alice, bob"),
            ],
            "Usernames",
        ));
        let cfg = tmp.path().join("ssh_config");
        std::fs::write(&cfg, MINE).unwrap();
        let managed = home.join(".ssh/zssh_config");
        ConfigCase {
            tmp,
            home,
            warp,
            cfg,
            managed,
        }
    }

    /// `zssh ARGS --ssh-config CFG`.
    fn zssh(&self, args: &[&str]) -> std::process::Output {
        let mut all = args.to_vec();
        all.extend(["--ssh-config", self.cfg.to_str().unwrap()]);
        zssh_with(Some(&self.warp), &self.home, &all)
    }

    fn managed(&self) -> String {
        std::fs::read_to_string(&self.managed).unwrap()
    }
}

/// `zssh config --warp-targets`: a dry run shows the diff and writes nothing; a second run
/// changes nothing; a target gone from the list loses its stanza; a `--user` a target does not
/// show is named; no target, or no daemon, is an error that writes nothing.
#[test]
fn config_warp_targets_dry_run_and_idempotence() {
    let c = ConfigCase::new();
    let out = c.zssh(&["config", "--warp-targets", "--dry-run"]);
    assert_ok(&out);
    let diff = text(&out.stdout);
    for want in [
        "+Host web.test",
        "+  HostName 198.51.100.8",
        "+  Port 2222",
        "+  HostKeyAlias zssh-warp-proxy",
        "+Include ",
    ] {
        assert!(diff.contains(want), "{want}\n{diff}");
    }
    assert_eq!(std::fs::read(&c.cfg).unwrap(), MINE);
    assert!(!c.managed.exists());
    assert_ok(&c.zssh(&["config", "--warp-targets"]));
    let written = c.managed();
    let block = warp_block(0, "web.test", "198.51.100.7", 22, Some("alice"));
    assert!(written.contains(&block), "{written}");
    let cfg_written = std::fs::read(&c.cfg).unwrap();
    assert!(cfg_written.ends_with(MINE));
    // Again: nothing changes.
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("are up to date; nothing changed"),
        "{stderr}"
    );
    assert_eq!(c.managed(), written);
    assert_eq!(std::fs::read(&c.cfg).unwrap(), cfg_written);
    // db.test is gone from the list; --user bob is not among web.test's usernames.
    let one = target_table(
        &[("web.test", 22, "198.51.100.7", "a1net", "alice")],
        "Usernames",
    );
    c.warp.connected(&one);
    let out = c.zssh(&["config", "--warp-targets", "--user", "bob"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "zssh: note: web.test: the policy shows alice, not bob; User bob is written as asked"
        ) && stderr.contains("zssh: removed db.test (no longer in warp-cli target list)"),
        "{stderr}"
    );
    let now = c.managed();
    let block = warp_block(0, "web.test", "198.51.100.7", 22, Some("bob"));
    assert!(now.contains(&block) && !now.contains("db.test"), "{now}");
    // A client without targets or without its daemon: an error, nothing changed.
    c.warp.connected(&target_table(&[], "Usernames"));
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_zssh_error(&out, 9, "shows no SSH target");
    c.warp.daemon_down();
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_zssh_error(&out, 9, "daemon is not running");
    assert_eq!(c.managed(), now);
    assert_eq!(std::fs::read(&c.cfg).unwrap(), cfg_written);
}

/// `zssh config --uninstall --warp-targets` removes only the WARP targets' stanzas (an Access
/// application's stays, and so does the Include); `--uninstall` then gives back the user's
/// bytes exactly.
#[test]
fn config_warp_targets_uninstall_removes_only_its_stanzas() {
    let c = ConfigCase::new();
    // Nothing of the WARP path's yet: nothing to remove, nothing created.
    let out = c.zssh(&["config", "--uninstall", "--warp-targets"]);
    assert_ok(&out);
    assert_eq!(std::fs::read(&c.cfg).unwrap(), MINE);
    assert!(!c.managed.exists());
    assert_ok(&c.zssh(&["config", "--warp-targets"]));
    assert_ok(&c.zssh(&["config", "app.example.com"]));
    let cfg_written = std::fs::read(&c.cfg).unwrap();
    let before = c.managed();
    let out = c.zssh(&["config", "--uninstall", "--warp-targets", "--dry-run"]);
    assert_ok(&out);
    let diff = text(&out.stdout);
    assert!(
        diff.contains("-Host web.test")
            && diff.contains("-Host db.test")
            && !diff.contains("-Host app.example.com"),
        "{diff}"
    );
    assert_eq!(c.managed(), before);
    assert_ok(&c.zssh(&["config", "--uninstall", "--warp-targets"]));
    let left = c.managed();
    assert!(
        !left.contains("web.test") && !left.contains("db.test"),
        "{left}"
    );
    assert!(left.contains("Host app.example.com"), "{left}");
    assert_eq!(std::fs::read(&c.cfg).unwrap(), cfg_written);
    // The Access application's stanza, exactly as `zssh config app.example.com` alone writes it.
    let alone = ConfigCase::new();
    assert_ok(&alone.zssh(&["config", "app.example.com"]));
    assert_eq!(left, alone.managed());
    let out = c.zssh(&["config", "--uninstall", "--warp-targets"]);
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("nothing changed"),
        "{}",
        text(&out.stderr)
    );
    // Everything of zssh's out: the user's bytes, exactly.
    assert_ok(&c.zssh(&["config", "--uninstall"]));
    assert_eq!(std::fs::read(&c.cfg).unwrap(), MINE);
    assert!(!c.managed.exists());
    // A target's name with an Access application's stanza: the WARP target's replaces it.
    assert_ok(&c.zssh(&["config", "web.test"]));
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(
            "zssh: note: web.test had a stanza of zssh config web.test; the WARP target's replaces it"
        ),
        "{stderr}"
    );
    let now = c.managed();
    assert_eq!(now.matches("Host web.test\n").count(), 1, "{now}");
    assert!(
        !now.lines()
            .any(|l| l.trim_start().starts_with("ProxyCommand") && l.trim() != "ProxyCommand none"),
        "{now}"
    );
    drop(c.tmp);
}

/// A hand edit of one WARP block that removed its end line (as an editor or a merge may leave
/// it): `--warp-targets` and plain `zssh config HOST` refuse to guess where the block ends (the
/// old code replaced everything from its begin line to the next block's end line, deleting the
/// Access stanzas in between), name the file and line, and write nothing.
#[test]
fn config_refuses_a_managed_block_that_lost_its_end_line() {
    let c = WarpHome::new("Host mine\n  User me\n");
    c.warp.connected(&target_table(
        &[
            ("a.test", 22, "198.51.100.7", "a1net", "alice"),
            ("b.test", 22, "198.51.100.8", "a1net", "alice"),
        ],
        "Usernames",
    ));
    assert_ok(&c.zssh(&["config", "--warp-targets"]));
    assert_ok(&c.zssh(&["config", "app.example.com"]));
    assert_ok(&c.zssh(&["config", "other.example.com"]));
    let edited = c.managed().replace("# zssh: end a.test\n", "");
    std::fs::write(&c.managed, &edited).unwrap();
    let begin = 1 + edited
        .lines()
        .position(|l| l == "# zssh: begin a.test")
        .unwrap();
    let want = format!("{} line {begin}: ", c.managed.display());
    for args in [
        &["config", "--warp-targets"][..],
        &["config", "--warp-targets"],
        &["config", "app.example.com"],
    ] {
        let out = c.zssh(args);
        assert_zssh_error(&out, 7, &want);
        assert!(
            text(&out.stderr).contains("# zssh: end NAME"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(c.managed(), edited, "{args:?} wrote the managed file");
    }
    for host in ["app.example.com", "other.example.com"] {
        assert!(edited.contains(&format!("Host {host}\n")), "{edited}");
    }
}

/// The proxy's key is pinned under the shared alias through web.test; db.test's address is
/// excluded from the client (the commonest wall), so its own server answers there. The old
/// code called that key the Gateway SSH proxy's after a seed rotation and `repair db.test`
/// replaced the alias entry of every target. Now check and repair look at the route first and
/// refuse (exit 9, pointing at `zssh doctor IP`); `repair zssh-warp-proxy` is refused too.
#[test]
fn known_hosts_refuses_the_proxy_alias_for_a_target_routed_out_the_lan() {
    if !inside_namespace("known_hosts_refuses_the_proxy_alias_for_a_target_routed_out_the_lan") {
        return;
    }
    let d = Device::new();
    d.warp.connected(&target_table(
        &[
            ("web.test", 22, TUNNELLED, "a1net", "alice"),
            ("db.test", 22, EXCLUDED, "a1net", "alice"),
        ],
        "Usernames",
    ));
    let cfg = d.config.to_str().unwrap().to_string();
    assert_ok(&d.zssh(&["config", "--warp-targets", "--ssh-config", &cfg]));
    let kh = |verb: &str, host: &str| {
        d.zssh(
            &["known-hosts", verb, host, "--ssh-config", &cfg, "--yes"]
                [..if verb == "check" { 5 } else { 6 }],
        )
    };
    assert_ok(&kh("repair", "web.test"));
    let pinned = std::fs::read_to_string(&d.known_hosts).unwrap();
    assert_eq!(
        alias_lines(&d),
        [format!("zssh-warp-proxy {}", key_part(&d.gateway_key()))]
    );
    let out = kh("check", "db.test");
    assert_zssh_error(&out, 9, &format!("{EXCLUDED} (db.test) goes out dev lan0"));
    assert!(
        text(&out.stderr).contains(&format!("zssh doctor {EXCLUDED}")),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("not through the Cloudflare One Client"),
        "{}",
        text(&out.stdout)
    );
    let out = kh("repair", "db.test");
    assert_zssh_error(&out, 9, "not through the Cloudflare One Client");
    assert_eq!(std::fs::read_to_string(&d.known_hosts).unwrap(), pinned);
    let out = kh("repair", "zssh-warp-proxy");
    assert_zssh_error(
        &out,
        2,
        "zssh-warp-proxy is the name the Gateway SSH proxy's key is stored under",
    );
    assert_eq!(std::fs::read_to_string(&d.known_hosts).unwrap(), pinned);
    // Through the client, check still passes.
    assert_ok(&kh("check", "web.test"));
}

/// A target named like a `Host` the user's own config defines (here in a file it includes):
/// zssh's Include sits at the top, so a stanza of its own would win and `ssh prod-db` would go
/// to the WARP target's IP instead. The old code wrote it silently; now the target is skipped
/// with a note naming the user's file and line, and ssh keeps the user's HostName and User.
#[test]
fn config_warp_targets_leaves_a_users_own_host_alone() {
    let c = WarpHome::new("");
    let work = c.home.join(".ssh/hosts.d/work");
    std::fs::create_dir_all(work.parent().unwrap()).unwrap();
    // ssh takes `~` and relative paths from the passwd entry, not $HOME: an absolute path.
    let mine = format!("Include {}\nHost mine\n  User me\n", work.display());
    std::fs::write(&c.cfg, mine).unwrap();
    std::fs::write(
        &work,
        "# work\nHost jump prod-db\n  HostName 10.9.9.9\n  User dba\n",
    )
    .unwrap();
    c.warp.connected(&target_table(
        &[
            ("prod-db", 22, "198.51.100.7", "a1net", "root"),
            ("web.test", 22, "198.51.100.8", "a1net", "alice"),
        ],
        "Usernames",
    ));
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "zssh: note: prod-db is a Host of your own ({} line 2); the WARP target (198.51.100.7 port 22) gets no stanza",
            work.display()
        )),
        "{stderr}"
    );
    let g = c.ssh_g("prod-db");
    assert_eq!(
        (value(&g, "hostname"), value(&g, "user")),
        ("10.9.9.9", "dba")
    );
    let managed = c.managed();
    assert!(
        !managed.contains("prod-db") && managed.contains("Host web.test\n"),
        "{managed}"
    );
}

/// A target whose hostname attribute is another address (or a name such as `2130706433` that
/// the URL parser turns into 127.0.0.1) got `Host <that address>` with `HostName <target IP>`,
/// so `ssh 192.0.2.50` / `ssh 127.0.0.1` connected to the target instead. Now such a target is
/// skipped with a note, as a fullwidth look-alike of a real name is.
#[test]
fn config_warp_targets_writes_no_host_line_for_another_address() {
    let c = WarpHome::new("");
    c.targets_json(
        r#"[{"target_id":"t1","hostname":"192.0.2.50","ip":"198.51.100.7","port":22,"usernames":["alice"]},
            {"target_id":"t2","hostname":"2130706433","ip":"198.51.100.8","port":22,"usernames":["alice"]},
            {"target_id":"t3","hostname":"web.test","ip":"198.51.100.9","port":22,"usernames":["alice"]},
            {"target_id":"t4","hostname":"ｗｅｂ.test","ip":"198.51.100.10","port":22,"usernames":["alice"]},
            {"target_id":"t5","hostname":"localhost","ip":"198.51.100.11","port":22,"usernames":["alice"]}]"#,
    );
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    for addr in ["192.0.2.50", "127.0.0.1", "localhost"] {
        let g = c.ssh_g(addr);
        assert_eq!(
            value(&g, "hostname"),
            addr,
            "ssh {addr} is redirected:\n{}",
            c.managed()
        );
    }
    assert_eq!(value(&c.ssh_g("web.test"), "hostname"), "198.51.100.9");
    let stderr = text(&out.stderr);
    for id in ["t1", "t2", "t4", "t5"] {
        assert!(
            stderr.contains(&format!("zssh: note: target {id} (198.51.100.")),
            "{id}:\n{stderr}"
        );
    }
}

/// Names from the client reached the terminal raw in the notes and in `zssh targets`: a virtual
/// network (or target ID, protocol, username) with escape sequences or a carriage return could
/// rewrite what the person sees. Now no control character survives the parsers.
#[test]
fn client_text_reaches_the_terminal_without_control_characters() {
    let c = WarpHome::new("");
    c.targets_json(
        "[{\"target_id\":\"t1\\u001b[2J\",\"hostname\":\"desk.test\",\"ip\":\"198.51.100.6\",\"protocol\":\"RDP\\u001b[31m\"},\
          {\"target_id\":\"t2\",\"hostname\":\"web.test\",\"ip\":\"198.51.100.7\",\"port\":22,\"usernames\":[\"alice\",\"bo\\u009bb\"],\
           \"virtual_network\":\"b\\u001b[1;31mnet\\rzssh: all good\"}]",
    );
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("zssh: note: target t1?[2J (198.51.100.6) is for RDP?[31m"),
        "{stderr}"
    );
    let out = zssh_with(Some(&c.warp), &c.home, &["targets"]);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("b?[1;31mnet?zssh: all good"), "{all}");
    for (what, s) in [("config", &stderr), ("targets", &all)] {
        assert!(
            !s.contains(|c: char| c.is_control() && c != '\n'),
            "control characters from {what}: {s:?}"
        );
    }
}

/// One target listed with port 0 made ssh reject the whole managed file, so no stanza at all
/// was written (exit 7, "Bad port '0'", naming no target); now it is skipped with a note. A row
/// that cannot be read was dropped silently, and the stanza written for its target before was
/// removed as "no longer in warp-cli target list"; now the row gets a note and its stanza stays.
#[test]
fn config_warp_targets_skips_port_0_and_keeps_the_stanza_of_an_unreadable_row() {
    let c = WarpHome::new("");
    c.warp.connected(&target_table(
        &[
            ("web.test", 22, "198.51.100.7", "a1net", "alice"),
            ("db.test", 22, "198.51.100.9", "a1net", "alice"),
            ("zero.test", 0, "198.51.100.8", "a1net", "alice"),
        ],
        "Usernames",
    ));
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("(198.51.100.8 port 0) is skipped: ssh cannot connect there"),
        "{stderr}"
    );
    let written = c.managed();
    assert!(
        written.contains("Host web.test\n")
            && written.contains("Host db.test\n")
            && !written.contains("zero.test"),
        "{written}"
    );
    c.targets_json(
        r#"[{"target_id":"t1","hostname":"web.test","ip":"198.51.100.7","port":22,"usernames":["alice"]},
            {"target_id":"t2","hostname":"db.test","ip":"198.51.100.9","port":"twenty-two","usernames":["alice"]}]"#,
    );
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    for want in [
        "zssh: note: a row of warp-cli target list could not be read (target t2, hostname db.test: ",
        "zssh: note: db.test: its target's row could not be read this time; its stanza is kept as it was",
    ] {
        assert!(stderr.contains(want), "{want}\n--\n{stderr}");
    }
    assert!(
        !stderr.contains("no longer in warp-cli target list"),
        "{stderr}"
    );
    assert!(
        c.managed()
            .contains("Host db.test\n  HostName 198.51.100.9\n"),
        "{}",
        c.managed()
    );
}

/// Two targets that share a name (ASCII case aside) and a port at different addresses: the
/// note told the person `ssh -p 22 web.test` reaches the one left out, but it reaches the chosen
/// one. Now it gives a command that does (the address on the command line), and ssh agrees.
#[test]
fn config_warp_targets_left_out_note_gives_a_command_that_reaches_it() {
    let c = WarpHome::new("");
    c.targets_json(
        r#"[{"target_id":"t1","hostname":"WEB.test","ip":"198.51.100.7","port":22,"usernames":["alice"]},
            {"target_id":"t2","hostname":"web.test","ip":"198.51.100.9","port":22,"usernames":["alice"]}]"#,
    );
    let out = c.zssh(&["config", "--warp-targets"]);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    let command = stderr
        .lines()
        .find_map(|l| l.strip_prefix("zssh: note: web.test is also a target at 198.51.100.9 port 22; the stanza is for 198.51.100.7 port 22: ssh "))
        .unwrap_or_else(|| panic!("{stderr}"));
    let mut args: Vec<&str> = command.split(' ').collect();
    args.insert(args.len() - 1, "-G");
    let g = run(Command::new("ssh").arg("-F").arg(&c.cfg).args(&args));
    assert_ok(&g);
    let g = text(&g.stdout);
    assert_eq!(
        (value(&g, "hostname"), value(&g, "port")),
        ("198.51.100.9", "22"),
        "{command}"
    );
    assert_eq!(value(&g, "hostkeyalias"), "zssh-warp-proxy");
}

/// A catch-all `Host *` ProxyJump (or ProxyCommand) of the user's applied to the WARP stanzas
/// too (ssh takes the first value, and the stanza set none), so ssh went through the bastion
/// instead of the client. Now each WARP stanza sets both to none.
#[test]
fn config_warp_targets_stanzas_take_no_catch_all_proxy() {
    let c = WarpHome::new("Host *\n  ProxyJump bastion.example\n");
    c.warp.connected(&target_table(
        &[("web.test", 22, "198.51.100.7", "a1net", "alice")],
        "Usernames",
    ));
    assert_ok(&c.zssh(&["config", "--warp-targets"]));
    let g = c.ssh_g("web.test");
    assert_eq!(value(&g, "hostname"), "198.51.100.7");
    assert_eq!(
        (value(&g, "proxyjump"), value(&g, "proxycommand")),
        ("", ""),
        "{g}"
    );
    assert_eq!(
        value(&c.ssh_g("other.example"), "proxyjump"),
        "bastion.example"
    );
}

/// A home, a `warp-cli` stand-in, and the user's ssh config at `~/.ssh/config` (`cfg`).
struct WarpHome {
    _tmp: tempfile::TempDir,
    home: std::path::PathBuf,
    warp: WarpCli,
    cfg: std::path::PathBuf,
    managed: std::path::PathBuf,
}

impl WarpHome {
    fn new(user_config: &str) -> WarpHome {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        let warp = WarpCli::new(tmp.path());
        let cfg = home.join(".ssh/config");
        std::fs::write(&cfg, user_config).unwrap();
        let managed = home.join(".ssh/zssh_config");
        WarpHome {
            _tmp: tmp,
            home,
            warp,
            cfg,
            managed,
        }
    }

    /// `warp-cli -j target list` answers this JSON (the connected client otherwise).
    fn targets_json(&self, json: &str) {
        self.warp.connected(&target_table(&[], "Usernames"));
        self.warp.answer("target list", true, json, 0);
    }

    fn zssh(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new(zssh_bin());
        cmd.env_clear()
            .env("HOME", &self.home)
            .env("ZSSH_NONINTERACTIVE", "1")
            .env("PATH", self.warp.path())
            .args(args)
            .args(["--ssh-config", self.cfg.to_str().unwrap()]);
        run(&mut cmd)
    }

    fn managed(&self) -> String {
        std::fs::read_to_string(&self.managed).unwrap()
    }

    /// What `ssh -G HOST` says with the user's config.
    fn ssh_g(&self, host: &str) -> String {
        let out = run(Command::new("ssh")
            .arg("-F")
            .arg(&self.cfg)
            .arg("-G")
            .arg(host));
        assert_ok(&out);
        text(&out.stdout)
    }
}

fn value<'a>(ssh_g: &'a str, key: &str) -> &'a str {
    ssh_g
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key} ")))
        .unwrap_or("")
}

// A hostile or broken warp-cli (from the adversarial review of this path): what it prints
// never reaches the terminal raw, odd shapes are never read as something else, and doctor
// stays bounded. No namespaces: the only address touched is 127.0.0.1, on a port just closed.

/// An ssh config that sends 127.0.0.1 (as `host`) to a closed port, with known_hosts in `dir`.
fn closed_port_config(dir: &std::path::Path, host: &str) -> std::path::PathBuf {
    let port = free_port();
    let cfg = dir.join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {host}\n  Port {port}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n",
            dir.join("known_hosts").display()
        ),
    )
    .unwrap();
    cfg
}

/// `zssh doctor --json HOST` (127.0.0.1 or a way to write it, on a closed port) with extra
/// environment.
fn doctor_json_for(
    warp: &WarpCli,
    dir: &std::path::Path,
    host: &str,
    env: &[(&str, &str)],
) -> serde_json::Value {
    let cfg = closed_port_config(dir, host);
    let mut cmd = Command::new(zssh_bin());
    cmd.env_clear()
        .env("HOME", dir)
        .env("ZSSH_NONINTERACTIVE", "1")
        .env("PATH", warp.path())
        .envs(env.iter().copied())
        .args(["doctor", "--json", "-F", cfg.to_str().unwrap(), host]);
    let out = run(&mut cmd);
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)))
}

/// Whether process `pid` is gone (or a zombie not yet reaped). SIGKILL lands asynchronously:
/// this looks until it has, for at most 20 s.
fn process_gone(pid: &str) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let zombie = stat
            .rsplit_once(") ")
            .is_some_and(|(_, r)| r.starts_with('Z'));
        if stat.is_empty() || zombie {
            return true;
        }
        if std::time::Instant::now() > until {
            return false;
        }
        std::thread::yield_now();
    }
}

/// A client whose `settings` hangs (after starting a busy background process) and whose `vnet`
/// hangs: doctor kills each with what it started, and does not ask `target list` once the
/// calls together have used their time (1.5 times one call's, shortened here for the test).
#[test]
fn doctor_gives_the_client_calls_one_budget_and_kills_what_they_start() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    let dir = tmp.path();
    let script = format!(
        r#"#!/bin/sh
[ "$1" = "-j" ] && shift
echo "$*" >> '{d}/hung-calls'
case "$*" in
  status) echo '{{"status":"Connected"}}' ;;
  settings) yes > /dev/null 2>&1 & echo $! > '{d}/yes.pid'; exec sleep 600 ;;
  vnet) exec sleep 600 ;;
  *) echo "error: unrecognized subcommand '$1'" >&2; exit 2 ;;
esac
"#,
        d = dir.display()
    );
    let exe = warp.bin.join("warp-cli");
    std::fs::write(&exe, script).unwrap();
    set_mode(&exe, 0o755);
    let v = doctor_json_for(
        &warp,
        dir,
        "127.0.0.1",
        &[("ZSSH_TEST_WARP_TIMEOUT_MS", "400")],
    );
    let (status, detail, _) = verdict(&v, "warp mode");
    assert_eq!(status, "warn", "{detail}");
    assert!(detail.contains("did not answer within 0.4 s"), "{detail}");
    assert_eq!(verdict(&v, "warp vnet").0, "warn", "{v:#}");
    let (status, detail, _) = verdict(&v, "target");
    assert_eq!(status, "warn", "{detail}");
    assert!(detail.contains("not asked"), "{detail}");
    let calls = std::fs::read_to_string(dir.join("hung-calls")).unwrap();
    assert!(!calls.contains("target"), "{calls}");
    let pid = std::fs::read_to_string(dir.join("yes.pid")).unwrap();
    assert!(
        process_gone(pid.trim()),
        "the yes warp-cli started survived"
    );
}

/// A stand-in `ip` first on PATH (next to the warp-cli stand-in): it records each call in
/// `ip-calls` and runs `body` (by default the real `ip`).
fn fake_ip(warp: &WarpCli, dir: &std::path::Path, body: Option<&str>) {
    let real = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("ip"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| "/usr/sbin/ip".into());
    let body = body.map_or_else(|| format!("exec '{}' \"$@\"", real.display()), String::from);
    let exe = warp.bin.join("ip");
    let script = format!(
        "#!/bin/sh\necho \"$*\" >> '{}/ip-calls'\n{body}\n",
        dir.display()
    );
    std::fs::write(&exe, script).unwrap();
    set_mode(&exe, 0o755);
}

/// One address on two ports and a second address: the kernel is asked once per address.
#[test]
fn targets_asks_the_kernel_once_per_address() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    fake_ip(&warp, tmp.path(), None);
    warp.connected(&target_table(
        &[
            ("a", 22, "127.0.0.1", "a1net", "alice"),
            ("a", 2222, "127.0.0.1", "a1net", "bob"),
            ("b", 22, "127.0.0.2", "a1net", "carol"),
        ],
        "Usernames (examples)",
    ));
    let out = zssh_with(Some(&warp), tmp.path(), &["targets", "--json"]);
    assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v:#}");
    let calls = std::fs::read_to_string(tmp.path().join("ip-calls")).unwrap();
    let per = |ip: &str| calls.lines().filter(|l| l.ends_with(ip)).count();
    assert_eq!((per(" 127.0.0.1"), per(" 127.0.0.2")), (1, 1), "{calls}");
}

/// PostureOnly routes no traffic: not an ok mode.
#[test]
fn doctor_fails_a_posture_only_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"PostureOnly","split_tunnel_mode":"Exclude","split_tunnel_ips":[]}}"#,
        0,
    );
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    let (status, detail, fix) = verdict(&v, "warp mode");
    assert_eq!(status, "fail", "{detail}");
    assert!(
        detail.contains("PostureOnly") && fix.contains("Traffic and DNS"),
        "{detail} {fix}"
    );
}

/// `::ffff:127.0.0.1` is 127.0.0.1 on the wire: the exclude entry 127.0.0.0/8 covers it.
#[test]
fn doctor_matches_an_ipv4_mapped_address_against_ipv4_excludes() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"Warp","split_tunnel_mode":"Exclude","split_tunnel_ips":[{"value":"127.0.0.0/8"}]}}"#,
        0,
    );
    let v = doctor_json_for(&warp, tmp.path(), "::ffff:127.0.0.1", &[]);
    let (status, detail, _) = verdict(&v, "split tunnel");
    assert_eq!(status, "fail", "{v:#}");
    assert!(detail.contains("127.0.0.0/8"), "{detail}");
}

/// Issue 14 item 5 on the WARP path: a failed layer lists the ones it kept from being checked.
/// No target for the address: no usernames to compare; a closed port: no host key; a name that
/// resolves nowhere (a label longer than DNS allows: refused without a packet): nothing past
/// the client's own verdicts.
#[test]
fn doctor_on_the_warp_path_lists_what_a_failure_kept_it_from_checking() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(&targets_table(&[("other", "198.51.100.99", "alice")])).answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"Warp","split_tunnel_mode":"Exclude","split_tunnel_ips":[]}}"#,
        0,
    );
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    assert_eq!(
        (&v["result"], &v["exit"]),
        (&"fail".into(), &12.into()),
        "{v:#}"
    );
    assert_eq!(verdict(&v, "target").0, "fail", "{v:#}");
    let (status, detail, _) = verdict(&v, "username");
    assert_eq!(status, "skip", "{v:#}");
    assert!(detail.contains("(see target)"), "{detail}");
    assert_eq!(verdict(&v, "tcp").0, "fail", "{v:#}");
    let (status, detail, _) = verdict(&v, "host key");
    assert_eq!(status, "skip", "{v:#}");
    assert!(
        detail.starts_with("no TCP connection to 127.0.0.1 port ") && detail.contains("(see tcp)"),
        "{detail}"
    );
    let nowhere = format!("{}.test", "a".repeat(70));
    let v = doctor_json_for(&warp, tmp.path(), &nowhere, &[]);
    assert_eq!(verdict(&v, "hostname").0, "fail", "{v:#}");
    assert_eq!(verdict(&v, "warp mode").0, "ok", "{v:#}");
    for check in [
        "route",
        "split tunnel",
        "target",
        "username",
        "tcp",
        "host key",
    ] {
        let (status, detail, _) = verdict(&v, check);
        assert_eq!(
            (status.as_str(), detail.as_str()),
            (
                "skip",
                format!("{nowhere} has no address (see hostname), so there is nothing to check")
                    .as_str()
            ),
            "{check}: {v:#}"
        );
    }
}

/// A warp-cli that is there but cannot run is reported as such, not as "not on PATH".
#[test]
fn a_warp_cli_that_cannot_run_is_named_not_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("");
    let exe = warp.bin.join("warp-cli");
    let script = std::fs::read_to_string(&exe).unwrap();
    // Not executable.
    set_mode(&exe, 0o644);
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "it is not executable");
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    let (status, detail, _) = verdict(&v, "warp client");
    assert_eq!(status, "fail", "{detail}");
    assert!(detail.contains("not executable"), "{detail}");
    // Its interpreter is missing.
    let bad = script.replacen("#!/bin/sh", "#!/nonexistent/interpreter", 1);
    std::fs::write(&exe, bad).unwrap();
    set_mode(&exe, 0o755);
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    assert_zssh_error(&out, 9, "interpreter");
    assert!(
        !text(&out.stderr).contains("not on PATH"),
        "{}",
        text(&out.stderr)
    );
}

/// When the route lookup fails, the tcp verdict does not claim the address bypasses the client.
#[test]
fn doctor_with_an_unknown_route_does_not_say_it_bypasses_the_client() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("");
    fake_ip(
        &warp,
        tmp.path(),
        Some("echo 'RTNETLINK answers: Network is unreachable' >&2; exit 2"),
    );
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    assert_eq!(verdict(&v, "route").0, "fail", "{v:#}");
    let (status, _, fix) = verdict(&v, "tcp");
    assert_eq!(status, "fail", "{v:#}");
    assert!(!fix.contains("does not go through the client"), "{fix}");
    assert!(fix.contains("unknown"), "{fix}");
}

/// Control characters other than a newline: what a terminal would act on.
fn controls(s: &str) -> Vec<char> {
    s.chars().filter(|c| c.is_control() && *c != '\n').collect()
}

/// What warp-cli prints reaches the terminal unfiltered (escape sequences, BEL,
/// carriage returns that overwrite the `zssh: error:` line with a fake hint).
#[test]
fn targets_and_doctor_never_print_control_codes_from_warp_cli() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    let table = "│ Target ID │ Protocol │ Port │ Attributes │ IP (Virtual Network) │ Usernames │\n\
                 │ t1 │ SSH │ 22 │ hostname: web\u{1b}]0;PWNED\u{7} │ 127.0.0.1 (net\u{1b}[31m) │ al\u{1b}[2Jice │\n";
    warp.connected(table);
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    let shown = text(&out.stdout) + &text(&out.stderr);
    assert_eq!(controls(&shown), vec![], "zssh targets printed: {shown:?}");

    // The error path: warp-cli's own words, with a carriage return and a fake hint.
    let said = "\u{1b}[2JStatus garbage\rzssh: hint: run something else\n";
    warp.answer("status", true, said, 1)
        .answer("status", false, said, 1);
    let out = zssh_with(Some(&warp), tmp.path(), &["targets"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(9), "{err}");
    assert_eq!(controls(&err), vec![], "zssh targets error: {err:?}");

    // Doctor's verdicts: a reason, a mode and an exclude description, escaped in JSON.
    warp.answer(
        "status",
        true,
        r#"{"status":"Disconnected","reason":{"\u001b[2JManual":"\rzssh: ok \u202e"}}"#,
        0,
    )
    .answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"Warp\u0007\u009b","split_tunnel_mode":"Exclude","split_tunnel_ips":[{"value":"127.0.0.0/8","description":"\u001b]0;x\u0007"}]}}"#,
        0,
    );
    let cfg = closed_port_config(tmp.path(), "127.0.0.1");
    let out = zssh_with(
        Some(&warp),
        tmp.path(),
        &["doctor", "-F", cfg.to_str().unwrap(), "127.0.0.1"],
    );
    let shown = text(&out.stdout) + &text(&out.stderr);
    assert!(shown.contains("Manual"), "{shown}");
    assert_eq!(controls(&shown), vec![], "zssh doctor printed: {shown:?}");
    assert!(!shown.contains('\u{202e}'), "{shown:?}");
}

/// An API-style envelope (`{"errors":[],"messages":[],"result":[…]}`) is read as
/// an empty target list (the alphabetically first array wins), and the table is never asked for.
#[test]
fn targets_reads_the_list_in_an_api_style_json_envelope() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "target list",
        true,
        r#"{"success":true,"errors":[],"messages":[],"result":[{"id":"t1","hostname":"web","ip":"127.0.0.1","port":22,"usernames":["alice"]}]}"#,
        0,
    );
    let out = zssh_with(Some(&warp), tmp.path(), &["targets", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v.as_array().map(Vec::len),
        Some(1),
        "{v:#} {}",
        text(&out.stderr)
    );
}

/// A wrapped cell is joined with a space, so a wrapped IPv6 address becomes another
/// address (its second half), a hostname loses its tail and a username splits in two.
#[test]
fn targets_never_reads_a_wrapped_ipv6_cell_as_another_address() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(
        "│ Target ID │ Protocol │ Port │ Attributes           │ IP (Virtual Network) │ Usernames │\n\
         │ t1        │ SSH      │ 22   │ hostname: a-very-lon │ 2001:db8:1234:5678:  │ alexandr  │\n\
         │           │          │      │ g-hostname           │ 9abc::1 (prod)       │ a         │\n",
    );
    let out = zssh_with(Some(&warp), tmp.path(), &["targets", "--json"]);
    let shown = text(&out.stdout);
    assert!(
        !shown.contains("\"9abc::1\""),
        "a target at 9abc::1, which the table never named: {shown}"
    );
    assert!(!shown.contains("\"alexandr\""), "{shown}");
}

/// Two exclude entries that both cover the target (or one entry listed twice) give a
/// re-add list with every entry of the smaller one twice, and a count that does not match the
/// `zssh cidr exclude` command printed next to it.
#[test]
fn doctor_re_add_list_for_overlapping_excludes_has_no_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected("").answer(
        "settings",
        true,
        r#"{"settings":{"operation_mode":"WarpWithDnsOverHttps","split_tunnel_mode":"Exclude","split_tunnel_ips":[{"value":"127.0.0.0/8"},{"value":"127.0.0.0/16"}]}}"#,
        0,
    );
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    let (_, _, fix) = verdict(&v, "split tunnel");
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

/// One target on two ports in another virtual network is named twice.
#[test]
fn doctor_names_each_virtual_network_once() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(
        "│ Target ID │ Protocol │ Port │ Attributes  │ IP (Virtual Network) │ Usernames │\n\
         │ t1        │ SSH      │ 22   │ hostname: a │ 127.0.0.1 (prod)     │ alice     │\n\
         │ t1        │ SSH      │ 2222 │ hostname: a │ 127.0.0.1 (prod)     │ bob       │\n",
    );
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    let (_, detail, _) = verdict(&v, "warp vnet");
    assert!(!detail.contains("prod, prod"), "{detail}");
}

/// Issue 14 (adversarial L2): warp-cli failing to answer one question drops no layer: the
/// settings it could not read leave split tunnel skipped with why, the virtual networks it
/// could not list leave warp vnet skipped with why; a client that hung is not called
/// "not connected".
#[test]
fn doctor_skips_with_why_what_warp_cli_could_not_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let warp = WarpCli::new(tmp.path());
    warp.connected(&targets_table(&[("other", "198.51.100.99", "alice")]))
        .answer("settings", true, "Error: the settings are unavailable\n", 1)
        .answer("vnet", true, "Error: no virtual networks here\n", 1);
    let v = doctor_json_for(&warp, tmp.path(), "127.0.0.1", &[]);
    let (status, detail, _) = verdict(&v, "split tunnel");
    assert_eq!(status, "skip", "{v:#}");
    assert!(detail.contains("could not be read"), "{detail}");
    let (status, detail, _) = verdict(&v, "warp vnet");
    assert_eq!(status, "skip", "{v:#}");
    assert!(
        detail.contains("did not list its virtual networks"),
        "{detail}"
    );
    let (_, _, fix) = verdict(&v, "route");
    assert!(!fix.contains("below"), "{fix}");
    // A status that never comes.
    let dir = tmp.path();
    let exe = warp.bin.join("warp-cli");
    std::fs::write(&exe, "#!/bin/sh\nexec sleep 600\n").unwrap();
    set_mode(&exe, 0o755);
    let v = doctor_json_for(
        &warp,
        dir,
        "127.0.0.1",
        &[("ZSSH_TEST_WARP_TIMEOUT_MS", "300")],
    );
    let (status, _, fix) = verdict(&v, "tcp");
    assert_eq!(status, "fail", "{v:#}");
    assert_eq!(
        fix, "the client did not say whether it is connected: see warp client above",
        "{v:#}"
    );
}
