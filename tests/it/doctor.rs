//! `zssh doctor`: every verdict comes from a real fault made against the test edge and sshd.

use std::sync::atomic::Ordering;

use crate::support::*;

fn doctor(w: &World, extra: &[&str]) -> (std::process::Output, serde_json::Value) {
    let cfg = w.tmp.path().join("doctor_ssh_config");
    if !cfg.exists() {
        std::fs::write(
            &cfg,
            format!(
                "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  UserKnownHostsFile {}\n",
                zssh_bin().display(),
                w.known_hosts.display()
            ),
        )
        .unwrap();
    }
    let mut args = vec!["doctor", SSH_HOST, "--json", "-F", cfg.to_str().unwrap()];
    args.extend_from_slice(extra);
    let out = run(&mut w.zssh(&args));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    (out, v)
}

fn verdict<'a>(v: &'a serde_json::Value, check: &str) -> &'a serde_json::Value {
    v["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks in {v:#}"))
        .iter()
        .find(|c| c["check"] == check)
        .unwrap_or_else(|| panic!("no {check} verdict in {v:#}"))
}

#[test]
fn a_healthy_path_passes_every_check() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    assert_eq!(
        (&v["result"], &v["exit"]),
        (&"ok".into(), &0.into()),
        "{v:#}"
    );
    for check in [
        "ssh config",
        "dns",
        "tcp",
        "tls",
        "clock",
        "handshake",
        "discovery",
        "token",
        "locks",
        "known_hosts",
    ] {
        assert_eq!(verdict(&v, check)["status"], "ok", "{check}: {v:#}");
    }
}

#[test]
fn token_faults_are_diagnosed_and_fixed() {
    let w = World::new();
    w.trust_host(SSH_HOST);
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12));
    assert_eq!(verdict(&v, "token")["status"], "fail");
    assert!(
        verdict(&v, "token")["fix"]
            .as_str()
            .unwrap()
            .contains("zssh login")
    );
    // Expired.
    w.seed_token(SSH_HOST, -600);
    let (_, v) = doctor(&w, &[]);
    assert!(
        verdict(&v, "token")["detail"]
            .as_str()
            .unwrap()
            .contains("expired 10 min ago"),
        "{v:#}"
    );
    // Rejected by the edge: --fix removes it.
    let file = w.seed_token(SSH_HOST, 3600);
    w.edge.revoke(&std::fs::read_to_string(&file).unwrap());
    let (_, v) = doctor(&w, &[]);
    assert!(
        verdict(&v, "token")["detail"]
            .as_str()
            .unwrap()
            .contains("rejects the cached token"),
        "{v:#}"
    );
    let (_, v) = doctor(&w, &["--fix"]);
    assert_eq!(verdict(&v, "token")["status"], "fixed", "{v:#}");
    assert!(!file.exists());
}

#[test]
fn edge_refusals_are_explained() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    for (status, want) in [
        (403, "WAF"),
        (502, "tunnel or the origin is down"),
        (401, "service token"),
    ] {
        w.edge.knobs.upgrade_status.store(status, Ordering::SeqCst);
        let (out, v) = doctor(&w, &[]);
        assert_eq!(out.status.code(), Some(12));
        let h = verdict(&v, "handshake");
        assert_eq!(h["status"], "fail");
        let fix = h["fix"].as_str().unwrap();
        assert!(fix.contains(want), "{status}: {h:#}");
        // Issue 14: doctor's hints never send the user to doctor.
        assert!(!fix.contains("doctor"), "{status}: {fix}");
        // Discovery is a request of its own: it still runs, and the token is checked here.
        assert_eq!(verdict(&v, "discovery")["status"], "ok", "{status}: {v:#}");
        let t = verdict(&v, "token");
        assert_eq!(t["status"], "ok", "{status}: {v:#}");
        assert!(
            t["detail"]
                .as_str()
                .unwrap()
                .contains("not tried at the edge: it refused the upgrade"),
            "{status}: {t:#}"
        );
        assert_eq!(verdict(&v, "known_hosts")["status"], "skip", "{v:#}");
    }
}

#[test]
fn network_faults_are_explained() {
    let w = World::new();
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json"]);
    cmd.env_remove("SSL_CERT_FILE");
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        verdict(&v, "tls")["detail"]
            .as_str()
            .unwrap()
            .contains("TLS"),
        "{v:#}"
    );
    assert_eq!(verdict(&v, "tcp")["status"], "ok", "{v:#}");
    assert_eq!(out.status.code(), Some(12));
}

#[test]
fn discovery_faults_are_explained() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.discovery = Discovery::Legacy;
        cfg.app(app)
    });
    let (_, v) = doctor(&w, &[]);
    let d = verdict(&v, "discovery");
    assert_eq!(d["status"], "fail", "{v:#}");
    assert!(
        d["detail"]
            .as_str()
            .unwrap()
            .contains("is not an Access application zssh can trust"),
        "{v:#}"
    );
}

#[test]
fn dead_cloudflared_locks_are_found_and_cleared() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let lock = w
        .cloudflared_dir()
        .join(format!("{SSH_HOST}-{}-token.lock", w.edge.aud(SSH_HOST)));
    std::fs::write(&lock, "{\"pid\":999999,\"start_time\":1}\n").unwrap();
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12));
    assert_eq!(verdict(&v, "locks")["status"], "fail", "{v:#}");
    let (out, v) = doctor(&w, &["--fix"]);
    assert_eq!(verdict(&v, "locks")["status"], "fixed", "{v:#}");
    assert!(!lock.exists());
    assert_eq!(out.status.code(), Some(0), "{v:#}");
}

