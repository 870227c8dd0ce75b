//! A real Secret Service for tests, and the tests that need one: a private D-Bus session bus
//! (`dbus-run-session`) with its own gnome-keyring (secrets component only), under the test's
//! temp HOME and a private XDG_RUNTIME_DIR, so nothing touches the user's keyring or bus.
//!
//! The harness runs one small shell script inside `dbus-run-session`. The script starts
//! gnome-keyring in the foreground (so it knows its pid and can stop it), waits until it owns
//! `org.freedesktop.secrets` on the bus (`gdbus wait`, no sleeps) and, for an unlocked keyring,
//! until the default collection reports `Locked = false`; then it prints the variables a client
//! needs and blocks reading stdin. The test holds that stdin: dropping the harness (or the test
//! process dying) closes it, the script stops the daemon, and `dbus-run-session` takes the bus
//! down. The tests of zssh's own keyring use (status, logout, token, proxy) are at the bottom,
//! marked WIRE until those commands exist.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Output, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use crate::support::*;

/// The login keyring's password in every harness (a fresh HOME gets a keyring with it).
pub const KEYRING_PASSWORD: &str = "zssh-test-keyring";

const SCRIPT: &str = r#"
if [ "$1" = unlocked ]; then
    printf %s "$ZSSH_TEST_KEYRING_PASSWORD" |
        gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null &
else
    gnome-keyring-daemon --foreground --components=secrets </dev/null >/dev/null &
fi
gk=$!
unset ZSSH_TEST_KEYRING_PASSWORD
if gdbus wait --session --timeout 15 org.freedesktop.secrets >/dev/null; then
    locked=$(gdbus call --session --dest org.freedesktop.secrets \
        --object-path /org/freedesktop/secrets/aliases/default \
        --method org.freedesktop.DBus.Properties.Get org.freedesktop.Secret.Collection Locked 2>&1)
    echo "locked=$locked" | tr '\n' ' '; echo
    echo "pid=$gk"
    echo "DBUS_SESSION_BUS_ADDRESS=$DBUS_SESSION_BUS_ADDRESS"
    echo "XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
    echo ready
    cat >/dev/null
else
    echo "gnome-keyring-daemon never appeared on the session bus"
fi
kill "$gk" 2>/dev/null
wait "$gk"
"#;

/// A private session bus with a gnome-keyring on it; stopped on drop.
pub struct SecretService {
    env: Vec<(String, String)>,
    /// The gnome-keyring-daemon's pid (to check teardown).
    pub daemon_pid: u32,
    /// The login collection's `Locked` property as gdbus printed it (or gdbus's error).
    pub locked: String,
    child: Option<Child>,
    stdin: Option<ChildStdin>,
    log: Arc<Mutex<Vec<String>>>,
    _runtime: tempfile::TempDir,
}

impl SecretService {
    /// A keyring unlocked with [`KEYRING_PASSWORD`] (created with it if HOME has none).
    pub fn unlocked(home: &Path) -> SecretService {
        let s = Self::start(home, true);
        assert_eq!(
            s.locked.trim(),
            "(<false>,)",
            "the login keyring should be unlocked: {}",
            s.log()
        );
        s
    }

    /// A keyring nobody unlocked: HOME's login keyring stays locked (or, in a fresh HOME, there
    /// is none), and with no display for an unlock prompt every call that needs it fails.
    pub fn locked(home: &Path) -> SecretService {
        let s = Self::start(home, false);
        assert_ne!(
            s.locked.trim(),
            "(<false>,)",
            "should be locked: {}",
            s.log()
        );
        s
    }

