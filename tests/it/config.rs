//! `zssh config` with real OpenSSH: `ssh -G` shows what the written config means, real ssh, scp,
//! sftp and rsync connect through the edge using only that config, and the user's own config
//! keeps every byte (CRLF, tabs, comments, Match blocks, Includes, symlinks, mode) through
//! config, re-runs and --uninstall.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};

use crate::support::*;

fn cert_world() -> World {
    World::build(|mut cfg, sshd| {
        cfg.user_email = format!("{}@example.com", whoami());
        cfg.app(AppConfig::new(SSH_HOST, Origin::Tcp(sshd)))
    })
}

/// The running zssh as the config names it (current_exe resolves symlinks).
fn zssh_path() -> String {
    std::fs::canonicalize(zssh_bin())
        .unwrap()
        .display()
        .to_string()
}

fn ssh_config(w: &World) -> PathBuf {
    w.home.join(".ssh").join("config")
}

fn managed(w: &World) -> PathBuf {
    w.home.join(".ssh").join("zssh_config")
}

fn backup(w: &World) -> PathBuf {
    w.home.join(".ssh").join("config.zssh-backup")
}

fn config(w: &World, args: &[&str]) -> Output {
    let mut cmd = w.zssh(&["config"]);
    cmd.args(args);
    run(&mut cmd)
}

fn config_ok(w: &World, args: &[&str]) -> Output {
    let out = config(w, args);
    assert_ok(&out);
    out
}

