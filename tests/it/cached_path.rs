//! The cached-token path at its floor: once signed metadata proved which application a host is,
//! the next connection with a cached token makes one request on one connection (TCP, TLS,
//! upgrade), and every way that can go wrong falls back to the full flow. Counted at the test
//! edge (requests and accepted connections), never timed.

use std::path::PathBuf;

use crate::support::*;

const OTHER_HOST: &str = "other.test.example";

/// The requests the edge saw from index `from` on.
fn since(w: &World, from: usize) -> Vec<zssh_test_edge::RequestRecord> {
    w.edge.requests().split_off(from)
}

fn carries(r: &zssh_test_edge::RequestRecord, token: &str) -> bool {
    r.header("cf-access-token") == Some(token)
}

/// The one file that remembers the identity of the app URL the world's ssh connected to.
fn memory_file(w: &World) -> PathBuf {
    let dir = w.tmp.path().join("state/zssh/apps");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn a_warm_cached_token_connection_is_one_request_on_one_connection() {
    let w = World::new();
    let token_file = w.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    // Cold: the first connection learns the application's identity from signed metadata.
    let out = run(&mut w.ssh(SSH_HOST, "", "echo cold"));
    assert_ok(&out);
    let cold: Vec<_> = since(&w, 0).into_iter().map(|r| r.kind).collect();
    assert_eq!(
        cold,
        vec![Kind::Upgrade, Kind::Metadata, Kind::Jwks, Kind::Upgrade],
        "{cold:?}"
    );
    let memory = memory_file(&w);
    let saved = std::fs::read_to_string(&memory).unwrap();
    assert!(saved.contains(&w.edge.aud(SSH_HOST)), "{saved}");
    assert!(!saved.contains(&token), "no token in the identity file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&memory).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    // Warm: exactly one request (the upgrade, carrying the token) on exactly one connection.
    let (requests, connections) = (w.edge.requests().len(), w.edge.connections());
    let out = run(&mut w.ssh(SSH_HOST, "", "echo warm"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "warm\n");
    let warm = since(&w, requests);
    assert_eq!(warm.len(), 1, "{warm:?}");
    assert_eq!((warm[0].kind, warm[0].status), (Kind::Upgrade, 101));
    assert!(carries(&warm[0], &token));
    assert_eq!(w.edge.connections() - connections, 1);
}

#[test]
fn a_token_refused_on_the_first_request_is_dropped_after_discovery_confirms_the_app() {
    let w = World::new();
    let token_file = w.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    w.edge.revoke(&token);
    let from = w.edge.requests().len();
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 3, "rejected the cached token");
    let seen: Vec<_> = since(&w, from)
        .into_iter()
        .map(|r| (r.kind, r.status, carries(&r, &token)))
        .collect();
    assert_eq!(
        seen,
        vec![(Kind::Upgrade, 302, true), (Kind::Metadata, 302, false)],
        "{seen:?}"
    );
    assert!(!token_file.exists(), "the refused token was removed");
}

#[test]
fn a_refused_token_is_replaced_by_a_login_and_the_session_works() {
    let w = World::new();
    let token_file = w.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    w.edge.revoke(&token);
    let (env, launches) = w.browser(true);
    let from = w.edge.requests().len();
    let out = run(&mut with_env(w.ssh(SSH_HOST, "", "echo again"), &env));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "again\n");
    assert_eq!(line_count(&launches), 1, "one browser login");
    let fresh = std::fs::read_to_string(&token_file).unwrap();
    assert_ne!(fresh, token);
    let upgrades: Vec<_> = since(&w, from)
        .into_iter()
        .filter(|r| r.kind == Kind::Upgrade)
        .map(|r| (r.status, carries(&r, &token), carries(&r, &fresh)))
        .collect();
    assert_eq!(
        upgrades,
        vec![(302, true, false), (101, false, true)],
        "{upgrades:?}"
    );
}

#[test]
fn an_identity_that_changed_is_rediscovered_and_replaced() {
    let w = World::build(|cfg, sshd| {
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(AppConfig::new(OTHER_HOST, Origin::Tcp(sshd)))
    });
    let mine = std::fs::read_to_string(w.seed_token(SSH_HOST, 3600)).unwrap();
    let other_file = w.seed_token(OTHER_HOST, 3600);
    let other = std::fs::read_to_string(&other_file).unwrap();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    // The host's application was replaced since (here: the remembered identity now names the
    // other application, as if the hostname had moved between apps).
    let memory = memory_file(&w);
    let saved = std::fs::read_to_string(&memory).unwrap();
    let moved = saved
        .replace(&w.edge.aud(SSH_HOST), &w.edge.aud(OTHER_HOST))
        .replace(
            &format!("\"app_hostname\":\"{SSH_HOST}\""),
            &format!("\"app_hostname\":\"{OTHER_HOST}\""),
        );
    assert_ne!(moved, saved);
    std::fs::write(&memory, &moved).unwrap();

    let from = w.edge.requests().len();
    let out = run(&mut w.ssh(SSH_HOST, "", "echo moved"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "moved\n");
    let seen: Vec<_> = since(&w, from)
        .into_iter()
        .map(|r| (r.kind, r.status, carries(&r, &other), carries(&r, &mine)))
        .collect();
    assert_eq!(
        seen,
        vec![
            (Kind::Upgrade, 302, true, false),
            (Kind::Metadata, 302, false, false),
            (Kind::Upgrade, 101, false, true),
        ],
        "{seen:?}"
    );
    // What discovery proved replaced the stale identity; the other app's token is untouched.
    assert_eq!(std::fs::read_to_string(&memory).unwrap().len(), saved.len());
    assert!(
        std::fs::read_to_string(&memory)
            .unwrap()
            .contains(&w.edge.aud(SSH_HOST))
    );
    assert_eq!(std::fs::read_to_string(&other_file).unwrap(), other);
}

#[test]
fn an_expired_memory_means_discovery_first_and_a_damaged_one_the_full_flow() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    let memory = memory_file(&w);
    let saved = std::fs::read_to_string(&memory).unwrap();
    let expired = {
        let mut v: serde_json::Value = serde_json::from_str(&saved).unwrap();
        v["valid_until"] = serde_json::json!(v["verified_at"].as_i64().unwrap() - 1);
        v.to_string()
    };
    for content in [expired.as_str(), "{not json", ""] {
        std::fs::write(&memory, content).unwrap();
        let from = w.edge.requests().len();
        assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
        let seen = since(&w, from);
        let kinds: Vec<_> = seen.iter().map(|r| r.kind).collect();
        // An out-of-date identity says the app is behind Access: discovery first, then one dial
        // with the token (4 round trips, not 5). A damaged one: dial, redirect, discovery, dial.
        let want = if content == expired {
            vec![Kind::Metadata, Kind::Upgrade]
        } else {
            vec![Kind::Upgrade, Kind::Metadata, Kind::Upgrade]
        };
        assert_eq!(kinds, want, "{content:?}: {kinds:?}");
        assert!(
            seen.iter().all(|r| r.conn == seen[0].conn),
            "one connection: {seen:?}"
        );
        // And remembered again, valid.
        let again: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&memory).unwrap()).unwrap();
        assert!(again["valid_until"].as_i64() > again["verified_at"].as_i64());
    }
}

