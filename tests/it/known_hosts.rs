//! `zssh known-hosts check|repair`: real sshd host keys fetched through the local edge (and
//! directly), compared with and written into known_hosts files that real OpenSSH then trusts.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

/// A second sshd with its own host key, and the world whose edge routes `SSH_HOST` to it, so
/// known_hosts can hold the first sshd's key: "the edge now routes to a different server".
struct Moved {
    w: World,
    _new: Sshd,
    _dir: tempfile::TempDir,
}

fn moved_world() -> Moved {
    let dir = tempfile::tempdir().unwrap();
    let ak = dir.path().join("authorized_keys");
    // sshd reads AuthorizedKeysFile at each login: it is filled once the world's key exists.
    let new = Sshd::start(&dir.path().join("sshd"), None, &ak);
    let to = new.addr;
    let w = World::build(move |cfg, _| cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(to))));
    std::fs::copy(w.key.with_extension("pub"), &ak).unwrap();
    w.seed_token(SSH_HOST, 3600);
    assert_ne!(w.sshd.host_pub, new.host_pub);
    Moved {
        w,
        _new: new,
        _dir: dir,
    }
}

/// `ssh HOST CMD` through zssh proxy, strict checking against the world's known_hosts only.
fn ssh_via_edge(w: &World, extra: &[&str], remote: &str) -> Output {
    let proxy = format!("{} proxy --hostname %h", zssh_bin().display());
    let mut cmd = w.tool("ssh");
    cmd.args(w.ssh_opts(&proxy))
        .args(extra)
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg(remote);
    run(&mut cmd)
}

/// `known-hosts VERB HOST` on the world's known_hosts, with no ssh config (the machine's own
/// /etc/ssh/ssh_config may set HashKnownHosts).
fn kh_args<'a>(w: &'a World, verb: &'a str, host: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec![
        "known-hosts",
        verb,
        host,
        "--ssh-config",
        "none",
        "--known-hosts",
    ];
    v.push(w.known_hosts.to_str().unwrap());
    v.extend_from_slice(extra);
    v
}

fn zssh(w: &World, args: &[&str]) -> Output {
    run(&mut w.zssh(args))
}

fn backup(path: &Path) -> PathBuf {
    PathBuf::from(format!("{}.zssh-backup", path.display()))
}

/// "TYPE BASE64" of a public key line.
fn key_part(pub_line: &str) -> String {
    pub_line
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
}

fn fingerprint(pub_line: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("k.pub");
    std::fs::write(&f, format!("{pub_line}\n")).unwrap();
    let out = run(Command::new("ssh-keygen").arg("-lf").arg(&f));
    assert_ok(&out);
    text(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string()
}

fn other_key() -> String {
    let dir = tempfile::tempdir().unwrap();
    let k = dir.path().join("k");
    ssh_keygen(&["-q", "-t", "ed25519", "-N", "", "-f", k.to_str().unwrap()]);
    key_part(&std::fs::read_to_string(k.with_extension("pub")).unwrap())
}

fn lines_without(bytes: &[u8], needle: &str) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|l| !String::from_utf8_lossy(l).contains(needle))
        .map(<[u8]>::to_vec)
        .collect()
}

