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
    if removed.is_empty() {
        eprintln!("zssh: no cached tokens for {what}; nothing to do");
        return Ok(Exit::Ok);
    }
    eprintln!(
        "zssh: logged out of {what} (removed {} token{})",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" }
    );
    if host.is_some() {
        teams.sort();
        teams.dedup();
        for team in teams {
            let org = crate::access::token::org_name(&team);
            if store.read(&org)?.is_some() {
                eprintln!(
                    "zssh: your team session with {team} remains (it logs you in again without a browser); `zssh logout --all` ends it"
                );
            }
        }
    }
    Ok(Exit::Ok)
}