/// `ssh -G -F ~/.ssh/config HOST` as (option, value) pairs.
fn ssh_g(w: &World, cfg: &Path, host: &str) -> Vec<(String, String)> {
    let out = run(w.tool("ssh").arg("-G").arg("-F").arg(cfg).arg(host));
    assert_ok(&out);
    text(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn values<'a>(g: &'a [(String, String)], key: &str) -> Vec<&'a str> {
    g.iter()
        .filter(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// `PROGRAM -F <cfg>` plus only what the test world needs besides the written config: the
/// world's known_hosts, batch mode and strict host key checking (and, for `keys`, its key).
fn via_config(w: &World, program: &str, cfg: &Path, keys: bool) -> std::process::Command {
    let mut cmd = w.tool(program);
    cmd.arg("-F").arg(cfg).args(ssh_options(w, keys));
    cmd
}

fn ssh_options(w: &World, keys: bool) -> Vec<String> {
    let mut o = vec![
        "-o".to_string(),
        format!("UserKnownHostsFile={}", w.known_hosts.display()),
        "-o".into(),
        "BatchMode=yes".into(),
        "-o".into(),
        "StrictHostKeyChecking=yes".into(),
        "-o".into(),
        "IdentitiesOnly=yes".into(),
        "-o".into(),
        "LogLevel=ERROR".into(),
    ];
    if keys {
        o.push("-i".into());
        o.push(w.key.display().to_string());
    }
    o
}

#[test]
fn ssh_g_shows_the_stanzas() {
    let w = World::new();
    config_ok(
        &w,
        &[
            SSH_HOST,
            "*.wild.example",
            "--user",
            "alice",
            "--destination",
            "db.internal:22",
        ],
    );
    let z = zssh_path();
    let cfg = ssh_config(&w);
    let g = ssh_g(&w, &cfg, SSH_HOST);
    assert_eq!(
        values(&g, "proxycommand"),
        [format!(
            "{z} proxy --hostname %h --destination db.internal:22"
        )]
    );
    assert_eq!(values(&g, "hostkeyalias"), [format!("{SSH_HOST}.zssh")]);
    assert_eq!(values(&g, "serveraliveinterval"), ["60"]);
    assert_eq!(values(&g, "serveralivecountmax"), ["3"]);
    assert_eq!(values(&g, "user"), ["alice"]);
    assert_eq!(values(&g, "controlmaster"), ["false"]);

    // A wildcard: the proxy, but no alias to pin keys under.
    let g = ssh_g(&w, &cfg, "a.wild.example");
    assert_eq!(
        values(&g, "proxycommand"),
        [format!(
            "{z} proxy --hostname %h --destination db.internal:22"
        )]
    );
    assert!(values(&g, "hostkeyalias").is_empty(), "{g:?}");
    let managed_text = std::fs::read_to_string(managed(&w)).unwrap();
    assert!(managed_text.contains("# No HostKeyAlias"), "{managed_text}");

    // Other hosts are untouched.
    let g = ssh_g(&w, &cfg, "elsewhere.example");
    assert!(values(&g, "proxycommand").is_empty(), "{g:?}");
    assert!(values(&g, "hostkeyalias").is_empty(), "{g:?}");

    // Files: the managed one private, the new config private too.
    use std::os::unix::fs::PermissionsExt;
    for f in [managed(&w), cfg.clone()] {
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    // Nothing existed before, so there is nothing to back up.
    assert!(!backup(&w).exists());
}

#[test]
fn short_lived_cert_config_serves_ssh_scp_sftp_and_rsync() {
    let w = cert_world();
    w.seed_token(SSH_HOST, 3600);
    let me = whoami();
    config_ok(&w, &[SSH_HOST, "--short-lived-cert", "--user", &me]);
    let cfg = ssh_config(&w);
    let cf = w.cloudflared_dir().display().to_string();

    // ssh -G evaluates Match exec, which runs `zssh cert` and gets the first certificate.
    let g = ssh_g(&w, &cfg, SSH_HOST);
    assert_eq!(
        values(&g, "proxycommand"),
        [format!("{} proxy --hostname %h", zssh_path())]
    );
    assert_eq!(values(&g, "hostkeyalias"), [format!("{SSH_HOST}.zssh")]);
    assert_eq!(values(&g, "serveraliveinterval"), ["60"]);
    let ids = values(&g, "identityfile");
    assert!(
        ids.contains(&format!("{cf}/{SSH_HOST}-cf_key").as_str())
            || ids.contains(&format!("{cf}/%h-cf_key").as_str()),
        "{ids:?}"
    );
    let certs = values(&g, "certificatefile");
    assert!(
        certs.contains(&format!("{cf}/{SSH_HOST}-cf_key-cert.pub").as_str())
            || certs.contains(&format!("{cf}/%h-cf_key-cert.pub").as_str()),
        "{certs:?}"
    );
    assert!(
        w.cloudflared_dir()
            .join(format!("{SSH_HOST}-cf_key-cert.pub"))
            .is_file()
    );

    // The proxy's host key is pinned under the alias, nowhere else.
    w.trust_host(&format!("{SSH_HOST}.zssh"));

    let out = run(via_config(&w, "ssh", &cfg, false)
        .arg(SSH_HOST)
        .arg("echo through-config"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "through-config\n");
    assert!(
        w.sshd.log_text().contains("ECDSA-CERT"),
        "sshd accepted the certificate:\n{}",
        w.sshd.log_text()
    );

    // scp up, sftp down, rsync up.
    let local = w.tmp.path().join("payload");
    let payload: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(&local, &payload).unwrap();
    let remote_dir = w.tmp.path().join("remote");
    std::fs::create_dir_all(&remote_dir).unwrap();

    let scp_dest = remote_dir.join("by-scp");
    let out = run(via_config(&w, "scp", &cfg, false)
        .arg(&local)
        .arg(format!("{SSH_HOST}:{}", scp_dest.display())));
    assert_ok(&out);
    assert_eq!(std::fs::read(&scp_dest).unwrap(), payload);

    let sftp_dest = w.tmp.path().join("by-sftp");
    let batch = w.tmp.path().join("sftp-batch");
    std::fs::write(
        &batch,
        format!("get {} {}\n", scp_dest.display(), sftp_dest.display()),
    )
    .unwrap();
    let out = run(via_config(&w, "sftp", &cfg, false)
        .arg("-b")
        .arg(&batch)
        .arg(SSH_HOST));
    assert_ok(&out);
    assert_eq!(std::fs::read(&sftp_dest).unwrap(), payload);

    let rsync = which("rsync").expect("rsync is installed (apt-get install rsync)");
    let rsync_dest = remote_dir.join("by-rsync");
    let rsh = format!(
        "ssh -F {} {}",
        cfg.display(),
        ssh_options(&w, false).join(" ")
    );
    let out = run(w
        .tool(rsync.to_str().unwrap())
        .arg("-e")
        .arg(&rsh)
        .arg(&local)
        .arg(format!("{SSH_HOST}:{}", rsync_dest.display())));
    assert_ok(&out);
    assert_eq!(std::fs::read(&rsync_dest).unwrap(), payload);

    // One certificate served ssh -G and all five connections.
    assert_eq!(w.edge.count(|r| r.kind == Kind::CertSign), 1);
}

#[test]
fn bastion_destination_through_the_config() {
    let w = World::build(|cfg, _| cfg.app(AppConfig::new("bastion.test.example", Origin::Bastion)));
    w.seed_token("bastion.test.example", 3600);
    let dest = w.sshd.addr.to_string();
    config_ok(&w, &["bastion.test.example", "--destination", &dest]);
    w.trust_host("bastion.test.example.zssh");
    let out = run(via_config(&w, "ssh", &ssh_config(&w), true)
        .arg(format!("{}@bastion.test.example", whoami()))
        .arg("echo via-bastion"));
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "via-bastion\n");
}

#[test]
fn connection_sharing_reuses_one_carrier() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    config_ok(&w, &[SSH_HOST, "--connection-sharing", "--user", &whoami()]);
    w.trust_host(&format!("{SSH_HOST}.zssh"));
    let cfg = ssh_config(&w);
    let g = ssh_g(&w, &cfg, SSH_HOST);
    assert_eq!(values(&g, "controlmaster"), ["auto"]);
    assert_eq!(values(&g, "controlpersist"), ["600"]);
    let socket_prefix = w.home.join(".ssh").join("zssh-").display().to_string();
    assert!(
        values(&g, "controlpath")[0].starts_with(&socket_prefix),
        "{g:?}"
    );

    for i in 0..2 {
        // The backgrounded master keeps the proxy's stderr: send it to a file, not a pipe.
        let err = std::fs::File::create(w.tmp.path().join(format!("ssh-{i}.err"))).unwrap();
        let out = via_config(&w, "ssh", &cfg, true)
            .arg(SSH_HOST)
            .arg(format!("echo shared-{i}"))
            .stdin(Stdio::null())
            .stderr(err)
            .output()
            .unwrap();
        let err = std::fs::read_to_string(w.tmp.path().join(format!("ssh-{i}.err"))).unwrap();
        assert!(out.status.success(), "{err}");
        assert_eq!(text(&out.stdout), format!("shared-{i}\n"));
    }
    let out = run(via_config(&w, "ssh", &cfg, true).args(["-O", "exit", SSH_HOST]));
    assert_ok(&out);
    assert_eq!(
        w.edge.count(|r| r.kind == Kind::Upgrade && r.status == 101),
        1,
        "two ssh runs, one carrier"
    );
}

#[test]
fn paths_with_spaces_survive_quoting() {
    let w = World::new();
    w.seed_token(SSH_HOST, 3600);
    // A HOME and a zssh executable whose paths have spaces.
    let home = w.tmp.path().join("my home");
    let bin_dir = w.tmp.path().join("bin dir");
    std::fs::create_dir_all(&bin_dir).unwrap();
    let exe = bin_dir.join("zssh");
    std::fs::copy(zssh_bin(), &exe).unwrap();
    let cf = home.join(".cloudflared");
    std::fs::create_dir_all(&cf).unwrap();
    set_mode(&cf, 0o700);
    for entry in std::fs::read_dir(w.cloudflared_dir()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), cf.join(entry.file_name())).unwrap();
    }
    let mut cmd = w.zssh(&[
        "config",
        SSH_HOST,
        "--connection-sharing",
        "--user",
        &whoami(),
    ]);
    cmd.env("HOME", &home);
    // Run the copy, not the original, with the same arguments and environment.
    let mut copy = std::process::Command::new(&exe);
    copy.args(cmd.get_args())
        .env_clear()
        .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))));
    let out = run(&mut copy);
    assert_ok(&out);

    let cfg = home.join(".ssh").join("config");
    let written = std::fs::read_to_string(&cfg).unwrap();
    assert!(
        written.contains(&format!(
            "Include \"{}\"",
            home.join(".ssh/zssh_config").display()
        )),
        "{written}"
    );
    let g = ssh_g(&w, &cfg, SSH_HOST);
    assert_eq!(
        values(&g, "proxycommand"),
        [format!("'{}' proxy --hostname %h", exe.display())]
    );
    assert!(
        values(&g, "controlpath")[0].starts_with(&home.join(".ssh/zssh-").display().to_string()),
        "{g:?}"
    );
    w.trust_host(&format!("{SSH_HOST}.zssh"));
    let mut ssh = via_config(&w, "ssh", &cfg, true);
    ssh.args(["-o", "ControlMaster=no", "-o", "ControlPath=none"])
        .env("HOME", &home)
        .arg(SSH_HOST)
        .arg("echo spaced");
    let out = run(&mut ssh);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "spaced\n");
}

