//! Proxies and keyrings as users' machines have them (issue 15's adversarial round): proxy URLs
//! with odd bytes and delimiters, odd CONNECT answers, a session bus without a Secret Service.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::mpsc;

use crate::support::*;

/// A one-shot fake CONNECT proxy on 127.0.0.1:0: sends back the request head it got, answers
/// `answer`, then keeps the connection open (until the test ends) so that a head zssh does not
/// recognise shows up as a hang, not a close.
fn fake_proxy(answer: &'static [u8]) -> (String, mpsc::Receiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let Ok((mut conn, _)) = listener.accept() else {
            return;
        };
        let mut head = Vec::new();
        let mut b = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match conn.read(&mut b) {
                Ok(1) => head.push(b[0]),
                _ => break,
            }
        }
        let _ = tx.send(head);
        let _ = conn.write_all(answer);
        // Hold the connection until zssh closes it.
        let mut sink = Vec::new();
        let _ = conn.read_to_end(&mut sink);
    });
    (addr, rx)
}

fn proxy_through(w: &World, https_proxy: &str) -> Output {
    let mut cmd = w.zssh(&["proxy", "--hostname", SSH_HOST, "--connect-timeout", "3s"]);
    for name in [
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("HTTPS_PROXY", https_proxy);
    run(&mut cmd)
}

fn basic_credentials(head: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let head = String::from_utf8_lossy(head);
    let b64 = head
        .lines()
        .find_map(|l| l.strip_prefix("Proxy-Authorization: Basic "))
        .unwrap_or_else(|| panic!("no credentials sent: {head}"));
    base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .unwrap()
}

/// A proxy that cannot be reached: the message must say it is the proxy, from HTTPS_PROXY (the
/// issue's "messages name the variable"); it said "cannot connect to 127.0.0.1:PORT" with the
/// hint "reachable on port 443", and for a name "check the hostname's spelling".
#[test]
fn an_unreachable_proxy_is_named_by_its_variable() {
    let w = World::new();
    let closed = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    for url in [
        format!("http://alice:hunter2@127.0.0.1:{closed}"),
        "http://alice:hunter2@no-such-proxy.invalid:3128".to_string(),
    ] {
        let out = proxy_through(&w, &url);
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{url}: {err}");
        assert!(
            err.contains("HTTPS_PROXY") && !err.contains("hunter2"),
            "{url}: the message does not name the proxy variable: {err}"
        );
    }
}

/// Percent-decoding is byte-wise (RFC 3986): `%ff` is the byte 0xff, as cloudflared sends it.
/// zssh sent U+FFFD (ef bf bd) instead, so such a password can never be right.
#[test]
fn proxy_credentials_keep_their_bytes() {
    let w = World::new();
    let (addr, heads) = fake_proxy(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    let out = proxy_through(&w, &format!("http://u%ff:p%e4ss@{addr}"));
    assert!(!out.status.success());
    let head = heads.recv().unwrap();
    assert_eq!(basic_credentials(&head), b"u\xff:p\xe4ss".to_vec());
}

/// A 407 after zssh sent credentials means they were refused; the hint said to put them in the
/// URL, which the user did.
#[test]
fn a_407_to_sent_credentials_says_they_were_refused() {
    let w = World::new();
    let (addr, _heads) = fake_proxy(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    let out = proxy_through(&w, &format!("http://alice:wrong@{addr}"));
    let err = text(&out.stderr);
    assert!(
        !err.contains("put them in the URL"),
        "credentials were sent, the hint asks for them: {err}"
    );
}

/// A head whose blank line is CRLF after a status line ended by a bare LF (Go's reader, hence
/// cloudflared, accepts it): zssh waited for the timeout instead of reading the 403.
#[test]
fn a_connect_answer_ending_lf_then_crlf_is_read() {
    let w = World::new();
    let (addr, _heads) = fake_proxy(b"HTTP/1.1 403 Forbidden\n\r\n");
    let out = proxy_through(&w, &format!("http://{addr}"));
    let err = text(&out.stderr);
    assert!(err.contains("403"), "the 403 was not read: {err}");
}

/// A status that is not a number is not a success: `2xx` was taken as 2xx and TLS then waited
/// for the timeout on what the proxy sent next.
#[test]
fn a_connect_status_that_is_not_a_number_is_refused() {
    let w = World::new();
    let (addr, _heads) = fake_proxy(b"HTTP/1.1 2xx Whatever\r\n\r\n");
    let out = proxy_through(&w, &format!("http://{addr}"));
    let err = text(&out.stderr);
    assert!(
        err.contains("2xx") && !err.contains("no answer"),
        "a non-numeric status was accepted: {err}"
    );
}

/// A password with an unencoded `#` (or `/`, `?`) after digits: the URL parser takes the user
/// name as the host and the password's digits as the port, and doctor and errors then print
/// both ("proxy alice:1234 (from HTTPS_PROXY)").
#[test]
fn a_password_with_an_unencoded_hash_is_never_shown() {
    let w = World::new();
    let url = "http://alice:1234#5678@proxy.invalid:3128";
    let out = proxy_through(&w, url);
    let err = text(&out.stderr);
    assert!(
        !err.contains("alice") && !err.contains("1234"),
        "proxy: {err}"
    );
    let mut cmd = w.zssh(&["doctor"]);
    cmd.env("HTTPS_PROXY", url);
    let out = run(&mut cmd);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        !all.contains("alice") && !all.contains("1234"),
        "doctor: {all}"
    );
}

const NO_SECRET_SERVICE_BUS: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// `cmd` run inside a session bus that has no Secret Service and cannot start one: a headless
/// server, where systemd's user manager gives every login a session bus.
fn on_a_bus_without_secret_service(w: &World, cmd: Command) -> Output {
    let conf = w.home.join("no-secret-service.conf");
    std::fs::write(&conf, NO_SECRET_SERVICE_BUS).unwrap();
    let mut wrapped = Command::new("dbus-run-session");
    wrapped
        .arg(format!("--config-file={}", conf.display()))
        .arg("--")
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    wrapped.env("ZSSH_TOKEN_STORE", "auto");
    run(&mut wrapped)
}

/// zssh never stored a token in a keyring (no marker) and no Secret Service exists on the bus:
/// there is nothing logout can have missed, so it must succeed; it exited 7 saying "tokens stored
/// there may remain" and "run it again", which can never succeed.
#[test]
fn logout_on_a_bus_without_any_secret_service_succeeds() {
    let w = World::new();
    let file = w.seed_token(SSH_HOST, 3600);
    let out = on_a_bus_without_secret_service(&w, w.zssh(&["logout", "--all"]));
    assert_ok(&out);
    assert!(!file.exists());
    let out = on_a_bus_without_secret_service(&w, w.zssh(&["logout", "nothing.test.example"]));
    assert_ok(&out);
}

/// zssh stored tokens in the keyring before (the marker) and the keyring cannot be reached now
/// (its bus is gone): `zssh status` said "not logged in anywhere (no cached tokens)" and exited 0,
/// the same untruth logout was fixed for. It must say that the keyring could not be read.
#[test]
fn status_says_when_the_keyring_could_not_be_read() {
    let w = World::new();
    let state = w.home.join("state-adv15");
    std::fs::create_dir_all(state.join("zssh")).unwrap();
    std::fs::write(state.join("zssh").join("keyring-used"), b"").unwrap();
    let mut cmd = w.zssh(&["status"]);
    cmd.env("XDG_STATE_HOME", &state)
        .env("ZSSH_TOKEN_STORE", "auto")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", w.home.join("no-bus-here").display()),
        );
    let out = run(&mut cmd);
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        all.contains("keyring") && !all.contains("not logged in anywhere"),
        "status hid the unreachable keyring: {all}"
    );
}

/// `ALL_PROXY` with a scheme zssh cannot use is ignored (issue 15), also when the rest of its URL
/// does not parse: `socks://proxy:99999` made every command exit 2.
#[test]
fn an_unusable_all_proxy_is_ignored_even_when_malformed() {
    let w = World::new();
    for v in ["socks://proxy:99999", "socks5h://[proxy]:1080"] {
        let mut cmd = w.zssh(&["proxy", "--hostname", SSH_HOST, "--connect-timeout", "3s"]);
        cmd.env("ALL_PROXY", v);
        let out = run(&mut cmd);
        let err = text(&out.stderr);
        assert!(!err.contains("ALL_PROXY"), "{v}: {err}");
        assert_zssh_error(&out, 3, "not logged in");
    }
}