/// What decides where a token goes is trusted only as zssh writes it: a regular file of the
/// user's, writable by nobody else. A symlink to a file elsewhere (even one holding the right
/// identity) or a file others may write to means the full flow, and is replaced.
#[test]
fn a_memory_that_is_a_symlink_or_writable_by_others_is_not_trusted() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    let memory = memory_file(&w);
    let elsewhere = w.tmp.path().join("shared-memory.json");
    std::fs::copy(&memory, &elsewhere).unwrap();
    std::fs::remove_file(&memory).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &memory).unwrap();
    let from = w.edge.requests().len();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    let kinds: Vec<_> = since(&w, from).into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::Upgrade, Kind::Metadata, Kind::Upgrade],
        "a symlinked memory: {kinds:?}"
    );
    let meta = std::fs::symlink_metadata(&memory).unwrap();
    assert!(meta.is_file(), "replaced by a file of zssh's");

    set_mode(&memory, 0o666);
    let from = w.edge.requests().len();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    let kinds: Vec<_> = since(&w, from).into_iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![Kind::Upgrade, Kind::Metadata, Kind::Upgrade],
        "a memory others may write: {kinds:?}"
    );
    // Written again as zssh writes it, it is used again: one request.
    let from = w.edge.requests().len();
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    assert_eq!(since(&w, from).len(), 1);
}

#[test]
fn a_certificate_after_a_proven_identity_is_one_request_to_the_team() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    // The first certificate proves the application's identity (discovery at the app host).
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    assert_eq!(w.edge.count(|r| r.kind == Kind::Metadata), 1);
    // A renewal needs no trip to the app host: one cert_sign at the team, on one connection.
    std::fs::remove_file(
        w.cloudflared_dir()
            .join(format!("{SSH_HOST}-cf_key-cert.pub")),
    )
    .unwrap();
    let (from, connections) = (w.edge.requests().len(), w.edge.connections());
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    let seen: Vec<_> = since(&w, from)
        .into_iter()
        .map(|r| (r.kind, r.status, r.host))
        .collect();
    assert_eq!(
        seen,
        vec![(Kind::CertSign, 200, w.edge.team().to_string())],
        "{seen:?}"
    );
    assert_eq!(w.edge.connections() - connections, 1);
}

#[test]
fn a_certificate_with_a_refused_token_proves_the_identity_again_and_logs_in_once() {
    let w = World::new();
    let token_file = w.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    std::fs::remove_file(
        w.cloudflared_dir()
            .join(format!("{SSH_HOST}-cf_key-cert.pub")),
    )
    .unwrap();
    w.edge.revoke(&token);
    let (env, launches) = w.browser(true);
    let from = w.edge.requests().len();
    let out = run(&mut with_env(
        w.zssh(&["cert", "--hostname", SSH_HOST]),
        &env,
    ));
    assert_ok(&out);
    assert_eq!(line_count(&launches), 1, "one browser login");
    let signs: Vec<_> = since(&w, from)
        .into_iter()
        .filter(|r| matches!(r.kind, Kind::CertSign | Kind::Metadata))
        .map(|r| (r.kind, r.status == 200))
        .collect();
    // Refused with the old token, identity proved again (same app), signed with the new token.
    assert_eq!(
        signs,
        vec![
            (Kind::CertSign, false),
            (Kind::Metadata, false),
            (Kind::CertSign, true)
        ],
        "{signs:?}"
    );
    assert_ne!(std::fs::read_to_string(&token_file).unwrap(), token);
}

#[test]
fn an_expired_token_with_a_remembered_identity_is_reported_as_expired() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut w.ssh(SSH_HOST, "", "true")));
    w.seed_token(SSH_HOST, -60);
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 3, "expired");
}
