//! Short-lived SSH certificates on disk: the key they certify, the checks a signed certificate
//! must pass before it is stored (a user certificate for our key, a sane validity window,
//! principals present), and the fast read that decides whether the current one can be reused.
//! Files use cloudflared's names so existing ssh configs keep working.
//! Format: OpenSSH PROTOCOL.certkeys; keys are written in OpenSSH's private key format.
//!
//! ssh reads the key and the certificate at different instants (the certificate when it starts,
//! the private key again when it signs), so the pair on disk must match at every instant. The
//! key is therefore kept across renewals: a renewal only replaces the certificate, atomically.
//! A new key is made only when there is no usable one, or when its certificate expired more than
//! [`ROTATE_AFTER_EXPIRY_SECS`] ago: then no ssh can still be authenticating with the old pair
//! (sshd would refuse its expired certificate), and the files change in an order in which
//! every state a reader can see is a matching pair or a key without a certificate
//! ([`install_key`]).

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use ssh_key::certificate::CertType;
use ssh_key::public::KeyData;
use ssh_key::{Algorithm, Certificate, EcdsaCurve, LineEnding, PrivateKey, PublicKey};

use crate::error::UserError;
use crate::{fsutil, paths};

/// The longest validity window accepted as "short-lived".
const MAX_WINDOW_SECS: u64 = 31 * 24 * 3600;

/// A key whose certificate expired longer ago than this is replaced at the next renewal. Well
/// above any clock difference zssh tolerates without a warning, so sshd too sees it expired.
pub const ROTATE_AFTER_EXPIRY_SECS: i64 = 10 * 60;

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

/// A small text file zssh reads back (certificate, `.pub`): regular files only (a FIFO would
/// block `ssh`'s `Match exec` forever), at most [`MAX_FILE`] bytes; anything else is "none".
fn read_text(path: &std::path::Path) -> Option<String> {
    String::from_utf8(fsutil::read_regular(path, MAX_FILE).ok()??).ok()
}

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

/// Check a signed certificate for the public key `key` at the edge's time `now`.
pub fn check(line: &str, key: &KeyData, now: u64) -> Result<Certificate, String> {
    let cert = Certificate::from_openssh(line.trim())
        .map_err(|e| format!("not an OpenSSH certificate ({e})"))?;
    if cert.cert_type() != CertType::User {
        return Err("it is a host certificate, not a user certificate".into());
    }
    if cert.public_key() != key {
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

fn remove(path: &Path) -> Result<(), UserError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(UserError::local(
            format!("cannot remove {}: {e}", path.display()),
            format!(
                "check that {} is writable by you",
                path.parent().unwrap_or(Path::new(".")).display()
            ),
        )),
    }
}

/// The key the next certificate is for (call while holding the renewal lock): the stored key if
/// it is usable, else `None` (make a new one and [`install_key`] it). Usable: it parses, is not
/// passphrase-protected, and its certificate on disk (if that certificate is for it at all) did
/// not expire more than [`ROTATE_AFTER_EXPIRY_SECS`] before `now`. A stored key of another type
/// than the one asked for is kept: `--key-type` chooses the type of new keys only, so a manual
/// run with another type never makes the next automatic renewal swap the key under a reader.
pub fn reusable_key(files: &Files, now: u64) -> Option<PrivateKey> {
    let key = PrivateKey::from_openssh(fsutil::read_regular(&files.key, MAX_FILE).ok()??).ok()?;
    if key.is_encrypted() {
        return None;
    }
    let cert = read_text(&files.cert)
        .and_then(|t| Certificate::from_openssh(t.trim()).ok())
        .filter(|c| c.public_key() == key.public_key().key_data());
    match cert {
        Some(c) if remaining(&c, now) < -ROTATE_AFTER_EXPIRY_SECS => None,
        _ => Some(key),
    }
}

