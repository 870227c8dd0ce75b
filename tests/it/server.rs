//! `zssh server trust-ca` and `zssh server check` against real sshd_config files, real
//! `sshd -T`/`sshd -t`, and a live sshd that must accept a certificate after the reload.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use crate::support::{
    Sshd, assert_ok, assert_zssh_error, free_port, run, set_mode, ssh_keygen, text, which, whoami,
    zssh_bin,
};

fn sshd_bin() -> PathBuf {
    which("sshd").expect("sshd is installed")
}

/// `sshd -T -f file` as (key, value) pairs.
fn sshd_t(file: &Path) -> Vec<(String, String)> {
    let out = run(Command::new(sshd_bin()).arg("-T").arg("-f").arg(file));
    assert_ok(&out);
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn sshd_get(file: &Path, key: &str) -> String {
    sshd_t(file)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_default()
}

struct Setup {
    tmp: tempfile::TempDir,
    config: PathBuf,
    ca_file: PathBuf,
    ca_key: PathBuf,
}

impl Setup {
    /// A config with a top-level `PubkeyAuthentication no`, an Include of a file that says the
    /// same, and a Match block, CRLF-free but with comments to keep.
    fn new() -> Setup {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        let hk = d.join("host_ed25519");
        ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", hk.to_str().unwrap()]);
        let confd = d.join("conf.d");
        std::fs::create_dir_all(&confd).unwrap();
        std::fs::write(confd.join("10-no.conf"), "PubkeyAuthentication no\n").unwrap();
        let config = d.join("sshd_config");
        std::fs::write(
            &config,
            format!(
                "# Test sshd_config\n#   with a header\n\nPubkeyAuthentication no\nInclude {confd}/*.conf\nPort {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {pid}\nUsePAM no\n\nMatch User nobody\n    PubkeyAuthentication no\n",
                confd = confd.display(),
                port = free_port(),
                hk = hk.display(),
                pid = d.join("sshd.pid").display(),
            ),
        )
        .unwrap();
        set_mode(&config, 0o644);
        let ca = d.join("ca");
        ssh_keygen(&[
            "-q",
            "-t",
            "ed25519",
            "-N",
            "",
            "-C",
            "access-ca",
            "-f",
            ca.to_str().unwrap(),
        ]);
        Setup {
            config,
            ca_file: d.join("ca.pub.trusted"),
            ca_key: ca.with_extension("pub"),
            tmp,
        }
    }

    fn trust(&self, apply: bool) -> Output {
        let mut cmd = Command::new(zssh_bin());
        cmd.args(["server", "trust-ca", "--ca-key"])
            .arg(&self.ca_key)
            .arg("--sshd-config")
            .arg(&self.config)
            .arg("--ca-file")
            .arg(&self.ca_file);
        if apply {
            cmd.arg("--apply");
        }
        run(&mut cmd)
    }

    fn check(&self, with_key: bool) -> Output {
        let mut cmd = Command::new(zssh_bin());
        cmd.args(["server", "check", "--sshd-config"])
            .arg(&self.config);
        if with_key {
            cmd.arg("--ca-key").arg(&self.ca_key);
        }
        run(&mut cmd)
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_default()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o7777
}

#[test]
fn dry_run_changes_nothing_and_shows_the_diff() {
    let s = Setup::new();
    let before = read(&s.config);
    let out = s.trust(false);
    assert_ok(&out);
    let stdout = text(&out.stdout);
    assert_eq!(read(&s.config), before);
    assert!(!s.ca_file.exists());
    assert!(stdout.contains("+PubkeyAuthentication yes"), "{stdout}");
    assert!(
        stdout.contains(&format!("+TrustedUserCAKeys {}", s.ca_file.display())),
        "{stdout}"
    );
    assert!(stdout.contains("would"), "{stdout}");
    assert!(
        stdout.contains("line 4 sets PubkeyAuthentication no"),
        "{stdout}"
    );
    assert!(!PathBuf::from(format!("{}.zssh-backup", s.config.display())).exists());
}

#[test]
fn apply_makes_the_ca_effective_and_is_idempotent() {
    let s = Setup::new();
    let original = read(&s.config);
    // Before: check fails, naming the problem.
    assert_zssh_error(&s.check(true), 1, "trusts no user CA");

    let out = s.trust(true);
    assert_ok(&out);
    assert_eq!(sshd_get(&s.config, "pubkeyauthentication"), "yes");
    assert_eq!(
        sshd_get(&s.config, "trustedusercakeys"),
        s.ca_file.display().to_string()
    );
    assert_eq!(mode(&s.config), 0o644, "mode kept");
    assert_eq!(mode(&s.ca_file), 0o644, "CA file created 0644");
    let key_line = text(&read(&s.ca_key)).trim().to_string();
    assert_eq!(text(&read(&s.ca_file)), format!("{key_line}\n"));
    let backup = PathBuf::from(format!("{}.zssh-backup", s.config.display()));
    assert_eq!(read(&backup), original, "backup of the original");

    // Every original byte is still there, in order, after the inserted block.
    let now = text(&read(&s.config));
    let orig = text(&original);
    let header = "# Test sshd_config\n#   with a header\n\n";
    assert!(now.starts_with(header));
    assert!(now.ends_with(&orig[header.len()..]), "{now}");
    assert!(
        !text(&out.stdout).contains("not reloaded"),
        "no pid file: {}",
        text(&out.stdout)
    );

    // A second apply changes no byte, and the backup stays the original.
    let (config_1, ca_1) = (read(&s.config), read(&s.ca_file));
    let out = s.trust(true);
    assert_ok(&out);
    assert_eq!(read(&s.config), config_1);
    assert_eq!(read(&s.ca_file), ca_1);
    assert_eq!(read(&backup), original);

    // The same key under another comment is a duplicate.
    let mut other = key_line.rsplit_once(' ').unwrap().0.to_string();
    other.push_str(" another-comment\n");
    let other_path = s.tmp.path().join("other.pub");
    std::fs::write(&other_path, other).unwrap();
    let out = run(Command::new(zssh_bin())
        .args(["server", "trust-ca", "--apply", "--ca-key"])
        .arg(&other_path)
        .arg("--sshd-config")
        .arg(&s.config)
        .arg("--ca-file")
        .arg(&s.ca_file));
    assert_ok(&out);
    assert_eq!(read(&s.ca_file), ca_1);

    // A second CA is appended, the first and comments kept.
    let mut ca_text = text(&ca_1);
    ca_text.insert_str(0, "# kept comment\n");
    std::fs::write(&s.ca_file, &ca_text).unwrap();
    let ca2 = s.tmp.path().join("ca2");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", ca2.to_str().unwrap()]);
    let ca2_line = text(&read(&ca2.with_extension("pub"))).trim().to_string();
    let mut cmd = Command::new(zssh_bin());
    cmd.args([
        "server",
        "trust-ca",
        "--apply",
        "--ca-key",
        "-",
        "--sshd-config",
    ])
    .arg(&s.config)
    .arg("--ca-file")
    .arg(&s.ca_file)
    .stdin(std::process::Stdio::piped())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ca2_line.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_ok(&out);
    assert_eq!(text(&read(&s.ca_file)), format!("{ca_text}{ca2_line}\n"));
    assert_eq!(read(&s.config), config_1);

    // After: check passes, and names the file and the key.
    let out = s.check(true);
    assert_ok(&out);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("PubkeyAuthentication: yes"), "{stdout}");
    assert!(stdout.contains("(2 keys)"), "{stdout}");
    assert!(stdout.contains(": trusted"), "{stdout}");
    assert!(
        stdout.contains("does not answer"),
        "nothing listens: {stdout}"
    );
}

/// A temp file a killed run left beside sshd_config (unlocked, an hour old) is removed by the
/// next apply, which edits through the same file handling as the other commands (trust-ca
/// used to stage its own temp files and never removed a leftover).
#[test]
fn apply_removes_temp_files_a_killed_run_left() {
    let s = Setup::new();
    let stale = s.tmp.path().join(".zssh-killed.tmp");
    std::fs::write(&stale, "PubkeyAuth").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let out = s.trust(true);
    assert_ok(&out);
    assert_eq!(sshd_get(&s.config, "pubkeyauthentication"), "yes");
    assert!(!stale.exists(), "the leftover temp file is still there");
}

#[test]
fn a_config_sshd_rejects_changes_nothing() {
    let s = Setup::new();
    let before = read(&s.config);
    // An sshd whose test mode rejects anything mentioning TrustedUserCAKeys: the candidate fails
    // `sshd -t` while the original passes `sshd -T`.
    let bin = s.tmp.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("sshd");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nif [ \"$1\" = -t ] && grep -q TrustedUserCAKeys \"$3\"; then echo \"$3 line 5: Bad configuration option: TrustedUserCAKeys\" >&2; exit 255; fi\nexec {} \"$@\"\n",
            sshd_bin().display()
        ),
    )
    .unwrap();
    set_mode(&wrapper, 0o755);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = run(Command::new(zssh_bin())
        .env("PATH", path)
        .args(["server", "trust-ca", "--apply", "--ca-key"])
        .arg(&s.ca_key)
        .arg("--sshd-config")
        .arg(&s.config)
        .arg("--ca-file")
        .arg(&s.ca_file));
    assert_zssh_error(&out, 1, "Bad configuration option");
    assert_eq!(read(&s.config), before);
    assert!(!s.ca_file.exists());
    assert!(!PathBuf::from(format!("{}.zssh-backup", s.config.display())).exists());
    let leftovers: Vec<_> = std::fs::read_dir(s.tmp.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".zssh-"))
        .collect();
    assert!(leftovers.is_empty(), "staged file removed");
}

