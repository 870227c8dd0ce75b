//! The receiving side of HPKE (RFC 9180) for one suite and one mode: base mode,
//! DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, ChaCha20-Poly1305, empty `info`, empty `aad`: what
//! session logs are sealed with (../shared/docs/ssh-logs-format.md).
//!
//! Built from aws-lc's primitives (X25519, HMAC-SHA256, ChaCha20-Poly1305), deliberately not from
//! an HPKE library: the tests seal logs with the `hpke` crate, so the two sides are independent
//! code paths and a shared mistake cannot hide. Never prints; holds key material only in memory.

use aws_lc_rs::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::agreement::{self, PrivateKey, UnparsedPublicKey, X25519};
use aws_lc_rs::hmac;

/// KEM id 0x0020, KDF id 0x0001, AEAD id 0x0003 (RFC 9180 section 7).
const KEM_SUITE: &[u8] = b"KEM\x00\x20";
const HPKE_SUITE: &[u8] = b"HPKE\x00\x20\x00\x01\x00\x03";
const VERSION: &[u8] = b"HPKE-v1";
const MODE_BASE: u8 = 0;
/// The size of an X25519 key, a ChaCha20 key and a SHA-256 output.
pub const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 12;
/// The Poly1305 tag that ends every sealed block.
pub const TAG_LEN: usize = 16;

/// Why a receiver context could not be set up.
#[derive(Debug, PartialEq, Eq)]
pub enum SetupError {
    /// The private key is not a usable X25519 key.
    PrivateKey,
    /// The sender's `enc` is not a usable X25519 public key (or gives the all-zero secret).
    Encapsulated,
}

/// One receiver context: opens the sealed blocks of one file, in order.
pub struct Receiver {
    key: LessSafeKey,
    base_nonce: [u8; NONCE_LEN],
    seq: u64,
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("seq", &self.seq)
            .finish_non_exhaustive()
    }
}

/// HKDF-Extract with the HPKE label prefix: HMAC(salt, "HPKE-v1" || suite || label || ikm).
/// An empty salt is HMAC's all-zero key of hash length (HMAC pads keys with zeros anyway).
fn labeled_extract(suite: &[u8], salt: &[u8], label: &[u8], ikm: &[u8]) -> [u8; KEY_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, salt);
    let mut ctx = hmac::Context::with_key(&key);
    for part in [VERSION, suite, label, ikm] {
        ctx.update(part);
    }
    let mut out = [0u8; KEY_LEN];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// HKDF-Expand with the HPKE label prefix, for outputs of at most one hash length (all this
/// suite needs): T(1) = HMAC(prk, I2OSP(len, 2) || "HPKE-v1" || suite || label || info || 0x01).
fn labeled_expand<const N: usize>(suite: &[u8], prk: &[u8], label: &[u8], info: &[u8]) -> [u8; N] {
    const { assert!(N <= KEY_LEN) };
    let key = hmac::Key::new(hmac::HMAC_SHA256, prk);
    let mut ctx = hmac::Context::with_key(&key);
    let len = (N as u16).to_be_bytes();
    for part in [&len[..], VERSION, suite, label, info, &[1u8]] {
        ctx.update(part);
    }
    let mut out = [0u8; N];
    out.copy_from_slice(&ctx.sign().as_ref()[..N]);
    out
}

/// The public key of a raw X25519 private key.
pub fn public_key(private: &[u8; KEY_LEN]) -> Result<[u8; KEY_LEN], SetupError> {
    let sk = PrivateKey::from_private_key(&X25519, private).map_err(|_| SetupError::PrivateKey)?;
    let pk = sk
        .compute_public_key()
        .map_err(|_| SetupError::PrivateKey)?;
    pk.as_ref().try_into().map_err(|_| SetupError::PrivateKey)
}

/// DHKEM Decap: the KEM shared secret for `enc` and our private key.
fn decap(private: &[u8; KEY_LEN], enc: &[u8; KEY_LEN]) -> Result<[u8; KEY_LEN], SetupError> {
    let sk = PrivateKey::from_private_key(&X25519, private).map_err(|_| SetupError::PrivateKey)?;
    let pk_r = public_key(private)?;
    let dh: [u8; KEY_LEN] = agreement::agree(
        &sk,
        UnparsedPublicKey::new(&X25519, enc),
        SetupError::Encapsulated,
        |secret| secret.try_into().map_err(|_| SetupError::Encapsulated),
    )?;
    // RFC 9180 7.1.4: a low-order `enc` gives the all-zero secret, which must be refused.
    if dh == [0u8; KEY_LEN] {
        return Err(SetupError::Encapsulated);
    }
    let mut kem_context = [0u8; 2 * KEY_LEN];
    kem_context[..KEY_LEN].copy_from_slice(enc);
    kem_context[KEY_LEN..].copy_from_slice(&pk_r);
    let eae_prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", &dh);
    Ok(labeled_expand(
        KEM_SUITE,
        &eae_prk,
        b"shared_secret",
        &kem_context,
    ))
}

impl Receiver {
    /// SetupBaseR(enc, skR, info = ""): the key schedule of RFC 9180 section 5.1.
    pub fn new(private: &[u8; KEY_LEN], enc: &[u8; KEY_LEN]) -> Result<Receiver, SetupError> {
        let shared = decap(private, enc)?;
        let psk_id_hash = labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"");
        let info_hash = labeled_extract(HPKE_SUITE, b"", b"info_hash", b"");
        let mut context = [0u8; 1 + 2 * KEY_LEN];
        context[0] = MODE_BASE;
        context[1..=KEY_LEN].copy_from_slice(&psk_id_hash);
        context[1 + KEY_LEN..].copy_from_slice(&info_hash);
        let secret = labeled_extract(HPKE_SUITE, &shared, b"secret", b"");
        let key: [u8; KEY_LEN] = labeled_expand(HPKE_SUITE, &secret, b"key", &context);
        let base_nonce = labeled_expand(HPKE_SUITE, &secret, b"base_nonce", &context);
        let key = UnboundKey::new(&CHACHA20_POLY1305, &key).map_err(|_| SetupError::PrivateKey)?;
        Ok(Receiver {
            key: LessSafeKey::new(key),
            base_nonce,
            seq: 0,
        })
    }

    /// Open the next sealed block in place (ciphertext + tag); on success the plaintext is the
    /// returned prefix of `block` and the sequence number moves on. A failure leaves the context
    /// where it was.
    pub fn open<'a>(&mut self, block: &'a mut [u8]) -> Option<&'a mut [u8]> {
        let mut nonce = self.base_nonce;
        for (n, s) in nonce[NONCE_LEN - 8..]
            .iter_mut()
            .zip(self.seq.to_be_bytes())
        {
            *n ^= s;
        }
        let plain = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::empty(), block)
            .ok()?;
        self.seq = self.seq.checked_add(1)?;
        Some(plain)
    }
}