    fn start(home: &Path, unlock: bool) -> SecretService {
        for tool in [
            "dbus-run-session",
            "gnome-keyring-daemon",
            "gdbus",
            "secret-tool",
        ] {
            assert!(
                which(tool).is_some(),
                "{tool} is missing: .ci/setup installs it (dbus-daemon, gnome-keyring, \
                 libglib2.0-bin, libsecret-tools)"
            );
        }
        std::fs::create_dir_all(home).unwrap();
        // XDG_RUNTIME_DIR must be private (0700); gnome-keyring puts its control socket there.
        let runtime = tempfile::tempdir().unwrap();
        set_mode(runtime.path(), 0o700);
        let mut cmd = Command::new("dbus-run-session");
        cmd.args(["--", "sh", "-c", SCRIPT, "sh"])
            .arg(if unlock { "unlocked" } else { "locked" })
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_RUNTIME_DIR", runtime.path())
            .env("ZSSH_TEST_KEYRING_PASSWORD", KEYRING_PASSWORD)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so that a teardown that goes wrong can stop the whole tree.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dbus-run-session: {e}"));
        let log = Arc::new(Mutex::new(Vec::new()));
        let sink = log.clone();
        let stderr = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut s = SecretService {
            env: vec![("HOME".into(), home.display().to_string())],
            daemon_pid: 0,
            locked: String::new(),
            stdin: child.stdin.take(),
            child: Some(child),
            log,
            _runtime: runtime,
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => panic!("the Secret Service did not start: {}", s.log()),
            };
            if line == "ready" {
                break;
            }
            if let Some(v) = line.strip_prefix("locked=") {
                s.locked = v.to_string();
            } else if let Some(v) = line.strip_prefix("pid=") {
                s.daemon_pid = v.parse().unwrap();
            } else if let Some((k, v)) = line.split_once('=') {
                s.env.push((k.to_string(), v.to_string()));
            } else {
                panic!("the Secret Service did not start: {line}\n{}", s.log());
            }
        }
        assert!(
            s.env.iter().any(|(k, _)| k == "DBUS_SESSION_BUS_ADDRESS"),
            "{:?}",
            s.env
        );
        s
    }

    /// HOME, XDG_RUNTIME_DIR and DBUS_SESSION_BUS_ADDRESS: what a client process needs to use
    /// this keyring (pass them to `zssh` and `ssh` children).
    pub fn env(&self) -> &[(String, String)] {
        &self.env
    }

    /// What the bus and the daemon printed on stderr, for failure messages.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().join("\n")
    }

    /// `secret-tool ARGS` against this keyring, with `stdin` as its input.
    pub fn secret_tool(&self, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new("secret-tool")
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run secret-tool");
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
        drop(input);
        child.wait_with_output().unwrap()
    }

    /// Store `value` as zssh stores a token: service `zssh`, account `name`, label `zssh: name`.
    pub fn store_token(&self, name: &str, value: &str) {
        let label = format!("--label=zssh: {name}");
        let out = self.secret_tool(
            &["store", &label, "service", "zssh", "username", name],
            value,
        );
        assert!(out.status.success(), "secret-tool store: {out:?}");
    }

    /// The keyring's value for zssh token `name`, if any.
    pub fn token(&self, name: &str) -> Option<String> {
        let out = self.secret_tool(&["lookup", "service", "zssh", "username", name], "");
        out.status.success().then(|| text(&out.stdout))
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // EOF on the script's stdin is the stop signal; the script stops the daemon and
        // dbus-run-session the bus.
        drop(self.stdin.take());
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pgid = child.id();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait());
        });
        if rx.recv_timeout(Duration::from_secs(15)).is_err() {
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{pgid}")])
                .status();
            let _ = rx.recv_timeout(Duration::from_secs(5));
        }
    }
}

/// Run `f` with the environment of a private, unlocked Secret Service whose keyring lives under
/// `home`; everything is stopped when `f` returns (or panics).
pub fn with_secret_service(home: &Path, f: impl FnOnce(&[(String, String)])) {
    let ss = SecretService::unlocked(home);
    f(ss.env());
}

/// The same with a keyring nobody unlocked.
pub fn with_locked_secret_service(home: &Path, f: impl FnOnce(&[(String, String)])) {
    let ss = SecretService::locked(home);
    f(ss.env());
}

/// `secret-tool ARGS` (no input) in the environment a harness handed out.
fn secret_tool_with(env: &[(String, String)], args: &[&str]) -> Output {
    run(Command::new("secret-tool")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(env.iter().map(|(k, v)| (k, v))))
}

