//! Short-lived certificates with real OpenSSH: sshd trusts only the test edge's user CA (the
//! client's plain key is never offered), ssh runs `zssh cert` from `Match exec`, or takes the
//! certificate from a real ssh-agent.

use crate::support::*;

/// A world whose edge issues certificates for the local user (so sshd accepts them).
fn cert_world() -> World {
    World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    })
}

/// An ssh config using `Match exec "zssh cert"`, as `cloudflared access ssh-config
/// --short-lived-cert` writes it (absolute paths: ssh expands `~` from the password database),
/// with the host given as the README writes it: positionally (`zssh cert %h`, `zssh proxy %h`).
fn match_exec_config(w: &World, cert_extra: &str) -> std::path::PathBuf {
    let z = zssh_bin().display().to_string();
    let cf = w.cloudflared_dir();
    let cfg = w.tmp.path().join("ssh_config");
    std::fs::write(
        &cfg,
        format!(
            "Match host {SSH_HOST} exec \"{z} cert %h {cert_extra}\"\n\
             \x20 ProxyCommand {z} proxy %h\n\
             \x20 IdentityFile {cf}/%h-cf_key\n\
             \x20 CertificateFile {cf}/%h-cf_key-cert.pub\n\
             Host *\n\
             \x20 IdentitiesOnly yes\n\
             \x20 BatchMode yes\n\
             \x20 StrictHostKeyChecking yes\n\
             \x20 UserKnownHostsFile {kh}\n",
            cf = cf.display(),
            kh = w.known_hosts.display(),
        ),
    )
    .unwrap();
    w.trust_host(SSH_HOST);
    cfg
}

fn ssh_with_config(w: &World, cfg: &std::path::Path, remote: &str) -> std::process::Output {
    let mut cmd = w.tool("ssh");
    cmd.arg("-F")
        .arg(cfg)
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg(remote);
    run(&mut cmd)
}

#[test]
fn match_exec_mints_once_and_reuses_while_valid() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let cfg = match_exec_config(&w, "");
    for i in 0..5 {
        let out = ssh_with_config(&w, &cfg, &format!("echo run-{i}"));
        assert_ok(&out);
        assert_eq!(text(&out.stdout), format!("run-{i}\n"));
        if i == 0 {
            let err = text(&out.stderr);
            assert!(err.contains(&format!("principal {}", whoami())), "{err}");
        }
    }
    assert_eq!(
        w.edge.count(|r| r.kind == Kind::CertSign),
        1,
        "five ssh runs, one cert_sign"
    );
    assert!(
        w.sshd.log_text().contains("ECDSA-CERT"),
        "sshd accepted a certificate:\n{}",
        w.sshd.log_text()
    );
    let key = w.cloudflared_dir().join(format!("{SSH_HOST}-cf_key"));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // The reuse path prints nothing on stdout (it runs from Match exec).
    let out = run(&mut w.zssh(&["cert", "--hostname", SSH_HOST]));
    assert_ok(&out);
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn an_expired_certificate_is_renewed_on_the_next_ssh() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let out = run(&mut w.zssh(&["access", "ssh-gen", "--hostname", SSH_HOST]));
    assert_ok(&out);
    // Replace the certificate with an expired one for the same key (signed by a throwaway CA).
    expire_the_certificate(&w);
    let cfg = match_exec_config(&w, "");
    let out = ssh_with_config(&w, &cfg, "echo renewed");
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "renewed\n");
    assert_eq!(w.edge.count(|r| r.kind == Kind::CertSign), 2);
}

#[test]
fn a_certificate_from_the_agent_alone() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let agent = SshAgent::start(w.tmp.path());
    let sock = agent.sock.clone();
    let mut cmd = w.zssh(&["cert", "--hostname", SSH_HOST, "--agent"]);
    cmd.env("SSH_AUTH_SOCK", &sock);
    assert_ok(&run(&mut cmd));
    let listed = run(w.tool("ssh-add").arg("-l").env("SSH_AUTH_SOCK", &sock));
    let listing = text(&listed.stdout);
    assert!(
        listing.contains("ECDSA-CERT") && listing.contains(&format!("zssh:{SSH_HOST}")),
        "{listing}"
    );
    // ssh with no key files at all: only the agent offers the certificate.
    w.trust_host(SSH_HOST);
    let mut ssh = w.tool("ssh");
    ssh.env("SSH_AUTH_SOCK", &sock)
        .args([
            "-F",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=yes",
        ])
        .arg("-o")
        .arg(format!("UserKnownHostsFile={}", w.known_hosts.display()))
        .arg("-o")
        .arg(format!(
            "ProxyCommand={} proxy --hostname %h",
            zssh_bin().display()
        ))
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo via-agent");
    let out = run(&mut ssh);
    drop(agent);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "via-agent\n");
}

