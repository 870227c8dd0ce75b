//! The Debian package (`[package.metadata.deb]` in Cargo.toml): `cargo deb --no-build` packs this
//! test's own zssh (so no release build here) with every man page and the bash, zsh and fish
//! completions; dpkg installs it into an empty root with a dpkg database made for it (`--root`,
//! no container), where man, bash, zsh and fish find what it installed; Debian's unrelated `zssh`
//! package (a stand-in built here with the same /usr/bin/zssh) blocks it until removed; and
//! `dpkg --remove` leaves nothing behind. Needs root (dpkg installs root-owned files) and
//! cargo-deb (both as .ci/setup and CI have them).

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::*;

const PACKAGE: &str = "zssh-access";

#[test]
fn the_package_installs_into_a_clean_root_where_man_and_completions_work_and_removes_cleanly() {
    needs_root("dpkg installs files owned by root");
    let tmp = tempfile::tempdir().unwrap();
    let deb = build_deb(tmp.path());

    let field = |name: &str| {
        let out = ok(Command::new("dpkg-deb").arg("-f").arg(&deb).arg(name));
        text(&out.stdout).trim().to_string()
    };
    assert_eq!(field("Package"), PACKAGE);
    assert_eq!(
        field("Conflicts"),
        "zssh",
        "Debian's zssh ships /usr/bin/zssh too"
    );
    // It does not do the job of Debian's zssh, and does not remove it behind the user's back.
    assert_eq!(field("Provides"), "");
    assert_eq!(field("Replaces"), "");

    let root = tmp.path().join("root");
    make_dpkg_root(&root, &field("Depends"));
    let dpkg = || {
        let mut c = Command::new("dpkg");
        c.arg(format!("--root={}", root.display()));
        c
    };

    // Debian's own zssh installed: ours is refused, and that package's file is left alone.
    let other = other_zssh_package(tmp.path());
    ok(dpkg().arg("-i").arg(&other));
    let refused = run(dpkg().arg("-i").arg(&deb));
    assert!(!refused.status.success(), "installed over Debian's zssh");
    assert!(
        text(&refused.stderr).contains(&format!("{PACKAGE} conflicts with zssh")),
        "{}",
        text(&refused.stderr)
    );
    assert_eq!(
        std::fs::read(root.join("usr/bin/zssh")).unwrap(),
        OTHER_ZSSH
    );
    ok(dpkg().args(["--remove", "zssh"]));

    ok(dpkg().arg("-i").arg(&deb));
    let status = text(&ok(dpkg().args(["-s", PACKAGE])).stdout);
    assert!(status.contains("Status: install ok installed"), "{status}");
    check_files(&root, &text(&ok(dpkg().args(["-L", PACKAGE])).stdout));
    let version = ok(Command::new(root.join("usr/bin/zssh")).arg("--version"));
    assert_eq!(
        text(&version.stdout),
        format!("zssh {}\n", env!("CARGO_PKG_VERSION"))
    );

    check_man(&root, tmp.path());
    check_bash(&root, tmp.path());
    check_zsh(&root, tmp.path());
    check_fish(&root, tmp.path());

    ok(dpkg().args(["--remove", PACKAGE]));
    assert!(!run(dpkg().args(["-s", PACKAGE])).status.success());
    let left: Vec<_> = walk(&root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("var")))
        .collect();
    assert!(left.is_empty(), "left after dpkg --remove: {left:#?}");
}

