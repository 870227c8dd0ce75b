//! The production defaults, end to end: real hostnames, port 443, the hard-coded team and login
//! hosts, trust through SSL_CERT_FILE, and no ZSSH_CONNECT_TO, inside a private network and mount
//! namespace (`unshare --net --mount`, needs root, as in CI) where only loopback exists and
//! /etc/hosts is bind-mounted privately. The test re-runs itself inside the namespace.

use std::process::Command;

use crate::support::*;

const INNER: &str = "ZSSH_NETNS_INNER";

#[test]
fn production_defaults_in_a_network_namespace() {
    if std::env::var_os(INNER).is_some() {
        return inner();
    }
    needs_root("it creates a network namespace");
    let tmp = tempfile::tempdir().unwrap();
    let hosts = tmp.path().join("hosts");
    std::fs::write(
        &hosts,
        format!(
            "127.0.0.1 localhost {SSH_HOST} zssh-test.cloudflareaccess.com login.cloudflareaccess.org\n"
        ),
    )
    .unwrap();
    let me = std::env::current_exe().unwrap();
    let out = run(Command::new("unshare")
        .args(["--net", "--mount", "--", "sh", "-ec"])
        .arg(r#"ip link set lo up; mount --bind "$1" /etc/hosts; shift; exec "$@""#)
        .arg("sh")
        .arg(&hosts)
        .arg(&me)
        .args([
            "netns::production_defaults_in_a_network_namespace",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INNER, "1"));
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "inside the namespace:\n{so}\n{se}");
    assert!(so.contains("1 passed"), "the inner test ran:\n{so}");
    assert!(
        se.contains("INNER-OK") || so.contains("INNER-OK"),
        "{so}\n{se}"
    );
}

fn inner() {
    // Only loopback here: prove it before trusting the result.
    let routes = run(Command::new("ip").args(["-o", "link"]));
    let links = text(&routes.stdout);
    assert_eq!(
        links.lines().count(),
        1,
        "only lo in the namespace:\n{links}"
    );
    let w = World::build(|mut cfg, sshd| {
        cfg.bind = "127.0.0.1:443".parse().unwrap();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.trust_host(SSH_HOST);
    let proxy = format!("{} proxy --hostname %h", zssh_bin().display());
    let mut cmd = Command::new("ssh");
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", &w.home)
        .env("SSL_CERT_FILE", &w.edge.ca_pem)
        .args(w.ssh_opts(&proxy))
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo production-defaults");
    let out = run(&mut cmd);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "production-defaults\n");
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 1);
    // A name nobody serves: DNS fails at once (no network here), and the error says so.
    let out = run(Command::new(zssh_bin())
        .args(["proxy", "--hostname", "nosuch.test.example"])
        .env("HOME", &w.home));
    assert_zssh_error(&out, 5, "cannot resolve nosuch.test.example");
    eprintln!("INNER-OK");
}