/// A user's config with everything zssh must leave alone.
fn users_config(w: &World) -> Vec<u8> {
    let extra = w.home.join(".ssh").join("extra.conf");
    std::fs::write(&extra, "Host extra\n  Port 2200\n").unwrap();
    format!(
        "# my config\r\n\
         Include {extra}\r\n\
         \r\n\
         User   me \t\r\n\
         Host work\r\n\
         \tHostName 10.1.2.3\r\n\
         \tPort 2222\r\n\
         # a comment about Match\r\n\
         Match host *.corp exec \"true\"\r\n\
         \tPort 2022\r\n\
         \tForwardAgent no",
        extra = extra.display()
    )
    .into_bytes()
}

/// The file's identity: zssh replaces files by renaming a new one over them, so a rewrite with the
/// same bytes still shows as a new inode (no clock involved, unlike mtimes).
fn inode(p: &Path) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(p).unwrap();
    (m.dev(), m.ino())
}

#[test]
fn users_config_keeps_every_byte_through_config_and_uninstall() {
    let w = World::new();
    let cfg = ssh_config(&w);
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let original = users_config(&w);
    std::fs::write(&cfg, &original).unwrap();
    set_mode(&cfg, 0o640);

    config_ok(&w, &[SSH_HOST]);
    let first = std::fs::read(&cfg).unwrap();
    let text1 = text(&first);
    // One marker and one Include, CRLF like the file, at the top: before any Host/Match.
    assert!(
        text1.starts_with(&format!(
            "# Added by zssh config (the next line too); `zssh config --uninstall` removes both\r\n\
             Include {}\r\n# my config\r\n",
            managed(&w).display()
        )),
        "{text1:?}"
    );
    assert!(
        first.ends_with(&original),
        "the user's bytes follow unchanged"
    );
    assert_eq!(std::fs::read(backup(&w)).unwrap(), original);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o640,
        "mode kept"
    );
    // ssh reads it as before, plus zssh's stanza.
    let g = ssh_g(&w, &cfg, "work");
    assert_eq!(values(&g, "hostname"), ["10.1.2.3"]);
    assert_eq!(values(&g, "port"), ["2222"]);
    assert!(values(&g, "proxycommand").is_empty());
    assert_eq!(values(&ssh_g(&w, &cfg, "extra"), "port"), ["2200"]);
    assert_eq!(values(&ssh_g(&w, &cfg, "a.corp"), "port"), ["2022"]);
    assert_eq!(values(&g, "user"), ["me"]);
    assert_eq!(
        values(&ssh_g(&w, &cfg, SSH_HOST), "hostkeyalias"),
        [format!("{SSH_HOST}.zssh")]
    );
    // No temp files left behind.
    let names: Vec<String> = std::fs::read_dir(cfg.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");

    // Again: not a byte changes, in either file, and neither is rewritten (same inodes).
    let managed_before = std::fs::read(managed(&w)).unwrap();
    let (i1, i2) = (inode(&cfg), inode(&managed(&w)));
    config_ok(&w, &[SSH_HOST]);
    assert_eq!(std::fs::read(&cfg).unwrap(), first);
    assert_eq!(std::fs::read(managed(&w)).unwrap(), managed_before);
    assert_eq!((inode(&cfg), inode(&managed(&w))), (i1, i2), "rewritten");

    // Another host and a changed one: the managed file changes, the config does not, and the
    // backup keeps the original.
    config_ok(&w, &["*.wild.example"]);
    // A changed file is a new inode (the new one exists beside the old until the rename), so
    // the check above does see a rewrite.
    assert_ne!(inode(&managed(&w)), i2, "the managed file is replaced");
    config_ok(&w, &[SSH_HOST, "--user", "bob"]);
    assert_eq!(std::fs::read(&cfg).unwrap(), first);
    assert_eq!(inode(&cfg), i1, "the config is not rewritten");
    let m = std::fs::read_to_string(managed(&w)).unwrap();
    assert_eq!(m.matches("# zssh: begin ").count(), 2, "{m}");
    assert_eq!(m.matches("User bob").count(), 1, "{m}");
    assert!(
        m.find(SSH_HOST).unwrap() < m.find("*.wild.example").unwrap(),
        "replaced in place"
    );
    assert_eq!(std::fs::read(backup(&w)).unwrap(), original);

    // Uninstall one host: the other stays, and so does the Include.
    config_ok(&w, &["--uninstall", SSH_HOST]);
    assert_eq!(std::fs::read(&cfg).unwrap(), first);
    let m = std::fs::read_to_string(managed(&w)).unwrap();
    assert!(!m.contains(SSH_HOST) && m.contains("*.wild.example"), "{m}");

    // Uninstall: the original, byte for byte, with its mode; the managed file is gone.
    config_ok(&w, &["--uninstall"]);
    assert_eq!(std::fs::read(&cfg).unwrap(), original);
    assert!(!managed(&w).exists());
    assert_eq!(
        std::fs::metadata(&cfg).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // A second uninstall has nothing to do.
    let out = config_ok(&w, &["--uninstall"]);
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read(&cfg).unwrap(), original);
    assert_eq!(std::fs::read(backup(&w)).unwrap(), original);
}