#[test]
fn a_principal_that_does_not_match_is_named() {
    let w = World::build(|mut cfg, sshd| {
        cfg.user_email = "bob@example.com".into();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    let cfg = match_exec_config(&w, "");
    let out = ssh_with_config(&w, &cfg, "true");
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("principal bob"),
        "zssh names the principal it got:\n{err}"
    );
    assert!(
        w.sshd.log_text().contains("not a listed principal")
            || w.sshd.log_text().contains("principal"),
        "{}",
        w.sshd.log_text()
    );
}

#[test]
fn signing_failures_are_clear() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    w.edge
        .knobs
        .sign_fail
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let out = run(&mut w.zssh(&["cert", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 4, "refused: 500: failed to sign certificate");
    w.edge
        .knobs
        .sign_fail
        .store(false, std::sync::atomic::Ordering::SeqCst);
    w.edge
        .knobs
        .sign_non_json
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let out = run(&mut w.zssh(&["cert", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 6, "not JSON");
    assert!(
        text(&out.stderr).contains("upstream connect error"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !w.cloudflared_dir()
            .join(format!("{SSH_HOST}-cf_key-cert.pub"))
            .exists(),
        "nothing stored"
    );
}

#[test]
fn service_token_certificates() {
    let w = World::build(|cfg, sshd| {
        let mut app = AppConfig::new(SSH_HOST, Origin::Tcp(sshd));
        app.service_tokens = vec![("ci-bot.access".into(), "s3cret-cert".into())];
        cfg.app(app)
    });
    let out = run(w
        .zssh(&["cert", "--hostname", SSH_HOST])
        .env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access")
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "s3cret-cert"));
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("principal ci-bot"),
        "{}",
        text(&out.stderr)
    );
    let out = run(w
        .zssh(&["cert", "--hostname", SSH_HOST, "--force"])
        .env("TUNNEL_SERVICE_TOKEN_ID", "ci-bot.access")
        .env("TUNNEL_SERVICE_TOKEN_SECRET", "wrong"));
    assert_zssh_error(
        &out,
        3,
        "issued no token for the service token ci-bot.access",
    );
    assert!(text(&out.stderr).contains("policy"));
}

#[test]
fn clock_skew_is_reported_with_its_size() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    // faketime shifts zssh's clock only (LD_PRELOAD), 5 minutes ahead of the edge.
    let mut cmd = w.tool("faketime");
    cmd.args(["-f", "+5m"])
        .arg(zssh_bin())
        .args(["cert", "--hostname", SSH_HOST]);
    let out = run(&mut cmd);
    let err = text(&out.stderr);
    assert!(err.contains("clock is 5 min ahead of the edge's"), "{err}");
}

#[test]
fn ed25519_keys_work_end_to_end() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let cfg = match_exec_config(&w, "--key-type ed25519");
    let out = ssh_with_config(&w, &cfg, "echo ed25519");
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "ed25519\n");
    assert!(
        w.sshd.log_text().contains("ED25519-CERT"),
        "{}",
        w.sshd.log_text()
    );
}

/// Only doctor's own marker (`ZSSH_PROBE=doctor`) makes `zssh cert` look without acting; a
/// stray `export ZSSH_PROBE=1` in a user's shell changes nothing.
#[test]
fn only_doctors_probe_marker_makes_cert_a_no_op() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let signs = || w.edge.count(|r| r.kind == Kind::CertSign);
    let mut probe = w.zssh(&["cert", SSH_HOST]);
    probe.env("ZSSH_PROBE", "doctor");
    assert_ok(&run(&mut probe));
    assert_eq!(signs(), 0, "doctor's probe signs nothing");
    let mut stray = w.zssh(&["cert", SSH_HOST]);
    stray.env("ZSSH_PROBE", "1");
    assert_ok(&run(&mut stray));
    assert_eq!(signs(), 1, "any other value is an ordinary run");
}