#[test]
fn repair_through_the_edge_after_the_server_changed() {
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let new = key_part(&m._new.host_pub);
    let other = other_key();
    let before = format!(
        "# my hosts\n\nother.example {other}\r\n{SSH_HOST} {old} pinned-2024\nnot a valid line\n\
         @cert-authority *.test.example {other}\n*.example {other}\n\tlast.example\t{other}"
    );
    std::fs::write(&w.known_hosts, &before).unwrap();
    set_mode(&w.known_hosts, 0o640);

    // ssh refuses the new server.
    let out = ssh_via_edge(w, &[], "true");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Host key verification failed"),
        "{}",
        text(&out.stderr)
    );

    // check: differs, exit 1, both fingerprints shown, nothing changed.
    let out = zssh(w, &kh_args(w, "check", SSH_HOST, &[]));
    assert_zssh_error(&out, 1, "does not hold the key");
    let report = text(&out.stdout);
    assert!(report.contains(&fingerprint(&new)), "{report}");
    assert!(report.contains(&fingerprint(&old)), "{report}");
    assert!(report.contains("differs"), "{report}");
    assert!(report.contains("different server"), "{report}");
    assert!(text(&out.stderr).contains("zssh known-hosts repair"));
    assert_eq!(std::fs::read_to_string(&w.known_hosts).unwrap(), before);

    // repair without --yes and without a terminal: refused, nothing changed.
    let out = zssh(w, &kh_args(w, "repair", SSH_HOST, &[]));
    assert_zssh_error(&out, 2, "no terminal");
    assert!(text(&out.stderr).contains("--yes"));
    assert_eq!(std::fs::read_to_string(&w.known_hosts).unwrap(), before);
    assert!(!backup(&w.known_hosts).exists());

    // repair --yes: backup, the entry replaced in place, every other byte kept, mode kept.
    let out = zssh(w, &kh_args(w, "repair", SSH_HOST, &["--yes"]));
    assert_ok(&out);
    let after = std::fs::read(&w.known_hosts).unwrap();
    assert_eq!(
        std::fs::read_to_string(backup(&w.known_hosts)).unwrap(),
        before
    );
    assert_eq!(
        lines_without(&after, SSH_HOST),
        lines_without(before.as_bytes(), SSH_HOST)
    );
    let after_text = text(&after);
    assert!(
        after_text.contains(&format!("\r\n{SSH_HOST} {new}\nnot a valid line\n")),
        "{after_text}"
    );
    assert!(!after_text.contains(&old));
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&w.known_hosts)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o640);
    }

    // ssh now connects with strict checking.
    let out = ssh_via_edge(w, &[], "echo repaired");
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "repaired\n");

    // check: matches, exit 0. repair again: nothing changes, the backup stays the original.
    let out = zssh(w, &kh_args(w, "check", SSH_HOST, &[]));
    assert_ok(&out);
    assert!(text(&out.stdout).contains("matches"));
    let out = zssh(w, &kh_args(w, "repair", SSH_HOST, &[]));
    assert_ok(&out);
    assert_eq!(std::fs::read(&w.known_hosts).unwrap(), after);
    assert_eq!(
        std::fs::read_to_string(backup(&w.known_hosts)).unwrap(),
        before
    );
}

#[test]
fn a_hashed_file_stays_hashed() {
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let other = other_key();
    std::fs::write(
        &w.known_hosts,
        format!("other.example {other}\n{SSH_HOST} {old}\nthird.example {other}\n"),
    )
    .unwrap();
    // ssh-keygen -H hashes every entry and leaves known_hosts.old behind.
    ssh_keygen(&["-H", "-f", w.known_hosts.to_str().unwrap()]);
    let before = std::fs::read(&w.known_hosts).unwrap();
    let before_lines: Vec<&[u8]> = before.split_inclusive(|&b| b == b'\n').collect();
    assert!(before_lines.iter().all(|l| l.starts_with(b"|1|")));

    let out = zssh(w, &kh_args(w, "check", SSH_HOST, &[]));
    assert_zssh_error(&out, 1, "does not hold the key");
    assert!(
        text(&out.stdout).contains("hashed entry"),
        "{}",
        text(&out.stdout)
    );

    let out = zssh(w, &kh_args(w, "repair", SSH_HOST, &["-y"]));
    assert_ok(&out);
    assert!(
        text(&out.stdout).contains("hashed entry"),
        "{}",
        text(&out.stdout)
    );
    let after = std::fs::read(&w.known_hosts).unwrap();
    let after_lines: Vec<&[u8]> = after.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(after_lines.len(), 3);
    assert_eq!(after_lines[0], before_lines[0]);
    assert_eq!(after_lines[2], before_lines[2]);
    assert_ne!(after_lines[1], before_lines[1]);
    assert!(
        after_lines[1].starts_with(b"|1|"),
        "{}",
        text(after_lines[1])
    );
    // OpenSSH finds the new hashed entry under the host's name.
    let out = run(Command::new("ssh-keygen")
        .args(["-F", SSH_HOST, "-f"])
        .arg(&w.known_hosts));
    assert_ok(&out);
    assert!(text(&out.stdout).contains(&key_part(&m._new.host_pub)));
    assert_eq!(std::fs::read(backup(&w.known_hosts)).unwrap(), before);

    assert_ok(&ssh_via_edge(w, &[], "true"));
}

