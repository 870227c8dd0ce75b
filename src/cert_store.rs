//! Short-lived SSH certificates on disk: a fresh key for every new certificate, the checks a
//! signed certificate must pass before it is stored (a user certificate for our key, a sane
//! validity window, principals present), and the fast read that decides whether the current one
//! can be reused. Files use cloudflared's names so existing ssh configs keep working.
//! Format: OpenSSH PROTOCOL.certkeys; keys are written in OpenSSH's private key format.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ssh_key::certificate::CertType;
use ssh_key::{Algorithm, Certificate, EcdsaCurve, LineEnding, PrivateKey};

use crate::error::UserError;
use crate::{fsutil, paths};

/// The longest validity window accepted as "short-lived".
const MAX_WINDOW_SECS: u64 = 31 * 24 * 3600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    // No doc comments here: clap would render them as a list the man page linter rejects.
    Ecdsa,
    Ed25519,
}

/// Where one host's key and certificate live.
#[derive(Debug, Clone)]
pub struct Files {
    pub key: PathBuf,
    pub public: PathBuf,
    pub cert: PathBuf,
}

impl Files {
    pub fn for_host(host: &str) -> Result<Files, UserError> {
        let (key, public, cert) = paths::cert_files(host)?;
        Ok(Files { key, public, cert })
    }
}

/// A stored key and its certificate.
pub struct Current {
    pub key: PrivateKey,
    pub cert: Certificate,
}

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Key and certificate files are a few KiB; larger ones (or FIFOs, devices) are not read.
const MAX_FILE: u64 = 64 * 1024;

/// The stored pair, if both files parse and the certificate belongs to the key.
pub fn load(files: &Files) -> Option<Current> {
    let cert_bytes = fsutil::read_regular(&files.cert, MAX_FILE).ok()??;
    let cert = Certificate::from_openssh(std::str::from_utf8(&cert_bytes).ok()?.trim()).ok()?;
    let key = PrivateKey::from_openssh(fsutil::read_regular(&files.key, MAX_FILE).ok()??).ok()?;
    (cert.public_key() == key.public_key().key_data()).then_some(Current { key, cert })
}

/// Seconds of validity left at `now` (negative once expired).
pub fn remaining(cert: &Certificate, now: u64) -> i64 {
    cert.valid_before() as i64 - now as i64
}

pub fn generate(kind: KeyType) -> Result<PrivateKey, UserError> {
    let algorithm = match kind {
        KeyType::Ecdsa => Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        },
        KeyType::Ed25519 => Algorithm::Ed25519,
    };
    let mut rng = ssh_key::rand_core::UnwrapErr(ssh_key::getrandom::SysRng);
    PrivateKey::random(&mut rng, algorithm).map_err(|e| {
        UserError::new(
            crate::exit::Exit::Failure,
            format!("cannot generate a key: {e}"),
            "this is a bug or an RNG failure; try again",
        )
    })
}

/// The authorized_keys line cert_sign expects: `<type> <base64>` plus a newline, no comment.
pub fn public_line(key: &PrivateKey) -> String {
    let mut public = key.public_key().clone();
    public.set_comment("");
    format!("{}\n", public.to_openssh().unwrap_or_default().trim())
}

/// Check a signed certificate for `key` at the edge's time `now`.
pub fn check(line: &str, key: &PrivateKey, now: u64) -> Result<Certificate, String> {
    let cert = Certificate::from_openssh(line.trim())
        .map_err(|e| format!("not an OpenSSH certificate ({e})"))?;
    if cert.cert_type() != CertType::User {
        return Err("it is a host certificate, not a user certificate".into());
    }
    if cert.public_key() != key.public_key().key_data() {
        return Err("it certifies a different key than the one sent".into());
    }
    let (after, before) = (cert.valid_after(), cert.valid_before());
    if before <= after {
        return Err("its validity window is empty".into());
    }
    if before <= now {
        return Err(format!("it expired {}", crate::human::ago(before as i64)));
    }
    if after > now + 300 {
        return Err(format!(
            "it only becomes valid {}",
            crate::human::ago(after as i64)
        ));
    }
    if before - after > MAX_WINDOW_SECS {
        return Err("it is valid for more than 31 days, which is not short-lived".into());
    }
    if cert.valid_principals().is_empty() {
        return Err("it names no principal (it would be valid for every user)".into());
    }
    Ok(cert)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), UserError> {
    fsutil::write_private(path, bytes)
}

/// Store a new key and its certificate (each atomically; the certificate last, so a reader
/// never finds a new certificate next to an old key).
pub fn save(files: &Files, key: &PrivateKey, cert_line: &str) -> Result<(), UserError> {
    let pem = key.to_openssh(LineEnding::LF).map_err(|e| {
        UserError::local(
            format!("cannot encode the key: {e}"),
            "this is a bug; please report it",
        )
    })?;
    write(&files.key, pem.as_bytes())?;
    write(&files.public, public_line(key).as_bytes())?;
    write(&files.cert, format!("{}\n", cert_line.trim()).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_public_lines() {
        for (kind, prefix) in [
            (KeyType::Ecdsa, "ecdsa-sha2-nistp256 "),
            (KeyType::Ed25519, "ssh-ed25519 "),
        ] {
            let key = generate(kind).unwrap();
            let line = public_line(&key);
            assert!(line.starts_with(prefix), "{line}");
            assert!(
                line.ends_with('\n') && line.trim().split(' ').count() == 2,
                "{line:?}"
            );
        }
        assert_ne!(
            public_line(&generate(KeyType::Ecdsa).unwrap()),
            public_line(&generate(KeyType::Ecdsa).unwrap()),
            "fresh keys"
        );
    }

    #[test]
    fn rejects_garbage() {
        let key = generate(KeyType::Ecdsa).unwrap();
        assert!(
            check("nonsense", &key, now_secs())
                .unwrap_err()
                .contains("not an OpenSSH certificate")
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(128))]

        /// Any certificate line the edge returns (arbitrary text, and a certificate type
        /// followed by base64 of arbitrary bytes): refused or accepted, never a panic.
        #[test]
        fn arbitrary_certificates_never_panic(
            raw in ".{0,200}",
            blob in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
            now in proptest::prelude::any::<u64>(),
        ) {
            let key = generate(KeyType::Ed25519).unwrap();
            let _ = check(&raw, &key, now);
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &blob);
            for t in ["ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com"] {
                let _ = check(&format!("{t} {b64} c"), &key, now);
            }
        }
    }
}