fn temp_home() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    (tmp, home)
}

fn process_gone(pid: u32) -> bool {
    // Gone, or at worst a zombie nobody reaped yet (it holds no bus name and no files).
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

// ---------------------------------------------------------------------------------------------
// The harness itself.

#[test]
fn secret_tool_round_trip_in_a_private_keyring() {
    let (_tmp, home) = temp_home();
    let ss = SecretService::unlocked(&home);
    let env = ss.env();
    let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("HOME"), Some(home.display().to_string()));
    let bus = get("DBUS_SESSION_BUS_ADDRESS").unwrap();
    assert!(bus.starts_with("unix:"), "{bus}");
    assert_ne!(
        Some(bus),
        std::env::var("DBUS_SESSION_BUS_ADDRESS").ok(),
        "a private bus, never the user's"
    );
    assert!(get("XDG_RUNTIME_DIR").is_some());

    assert_eq!(ss.token("app.test.example-aud-token"), None);
    ss.store_token("app.test.example-aud-token", "eyJ.token.sig");
    assert_eq!(
        ss.token("app.test.example-aud-token").as_deref(),
        Some("eyJ.token.sig")
    );
    let out = ss.secret_tool(&["search", "--all", "service", "zssh"], "");
    let found = text(&out.stdout) + &text(&out.stderr);
    assert!(
        found.contains("label = zssh: app.test.example-aud-token"),
        "{found}"
    );
    // The keyring lives in the test's HOME, not the user's.
    assert!(home.join(".local/share/keyrings/login.keyring").is_file());

    let pid = ss.daemon_pid;
    assert!(!process_gone(pid));
    drop(ss);
    assert!(
        process_gone(pid),
        "gnome-keyring-daemon {pid} outlived the harness"
    );
}

#[test]
fn the_keyring_outlives_its_session() {
    // As across a reboot: a new bus and daemon, the same HOME and password.
    let (_tmp, home) = temp_home();
    SecretService::unlocked(&home).store_token("team.example-org-token", "org-value");
    with_secret_service(&home, |env| {
        let out = secret_tool_with(
            env,
            &[
                "lookup",
                "service",
                "zssh",
                "username",
                "team.example-org-token",
            ],
        );
        assert!(out.status.success(), "{out:?}");
        assert_eq!(text(&out.stdout), "org-value");
    });
}

#[test]
fn a_locked_keyring_fails_fast() {
    let (_tmp, home) = temp_home();
    SecretService::unlocked(&home).store_token("app.test.example-aud-token", "v");
    let ss = SecretService::locked(&home);
    assert_eq!(ss.locked.trim(), "(<true>,)");
    let started = Instant::now();
    let read = ss.secret_tool(
        &[
            "lookup",
            "service",
            "zssh",
            "username",
            "app.test.example-aud-token",
        ],
        "",
    );
    let write = ss.secret_tool(
        &["store", "--label=x", "service", "zssh", "username", "other"],
        "v",
    );
    let took = started.elapsed();
    assert!(!read.status.success(), "{read:?}");
    assert!(read.stdout.is_empty(), "no secret from a locked keyring");
    assert!(!write.status.success(), "{write:?}");
    assert!(
        text(&write.stderr).contains("locked"),
        "{}",
        text(&write.stderr)
    );
    // The unlock prompt cannot be shown (no display), so the failure is immediate.
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[test]
fn a_fresh_home_without_unlock_has_no_keyring() {
    let (_tmp, home) = temp_home();
    with_locked_secret_service(&home, |env| {
        let out = secret_tool_with(
            env,
            &["store", "--label=x", "service", "zssh", "username", "x"],
        );
        assert!(!out.status.success(), "{out:?}");
        assert!(text(&out.stderr).contains("login"), "{}", text(&out.stderr));
    });
    assert!(!home.join(".local/share/keyrings/login.keyring").exists());
}

// ---------------------------------------------------------------------------------------------
// zssh with a real keyring: login, token, status, logout and the proxy.

/// `zssh ARGS` in `world`, seeing the keyring of `env` (the World's default is
/// `ZSSH_TOKEN_STORE=file`, so that other tests never reach for a keyring).
fn zssh_with(world: &World, env: &[(String, String)], args: &[&str]) -> Command {
    let mut cmd = world.zssh(args);
    with_keyring(&mut cmd, env);
    cmd
}

fn with_keyring<'a>(cmd: &'a mut Command, env: &[(String, String)]) -> &'a mut Command {
    cmd.envs(env.iter().map(|(k, v)| (k, v)))
        .env("ZSSH_TOKEN_STORE", "auto")
}

