//! `zssh proxy` carrying real ssh through the local Access edge into a real sshd.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::*;

#[test]
fn ssh_runs_a_remote_command_with_a_cached_token() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let out = run(&mut w.ssh(SSH_HOST, "", "echo hello-from-sshd"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "hello-from-sshd\n");
    // The Access dance as cloudflared does it: refused dial, discovery, token dial.
    let kinds: Vec<(Kind, u16)> = w
        .edge
        .requests()
        .into_iter()
        .filter(|r| r.host.starts_with(SSH_HOST))
        .map(|r| (r.kind, r.status))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (Kind::Upgrade, 302),
            (Kind::Metadata, 302),
            (Kind::Upgrade, 101)
        ],
        "{kinds:?}"
    );
    let upgrades: Vec<_> = w
        .edge
        .requests()
        .into_iter()
        .filter(|r| r.kind == Kind::Upgrade)
        .collect();
    let has = |r: &zssh_test_edge::RequestRecord, name: &str| {
        r.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
    };
    assert!(!has(&upgrades[0], "cf-access-token"));
    assert!(has(&upgrades[1], "cf-access-token"));
    // The JWKS was fetched once and cached where cloudflared keeps it.
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 1);
    assert!(
        w.cloudflared_dir()
            .join(format!("{}-jwks", w.edge.team()))
            .exists()
    );
}

#[test]
fn jwks_cache_is_reused_across_connections() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    for _ in 0..2 {
        // Each run discovers the application afresh (nothing remembered from the last one).
        w.forget_verified_apps();
        assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    }
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 1);
    assert_eq!(w.edge.count(|r| r.kind == Kind::Metadata), 2);
}

#[test]
fn a_legacy_only_app_is_refused_without_sending_the_token() {
    // An edge that only redirects (no signed metadata) cannot prove which application it is:
    // the unsigned redirect is not followed and the cached token stays home, untouched.
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.discovery = Discovery::Legacy;
        cfg.app(app)
    });
    let token = w.seed_token(SSH_HOST, 3600);
    let before = std::fs::read(&token).unwrap();
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 6, "is not an Access application zssh can trust");
    assert_eq!(w.edge.count(|r| r.kind == Kind::TeamLogin), 0);
    assert_eq!(
        w.edge.count(|r| r.header("cf-access-token").is_some()),
        0,
        "no request carried the token"
    );
    assert_eq!(std::fs::read(&token).unwrap(), before);
}

fn sha256(path: &std::path::Path) -> String {
    let out = run(Command::new("sha256sum").arg(path));
    text(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn scp_50_mb_both_ways() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let src = w.tmp.path().join("random.bin");
    let mut f = std::fs::File::create(&src).unwrap();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15 ^ std::process::id() as u64;
    let mut buf = vec![0u8; 1 << 20];
    for _ in 0..50 {
        for b in buf.chunks_mut(8) {
            // xorshift: random enough that compression cannot help.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            b.copy_from_slice(&state.to_le_bytes()[..b.len()]);
        }
        f.write_all(&buf).unwrap();
    }
    drop(f);
    let up = w.tmp.path().join("uploaded.bin");
    let down = w.tmp.path().join("downloaded.bin");
    let proxy = format!("{} proxy --hostname %h", zssh_bin().display());
    let user = whoami();
    let mut scp = w.tool("scp");
    scp.args(w.ssh_opts(&proxy))
        .arg(&src)
        .arg(format!("{user}@{SSH_HOST}:{}", up.display()));
    assert_ok(&run(&mut scp));
    let mut scp = w.tool("scp");
    scp.args(w.ssh_opts(&proxy))
        .arg(format!("{user}@{SSH_HOST}:{}", up.display()))
        .arg(&down);
    assert_ok(&run(&mut scp));
    let want = sha256(&src);
    assert_eq!(sha256(&up), want);
    assert_eq!(sha256(&down), want);
    assert_eq!(std::fs::metadata(&down).unwrap().len(), 50 << 20);
}

#[test]
fn service_token_connects_without_discovery_or_files() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "s3cr3t-value-0123".into())];
        cfg.app(app)
    });
    let mut cmd = w.ssh(SSH_HOST, "", "echo via-service-token");
    cmd.env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access")
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "s3cr3t-value-0123");
    let out = run(&mut cmd);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "via-service-token\n");
    assert_eq!(w.edge.count(|r| r.kind == Kind::Metadata), 0);
    assert_eq!(w.edge.count(|r| r.kind == Kind::Upgrade), 1);
    assert!(
        !w.cloudflared_dir().exists(),
        "no ~/.cloudflared for service tokens"
    );
}

