//! `zssh logout HOST | --all`: remove cached tokens (from the keyring and ~/.cloudflared, which
//! cloudflared shares) and the login URL files next to them.

use crate::access::app_url::AppUrl;
use crate::access::jwt;
use crate::access::token::describe_name;
use crate::cli::LogoutArgs;
use crate::error::UserError;
use crate::exit::Exit;
use crate::paths;
use crate::token_store::TokenStore;

pub fn run(args: LogoutArgs) -> Result<Exit, UserError> {
    let store = TokenStore::open()?;
    let host = match &args.host {
        Some(h) => Some(AppUrl::parse(h)?.host),
        None => None,
    };
    let mut removed = Vec::new();
    let mut teams = Vec::new();
    for (name, _) in store.list()? {
        let (kind, subject) = describe_name(&name);
        let wanted = match &host {
            None => true,
            Some(h) => kind == "app" && subject.eq_ignore_ascii_case(h),
        };
        if !wanted {
            continue;
        }
        if let Some((tok, _)) = store.read(&name)?
            && let Some(iss) =
                jwt::peek(tok.expose()).and_then(|p| p.claim_str("iss").map(str::to_string))
        {
            teams.push(iss.trim_start_matches("https://").to_string());
        }
        if store.delete(&name)? {
            removed.push(name.clone());
        }
        if let Ok(dir) = paths::cloudflared_dir() {
            let _ = std::fs::remove_file(dir.join(format!("{name}.url")));
        }
    }
    let what = host.as_deref().unwrap_or("every application");
    let unreached = store.unreached_keyring();
    if removed.is_empty() && unreached.is_none() {
        if host.is_none() {
            store.keyring_emptied();
        }
        crate::errln!("zssh: no cached tokens for {what}; nothing to do");
        return Ok(Exit::Ok);
    }
    let count = format!(
        "{} token{}",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" }
    );
    let Some(why) = unreached else {
        if host.is_none() {
            store.keyring_emptied();
        }
        crate::errln!("zssh: logged out of {what} (removed {count})");
        return finish(&store, host.as_deref(), teams);
    };
    if !removed.is_empty() {
        crate::errln!("zssh: removed {count} of {what} from ~/.cloudflared");
    }
    let again = match &args.host {
        Some(h) => format!("zssh logout {}", crate::human::shell_word(h)),
        None => "zssh logout --all".to_string(),
    };
    Err(UserError::local(
        format!(
            "could not reach the keyring ({why}); tokens of {what} stored there may remain, and are used again once it answers"
        ),
        format!(
            "unlock the keyring (log in to the desktop session, or start gnome-keyring-daemon --unlock), then run `{again}` again; if this machine no longer has a keyring, set ZSSH_TOKEN_STORE=file"
        ),
    ))
}

/// After a logout of one application: say whether the team session that would log it in again
/// remains.
fn finish(
    store: &TokenStore,
    host: Option<&str>,
    mut teams: Vec<String>,
) -> Result<Exit, UserError> {
    if host.is_some() {
        teams.sort();
        teams.dedup();
        for team in teams {
            let org = crate::access::token::org_name(&team);
            if store.read(&org)?.is_some() {
                crate::errln!(
                    "zssh: your team session with {team} remains (it logs you in again without a browser); `zssh logout --all` ends it"
                );
            }
        }
    }
    Ok(Exit::Ok)
}