fn encode(key: &PrivateKey) -> Result<String, UserError> {
    key.to_openssh(LineEnding::LF)
        .map(|pem| pem.to_string())
        .map_err(|e| {
            UserError::local(
                format!("cannot encode the key: {e}"),
                "this is a bug; please report it",
            )
        })
}

/// Replace the stored key with `key`. Every intermediate state holds a matching pair or a key
/// with no certificate (and no `.pub` that disagrees with it): the certificate and the `.pub`
/// go first, then the key, then its `.pub`. A process killed at any point leaves one of these.
pub fn install_key(files: &Files, key: &PrivateKey) -> Result<(), UserError> {
    install_key_steps(files, key, usize::MAX)
}

/// The first `steps` steps of [`install_key`] (tests stop early, as a SIGKILL would).
fn install_key_steps(files: &Files, key: &PrivateKey, steps: usize) -> Result<(), UserError> {
    let pem = encode(key)?;
    let public = public_line(key);
    let all: [&dyn Fn() -> Result<(), UserError>; 4] = [
        &|| remove(&files.cert),
        &|| remove(&files.public),
        &|| write(&files.key, pem.as_bytes()),
        &|| write(&files.public, public.as_bytes()),
    ];
    for step in all.iter().take(steps) {
        step()?;
    }
    Ok(())
}

/// Store a new certificate for the stored `key`: only the certificate file changes (atomically),
/// after the `.pub` is made to match the key if it does not (a run killed during [`install_key`]).
pub fn save_cert(files: &Files, key: &PrivateKey, cert_line: &str) -> Result<(), UserError> {
    let public = public_line(key);
    let current = read_text(&files.public);
    let same = current
        .as_deref()
        .and_then(|t| PublicKey::from_openssh(t.trim()).ok())
        .is_some_and(|p| p.key_data() == key.public_key().key_data());
    if !same {
        write(&files.public, public.as_bytes())?;
    }
    write(&files.cert, format!("{}\n", cert_line.trim()).as_bytes())
}

/// A public key brought by the user (`zssh cert --public-key FILE`): an FIDO `sk-` key, a key in
/// ssh-agent, a PIV or PKCS#11 token, any key OpenSSH can use. zssh never sees its private half.
#[derive(Debug, Clone)]
pub struct OwnKey {
    pub cert: PathBuf,
    pub key: PublicKey,
}

impl OwnKey {
    /// Read `public` (an OpenSSH public key line, comment allowed); the certificate goes beside
    /// it under OpenSSH's name (see [`cert_path_for`]).
    pub fn read(public: &Path) -> Result<OwnKey, UserError> {
        let bad = |why: String| {
            UserError::usage(
                format!("cannot use the public key {}: {why}", public.display()),
                "pass the .pub file of the key to certify (ssh-keygen -y -f KEY > KEY.pub makes one; ssh-add -L lists agent keys)",
            )
        };
        let meta = std::fs::metadata(public).map_err(|e| bad(e.to_string()))?;
        if !meta.is_file() || meta.len() > 64 * 1024 {
            return Err(bad("not a public key file".into()));
        }
        let text = std::fs::read_to_string(public).map_err(|e| bad(e.to_string()))?;
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .ok_or_else(|| bad("the file is empty".into()))?;
        let key = PublicKey::from_openssh(line)
            .map_err(|e| bad(format!("not an OpenSSH public key ({e})")))?;
        Ok(OwnKey {
            cert: cert_path_for(public),
            key,
        })
    }

    /// The authorized_keys line cert_sign expects (no comment).
    pub fn line(&self) -> String {
        let mut k = self.key.clone();
        k.set_comment("");
        format!("{}\n", k.to_openssh().unwrap_or_default().trim())
    }

    /// The stored certificate, if it certifies this key.
    pub fn load_cert(&self) -> Option<Certificate> {
        let text = read_text(&self.cert)?;
        Certificate::from_openssh(text.trim())
            .ok()
            .filter(|c| c.public_key() == self.key.key_data())
    }

