//! `zssh server fetch-ca`: the real binary against an emulated Cloudflare API (the gateway_ca
//! endpoints) served over TLS on 127.0.0.1, reached through `ZSSH_CONNECT_TO` and trusted through
//! `SSL_CERT_FILE`. The TLS certificates come from the `openssl` command; the server is rustls.
//! The real API is never contacted.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::fake_api::{FakeApi, OTHER_HOST};
use crate::support::{assert_zssh_error, run, set_mode, ssh_keygen, text, zssh_bin};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "cf-test-token-Zq7XvK2pL9";
const CA_PATH: &str = "/client/v4/accounts/0123456789abcdef0123456789abcdef/access/gateway_ca";

/// An SSH CA public key line as Cloudflare shows it.
fn ca_key(dir: &Path) -> String {
    let path = dir.join("ssh_ca");
    ssh_keygen(&[
        "-q",
        "-t",
        "ecdsa",
        "-b",
        "256",
        "-N",
        "",
        "-C",
        "open-ssh-ca@cloudflareaccess.org",
        "-f",
        &path.to_string_lossy(),
    ]);
    std::fs::read_to_string(dir.join("ssh_ca.pub"))
        .unwrap()
        .trim()
        .to_string()
}

fn ok_list(keys: &[&str]) -> String {
    let items: Vec<serde_json::Value> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| serde_json::json!({"id": format!("ca-{i}"), "public_key": k}))
        .collect();
    serde_json::json!({"success": true, "errors": [], "messages": [], "result": items}).to_string()
}

fn ok_one(key: &str) -> String {
    serde_json::json!({"success": true, "errors": [], "messages": [],
        "result": {"id": "ca-new", "public_key": key}})
    .to_string()
}

fn failed(code: i64, message: &str) -> String {
    serde_json::json!({"success": false, "errors": [{"code": code, "message": message}],
        "messages": [], "result": null})
    .to_string()
}

/// `zssh server fetch-ca --account ACCOUNT` with a scrubbed environment pointed at `api`.
fn fetch_ca(home: &Path, api: &FakeApi, token: Option<&str>) -> Command {
    let mut cmd = Command::new(zssh_bin());
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("SSL_CERT_FILE", &api.ca_pem)
        .env(
            "ZSSH_CONNECT_TO",
            format!("api.cloudflare.com:443:127.0.0.1:{}", api.addr.port()),
        )
        .env("ZSSH_TOKEN_STORE", "file")
        .env("ZSSH_NONINTERACTIVE", "1")
        .args(["server", "fetch-ca", "--account", ACCOUNT]);
    if let Some(token) = token {
        cmd.env("CLOUDFLARE_API_TOKEN", token);
    }
    cmd
}

/// The token reached the API through the environment only, and never came back out.
fn assert_token_private(cmd: &Command, out: &Output) {
    assert!(
        !cmd.get_args().any(|a| a.to_string_lossy().contains(TOKEN)),
        "token on the command line"
    );
    assert!(!text(&out.stdout).contains(TOKEN), "token on stdout");
    assert!(!text(&out.stderr).contains(TOKEN), "token on stderr");
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn existing_ca_is_read_with_get_only() {
    let dir = tempfile::tempdir().unwrap();
    let key = ca_key(dir.path());
    let body = ok_list(&[&key]);
    let api = FakeApi::start(dir.path(), move |_, _| (200, body.clone()));
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    let out = run(&mut cmd);
    assert_success(&out);
    assert_eq!(text(&out.stdout), format!("{key}\n"));
    assert_eq!(api.methods(), ["GET"]);
    let seen = &api.seen()[0];
    assert_eq!(seen.path, CA_PATH);
    assert_eq!(
        seen.authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_token_private(&cmd, &out);
}

#[test]
fn missing_ca_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let key = ca_key(dir.path());
    let created = ok_one(&key);
    let api = FakeApi::start(dir.path(), move |method, _| match method {
        "GET" => (200, ok_list(&[])),
        "POST" => (201, created.clone()),
        _ => (405, failed(10405, "method not allowed")),
    });
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    let out = run(&mut cmd);
    assert_success(&out);
    assert_eq!(text(&out.stdout), format!("{key}\n"));
    assert_eq!(api.methods(), ["GET", "POST"]);
    assert!(api.seen().iter().all(|s| s.path == CA_PATH));
    assert!(
        api.seen()
            .iter()
            .all(|s| s.authorization.as_deref() == Some(&*format!("Bearer {TOKEN}")))
    );
    assert_token_private(&cmd, &out);
}

#[test]
fn missing_ca_as_404_not_found_is_created() {
    let dir = tempfile::tempdir().unwrap();
    let key = ca_key(dir.path());
    let created = ok_one(&key);
    let api = FakeApi::start(dir.path(), move |method, _| match method {
        "GET" => (404, failed(12130, "access.api.error.not_found")),
        _ => (200, created.clone()),
    });
    let out = run(&mut fetch_ca(dir.path(), &api, Some(TOKEN)));
    assert_success(&out);
    assert_eq!(text(&out.stdout), format!("{key}\n"));
    assert_eq!(api.methods(), ["GET", "POST"]);
}

#[test]
fn empty_public_key_is_the_edit_without_read_trap() {
    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| (200, ok_list(&[""])));
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    let out = run(&mut cmd);
    assert_zssh_error(&out, 3, "empty public_key");
    let err = text(&out.stderr);
    assert!(err.contains("lacks the permission to read"), "{err}");
    assert!(err.contains("Access: SSH Auditing Read"), "{err}");
    assert!(text(&out.stdout).is_empty());
    // Nothing is created behind the user's back when the key is only hidden.
    assert_eq!(api.methods(), ["GET"]);
    assert_token_private(&cmd, &out);
}

