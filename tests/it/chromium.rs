//! A login driven by a real browser: Debian's Chromium, headless, is `BROWSER`. It trusts the
//! test edge's CA through its own NSS database (verification stays on) and reaches the edge's
//! names through a host-resolver rule; loading the login page completes the login, as a person
//! finishing the identity provider's page would.

use std::process::Command;

use crate::support::*;

#[test]
fn chromium_completes_a_login() {
    let w = World::new();
    let dir = w.tmp.path().join("chromium");
    std::fs::create_dir_all(&dir).unwrap();
    let nssdb = w.home.join(".pki/nssdb");
    std::fs::create_dir_all(&nssdb).unwrap();
    let db = format!("sql:{}", nssdb.display());
    let out = run(Command::new("certutil").args(["-d", &db, "-N", "--empty-password"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let ca = w.edge.ca_pem.to_str().unwrap();
    let out = run(Command::new("certutil").args([
        "-d",
        &db,
        "-A",
        "-t",
        "C,,",
        "-n",
        "zssh-test-ca",
        "-i",
        ca,
    ]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let launches = dir.join("launches");
    let dom = dir.join("dom.html");
    let script = dir.join("chromium.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" >> {launches}\nexec chromium --headless --no-sandbox --disable-gpu \
             --disable-background-networking --disable-component-update --disable-sync --no-first-run \
             --user-data-dir={profile} --host-resolver-rules='MAP * 127.0.0.1:{port}' \
             --dump-dom \"$1\" > {dom} 2> {dir}/chromium.err\n",
            launches = launches.display(),
            profile = dir.join("profile").display(),
            port = w.edge.addr.port(),
            dom = dom.display(),
            dir = dir.display(),
        ),
    )
    .unwrap();
    set_mode(&script, 0o755);
    let out = run(w
        .zssh(&["login", SSH_HOST])
        .env("BROWSER", format!("{} %s", script.display()))
        .env("ZSSH_NONINTERACTIVE", "0"));
    assert!(
        out.status.success(),
        "{}\nchromium: {}",
        text(&out.stderr),
        std::fs::read_to_string(dir.join("chromium.err")).unwrap_or_default()
    );
    assert_eq!(line_count(&launches), 1);
    assert_eq!(
        w.edge
            .count(|r| r.kind == Kind::CliLogin && r.status == 200),
        1
    );
    let ua = w
        .edge
        .requests()
        .into_iter()
        .find(|r| r.kind == Kind::CliLogin)
        .and_then(|r| r.header("user-agent").map(str::to_string))
        .unwrap_or_default();
    assert!(
        ua.contains("Chrome"),
        "the page was loaded by Chromium: {ua}"
    );
    // zssh may finish before Chromium has written the DOM; the edge's record above is the proof
    // that the real browser completed the login. The token works:
    let out = run(&mut w.ssh(SSH_HOST, "", "echo via-chromium-login"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "via-chromium-login\n");
}