#[test]
fn a_missing_entry_is_reported_then_added() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let out = zssh(&w, &kh_args(&w, "check", SSH_HOST, &[]));
    assert_zssh_error(&out, 1, "has no entry for ssh.test.example");
    assert!(text(&out.stdout).contains("missing"));

    let out = zssh(&w, &kh_args(&w, "repair", SSH_HOST, &["--yes"]));
    assert_ok(&out);
    assert_eq!(
        std::fs::read_to_string(&w.known_hosts).unwrap(),
        format!("{SSH_HOST} {}\n", key_part(&w.sshd.host_pub))
    );
    assert_ok(&ssh_via_edge(&w, &[], "true"));
}

/// A known_hosts that is a symlink to a file not created yet (a dotfile manager's link): repair
/// creates the file where the link points, and the link stays a link (it used to be replaced by
/// a regular file).
#[test]
fn a_dangling_known_hosts_link_is_filled_in_and_stays_a_link() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let dotfiles = w.tmp.path().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let _ = std::fs::remove_file(&w.known_hosts);
    std::os::unix::fs::symlink("dotfiles/known_hosts", &w.known_hosts).unwrap();
    assert!(!dotfiles.join("known_hosts").exists());

    let out = zssh(&w, &kh_args(&w, "repair", SSH_HOST, &["--yes"]));
    assert_ok(&out);
    assert!(
        std::fs::symlink_metadata(&w.known_hosts)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced"
    );
    assert_eq!(
        std::fs::read_to_string(dotfiles.join("known_hosts")).unwrap(),
        format!("{SSH_HOST} {}\n", key_part(&w.sshd.host_pub))
    );
    assert_ok(&ssh_via_edge(&w, &[], "true"));
}

#[test]
fn host_key_alias_is_the_name_looked_up_and_written() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    std::fs::write(&w.known_hosts, format!("{SSH_HOST} {}\n", other_key())).unwrap();
    let out = zssh(
        &w,
        &kh_args(
            &w,
            "repair",
            SSH_HOST,
            &["--yes", "--host-key-alias", "box1"],
        ),
    );
    assert_ok(&out);
    let kh = std::fs::read_to_string(&w.known_hosts).unwrap();
    // The entry under the host's own name is not the alias's business.
    assert!(kh.starts_with(&format!("{SSH_HOST} ")), "{kh}");
    assert!(
        kh.ends_with(&format!("\nbox1 {}\n", key_part(&w.sshd.host_pub))),
        "{kh}"
    );
    assert_ok(&ssh_via_edge(&w, &["-o", "HostKeyAlias=box1"], "true"));
}

#[test]
fn direct_fetches_from_the_port_and_uses_the_bracketed_name() {
    let w = World::new();
    let port = w.sshd.addr.port().to_string();
    let name = format!("[127.0.0.1]:{port}");
    let other = other_key();
    std::fs::write(
        &w.known_hosts,
        format!("127.0.0.1 {other}\n{name} {other}\n"),
    )
    .unwrap();

    let args = |verb| {
        vec![
            "known-hosts".to_string(),
            verb,
            "127.0.0.1".into(),
            "--direct".into(),
            port.clone(),
            "--known-hosts".into(),
            w.known_hosts.display().to_string(),
            "--ssh-config".into(),
            "none".into(),
        ]
    };
    let call = |v: Vec<String>, extra: &[&str]| {
        let mut a: Vec<&str> = v.iter().map(String::as_str).collect();
        a.extend_from_slice(extra);
        zssh(&w, &a)
    };

    let out = call(args("check".into()), &[]);
    assert_zssh_error(&out, 1, "does not hold the key");
    assert!(
        text(&out.stdout).contains("directly from 127.0.0.1 port"),
        "{}",
        text(&out.stdout)
    );
    let out = call(args("repair".into()), &["--yes"]);
    assert_ok(&out);
    // Only the [127.0.0.1]:PORT entry names this port; the port-22 entry stays.
    assert_eq!(
        std::fs::read_to_string(&w.known_hosts).unwrap(),
        format!("127.0.0.1 {other}\n{name} {}\n", key_part(&w.sshd.host_pub))
    );
    // The edge was never asked.
    assert_eq!(w.edge.requests().len(), 0);

    let mut ssh = w.tool("ssh");
    ssh.args(w.ssh_opts("none"))
        .args(["-p", &port])
        .arg(format!("{}@127.0.0.1", whoami()))
        .arg("echo direct");
    let out = run(&mut ssh);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "direct\n");

    let out = call(args("check".into()), &[]);
    assert_ok(&out);
}