#[test]
fn known_hosts_mismatch_and_direct_config_are_reported() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    std::fs::write(&w.known_hosts, format!("{SSH_HOST} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n")).unwrap();
    let (_, v) = doctor(&w, &[]);
    let kh = verdict(&v, "known_hosts");
    assert_eq!(kh["status"], "fail", "{v:#}");
    assert!(kh["fix"].as_str().unwrap().contains("known-hosts repair"));
    // A config without zssh.
    let cfg = w.tmp.path().join("plain_config");
    std::fs::write(&cfg, format!("Host {SSH_HOST}\n  Port 22\n")).unwrap();
    let out = run(&mut w.zssh(&["doctor", SSH_HOST, "--json", "-F", cfg.to_str().unwrap()]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // No Cloudflare One Client here: doctor says so and checks the Access application path.
    assert_eq!(verdict(&v, "warp client")["status"], "skip", "{v:#}");
    assert!(
        verdict(&v, "ssh config")["fix"]
            .as_str()
            .unwrap()
            .contains("zssh config"),
        "{v:#}"
    );
}

#[test]
fn clock_skew_is_a_verdict() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let mut cmd = w.tool("faketime");
    cmd.args(["-f", "-10m"])
        .arg(zssh_bin())
        .args(["doctor", SSH_HOST, "--json"]);
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = verdict(&v, "clock");
    assert_eq!(c["status"], "fail");
    assert!(
        c["detail"].as_str().unwrap().contains("10 min behind"),
        "{c:#}"
    );
}

#[test]
fn the_text_report_has_one_line_per_check_and_the_fix() {
    let w = World::new();
    let out = run(&mut w.zssh(&["doctor", SSH_HOST]));
    let report = text(&out.stdout);
    assert!(
        report.lines().any(|l| l.starts_with("FAIL  token")),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.contains("fix: zssh login")),
        "{report}"
    );
}

#[test]
fn fixes_leave_a_working_ssh() {
    // A dead cloudflared lock and an expired certificate: --fix clears the one and renews the
    // other, and ssh through the written Match-exec config then works.
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let z = zssh_bin().display().to_string();
    let cf = w.cloudflared_dir();
    let cfg = w.tmp.path().join("doctor_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {z} proxy --hostname %h\n  UserKnownHostsFile {kh}\n  IdentityFile {cf}/%h-cf_key\n  CertificateFile {cf}/%h-cf_key-cert.pub\n  IdentitiesOnly yes\n  BatchMode yes\n  User {user}\n",
            kh = w.known_hosts.display(),
            cf = cf.display(),
            user = whoami()
        ),
    )
    .unwrap();
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    expire_the_certificate(&w);
    let lock = cf.join(format!("{SSH_HOST}-{}-token.lock", w.edge.aud(SSH_HOST)));
    std::fs::write(&lock, "").unwrap();
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12));
    assert_eq!(verdict(&v, "certificate")["status"], "fail", "{v:#}");
    assert!(
        verdict(&v, "certificate")["detail"]
            .as_str()
            .unwrap()
            .contains("expired")
    );
    assert_eq!(verdict(&v, "locks")["status"], "fail");
    let (out, v) = doctor(&w, &["--fix"]);
    assert_eq!(verdict(&v, "certificate")["status"], "fixed", "{v:#}");
    assert_eq!(verdict(&v, "locks")["status"], "fixed", "{v:#}");
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let mut ssh = w.tool("ssh");
    ssh.arg("-F")
        .arg(&cfg)
        .arg(SSH_HOST)
        .arg("echo fixed-by-doctor");
    let out = run(&mut ssh);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "fixed-by-doctor\n");
}

#[test]
fn a_certificate_for_another_principal_is_named() {
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = "bob@example.com".into();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    let cfg = w.tmp.path().join("doctor_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  UserKnownHostsFile {}\n  CertificateFile {}/%h-cf_key-cert.pub\n  User {}\n",
            zssh_bin().display(),
            w.known_hosts.display(),
            w.cloudflared_dir().display(),
            whoami()
        ),
    )
    .unwrap();
    let (_, v) = doctor(&w, &[]);
    let c = verdict(&v, "certificate");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(
        c["detail"].as_str().unwrap().contains("principal(s) bob"),
        "{c:#}"
    );
    // `ssh bob@HOST` logs in as bob whatever User says: so does the doctor's view of it.
    let out = run(&mut w.zssh(&[
        "doctor",
        &format!("bob@{SSH_HOST}"),
        "--json",
        "-F",
        cfg.to_str().unwrap(),
    ]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict(&v, "certificate")["status"], "ok", "{v:#}");
}

#[test]
fn cert_sign_failures_are_verdicts() {
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let cfg = w.tmp.path().join("doctor_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  UserKnownHostsFile {}\n  CertificateFile {}/%h-cf_key-cert.pub\n",
            zssh_bin().display(),
            w.known_hosts.display(),
            w.cloudflared_dir().display()
        ),
    )
    .unwrap();
    let (_, v) = doctor(&w, &[]);
    assert_eq!(verdict(&v, "signing")["status"], "ok", "{v:#}");
    w.edge.knobs.sign_fail.store(true, Ordering::SeqCst);
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12));
    assert!(
        verdict(&v, "signing")["detail"]
            .as_str()
            .unwrap()
            .contains("500: failed to sign certificate"),
        "{v:#}"
    );
    w.edge.knobs.sign_fail.store(false, Ordering::SeqCst);
    w.edge.knobs.sign_non_json.store(true, Ordering::SeqCst);
    let (_, v) = doctor(&w, &[]);
    assert!(
        verdict(&v, "signing")["detail"]
            .as_str()
            .unwrap()
            .contains("not JSON"),
        "{v:#}"
    );
}