/// Root running `zssh config` for a user (sudo keeping the user's HOME) leaves the user's config
/// theirs, with its mode, and the backup and the lock beside it too: ssh refuses a config that
/// belongs to someone else (it used to become root's).
#[test]
fn root_editing_a_users_config_keeps_it_theirs() {
    use std::os::unix::fs::MetadataExt;
    needs_root("it gives files to another user");
    let w = World::new();
    let cfg = ssh_config(&w);
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let original = b"Host work\n  HostName 10.1.2.3\n".to_vec();
    std::fs::write(&cfg, &original).unwrap();
    set_mode(&cfg, 0o640);
    std::os::unix::fs::chown(&cfg, Some(65534), Some(65533)).unwrap();

    config_ok(&w, &[SSH_HOST]);
    let m = std::fs::metadata(&cfg).unwrap();
    assert!(std::fs::read(&cfg).unwrap().ends_with(&original));
    assert_eq!(
        (m.uid(), m.gid(), m.mode() & 0o7777),
        (65534, 65533, 0o640),
        "owner and mode kept"
    );
    let lock = cfg.with_file_name("config.zssh.lock");
    for beside in [backup(&w), lock] {
        let m = std::fs::metadata(&beside).unwrap();
        assert_eq!(m.uid(), 65534, "{}", beside.display());
    }
    assert_eq!(std::fs::read(backup(&w)).unwrap(), original);
}

