//! Browser login and the token cache, against the test edge with a `BROWSER` stand-in that really
//! fetches the login URL (the edge then seals the tokens to the client's key, as the real edge
//! does after the person logs in).

use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

use crate::support::*;

#[test]
fn login_then_ssh_then_status_then_logout() {
    let w = World::new();
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_ok(&out);
    let err = text(&out.stderr);
    assert!(
        out.stdout.is_empty(),
        "zssh login keeps the token off stdout"
    );
    assert!(
        err.contains("/cdn-cgi/access/cli?aud="),
        "the URL is always printed:\n{err}"
    );
    assert!(
        err.contains("logged in to ssh.test.example as alice@example.com"),
        "{err}"
    );
    assert_eq!(line_count(&launches), 1);
    // The token is where cloudflared looks (file store in this test), private.
    let file = w
        .cloudflared_dir()
        .join(format!("{SSH_HOST}-{}-token", w.edge.aud(SSH_HOST)));
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let org = w
        .cloudflared_dir()
        .join(format!("{}-org-token", w.edge.team()));
    assert!(org.exists(), "the org token is cached too");
    // The token check ran once with the new token.
    assert_eq!(w.edge.count(|r| r.kind == Kind::TokenCheck), 1);

    let out = run(&mut w.ssh(SSH_HOST, "", "echo after-login"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "after-login\n");

    let out = run(&mut w.zssh(&["status", "--json"]));
    assert_ok(&out);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let app = status
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "app")
        .expect("an app entry");
    assert_eq!(app["subject"], SSH_HOST);
    assert_eq!(app["identity"], "alice@example.com");
    assert_eq!(app["location"], "file");
    assert_eq!(app["expired"], false);
    let token = std::fs::read_to_string(&file).unwrap();
    assert!(
        !text(&out.stdout).contains(&token),
        "status never prints tokens"
    );
    let out = run(&mut w.zssh(&["status"]));
    assert!(text(&out.stdout).contains("alice@example.com"));

    let out = run(&mut w.zssh(&["token", SSH_HOST]));
    assert_ok(&out);
    assert_eq!(
        text(&out.stdout),
        token,
        "token prints the JWT without a newline"
    );

    let out = run(&mut w.zssh(&["logout", SSH_HOST]));
    assert_ok(&out);
    assert!(!file.exists());
    assert!(
        text(&out.stderr).contains("team session"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&mut w.zssh(&["token", SSH_HOST]));
    assert_zssh_error(&out, 3, &format!("no cached token for {SSH_HOST}"));
    // cloudflared's words and exit status under its name, for the scripts written for it.
    let out = run(&mut w.zssh(&["access", "token", &format!("-app=https://{SSH_HOST}")]));
    assert_zssh_error(&out, 1, "Unable to find token");
    let out = run(&mut w.zssh(&["logout", "--all"]));
    assert_ok(&out);
    assert!(!org.exists());
}

#[test]
fn access_login_prints_like_cloudflared() {
    let w = World::new();
    let (env, _) = w.browser(true);
    let out = run(&mut with_env(
        w.zssh(&["access", "login", &format!("https://{SSH_HOST}")]),
        &env,
    ));
    assert_ok(&out);
    let stdout = text(&out.stdout);
    let file = w
        .cloudflared_dir()
        .join(format!("{SSH_HOST}-{}-token", w.edge.aud(SSH_HOST)));
    let token = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        stdout,
        format!("Successfully fetched your token:\n\n{token}\n\n")
    );
    // Already logged in: no browser, same token; -app prints only the token.
    let out = run(&mut w.zssh(&["access", "token", &format!("-app=https://{SSH_HOST}")]));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), token);
    let out = run(&mut w.zssh(&["access", "login", "--quiet", SSH_HOST]));
    assert_ok(&out);
    assert!(out.stdout.is_empty());
}

