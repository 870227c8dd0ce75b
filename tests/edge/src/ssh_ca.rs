//! The SSH user certificate authority behind `cert_sign` (short-lived certificates).
//!
//! One Ed25519 CA key per run; its public line goes to `<dir>/ssh_user_ca.pub` for sshd's
//! `TrustedUserCAKeys`. Certificates follow OpenSSH PROTOCOL.certkeys: user type, one principal,
//! key id = the identity, the five standard `permit-*` extensions, validity set by the caller.
//! Uses the ssh-key crate; the subject key may be any algorithm ssh-key parses (ECDSA P-256/384/521,
//! Ed25519, RSA, ...).

use std::io;
use std::path::Path;

use ssh_key::certificate::{Builder, CertType};
use ssh_key::private::Ed25519Keypair;
use ssh_key::{PrivateKey, PublicKey};

use crate::util::random_array;

/// The five extensions OpenSSH grants by default, and that Cloudflare's certificates carry.
const EXTENSIONS: [&str; 5] = [
    "permit-X11-forwarding",
    "permit-agent-forwarding",
    "permit-port-forwarding",
    "permit-pty",
    "permit-user-rc",
];

/// What a signed certificate needs besides the subject key.
pub(crate) struct CertRequest<'a> {
    pub principal: &'a str,
    pub key_id: &'a str,
    pub valid_after: u64,
    pub valid_before: u64,
}

/// The CA key.
pub(crate) struct SshCa {
    key: PrivateKey,
}

impl std::fmt::Debug for SshCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshCa").finish_non_exhaustive()
    }
}

impl SshCa {
    /// Makes a fresh CA and writes its public key line (plus newline) to `pub_path`.
    pub(crate) fn generate(pub_path: &Path) -> io::Result<Self> {
        let keypair = Ed25519Keypair::from_seed(&random_array::<32>());
        let key = PrivateKey::new(keypair.into(), "zssh-test-edge user CA")
            .map_err(|e| io::Error::other(e.to_string()))?;
        let line = key
            .public_key()
            .to_openssh()
            .map_err(|e| io::Error::other(e.to_string()))?;
        std::fs::write(pub_path, format!("{line}\n"))?;
        Ok(SshCa { key })
    }

    /// Signs a user certificate for the authorized_keys line `public_key` and returns the
    /// certificate as one OpenSSH line (no newline). Errors are user-facing texts.
    pub(crate) fn sign(&self, public_key: &str, req: &CertRequest<'_>) -> Result<String, String> {
        let subject = PublicKey::from_openssh(public_key.trim())
            .map_err(|e| format!("invalid public key: {e}"))?;
        let mut b = Builder::new(
            random_array::<32>().to_vec(),
            subject.key_data().clone(),
            req.valid_after,
            req.valid_before,
        )
        .map_err(|e| format!("invalid validity window: {e}"))?;
        let sign_err = |e: ssh_key::Error| format!("failed to sign certificate: {e}");
        b.serial(u64::from_be_bytes(random_array::<8>()))
            .map_err(sign_err)?
            .cert_type(CertType::User)
            .map_err(sign_err)?
            .key_id(req.key_id)
            .map_err(sign_err)?
            .valid_principal(req.principal)
            .map_err(sign_err)?;
        for ext in EXTENSIONS {
            b.extension(ext, "").map_err(sign_err)?;
        }
        let cert = b.sign(&self.key).map_err(sign_err)?;
        cert.to_openssh().map_err(sign_err)
    }
}