#[test]
fn rejected_token_is_an_auth_error() {
    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| {
        (401, failed(10000, "Authentication error"))
    });
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    let out = run(&mut cmd);
    assert_zssh_error(&out, 3, "refused the API token");
    assert!(text(&out.stderr).contains("Authentication error"));
    assert!(text(&out.stdout).is_empty());
    assert_eq!(api.methods(), ["GET"]);
    assert_token_private(&cmd, &out);
}

#[test]
fn no_token_anywhere_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let api =
        FakeApi::start(dir.path(), |_, _| (500, failed(1000, "must not be called"))).allow_unused();
    let out = run(&mut fetch_ca(dir.path(), &api, None));
    assert_zssh_error(&out, 3, "no Cloudflare API token");
    let err = text(&out.stderr);
    assert!(err.contains("CLOUDFLARE_API_TOKEN"), "{err}");
    assert!(err.contains("secret-tool store"), "{err}");
    assert!(api.seen().is_empty(), "no request without a token");
}

#[test]
fn token_from_the_credential_store() {
    let dir = tempfile::tempdir().unwrap();
    let key = ca_key(dir.path());
    let body = ok_list(&[&key]);
    let api = FakeApi::start(dir.path(), move |_, _| (200, body.clone()));
    let store = dir.path().join(".cloudflared");
    std::fs::create_dir_all(&store).unwrap();
    set_mode(&store, 0o700);
    let file = store.join("cloudflare-api-token");
    std::fs::write(&file, TOKEN).unwrap();
    set_mode(&file, 0o600);
    let mut cmd = fetch_ca(dir.path(), &api, None);
    let out = run(&mut cmd);
    assert_success(&out);
    assert_eq!(text(&out.stdout), format!("{key}\n"));
    assert_eq!(
        api.seen()[0].authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    assert_token_private(&cmd, &out);
}

#[test]
fn garbage_answers_are_protocol_errors() {
    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| {
        (200, "<html>captive portal</html>".into())
    });
    let out = run(&mut fetch_ca(dir.path(), &api, Some(TOKEN)));
    assert_zssh_error(&out, 6, "not a JSON object");

    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| (200, ok_list(&["not-a-key AAAA"])));
    let out = run(&mut fetch_ca(dir.path(), &api, Some(TOKEN)));
    assert_zssh_error(&out, 6, "not an OpenSSH public key");
    assert!(text(&out.stdout).is_empty());
}

#[test]
fn bad_account_route_is_not_mistaken_for_a_missing_ca() {
    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| {
        (
            404,
            failed(7003, "Could not route to /accounts/x/access/gateway_ca"),
        )
    });
    let out = run(&mut fetch_ca(dir.path(), &api, Some(TOKEN)));
    assert_zssh_error(&out, 2, "no such route");
    assert_eq!(api.methods(), ["GET"], "no POST for a wrong account");
}

#[test]
fn unreachable_api_is_a_network_error() {
    let dir = tempfile::tempdir().unwrap();
    // Only its CA is used: the command is pointed at a port nothing listens on.
    let api = FakeApi::start(dir.path(), |_, _| (200, ok_list(&[]))).allow_unused();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    cmd.env(
        "ZSSH_CONNECT_TO",
        format!("api.cloudflare.com:443:127.0.0.1:{closed}"),
    );
    let out = run(&mut cmd);
    assert_zssh_error(&out, 5, "cannot reach the Cloudflare API");
    assert_token_private(&cmd, &out);
}

#[test]
fn api_base_url_can_be_overridden() {
    let dir = tempfile::tempdir().unwrap();
    let key = ca_key(dir.path());
    let body = ok_list(&[&key]);
    let api = FakeApi::start(dir.path(), move |_, _| (200, body.clone()));
    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    cmd.env("ZSSH_CLOUDFLARE_API", format!("https://{OTHER_HOST}/v4/"))
        .env(
            "ZSSH_CONNECT_TO",
            format!("{OTHER_HOST}:443:127.0.0.1:{}", api.addr.port()),
        );
    let out = run(&mut cmd);
    assert_success(&out);
    assert_eq!(text(&out.stdout), format!("{key}\n"));
    assert_eq!(
        api.seen()[0].path,
        format!("/v4/accounts/{ACCOUNT}/access/gateway_ca")
    );

    let mut cmd = fetch_ca(dir.path(), &api, Some(TOKEN));
    cmd.env("ZSSH_CLOUDFLARE_API", "http://insecure.example/v4");
    let out = run(&mut cmd);
    assert_zssh_error(&out, 2, "not an https URL");
}