/// Root editing a user's config follows the user's link only to a file of the user's: a link
/// to root's own file (a stand-in for /etc/sudoers) is refused, and that file is not touched.
#[test]
fn root_does_not_follow_a_users_link_to_a_file_of_roots() {
    needs_root("it gives files to another user");
    let w = World::new();
    let ssh_dir = w.home.join(".ssh");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::os::unix::fs::chown(&ssh_dir, Some(65534), Some(65533)).unwrap();
    let roots = w.tmp.path().join("sudoers");
    let precious = b"root ALL=(ALL) ALL\n".to_vec();
    std::fs::write(&roots, &precious).unwrap();
    let link = ssh_dir.join("config");
    std::os::unix::fs::symlink(&roots, &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65533)).unwrap();

    let out = config(&w, &["--ssh-config", link.to_str().unwrap(), SSH_HOST]);
    assert_zssh_error(&out, 7, &link.display().to_string());
    assert_eq!(std::fs::read(&roots).unwrap(), precious);

    // The same link to a file of the user's is followed (and the file stays theirs).
    let theirs = ssh_dir.join("dotfiles_config");
    std::fs::write(&theirs, "Host work\n").unwrap();
    std::os::unix::fs::chown(&theirs, Some(65534), Some(65533)).unwrap();
    std::fs::remove_file(&link).unwrap();
    std::os::unix::fs::symlink("dotfiles_config", &link).unwrap();
    std::os::unix::fs::lchown(&link, Some(65534), Some(65533)).unwrap();
    config_ok(&w, &["--ssh-config", link.to_str().unwrap(), SSH_HOST]);
    assert!(std::fs::read(&theirs).unwrap().ends_with(b"Host work\n"));
    assert!(std::fs::read(&theirs).unwrap().len() > "Host work\n".len());
}