/// Issue 9 item 5: doctor checks the names and files ssh checks: the HostKeyAlias and every
/// UserKnownHostsFile (it used to look at the first file only).
#[test]
fn known_hosts_verdict_follows_every_file_ssh_reads() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let empty = w.tmp.path().join("kh_first");
    std::fs::write(&empty, "").unwrap();
    std::fs::write(&w.known_hosts, format!("box.zssh {}\n", w.sshd.host_pub)).unwrap();
    let cfg = w.tmp.path().join("doctor_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  HostKeyAlias box.zssh\n  UserKnownHostsFile {} {}\n",
            zssh_bin().display(),
            empty.display(),
            w.known_hosts.display()
        ),
    )
    .unwrap();
    let (_, v) = doctor(&w, &[]);
    let kh = verdict(&v, "known_hosts");
    assert_eq!(kh["status"], "ok", "{v:#}");
    assert!(
        kh["detail"]
            .as_str()
            .unwrap()
            .contains("stored as box.zssh"),
        "{v:#}"
    );
    // A stale key under the alias: the fix names the same config.
    std::fs::write(
        &w.known_hosts,
        "box.zssh ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    )
    .unwrap();
    let (_, v) = doctor(&w, &[]);
    let kh = verdict(&v, "known_hosts");
    assert_eq!(kh["status"], "fail", "{v:#}");
    let fix = kh["fix"].as_str().unwrap();
    assert!(fix.contains("--ssh-config"), "{fix}");
}

/// ZSSH_CONNECT_TO sending the app host to a name the resolver refuses without asking anyone (a
/// label longer than DNS allows): DNS fails here, with no packet leaving the machine.
fn unresolvable(w: &World) -> String {
    format!(
        "{SSH_HOST}:443:{}.test:443,{}",
        "a".repeat(70),
        w.connect_to()
    )
}

/// ZSSH_CONNECT_TO sending the app host to a loopback port where nothing listens.
fn closed_port(w: &World) -> String {
    format!(
        "{SSH_HOST}:443:127.0.0.1:{},{}",
        free_port(),
        w.connect_to()
    )
}

/// Every verdict: (check, status, detail, fix).
fn verdicts(v: &serde_json::Value) -> Vec<(String, String, String, String)> {
    let s = |c: &serde_json::Value, k: &str| c[k].as_str().unwrap_or("").to_string();
    v["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks in {v:#}"))
        .iter()
        .map(|c| (s(c, "check"), s(c, "status"), s(c, "detail"), s(c, "fix")))
        .collect()
}

/// What no user-facing text of doctor, proxy, login or cert says (issue 14 item 4):
/// cloudflared's jargon, the WebSocket scheme, an unfilled placeholder.
/// Doctor's report in plain words, and no fix that sends the user to doctor itself.
fn assert_plain_report(v: &serde_json::Value, shown: &str) {
    for (check, status, _, fix) in verdicts(v) {
        assert!(
            !fix.contains("doctor"),
            "{check} ({status}) sends the user to doctor: {fix}"
        );
    }
    assert_plain_words(shown);
}

fn assert_plain_words(shown: &str) {
    for jargon in [
        "app info",
        "wss://",
        "failed to get",
        " HOST ",
        " HOST)",
        "HOST explains",
    ] {
        assert!(!shown.contains(jargon), "{jargon:?} in:\n{shown}");
    }
}

/// Issue 14 item 5: a name that does not resolve fails the dns layer, and every layer above it is
/// listed as skipped with why, in the text and in --json, with exit 12 (not 1, "unexpected").
#[test]
fn dns_failure_lists_the_layers_it_kept_from_being_checked() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json"]);
    cmd.env("ZSSH_CONNECT_TO", unresolvable(&w));
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    assert_eq!(
        (&v["result"], &v["exit"]),
        (&"fail".into(), &12.into()),
        "{v:#}"
    );
    assert_eq!(v["host"], SSH_HOST, "{v:#}");
    let dns = verdict(&v, "dns");
    assert_eq!(dns["status"], "fail", "{v:#}");
    let detail = dns["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!("cannot reach https://{SSH_HOST}: cannot resolve ")),
        "{detail}"
    );
    assert_eq!(
        dns["fix"], "check the hostname's spelling and your DNS",
        "{v:#}"
    );
    let want = [
        ("tcp", "DNS failed, so no TCP connection was tried"),
        ("tls", "no TCP connection, so no TLS handshake was tried"),
        (
            "handshake",
            "the edge was not reached (dns failed), so no WebSocket upgrade was tried",
        ),
        ("clock", "the edge was not reached (dns failed)"),
        (
            "discovery",
            "the edge was not reached (dns failed), so no application was asked for",
        ),
        ("known_hosts", "which was not reached (dns failed)"),
    ];
    for (check, why) in want {
        let c = verdict(&v, check);
        assert_eq!(c["status"], "skip", "{check}: {v:#}");
        assert!(
            c["detail"].as_str().unwrap().contains(why),
            "{check}: {c:#}"
        );
    }
    // No identity was ever proven here: which token to look at is unknown, and said so.
    for check in ["token", "locks"] {
        let c = verdict(&v, check);
        assert_eq!(c["status"], "skip", "{check}: {v:#}");
        assert!(
            c["detail"]
                .as_str()
                .unwrap()
                .contains("comes from discovery"),
            "{c:#}"
        );
    }
    assert_plain_report(&v, &text(&out.stdout));
    // The text report: one line per layer, the skipped ones with why.
    let mut cmd = w.zssh(&["doctor", SSH_HOST]);
    cmd.env("ZSSH_CONNECT_TO", unresolvable(&w));
    let out = run(&mut cmd);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(12), "{report}");
    assert!(
        report.lines().any(|l| l.starts_with("FAIL  dns ")),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.starts_with("skip  tcp ")
            && l.ends_with("DNS failed, so no TCP connection was tried")),
        "{report}"
    );
    assert!(
        report.lines().any(|l| l.starts_with("skip  known_hosts ")),
        "{report}"
    );
    assert!(!report.contains("doctor"), "{report}");
    assert_plain_words(&report);
}

