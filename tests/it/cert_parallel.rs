//! Short-lived certificates under concurrency (issue 9 item 2): many ssh processes (plain
//! parallel `ssh`, Ansible forks without ControlMaster) that all find the certificate missing or
//! due, through the config `zssh config --short-lived-cert` writes. Every session must succeed and
//! the edge must see one cert_sign per renewal; the key on disk must stay the one the certificate
//! is for. Also: a key of the user's own (`--public-key`, `--identity`), and temp files left by
//! killed writers.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;

use crate::support::*;

/// Seconds of validity of an "about to expire" certificate: less than `zssh cert`'s default 60 s
/// margin, so the next ssh renews it.
const SHORT: u64 = 30;

fn cert_world() -> World {
    World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    })
}

fn cert_signs(w: &World) -> usize {
    w.edge.count(|r| r.kind == Kind::CertSign)
}

fn key_file(w: &World) -> PathBuf {
    w.cloudflared_dir().join(format!("{SSH_HOST}-cf_key"))
}

fn cert_file(w: &World) -> PathBuf {
    w.cloudflared_dir()
        .join(format!("{SSH_HOST}-cf_key-cert.pub"))
}

/// `zssh config HOST --short-lived-cert --user ME EXTRA`; returns ~/.ssh/config and pins the
/// host key under the alias the stanza sets.
fn write_config(w: &World, extra: &[&str]) -> PathBuf {
    let me = whoami();
    let mut cmd = w.zssh(&["config", SSH_HOST, "--short-lived-cert", "--user", &me]);
    cmd.args(extra);
    assert_ok(&run(&mut cmd));
    w.trust_host(&format!("{SSH_HOST}.zssh"));
    w.home.join(".ssh").join("config")
}

/// What ssh needs besides the written config: the world's known_hosts, no prompts, strict host
/// keys, and no connection sharing.
fn ssh_options(w: &World) -> Vec<String> {
    [
        format!("UserKnownHostsFile={}", w.known_hosts.display()),
        "BatchMode=yes".into(),
        "StrictHostKeyChecking=yes".into(),
        "IdentitiesOnly=yes".into(),
        "ControlMaster=no".into(),
        "ControlPath=none".into(),
    ]
    .into_iter()
    .flat_map(|o| ["-o".to_string(), o])
    .collect()
}

/// Start `n` ssh processes at once through `cfg`, wait for all; returns how many printed their
/// marker and exited 0, and the stderr of the others.
fn parallel_ssh(w: &World, cfg: &Path, n: usize, env: &[(String, String)]) -> (usize, Vec<String>) {
    let children: Vec<(usize, Child)> = (0..n)
        .map(|i| {
            let mut cmd = w.tool("ssh");
            cmd.arg("-F")
                .arg(cfg)
                .args(ssh_options(w))
                .arg(SSH_HOST)
                .arg(format!("echo session-{i}"))
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            (i, cmd.spawn().expect("start ssh"))
        })
        .collect();
    let mut ok = 0;
    let mut failures = Vec::new();
    for (i, child) in children {
        let out = child.wait_with_output().unwrap();
        if out.status.success() && text(&out.stdout) == format!("session-{i}\n") {
            ok += 1;
        } else {
            failures.push(format!(
                "session {i}: exit {:?}: {}",
                out.status.code(),
                text(&out.stderr)
            ));
        }
    }
    (ok, failures)
}

/// Replace the stored certificate with one the edge issues for SHORT seconds (one cert_sign).
fn make_due(w: &World) {
    w.edge.knobs.cert_valid_secs.store(SHORT, Ordering::SeqCst);
    assert_ok(&run(&mut w.zssh(&[
        "cert",
        "--hostname",
        SSH_HOST,
        "--force",
    ])));
    w.edge.knobs.cert_valid_secs.store(0, Ordering::SeqCst);
}

