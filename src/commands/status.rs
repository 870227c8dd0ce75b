//! `zssh status`: every cached token zssh can see (its own and cloudflared's), with the identity,
//! audience, expiry in human time and where it is stored. Never prints a token.

use serde::Serialize;

use crate::access::token;
use crate::cli::StatusArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::human;
use crate::token_store::{Location, TokenStore};

#[derive(Serialize)]
pub struct Entry {
    /// The token's name (its cloudflared file name).
    pub name: String,
    /// "app" or "org".
    pub kind: &'static str,
    /// The application hostname (app tokens) or the team domain (org tokens).
    pub subject: String,
    pub identity: String,
    pub audience: Vec<String>,
    pub expires_at: Option<i64>,
    pub expired: bool,
    pub location: Location,
}

pub fn entries(store: &TokenStore) -> Result<Vec<Entry>, UserError> {
    let mut out = Vec::new();
    for (name, location) in store.list()? {
        // Each copy as it is: a name in the keyring and in a file is two rows.
        let Some(tok) = store.read_at(&name, location)? else {
            continue;
        };
        let (identity, exp, audience) = token::identity(&tok);
        let (kind, subject) = token::describe_name(&name);
        out.push(Entry {
            name,
            kind,
            subject,
            identity,
            audience,
            expires_at: exp,
            expired: exp.is_some_and(|e| e < token::now()),
            location,
        });
    }
    out.sort_by(|a, b| (a.kind, &a.subject).cmp(&(b.kind, &b.subject)));
    Ok(out)
}

pub fn run(args: StatusArgs) -> Result<Exit, UserError> {
    let store = TokenStore::open()?;
    let list = entries(&store)?;
    let unreached = store.unreached_keyring();
    if let Some(why) = &unreached {
        crate::errln!(
            "zssh: warning: could not read the keyring ({why}); tokens stored there are not listed"
        );
    }
    let text = if args.json {
        serde_json::to_string_pretty(&list).unwrap_or_default() + "\n"
    } else if list.is_empty() {
        if unreached.is_none() {
            crate::errln!("zssh: not logged in anywhere (no cached tokens)");
        } else {
            crate::errln!("zssh: no cached tokens in ~/.cloudflared");
        }
        String::new()
    } else {
        let mut t = format!(
            "{:<36} {:<4} {:<28} {:<40} {}\n",
            "APPLICATION / TEAM", "KIND", "IDENTITY", "EXPIRES", "STORED IN"
        );
        for e in &list {
            let expires = match e.expires_at {
                Some(x) if e.expired => format!("expired {}", human::ago(x)),
                Some(x) => human::ago(x),
                None => "never".into(),
            };
            t.push_str(&format!(
                "{:<36} {:<4} {:<28} {:<40} {}\n",
                e.subject,
                e.kind,
                e.identity,
                expires,
                e.location.describe()
            ));
        }
        t
    };
    crate::ui::write_result("the result", text.as_bytes())?;
    Ok(Exit::Ok)
}