/// Issue 14 item 5: a closed port fails the tcp layer; what does not need the edge still runs:
/// the cached token (for the application proven earlier) and the locks, whose own failure shows.
#[test]
fn a_closed_port_fails_tcp_and_the_local_layers_still_run() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    // An ssh through zssh proves the application (and remembers it).
    let out = run(&mut w.ssh(SSH_HOST, "", "true"));
    assert_ok(&out);
    let lock = w
        .cloudflared_dir()
        .join(format!("{SSH_HOST}-{}-token.lock", w.edge.aud(SSH_HOST)));
    std::fs::write(&lock, "{\"pid\":999999,\"start_time\":1}\n").unwrap();
    let cfg = w.tmp.path().join("doctor_ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  UserKnownHostsFile {}\n",
            zssh_bin().display(),
            w.known_hosts.display()
        ),
    )
    .unwrap();
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json", "-F", cfg.to_str().unwrap()]);
    cmd.env("ZSSH_CONNECT_TO", closed_port(&w));
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    assert_eq!(v["exit"], 12, "{v:#}");
    let got: Vec<(String, String)> = verdicts(&v)
        .into_iter()
        .map(|(c, s, _, _)| (c, s))
        .collect();
    let want = [
        ("ssh config", "ok"),
        ("openssh", "ok"),
        ("proxy", "ok"),
        ("environment", "ok"),
        ("dns", "ok"),
        ("tcp", "fail"),
        ("tls", "skip"),
        ("handshake", "skip"),
        ("clock", "skip"),
        ("discovery", "skip"),
        ("token", "ok"),
        ("locks", "fail"),
        ("certificate", "skip"),
        ("known_hosts", "skip"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(c, s)| (c.to_string(), s.to_string()))
        .collect();
    assert_eq!(got, want, "{v:#}");
    let tcp = verdict(&v, "tcp");
    assert!(
        tcp["detail"].as_str().unwrap().starts_with(&format!(
            "cannot reach https://{SSH_HOST}: cannot connect to "
        )),
        "{tcp:#}"
    );
    assert!(
        verdict(&v, "discovery")["detail"]
            .as_str()
            .unwrap()
            .contains("as its signed metadata proved it earlier"),
        "{v:#}"
    );
    assert!(
        verdict(&v, "token")["detail"]
            .as_str()
            .unwrap()
            .contains("not tried at the edge: it was not reached (tcp failed)"),
        "{v:#}"
    );
    assert_plain_report(&v, &text(&out.stdout));
}

/// Issue 14 item 4: proxy, login and cert name an unreachable application as the user knows it
/// (https://HOST), in plain words, with the hint's host filled in.
#[test]
fn unreachable_hosts_are_named_as_https_with_the_host_in_the_hint() {
    let w = World::new();
    let commands: [&[&str]; 3] = [
        &["proxy", "--hostname", SSH_HOST],
        &["login", SSH_HOST],
        &["cert", "--hostname", SSH_HOST],
    ];
    let cases = [
        (
            closed_port(&w),
            "cannot connect to ",
            "check your network connection and that the host is reachable on its port",
        ),
        (
            unresolvable(&w),
            "cannot resolve ",
            "check the hostname's spelling and your DNS",
        ),
    ];
    for args in commands {
        for (connect_to, what, hint) in &cases {
            let mut cmd = w.zssh(args);
            cmd.env("ZSSH_CONNECT_TO", connect_to)
                .stdin(std::process::Stdio::null());
            let out = run(&mut cmd);
            let err = text(&out.stderr);
            assert_zssh_error(&out, 5, &format!("cannot reach https://{SSH_HOST}: {what}"));
            assert!(
                err.contains(&format!(
                    "zssh: hint: {hint} (zssh doctor {SSH_HOST} explains more)\n"
                )),
                "{args:?}: {err}"
            );
            assert_plain_words(&err);
            assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        }
    }
}