#[test]
fn a_symlinked_config_stays_a_symlink() {
    let w = World::new();
    let ssh_dir = w.home.join(".ssh");
    let dotfiles = w.home.join("dotfiles");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("ssh_config");
    let original = b"Host work\n  HostName 10.1.2.3\n".to_vec();
    std::fs::write(&target, &original).unwrap();
    let link = ssh_config(&w);
    std::os::unix::fs::symlink("../dotfiles/ssh_config", &link).unwrap();

    config_ok(&w, &[SSH_HOST]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        PathBuf::from("../dotfiles/ssh_config")
    );
    let edited = std::fs::read(&target).unwrap();
    assert!(edited.ends_with(&original) && edited.len() > original.len());
    assert_eq!(
        values(&ssh_g(&w, &link, SSH_HOST), "hostkeyalias"),
        [format!("{SSH_HOST}.zssh")]
    );
    assert_eq!(std::fs::read(backup(&w)).unwrap(), original);

    config_ok(&w, &["--uninstall"]);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&target).unwrap(), original);
}

#[test]
fn dry_run_shows_a_diff_of_both_files_and_changes_nothing() {
    let w = World::new();
    let cfg = ssh_config(&w);
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let original = b"Host work\n  HostName 10.1.2.3\n".to_vec();
    std::fs::write(&cfg, &original).unwrap();

    let out = config_ok(&w, &[SSH_HOST, "--dry-run"]);
    let diff = text(&out.stdout);
    let m = managed(&w).display().to_string();
    let c = cfg.display().to_string();
    assert!(diff.contains("--- /dev/null\n"), "{diff}");
    assert!(diff.contains(&format!("+++ {m}\n")), "{diff}");
    assert!(diff.contains(&format!("+Host {SSH_HOST}\n")), "{diff}");
    assert!(diff.contains(&format!("--- {c}\n+++ {c}\n")), "{diff}");
    assert!(diff.contains(&format!("+Include {m}\n")), "{diff}");
    assert!(diff.contains(" Host work\n"), "context lines: {diff}");
    assert_eq!(std::fs::read(&cfg).unwrap(), original);
    assert!(!managed(&w).exists());
    assert!(!backup(&w).exists());

    // After a real run: a dry run of the same shows nothing, and one of --uninstall shows the
    // removal without doing it.
    config_ok(&w, &[SSH_HOST]);
    let after = std::fs::read(&cfg).unwrap();
    let out = config_ok(&w, &[SSH_HOST, "--dry-run"]);
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    let out = config_ok(&w, &["--uninstall", "--dry-run"]);
    let diff = text(&out.stdout);
    assert!(diff.contains(&format!("-Include {m}\n")), "{diff}");
    assert!(diff.contains("+++ /dev/null\n"), "{diff}");
    assert_eq!(std::fs::read(&cfg).unwrap(), after);
    assert!(managed(&w).exists());
}

