//! `zssh server log-key`: the real binary against an emulated Cloudflare API (the
//! audit_ssh_settings endpoint, with state: a PUT changes what the next GET answers) over TLS on
//! 127.0.0.1, as `fetch-ca`'s tests do. The key files come from the real `zssh logs keygen`.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use crate::support::fake_api::FakeApi;
use crate::support::{assert_ok, assert_zssh_error, run, text, zssh_bin};

const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
const TOKEN: &str = "cf-test-token-Lk4WqP8sN2";
const PATH: &str =
    "/client/v4/accounts/0123456789abcdef0123456789abcdef/gateway/audit_ssh_settings";

fn envelope(result: &serde_json::Value) -> String {
    serde_json::json!({"success": true, "errors": [], "messages": [], "result": result}).to_string()
}

/// The endpoint with its state: GET answers the settings, PUT {"public_key"} replaces the key
/// (base64 of 32 bytes, or empty), as the real API documents it.
fn settings_api(dir: &Path, initial_key: &str) -> (FakeApi, Arc<Mutex<serde_json::Value>>) {
    let state = Arc::new(Mutex::new(serde_json::json!({
        "public_key": initial_key, "seed_id": "seed-1",
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"})));
    let s = state.clone();
    let api = FakeApi::start_with_body(dir, move |method, path, body| {
        if path != PATH {
            return (
                404,
                r#"{"success":false,"errors":[{"code":7003,"message":"No route"}]}"#.into(),
            );
        }
        let mut st = s.lock().unwrap();
        match method {
            "GET" => (200, envelope(&st)),
            "PUT" => {
                let req: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
                let Some(key) = req.get("public_key").and_then(|k| k.as_str()) else {
                    return (
                        400,
                        r#"{"success":false,"errors":[{"code":1001,"message":"bad body"}]}"#.into(),
                    );
                };
                st["public_key"] = key.into();
                st["updated_at"] = "2026-02-02T00:00:00Z".into();
                (200, envelope(&st))
            }
            _ => (
                405,
                r#"{"success":false,"errors":[{"code":10405,"message":"no"}]}"#.into(),
            ),
        }
    });
    (api, state)
}

fn log_key(home: &Path, api: &FakeApi, token: Option<&str>, args: &[&str]) -> (Command, Output) {
    let mut cmd = Command::new(zssh_bin());
    cmd.env_clear()
        .current_dir(home)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("SSL_CERT_FILE", &api.ca_pem)
        .env(
            "ZSSH_CONNECT_TO",
            format!("api.cloudflare.com:443:127.0.0.1:{}", api.addr.port()),
        )
        .env("ZSSH_TOKEN_STORE", "file")
        .env("ZSSH_NONINTERACTIVE", "1")
        .args(["server", "log-key", "--account", ACCOUNT])
        .args(args);
    if let Some(token) = token {
        cmd.env("CLOUDFLARE_API_TOKEN", token);
    }
    let out = run(&mut cmd);
    assert!(
        !cmd.get_args().any(|a| a.to_string_lossy().contains(TOKEN)),
        "token on the command line"
    );
    assert!(
        !text(&out.stdout).contains(TOKEN) && !text(&out.stderr).contains(TOKEN),
        "token shown"
    );
    (cmd, out)
}

fn keygen(dir: &Path, name: &str) -> String {
    assert_ok(&run(Command::new(zssh_bin())
        .current_dir(dir)
        .args(["logs", "keygen", "-o", name])));
    std::fs::read_to_string(dir.join(format!("{name}.pub"))).unwrap()
}

#[test]
fn upload_then_show_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let public = keygen(dir.path(), "logkey");
    let (api, state) = settings_api(dir.path(), "");
    let (_, out) = log_key(
        dir.path(),
        &api,
        Some(TOKEN),
        &["--public-key", "logkey.pub"],
    );
    assert_ok(&out);
    assert_eq!(state.lock().unwrap()["public_key"], public.as_str());
    let put = &api.seen()[0];
    assert_eq!((put.method.as_str(), put.path.as_str()), ("PUT", PATH));
    assert_eq!(
        put.authorization.as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
    let body: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(body, serde_json::json!({"public_key": public}));
    assert!(text(&out.stdout).starts_with(&format!("public_key  {public}\n")));

    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--show"]);
    assert_ok(&out);
    assert_eq!(
        text(&out.stdout),
        format!(
            "public_key  {public}\nseed_id     seed-1\ncreated_at  2026-01-01T00:00:00Z\nupdated_at  2026-02-02T00:00:00Z\n"
        )
    );
    assert_eq!(api.methods(), ["PUT", "GET"]);
}

#[test]
fn the_private_key_and_non_keys_are_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "logkey");
    let (api, state) = settings_api(dir.path(), "");
    let api = api.allow_unused();
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--public-key", "logkey"]);
    assert_zssh_error(&out, 2, "logkey is a private key");
    std::fs::write(dir.path().join("junk.pub"), "ssh-ed25519 AAAA").unwrap();
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--public-key", "junk.pub"]);
    assert_zssh_error(&out, 2, "junk.pub is not a session-log public key");
    let (_, out) = log_key(dir.path(), &api, None, &["--show"]);
    assert_zssh_error(&out, 3, "no Cloudflare API token");
    assert!(api.seen().is_empty());
    assert_eq!(state.lock().unwrap()["public_key"], "");
}

#[test]
fn disable_asks_first_and_clears_with_yes() {
    let dir = tempfile::tempdir().unwrap();
    let public = keygen(dir.path(), "logkey");
    let (api, state) = settings_api(dir.path(), &public);
    // No terminal to ask on: nothing changes, and the hint says how to confirm.
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--disable"]);
    assert_zssh_error(&out, 2, "asks before turning command logging off");
    assert!(text(&out.stderr).contains("--disable --yes"));
    assert_eq!(api.methods(), ["GET"]);
    assert_eq!(state.lock().unwrap()["public_key"], public.as_str());
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--disable", "--yes"]);
    assert_ok(&out);
    assert_eq!(api.methods(), ["GET", "GET", "PUT"]);
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&api.seen()[2].body).unwrap(),
        serde_json::json!({"public_key": ""})
    );
    assert_eq!(state.lock().unwrap()["public_key"], "");
    assert!(text(&out.stdout).starts_with("public_key  (none: command logging is off)\n"));
    // Already off: said so, no PUT.
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--disable", "--yes"]);
    assert_ok(&out);
    assert!(text(&out.stderr).contains("already off"));
    assert_eq!(api.methods(), ["GET", "GET", "PUT", "GET"]);
}