/// Through an HTTP proxy the proxy resolves the name and its tunnel is the tcp layer: doctor says
/// so when it works, and when the proxy refuses, dns is not claimed to have failed or passed.
#[test]
fn through_a_proxy_the_tcp_layer_is_its_tunnel() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let proxy = ConnectProxy::start();
    let shown = format!("{} (from HTTPS_PROXY)", proxy.addr);
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json"]);
    cmd.env("HTTPS_PROXY", format!("http://{}", proxy.addr));
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dns = verdict(&v, "dns");
    assert_eq!(dns["status"], "ok", "{v:#}");
    assert_eq!(
        dns["detail"],
        format!("{SSH_HOST} is resolved by the proxy {shown}")
    );
    let tcp = verdict(&v, "tcp");
    assert_eq!(tcp["status"], "ok", "{v:#}");
    assert!(
        tcp["detail"].as_str().unwrap().contains("opened a tunnel"),
        "{tcp:#}"
    );
    assert_eq!(verdict(&v, "tls")["status"], "ok", "{v:#}");
    assert!(proxy.connects() >= 1);
    // A proxy that refuses the CONNECT.
    let refusing = ConnectProxy::start_with(None, b"HTTP/1.1 403 Forbidden\r\n\r\n");
    let shown = format!("{} (from HTTPS_PROXY)", refusing.addr);
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json"]);
    cmd.env("HTTPS_PROXY", format!("http://{}", refusing.addr));
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    let dns = verdict(&v, "dns");
    assert_eq!(dns["status"], "skip", "{v:#}");
    assert_eq!(
        dns["detail"],
        format!("the proxy {shown} resolves {SSH_HOST}; its answer is under tcp")
    );
    let tcp = verdict(&v, "tcp");
    assert_eq!(tcp["status"], "fail", "{v:#}");
    assert!(tcp["detail"].as_str().unwrap().contains("403"), "{tcp:#}");
    assert_eq!(verdict(&v, "tls")["status"], "skip", "{v:#}");
}

/// Writes an ssh config for the doctor under test; returns its path.
fn ssh_config(w: &World, name: &str, body: &str) -> std::path::PathBuf {
    let cfg = w.tmp.path().join(name);
    std::fs::write(&cfg, body).unwrap();
    cfg
}

/// `zssh doctor ARGS --json -F CFG` with `env`: the exit code and the report.
fn doctor_with(
    w: &World,
    args: &[&str],
    cfg: &std::path::Path,
    env: &[(&str, &str)],
) -> (std::process::Output, serde_json::Value) {
    let mut all = vec!["doctor", "--json", "-F", cfg.to_str().unwrap()];
    all.extend_from_slice(args);
    let mut cmd = w.zssh(&all);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = run(&mut cmd);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?} {env:?}: no JSON report ({e}): exit {:?}\n{}\n{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    assert_eq!(
        v["exit"].as_i64(),
        out.status.code().map(i64::from),
        "{args:?} {env:?}: {v:#}"
    );
    (out, v)
}

fn status<'a>(v: &'a serde_json::Value, check: &str) -> &'a str {
    verdict(v, check)["status"].as_str().unwrap()
}

/// Issue 14 (adversarial M1): the config `zssh config --short-lived-cert` writes has ssh -G run
/// `zssh cert` (Match exec). Doctor's ssh -G and its known-hosts child must not renew anything:
/// the certificate stays as it was, and the only cert_sign the edge sees is doctor's own signing
/// check (a throwaway key); the Match still applies, so the certificate is still checked.
#[test]
fn doctor_probes_never_renew_the_certificate() {
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let z = zssh_bin().display().to_string();
    let cf = w.cloudflared_dir();
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    // Expire it (signed by another CA, long ago): `zssh cert` run for real would renew it.
    expire_the_certificate(&w);
    let cert = cf.join(format!("{SSH_HOST}-cf_key-cert.pub"));
    let before = (
        std::fs::read(&cert).unwrap(),
        std::fs::metadata(&cert).unwrap().modified().unwrap(),
    );
    let signs = || w.edge.count(|r| r.kind == Kind::CertSign);
    let signed_before = signs();
    let cfg = ssh_config(
        &w,
        "short_lived_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {z} proxy --hostname %h\n  UserKnownHostsFile {kh}\n\
             Match host {SSH_HOST} exec \"{z} cert --hostname %h\"\n  IdentityFile {cf}/%h-cf_key\n  CertificateFile {cf}/%h-cf_key-cert.pub\n",
            kh = w.known_hosts.display(),
            cf = cf.display()
        ),
    );
    let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &[]);
    let after = (
        std::fs::read(&cert).unwrap(),
        std::fs::metadata(&cert).unwrap().modified().unwrap(),
    );
    assert!(before == after, "doctor renewed the certificate: {v:#}");
    assert_eq!(
        signs() - signed_before,
        1,
        "only doctor's signing check may ask for a signature: {v:#}"
    );
    assert_eq!(status(&v, "signing"), "ok", "{v:#}");
    // The Match applied: the expired certificate is what doctor reports.
    let c = verdict(&v, "certificate");
    assert_eq!(c["status"], "fail", "{v:#}");
    assert!(c["detail"].as_str().unwrap().contains("expired"), "{c:#}");
    assert_eq!(out.status.code(), Some(12));
}

