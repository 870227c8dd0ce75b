//! Session-log key files (../shared/docs/ssh-logs-format.md, "Key files"): standard base64 of a
//! raw 32-byte X25519 key, as the reference tool and the dashboard use them. Making a pair, and
//! reading a file tolerantly (surrounding whitespace, a final newline). Never prints, never
//! writes files: the command does, with the modes it chooses.

use std::fmt;

use aws_lc_rs::agreement::{PrivateKey as LcPrivateKey, X25519};
use aws_lc_rs::encoding::{AsBigEndian, Curve25519SeedBin};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::sshlog::receiver::{self, KEY_LEN};

/// A raw X25519 private key. `Debug` never shows it.
pub struct PrivateKey(pub [u8; KEY_LEN]);

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey([redacted])")
    }
}

/// Why a key file's text is not a key.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyError {
    Empty,
    NotBase64,
    /// It decodes to this many bytes instead of 32.
    Length(usize),
    /// It is 32 bytes but not a usable X25519 private key.
    Unusable,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("it is empty"),
            KeyError::NotBase64 => f.write_str("it is not base64"),
            KeyError::Length(n) => write!(f, "it decodes to {n} bytes, not {KEY_LEN}"),
            KeyError::Unusable => f.write_str("it is not a usable X25519 key"),
        }
    }
}

/// Decode a key file's contents: base64 of 32 raw bytes, whitespace around it ignored.
pub fn decode(text: &[u8]) -> Result<[u8; KEY_LEN], KeyError> {
    let text = text.trim_ascii();
    if text.is_empty() {
        return Err(KeyError::Empty);
    }
    let bytes = STANDARD.decode(text).map_err(|_| KeyError::NotBase64)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| KeyError::Length(bytes.len()))
}

/// A private key file's contents as a key (checked usable by deriving its public key).
pub fn parse_private(text: &[u8]) -> Result<PrivateKey, KeyError> {
    let key = decode(text)?;
    receiver::public_key(&key).map_err(|_| KeyError::Unusable)?;
    Ok(PrivateKey(key))
}

/// The text of a key file: base64 of the raw key, no newline (what the reference tool writes).
pub fn encode(key: &[u8; KEY_LEN]) -> String {
    STANDARD.encode(key)
}

/// A new key pair from the operating system's RNG: (private, public).
pub fn generate() -> Option<(PrivateKey, [u8; KEY_LEN])> {
    let sk = LcPrivateKey::generate(&X25519).ok()?;
    let seed: Curve25519SeedBin<'_> = sk.as_be_bytes().ok()?;
    let private: [u8; KEY_LEN] = seed.as_ref().try_into().ok()?;
    let public = receiver::public_key(&private).ok()?;
    Some((PrivateKey(private), public))
}

/// The public key of a private key.
pub fn public_of(private: &PrivateKey) -> Option<[u8; KEY_LEN]> {
    receiver::public_key(&private.0).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE_PRIVATE: &str = "4JOnMgRUempC5UZHHP9hkbXAFijo54OVtltAx91FGlo=";
    const FIXTURE_PUBLIC: &str = "tQsGmOL24aBXO/X+HX9VGj1haUYS6/+cXWlmPkckYh0=";

    #[test]
    fn the_fixture_key_gives_its_public_key() {
        let sk = parse_private(FIXTURE_PRIVATE.as_bytes()).unwrap();
        assert_eq!(encode(&public_of(&sk).unwrap()), FIXTURE_PUBLIC);
    }

    #[test]
    fn surrounding_whitespace_is_tolerated() {
        let padded = format!("  {FIXTURE_PRIVATE}\r\n\n");
        assert_eq!(
            parse_private(padded.as_bytes()).unwrap().0,
            parse_private(FIXTURE_PRIVATE.as_bytes()).unwrap().0
        );
    }

    #[test]
    fn bad_key_files_say_why() {
        assert_eq!(decode(b" \n").unwrap_err(), KeyError::Empty);
        assert_eq!(decode(b"not base64!").unwrap_err(), KeyError::NotBase64);
        assert_eq!(decode(b"AAAA").unwrap_err(), KeyError::Length(3));
    }

    #[test]
    fn generated_pairs_round_trip_and_differ() {
        let (sk, pk) = generate().unwrap();
        let text = encode(&sk.0);
        assert_eq!(text.len(), 44);
        assert_eq!(
            public_of(&parse_private(text.as_bytes()).unwrap()),
            Some(pk)
        );
        assert_ne!(generate().unwrap().0.0, sk.0);
        assert!(!format!("{sk:?}").contains(&text));
    }
}