/// Every key exchange zssh can start, against a real sshd allowed only that one and one host key
/// type: the key recorded is the server's key of that type (RSA, ECDSA of each curve, Ed25519).
#[test]
fn each_key_exchange_and_key_type_yields_the_servers_key() {
    let w = World::new();
    let cases = [
        ("curve25519-sha256", "ed25519", "", "ssh-ed25519"),
        (
            "curve25519-sha256@libssh.org",
            "rsa",
            "2048",
            "rsa-sha2-256",
        ),
        ("ecdh-sha2-nistp256", "ecdsa", "256", "ecdsa-sha2-nistp256"),
        ("ecdh-sha2-nistp384", "ecdsa", "384", "ecdsa-sha2-nistp384"),
        ("ecdh-sha2-nistp521", "ecdsa", "521", "ecdsa-sha2-nistp521"),
        (
            "diffie-hellman-group14-sha256",
            "rsa",
            "2048",
            "rsa-sha2-512",
        ),
        (
            "diffie-hellman-group16-sha512",
            "ed25519",
            "",
            "ssh-ed25519",
        ),
        (
            "diffie-hellman-group18-sha512",
            "ecdsa",
            "256",
            "ecdsa-sha2-nistp256",
        ),
        ("diffie-hellman-group14-sha1", "rsa", "2048", "rsa-sha2-512"),
    ];
    for (i, (kex, kind, bits, algo)) in cases.into_iter().enumerate() {
        let dir = w.home.join(format!("sshd-kex-{i}"));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("host_key");
        let mut keygen = vec!["-q", "-t", kind, "-N", "", "-f", key.to_str().unwrap()];
        if !bits.is_empty() {
            keygen.extend(["-b", bits]);
        }
        ssh_keygen(&keygen);
        let extra = format!(
            "HostKey {}\nKexAlgorithms {kex}\nHostKeyAlgorithms {algo}\n",
            key.display()
        );
        let sshd = Sshd::start_with(&dir, &w.home.join("no_keys"), &extra);
        let kh = dir.join("known_hosts");
        let port = sshd.addr.port().to_string();
        let out = zssh(
            &w,
            &[
                "known-hosts",
                "repair",
                "127.0.0.1",
                "--direct",
                &port,
                "--yes",
                "--ssh-config",
                "none",
                "--known-hosts",
                kh.to_str().unwrap(),
            ],
        );
        assert_ok(&out);
        let want = key_part(&std::fs::read_to_string(key.with_extension("pub")).unwrap());
        assert_eq!(
            std::fs::read_to_string(&kh).unwrap(),
            format!("[127.0.0.1]:{port} {want}\n"),
            "{kex} {kind}"
        );
    }
}

#[test]
fn direct_to_a_closed_port_is_unreachable() {
    let w = World::new();
    let port = free_port().to_string();
    let out = zssh(
        &w,
        &["known-hosts", "check", "127.0.0.1", "--direct", &port],
    );
    assert_zssh_error(&out, 5, "cannot connect to 127.0.0.1 port");
}

/// A user ssh config that `zssh config` then extends: the world's key, these known_hosts files.
fn users_config(w: &World, user_files: &[&Path], global: &Path, extra: &str) -> PathBuf {
    let ssh_dir = w.home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    let cfg = ssh_dir.join("config");
    let files: Vec<String> = user_files.iter().map(|p| p.display().to_string()).collect();
    std::fs::write(
        &cfg,
        format!(
            "User {}\nIdentityFile {}\nIdentitiesOnly yes\nBatchMode yes\nStrictHostKeyChecking yes\n\
             UserKnownHostsFile {}\nGlobalKnownHostsFile {}\n{extra}",
            whoami(),
            w.key.display(),
            files.join(" "),
            global.display()
        ),
    )
    .unwrap();
    cfg
}