/// Issue 14 (adversarial M2): a bad environment is the verdict of the layer it concerns, with a
/// fix that names no flag doctor lacks; the other layers still run or are skipped with why; exit
/// 12 and a JSON report (it used to abort with exit 2 and nothing on stdout).
#[test]
fn a_bad_environment_is_a_verdict_not_an_abort() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let cfg = ssh_config(
        &w,
        "env_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy --hostname %h\n  UserKnownHostsFile {}\n",
            zssh_bin().display(),
            w.known_hosts.display()
        ),
    );
    // (variable, value, failing check, whether the edge is still reached)
    let cases = [
        ("HTTPS_PROXY", "socks5://127.0.0.1:1", "proxy", false),
        ("HTTPS_PROXY", "http://[bad", "proxy", false),
        ("ZSSH_CONNECT_TO", "garbage", "environment", false),
        (
            "TUNNEL_SERVICE_TOKEN_ID",
            "ci-bot.access",
            "environment",
            true,
        ),
        (
            "TUNNEL_SERVICE_DESTINATION",
            "bad dest",
            "environment",
            true,
        ),
        ("ZSSH_TOKEN_STORE", "bogus", "environment", true),
    ];
    for (var, value, check, reached) in cases {
        let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &[(var, value)]);
        let case = format!("{var}={value}");
        assert_eq!(out.status.code(), Some(12), "{case}: {v:#}");
        assert_eq!(status(&v, check), "fail", "{case}: {v:#}");
        let fix = verdict(&v, check)["fix"].as_str().unwrap();
        assert!(!fix.contains("--service-token"), "{case}: {fix}");
        assert!(!fix.contains("--destination 10"), "{case}: {fix}");
        assert_eq!(status(&v, "ssh config"), "ok", "{case}: {v:#}");
        assert_eq!(status(&v, "openssh"), "ok", "{case}: {v:#}");
        if reached {
            assert_eq!(status(&v, "tls"), "ok", "{case}: {v:#}");
            assert_eq!(status(&v, "discovery"), "ok", "{case}: {v:#}");
        } else {
            let dns = verdict(&v, "dns");
            assert_eq!(dns["status"], "skip", "{case}: {v:#}");
            assert!(
                dns["detail"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("{check} failed")),
                "{case}: {dns:#}"
            );
        }
        assert_plain_report(&v, &text(&out.stdout));
    }
    // An invalid application host derived from the ssh config: a host verdict, not a usage
    // error (the local layers still run), whose fix points at the config.
    let bad = ssh_config(
        &w,
        "bad_app_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy ftp://%h\n",
            zssh_bin().display()
        ),
    );
    let (out, v) = doctor_with(&w, &[SSH_HOST], &bad, &[]);
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    assert_eq!(status(&v, "host"), "fail", "{v:#}");
    assert!(
        verdict(&v, "host")["fix"]
            .as_str()
            .unwrap()
            .contains("the host the ProxyCommand names"),
        "{v:#}"
    );
    assert_eq!(status(&v, "openssh"), "ok", "{v:#}");
    assert_eq!(status(&v, "environment"), "ok", "{v:#}");
    assert_eq!(status(&v, "dns"), "skip", "{v:#}");
    assert_eq!(status(&v, "known_hosts"), "skip", "{v:#}");
    // What was typed, refused as every command refuses it: a usage error, nothing on stdout.
    let out = run(&mut w.zssh(&["doctor", "a b", "--json"]));
    assert_zssh_error(&out, 2, "invalid hostname \"a b\"");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

/// Issue 14 (adversarial L4): the ProxyCommand doctor shows never carries a secret, whichever
/// spelling passes it; and doctor's handshake sends the service token the ProxyCommand names,
/// as zssh proxy does.
#[test]
fn proxy_command_secrets_are_redacted_and_used() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "s3cr3t-A1".into())];
        cfg.app(app)
    });
    let z = zssh_bin().display().to_string();
    let variants = [
        (
            format!(
                "{z} proxy --service-token-id ci-bot.access --service-token-secret s3cr3t-A1 %h"
            ),
            "s3cr3t-A1",
        ),
        (
            format!("{z} proxy --id ci-bot.access --secret=s3cr3t-B2 --hostname %h"),
            "s3cr3t-B2",
        ),
        (
            "cloudflared access ssh --hostname %h -secret s3cr3t-C3".to_string(),
            "s3cr3t-C3",
        ),
        (
            format!("env TUNNEL_SERVICE_TOKEN_SECRET=s3cr3t-D4 {z} proxy %h"),
            "s3cr3t-D4",
        ),
    ];
    for (i, (pc, secret)) in variants.iter().enumerate() {
        let cfg = ssh_config(
            &w,
            &format!("secret_config_{i}"),
            &format!("Host {SSH_HOST}\n  ProxyCommand {pc}\n"),
        );
        let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &[]);
        let json = text(&out.stdout);
        assert!(!json.contains(secret), "{pc}: {json}");
        assert!(
            verdict(&v, "ssh config")["detail"]
                .as_str()
                .unwrap()
                .contains("[redacted]"),
            "{pc}: {v:#}"
        );
        let mut cmd = w.zssh(&["doctor", SSH_HOST, "-F", cfg.to_str().unwrap()]);
        let out = run(&mut cmd);
        let report = text(&out.stdout) + &text(&out.stderr);
        assert!(!report.contains(secret), "{pc}: {report}");
        if i == 0 {
            // The right service token, from the ProxyCommand: the edge opens the tunnel.
            let h = verdict(&v, "handshake");
            assert_eq!(h["status"], "ok", "{v:#}");
            assert!(
                h["detail"].as_str().unwrap().contains("opened the tunnel"),
                "{h:#}"
            );
        }
    }
}