#[test]
fn a_refused_token_names_the_permission() {
    let dir = tempfile::tempdir().unwrap();
    let api = FakeApi::start(dir.path(), |_, _| {
        (
            403,
            r#"{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}"#
                .into(),
        )
    });
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--show"]);
    assert_zssh_error(&out, 3, "refused the API token for GET");
    assert!(text(&out.stderr).contains("Zero Trust: Edit"));
}

/// The private-key guard only works when NAME.pub sits beside NAME. A private key alone
/// (the .pub deleted, or the key copied without it) is base64 of 32 bytes like a public key and
/// is uploaded: every later session log is then encrypted to a point nobody holds the key of,
/// and the private key has been sent to the API. Expected: refused before any request.
#[test]
fn a_private_key_without_its_pub_beside_it_is_not_uploaded() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "logkey");
    std::fs::remove_file(dir.path().join("logkey.pub")).unwrap();
    let (api, state) = settings_api(dir.path(), "");
    let api = api.allow_unused();
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--public-key", "logkey"]);
    assert!(api.seen().is_empty(), "requests: {:?}", api.methods());
    assert_eq!(state.lock().unwrap()["public_key"], "");
    assert_zssh_error(&out, 2, "logkey");
}

/// An API answer with a long `errors` array (well under the 4 MiB body cap) becomes one
/// `zssh: error:` line of megabytes: each message is capped at 200 characters, their number
/// is not. Expected: a bounded error line.
#[test]
fn a_flood_of_api_errors_gives_a_bounded_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let errors: Vec<serde_json::Value> = (0..50_000)
        .map(|i| serde_json::json!({"code": 1000 + i, "message": "x".repeat(40)}))
        .collect();
    let body = serde_json::json!({"success": false, "errors": errors}).to_string();
    let api = FakeApi::start(dir.path(), move |_, _| (500, body.clone()));
    let (_, out) = log_key(dir.path(), &api, Some(TOKEN), &["--show"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        out.stderr.len() < 16 * 1024,
        "stderr is {} bytes",
        out.stderr.len()
    );
}
