//! `zssh server log-key --account ID`: the public key that SSH session command logs of Access for
//! Infrastructure are encrypted to (../shared/docs/ssh-logs-format.md, "Key files").
//!
//! The Cloudflare API (`https://api.cloudflare.com/client/v4`), one object per account:
//!
//! * `GET /accounts/{account}/gateway/audit_ssh_settings` answers
//!   `{"success":true,"result":{"public_key":"…","seed_id":"…","created_at":"…","updated_at":"…"}}`.
//! * `PUT` the same URL with `{"public_key":"<base64 of 32 bytes>"}` sets the key and answers the
//!   same object; an empty `public_key` turns command logging off.
//!
//! `--public-key FILE` uploads (refusing a file that is the private half of a pair, a name not
//! ending in `.pub`, and anything that is not base64 of 32 bytes) and checks the answer carries the key sent; `--show` prints
//! the settings; `--disable` shows the current key, asks (unless `--yes`), then clears it. The
//! token comes from the environment or the token store as for `fetch-ca` (`api.rs`), never argv.

use std::path::Path;

use serde_json::Value;

use super::api::Api;
use crate::cli::LogKeyArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil;
use crate::outln;
use crate::sshlog::keys;

const PERMISSIONS: &str = "Zero Trust: Edit (Zero Trust: Read is enough for --show)";
const PATH: &str = "gateway/audit_ssh_settings";

pub async fn run(args: LogKeyArgs) -> Result<Exit, UserError> {
    // The key file is checked before the token is looked for or the API called.
    let upload = match &args.public_key {
        Some(path) => Some(read_public_key(path)?),
        None => None,
    };
    let mut api = Api::new(&args.account, PATH, PERMISSIONS)?;
    if let Some(key) = upload {
        let settings = put(&mut api, &key).await?;
        if settings.public_key != key {
            return Err(api.garbage("PUT", "the public_key it answered is not the one sent"));
        }
        crate::errln!(
            "zssh: SSH command logs of account {} are now encrypted to {key}; decrypt them with `zssh logs decrypt -i LOG -k PRIVATE_KEY`",
            api.account
        );
        print_settings(&settings);
    } else if args.show {
        print_settings(&get(&mut api).await?);
    } else {
        return disable(&mut api, args.yes).await;
    }
    Ok(Exit::Ok)
}

/// The base64 text of a public key file, refusing a private key (one whose `.pub` beside it is
/// its public half).
fn read_public_key(path: &Path) -> Result<String, UserError> {
    let shown = path.display();
    let bytes = match fsutil::read_regular(path, 4096) {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(UserError::local(
                format!("public key file {shown} does not exist"),
                "make a pair with `zssh logs generate-key-pair -o NAME` and pass NAME.pub",
            ));
        }
        Err(e) => {
            return Err(UserError::local(
                format!("cannot read public key file {shown}: {e}"),
                "pass a readable NAME.pub from `zssh logs generate-key-pair -o NAME`",
            ));
        }
    };
    let raw = keys::decode(&bytes).map_err(|why| {
        UserError::usage(
            format!("{shown} is not a session-log public key: {why}"),
            "pass NAME.pub from `zssh logs generate-key-pair -o NAME` (base64 of a raw 32-byte X25519 key)",
        )
    })?;
    let mut beside = path.as_os_str().to_owned();
    beside.push(".pub");
    let pair = fsutil::read_regular(Path::new(&beside), 4096)
        .ok()
        .flatten();
    let derived = keys::parse_private(&bytes)
        .ok()
        .and_then(|k| keys::public_of(&k));
    if let (Some(pair), Some(derived)) = (pair, derived)
        && keys::decode(&pair).ok() == Some(derived)
    {
        return Err(UserError::usage(
            format!(
                "{shown} is a private key (its public half is {}): it must never be uploaded",
                Path::new(&beside).display()
            ),
            format!("pass --public-key {}", Path::new(&beside).display()),
        ));
    }
    // A private key and a public key are both base64 of 32 bytes: only the name tells them
    // apart when the pair is not side by side. keygen never names a private key *.pub.
    if path.extension().is_none_or(|e| e != "pub") {
        return Err(UserError::usage(
            format!(
                "{shown} does not end in .pub: it may be a private key, which must never be uploaded"
            ),
            "pass the public key NAME.pub that `zssh logs generate-key-pair -o NAME` wrote",
        ));
    }
    Ok(keys::encode(&raw))
}

/// The settings object the API answers.
#[derive(Debug, Default)]
struct Settings {
    public_key: String,
    seed_id: String,
    created_at: String,
    updated_at: String,
}

fn settings(api: &Api, method: &str, answer: &super::api::Answer) -> Result<Settings, UserError> {
    if !(answer.success() && (200..300).contains(&answer.status)) {
        return Err(api.failure(method, answer));
    }
    let Some(Value::Object(result)) = answer.result() else {
        return Err(api.garbage(method, "result is not an object"));
    };
    let field = |name: &str| -> String {
        let text = result.get(name).and_then(Value::as_str).unwrap_or("");
        crate::human::shown(text, 200)
    };
    Ok(Settings {
        public_key: field("public_key").trim().to_string(),
        seed_id: field("seed_id"),
        created_at: field("created_at"),
        updated_at: field("updated_at"),
    })
}

async fn get(api: &mut Api) -> Result<Settings, UserError> {
    let answer = api.call("GET", None).await?;
    settings(api, "GET", &answer)
}

async fn put(api: &mut Api, key: &str) -> Result<Settings, UserError> {
    let body = serde_json::json!({ "public_key": key }).to_string();
    let answer = api.call("PUT", Some(body.as_bytes())).await?;
    settings(api, "PUT", &answer)
}

fn print_settings(s: &Settings) {
    let or_none = |v: &str| {
        if v.is_empty() {
            "(none)".to_string()
        } else {
            v.to_string()
        }
    };
    outln!(
        "public_key  {}",
        if s.public_key.is_empty() {
            "(none: command logging is off)".to_string()
        } else {
            s.public_key.clone()
        }
    );
    outln!("seed_id     {}", or_none(&s.seed_id));
    outln!("created_at  {}", or_none(&s.created_at));
    outln!("updated_at  {}", or_none(&s.updated_at));
}

async fn disable(api: &mut Api, yes: bool) -> Result<Exit, UserError> {
    let current = get(api).await?;
    if current.public_key.is_empty() {
        crate::errln!(
            "zssh: account {} has no session-log public key: command logging is already off",
            api.account
        );
        return Ok(Exit::Ok);
    }
    if !yes {
        let question = format!(
            "Clear the session-log public key {} of account {}? New SSH sessions will no longer have command logs.",
            current.public_key, api.account
        );
        let answer = crate::ui::ask_yes_no(&question).ok_or_else(|| {
            UserError::usage(
                "zssh asks before turning command logging off, and there is no terminal to ask on",
                format!(
                    "run: zssh server log-key --account {} --disable --yes",
                    api.account
                ),
            )
        })?;
        if !answer {
            crate::errln!("zssh: nothing changed");
            return Ok(Exit::Ok);
        }
    }
    let after = put(api, "").await?;
    if !after.public_key.is_empty() {
        return Err(api.garbage("PUT", "it still shows a public_key after clearing it"));
    }
    crate::errln!(
        "zssh: cleared the session-log public key of account {}: command logging is off",
        api.account
    );
    print_settings(&after);
    Ok(Exit::Ok)
}
