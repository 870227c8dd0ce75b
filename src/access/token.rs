//! Cached tokens, read by cloudflared's rules (spec 4.3) from wherever the token store keeps them
//! (OS keyring or `~/.cloudflared` files): the raw compact JWS, RS256 required, expired tokens
//! deleted, app tokens for another audience deleted. The signature is not checked locally (the
//! edge checks it); the stored bytes are sent unchanged.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{AppInfo, jwt};
use crate::debug;
use crate::error::UserError;
use crate::secret::Secret;
use crate::token_store::{Location, TokenStore};

/// What was found under a token name.
#[derive(Debug)]
pub enum Lookup {
    Usable(Secret, Location),
    /// Nothing stored, or something that is not an RS256 JWS.
    Missing,
    /// Expired; it was deleted.
    Expired {
        exp: i64,
    },
    /// The token is for another application; it was deleted.
    WrongAudience,
    /// The token was issued by another team than the one whose signed metadata named this
    /// application. Kept (it is not ours to judge), never sent.
    OtherTeam {
        iss: String,
    },
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// `<app hostname>-<aud>-token`, `/` and `*` as `-` (spec 4.2).
pub fn app_name(info: &AppInfo) -> String {
    format!("{}-{}-token", info.app_hostname, info.aud).replace(['/', '*'], "-")
}

/// `<auth domain>-org-token` (spec 4.2).
pub fn org_name(auth_domain: &str) -> String {
    format!("{auth_domain}-org-token").replace('/', "-")
}

/// Split a token name into (kind, subject).
pub fn describe_name(name: &str) -> (&'static str, String) {
    if let Some(team) = name.strip_suffix("-org-token") {
        return ("org", team.to_string());
    }
    let stem = name.strip_suffix("-token").unwrap_or(name);
    let app = stem.rsplit_once('-').map_or(stem, |(app, _aud)| app);
    ("app", app.to_string())
}

/// Read a token; `aud` is checked for app tokens only. A copy that is expired or for another
/// application is deleted where it was found, and the other place is tried next. The issuer
/// must be `team` (the team verified metadata named): a token from elsewhere is never returned.
pub fn lookup(
    store: &TokenStore,
    name: &str,
    aud: Option<&str>,
    team: &str,
) -> Result<Lookup, UserError> {
    let mut verdict = Lookup::Missing;
    // At most two copies exist (keyring and file): each pass removes the one it rejects.
    for _ in 0..2 {
        let Some((token, location)) = store.read(name)? else {
            return Ok(verdict);
        };
        let raw = token.expose().trim();
        let Some(peeked) = jwt::peek(raw).filter(|p| p.alg() == Some("RS256")) else {
            debug!("{name} is not an RS256 token; ignoring it");
            return Ok(verdict);
        };
        if let Some(exp) = peeked.exp()
            && now() > exp
        {
            store.delete_at(name, location)?;
            verdict = Lookup::Expired { exp };
            continue;
        }
        if let Some(aud) = aud
            && !peeked.audiences().iter().any(|a| a == aud)
        {
            store.delete_at(name, location)?;
            verdict = Lookup::WrongAudience;
            continue;
        }
        let iss = peeked.claim_str("iss").unwrap_or("");
        if super::cert_sign::team_of(iss).as_deref() != Some(team.to_ascii_lowercase().as_str()) {
            debug!("{name} was issued by {iss:?}, not by {team}; not using it");
            return Ok(Lookup::OtherTeam {
                iss: iss
                    .chars()
                    .filter(char::is_ascii_graphic)
                    .take(120)
                    .collect(),
            });
        }
        return Ok(Lookup::Usable(Secret::new(raw), location));
    }
    Ok(verdict)
}

/// The cached app token for an application, by the rules above.
pub fn app_token(store: &TokenStore, info: &AppInfo) -> Result<Lookup, UserError> {
    lookup(store, &app_name(info), Some(&info.aud), &info.auth_domain)
}

/// The cached org token of a team (expiry only).
pub fn org_token(store: &TokenStore, auth_domain: &str) -> Result<Lookup, UserError> {
    lookup(store, &org_name(auth_domain), None, auth_domain)
}

/// Who a token names and until when, for `zssh status` and login messages.
pub fn identity(token: &Secret) -> (String, Option<i64>, Vec<String>) {
    match jwt::peek(token.expose().trim()) {
        Some(p) => {
            let who = p
                .claim_str("email")
                .or_else(|| p.claim_str("common_name"))
                .or_else(|| p.claim_str("sub"))
                .unwrap_or("unknown")
                .to_string();
            (who, p.exp(), p.audiences())
        }
        None => ("unreadable token".into(), None, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_cloudflared() {
        let info = AppInfo {
            auth_domain: "t.cloudflareaccess.com".into(),
            aud: "abc".into(),
            app_hostname: "*.example.com/x".into(),
        };
        assert_eq!(app_name(&info), "-.example.com-x-abc-token");
        assert_eq!(
            org_name("t.cloudflareaccess.com"),
            "t.cloudflareaccess.com-org-token"
        );
    }

    #[test]
    fn names() {
        assert_eq!(
            describe_name("t.cloudflareaccess.com-org-token"),
            ("org", "t.cloudflareaccess.com".into())
        );
        assert_eq!(
            describe_name("ssh.example.com-abc123-token"),
            ("app", "ssh.example.com".into())
        );
        assert_eq!(
            describe_name("-.example.com-abc-token"),
            ("app", "-.example.com".into())
        );
    }
}
