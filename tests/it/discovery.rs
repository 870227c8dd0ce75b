//! App discovery against the test edge: the metadata JWT is verified with the team's JWKS, the
//! JWKS cache follows cloudflared's rules (24 h, one refetch on failure when older than 1 min),
//! and the auth_domain must be a Cloudflare Access domain.

use std::process::Command;

use crate::support::*;

fn proxy(w: &World) -> std::process::Output {
    run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]))
}

fn jwks_file(w: &World) -> std::path::PathBuf {
    w.cloudflared_dir().join(format!("{}-jwks", w.edge.team()))
}

/// Replace every key's modulus in the cached JWKS with a different valid one, keeping the kid.
fn tamper_jwks(w: &World) {
    let path = jwks_file(w);
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    for key in doc["keys"].as_array_mut().unwrap() {
        let n = key["n"].as_str().unwrap().to_string();
        // Rotate the base64url text: still a well-formed modulus, no longer the signer's.
        let rotated = format!("{}{}", &n[8..], &n[..8]);
        key["n"] = serde_json::Value::String(rotated);
    }
    std::fs::write(&path, doc.to_string()).unwrap();
}

fn set_mtime_ago(path: &std::path::Path, ago: &str) {
    let out = run(Command::new("touch").arg("-d").arg(ago).arg(path));
    assert!(out.status.success());
}

#[test]
fn tampered_fresh_jwks_cache_fails_verification() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let first = proxy(&w);
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    w.forget_verified_apps();
    tamper_jwks(&w);
    // A cache younger than a minute is trusted as is: no refetch, so verification fails.
    let out = proxy(&w);
    assert_zssh_error(&out, 6, "metadata JWT verification failed");
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 1);
}

#[test]
fn stale_failing_jwks_cache_is_refetched_once() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_eq!(proxy(&w).status.code(), Some(0));
    w.forget_verified_apps();
    tamper_jwks(&w);
    set_mtime_ago(&jwks_file(&w), "2 minutes ago");
    // Key rotation: the cached set fails, is older than a minute, so it is fetched again.
    let out = proxy(&w);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 2);
}

#[test]
fn jwks_cache_older_than_a_day_is_refreshed() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_eq!(proxy(&w).status.code(), Some(0));
    w.forget_verified_apps();
    set_mtime_ago(&jwks_file(&w), "25 hours ago");
    assert_eq!(proxy(&w).status.code(), Some(0));
    assert_eq!(w.edge.count(|r| r.kind == Kind::Jwks), 2);
    // The rewritten cache is private.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(jwks_file(&w))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn auth_domain_must_be_cloudflare_access() {
    let w = World::build(|mut cfg, sshd| {
        cfg.team = "login.evil.example".into();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    let out = proxy(&w);
    assert_zssh_error(&out, 6, "does not end with \".cloudflareaccess.com\"");
    assert_eq!(
        w.edge.count(|r| r.kind == Kind::Jwks),
        0,
        "never asked the impostor for keys"
    );
}

#[test]
fn no_metadata_means_no_legacy_probe_and_no_token() {
    let w = World::new();
    let token = w.seed_token(SSH_HOST, 3600);
    w.edge
        .knobs
        .no_metadata
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let out = proxy(&w);
    assert_zssh_error(&out, 6, "is not an Access application zssh can trust");
    assert_eq!(w.edge.count(|r| r.kind == Kind::TeamLogin), 0);
    assert_eq!(w.edge.count(|r| r.kind == Kind::LegacyProbe), 0);
    assert_eq!(w.edge.count(|r| r.header("cf-access-token").is_some()), 0);
    assert!(
        token.exists(),
        "a refusal from an unverified host deletes nothing"
    );
}

#[test]
fn app_host_with_an_explicit_port() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let port = w.edge.addr.port().to_string();
    let host = format!("{SSH_HOST}:{port}");
    // No override needed: the port is the edge's real one on 127.0.0.1 via the name mapping.
    let out = run(w.zssh(&["proxy", "--hostname", &host]).env(
        "ZSSH_CONNECT_TO",
        format!("{SSH_HOST}:{port}:127.0.0.1:{port},{}", w.connect_to()),
    ));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let upgrade = w
        .edge
        .requests()
        .into_iter()
        .find(|r| r.kind == Kind::Upgrade)
        .unwrap();
    let host_header = upgrade.header("host").unwrap_or_default().to_string();
    assert_eq!(host_header, host, "the Host header keeps the port");
}
