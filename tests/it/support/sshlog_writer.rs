//! A test-only writer of encrypted session logs (../shared/docs/ssh-logs-format.md), sealed with
//! the `hpke` crate: an HPKE implementation independent of the reader in src/sshlog, so a mistake
//! in one side cannot be mirrored in the other. Used by src/sshlog's unit tests (through
//! `#[path]`) and by the integration tests. Plain std + hpke + base64 + serde_json, no crate
//! internals.

use std::io::Write;

use base64::Engine;
use hpke::aead::{AeadCtxS, ChaCha20Poly1305};
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem, OpModeS, Serializable};

type Ctx = AeadCtxS<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>;

/// One packet: (from the server?, elapsed µs, bytes).
pub type RawPacket = (bool, u64, Vec<u8>);

/// Writes a log as a stream: the metadata first, then packets cut into blocks of the given
/// plaintext sizes (cycled), so packets span blocks wherever the sizes say.
pub struct LogWriter<W: Write> {
    out: W,
    ctx: Ctx,
    sizes: Vec<usize>,
    next_size: usize,
    pending: Vec<u8>,
}

impl<W: Write> LogWriter<W> {
    /// `meta` is the metadata object without `encapsulated_key` (added here); `public` is the
    /// recipient's raw X25519 public key; `sizes` the plaintext size of each block (cycled,
    /// zeros allowed: empty blocks).
    pub fn new(
        mut out: W,
        public: &[u8; 32],
        mut meta: serde_json::Value,
        sizes: &[usize],
    ) -> Self {
        let pk = <X25519HkdfSha256 as Kem>::PublicKey::from_bytes(public).expect("public key");
        let (enc, ctx) = hpke::setup_sender::<ChaCha20Poly1305, HkdfSha256, X25519HkdfSha256>(
            &OpModeS::Base,
            &pk,
            b"",
        )
        .expect("setup_sender");
        let hex: String = enc.to_bytes().iter().map(|b| format!("{b:02x}")).collect();
        meta["encapsulated_key"] = serde_json::Value::String(hex);
        let b64 = base64::engine::general_purpose::STANDARD.encode(meta.to_string());
        out.write_all(&(b64.len() as u32).to_be_bytes()).unwrap();
        out.write_all(b64.as_bytes()).unwrap();
        let sizes = if sizes.iter().all(|&s| s == 0) {
            vec![4096]
        } else {
            sizes.to_vec()
        };
        LogWriter {
            out,
            ctx,
            sizes,
            next_size: 0,
            pending: Vec::new(),
        }
    }

    fn seal(&mut self, plain: &[u8]) {
        let sealed = self.ctx.seal(plain, b"").expect("seal");
        self.out
            .write_all(&(sealed.len() as u32).to_be_bytes())
            .unwrap();
        self.out.write_all(&sealed).unwrap();
    }

    /// Seal every full block the pending plaintext holds.
    fn flush_blocks(&mut self) {
        loop {
            let size = self.sizes[self.next_size % self.sizes.len()];
            if size == 0 {
                self.seal(&[]);
            } else if self.pending.len() >= size {
                let rest = self.pending.split_off(size);
                let block = std::mem::replace(&mut self.pending, rest);
                self.seal(&block);
            } else {
                return;
            }
            self.next_size += 1;
        }
    }

    /// Raw plaintext, for malformed packets.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.pending.extend_from_slice(bytes);
        self.flush_blocks();
    }

    pub fn packet(&mut self, from_server: bool, elapsed: u64, data: &[u8]) {
        self.pending
            .extend_from_slice(&(13 + data.len() as u32).to_be_bytes());
        self.pending.push(u8::from(from_server));
        self.pending.extend_from_slice(&0u32.to_be_bytes());
        self.pending.extend_from_slice(&elapsed.to_be_bytes());
        self.pending.extend_from_slice(data);
        self.flush_blocks();
    }

    /// Seal what is left (if anything) and give the output back.
    pub fn finish(mut self) -> W {
        if !self.pending.is_empty() {
            let last = std::mem::take(&mut self.pending);
            self.seal(&last);
        }
        self.out
    }
}

/// A whole log in memory.
pub fn write_log(
    public: &[u8; 32],
    meta: serde_json::Value,
    packets: &[RawPacket],
    sizes: &[usize],
) -> Vec<u8> {
    let mut w = LogWriter::new(Vec::new(), public, meta, sizes);
    for (server, elapsed, data) in packets {
        w.packet(*server, *elapsed, data);
    }
    w.finish()
}

/// A fresh key pair (private, public), raw bytes.
pub fn key_pair() -> ([u8; 32], [u8; 32]) {
    let (sk, pk) = X25519HkdfSha256::gen_keypair();
    let mut private = [0u8; 32];
    private.copy_from_slice(&sk.to_bytes());
    let mut public = [0u8; 32];
    public.copy_from_slice(&pk.to_bytes());
    (private, public)
}

/// Make each side's stamps non-decreasing (cumulative times), leaving the sides interleaved.
pub fn sort_times_per_side(packets: &mut [RawPacket]) {
    for side in [false, true] {
        let mut times: Vec<u64> = packets
            .iter()
            .filter(|p| p.0 == side)
            .map(|p| p.1)
            .collect();
        times.sort_unstable();
        for (p, t) in packets.iter_mut().filter(|p| p.0 == side).zip(times) {
            p.1 = t;
        }
    }
}