    /// Replace the certificate atomically (the key is the user's and never changes here).
    pub fn save_cert(&self, cert_line: &str) -> Result<(), UserError> {
        write(&self.cert, format!("{}\n", cert_line.trim()).as_bytes())
    }
}

/// OpenSSH's certificate name for a key: `FILE` without `.pub`, plus `-cert.pub`.
pub fn cert_path_for(public: &Path) -> PathBuf {
    let stem = if public.extension().is_some_and(|e| e == "pub") {
        public.with_extension("")
    } else {
        public.to_path_buf()
    };
    let mut name = stem.into_os_string();
    name.push("-cert.pub");
    PathBuf::from(name)
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

    fn files_in(dir: &Path) -> Files {
        Files {
            key: dir.join("h-cf_key"),
            public: dir.join("h-cf_key.pub"),
            cert: dir.join("h-cf_key-cert.pub"),
        }
    }

    /// A user certificate for `key` valid from `after` to `before`, signed by a throwaway CA.
    fn cert_for(key: &PrivateKey, after: u64, before: u64) -> String {
        let ca = generate(KeyType::Ed25519).unwrap();
        let mut b = ssh_key::certificate::Builder::new(
            [7u8; 32].to_vec(),
            key.public_key().key_data().clone(),
            after,
            before,
        )
        .unwrap();
        b.cert_type(CertType::User).unwrap();
        b.valid_principal("alice").unwrap();
        b.sign(&ca).unwrap().to_openssh().unwrap()
    }

    /// What a reader (ssh) may find: a certificate only next to the key it certifies, and a
    /// `.pub` only if it is that key's.
    fn assert_consistent(files: &Files, what: &str) {
        let key = std::fs::read(&files.key)
            .ok()
            .map(|b| PrivateKey::from_openssh(b).unwrap());
        let key_data = key.as_ref().map(|k| k.public_key().key_data().clone());
        if let Ok(text) = std::fs::read_to_string(&files.cert) {
            let cert = Certificate::from_openssh(text.trim()).unwrap();
            assert_eq!(Some(cert.public_key()), key_data.as_ref(), "{what}: cert");
        }
        if let Ok(text) = std::fs::read_to_string(&files.public) {
            let public = PublicKey::from_openssh(text.trim()).unwrap();
            assert_eq!(Some(public.key_data()), key_data.as_ref(), "{what}: .pub");
        }
    }

    #[test]
    fn the_key_is_kept_until_its_certificate_is_long_expired() {
        let dir = tempfile::tempdir().unwrap();
        let files = files_in(dir.path());
        let now = now_secs();
        assert!(reusable_key(&files, now).is_none(), "no key yet");
        let key = generate(KeyType::Ecdsa).unwrap();
        install_key(&files, &key).unwrap();
        let same = |k: Option<PrivateKey>| {
            k.is_some_and(|k| k.public_key().key_data() == key.public_key().key_data())
        };
        assert!(
            same(reusable_key(&files, now)),
            "a key without a certificate"
        );
        save_cert(&files, &key, &cert_for(&key, now - 60, now + 30)).unwrap();
        assert!(same(reusable_key(&files, now)), "valid");
        let expired = now - ROTATE_AFTER_EXPIRY_SECS as u64 + 30;
        save_cert(&files, &key, &cert_for(&key, now - 7200, expired)).unwrap();
        assert!(same(reusable_key(&files, now)), "just expired");
        let long_ago = now - ROTATE_AFTER_EXPIRY_SECS as u64 - 30;
        save_cert(&files, &key, &cert_for(&key, now - 7200, long_ago)).unwrap();
        assert!(reusable_key(&files, now).is_none(), "expired long ago");
        // A certificate of another key (left by an older version's race) does not retire it.
        let other = generate(KeyType::Ecdsa).unwrap();
        std::fs::write(&files.cert, cert_for(&other, now - 7200, long_ago)).unwrap();
        assert!(same(reusable_key(&files, now)));
        std::fs::write(&files.key, "garbage").unwrap();
        assert!(reusable_key(&files, now).is_none(), "unreadable");
    }

    #[test]
    fn a_key_rotation_killed_at_any_step_leaves_a_consistent_pair() {
        let now = now_secs();
        for steps in 0..=5 {
            let dir = tempfile::tempdir().unwrap();
            let files = files_in(dir.path());
            let old = generate(KeyType::Ecdsa).unwrap();
            install_key(&files, &old).unwrap();
            save_cert(&files, &old, &cert_for(&old, now - 7200, now - 3600)).unwrap();
            assert_consistent(&files, "before");
            // The rotation, stopped after `steps` steps (5: completed, certificate stored).
            let new = generate(KeyType::Ecdsa).unwrap();
            install_key_steps(&files, &new, steps).unwrap();
            if steps == 5 {
                save_cert(&files, &new, &cert_for(&new, now - 60, now + 180)).unwrap();
            }
            assert_consistent(&files, &format!("killed after {steps} steps"));
            // The next renewal, from whatever it finds.
            let key = match reusable_key(&files, now) {
                Some(k) => k,
                None => {
                    let k = generate(KeyType::Ecdsa).unwrap();
                    install_key(&files, &k).unwrap();
                    k
                }
            };
            save_cert(&files, &key, &cert_for(&key, now - 60, now + 180)).unwrap();
            assert_consistent(&files, &format!("renewed after {steps} steps"));
            assert!(load(&files).is_some(), "{steps}");
        }
    }

    /// A FIDO key's public half, as `ssh-keygen -t ecdsa-sk` writes it (valid: ssh-keygen -l
    /// reads it).
    const SK_PUBLIC: &str = "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBH92x6nWHT8RrHxWcKN1PlpZM2iLzOhxuDnZavbsnb3VViD8QigKMS2Y1cs2GpXRpPUJc75zU8fy118S6j7MURQAAAAEc3NoOg== me@laptop";

    #[test]
    fn own_keys_and_their_certificate_names() {
        assert_eq!(
            cert_path_for(Path::new("/h/.ssh/id_ecdsa_sk.pub")),
            PathBuf::from("/h/.ssh/id_ecdsa_sk-cert.pub")
        );
        assert_eq!(
            cert_path_for(Path::new("/h/keys/token")),
            PathBuf::from("/h/keys/token-cert.pub")
        );
        let dir = tempfile::tempdir().unwrap();
        let sk = dir.path().join("id_ecdsa_sk.pub");
        std::fs::write(&sk, format!("{SK_PUBLIC}\n")).unwrap();
        let own = OwnKey::read(&sk).unwrap();
        assert!(
            own.line()
                .starts_with("sk-ecdsa-sha2-nistp256@openssh.com AAAA")
        );
        assert!(own.line().ends_with("==\n"), "no comment: {:?}", own.line());
        assert_eq!(own.cert, dir.path().join("id_ecdsa_sk-cert.pub"));
        for bad in ["", "# only a comment\n", "ssh-ed25519 AAAA!!\n"] {
            std::fs::write(&sk, bad).unwrap();
            assert_eq!(
                OwnKey::read(&sk).unwrap_err().exit,
                crate::exit::Exit::Usage
            );
        }
    }

    #[test]
    fn rejects_garbage() {
        let key = generate(KeyType::Ecdsa).unwrap();
        assert!(
            check("nonsense", key.public_key().key_data(), now_secs())
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
            let _ = check(&raw, key.public_key().key_data(), now);
            let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &blob);
            for t in ["ssh-ed25519-cert-v01@openssh.com", "ecdsa-sha2-nistp256-cert-v01@openssh.com"] {
                let _ = check(&format!("{t} {b64} c"), key.public_key().key_data(), now);
            }
        }
    }
}