/// `ssh -F CFG HOST REMOTE`: nothing but the config decides (strict checking is in it).
fn ssh_via_config(w: &World, cfg: &Path, remote: &str) -> Output {
    run(w
        .tool("ssh")
        .arg("-F")
        .arg(cfg)
        .args(["-o", "LogLevel=ERROR"])
        .arg(SSH_HOST)
        .arg(remote))
}

/// Issue 9 item 5: after `zssh config HOST` ssh checks the key under `HOST.zssh`; repair used
/// to add a plain `HOST` entry and call it done while ssh kept refusing.
#[test]
fn repair_after_zssh_config_fixes_the_alias_entry_ssh_checks() {
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let new = key_part(&m._new.host_pub);
    let other = other_key();
    let alias = format!("{SSH_HOST}.zssh");
    let dir = w.tmp.path();
    let (kh1, kh2, global) = (dir.join("kh1"), dir.join("kh2"), dir.join("global_kh"));
    // The first file has other hosts; the second the pin from an earlier connection; the
    // system-wide one an old key too.
    let kh1_text = format!("other.example {other}\n");
    let kh2_text = format!("# pinned\n{alias} {old}\nthird.example {other}\n");
    let global_text = format!("{alias} {old}\n");
    std::fs::write(&kh1, &kh1_text).unwrap();
    std::fs::write(&kh2, &kh2_text).unwrap();
    std::fs::write(&global, &global_text).unwrap();
    let cfg = users_config(w, &[&kh1, &kh2], &global, "HashKnownHosts yes\n");
    let cfg_s = cfg.display().to_string();
    assert_ok(&run(&mut w.zssh(&["config", SSH_HOST])));
    assert!(
        std::fs::read_to_string(w.home.join(".ssh/zssh_config"))
            .unwrap()
            .contains(&format!("HostKeyAlias {alias}"))
    );

    let out = ssh_via_config(w, &cfg, "true");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Host key verification failed"),
        "{}",
        text(&out.stderr)
    );

    // check: the entries ssh checks, under the alias, in every file.
    let out = zssh(w, &["known-hosts", "check", SSH_HOST, "-F", &cfg_s]);
    assert_zssh_error(&out, 1, "does not hold the key");
    let report = text(&out.stdout);
    assert!(report.contains(&format!("stored as {alias}")), "{report}");
    assert!(
        report.contains(&format!("{} line 2", kh2.display())),
        "{report}"
    );
    assert!(report.contains("system-wide"), "{report}");
    assert!(report.contains("differs"), "{report}");

    let out = zssh(
        w,
        &["known-hosts", "repair", SSH_HOST, "-F", &cfg_s, "--yes"],
    );
    assert_ok(&out);
    // The stale pin is replaced where it was (plain, as it was); the rest of every file stays.
    assert_eq!(std::fs::read_to_string(&kh1).unwrap(), kh1_text);
    assert_eq!(
        std::fs::read_to_string(&kh2).unwrap(),
        format!("# pinned\n{alias} {new}\nthird.example {other}\n")
    );
    assert_eq!(std::fs::read_to_string(&global).unwrap(), global_text);
    assert_eq!(std::fs::read_to_string(backup(&kh2)).unwrap(), kh2_text);
    assert!(!backup(&kh1).exists());

    // Strict ssh through the written config now connects.
    let out = ssh_via_config(w, &cfg, "echo repaired");
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "repaired\n");
    let out = zssh(w, &["known-hosts", "check", SSH_HOST, "-F", &cfg_s]);
    assert_ok(&out);
    assert!(text(&out.stdout).contains("matches"));
}

/// With no entry at all, the new one goes to the first UserKnownHostsFile, hashed when the
/// config says HashKnownHosts yes, under the HostKeyAlias.
#[test]
fn a_new_entry_goes_where_ssh_adds_keys_hashed_as_ssh_would() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let dir = w.tmp.path();
    let (kh1, kh2) = (dir.join("kh1"), dir.join("kh2"));
    let cfg = users_config(
        &w,
        &[&kh1, &kh2],
        &dir.join("no_global"),
        &format!(
            "HashKnownHosts yes\nHost {SSH_HOST}\n  HostKeyAlias box7\n  ProxyCommand {} proxy --hostname %h\n",
            zssh_bin().display()
        ),
    );
    let cfg_s = cfg.display().to_string();
    let out = zssh(&w, &["known-hosts", "check", SSH_HOST, "-F", &cfg_s]);
    assert_zssh_error(&out, 1, "has no entry for box7");
    let out = zssh(&w, &["known-hosts", "repair", SSH_HOST, "-F", &cfg_s, "-y"]);
    assert_ok(&out);
    let written = std::fs::read_to_string(&kh1).unwrap();
    assert!(written.starts_with("|1|"), "{written}");
    assert!(!kh2.exists());
    let found = run(Command::new("ssh-keygen")
        .args(["-F", "box7", "-f"])
        .arg(&kh1));
    assert_ok(&found);
    assert!(text(&found.stdout).contains(&key_part(&w.sshd.host_pub)));
    assert_ok(&ssh_via_config(&w, &cfg, "true"));
}

