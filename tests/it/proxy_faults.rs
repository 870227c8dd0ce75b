//! Every way the edge can refuse or misbehave, and bad input: one `zssh: error:` line naming the
//! host, one `zssh: hint:` line, a documented exit code, nothing on stdout, never a hang.

use std::sync::atomic::Ordering;

use crate::support::*;

fn proxy(w: &World, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["proxy", "--hostname", SSH_HOST, "--connect-timeout", "3s"];
    args.extend_from_slice(extra);
    run(&mut w.zssh(&args))
}

#[test]
fn no_cached_token_says_how_to_log_in() {
    let w = World::new();
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 3, &format!("not logged in to {SSH_HOST}"));
    assert!(out.stdout.is_empty());
    assert!(text(&out.stderr).contains("login"));
}

#[test]
fn expired_token_is_deleted_and_reported() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, -120);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 3, "expired 2 min ago");
    assert!(!file.exists(), "expired token file deleted");
}

#[test]
fn wrong_audience_token_is_deleted() {
    let w = World::build(|cfg, sshd| {
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(AppConfig::new("other.test.example", Origin::Tcp(sshd)))
    });
    let dir = w.cloudflared_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // A token for another app stored under this app's name.
    let other = w.edge.mint_app_token("other.test.example", 3600);
    let file = dir.join(format!("{SSH_HOST}-{}-token", w.edge.aud(SSH_HOST)));
    std::fs::write(&file, other).unwrap();
    set_mode(&file, 0o600);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 3, "belongs to another application");
    assert!(!file.exists());
}

#[test]
fn corrupted_token_is_treated_as_absent() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, 3600);
    std::fs::write(&file, "garbage\u{0}\u{1}not-a-jwt").unwrap();
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 3, "not logged in");
}

#[test]
fn rejected_token_is_dropped() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, 3600);
    w.edge.knobs.reject_tokens.store(true, Ordering::SeqCst);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 3, "rejected the cached token");
    assert!(!file.exists(), "rejected token removed");
    assert!(out.stdout.is_empty());
}

#[test]
fn refusals_are_classified() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    for (status, want_hint) in [
        (401, "service token"),
        (403, "WAF"),
        (307, "redirect"),
        (502, "tunnel or the origin is down"),
        (503, "tunnel or the origin is down"),
    ] {
        w.edge.knobs.upgrade_status.store(status, Ordering::SeqCst);
        let out = proxy(&w, &[]);
        let want = if status == 307 {
            format!("{SSH_HOST} redirected the WebSocket upgrade")
        } else {
            format!("{SSH_HOST} refused the WebSocket upgrade: HTTP {status}")
        };
        assert_zssh_error(&out, 4, &want);
        assert!(
            text(&out.stderr).contains(want_hint),
            "{status}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn origin_down_is_a_502() {
    // An origin port with nothing listening.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = dead.local_addr().unwrap();
    drop(dead);
    let w = World::build(|cfg, _| cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(addr))));
    w.seed_token(SSH_HOST, 3600);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 4, "HTTP 502");
}

#[test]
fn missing_metadata_is_refused_with_what_the_host_said() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.edge.knobs.no_metadata.store(true, Ordering::SeqCst);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 6, "sent no signed application metadata");
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!(
            "its unsigned redirect to https://{}/cdn-cgi/access/login/{SSH_HOST} proves nothing",
            w.edge.team()
        )),
        "{err}"
    );
}

