//! The command line itself: help, version, usage errors, and the generated completions and man
//! pages (committed; this fails when they are stale — regenerate with `cargo regen`).

use std::path::Path;
use std::process::Command;

use crate::support::*;

fn zssh(args: &[&str]) -> std::process::Output {
    run(Command::new(zssh_bin()).args(args).env_remove("ZSSH_LOG"))
}

#[test]
fn help_and_version() {
    let out = zssh(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for want in ["proxy", "access", "Usage: zssh"] {
        assert!(help.contains(want), "{want} in\n{help}");
    }
    assert!(!help.contains("generate"), "hidden commands stay hidden");
    let out = zssh(&["--version"]);
    assert_eq!(
        text(&out.stdout).trim(),
        format!("zssh {}", env!("CARGO_PKG_VERSION"))
    );
    let out = zssh(&["proxy", "--help"]);
    let help = text(&out.stdout);
    for flag in [
        "--hostname",
        "--destination",
        "--url",
        "--header",
        "--service-token-id",
        "--keepalive",
    ] {
        assert!(help.contains(flag), "{flag} in\n{help}");
    }
    for alias in ["tunnel-host", "listener", "id", "secret"] {
        assert!(help.contains(alias), "alias {alias} in\n{help}");
    }
}

#[test]
fn usage_errors_have_one_error_and_one_hint() {
    let out = zssh(&["proxy", "--no-such-flag"]);
    assert_zssh_error(&out, 2, "--no-such-flag");
    let out = zssh(&["proxy"]);
    assert_zssh_error(&out, 2, "no host given");
    assert!(
        text(&out.stderr).contains("zssh: hint: usage: zssh proxy [OPTIONS] HOST"),
        "{}",
        text(&out.stderr)
    );
    let out = zssh(&["--log-level", "loud", "proxy", "--hostname", "x"]);
    assert_zssh_error(&out, 2, "unknown log level");
}

fn names(dir: &Path) -> Vec<std::ffi::OsString> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    names
}

/// The same files with the same bytes, both ways: a stale file fails, and so does a committed
/// file the generator no longer writes (a renamed or removed subcommand's man page).
fn assert_same_tree(generated: &Path, committed: &Path) {
    let fresh_names = names(generated);
    assert!(!fresh_names.is_empty());
    for name in &fresh_names {
        let fresh = std::fs::read(generated.join(name)).unwrap();
        let old = std::fs::read(committed.join(name)).unwrap_or_default();
        assert!(
            fresh == old,
            "{} is stale: run `cargo regen` and commit the result",
            committed.join(name).display()
        );
    }
    let leftovers: Vec<_> = names(committed)
        .into_iter()
        .filter(|n| !fresh_names.contains(n))
        .collect();
    assert!(
        leftovers.is_empty(),
        "{} holds files `zssh generate` no longer writes: {leftovers:?}; remove them with git rm",
        committed.display()
    );
}

#[test]
fn generated_completions_and_man_pages_are_fresh() {
    let tmp = tempfile::tempdir().unwrap();
    let out = zssh(&["generate", tmp.path().to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert_same_tree(&tmp.path().join("completions"), &root.join("completions"));
    assert_same_tree(&tmp.path().join("man"), &root.join("man"));
}

#[test]
fn man_pages_pass_mandoc_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let pages: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(pages.iter().any(|p| p.ends_with("zssh.1")));
    let out = run(Command::new("mandoc")
        .args(["-T", "lint", "-W", "warning"])
        .args(&pages));
    assert!(
        out.status.success(),
        "mandoc lint:\n{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let page = std::fs::read_to_string(root.join("zssh.1")).unwrap();
    assert!(page.contains("EXIT STATUS") && page.contains("ENVIRONMENT") && page.contains("FILES"));
}

#[test]
fn completions_load_in_real_shells() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let bash = run(Command::new("bash").arg("-c").arg(format!(
        "source {} && complete -p zssh",
        dir.join("zssh.bash").display()
    )));
    assert!(bash.status.success(), "{}", text(&bash.stderr));
    assert!(text(&bash.stdout).contains("zssh"));
    let fish = run(Command::new("fish").arg("-c").arg(format!(
        "source {} && complete -C 'zssh pro'",
        dir.join("zssh.fish").display()
    )));
    assert!(fish.status.success(), "{}", text(&fish.stderr));
    assert!(
        text(&fish.stdout).contains("proxy"),
        "{}",
        text(&fish.stdout)
    );
    let zsh = run(Command::new("zsh").arg("-c").arg(format!(
        "autoload -U compinit && compinit -u && source {}",
        dir.join("_zssh").display()
    )));
    assert!(zsh.status.success(), "{}", text(&zsh.stderr));
}

/// Issue 15 item 5: the docs said tokens go to "Secret Service, Keychain, Credential Manager";
/// zssh has only a Secret Service backend (macOS and Windows use the token files). The README and
/// every man page must say what each platform does, and never claim the other two are used.
#[test]
fn the_docs_say_which_keyring_each_platform_uses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut docs = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("man")).unwrap() {
        docs.push(entry.unwrap().path());
    }
    for doc in docs {
        let text = std::fs::read_to_string(&doc).unwrap();
        assert!(
            !text.contains("Keychain, Credential Manager"),
            "{} claims keyrings zssh does not use",
            doc.display()
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("Secret Service")
            && readme.contains("on macOS and\n  Windows they go to those files"),
        "the README says what macOS and Windows do"
    );
}

/// Issue 14 item 2: a typo gets clap's suggestion in the hint (it was dropped with the usage
/// line), and `zssh` or `zssh cidr` alone lists the commands instead of printing the
/// description as an error.
#[test]
fn typos_get_a_suggestion_and_a_bare_command_lists_its_commands() {
    let out = zssh(&["prxy"]);
    assert_zssh_error(&out, 2, "unrecognized subcommand 'prxy'");
    assert!(
        text(&out.stderr).contains("zssh: hint: a similar subcommand exists: 'proxy'"),
        "{}",
        text(&out.stderr)
    );
    let out = zssh(&["proxy", "--hostnme", "x"]);
    assert_zssh_error(&out, 2, "--hostnme");
    let err = text(&out.stderr);
    assert!(
        err.contains("'--hostname'") && err.contains("usage: zssh proxy [OPTIONS] <HOST>"),
        "{err}"
    );
    for args in [&[][..], &["cidr"][..], &["server"][..]] {
        let out = zssh(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = text(&out.stderr);
        assert!(
            !err.contains("zssh: error:") && err.contains("Commands:"),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