#[test]
fn forty_parallel_ssh_renew_once_from_nothing_and_when_due() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let cfg = write_config(&w, &[]);

    // No certificate yet.
    let (ok, failures) = parallel_ssh(&w, &cfg, 40, &[]);
    eprintln!(
        "from no certificate: {ok}/40 sessions, {} cert_sign",
        cert_signs(&w)
    );
    assert_eq!(ok, 40, "every session succeeds:\n{}", failures.join("\n"));
    assert_eq!(cert_signs(&w), 1, "one cert_sign for 40 ssh");
    let key = std::fs::read(key_file(&w)).unwrap();

    // The certificate is about to expire: the next 40 renew it once, with the same key.
    make_due(&w);
    let due_cert = std::fs::read(cert_file(&w)).unwrap();
    let before = cert_signs(&w);
    let (ok, failures) = parallel_ssh(&w, &cfg, 40, &[]);
    eprintln!(
        "certificate about to expire: {ok}/40 sessions, {} cert_sign for the renewal",
        cert_signs(&w) - before
    );
    assert_eq!(ok, 40, "every session succeeds:\n{}", failures.join("\n"));
    assert_eq!(cert_signs(&w), 3, "one more cert_sign for the renewal");
    assert_eq!(
        std::fs::read(key_file(&w)).unwrap(),
        key,
        "the key was kept"
    );
    assert_ne!(std::fs::read(cert_file(&w)).unwrap(), due_cert, "renewed");
}

