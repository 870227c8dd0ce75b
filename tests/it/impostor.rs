//! A hostile host that imitates Access (issue: "an unverified host receives the user's tokens").
//! `evil.test.example` is not an Access application: it sends no signed metadata and answers
//! everything with the login redirect of the user's real application `ssh.test.example` (whose
//! audience tag is public). zssh must send it no app token, never send the team session anywhere,
//! delete nothing, open no browser, and say why it stopped, in every command that reaches a host.

use std::path::PathBuf;

use crate::support::*;

const EVIL: &str = "evil.test.example";

struct Victim {
    w: World,
    app_token: PathBuf,
    org_token: PathBuf,
    before: Vec<(PathBuf, Vec<u8>)>,
}

fn victim() -> Victim {
    let w = World::build(|cfg, sshd| {
        let mut evil = AppConfig::new(EVIL, Origin::Tcp(sshd));
        evil.impostor_of = Some(SSH_HOST.into());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(evil)
    });
    let app_token = w.seed_token(SSH_HOST, 3600);
    let org_token = w
        .cloudflared_dir()
        .join(format!("{}-org-token", w.edge.team()));
    std::fs::write(&org_token, w.edge.mint_org_token(3600)).unwrap();
    set_mode(&org_token, 0o600);
    let before = [&app_token, &org_token]
        .iter()
        .map(|p| ((*p).clone(), std::fs::read(p).unwrap()))
        .collect();
    Victim {
        w,
        app_token,
        org_token,
        before,
    }
}

impl Victim {
    /// Nothing secret reached any host, the team login was never asked, and the cache is intact.
    fn assert_nothing_leaked(&self) {
        let app_jwt = String::from_utf8(std::fs::read(&self.app_token).unwrap()).unwrap();
        let org_jwt = String::from_utf8(std::fs::read(&self.org_token).unwrap()).unwrap();
        for r in self.w.edge.requests() {
            for (name, value) in &r.headers {
                assert!(
                    !value.contains(&app_jwt) && !value.contains(&org_jwt),
                    "{} {}{} carried a token in {name}",
                    r.method,
                    r.host,
                    r.path
                );
            }
            assert!(
                r.header("cf-access-token").is_none(),
                "a token header went to {}{}",
                r.host,
                r.path
            );
            assert!(
                !r.header("cookie")
                    .unwrap_or("")
                    .contains("CF_Authorization"),
                "a session cookie went to {}{}",
                r.host,
                r.path
            );
        }
        assert_eq!(
            self.w.edge.count(|r| r.kind == Kind::TeamLogin),
            0,
            "the team login was never contacted"
        );
        for (path, bytes) in &self.before {
            assert_eq!(
                &std::fs::read(path).unwrap(),
                bytes,
                "{} is unchanged",
                path.display()
            );
        }
    }
}

#[test]
fn proxy_sends_nothing_to_an_impostor_and_deletes_nothing() {
    let v = victim();
    let out = run(&mut v.w.zssh(&["proxy", "--hostname", EVIL]));
    assert_zssh_error(&out, 6, "is not an Access application zssh can trust");
    let err = text(&out.stderr);
    assert!(err.contains("no signed application metadata"), "{err}");
    assert!(out.stdout.is_empty(), "stdout carries only origin bytes");
    v.assert_nothing_leaked();
    // The real application still works with the untouched token.
    assert_ok(&run(&mut v.w.zssh(&["token", SSH_HOST])));
}

#[test]
fn with_a_person_present_no_browser_opens_for_an_impostor() {
    let v = victim();
    let (env, launches) = v.w.browser(true);
    for args in [
        vec!["proxy", "--hostname", EVIL],
        vec!["login", EVIL],
        vec!["cert", "--hostname", EVIL],
    ] {
        let out = run(&mut with_env(v.w.zssh(&args), &env));
        assert_zssh_error(&out, 6, "is not an Access application zssh can trust");
    }
    assert!(!launches.exists(), "no browser was launched");
    assert_eq!(v.w.edge.count(|r| r.kind == Kind::CliLogin), 0);
    assert_eq!(v.w.edge.count(|r| r.kind == Kind::TransferPoll), 0);
    v.assert_nothing_leaked();
}