#[test]
fn bad_key_and_other_ca_file_are_refused() {
    let s = Setup::new();
    let bad = s.tmp.path().join("bad.pub");
    std::fs::write(&bad, "not a key\n").unwrap();
    let out = run(Command::new(zssh_bin())
        .args(["server", "trust-ca", "--ca-key"])
        .arg(&bad)
        .arg("--sshd-config")
        .arg(&s.config));
    assert_zssh_error(&out, 2, "not an OpenSSH public key");

    let mut conf = text(&read(&s.config));
    conf.insert_str(0, "TrustedUserCAKeys /somewhere/else.pub\n");
    std::fs::write(&s.config, &conf).unwrap();
    let out = s.trust(true);
    assert_zssh_error(&out, 2, "/somewhere/else.pub");
    assert_eq!(text(&read(&s.config)), conf);
}

#[test]
fn crlf_config_keeps_its_line_endings() {
    let s = Setup::new();
    let crlf = text(&read(&s.config)).replace('\n', "\r\n");
    std::fs::write(&s.config, &crlf).unwrap();
    let out = s.trust(true);
    assert_ok(&out);
    let now = text(&read(&s.config));
    assert!(
        !now.replace("\r\n", "").contains('\n'),
        "only CRLF: {now:?}"
    );
    assert!(now.ends_with(&crlf["# Test sshd_config\r\n#   with a header\r\n\r\n".len()..]));
    assert_eq!(sshd_get(&s.config, "pubkeyauthentication"), "yes");
}