/// Issue 14 (adversarial M4): doctor checks the application ssh's ProxyCommand contacts, not
/// the alias typed: `%h` is the HostName, a positional or --hostname argument names it.
#[test]
fn doctor_checks_the_application_the_proxy_command_names() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let z = zssh_bin().display().to_string();
    let cfg = ssh_config(
        &w,
        "alias_config",
        &format!(
            "Host alias1\n  HostName {SSH_HOST}\n  ProxyCommand {z} proxy --hostname %h\n\
             Host alias2\n  ProxyCommand {z} proxy {SSH_HOST}\n\
             Host alias3\n  HostName {SSH_HOST}\n  ProxyCommand {z} access ssh --hostname=%h\n"
        ),
    );
    for alias in ["alias1", "alias2", "alias3"] {
        let (_, v) = doctor_with(&w, &[alias], &cfg, &[]);
        for check in ["dns", "tcp", "tls", "handshake", "discovery", "token"] {
            assert_eq!(status(&v, check), "ok", "{alias} {check}: {v:#}");
        }
        let detail = verdict(&v, "ssh config")["detail"].as_str().unwrap();
        assert!(
            detail.contains(&format!("the application checked below is {SSH_HOST}")),
            "{alias}: {detail}"
        );
    }
}

/// Issue 14 (adversarial M3): with a service token in the environment, doctor's upgrade carries
/// it, and a login redirect is the edge refusing it (zssh proxy exits 3 there), not "ok".
#[test]
fn a_refused_service_token_fails_the_handshake() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "right-secret".into())];
        cfg.app(app)
    });
    let cfg = ssh_config(
        &w,
        "st_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy %h\n  UserKnownHostsFile {}\n",
            zssh_bin().display(),
            w.known_hosts.display()
        ),
    );
    w.trust_host(SSH_HOST);
    let env = [
        ("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access"),
        ("TUNNEL_SERVICE_TOKEN_SECRET", "wrong-secret-xyz"),
    ];
    let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &env);
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    let h = verdict(&v, "handshake");
    assert_eq!(h["status"], "fail", "{v:#}");
    assert!(
        h["detail"]
            .as_str()
            .unwrap()
            .contains("refused the service token ci-bot.access"),
        "{h:#}"
    );
    assert!(
        h["fix"].as_str().unwrap().contains("Service Auth policy"),
        "{h:#}"
    );
    assert!(!text(&out.stdout).contains("wrong-secret-xyz"));
    // The right one: the edge opens the tunnel.
    let (out, v) = doctor_with(
        &w,
        &[SSH_HOST],
        &cfg,
        &[env[0], ("TUNNEL_SERVICE_TOKEN_SECRET", "right-secret")],
    );
    assert_eq!(status(&v, "handshake"), "ok", "{v:#}");
    assert_eq!(out.status.code(), Some(0), "{v:#}");
}

/// Issue 14 (adversarial L1): a ProxyCommand that is neither zssh nor cloudflared (a wrapper),
/// or a ProxyJump, is named and warned about, not called "connects directly"; a certificate
/// file ssh does not offer is not judged.
#[test]
fn wrappers_and_jump_hosts_are_named_and_an_unused_certificate_is_not_judged() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let wrapper = w.tmp.path().join("to-edge.sh");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec {} proxy \"$@\"\n", zssh_bin().display()),
    )
    .unwrap();
    set_mode(&wrapper, 0o755);
    // A certificate for another principal than ssh's user, which ssh is not told to offer.
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    let cfg = ssh_config(
        &w,
        "wrapper_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {} %h\n  UserKnownHostsFile {}\n\
             Host jumped\n  HostName {SSH_HOST}\n  ProxyJump bastion.invalid\n",
            wrapper.display(),
            w.known_hosts.display()
        ),
    );
    let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &[]);
    let c = verdict(&v, "ssh config");
    assert_eq!(c["status"], "warn", "{v:#}");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains(&wrapper.display().to_string()),
        "{c:#}"
    );
    let cert = verdict(&v, "certificate");
    assert_eq!(cert["status"], "skip", "{v:#}");
    assert!(
        cert["detail"]
            .as_str()
            .unwrap()
            .contains("ssh does not offer it"),
        "{cert:#}"
    );
    assert_eq!(out.status.code(), Some(0), "{v:#}");
    let (_, v) = doctor_with(&w, &["jumped"], &cfg, &[]);
    let c = verdict(&v, "ssh config");
    assert_eq!(c["status"], "warn", "{v:#}");
    assert!(
        c["detail"].as_str().unwrap().contains("bastion.invalid"),
        "{c:#}"
    );
}