#[test]
fn refused_service_token_is_named_and_no_browser_opens() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "right-secret".into())];
        cfg.app(app)
    });
    let marker = w.tmp.path().join("browser-opened");
    let browser = w.tmp.path().join("browser.sh");
    std::fs::write(&browser, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    set_mode(&browser, 0o755);
    let out = run(w
        .zssh(&["proxy", "--hostname", SSH_HOST, "--id", "ci-bot.access"])
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "wrong-secret-xyz")
        .env("BROWSER", &browser));
    assert_zssh_error(&out, 3, "refused the service token ci-bot.access");
    assert!(out.stdout.is_empty());
    assert!(!marker.exists(), "a browser was opened");
    assert!(
        !text(&out.stderr).contains("wrong-secret-xyz"),
        "secret leaked"
    );
}

#[test]
fn bastion_destination() {
    let w = World::build(|cfg, _| cfg.app(AppConfig::new("bastion.test.example", Origin::Bastion)));
    w.seed_token("bastion.test.example", 3600);
    let dest = w.sshd.addr.to_string();
    let out = run(&mut w.ssh(
        "bastion.test.example",
        &format!("--destination {dest}"),
        "echo through-bastion",
    ));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "through-bastion\n");
    let upgrade = w
        .edge
        .requests()
        .into_iter()
        .find(|r| r.kind == Kind::Upgrade && r.status == 101)
        .expect("an accepted upgrade");
    assert!(
        upgrade
            .headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("cf-access-jump-destination") && *v == dest)
    );
}

#[test]
fn listener_serves_two_concurrent_connections() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let mut listener = w
        .zssh(&["proxy", "--hostname", SSH_HOST, "--url", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The listener announces its real address on stderr once bound.
    let mut stderr = std::io::BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut line).unwrap();
    let addr = line
        .split_whitespace()
        .find(|t| t.starts_with("127.0.0.1:"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches(',')
        .to_string();
    let port = addr.rsplit(':').next().unwrap().to_string();
    w.trust_host("zssh-listener");
    // A rendezvous that needs both sessions open at once: each side blocks on the FIFO until
    // the other opens it.
    let fifo = w.tmp.path().join("rendezvous");
    assert!(run(Command::new("mkfifo").arg(&fifo)).status.success());
    let spawn = |remote: String| {
        let mut cmd = Command::new("ssh");
        cmd.env("HOME", &w.home)
            .args([
                "-F",
                "none",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=yes",
            ])
            .args([
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "HostKeyAlias=zssh-listener",
                "-p",
                &port,
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", w.known_hosts.display()))
            .arg("-i")
            .arg(&w.key)
            .arg(format!("{}@127.0.0.1", whoami()))
            .arg(remote)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let reader = spawn(format!("cat {}", fifo.display()));
    let writer = spawn(format!("echo from-the-other-session > {}", fifo.display()));
    let (oa, ob) = (
        reader.wait_with_output().unwrap(),
        writer.wait_with_output().unwrap(),
    );
    let _ = listener.kill();
    let _ = listener.wait();
    assert_ok(&oa);
    assert_ok(&ob);
    assert_eq!(text(&oa.stdout), "from-the-other-session\n");
    assert_eq!(
        w.edge.count(|r| r.kind == Kind::Upgrade && r.status == 101),
        2
    );
}

#[test]
fn stdin_eof_ends_cleanly_with_only_origin_bytes_on_stdout() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    // stdin is /dev/null: the session ends at once; stdout may hold only the SSH banner.
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.is_empty() || stdout.starts_with("SSH-2.0-"),
        "{stdout:?}"
    );
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
}

#[test]
fn idle_session_survives_the_edge_idle_cut_thanks_to_keepalive() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    // The edge cuts connections idle for 1.5 s; the session sits idle for 4 s.
    w.edge
        .knobs
        .idle_drop_ms
        .store(1500, std::sync::atomic::Ordering::SeqCst);
    let out = run(&mut w.ssh(SSH_HOST, "--keepalive 300ms", "sleep 4; echo still-here"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "still-here\n");
    // Control: without keepalive the same session is cut.
    let out = run(&mut w.ssh(SSH_HOST, "--keepalive 0", "sleep 4; echo still-here"));
    assert!(!out.status.success(), "the idle cut is real");
    assert!(!text(&out.stdout).contains("still-here"));
}

#[test]
fn debug_logs_never_show_tokens_or_secrets() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "s3cr3t-value-0123".into())];
        cfg.app(app)
    });
    let file = w.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&file).unwrap();
    let log = w.tmp.path().join("zssh.log");
    // A user token session with a log file, then a service token session logging to stderr.
    let out = run(&mut w.ssh(
        SSH_HOST,
        &format!("--log-level debug --logfile {}", log.display()),
        "true",
    ));
    assert_ok(&out);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("using the cached token"), "{logged}");
    assert!(!logged.contains(&token) && !logged.contains(token.split('.').nth(1).unwrap()));
    let mut cmd = w.ssh(SSH_HOST, "--log-level debug", "true");
    cmd.env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access")
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "s3cr3t-value-0123");
    let out = run(&mut cmd);
    assert_ok(&out);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("zssh: debug:"), "{stderr}");
    assert!(!stderr.contains("s3cr3t-value-0123"), "{stderr}");
}