/// A comment in Latin-1 (not UTF-8) does not stop trust-ca, and its bytes are kept exactly.
#[test]
fn a_config_that_is_not_utf8_keeps_every_byte() {
    let s = Setup::new();
    let mut original = b"# Modifi\xe9 par l'administrateur\n".to_vec();
    original.extend(read(&s.config));
    std::fs::write(&s.config, &original).unwrap();
    let out = s.trust(true);
    assert_ok(&out);
    assert_eq!(sshd_get(&s.config, "pubkeyauthentication"), "yes");
    let now = read(&s.config);
    // zssh inserted one ASCII block; around it, the file is what it was, byte for byte.
    let prefix = now
        .iter()
        .zip(&original)
        .take_while(|(a, b)| a == b)
        .count();
    assert!(now.len() > original.len());
    let inserted = &now[prefix..now.len() - (original.len() - prefix)];
    assert!(
        now.ends_with(&original[prefix..]),
        "{}",
        String::from_utf8_lossy(&now)
    );
    assert!(inserted.is_ascii(), "{inserted:?}");
    let backup = s.config.with_file_name("sshd_config.zssh-backup");
    assert_eq!(read(&backup), original);
}

/// A CA file with a comment that is not UTF-8 gets the key appended, every byte before it kept.
#[test]
fn a_ca_file_that_is_not_utf8_keeps_every_byte() {
    let s = Setup::new();
    let original = b"# cl\xe9 de l'\xe9quipe\n".to_vec();
    std::fs::write(&s.ca_file, &original).unwrap();
    let out = s.trust(true);
    assert_ok(&out);
    let now = read(&s.ca_file);
    assert!(now.starts_with(&original), "{now:?}");
    let key = text(&read(&s.ca_key));
    assert_eq!(text(&now[original.len()..]).trim(), key.trim());
    assert_eq!(
        sshd_get(&s.config, "trustedusercakeys"),
        s.ca_file.display().to_string()
    );
}

