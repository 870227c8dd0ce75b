//! Adversarial checks of the cached-token path (issue 11 item 1): hostile identity files, an
//! edge whose application moved to another team, many processes at once.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::support::*;

const OTHER_HOST: &str = "other.test.example";

fn apps_dir(w: &World) -> PathBuf {
    w.tmp.path().join("state/zssh/apps")
}

fn memory_file(w: &World) -> PathBuf {
    let files: Vec<_> = std::fs::read_dir(apps_dir(w))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

fn kinds_since(w: &World, from: usize) -> Vec<(Kind, u16)> {
    w.edge
        .requests()
        .split_off(from)
        .into_iter()
        .map(|r| (r.kind, r.status))
        .collect()
}

/// `zssh proxy` with stdin at EOF: dials, then ends (exit 0 when the tunnel opened).
fn proxy(w: &World) -> Command {
    let mut cmd = w.zssh(&["proxy", "--hostname", SSH_HOST]);
    cmd.stdin(Stdio::null());
    cmd
}

/// A FIFO where the identity file was: no hang, the full flow, and replaced by a regular file.
#[test]
fn a_fifo_in_place_of_the_identity_means_the_full_flow() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut proxy(&w)));
    let memory = memory_file(&w);
    std::fs::remove_file(&memory).unwrap();
    let st = run(Command::new("mkfifo").arg(&memory));
    assert_ok(&st);
    let from = w.edge.requests().len();
    assert_ok(&run(&mut proxy(&w)));
    assert_eq!(
        kinds_since(&w, from),
        vec![
            (Kind::Upgrade, 302),
            (Kind::Metadata, 302),
            (Kind::Upgrade, 101)
        ]
    );
    assert!(std::fs::symlink_metadata(&memory).unwrap().is_file());
}

/// An identity file owned by another user (root runs the tests: chown to nobody) is not used.
#[test]
fn an_identity_owned_by_another_user_is_not_used() {
    needs_root("it gives a file to another user");
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut proxy(&w)));
    let memory = memory_file(&w);
    assert_ok(&run(Command::new("chown").arg("65534:65534").arg(&memory)));
    let from = w.edge.requests().len();
    assert_ok(&run(&mut proxy(&w)));
    assert_eq!(
        kinds_since(&w, from),
        vec![
            (Kind::Upgrade, 302),
            (Kind::Metadata, 302),
            (Kind::Upgrade, 101)
        ]
    );
}