#[test]
fn html_garbage_huge_headers_and_stalls_are_errors_not_hangs() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let cases: [(&std::sync::atomic::AtomicBool, i32, &str); 4] = [
        (&w.edge.knobs.html, 6, "HTTP 200"),
        (&w.edge.knobs.garbage, 6, "not HTTP"),
        (&w.edge.knobs.huge_headers, 6, "headers exceed"),
        (&w.edge.knobs.stall, 5, "within 3s"),
    ];
    for (knob, code, want) in cases {
        knob.store(true, Ordering::SeqCst);
        let out = proxy(&w, &[]);
        knob.store(false, Ordering::SeqCst);
        assert_zssh_error(&out, code, want);
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn untrusted_certificate_is_refused() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    // The system roots (default) and an explicit bundle: neither trusts the test edge's CA.
    let mut default_roots = w.zssh(&["proxy", "--hostname", SSH_HOST]);
    default_roots.env_remove("SSL_CERT_FILE");
    let mut explicit = w.zssh(&["proxy", "--hostname", SSH_HOST]);
    explicit.env("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt");
    for mut cmd in [default_roots, explicit] {
        let out = run(&mut cmd);
        assert_zssh_error(&out, 5, "TLS with ssh.test.example failed");
        assert!(text(&out.stderr).contains("certificate"));
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn stream_dropped_mid_transfer_ends_the_session_without_a_hang() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.edge
        .knobs
        .drop_after_bytes
        .store(64 * 1024, Ordering::SeqCst);
    let out = run(&mut w.ssh(SSH_HOST, "", "head -c 10000000 /dev/zero"));
    assert!(!out.status.success());
    assert!(out.stdout.len() < 10_000_000);
}

#[test]
fn bad_hostnames_are_usage_errors() {
    let w = World::new();
    for bad in ["ssh example.com", "ssh://host", "", "https://"] {
        let out = run(&mut w.zssh(&["proxy", "--hostname", bad]));
        assert_zssh_error(&out, 2, "invalid hostname");
    }
}

#[test]
fn unicode_hostnames_become_punycode() {
    let w = World::new();
    // Nothing serves this name: the error shows the punycode form zssh dialed.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let out = run(w.zssh(&["proxy", "--hostname", "bücher.test.example"]).env(
        "ZSSH_CONNECT_TO",
        format!("xn--bcher-kva.test.example:443:127.0.0.1:{port}"),
    ));
    assert_zssh_error(&out, 5, "xn--bcher-kva.test.example");
}

#[test]
fn bad_headers_and_listener_addresses_are_usage_errors() {
    let w = World::new();
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST, "-H", "no colon"]));
    assert_zssh_error(&out, 2, "invalid header");
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST, "--url", "ftp://x:1"]));
    assert_zssh_error(&out, 2, "invalid listener address");
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST, "--id", "only-id"]));
    assert_zssh_error(&out, 2, "without its secret");
}

#[test]
fn cloudflared_spelling_works() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let proxy = format!("{} access ssh -hostname %h", zssh_bin().display());
    let mut cmd = w.tool("ssh");
    cmd.args(w.ssh_opts(&proxy))
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo cloudflared-style");
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "cloudflared-style\n");
}

#[test]
fn https_proxy_is_used_for_the_edge() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let proxy = ConnectProxy::start();
    let mut cmd = w.ssh(SSH_HOST, "", "echo via-proxy");
    cmd.env("HTTPS_PROXY", format!("http://{}", proxy.addr));
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "via-proxy\n");
    assert!(proxy.connects() >= 1, "the proxy saw the CONNECT");
}