fn app_token_name(world: &World) -> String {
    format!("{SSH_HOST}-{}-token", world.edge.aud(SSH_HOST))
}

#[test]
fn a_token_in_the_keyring_is_used_listed_and_removed() {
    let world = World::new();
    let ss = SecretService::unlocked(&world.home);
    let name = app_token_name(&world);
    let token = world.edge.mint_app_token(SSH_HOST, 3600);
    ss.store_token(&name, &token);

    let out = run(&mut zssh_with(&world, ss.env(), &["token", SSH_HOST]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), token);

    let out = run(&mut zssh_with(&world, ss.env(), &["status", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let entry = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name.as_str())
        .unwrap_or_else(|| panic!("{name} in {list}"));
    assert_eq!(entry["location"], "keyring");
    assert!(
        !text(&out.stdout).contains(&token),
        "status never prints a token"
    );

    // The proxy finds it too: a whole ssh session on the keyring's token, no file needed.
    let out = run(with_keyring(
        &mut world.ssh(SSH_HOST, "", "echo through-keyring"),
        ss.env(),
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "through-keyring");
    assert!(!world.cloudflared_dir().join(&name).exists());

    let out = run(&mut zssh_with(&world, ss.env(), &["logout", SSH_HOST]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(ss.token(&name), None, "logout removed the keyring entry");
}

#[test]
fn login_keeps_both_tokens_in_the_keyring() {
    let world = World::new();
    let ss = SecretService::unlocked(&world.home);
    let (browser, _launches) = world.browser(true);
    let out =
        run(zssh_with(&world, ss.env(), &["login", SSH_HOST])
            .envs(browser.iter().map(|(k, v)| (k, v))));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let app = app_token_name(&world);
    let org = format!("{}-org-token", world.edge.team());
    for name in [&app, &org] {
        let token = ss
            .token(name)
            .unwrap_or_else(|| panic!("{name} in the keyring"));
        assert!(
            token.starts_with("eyJ"),
            "a JWT, without a newline: {}",
            token.len()
        );
        assert!(!token.ends_with('\n'));
        assert!(
            !world.cloudflared_dir().join(name).exists(),
            "{name} is not also a file"
        );
    }
    let out = run(&mut zssh_with(&world, ss.env(), &["status", "--json"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let locations: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["location"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(locations, ["keyring", "keyring"], "{list}");
    // Every later process (here: the proxy under ssh) reads it from the keyring.
    let out = run(with_keyring(
        &mut world.ssh(SSH_HOST, "", "echo after-login"),
        ss.env(),
    ));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        world.edge.count(|r| r.kind == Kind::TokenCheck),
        1,
        "no second login"
    );
}

#[test]
fn file_mode_never_reads_the_keyring() {
    let world = World::new();
    let ss = SecretService::unlocked(&world.home);
    let name = app_token_name(&world);
    ss.store_token(&name, &world.edge.mint_app_token(SSH_HOST, 3600));
    let out =
        run(zssh_with(&world, ss.env(), &["token", SSH_HOST]).env("ZSSH_TOKEN_STORE", "file"));
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no cached token"));
    assert!(ss.token(&name).is_some(), "and left it alone");
}

/// The locked keyring holds a copy of the token (an unlock is needed to read it, and no prompt
/// can be shown): auto mode uses the file at once; keyring mode says why it cannot.
#[test]
fn a_locked_keyring_falls_back_to_files_without_waiting() {
    let world = World::new();
    let name = app_token_name(&world);
    SecretService::unlocked(&world.home).store_token(&name, "locked-away");
    let ss = SecretService::locked(&world.home);
    let file = world.seed_token(SSH_HOST, 3600);
    let started = Instant::now();
    let out = run(&mut zssh_with(
        &world,
        ss.env(),
        &["--log-level", "debug", "token", SSH_HOST],
    ));
    let took = started.elapsed();
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert_eq!(text(&out.stdout), std::fs::read_to_string(&file).unwrap());
    assert!(err.contains("OS keyring unavailable"), "{err}");
    // It failed, rather than running into zssh's 2 s bound on keyring calls.
    assert!(!err.contains("no answer within"), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");

    let out =
        run(zssh_with(&world, ss.env(), &["token", SSH_HOST]).env("ZSSH_TOKEN_STORE", "keyring"));
    assert_zssh_error(&out, 7, "ZSSH_TOKEN_STORE=keyring");
    assert_eq!(ss.token(&name), None, "still locked");
}

/// Issue 15 item 1: with the keyring locked (or its daemon away), logout could not reach the
/// token zssh stored there, yet said "nothing to do" (`--all`) or "removed 1 token" (HOST, after
/// deleting only the file copy) and exited 0; the token was used again once the keyring answered.
/// Now it removes what it can reach, says the keyring's copies may remain, exits non-zero and
/// names the command that finishes the job; run again with the keyring back, it does.
#[test]
fn logout_that_cannot_reach_the_keyring_says_so() {
    let world = World::new();
    let name = app_token_name(&world);
    {
        let ss = SecretService::unlocked(&world.home);
        let (browser, _) = world.browser(true);
        let out = run(with_keyring(
            &mut with_env(world.zssh(&["login", SSH_HOST]), &browser),
            ss.env(),
        ));
        assert_ok(&out);
        assert!(
            ss.token(&name).is_some(),
            "login stored the token in the keyring"
        );
    }
    for args in [vec!["logout", "--all"], vec!["logout", SSH_HOST]] {
        let ss = SecretService::locked(&world.home);
        world.seed_token(SSH_HOST, 3600); // a file copy as well, which logout can remove
        let out = run(&mut zssh_with(&world, ss.env(), &args));
        assert_zssh_error(&out, 7, "could not reach the keyring");
        let err = text(&out.stderr);
        assert!(
            err.contains("may remain") && err.contains("zssh logout"),
            "{args:?}: {err}"
        );
        assert!(
            !world.cloudflared_dir().join(&name).exists(),
            "{args:?}: the file copy went"
        );
    }
    let ss = SecretService::unlocked(&world.home);
    assert!(
        ss.token(&name).is_some(),
        "still in the keyring, as logout said"
    );
    let out = run(&mut zssh_with(&world, ss.env(), &["logout", "--all"]));
    assert_ok(&out);
    assert_eq!(ss.token(&name), None);
}

/// Issue 15 item 2: a name in the keyring and in a file is two rows, each with its own details
/// (the file row showed the keyring copy's: an expired token displayed for a valid file).
#[test]
fn status_shows_each_copy_as_it_is() {
    let world = World::new();
    let ss = SecretService::unlocked(&world.home);
    let name = app_token_name(&world);
    ss.store_token(&name, &world.edge.mint_app_token(SSH_HOST, -3600));
    world.seed_token(SSH_HOST, 3600);
    let out = run(&mut zssh_with(&world, ss.env(), &["status", "--json"]));
    assert_ok(&out);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut rows: Vec<(String, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == name.as_str())
        .map(|e| {
            (
                e["location"].as_str().unwrap().to_string(),
                e["expired"].as_bool().unwrap(),
            )
        })
        .collect();
    rows.sort();
    assert_eq!(rows.len(), 2, "{list}");
    assert!(rows[0].0 != rows[1].0, "{rows:?}");
    let keyring_row = rows.iter().find(|(l, _)| l.contains("keyring")).unwrap();
    let file_row = rows.iter().find(|(l, _)| !l.contains("keyring")).unwrap();
    assert!(
        keyring_row.1,
        "the keyring copy is the expired one: {rows:?}"
    );
    assert!(!file_row.1, "the file copy is valid: {rows:?}");
}