/// Runs `cargo deb` on this test's zssh, placed where cargo-deb looks for the release binary in a
/// target directory of the test's own; returns the .deb.
fn build_deb(tmp: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let have = Command::new(&cargo).args(["deb", "--version"]).output();
    if !have.is_ok_and(|o| o.status.success()) {
        panic!("cargo-deb is not installed: run .ci/setup, which installs it");
    }
    let target = tmp.join("target");
    std::fs::create_dir_all(target.join("release")).unwrap();
    std::fs::copy(zssh_bin(), target.join("release/zssh")).unwrap();
    let deb = tmp.join("zssh.deb");
    ok(Command::new(&cargo)
        .args(["deb", "--no-build", "--fast", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .arg("--output")
        .arg(&deb)
        .env("CARGO_TARGET_DIR", &target));
    deb
}

/// An empty root with a dpkg database that records, as installed, the host's own packages the
/// .deb depends on (its files are the host's: nothing runs inside the root but zssh --version).
fn make_dpkg_root(root: &Path, depends: &str) {
    let admin = root.join("var/lib/dpkg");
    for dir in ["info", "updates", "triggers"] {
        std::fs::create_dir_all(admin.join(dir)).unwrap();
    }
    let mut status = String::new();
    for dep in depends.split(',').filter(|d| !d.trim().is_empty()) {
        let name = dep.split(['(', '|', ':']).next().unwrap().trim();
        let host = ok(Command::new("dpkg-query").args(["-s", name]));
        status.push_str(text(&host.stdout).trim_end());
        status.push_str("\n\n");
    }
    std::fs::write(admin.join("status"), status).unwrap();
    std::fs::write(admin.join("available"), "").unwrap();
}

const OTHER_ZSSH: &[u8] = b"#!/bin/sh\necho 'interactive file transfers over ssh'\n";

/// A stand-in for Debian's package `zssh` (another project): same package name, same binary path.
fn other_zssh_package(tmp: &Path) -> PathBuf {
    let dir = tmp.join("other");
    std::fs::create_dir_all(dir.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(dir.join("usr/bin")).unwrap();
    std::fs::write(
        dir.join("DEBIAN/control"),
        "Package: zssh\nVersion: 1.5c.debian.1-8\nArchitecture: all\nMaintainer: nobody <nobody@test.example>\n\
         Description: interactive file transfers over ssh (a stand-in)\n",
    )
    .unwrap();
    std::fs::write(dir.join("usr/bin/zssh"), OTHER_ZSSH).unwrap();
    set_mode(&dir.join("usr/bin/zssh"), 0o755);
    let deb = tmp.join("other.deb");
    ok(Command::new("dpkg-deb")
        .args(["--root-owner-group", "-b"])
        .arg(&dir)
        .arg(&deb));
    deb
}

/// Every file the package should install, with its mode: exactly these (directories aside) are
/// installed, root-owned, and listed by `dpkg -L`; man pages are gzipped copies of man/, the
/// completions copies of completions/.
fn check_files(root: &Path, listed: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut want: Vec<(String, u32, Option<PathBuf>)> = vec![
        ("/usr/bin/zssh".into(), 0o755, None),
        (format!("/usr/share/doc/{PACKAGE}/copyright"), 0o644, None),
        (
            format!("/usr/share/doc/{PACKAGE}/README.md"),
            0o644,
            Some(repo.join("README.md")),
        ),
    ];
    for (file, dest) in [
        ("zssh.bash", "/usr/share/bash-completion/completions/zssh"),
        ("_zssh", "/usr/share/zsh/vendor-completions/_zssh"),
        (
            "zssh.fish",
            "/usr/share/fish/vendor_completions.d/zssh.fish",
        ),
    ] {
        want.push((
            dest.into(),
            0o644,
            Some(repo.join("completions").join(file)),
        ));
    }
    let mut pages = 0;
    for page in std::fs::read_dir(repo.join("man")).unwrap() {
        let page = page.unwrap().path();
        let name = page.file_name().unwrap().to_str().unwrap().to_string();
        assert!(name.ends_with(".1"), "{name}");
        want.push((format!("/usr/share/man/man1/{name}.gz"), 0o644, Some(page)));
        pages += 1;
    }
    assert!(pages > 20, "man/ has a page per command");

    let installed: BTreeSet<String> = walk(root)
        .into_iter()
        .filter(|p| !p.starts_with(root.join("var")) && !p.is_dir())
        .map(|p| format!("/{}", p.strip_prefix(root).unwrap().display()))
        .collect();
    let expected: BTreeSet<String> = want.iter().map(|w| w.0.clone()).collect();
    let missing: Vec<_> = expected.difference(&installed).collect();
    let extra: Vec<_> = installed.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "installed files: missing {missing:?}, unexpected {extra:?}"
    );
    let listed: BTreeSet<&str> = listed.lines().collect();
    for (path, mode, source) in &want {
        assert!(listed.contains(path.as_str()), "dpkg -L lists {path}");
        let m = std::fs::metadata(root.join(&path[1..])).unwrap();
        assert_eq!(
            (m.mode() & 0o7777, m.uid(), m.gid()),
            (*mode, 0, 0),
            "mode and owner of {path}"
        );
        let Some(source) = source else { continue };
        let bytes = if path.ends_with(".gz") {
            ok(Command::new("gzip").arg("-dc").arg(root.join(&path[1..]))).stdout
        } else {
            std::fs::read(root.join(&path[1..])).unwrap()
        };
        assert!(
            bytes == std::fs::read(source).unwrap(),
            "{path} is {source:?}"
        );
    }
    let copyright =
        std::fs::read_to_string(root.join(format!("usr/share/doc/{PACKAGE}/copyright")));
    assert!(
        copyright.unwrap().contains("License: MIT OR Apache-2.0"),
        "the copyright file names the license"
    );
}

/// `man -M` renders zssh(1) and zssh-proxy(1) from the root, and finds nothing without it.
fn check_man(root: &Path, tmp: &Path) {
    let man = |dir: &Path, page: &str| {
        run(Command::new("man")
            .arg("-M")
            .arg(dir)
            .args(["-P", "cat", page])
            .env("MANWIDTH", "80")
            .env("LC_ALL", "C.UTF-8"))
    };
    let manpath = root.join("usr/share/man");
    for (page, says) in [
        ("zssh", "SSH through Cloudflare Access"),
        ("zssh-proxy", "NAME zssh-proxy"),
    ] {
        let out = man(&manpath, page);
        let shown = text(&out.stdout);
        assert!(out.status.success(), "man {page}: {}", text(&out.stderr));
        // Justified text: compare words.
        let words = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains("NAME"), "man {page}:\n{shown}");
        assert!(words.contains(says), "man {page}:\n{shown}");
    }
    std::fs::create_dir_all(tmp.join("empty/man1")).unwrap();
    assert!(!man(&tmp.join("empty"), "zssh").status.success());
}

/// bash loads the completion the way bash-completion does (`source` the file), registers it for
/// zssh, and `zssh pro<TAB>` completes to `proxy`.
fn check_bash(root: &Path, tmp: &Path) {
    let script = r#"source "$1"
complete -p zssh
f=$(complete -p zssh | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=(zssh pro); COMP_CWORD=1; COMP_LINE="zssh pro"; COMP_POINT=8
"$f" zssh pro zssh
printf 'reply:%s\n' "${COMPREPLY[@]}""#;
    let out = ok(Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script, "bash"])
        .arg(root.join("usr/share/bash-completion/completions/zssh"))
        .current_dir(tmp));
    let so = text(&out.stdout);
    let mut lines = so.lines();
    let registered = lines.next().unwrap_or_default();
    assert!(
        registered.starts_with("complete ") && registered.ends_with(" zssh"),
        "{so}"
    );
    assert_eq!(lines.collect::<Vec<_>>(), ["reply:proxy"], "{so}");
}