#[test]
fn second_app_of_the_team_logs_in_without_a_browser() {
    let origin = echo_origin();
    let w = World::build(|cfg, sshd| {
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
            .app(AppConfig::new("app2.test.example", Origin::Tcp(origin)))
    });
    let (env, launches) = w.browser(true);
    assert_ok(&run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env)));
    let out = run(&mut with_env(w.zssh(&["login", "app2.test.example"]), &env));
    assert_ok(&out);
    assert!(
        text(&out.stderr).contains("single sign-on"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(line_count(&launches), 1, "one browser launch for two apps");
    assert!(w.edge.count(|r| r.kind == Kind::Authorized) >= 1);
}

#[test]
fn fifty_concurrent_proxies_share_one_browser_login() {
    let origin = echo_origin();
    let w =
        World::build(|cfg, _| cfg.app(AppConfig::new("echo.test.example", Origin::Tcp(origin))));
    let (env, launches) = w.browser(true);
    let mut children = Vec::new();
    for i in 0..50 {
        let mut cmd = with_env(w.zssh(&["proxy", "--hostname", "echo.test.example"]), &env);
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .as_mut()
            .unwrap()
            .write_all(format!("hello {i}\n").as_bytes())
            .unwrap();
        children.push(child);
    }
    for (i, mut child) in children.into_iter().enumerate() {
        // Each session: the origin's banner, then our line echoed back; then we hang up.
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        stdout.read_line(&mut banner).unwrap();
        let mut echoed = String::new();
        stdout.read_line(&mut echoed).unwrap();
        drop(child.stdin.take());
        let status = child.wait().unwrap();
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(banner, "ECHO-ORIGIN\n", "session {i}: {err}");
        assert_eq!(echoed, format!("hello {i}\n"), "session {i}: {err}");
        assert!(status.success(), "session {i}: {err}");
    }
    assert_eq!(line_count(&launches), 1, "exactly one browser launch");
    assert_eq!(w.edge.count(|r| r.kind == Kind::CliLogin), 1);
}

#[test]
fn a_login_holder_killed_mid_login_does_not_block_the_next() {
    let w = World::new();
    let (idle_env, idle_launches) = w.browser(false);
    let (mut holder, _err) = until_published(with_env(w.zssh(&["login", SSH_HOST]), &idle_env));
    // (The idle browser may still be starting: its launch is not waited for.)
    let _ = idle_launches;
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_ok(&out);
    assert!(
        !text(&out.stderr).contains("another"),
        "no waiting on a dead holder: {}",
        text(&out.stderr)
    );
    assert_eq!(line_count(&launches), 1);
}

#[test]
fn dead_cloudflared_locks_never_block() {
    let w = World::new();
    let dir = w.cloudflared_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let name = format!("{SSH_HOST}-{}-token", w.edge.aud(SSH_HOST));
    // A current-format lock of a process that is gone, and a legacy empty lock for the org token.
    std::fs::write(
        dir.join(format!("{name}.lock")),
        "{\"pid\":999999,\"start_time\":1700000000000}\n",
    )
    .unwrap();
    std::fs::write(dir.join(format!("{}-org-token.lock", w.edge.team())), "").unwrap();
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_ok(&out);
    assert!(
        !text(&out.stderr).contains("another"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(line_count(&launches), 1);
    assert!(
        !dir.join(format!("{name}.lock")).exists(),
        "the dead lock was cleared"
    );
}

/// A FIFO where cloudflared's lock goes (nothing writes to it) is not a lock: opening it to read
/// a holder's record must not wait for a writer forever. (`timeout` bounds the old hang.)
#[test]
fn a_fifo_where_cloudflareds_lock_goes_never_blocks() {
    let w = World::new();
    let dir = w.cloudflared_dir();
    std::fs::create_dir_all(&dir).unwrap();
    set_mode(&dir, 0o700);
    let lock = dir.join(format!("{SSH_HOST}-{}-token.lock", w.edge.aud(SSH_HOST)));
    assert!(
        run(std::process::Command::new("mkfifo").arg(&lock))
            .status
            .success()
    );
    let (env, launches) = w.browser(true);
    let mut cmd = with_env(w.tool("timeout"), &env);
    cmd.arg("60").arg(zssh_bin()).args(["login", SSH_HOST]);
    let out = run(&mut cmd);
    assert_ne!(out.status.code(), Some(124), "zssh login hung on the FIFO");
    assert_ok(&out);
    assert_eq!(line_count(&launches), 1);
    assert!(
        std::fs::symlink_metadata(&lock).is_err(),
        "the FIFO was cleared"
    );
}

#[test]
fn noninteractive_proxy_fails_fast_with_the_login_hint() {
    let w = World::new();
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 3, "nobody can answer a browser login here");
    assert!(text(&out.stderr).contains(&format!("zssh login {SSH_HOST}")));
    assert_eq!(w.edge.count(|r| r.kind == Kind::TransferPoll), 0);
    assert!(out.stdout.is_empty());
}

#[test]
fn proxy_logs_in_on_stderr_only() {
    let w = World::new();
    let (env, launches) = w.browser(true);
    let mut cmd = with_env(w.ssh(SSH_HOST, "", "echo logged-in-by-proxy"), &env);
    let out = run(&mut cmd);
    assert_ok(&out);
    assert_eq!(
        text(&out.stdout),
        "logged-in-by-proxy\n",
        "ssh's stdout carries only the session"
    );
    assert_eq!(line_count(&launches), 1);
}

#[test]
fn rejected_cached_token_triggers_one_new_login() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, 3600);
    let stale = std::fs::read_to_string(&file).unwrap();
    w.edge.revoke(&stale);
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.ssh(SSH_HOST, "", "echo relogged"), &env));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "relogged\n");
    assert_eq!(line_count(&launches), 1);
    assert_ne!(std::fs::read_to_string(&file).unwrap(), stale);
}