/// Issue 9 item 5: lines other ssh processes append while repair waits for its answer are kept
/// (repair used to write the file it had read before the network and the question).
#[test]
fn lines_ssh_appends_while_repair_asks_are_kept() {
    use std::io::{Read, Write};
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let new = key_part(&m._new.host_pub);
    let other = other_key();
    std::fs::write(
        &w.known_hosts,
        format!("a.example {other}\n{SSH_HOST} {old}\nb.example {other}\n"),
    )
    .unwrap();

    // repair on a terminal (script(1) gives it one), stopped at its question.
    let cmd = format!(
        "{} known-hosts repair {SSH_HOST} --known-hosts {}",
        zssh_bin().display(),
        w.known_hosts.display()
    );
    let mut child = w
        .tool("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .env("ZSSH_NONINTERACTIVE", "0")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !text(&seen).contains("[y/N]") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "repair ended without asking:\n{}", text(&seen));
        seen.extend_from_slice(&buf[..n]);
    }

    // Meanwhile real ssh sessions to other hosts add their keys to the same file.
    let port = w.sshd.addr.port().to_string();
    for host in ["127.0.0.1", "localhost"] {
        let out = run(w
            .tool("ssh")
            .args([
                "-F",
                "none",
                "-o",
                "BatchMode=yes",
                "-o",
                "IdentitiesOnly=yes",
            ])
            .args([
                "-o",
                "StrictHostKeyChecking=accept-new",
                "-o",
                "LogLevel=ERROR",
            ])
            .arg("-o")
            .arg(format!("UserKnownHostsFile={}", w.known_hosts.display()))
            .arg("-i")
            .arg(&w.key)
            .args(["-p", &port])
            .arg(format!("{}@{host}", whoami()))
            .arg("true"));
        assert_ok(&out);
    }
    let appended: Vec<String> = std::fs::read_to_string(&w.known_hosts)
        .unwrap()
        .lines()
        .skip(3)
        .map(str::to_string)
        .collect();
    assert_eq!(appended.len(), 2, "{appended:?}");

    stdin.write_all(b"y\n").unwrap();
    stdin.flush().unwrap();
    let mut rest = Vec::new();
    stdout.read_to_end(&mut rest).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    seen.extend_from_slice(&rest);
    assert!(status.success(), "{}", text(&seen));

    let after = std::fs::read_to_string(&w.known_hosts).unwrap();
    let mut want = format!("a.example {other}\n{SSH_HOST} {new}\nb.example {other}\n");
    for l in &appended {
        want.push_str(l);
        want.push('\n');
    }
    assert_eq!(after, want);
    // The sessions that added keys connect again with strict checking; so does the repaired one.
    let out = run(w
        .tool("ssh")
        .args(w.ssh_opts("none"))
        .args(["-p", &port])
        .arg(format!("{}@127.0.0.1", whoami()))
        .arg("true"));
    assert_ok(&out);
    assert_ok(&ssh_via_edge(w, &[], "true"));
}