/// zsh's compinit finds `_zssh` in the vendor-completions directory and binds it to zssh.
fn check_zsh(root: &Path, tmp: &Path) {
    let dir = root.join("usr/share/zsh/vendor-completions");
    let script = r#"fpath=("$1" $fpath)
autoload -Uz compinit && compinit -u -D
print -r -- "bound:${_comps[zssh]}"
autoload -Uz +X _zssh
zmodload zsh/parameter
print -r -- "from:${functions_source[_zssh]}""#;
    let out = ok(Command::new("zsh")
        .args(["-f", "-c", script, "zsh"])
        .arg(&dir)
        .env("HOME", tmp)
        .current_dir(tmp));
    let so = text(&out.stdout);
    assert!(so.contains("bound:_zssh\n"), "{so}\n{}", text(&out.stderr));
    assert!(
        so.contains(&format!("from:{}\n", dir.join("_zssh").display())),
        "{so}"
    );
}

/// fish finds zssh.fish on its completion path and `zssh pro<TAB>` completes to `proxy` (fish
/// loads completions only for a command on PATH: the installed one).
fn check_fish(root: &Path, tmp: &Path) {
    let dir = root.join("usr/share/fish/vendor_completions.d");
    let path = std::env::join_paths(std::iter::once(root.join("usr/bin")).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let out = ok(Command::new("fish")
        .env("PATH", path)
        .args(["--no-config", "-c"])
        .arg(format!(
            "set -p fish_complete_path '{}'; complete -C 'zssh pro'",
            dir.display()
        ))
        .env("HOME", tmp)
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("XDG_DATA_HOME", tmp.join("data"))
        .current_dir(tmp));
    let so = text(&out.stdout);
    let words: Vec<_> = so.lines().map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(words, ["proxy"], "{so}\n{}", text(&out.stderr));
}

/// Every path under `dir`, recursively.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            all.extend(walk(&path));
        }
        all.push(path);
    }
    all
}

/// Runs a command that must succeed; fails the test with its output otherwise.
fn ok(cmd: &mut Command) -> Output {
    let out = run(cmd);
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}{}",
        out.status,
        text(&out.stdout),
        text(&out.stderr)
    );
    out
}