fn listening_count(sshd: &Sshd) -> usize {
    sshd.log_text().matches("Server listening on").count()
}

fn ssh_with_cert(dir: &Path, key: &Path, port: u16) -> Output {
    run(Command::new("ssh")
        .args([
            "-F",
            "none",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
        ])
        .args(["-o", "StrictHostKeyChecking=no", "-o", "LogLevel=ERROR"])
        .arg("-o")
        .arg(format!(
            "UserKnownHostsFile={}",
            dir.join("known_hosts").display()
        ))
        .arg("-i")
        .arg(key)
        .args(["-p", &port.to_string()])
        .arg(format!("{}@127.0.0.1", whoami()))
        .arg("echo cert-login-ok"))
}

#[test]
fn live_sshd_is_reloaded_and_accepts_a_certificate() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let ak = d.join("authorized_keys");
    std::fs::write(&ak, "").unwrap();
    let sshd_dir = d.join("sshd");
    let sshd = Sshd::start(&sshd_dir, None, &ak);
    let config = sshd_dir.join("sshd_config");
    let ca_file = sshd_dir.join("trusted_ca.pub");
    // Make it harder: an earlier `PubkeyAuthentication no` the edit has to beat.
    let conf = text(&read(&config));
    std::fs::write(&config, format!("PubkeyAuthentication no\n{conf}")).unwrap();

    let ca = d.join("ca");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", ca.to_str().unwrap()]);
    let key = d.join("id_ed25519");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", key.to_str().unwrap()]);
    let user = whoami();
    ssh_keygen(&[
        "-q",
        "-s",
        ca.to_str().unwrap(),
        "-I",
        "zssh-test",
        "-n",
        &user,
        "-V",
        "-1m:+5m",
        key.with_extension("pub").to_str().unwrap(),
    ]);

    let check = |want_ok: bool| {
        let out = run(Command::new(zssh_bin())
            .args(["server", "check", "--sshd-config"])
            .arg(&config)
            .arg("--ca-key")
            .arg(ca.with_extension("pub")));
        let stdout = text(&out.stdout);
        assert!(
            stdout.contains(&format!(
                "direct ssh 127.0.0.1:{}: answers",
                sshd.addr.port()
            )),
            "{stdout}"
        );
        if want_ok {
            assert_ok(&out);
        } else {
            assert_zssh_error(&out, 1, "");
        }
    };
    check(false);
    let refused = ssh_with_cert(d, &key, sshd.addr.port());
    assert!(!refused.status.success(), "no CA trusted yet");

    let before = listening_count(&sshd);
    let out = run(Command::new(zssh_bin())
        .args(["server", "trust-ca", "--apply", "--ca-key"])
        .arg(ca.with_extension("pub"))
        .arg("--sshd-config")
        .arg(&config)
        .arg("--ca-file")
        .arg(&ca_file));
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("SIGHUP"),
        "{}",
        text(&out.stdout)
    );

    // sshd re-executes on SIGHUP and says so by listening again.
    let deadline = Instant::now() + Duration::from_secs(20);
    while listening_count(&sshd) <= before {
        assert!(
            Instant::now() < deadline,
            "sshd did not reload: {}",
            sshd.log_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = ssh_with_cert(d, &key, sshd.addr.port());
    assert_ok(&out);
    assert_eq!(text(&out.stdout).trim(), "cert-login-ok");
    check(true);
}