/// Ansible ad hoc with 20 forks and no ControlMaster: 20 inventory hosts, all reaching the same
/// Access application (ansible_host) through the written config.
fn ansible(w: &World, cfg: &Path) -> (usize, String) {
    let ansible = which("ansible").expect("ansible is installed (.ci/setup installs ansible-core)");
    let inventory = w.tmp.path().join("inventory");
    let hosts: String = (1..=20)
        .map(|i| format!("node{i:02} ansible_host={SSH_HOST}\n"))
        .collect();
    std::fs::write(&inventory, format!("[fleet]\n{hosts}")).unwrap();
    let ssh_args = format!("-F {} {}", cfg.display(), ssh_options(w).join(" "));
    let mut cmd = w.tool(ansible.to_str().unwrap());
    cmd.args(["all", "-i"])
        .arg(&inventory)
        .args(["-f", "20", "-o", "-m", "raw", "-a", "echo fleet-ok"])
        .env("ANSIBLE_SSH_ARGS", ssh_args)
        .env("ANSIBLE_PIPELINING", "0")
        .env("ANSIBLE_LOCAL_TEMP", w.tmp.path().join("ansible-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .env("LC_ALL", "C.UTF-8");
    // pyenv shims find their interpreter through these.
    for var in ["PYENV_ROOT", "PYENV_VERSION"] {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    let out = run(&mut cmd);
    let stdout = text(&out.stdout);
    let ok = stdout
        .lines()
        .filter(|l| l.contains("| CHANGED | rc=0") && l.contains("fleet-ok"))
        .count();
    (
        ok,
        format!(
            "exit {:?}\n{stdout}\n{}",
            out.status.code(),
            text(&out.stderr)
        ),
    )
}

#[test]
fn ansible_twenty_forks_renew_once_from_nothing_and_when_due() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let cfg = write_config(&w, &[]);

    let (ok, output) = ansible(&w, &cfg);
    eprintln!(
        "ansible from no certificate: {ok}/20 hosts, {} cert_sign",
        cert_signs(&w)
    );
    assert_eq!(ok, 20, "every host succeeds:\n{output}");
    assert_eq!(cert_signs(&w), 1, "one cert_sign for 20 forks");

    make_due(&w);
    let before = cert_signs(&w);
    let (ok, output) = ansible(&w, &cfg);
    eprintln!(
        "ansible, certificate about to expire: {ok}/20 hosts, {} cert_sign for the renewal",
        cert_signs(&w) - before
    );
    assert_eq!(ok, 20, "every host succeeds:\n{output}");
    assert_eq!(cert_signs(&w), 3, "one more cert_sign for the renewal");
}

/// An expired certificate older than the rotation delay: a new key, installed so that the files
/// never pair a key with another key's certificate. One just expired: the key is kept.
#[test]
fn the_key_is_replaced_only_long_after_its_certificate_expired() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    let ca = w.tmp.path().join("old_ca");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", ca.to_str().unwrap()]);
    let public = w.cloudflared_dir().join(format!("{SSH_HOST}-cf_key.pub"));
    // Re-certify the stored key with a validity that ended `ago` (ssh-keygen's relative times).
    let expire = |window: &str| {
        ssh_keygen(&[
            "-q",
            "-s",
            ca.to_str().unwrap(),
            "-I",
            "old",
            "-n",
            &whoami(),
            "-V",
            window,
            public.to_str().unwrap(),
        ]);
    };
    let key = std::fs::read(key_file(&w)).unwrap();

    expire("-2h:-2m");
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    assert_eq!(cert_signs(&w), 2);
    assert_eq!(
        std::fs::read(key_file(&w)).unwrap(),
        key,
        "expired 2 min ago: kept"
    );

    expire("-2h:-1h");
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    assert_eq!(cert_signs(&w), 3);
    let new_key = std::fs::read(key_file(&w)).unwrap();
    assert_ne!(new_key, key, "expired an hour ago: a new key");
    // The three files agree.
    let derived = run(Command::new("ssh-keygen")
        .arg("-y")
        .arg("-f")
        .arg(key_file(&w)));
    assert_ok(&derived);
    let derived = text(&derived.stdout);
    let public_now = std::fs::read_to_string(&public).unwrap();
    let field = |s: &str| s.split_whitespace().nth(1).unwrap_or_default().to_string();
    assert_eq!(field(&derived), field(&public_now));
    let listed = run(Command::new("ssh-keygen")
        .arg("-L")
        .arg("-f")
        .arg(cert_file(&w)));
    assert_ok(&listed);
    let fp = run(Command::new("ssh-keygen").arg("-l").arg("-f").arg(&public));
    let fp = text(&fp.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(
        text(&listed.stdout).contains(&fp),
        "{}",
        text(&listed.stdout)
    );
}

/// A SIGKILLed writer's temp file (unlocked, old) is removed by the next renewal; a live
/// writer's (locked) is not.
#[test]
fn temp_files_of_killed_writers_are_removed_by_the_next_run() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let dir = w.cloudflared_dir();
    let stale = dir.join(".zssh-killed.tmp");
    let live = dir.join(".zssh-writing.tmp");
    for f in [&stale, &live] {
        std::fs::write(f, "-----BEGIN OPENSSH PRIVATE KEY-----\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(f)
            .unwrap()
            .set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(600))
            .unwrap();
    }
    // flock(1) holds a lock on the live one, as a writer still running does.
    let mut holder = Command::new("flock")
        .arg(&live)
        .args(["sh", "-c", "echo locked; exec cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line, "locked\n");
    assert_ok(&run(&mut w.zssh(&["cert", "--hostname", SSH_HOST])));
    assert!(!stale.exists(), "a killed writer's temp file is removed");
    assert!(live.exists(), "a live writer's temp file is left alone");
    drop(holder.stdin.take());
    holder.wait().unwrap();
}

/// A key of the user's own, held by ssh-agent (the private key file is gone): `zssh config
/// --identity` writes IdentityFile/CertificateFile for it, `zssh cert --public-key` (run by
/// Match exec) has it certified once for 20 parallel ssh, and ssh signs with the agent.
#[test]
fn own_key_in_ssh_agent_through_config_identity() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let keys = w.home.join("keys dir");
    std::fs::create_dir_all(&keys).unwrap();
    let private = keys.join("id_agent");
    ssh_keygen(&[
        "-q",
        "-t",
        "ed25519",
        "-N",
        "",
        "-f",
        private.to_str().unwrap(),
    ]);
    let agent = SshAgent::start(w.tmp.path());
    let sock = agent.sock.clone();
    let env = vec![("SSH_AUTH_SOCK".to_string(), sock.display().to_string())];
    assert_ok(&run(w
        .tool("ssh-add")
        .arg(&private)
        .env("SSH_AUTH_SOCK", &sock)));
    std::fs::remove_file(&private).unwrap();
    let public = keys.join("id_agent.pub");
    let public_before = std::fs::read(&public).unwrap();

    let cfg = write_config(&w, &["--identity", public.to_str().unwrap()]);
    let (ok, failures) = parallel_ssh(&w, &cfg, 20, &env);
    drop(agent);
    assert_eq!(ok, 20, "every session succeeds:\n{}", failures.join("\n"));
    assert_eq!(cert_signs(&w), 1);
    let cert = keys.join("id_agent-cert.pub");
    assert!(
        cert.is_file(),
        "the certificate is beside the key, OpenSSH's name"
    );
    assert_eq!(
        std::fs::read(&public).unwrap(),
        public_before,
        "the key is untouched"
    );
    assert!(!key_file(&w).exists(), "no key of zssh's own was made");
    assert!(
        w.sshd.log_text().contains("ED25519-CERT"),
        "{}",
        w.sshd.log_text()
    );
}

#[test]
fn public_key_errors_name_the_file() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let missing = w.tmp.path().join("nope.pub");
    let out = run(&mut w.zssh(&[
        "cert",
        "--hostname",
        SSH_HOST,
        "--public-key",
        missing.to_str().unwrap(),
    ]));
    assert_zssh_error(
        &out,
        2,
        &format!("cannot use the public key {}", missing.display()),
    );
    let garbage = w.tmp.path().join("garbage.pub");
    std::fs::write(&garbage, "ssh-ed25519 not-base64!\n").unwrap();
    let out = run(&mut w.zssh(&[
        "cert",
        "--hostname",
        SSH_HOST,
        "--public-key",
        garbage.to_str().unwrap(),
    ]));
    assert_zssh_error(&out, 2, "not an OpenSSH public key");
    let out = run(&mut w.zssh(&[
        "config",
        SSH_HOST,
        "--short-lived-cert",
        "--identity",
        missing.to_str().unwrap(),
    ]));
    assert_zssh_error(&out, 2, "cannot use the public key");
    let out = run(&mut w.zssh(&["config", SSH_HOST, "--identity", garbage.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(cert_signs(&w), 0);
}

/// A FIDO key's public half, as `ssh-keygen -t ecdsa-sk` writes it (the private half lives on
/// the authenticator, which a test machine has not: the certificate is checked with ssh-keygen).
const SK_PUBLIC: &str = "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBH92x6nWHT8RrHxWcKN1PlpZM2iLzOhxuDnZavbsnb3VViD8QigKMS2Y1cs2GpXRpPUJc75zU8fy118S6j7MURQAAAAEc3NoOg== me@laptop";

#[test]
fn a_fido_key_is_certified_beside_its_public_key() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let ssh_dir = w.home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let public = ssh_dir.join("id_ecdsa_sk.pub");
    std::fs::write(&public, format!("{SK_PUBLIC}\n")).unwrap();
    let cert_args = [
        "cert",
        "--hostname",
        SSH_HOST,
        "--public-key",
        public.to_str().unwrap(),
    ];
    let out = run(&mut w.zssh(&cert_args));
    assert_ok(&out);
    let cert = ssh_dir.join("id_ecdsa_sk-cert.pub");
    assert!(
        text(&out.stderr).contains(&cert.display().to_string()),
        "{}",
        text(&out.stderr)
    );
    let listed = run(Command::new("ssh-keygen").arg("-L").arg("-f").arg(&cert));
    assert_ok(&listed);
    let listing = text(&listed.stdout);
    assert!(
        listing.contains("sk-ecdsa-sha2-nistp256-cert-v01@openssh.com user certificate"),
        "{listing}"
    );
    let fp = run(Command::new("ssh-keygen").arg("-l").arg("-f").arg(&public));
    let fp = text(&fp.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(listing.contains(&fp), "certifies the key given:\n{listing}");
    assert_eq!(
        std::fs::read_to_string(&public).unwrap(),
        format!("{SK_PUBLIC}\n")
    );
    // Reused while valid; --force renews; --agent cannot hold a key zssh never had.
    assert_ok(&run(&mut w.zssh(&cert_args)));
    assert_eq!(cert_signs(&w), 1);
    let mut forced = w.zssh(&cert_args);
    forced.arg("--force");
    assert_ok(&run(&mut forced));
    assert_eq!(cert_signs(&w), 2);
    let mut agent = w.zssh(&cert_args);
    agent.arg("--agent");
    assert_zssh_error(&run(&mut agent), 2, "--agent cannot load a key");
    assert!(!key_file(&w).exists(), "no key of zssh's own was made");
}

/// The renewing process is SIGKILLed while it holds the lock (stuck talking to the edge): the
/// waiting one, which said whom it waits for, takes over at once and renews; nothing is left
/// half-written.
#[test]
fn a_killed_renewer_releases_the_others() {
    use std::io::BufRead;
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    w.edge.knobs.stall.store(true, Ordering::SeqCst);
    let spawn = || {
        w.zssh(&["cert", "--hostname", SSH_HOST])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut holder = spawn();
    // Wait until the holder has the lock (flock -n exits 75 on a conflict, 1 while the lock
    // directory does not exist yet); the stalled edge keeps it there.
    let lock = w
        .tmp
        .path()
        .join(format!("state/zssh/locks/{SSH_HOST}-cert.lock"));
    let mut waiter = loop {
        let probe = run(Command::new("flock")
            .args(["-n", "-E", "75"])
            .arg(&lock)
            .arg("true"));
        if probe.status.code() == Some(75) {
            break spawn();
        }
        assert!(holder.try_wait().unwrap().is_none(), "the holder is alive");
        std::thread::yield_now();
    };
    let mut stderr = std::io::BufReader::new(waiter.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert_eq!(
        line,
        format!(
            "zssh: another zssh process (pid {}) is renewing the certificate for {SSH_HOST}; waiting for it\n",
            holder.id()
        )
    );
    w.edge.knobs.stall.store(false, Ordering::SeqCst);
    holder.kill().unwrap(); // SIGKILL
    holder.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let status = waiter.wait().unwrap();
    assert!(status.success(), "{rest}");
    assert!(rest.contains("new certificate"), "{rest}");
    assert_eq!(cert_signs(&w), 1);
    let leftovers: Vec<_> = std::fs::read_dir(w.cloudflared_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // ssh accepts the pair.
    w.trust_host(SSH_HOST);
    let cf = w.cloudflared_dir();
    let mut ssh = w.tool("ssh");
    ssh.args([
        "-F",
        "none",
        "-o",
        "BatchMode=yes",
        "-o",
        "IdentitiesOnly=yes",
    ])
    .arg("-o")
    .arg(format!("UserKnownHostsFile={}", w.known_hosts.display()))
    .arg("-o")
    .arg(format!(
        "ProxyCommand={} proxy --hostname %h",
        zssh_bin().display()
    ))
    .arg("-i")
    .arg(cf.join(format!("{SSH_HOST}-cf_key")))
    .arg("-o")
    .arg(format!(
        "CertificateFile={}",
        cf.join(format!("{SSH_HOST}-cf_key-cert.pub")).display()
    ))
    .arg(format!("{}@{SSH_HOST}", whoami()))
    .arg("echo after-kill");
    let out = run(&mut ssh);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "after-kill\n");
}

#[test]
fn identity_in_the_printed_snippet() {
    let w = cert_world();
    let key = w.home.join("id_sk");
    std::fs::write(key.with_extension("pub"), format!("{SK_PUBLIC}\n")).unwrap();
    let out = run(&mut w.zssh(&[
        "config",
        SSH_HOST,
        "--short-lived-cert",
        "--print",
        "--identity",
        "~/id_sk",
    ]));
    assert_ok(&out);
    let home = w.home.display();
    assert!(
        text(&out.stdout).contains(&format!(
            "access ssh-gen --hostname %h --public-key {home}/id_sk.pub\"\n"
        )) && text(&out.stdout).contains(&format!(
            "  IdentityFile {home}/id_sk\n  CertificateFile {home}/id_sk-cert.pub\n"
        )),
        "{}",
        text(&out.stdout)
    );
}

/// `zssh cert` with a FIFO where the key or a certificate should be: it must finish (ssh's
/// Match exec runs it on every connection), never hang holding the renewal lock.
#[test]
fn a_fifo_in_place_of_the_key_or_certificate_does_not_hang() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let dir = w.cloudflared_dir();
    for victim in [
        key_file(&w),
        cert_file(&w),
        dir.join(format!("{SSH_HOST}-cf_key.pub")),
    ] {
        for f in [
            key_file(&w),
            cert_file(&w),
            dir.join(format!("{SSH_HOST}-cf_key.pub")),
        ] {
            let _ = std::fs::remove_file(f);
        }
        let out = run(std::process::Command::new("mkfifo").arg(&victim));
        assert_ok(&out);
        // `timeout` bounds a hang; it is not synchronisation.
        let mut cmd = w.tool("timeout");
        cmd.args([
            "60",
            zssh_bin().to_str().unwrap(),
            "cert",
            "--hostname",
            SSH_HOST,
            "--force",
        ]);
        let out = run(&mut cmd);
        assert_ok(&out);
    }
}

/// A symlink planted where the renewal lock lives is replaced, never written through.
#[test]
fn a_symlinked_lock_file_is_not_followed() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let precious = w.tmp.path().join("precious");
    std::fs::write(&precious, "precious\n").unwrap();
    let locks = w.tmp.path().join("state").join("zssh").join("locks");
    std::fs::create_dir_all(&locks).unwrap();
    set_mode(locks.parent().unwrap(), 0o700);
    set_mode(&locks, 0o700);
    std::os::unix::fs::symlink(&precious, locks.join(format!("{SSH_HOST}-cert.lock"))).unwrap();
    let out = run(&mut w.zssh(&["cert", "--hostname", SSH_HOST]));
    assert_ok(&out);
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "precious\n");
}