#[test]
fn transfer_store_failure_is_reported() {
    let w = World::new();
    w.edge
        .knobs
        .store_5xx
        .store(true, std::sync::atomic::Ordering::SeqCst);
    let (env, _) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_zssh_error(&out, 4, "failed: HTTP 503");
}

#[test]
fn an_unfinished_login_ends_with_a_clear_error() {
    let w = World::build(|mut cfg, sshd| {
        cfg.transfer_hold = std::time::Duration::from_millis(50);
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    });
    let (env, _) = w.browser(false);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_zssh_error(&out, 3, "not finished in the browser");
    assert_eq!(
        w.edge.count(|r| r.kind == Kind::TransferPoll),
        10,
        "at most 10 polls"
    );
}

#[test]
fn insecure_token_files_are_refused() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, 3600);
    set_mode(&file, 0o644);
    let out = run(&mut w.zssh(&["proxy", "--hostname", SSH_HOST]));
    assert_zssh_error(&out, 7, "can be read by other users");
    assert!(text(&out.stderr).contains("chmod 600"));
}

/// Start `cmd` (a login, or a proxy that logs in) and read its stderr until it prints the login
/// URL, which it does once it holds the login lock and has published the login.
fn until_published(
    mut cmd: std::process::Command,
) -> (std::process::Child, BufReader<std::process::ChildStderr>) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("/cdn-cgi/access/cli?") {
        line.clear();
        assert!(err.read_line(&mut line).unwrap() > 0, "it ended early");
    }
    (child, err)
}

/// The login files in ~/.cloudflared that say "a login is under way": locks and the pending URL.
fn login_files(w: &World) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(w.cloudflared_dir()) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".lock") || n.ends_with(".url"))
        .collect();
    names.sort();
    names
}

/// Issue 15 item 3: SIGTERM and SIGHUP (the terminal closed) clean up like Ctrl-C. They used to
/// kill zssh mid-login, leaving cloudflared's lock with a dead pid and the pending URL file, on
/// which cloudflared sharing ~/.cloudflared then hung. Each signal, once the login is published
/// (`zssh login`, and `zssh proxy` waiting for its login), then at random moments.
#[test]
fn every_stop_signal_cleans_up_a_login() {
    let w = World::new();
    let (idle_env, _) = w.browser(false);
    for sig in ["INT", "TERM", "HUP"] {
        let code = stop_code(sig);
        for args in [
            vec!["login", SSH_HOST],
            vec!["proxy", "--hostname", SSH_HOST],
        ] {
            let mut cmd = with_env(w.zssh(&args), &idle_env);
            cmd.env("ZSSH_NONINTERACTIVE", "0");
            let (mut child, mut err) = until_published(cmd);
            let published = login_files(&w);
            assert!(
                published.iter().any(|n| n.ends_with(".url")),
                "{args:?}: {published:?}"
            );
            send_signal(&child, sig);
            let mut rest = String::new();
            let _ = err.read_to_string(&mut rest);
            let status = child.wait().unwrap();
            assert_eq!(status.code(), Some(code), "SIG{sig} {args:?}: {rest}");
            assert_eq!(login_files(&w), Vec::<String>::new(), "SIG{sig} {args:?}");
        }
    }
    // At random moments (from start-up to a published login): never a file left behind.
    for i in 0..6u64 {
        let sig = ["TERM", "HUP", "INT"][i as usize % 3];
        let mut child = with_env(w.zssh(&["login", SSH_HOST]), &idle_env)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos() as u64;
        std::thread::sleep(std::time::Duration::from_millis((nanos + i * 37) % 250));
        send_signal(&child, sig);
        child.wait().unwrap();
        assert_eq!(login_files(&w), Vec::<String>::new(), "SIG{sig} #{i}");
    }
    let (env, launches) = w.browser(true);
    let out = run(&mut with_env(w.zssh(&["login", SSH_HOST]), &env));
    assert_ok(&out);
    assert!(
        !text(&out.stderr).contains("another"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(line_count(&launches), 1);
}
