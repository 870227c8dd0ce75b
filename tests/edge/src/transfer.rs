//! The login transfer store (`login.cloudflareaccess.org/transfer/<key>`): sealed deposits and the
//! long poll that waits for them.
//!
//! The store owns one static X25519 keypair per run. A deposit is the JSON
//! `{"app_token","org_token"}` sealed with NaCl box (crypto_box `SalsaBox`: X25519 +
//! XSalsa20-Poly1305) from the store's secret key to the client's public key under a fresh random
//! 24-byte nonce, kept as `nonce || ciphertext` until one poll takes it (each deposit is delivered
//! once). Waiting uses a `tokio::sync::Notify`, never a sleep loop. See access-protocol.md 3.1.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crypto_box::aead::Aead;
use crypto_box::{Nonce, PublicKey, SalsaBox, SecretKey};
use tokio::sync::Notify;

use crate::util::{b64url_pad, b64url_pad_decode, random_array};

/// The store: its keypair and the undelivered deposits, keyed by the client's raw public key.
pub(crate) struct TransferStore {
    secret: SecretKey,
    public: PublicKey,
    deposits: Mutex<HashMap<[u8; 32], VecDeque<Vec<u8>>>>,
    landed: Notify,
}

impl std::fmt::Debug for TransferStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransferStore").finish_non_exhaustive()
    }
}

/// Parses a client transfer key as sent in URLs: base64url with `=` padding (44 characters).
pub(crate) fn parse_client_key(s: &str) -> Option<[u8; 32]> {
    b64url_pad_decode(s)?.try_into().ok()
}

impl TransferStore {
    pub(crate) fn new() -> Self {
        let secret = SecretKey::from(random_array::<32>());
        let public = secret.public_key();
        TransferStore {
            secret,
            public,
            deposits: Mutex::new(HashMap::new()),
            landed: Notify::new(),
        }
    }

    /// The value of the `service-public-key` response header: base64url with padding.
    pub(crate) fn public_key_b64(&self) -> String {
        b64url_pad(self.public.as_bytes())
    }

    /// Seals `plaintext` to `client` and queues it for that key; wakes every waiting poll.
    pub(crate) fn deposit(&self, client: &[u8; 32], plaintext: &[u8]) {
        let nonce_bytes: [u8; 24] = random_array();
        let sealed = SalsaBox::new(&PublicKey::from(*client), &self.secret)
            .encrypt(Nonce::from_slice(&nonce_bytes), plaintext)
            .expect("NaCl box encryption cannot fail for in-memory data");
        let mut blob = Vec::with_capacity(24 + sealed.len());
        blob.extend_from_slice(&nonce_bytes);
        blob.extend_from_slice(&sealed);
        self.deposits
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(*client)
            .or_default()
            .push_back(blob);
        self.landed.notify_waiters();
    }

    fn take(&self, client: &[u8; 32]) -> Option<Vec<u8>> {
        let mut map = self.deposits.lock().unwrap_or_else(|e| e.into_inner());
        let queue = map.get_mut(client)?;
        let blob = queue.pop_front();
        if queue.is_empty() {
            map.remove(client);
        }
        blob
    }

    /// Takes the oldest deposit for `client`, waiting up to `hold` for one to land.
    /// Returns `nonce || ciphertext`, or `None` when the hold ran out.
    pub(crate) async fn poll(&self, client: &[u8; 32], hold: Duration) -> Option<Vec<u8>> {
        let deadline = tokio::time::Instant::now() + hold;
        loop {
            // Register interest before looking, so a deposit between the look and the wait is
            // not missed.
            let landed = self.landed.notified();
            tokio::pin!(landed);
            landed.as_mut().enable();
            if let Some(blob) = self.take(client) {
                return Some(blob);
            }
            if tokio::time::timeout_at(deadline, landed).await.is_err() {
                return self.take(client);
            }
        }
    }
}