#[test]
fn token_known_hosts_and_doctor_refuse_an_impostor_too() {
    let v = victim();
    let out = run(&mut v.w.zssh(&["token", EVIL]));
    assert_zssh_error(&out, 6, "is not an Access application zssh can trust");
    assert!(out.stdout.is_empty());
    let out = run(&mut v.w.zssh(&[
        "known-hosts",
        "check",
        EVIL,
        "--known-hosts",
        v.w.known_hosts.to_str().unwrap(),
    ]));
    assert_ne!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("is not an Access application zssh can trust"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&mut v.w.zssh(&["doctor", EVIL, "--json"]));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("doctor --json: {e}: {}", text(&out.stdout)));
    assert_eq!(out.status.code(), Some(12), "{report:#}");
    let discovery = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == "discovery")
        .unwrap_or_else(|| panic!("a discovery verdict: {report:#}"));
    assert_eq!(discovery["status"], "fail", "{report:#}");
    let detail = discovery["detail"].as_str().unwrap();
    assert!(
        detail.contains("not an Access application zssh can trust")
            && detail.contains("proves nothing"),
        "{detail}"
    );
    v.assert_nothing_leaked();
}

fn service_world() -> World {
    World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "s3cr3t-value-0123".into())];
        cfg.app(app)
    })
}

#[test]
fn service_token_from_a_secret_file_keeps_working() {
    // `$(cat /run/secrets/x)` strips the newline, but env files and `read` into a variable often
    // keep it; a trailing newline (LF or CRLF) is not part of the secret.
    let w = service_world();
    for (id, secret) in [
        ("ci-bot.access\n", "s3cr3t-value-0123\n"),
        ("ci-bot.access", "s3cr3t-value-0123\r\n"),
    ] {
        let mut cmd = w.ssh(SSH_HOST, "", "echo via-service-token");
        cmd.env("TUNNEL_SERVICE_TOKEN_ID", id)
            .env("TUNNEL_SERVICE_TOKEN_SECRET", secret);
        let out = run(&mut cmd);
        assert_ok(&out);
        assert_eq!(text(&out.stdout), "via-service-token\n");
    }
    for r in w.edge.requests() {
        assert_eq!(
            r.header("cf-access-client-secret"),
            Some("s3cr3t-value-0123"),
            "sent without the newline"
        );
    }
}

#[test]
fn control_characters_in_credentials_and_headers_are_usage_errors() {
    let w = service_world();
    // (extra arguments, extra environment, expected error)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec![],
            vec![
                ("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access"),
                ("TUNNEL_SERVICE_TOKEN_SECRET", "s3cr3t\r\nX-Injected: 1"),
            ],
            "service token secret (TUNNEL_SERVICE_TOKEN_SECRET",
        ),
        (
            vec![],
            vec![
                ("TUNNEL_SERVICE_TOKEN_ID", "ci-bot\x1b.access"),
                ("TUNNEL_SERVICE_TOKEN_SECRET", "s3cr3t-value-0123"),
            ],
            "service token ID (TUNNEL_SERVICE_TOKEN_ID",
        ),
        (
            vec!["-H", "Host: other.test.example"],
            vec![],
            "-H cannot set Host",
        ),
        (vec!["-H", "host:x"], vec![], "-H cannot set host"),
        (
            vec!["-H", "Cf-Access-Token: x"],
            vec![],
            "-H cannot set Cf-Access-Token",
        ),
        (vec!["-H", "X-Trace: a\x01b"], vec![], "invalid header"),
        (vec!["-H", "X-Trace: a\rb"], vec![], "invalid header"),
        (
            vec!["--destination", "10.0.0.5:22\x07"],
            vec![],
            "invalid destination",
        ),
    ];
    for (args, env, want) in cases {
        let mut all = vec!["proxy", "--hostname", SSH_HOST];
        all.extend(args);
        let mut cmd = w.zssh(&all);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = run(&mut cmd);
        assert_zssh_error(&out, 2, want);
        let err = text(&out.stderr);
        assert!(!err.contains("s3cr3t"), "the secret is never shown: {err}");
        assert!(
            err.contains("TUNNEL_SERVICE_TOKEN") || !want.starts_with("service token"),
            "the variable is named: {err}"
        );
    }
    assert!(w.edge.requests().is_empty(), "nothing reached the edge");
}