/// An append that lands after repair re-read the file and before it replaces it (the test hook
/// runs a real ssh there, once) makes the rewrite start over instead of dropping the line.
#[test]
fn an_append_during_the_rewrite_is_kept() {
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let new = key_part(&m._new.host_pub);
    std::fs::write(&w.known_hosts, format!("{SSH_HOST} {old}\n")).unwrap();
    let port = w.sshd.addr.port();
    // accept-new adds the key the first time only: the hook appends exactly once.
    let hook = format!(
        "ssh -F none -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new \
         -o LogLevel=ERROR -o UserKnownHostsFile={kh} -i {key} -p {port} {user}@127.0.0.1 true",
        kh = w.known_hosts.display(),
        key = w.key.display(),
        user = whoami()
    );
    let out = run(w
        .zssh(&kh_args(w, "repair", SSH_HOST, &["--yes"]))
        .env("ZSSH_TEST_KNOWN_HOSTS_HOOK", &hook));
    assert_ok(&out);
    let after = std::fs::read_to_string(&w.known_hosts).unwrap();
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(lines.len(), 2, "{after}");
    assert_eq!(lines[0], format!("{SSH_HOST} {new}"));
    assert!(
        lines[1].starts_with(&format!("[127.0.0.1]:{port} ")),
        "{after}"
    );
    assert_eq!(
        std::fs::read_to_string(backup(&w.known_hosts)).unwrap(),
        format!("{SSH_HOST} {old}\n")
    );
}

/// Issue 9 item 5: a repair killed while it backs the file up (here by the file size limit's
/// SIGXFSZ, deterministic) leaves no truncated backup behind, so the next repair takes a whole one
/// (a partial backup used to stay, and was never taken again).
#[test]
fn a_repair_killed_mid_backup_leaves_no_truncated_backup() {
    let m = moved_world();
    let w = &m.w;
    let old = key_part(&w.sshd.host_pub);
    let other = other_key();
    let mut before = String::new();
    for i in 0..100 {
        before.push_str(&format!("host{i}.example {other}\n"));
    }
    before.push_str(&format!("{SSH_HOST} {old}\n"));
    assert!(before.len() > 8 * 1024);
    std::fs::write(&w.known_hosts, &before).unwrap();

    let kh = w.known_hosts.display().to_string();
    let repair = [
        "known-hosts",
        "repair",
        SSH_HOST,
        "--known-hosts",
        kh.as_str(),
        "--yes",
    ];
    // At most 4 KiB per file written: the backup write is killed part way.
    let mut args = vec![
        "-c".to_string(),
        "ulimit -c 0; ulimit -f 8; exec \"$@\"".into(),
        "sh".into(),
    ];
    args.push(zssh_bin().display().to_string());
    args.extend(repair.iter().map(|s| s.to_string()));
    let out = run(w.tool("sh").args(&args));
    // Killed by SIGXFSZ: no exit code.
    assert_eq!(out.status.code(), None, "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(&w.known_hosts).unwrap(), before);
    if let Ok(partial) = std::fs::read(backup(&w.known_hosts)) {
        panic!("a truncated backup of {} bytes was left", partial.len());
    }

    let out = zssh(w, &repair);
    assert_ok(&out);
    assert_eq!(
        std::fs::read_to_string(backup(&w.known_hosts)).unwrap(),
        before
    );
    assert_ok(&ssh_via_edge(w, &[], "true"));
}

/// A Port in the ssh config changes the name ssh looks the key up under (`[host]:port`), even
/// through a ProxyCommand; repair writes that name and strict ssh then connects.
#[test]
fn the_port_from_the_ssh_config_names_the_entry() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    let other = other_key();
    std::fs::write(&w.known_hosts, format!("{SSH_HOST} {other}\n")).unwrap();
    let cfg = users_config(
        &w,
        &[&w.known_hosts],
        &w.tmp.path().join("no_global"),
        &format!(
            "Host {SSH_HOST}\n  Port 2222\n  ProxyCommand {} proxy --hostname %h\n",
            zssh_bin().display()
        ),
    );
    let cfg_s = cfg.display().to_string();
    let name = format!("[{SSH_HOST}]:2222");
    let out = zssh(&w, &["known-hosts", "check", SSH_HOST, "-F", &cfg_s]);
    assert_zssh_error(&out, 1, &format!("has no entry for {name}"));
    let out = zssh(&w, &["known-hosts", "repair", SSH_HOST, "-F", &cfg_s, "-y"]);
    assert_ok(&out);
    // The port-22 entry is another name's business and stays.
    assert_eq!(
        std::fs::read_to_string(&w.known_hosts).unwrap(),
        format!(
            "{SSH_HOST} {other}\n{name} {}\n",
            key_part(&w.sshd.host_pub)
        )
    );
    assert_ok(&ssh_via_config(&w, &cfg, "true"));
}