#[test]
fn print_shows_cloudflared_style_snippets_and_writes_nothing() {
    let w = World::new();
    let z = zssh_path();
    let home = w.home.display();
    let out = config_ok(&w, &[SSH_HOST, "--print"]);
    assert_eq!(
        text(&out.stdout),
        format!(
            "\nAdd to your {home}/.ssh/config:\nHost {SSH_HOST}\n  ProxyCommand {z} access ssh --hostname %h\n\n"
        )
    );
    let out = config_ok(&w, &[SSH_HOST, "--print", "--short-lived-cert"]);
    assert_eq!(
        text(&out.stdout),
        format!(
            "\nAdd to your {home}/.ssh/config:\n\
             Match host {SSH_HOST} exec \"{z} access ssh-gen --hostname %h\"\n\
             \x20 ProxyCommand {z} access ssh --hostname %h\n\
             \x20 IdentityFile ~/.cloudflared/%h-cf_key\n\
             \x20 CertificateFile ~/.cloudflared/%h-cf_key-cert.pub\n"
        )
    );
    assert!(!w.home.join(".ssh").exists());
}

#[test]
fn agent_mode_runs_cert_with_agent_and_names_no_key_files() {
    let w = World::new();
    config_ok(&w, &[SSH_HOST, "--agent"]);
    let m = std::fs::read_to_string(managed(&w)).unwrap();
    assert!(
        m.contains(&format!(
            "Match host {SSH_HOST} exec \"{} cert --agent --hostname %h\"\n",
            zssh_path()
        )),
        "{m}"
    );
    assert!(
        !m.contains("IdentityFile") && !m.contains("CertificateFile"),
        "{m}"
    );
}

#[test]
fn errors_name_the_path_or_host() {
    let w = World::new();
    // The config is a directory.
    std::fs::create_dir_all(ssh_config(&w)).unwrap();
    let out = config(&w, &[SSH_HOST]);
    assert_zssh_error(&out, 7, &ssh_config(&w).display().to_string());
    assert!(text(&out.stderr).contains("directory"));
    std::fs::remove_dir(ssh_config(&w)).unwrap();

    // A config zssh cannot write next to (/proc takes no new files, even from root).
    let out = config(&w, &[SSH_HOST, "--ssh-config", "/proc/version"]);
    assert_zssh_error(&out, 7, "cannot write /proc/version");

    // Not a regular file.
    let out = config(&w, &[SSH_HOST, "--ssh-config", "/dev/null"]);
    assert_zssh_error(&out, 7, "/dev/null");

    // Bad hosts and values are usage errors; nothing is written.
    for args in [
        &["bad host"][..],
        &["ssh.example.com:2222"],
        &["ok.example", "--user", "a b"],
        &["ok.example", "--destination", "x;rm"],
    ] {
        let out = config(&w, args);
        assert_zssh_error(&out, 2, "invalid");
    }
    let out = config(&w, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!ssh_config(&w).exists());
}

/// Host names ssh_config cannot hold (a quote makes the included file unparsable, and with it
/// every ssh run) are refused before anything is written; ssh keeps working.
#[test]
fn hosts_ssh_config_cannot_hold_are_refused_and_ssh_keeps_working() {
    let w = World::new();
    config_ok(&w, &[SSH_HOST]);
    let cfg = ssh_config(&w);
    let before = (
        std::fs::read(&cfg).unwrap(),
        std::fs::read(managed(&w)).unwrap(),
    );
    let long_label = format!("{}.example", "a".repeat(300));
    let long_name = "abcdefgh.".repeat(30) + "example";
    for bad in [
        "a\"b.example",
        "a'b.example",
        "a!b.example",
        "a,b.example",
        "a;b.example",
        "a$b.example",
        "a`b.example",
        "a b.example",
        "a(b).example",
        long_label.as_str(),
        long_name.as_str(),
    ] {
        let out = config(&w, &[bad]);
        assert_zssh_error(&out, 2, "invalid host");
        assert_eq!(
            (
                std::fs::read(&cfg).unwrap(),
                std::fs::read(managed(&w)).unwrap()
            ),
            before,
            "{bad:?} changed a file"
        );
        // ssh still parses the user's config and its Include.
        let g = ssh_g(&w, &cfg, SSH_HOST);
        assert_eq!(
            values(&g, "hostkeyalias"),
            [format!("{SSH_HOST}.zssh").as_str()]
        );
    }
}