/// Issue 9 item 6: a zone that sends `103 Early Hints` before every answer. The interim answer
/// used to be taken as the final one (the 101 behind it then read as the next answer on the
/// pooled connection). Browser login (discovery, the store's long poll, the token dial), then ssh.
#[test]
fn early_hints_before_every_answer_are_skipped() {
    let w = World::new();
    w.edge.knobs.early_hints.store(true, Ordering::SeqCst);
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_ok(&out);
    assert_eq!(line_count(&launches), 1);
    let out = run(&mut w.ssh(SSH_HOST, "", "echo hinted"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "hinted\n");
}

/// Issue 9 item 6: a chunked answer whose chunk size overflows after a small chunk is an error
/// line and exit 6; it used to panic (and with panic = "abort", die without a word).
#[test]
fn an_overflowing_chunk_size_is_an_error_not_a_crash() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    w.edge.knobs.chunk_overflow.store(true, Ordering::SeqCst);
    let out = proxy(&w, &[]);
    assert_zssh_error(&out, 6, SSH_HOST);
    assert!(
        text(&out.stderr).contains("exceeds"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

/// `ssh HOST echo WORD` through the world's edge with these proxy variables.
fn ssh_with_proxy_env(w: &World, vars: &[(&str, String)], word: &str) -> std::process::Output {
    let mut cmd = w.ssh(SSH_HOST, "", &format!("echo {word}"));
    for name in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(name);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

/// Issue 15 item 4: credentials in the proxy URL are percent-decoded as URLs define them (they
/// were sent still encoded, `+` became a space, `&`/`=` corrupted them, a password without a
/// user was dropped): the proxy that wants them lets the session through.
#[test]
fn percent_encoded_proxy_credentials_reach_the_proxy_decoded() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let cases = [
        (
            "al@ice+x&y=z:p@ss:w/rd",
            "al%40ice+x%26y%3Dz:p%40ss%3Aw%2Frd",
        ),
        (":only-a-password", ":only-a-password"),
    ];
    for (plain, encoded) in cases {
        let proxy =
            ConnectProxy::start_with(Some(plain), b"HTTP/1.1 200 Connection established\r\n\r\n");
        let url = format!("http://{encoded}@{}", proxy.addr);
        let out = ssh_with_proxy_env(&w, &[("HTTPS_PROXY", url)], "decoded");
        assert_ok(&out);
        assert_eq!(text(&out.stdout), "decoded\n");
        assert!(proxy.connects() >= 1, "{plain}");
    }
}

/// Issue 15 item 4: a refused proxy names the variable it came from and never prints the
/// password (an `ALL_PROXY` was labelled `HTTPS_PROXY`, and URLs were printed whole).
#[test]
fn proxy_errors_name_the_variable_and_never_the_password() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let proxy = ConnectProxy::start_with(Some("right:pass"), b"").allow_unused();
    let url = format!("http://wrong:hunter2@{}", proxy.addr);
    let out = run(&mut with_env(
        w.zssh(&["proxy", "--hostname", SSH_HOST]),
        &[("ALL_PROXY".to_string(), url)],
    ));
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!("{} (from ALL_PROXY)", proxy.addr)),
        "{err}"
    );
    assert!(err.contains("407"), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("HTTPS_PROXY is"),
        "{err}"
    );
    for url in [
        "https://u:hunter2@proxy.invalid:8443",
        "socks5h://u:hunter2@proxy.invalid",
    ] {
        let out = run(&mut with_env(
            w.zssh(&["proxy", "--hostname", SSH_HOST]),
            &[("HTTPS_PROXY".to_string(), url.to_string())],
        ));
        assert_zssh_error(&out, 2, "HTTPS_PROXY is");
        assert!(
            !text(&out.stderr).contains("hunter2"),
            "{}",
            text(&out.stderr)
        );
    }
}

/// Issue 15 item 4: `ALL_PROXY=socks5://...` (as desktop proxy settings export it) made every
/// command exit 2; zssh speaks only HTTP CONNECT, so it ignores it, as cloudflared does.
#[test]
fn a_socks_all_proxy_is_ignored() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    for url in ["socks5://user:pw@127.0.0.1:1", "socks://127.0.0.1:1/"] {
        let out = ssh_with_proxy_env(&w, &[("ALL_PROXY", url.to_string())], "direct");
        assert_ok(&out);
        assert_eq!(text(&out.stdout), "direct\n");
    }
}

/// Issue 15 item 4: an answer to CONNECT that cannot be HTTP fails at once and says so (it waited
/// for the connect timeout, then said "no answer"); one with bare line feeds is understood.
#[test]
fn a_connect_answer_that_is_not_http_fails_and_bare_line_feeds_work() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let garbage = ConnectProxy::start_with(None, b"SSH-2.0-OpenSSH_9.2\r\n");
    let out = run(&mut with_env(
        w.zssh(&["proxy", "--hostname", SSH_HOST]),
        &[(
            "HTTPS_PROXY".to_string(),
            format!("http://{}", garbage.addr),
        )],
    ));
    assert_zssh_error(&out, 5, "answered CONNECT with something that is not HTTP");
    let bare = ConnectProxy::start_with(None, b"HTTP/1.1 200 OK\n\n");
    let url = format!("http://{}", bare.addr);
    let out = ssh_with_proxy_env(&w, &[("HTTPS_PROXY", url)], "bare-lf");
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "bare-lf\n");
}

/// Issue 15 item 4: `NO_PROXY=host:8443` bypassed the proxy for port 443 too.
#[test]
fn a_no_proxy_entry_with_another_port_keeps_the_proxy() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let proxy = ConnectProxy::start();
    let vars = [
        ("HTTPS_PROXY", format!("http://{}", proxy.addr)),
        ("NO_PROXY", format!("{SSH_HOST}:8443")),
    ];
    let out = ssh_with_proxy_env(&w, &vars, "proxied");
    assert_ok(&out);
    assert!(proxy.connects() >= 1);
}