#[test]
fn a_harmless_header_still_goes_through_once() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let out = run(&mut w.zssh(&[
        "proxy",
        "--hostname",
        SSH_HOST,
        "-H",
        "X-Trace: a\tb",
        "-H",
        "x-trace: second",
    ]));
    assert_ok(&out);
    let upgrades: Vec<_> = w
        .edge
        .requests()
        .into_iter()
        .filter(|r| r.kind == Kind::Upgrade)
        .collect();
    assert!(!upgrades.is_empty());
    for r in upgrades {
        let values: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("x-trace"))
            .collect();
        assert_eq!(values.len(), 1, "{values:?}");
        assert_eq!(values[0].1, "a\tb");
        let hosts = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("host"))
            .count();
        assert_eq!(hosts, 1);
    }
}

/// A copy of a real token for `host` whose `iss` claim says `iss` (the signature no longer
/// matches, which zssh cannot see: it never verifies tokens locally).
fn token_with_issuer(w: &World, host: &str, iss: &str) -> PathBuf {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let file = w.seed_token(host, 3600);
    let jwt = std::fs::read_to_string(&file).unwrap();
    let parts: Vec<&str> = jwt.split('.').collect();
    let mut claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["iss"] = iss.into();
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    std::fs::write(&file, forged).unwrap();
    file
}

#[test]
fn a_token_from_another_team_or_issuer_url_is_never_sent() {
    for iss in [
        "https://other.cloudflareaccess.com".to_string(),
        // The right team, but a port or a path would steer where cert_sign posts it.
        "https://TEAM:8443".to_string(),
        "https://TEAM/evil/path".to_string(),
    ] {
        let w = World::new();
        let iss = iss.replace("TEAM", w.edge.team());
        let file = token_with_issuer(&w, SSH_HOST, &iss);
        let before = std::fs::read(&file).unwrap();
        let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
        assert_zssh_error(&out, 3, "is not used");
        let out = run(&mut w.zssh(&["cert", "--hostname", SSH_HOST]));
        assert_zssh_error(&out, 3, SSH_HOST);
        let out = run(&mut w.zssh(&["doctor", SSH_HOST, "--json"]));
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let token = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == "token")
            .unwrap_or_else(|| panic!("{report:#}"));
        assert_eq!(token["status"], "fail", "{report:#}");
        assert!(
            token["detail"].as_str().unwrap().contains("issued by"),
            "{report:#}"
        );
        assert_eq!(w.edge.count(|r| r.header("cf-access-token").is_some()), 0);
        assert_eq!(w.edge.count(|r| r.kind == Kind::CertSign), 0);
        assert_eq!(w.edge.count(|r| r.kind == Kind::TokenCheck), 0);
        assert_eq!(std::fs::read(&file).unwrap(), before, "kept as it was");
    }
}

#[test]
fn reserved_headers_are_refused_in_any_spelling() {
    let w = World::new();
    for h in ["Cf_Access_Token: x", "HOST: x", "Sec_WebSocket_Key: x"] {
        let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST, "-H", h]));
        assert_zssh_error(&out, 2, "-H cannot set");
    }
    assert!(w.edge.requests().is_empty());
}

#[test]
fn cert_checks_the_service_token_like_proxy() {
    let w = service_world();
    let out = run(w
        .zssh(&["cert", "--hostname", SSH_HOST])
        .env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access")
        .env(
            "TUNNEL_SERVICE_TOKEN_SECRET",
            "s3cr3t-value-0123\r\nX-Injected: yes",
        ));
    assert_zssh_error(&out, 2, "TUNNEL_SERVICE_TOKEN_SECRET");
    assert!(!text(&out.stderr).contains("s3cr3t"));
    assert!(w.edge.requests().is_empty(), "nothing reached the edge");
    // With the newline of a secret file, the certificate is issued, by the verified team.
    let out = run(w
        .zssh(&["cert", "--hostname", SSH_HOST])
        .env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access\n")
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "s3cr3t-value-0123\n"));
    assert_ok(&out);
    assert_eq!(w.edge.count(|r| r.kind == Kind::CertSign), 1);
    assert_eq!(w.edge.count(|r| r.kind == Kind::Metadata), 1);
    for r in w.edge.requests() {
        assert!(
            r.header("x-injected").is_none()
                && r.header("cf-access-client-secret")
                    .is_none_or(|v| v == "s3cr3t-value-0123"),
            "{r:?}"
        );
    }
}