#[test]
fn parallel_config_runs_keep_every_stanza() {
    // A provisioning script adding hosts in parallel: every stanza must survive.
    let w = World::new();
    let children: Vec<_> = (0..20)
        .map(|i| {
            w.zssh(&["config", &format!("host{i:02}.example")])
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let out = c.wait_with_output().unwrap();
        assert_ok(&out);
    }
    let text = std::fs::read_to_string(managed(&w)).unwrap();
    for i in 0..20 {
        assert!(
            text.contains(&format!("Host host{i:02}.example\n")),
            "host{i:02} lost:\n{text}"
        );
    }
    let include_lines = std::fs::read_to_string(ssh_config(&w))
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("Include"))
        .count();
    assert_eq!(include_lines, 1);
}

#[test]
fn parallel_config_runs_with_different_state_dirs_keep_every_stanza() {
    // The same HOME from environments that differ otherwise (cron, sudo -u, a container with
    // its own XDG_STATE_HOME): zssh's lock under the state dir does not join them; the
    // managed file's own lock must.
    let w = World::new();
    let children: Vec<_> = (0..10)
        .map(|i| {
            w.zssh(&["config", &format!("host{i:02}.example")])
                .env("XDG_STATE_HOME", w.tmp.path().join(format!("state{i}")))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        assert_ok(&c.wait_with_output().unwrap());
    }
    let text = std::fs::read_to_string(managed(&w)).unwrap();
    let lost: Vec<_> = (0..10)
        .filter(|i| !text.contains(&format!("Host host{i:02}.example\n")))
        .collect();
    assert!(lost.is_empty(), "hosts {lost:?} lost:\n{text}");
}

#[test]
fn a_symlinked_managed_file_stays_a_symlink() {
    let w = World::new();
    let ssh_dir = w.home.join(".ssh");
    let dotfiles = w.home.join("dotfiles");
    std::fs::create_dir_all(&ssh_dir).unwrap();
    std::fs::create_dir_all(&dotfiles).unwrap();
    let target = dotfiles.join("zssh_config");
    std::fs::write(&target, "").unwrap();
    std::os::unix::fs::symlink("../dotfiles/zssh_config", managed(&w)).unwrap();

    config_ok(&w, &[SSH_HOST, "other.example"]);
    let link = std::fs::symlink_metadata(managed(&w)).unwrap();
    assert!(link.file_type().is_symlink(), "the link was replaced");
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(written.contains(&format!("Host {SSH_HOST}\n")), "{written}");
    assert_eq!(
        values(&ssh_g(&w, &ssh_config(&w), SSH_HOST), "hostkeyalias"),
        [format!("{SSH_HOST}.zssh")]
    );
    // Removing one host edits the target too; removing the last removes the link itself.
    config_ok(&w, &["--uninstall", "other.example"]);
    assert!(
        std::fs::symlink_metadata(managed(&w))
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(!written.contains("other.example"), "{written}");
    assert!(written.contains(&format!("Host {SSH_HOST}\n")), "{written}");
}

/// A config larger than zssh edits is refused before anything is written: no managed file
/// left behind that no Include names.
#[test]
fn an_oversized_config_is_refused_before_anything_is_written() {
    let w = World::new();
    let cfg = ssh_config(&w);
    std::fs::create_dir_all(cfg.parent().unwrap()).unwrap();
    let f = std::fs::File::create(&cfg).unwrap();
    // Sparse: 64 MiB and one byte of zeros cost no disk.
    f.set_len(64 * 1024 * 1024 + 1).unwrap();
    drop(f);
    let out = config(&w, &[SSH_HOST]);
    assert_zssh_error(&out, 7, &cfg.display().to_string());
    assert!(
        text(&out.stderr).contains("larger than"),
        "{}",
        text(&out.stderr)
    );
    assert!(!managed(&w).exists(), "nothing written");
    assert_eq!(std::fs::metadata(&cfg).unwrap().len(), 64 * 1024 * 1024 + 1);
}
