//! Cached tokens on disk, read by cloudflared's rules (spec 4.3): the raw compact JWS, RS256
//! required, expired files deleted, app tokens for another audience deleted. The signature is
//! not checked locally (the edge checks it); the stored bytes are sent unchanged.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{AppInfo, jwt};
use crate::error::UserError;
use crate::secret::Secret;
use crate::{debug, fsutil, paths};

/// What was found in a token file.
#[derive(Debug)]
pub enum Lookup {
    Usable(Secret),
    /// No file, or a file that is not an RS256 JWS.
    Missing,
    /// Expired; the file was deleted.
    Expired {
        exp: i64,
    },
    /// The token is for another application; the file was deleted.
    WrongAudience,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        debug!("cannot delete {}: {e}", path.display());
    }
}

/// Read a token file; `aud` is checked for app tokens only.
pub fn read(path: &Path, aud: Option<&str>) -> Result<Lookup, UserError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lookup::Missing),
        Err(e) => {
            return Err(UserError::local(
                format!("cannot read token file {}: {e}", path.display()),
                "check the permissions of ~/.cloudflared",
            ));
        }
    };
    if fsutil::readable_by_others(&meta) {
        return Err(UserError::local(
            format!("token file {} can be read by other users", path.display()),
            format!(
                "run: chmod 600 {} (anyone on this machine may have read it; consider logging out)",
                path.display()
            ),
        ));
    }
    let raw = std::fs::read_to_string(path).map_err(|e| {
        UserError::local(
            format!("cannot read token file {}: {e}", path.display()),
            "check the permissions of ~/.cloudflared",
        )
    })?;
    let token = raw.trim();
    let Some(peeked) = jwt::peek(token).filter(|p| p.alg() == Some("RS256")) else {
        debug!("{} is not an RS256 token; ignoring it", path.display());
        return Ok(Lookup::Missing);
    };
    if let Some(exp) = peeked.exp()
        && now() > exp
    {
        remove(path);
        return Ok(Lookup::Expired { exp });
    }
    if let Some(aud) = aud
        && !peeked.audiences().iter().any(|a| a == aud)
    {
        remove(path);
        return Ok(Lookup::WrongAudience);
    }
    Ok(Lookup::Usable(Secret::new(token)))
}

pub fn app_token_path(info: &AppInfo) -> Result<PathBuf, UserError> {
    paths::app_token_file(&info.app_hostname, &info.aud)
}

/// The cached app token for an application, by the rules above.
pub fn app_token(info: &AppInfo) -> Result<Lookup, UserError> {
    read(&app_token_path(info)?, Some(&info.aud))
}

/// Delete the app token the edge rejected (the only token ever deleted on rejection, spec 4.3).
pub fn drop_app_token(info: &AppInfo) -> Result<(), UserError> {
    remove(&app_token_path(info)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

    fn token(alg: &str, claims: &str) -> String {
        format!(
            "{}.{}.c2ln",
            B64.encode(format!(r#"{{"alg":"{alg}","typ":"JWT"}}"#)),
            B64.encode(claims)
        )
    }

    fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
        let p = dir.join(name);
        fsutil::write_private(&p, body.as_bytes()).unwrap();
        p
    }

    #[test]
    fn applies_the_cache_rules() {
        let d = tempfile::tempdir().unwrap();
        let future = now() + 3600;
        let good = write(
            d.path(),
            "good",
            &token("RS256", &format!(r#"{{"aud":["x"],"exp":{future}}}"#)),
        );
        assert!(matches!(read(&good, Some("x")).unwrap(), Lookup::Usable(_)));

        let other = write(
            d.path(),
            "other",
            &token("RS256", &format!(r#"{{"aud":"y","exp":{future}}}"#)),
        );
        assert!(matches!(
            read(&other, Some("x")).unwrap(),
            Lookup::WrongAudience
        ));
        assert!(!other.exists(), "wrong-audience file deleted");

        let old = write(d.path(), "old", &token("RS256", r#"{"aud":["x"],"exp":1}"#));
        assert!(matches!(
            read(&old, Some("x")).unwrap(),
            Lookup::Expired { exp: 1 }
        ));
        assert!(!old.exists(), "expired file deleted");

        let hs = write(
            d.path(),
            "hs",
            &token("HS256", &format!(r#"{{"aud":["x"],"exp":{future}}}"#)),
        );
        assert!(matches!(read(&hs, Some("x")).unwrap(), Lookup::Missing));
        let junk = write(d.path(), "junk", "not a token\n");
        assert!(matches!(read(&junk, Some("x")).unwrap(), Lookup::Missing));
        assert!(matches!(
            read(&d.path().join("none"), None).unwrap(),
            Lookup::Missing
        ));
    }

    #[cfg(unix)]
    #[test]
    fn refuses_files_others_can_read() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let p = write(d.path(), "t", &token("RS256", r#"{"aud":["x"]}"#));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = read(&p, Some("x")).unwrap_err();
        assert!(e.message.contains("can be read by other users"));
        assert!(e.hint.contains("chmod 600"));
    }
}