/// Another app's identity file copied under this app's name: not used, the other app's token
/// never reaches this host.
#[test]
fn an_identity_copied_from_another_app_is_not_used() {
    let w = World::build(|cfg, sshd| {
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(AppConfig::new(OTHER_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    let other = std::fs::read_to_string(w.seed_token(OTHER_HOST, 3600)).unwrap();
    assert_ok(&run(&mut proxy(&w)));
    let mine = memory_file(&w);
    let mut o = w.zssh(&["proxy", "--hostname", OTHER_HOST]);
    o.stdin(Stdio::null());
    assert_ok(&run(&mut o));
    let theirs = std::fs::read_dir(apps_dir(&w))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| *p != mine)
        .unwrap();
    std::fs::copy(&theirs, &mine).unwrap();
    let from = w.edge.requests().len();
    assert_ok(&run(&mut proxy(&w)));
    let reqs = w.edge.requests().split_off(from);
    assert!(
        reqs.iter()
            .all(|r| r.header("cf-access-token") != Some(other.as_str())),
        "{reqs:?}"
    );
    assert_eq!(reqs.len(), 3, "{:?}", kinds_since(&w, from));
}

/// The host's application moved to another team (another edge answers for the same name):
/// the remembered identity is replaced, the old token goes to nobody else, is not deleted, and
/// there is no loop.
#[test]
fn an_app_moved_to_another_team_falls_back_once() {
    let a = World::new();
    let token_file = a.seed_token(SSH_HOST, 3600);
    let token = std::fs::read_to_string(&token_file).unwrap();
    assert_ok(&run(&mut proxy(&a)));
    let memory = memory_file(&a);
    let before = std::fs::read_to_string(&memory).unwrap();
    assert!(before.contains(a.edge.team()));

    let b = World::build(|mut cfg, sshd| {
        cfg.team = "moved.cloudflareaccess.com".into();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    let in_a = |mut cmd: Command| {
        cmd.env("HOME", &a.home)
            .env("XDG_STATE_HOME", a.tmp.path().join("state"));
        cmd
    };
    let mut cmd = in_a(b.zssh(&["proxy", "--hostname", SSH_HOST]));
    cmd.stdin(Stdio::null());
    let out = run(&mut cmd);
    assert_zssh_error(&out, 3, "not logged in");
    let reqs = b.edge.requests();
    let seen: Vec<_> = reqs
        .iter()
        .map(|r| {
            (
                r.kind,
                r.status,
                r.header("cf-access-token") == Some(&token),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (Kind::Upgrade, 302, true),
            (Kind::Metadata, 302, false),
            (Kind::Jwks, 200, false)
        ]
    );
    // The token of team A reached no other request, in any header.
    for r in &reqs[1..] {
        assert!(
            r.headers.iter().all(|(_, v)| !v.contains(token.trim())),
            "{r:?}"
        );
    }
    assert!(token_file.exists(), "team A's token is not B's to delete");
    let after = std::fs::read_to_string(&memory).unwrap();
    assert!(after.contains("moved.cloudflareaccess.com"), "{after}");

    // With a browser: one login at B, the session works, B's identity used after.
    let (env, launches) = b.browser(true);
    let from = b.edge.requests().len();
    let mut cmd = in_a(with_env(b.zssh(&["proxy", "--hostname", SSH_HOST]), &env));
    cmd.stdin(Stdio::null());
    assert_ok(&run(&mut cmd));
    assert_eq!(line_count(&launches), 1);
    let ups: Vec<_> = kinds_since(&b, from)
        .into_iter()
        .filter(|(k, _)| *k == Kind::Upgrade)
        .collect();
    eprintln!("after login: {:?}", kinds_since(&b, from));
    assert_eq!(ups.last(), Some(&(Kind::Upgrade, 101)));
    let from = b.edge.requests().len();
    let mut cmd = in_a(b.zssh(&["proxy", "--hostname", SSH_HOST]));
    cmd.stdin(Stdio::null());
    assert_ok(&run(&mut cmd));
    assert_eq!(kinds_since(&b, from), vec![(Kind::Upgrade, 101)]);
}

/// 50 `zssh proxy` at once with a stale identity (another app's audience): all connect, the
/// file ends valid, no temp files are left.
#[test]
fn fifty_at_once_with_a_stale_identity() {
    let w = World::build(|cfg, sshd| {
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(AppConfig::new(OTHER_HOST, Origin::Tcp(sshd)))
    });
    w.seed_token(SSH_HOST, 3600);
    w.seed_token(OTHER_HOST, 3600);
    assert_ok(&run(&mut proxy(&w)));
    let memory = memory_file(&w);
    let saved = std::fs::read_to_string(&memory).unwrap();
    let stale = saved.replace(&w.edge.aud(SSH_HOST), &w.edge.aud(OTHER_HOST));
    std::fs::write(&memory, &stale).unwrap();
    let children: Vec<_> = (0..50)
        .map(|_| {
            let mut c = proxy(&w);
            c.stdout(Stdio::null()).stderr(Stdio::piped());
            c.spawn().unwrap()
        })
        .collect();
    let mut failed = Vec::new();
    for c in children {
        let out = c.wait_with_output().unwrap();
        if !out.status.success() {
            failed.push((out.status.code(), text(&out.stderr)));
        }
    }
    assert!(failed.is_empty(), "{} failed: {failed:?}", failed.len());
    let files: Vec<_> = std::fs::read_dir(apps_dir(&w))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        std::fs::read_to_string(&memory)
            .unwrap()
            .contains(&w.edge.aud(SSH_HOST))
    );
}

/// The team domain the remembered identity names no longer answers (the team was renamed, or
/// the app moved to another team): `zssh cert` should prove the identity again, as `proxy` does
/// on a refusal, rather than fail until the memory expires (up to 24 h). `forget` = the control:
/// with the memory removed by hand, the same command works (discovery finds the new team).
fn cert_after_the_team_moved(forget: bool) {
    let a = World::new();
    a.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut a.zssh(&["cert", "--hostname", SSH_HOST])));
    let cert = a
        .cloudflared_dir()
        .join(format!("{SSH_HOST}-cf_key-cert.pub"));
    std::fs::remove_file(&cert).unwrap();
    if forget {
        a.forget_verified_apps();
    }

    let b = World::build(|mut cfg, sshd| {
        cfg.team = "moved.cloudflareaccess.com".into();
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    // The old team's name reaches nothing that answers (a closed loopback port), never real DNS.
    let closed = free_port();
    let connect_to = format!(
        "{},{}:443:127.0.0.1:{closed}",
        b.connect_to(),
        a.edge.team()
    );
    let (env, launches) = b.browser(true);
    let mut cmd = with_env(b.zssh(&["cert", "--hostname", SSH_HOST]), &env);
    cmd.env("HOME", &a.home)
        .env("XDG_STATE_HOME", a.tmp.path().join("state"))
        .env("ZSSH_CONNECT_TO", &connect_to);
    let out = run(&mut cmd);
    eprintln!(
        "exit {:?}\n{}\nB saw: {:?}",
        out.status.code(),
        text(&out.stderr),
        b.edge
            .requests()
            .iter()
            .map(|r| (r.kind, r.status))
            .collect::<Vec<_>>()
    );
    assert_ok(&out);
    assert_eq!(line_count(&launches), 1);
}

#[test]
fn cert_with_a_remembered_team_that_is_gone_proves_again() {
    cert_after_the_team_moved(false);
}

#[test]
fn cert_with_a_remembered_team_that_is_gone_control_without_memory() {
    cert_after_the_team_moved(true);
}

/// One `--url` listener, a remembered identity, a revoked cached token, 20 sessions at once with
/// a browser: one login, every session gets the origin's banner, the revoked token is sent at
/// most once per session and never after the new one exists.
#[test]
fn listener_twenty_sessions_with_a_revoked_token_log_in_once() {
    use std::io::{BufRead, Read};
    let w = World::new();
    let token = std::fs::read_to_string(w.seed_token(SSH_HOST, 3600)).unwrap();
    assert_ok(&run(&mut proxy(&w)));
    w.edge.revoke(&token);
    let (env, launches) = w.browser(true);
    let mut listener = with_env(
        w.zssh(&["proxy", "--hostname", SSH_HOST, "--url", "127.0.0.1:0"]),
        &env,
    )
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stderr = std::io::BufReader::new(listener.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split_whitespace()
        .find(|t| t.starts_with("127.0.0.1:"))
        .unwrap()
        .trim_end_matches(',')
        .to_string();
    let from = w.edge.requests().len();
    let sessions: Vec<_> = (0..20)
        .map(|_| {
            let addr = addr.clone();
            std::thread::spawn(move || {
                let mut c = std::net::TcpStream::connect(&addr).unwrap();
                c.set_read_timeout(Some(std::time::Duration::from_secs(60)))
                    .unwrap();
                let mut banner = [0u8; 8];
                c.read_exact(&mut banner).map(|_| banner.to_vec())
            })
        })
        .collect();
    let banners: Vec<_> = sessions.into_iter().map(|t| t.join().unwrap()).collect();
    let _ = listener.kill();
    let _ = listener.wait();
    let mut rest = String::new();
    let _ = stderr.read_to_string(&mut rest);
    let ok = banners
        .iter()
        .filter(|b| matches!(b, Ok(v) if v.starts_with(b"SSH-2.0")))
        .count();
    let reqs = w.edge.requests().split_off(from);
    let old = reqs
        .iter()
        .filter(|r| r.header("cf-access-token") == Some(token.as_str()))
        .count();
    eprintln!(
        "ok {ok}/20, launches {}, old token sent {old} times, requests {:?}\n{rest}",
        line_count(&launches),
        reqs.iter().map(|r| (r.kind, r.status)).collect::<Vec<_>>()
    );
    assert_eq!(ok, 20, "{banners:?}\n{rest}");
    assert_eq!(line_count(&launches), 1);
    assert!(old <= 20);
}