/// Issue 14 (adversarial): a host that starts with '-' reaches ssh -G as a host, not an option;
/// ssh's several lines of complaint are one verdict line; invisible characters in a host are
/// shown escaped; a report that cannot be written is an error (exit 7), not silence.
#[test]
fn odd_hosts_and_outputs_are_reported_plainly() {
    let w = World::new();
    let bad = ssh_config(&w, "bad_config", "Host x\n  NoSuchOption yes\n");
    let (out, v) = doctor_with(&w, &[SSH_HOST], &bad, &[]);
    let c = verdict(&v, "ssh config");
    assert_eq!(c["status"], "fail", "{v:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(!detail.contains('\n'), "{detail:?}");
    assert!(
        detail.contains("Bad configuration option") && detail.contains("terminating"),
        "{detail}"
    );
    assert_eq!(out.status.code(), Some(12));
    let cfg = ssh_config(&w, "empty_config", "");
    let (_, v) = doctor_with(&w, &["--", "-oHostName=elsewhere"], &cfg, &[]);
    let c = verdict(&v, "ssh config");
    assert!(
        c["detail"]
            .as_str()
            .unwrap()
            .contains("hostname contains invalid characters"),
        "{c:#}"
    );
    // A zero-width space in the host: shown, escaped.
    let out = run(&mut w.zssh(&[
        "doctor",
        "ssh.test\u{200b}.example",
        "-F",
        cfg.to_str().unwrap(),
    ]));
    let report = text(&out.stdout);
    assert!(!report.contains('\u{200b}'), "{report}");
    assert!(report.contains("ssh.test\\u{200b}.example"), "{report}");
    // stdout on a full device.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let mut cmd = w.zssh(&["doctor", SSH_HOST, "--json", "-F", cfg.to_str().unwrap()]);
    cmd.stdout(full);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("zssh: error: cannot write the report"),
        "{}",
        text(&out.stderr)
    );
}

/// Issue 14 (adversarial L3): a plain-HTTP server where the edge should be is named as such,
/// not as a certificate problem, and in plain words (no rustls Debug names).
#[test]
fn a_plain_http_server_on_the_port_is_not_called_a_certificate_problem() {
    let w = World::new();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = std::thread::spawn(move || {
        // Doctor connects once (the dial of its network check); answer it as a web server would.
        if let Ok((mut s, _)) = listener.accept() {
            use std::io::Write;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    let cfg = ssh_config(
        &w,
        "http_config",
        &format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy %h\n",
            zssh_bin().display()
        ),
    );
    let connect_to = format!("{SSH_HOST}:443:127.0.0.1:{}", addr.port());
    let (out, v) = doctor_with(&w, &[SSH_HOST], &cfg, &[("ZSSH_CONNECT_TO", &connect_to)]);
    server.join().unwrap();
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    let tls = verdict(&v, "tls");
    assert_eq!(tls["status"], "fail", "{v:#}");
    let (detail, fix) = (
        tls["detail"].as_str().unwrap(),
        tls["fix"].as_str().unwrap(),
    );
    assert!(detail.contains("does not speak TLS"), "{detail}");
    assert!(!detail.contains("InvalidContentType"), "{detail}");
    assert!(!fix.contains("certificate"), "{fix}");
    assert_eq!(status(&v, "handshake"), "skip", "{v:#}");
}

/// Issue 14 (adversarial L3): a known_hosts check that could not fetch the key (the tunnel went
/// silent) is not a known_hosts entry to repair: the fix is the check's own, and the detail says
/// what happened.
#[test]
fn a_host_key_fetch_that_stalls_is_not_sent_to_repair() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    w.edge.knobs.drop_after_bytes.store(1, Ordering::SeqCst);
    w.edge.knobs.freeze.store(true, Ordering::SeqCst);
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    let kh = verdict(&v, "known_hosts");
    assert_eq!(kh["status"], "fail", "{v:#}");
    let (detail, fix) = (kh["detail"].as_str().unwrap(), kh["fix"].as_str().unwrap());
    assert!(!fix.contains("known-hosts repair"), "{fix}");
    assert!(!detail.is_empty() && !fix.is_empty(), "{kh:#}");
    assert_plain_report(&v, &text(&out.stdout));
}

/// Issue 14 (adversarial L5): one stalled edge reads the same limit in every verdict it fails,
/// and the fix names no flag doctor lacks.
#[test]
fn a_stalled_edge_reads_one_limit() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.edge.knobs.stall.store(true, Ordering::SeqCst);
    let (out, v) = doctor(&w, &[]);
    assert_eq!(out.status.code(), Some(12), "{v:#}");
    for check in ["handshake", "discovery"] {
        let c = verdict(&v, check);
        assert_eq!(c["status"], "fail", "{v:#}");
        assert!(
            c["detail"].as_str().unwrap().contains("within 7s"),
            "{check}: {c:#}"
        );
        assert!(
            !c["fix"].as_str().unwrap().contains("--connect-timeout"),
            "{check}: {c:#}"
        );
    }
}

/// ssh offers a certificate of its own file (a key the user had certified elsewhere), while the
/// one zssh cert keeps has expired: doctor does not fail, nor would --fix renew, a file ssh never
/// uses; it says which file ssh offers.
#[test]
fn a_certificate_ssh_does_not_offer_is_not_judged() {
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut w.zssh(&["cert", SSH_HOST])));
    expire_the_certificate(&w);
    let other = w.tmp.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let cfg = w.tmp.path().join("other_cert_config");
    std::fs::write(
        &cfg,
        format!(
            "Host {SSH_HOST}\n  ProxyCommand {} proxy %h\n  UserKnownHostsFile {}\n  CertificateFile {}/%h-cf_key-cert.pub\n",
            zssh_bin().display(),
            w.known_hosts.display(),
            other.display()
        ),
    )
    .unwrap();
    let out = run(&mut w.zssh(&["doctor", SSH_HOST, "--json", "-F", cfg.to_str().unwrap()]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let c = verdict(&v, "certificate");
    assert_eq!(c["status"], "skip", "{v:#}");
    let detail = c["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{}/{SSH_HOST}-cf_key-cert.pub", other.display()))
            && detail.contains("not judged"),
        "{detail}"
    );
}
