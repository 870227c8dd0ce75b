//! Reading an encrypted session log (../shared/docs/ssh-logs-format.md): the metadata, then the
//! sealed blocks opened one at a time and parsed into packets as a stream.
//!
//! Memory stays bounded whatever the file says: one block and one packet at a time, each capped
//! ([`MAX_BLOCK`], [`MAX_PACKET`]), and buffers grow only as bytes actually arrive, so a hostile
//! length allocates nothing it has not read. Never panics on any input, never prints: every
//! failure is a [`LogError`] that says where in the file it happened.

use std::fmt;
use std::io::Read;

use base64::Engine;
use serde_json::{Map, Value};

use crate::sshlog::receiver::{KEY_LEN, Receiver, SetupError, TAG_LEN};

/// The largest metadata accepted (real metadata is a few hundred bytes).
pub const MAX_METADATA: u32 = 1 << 20;
/// The largest sealed block accepted (plaintext + tag).
pub const MAX_BLOCK: u32 = 16 << 20;
/// The largest packet payload accepted.
pub const MAX_PACKET: u32 = 16 << 20;
/// A packet's fixed part after its length: source (1), code (4), elapsed (8).
const PACKET_HEAD: u32 = 13;

/// What the metadata says about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Metadata {
    pub started_at: u64,
    pub data_size: u64,
    pub encapsulated_key: [u8; KEY_LEN],
    pub pty: Option<Pty>,
    pub exit_data: Option<ExitData>,
}

/// The terminal of a terminal session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pty {
    pub term: Option<String>,
    pub width: u32,
    pub height: u32,
}

/// How the session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitData {
    pub timestamp: u64,
    pub status: Option<u32>,
    pub signal: Option<String>,
    pub core_dumped: Option<bool>,
    pub error_msg: Option<String>,
}

/// The metadata's JSON object, read field by field (through `serde_json::Value`, which zssh
/// links anyway, rather than a derived deserializer: smaller, and errors name the field).
/// Unknown fields are ignored; optional ones may be absent or null.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    /// Where the object sits, for messages: "", "pty.", "exit_data.".
    prefix: &'static str,
}

impl<'a> Fields<'a> {
    fn bad(&self, name: &str, want: &str) -> LogError {
        LogError::NotALog(format!(
            "its metadata's {}{name} is not {want}",
            self.prefix
        ))
    }

    fn present(&self, name: &str) -> Option<&'a Value> {
        self.obj.get(name).filter(|v| !v.is_null())
    }

    fn u64(&self, name: &str) -> Result<Option<u64>, LogError> {
        self.present(name)
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| self.bad(name, "a non-negative integer"))
            })
            .transpose()
    }

    fn u32(&self, name: &str) -> Result<Option<u32>, LogError> {
        self.u64(name)?
            .map(|v| u32::try_from(v).map_err(|_| self.bad(name, "a 32-bit integer")))
            .transpose()
    }

    fn string(&self, name: &str) -> Result<Option<String>, LogError> {
        self.present(name)
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| self.bad(name, "a string"))
            })
            .transpose()
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, LogError> {
        self.present(name)
            .map(|v| v.as_bool().ok_or_else(|| self.bad(name, "true or false")))
            .transpose()
    }

    fn required<T>(&self, name: &str, v: Option<T>) -> Result<T, LogError> {
        v.ok_or_else(|| LogError::NotALog(format!("its metadata has no {}{name}", self.prefix)))
    }

    fn object(&self, name: &str) -> Result<Option<Fields<'a>>, LogError> {
        let prefix = match name {
            "pty" => "pty.",
            _ => "exit_data.",
        };
        self.present(name)
            .map(|v| {
                v.as_object()
                    .map(|obj| Fields { obj, prefix })
                    .ok_or_else(|| self.bad(name, "an object"))
            })
            .transpose()
    }
}

fn parse_pty(f: &Fields<'_>) -> Result<Pty, LogError> {
    Ok(Pty {
        term: f.string("term")?,
        width: f.required("width", f.u32("width")?)?,
        height: f.required("height", f.u32("height")?)?,
    })
}

fn parse_exit(f: &Fields<'_>) -> Result<ExitData, LogError> {
    Ok(ExitData {
        timestamp: f.required("timestamp", f.u64("timestamp")?)?,
        status: f.u32("status")?,
        signal: f.string("signal")?,
        core_dumped: f.bool("core_dumped")?,
        error_msg: f.string("error_msg")?,
    })
}

/// The metadata object's fields.
fn parse_metadata(json: &[u8]) -> Result<Metadata, LogError> {
    let value: Value = serde_json::from_slice(json)
        .map_err(|e| LogError::NotALog(format!("its metadata is not JSON ({e})")))?;
    let obj = value
        .as_object()
        .ok_or_else(|| LogError::NotALog("its metadata is not a JSON object".to_string()))?;
    let f = Fields { obj, prefix: "" };
    let key = f.required("encapsulated_key", f.string("encapsulated_key")?)?;
    let encapsulated_key = decode_hex_key(&key).ok_or_else(|| {
        LogError::NotALog("its encapsulated_key is not 64 hex digits".to_string())
    })?;
    Ok(Metadata {
        started_at: f.required("started_at", f.u64("started_at")?)?,
        data_size: f.u64("data_size")?.unwrap_or(0),
        encapsulated_key,
        pty: f.object("pty")?.map(|p| parse_pty(&p)).transpose()?,
        exit_data: f.object("exit_data")?.map(|e| parse_exit(&e)).transpose()?,
    })
}

/// Who sent a packet's bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// What the user typed (or sent: an upload).
    Client,
    /// What the server answered.
    Server,
}

/// One packet of the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet {
    pub source: Source,
    pub code: u32,
    /// Microseconds since the session start.
    pub elapsed: u64,
    pub data: Vec<u8>,
}

/// Why a log could not be read (or read to its end).
#[derive(Debug)]
pub enum LogError {
    /// Not an encrypted session log: the metadata is missing or malformed.
    NotALog(String),
    /// The key does not open block 0: another key sealed this log (or block 0 is damaged).
    WrongKey,
    /// The file ends inside block `block` (counted from 0) or inside a packet.
    Truncated { block: u64, what: String },
    /// Block `block` is damaged: it does not open, or its length is impossible.
    Corrupt { block: u64, what: String },
    /// Packet `packet` (counted from 0) is malformed.
    BadPacket { packet: u64, what: String },
    /// The log ends right after its metadata although `data_size` announces session data: with
    /// no block, nothing checks the key either.
    NoData { announced: u64 },
    /// Reading the file failed.
    Io(std::io::Error),
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::NotALog(why) => write!(f, "not an encrypted session log: {why}"),
            LogError::WrongKey => {
                f.write_str("the private key does not open it (block 0 does not decrypt)")
            }
            LogError::Truncated { block, what } => write!(f, "truncated at block {block}: {what}"),
            LogError::Corrupt { block, what } => write!(f, "damaged at block {block}: {what}"),
            LogError::BadPacket { packet, what } => write!(f, "malformed packet {packet}: {what}"),
            LogError::NoData { announced } => write!(
                f,
                "holds no encrypted data (it ends after its metadata, which announces {announced} bytes), so the key cannot be checked either"
            ),
            LogError::Io(e) => write!(f, "read error: {e}"),
        }
    }
}

/// Fill `buf` from `input`: `Ok(n)` with `n < buf.len()` only at end of file.
fn read_full(input: &mut impl Read, buf: &mut [u8]) -> Result<usize, LogError> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(LogError::Io(e)),
        }
    }
    Ok(n)
}

/// Append exactly `len` bytes of `input` to `out`, growing it only as bytes arrive. `Ok(false)`:
/// the file ended first.
fn read_exactly(input: &mut impl Read, len: u64, out: &mut Vec<u8>) -> Result<bool, LogError> {
    let got = input.take(len).read_to_end(out).map_err(LogError::Io)?;
    Ok(got as u64 == len)
}

fn decode_hex_key(hex: &str) -> Option<[u8; KEY_LEN]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 2 * KEY_LEN {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16);
    let mut key = [0u8; KEY_LEN];
    for (k, pair) in key.iter_mut().zip(bytes.chunks_exact(2)) {
        *k = u8::try_from(nibble(pair[0])? << 4 | nibble(pair[1])?).ok()?;
    }
    Some(key)
}

/// Read and parse the metadata at the start of a log.
pub fn read_metadata(input: &mut impl Read) -> Result<Metadata, LogError> {
    let mut len = [0u8; 4];
    let got = read_full(input, &mut len)?;
    if got < 4 {
        return Err(LogError::NotALog(format!("it is only {got} bytes long")));
    }
    let len = u32::from_be_bytes(len);
    if len == 0 || len > MAX_METADATA {
        return Err(LogError::NotALog(format!(
            "its metadata length is {len} bytes (expected 1 to {MAX_METADATA})"
        )));
    }
    let mut text = Vec::new();
    if !read_exactly(input, u64::from(len), &mut text)? {
        return Err(LogError::NotALog(format!(
            "it ends inside its {len}-byte metadata"
        )));
    }
    let json = base64::engine::general_purpose::STANDARD
        .decode(&text)
        .map_err(|e| LogError::NotALog(format!("its metadata is not base64 ({e})")))?;
    parse_metadata(&json)
}

/// A log being read: its metadata, and its packets one at a time ([`LogReader::next_packet`]).
pub struct LogReader<R> {
    input: R,
    meta: Metadata,
    receiver: Receiver,
    /// The plaintext of the current block, and how much of it packets have consumed.
    block: Vec<u8>,
    used: usize,
    /// Blocks opened so far (the next block's number).
    blocks: u64,
    /// Packets returned so far (the next packet's number).
    packets: u64,
    /// Plaintext bytes in the blocks opened so far.
    plaintext: u64,
    /// The last `elapsed` of each side: [client, server].
    last_elapsed: [u64; 2],
    /// Packets stamped earlier than the one before them from the same side (their time is
    /// clamped to it), and the first such packet's number.
    backwards: Option<(u64, u64)>,
}

impl<R> fmt::Debug for LogReader<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogReader")
            .field("blocks", &self.blocks)
            .field("packets", &self.packets)
            .finish_non_exhaustive()
    }
}

impl<R: Read> LogReader<R> {
    /// Read the metadata, set up decryption with the raw X25519 `private` key, and open block 0
    /// (so a wrong key is reported here, before any output is made). A log without any block is
    /// refused when its metadata announces data ([`LogError::NoData`]).
    pub fn open(mut input: R, private: &[u8; KEY_LEN]) -> Result<LogReader<R>, LogError> {
        let meta = read_metadata(&mut input)?;
        let receiver = Receiver::new(private, &meta.encapsulated_key).map_err(|e| match e {
            SetupError::PrivateKey => LogError::WrongKey,
            SetupError::Encapsulated => {
                LogError::NotALog("its encapsulated_key is not a usable X25519 key".to_string())
            }
        })?;
        let mut reader = LogReader {
            input,
            meta,
            receiver,
            block: Vec::new(),
            used: 0,
            blocks: 0,
            packets: 0,
            plaintext: 0,
            last_elapsed: [0; 2],
            backwards: None,
        };
        let announced = reader.meta.data_size;
        if !reader.next_block()? && announced > 0 {
            return Err(LogError::NoData { announced });
        }
        Ok(reader)
    }

    pub fn metadata(&self) -> &Metadata {
        &self.meta
    }

    /// Blocks opened so far.
    pub fn blocks(&self) -> u64 {
        self.blocks
    }

    /// Packets returned so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// After the last packet: `Some((held, announced))` when the metadata's `data_size`
    /// announces more plaintext than the blocks held. A log cut exactly between blocks, where a
    /// packet also ends, reads cleanly otherwise. `data_size` is not used by the reference tool
    /// and its meaning in every writer is not known, so this is for a warning, not an error.
    pub fn shortfall(&self) -> Option<(u64, u64)> {
        let announced = self.meta.data_size;
        (announced > self.plaintext).then_some((self.plaintext, announced))
    }

    /// `Some((first, count))` when `count` packets so far were stamped earlier than the one
    /// before them from the same side (their times were clamped), `first` the first of them.
    pub fn time_backwards(&self) -> Option<(u64, u64)> {
        self.backwards
    }

    /// Read and open the next block into `self.block`. `Ok(false)`: the file ended cleanly
    /// before it.
    fn next_block(&mut self) -> Result<bool, LogError> {
        let n = self.blocks;
        let truncated = |what: String| LogError::Truncated { block: n, what };
        let mut len = [0u8; 4];
        match read_full(&mut self.input, &mut len)? {
            0 => return Ok(false),
            4 => {}
            k => {
                return Err(truncated(format!(
                    "the file ends {k} bytes into its length"
                )));
            }
        }
        let len = u32::from_be_bytes(len);
        if len < TAG_LEN as u32 || len > MAX_BLOCK {
            return Err(LogError::Corrupt {
                block: n,
                what: format!("its length is {len} bytes (expected {TAG_LEN} to {MAX_BLOCK})"),
            });
        }
        self.block.clear();
        self.used = 0;
        if !read_exactly(&mut self.input, u64::from(len), &mut self.block)? {
            let got = self.block.len();
            return Err(truncated(format!(
                "the file ends {got} of its {len} bytes in"
            )));
        }
        let plain_len = match self.receiver.open(&mut self.block) {
            Some(plain) => plain.len(),
            None if n == 0 => return Err(LogError::WrongKey),
            None => {
                return Err(LogError::Corrupt {
                    block: n,
                    what: "it does not decrypt (altered, or out of order)".to_string(),
                });
            }
        };
        self.block.truncate(plain_len);
        self.blocks += 1;
        self.plaintext += plain_len as u64;
        Ok(true)
    }

    /// Append `len` bytes of the plaintext stream to `out`, opening blocks as needed.
    /// `Ok(false)`: the stream ended cleanly before the first byte; ending later is an error.
    fn take(&mut self, len: usize, out: &mut Vec<u8>) -> Result<bool, LogError> {
        let mut wanted = len;
        while wanted > 0 {
            if self.used == self.block.len() {
                if !self.next_block()? {
                    if wanted == len {
                        return Ok(false);
                    }
                    return Err(LogError::Truncated {
                        block: self.blocks,
                        what: format!(
                            "the file ends inside packet {} ({} of {len} bytes of a part read)",
                            self.packets,
                            len - wanted
                        ),
                    });
                }
                continue;
            }
            let chunk = wanted.min(self.block.len() - self.used);
            out.extend_from_slice(&self.block[self.used..self.used + chunk]);
            self.used += chunk;
            wanted -= chunk;
        }
        Ok(true)
    }

    /// The next packet, or `None` at the end of the log.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, LogError> {
        let mut head = Vec::with_capacity(4 + PACKET_HEAD as usize);
        if !self.take(4 + PACKET_HEAD as usize, &mut head)? {
            return Ok(None);
        }
        let n = self.packets;
        let field = |at: usize, len: usize| head.get(at..at + len).unwrap_or_default();
        let be = |b: &[u8]| b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x));
        let total = be(field(0, 4)) as u32;
        let bad = |what: String| LogError::BadPacket { packet: n, what };
        if total < PACKET_HEAD {
            return Err(bad(format!(
                "its length is {total} (at least {PACKET_HEAD})"
            )));
        }
        let payload = total - PACKET_HEAD;
        if payload > MAX_PACKET {
            return Err(bad(format!(
                "it claims {payload} bytes (at most {MAX_PACKET})"
            )));
        }
        let source = match field(4, 1) {
            [0] => Source::Client,
            [1] => Source::Server,
            other => return Err(bad(format!("unknown source {other:?}"))),
        };
        let code = be(field(5, 4)) as u32;
        let elapsed = be(field(9, 8));
        let side = usize::from(source == Source::Server);
        // A packet stamped before the one ahead of it from the same side (the two sides are not
        // compared: a writer may stamp them on arrival and interleave them a little) keeps the
        // earlier time, as the outputs need times that never go back; the reference tool reads
        // such logs too.
        let previous = self.last_elapsed[side];
        if elapsed < previous {
            let (first, count) = self.backwards.unwrap_or((n, 0));
            self.backwards = Some((first, count + 1));
        }
        let elapsed = elapsed.max(previous);
        let mut data = Vec::new();
        if !self.take(payload as usize, &mut data)? && payload > 0 {
            return Err(LogError::Truncated {
                block: self.blocks,
                what: format!("the file ends after the header of packet {n}"),
            });
        }
        self.last_elapsed[side] = elapsed;
        self.packets += 1;
        Ok(Some(Packet {
            source,
            code,
            elapsed,
            data,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshlog::keys;
    use crate::sshlog::testwriter::{RawPacket, key_pair, sort_times_per_side, write_log};
    use proptest::prelude::*;

    pub const TERMINAL: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/terminal.log");
    pub const EXEC: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/exec.log");
    const KEY: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/key");

    fn fixture_key() -> [u8; KEY_LEN] {
        keys::parse_private(KEY).unwrap().0
    }

    fn read_all(log: &[u8], key: &[u8; KEY_LEN]) -> Result<(Metadata, Vec<Packet>), LogError> {
        let mut r = LogReader::open(log, key)?;
        let mut packets = Vec::new();
        while let Some(p) = r.next_packet()? {
            packets.push(p);
        }
        Ok((r.metadata().clone(), packets))
    }

    fn fixture_packets() -> Vec<(Source, u64, &'static [u8])> {
        vec![
            (Source::Client, 1000, b"ls\r"),
            (Source::Server, 1500, b"ls\r\n"),
            (Source::Server, 250_000, b"file1  file2\r\n$ "),
            (Source::Client, 900_000, b"exit\r"),
            (Source::Server, 1_200_000, b"logout\r\n"),
        ]
    }

    #[test]
    fn both_fixtures_decrypt_to_the_documented_packets() {
        for (log, terminal, blocks) in [(TERMINAL, true, 4), (EXEC, false, 1)] {
            let mut r = LogReader::open(log, &fixture_key()).unwrap();
            let mut got = Vec::new();
            while let Some(p) = r.next_packet().unwrap() {
                assert_eq!(p.code, 0);
                got.push((p.source, p.elapsed, p.data));
            }
            let want: Vec<_> = fixture_packets()
                .into_iter()
                .map(|(s, e, d)| (s, e, d.to_vec()))
                .collect();
            assert_eq!(got, want);
            assert_eq!(r.blocks(), blocks);
            let meta = r.metadata();
            assert_eq!(meta.started_at, 1_700_000_000);
            assert_eq!(meta.pty.is_some(), terminal);
            if terminal {
                let pty = meta.pty.as_ref().unwrap();
                assert_eq!(
                    (pty.term.as_deref(), pty.width, pty.height),
                    (Some("xterm-256color"), 120, 40)
                );
                let exit = meta.exit_data.as_ref().unwrap();
                assert_eq!((exit.timestamp, exit.status), (1_700_000_002, Some(0)));
            } else {
                assert_eq!(meta.exit_data, None);
            }
        }
    }

    #[test]
    fn a_cut_between_blocks_reads_cleanly_but_falls_short_of_data_size() {
        let mut r = LogReader::open(&TERMINAL[..538], &fixture_key()).unwrap();
        let mut n = 0;
        while r.next_packet().unwrap().is_some() {
            n += 1;
        }
        assert_eq!((n, r.shortfall()), (3, Some((74, 121))));
        let mut r = LogReader::open(TERMINAL, &fixture_key()).unwrap();
        while r.next_packet().unwrap().is_some() {}
        assert_eq!(r.shortfall(), None);
    }

    #[test]
    fn a_log_without_blocks_is_refused_when_data_was_announced() {
        let meta_len = u32::from_be_bytes(TERMINAL[..4].try_into().unwrap()) as usize;
        let (other, _) = key_pair();
        assert!(matches!(
            LogReader::open(&TERMINAL[..4 + meta_len], &other),
            Err(LogError::NoData { announced: 121 })
        ));
    }

    #[test]
    fn another_key_is_a_wrong_key() {
        let (other, _) = key_pair();
        for log in [TERMINAL, EXEC] {
            assert!(matches!(
                LogReader::open(log, &other),
                Err(LogError::WrongKey)
            ));
        }
    }

    #[test]
    fn not_a_log_says_what_is_wrong() {
        let cases: &[(&[u8], &str)] = &[
            (b"", "only 0 bytes"),
            (b"\0\0", "only 2 bytes"),
            (b"\0\0\0\0", "metadata length is 0"),
            (b"\xff\xff\xff\xff", "metadata length is 4294967295"),
            (b"\0\0\0\x08abc", "ends inside its 8-byte metadata"),
            (b"\0\0\0\x04!!!!", "not base64"),
            (b"\0\0\0\x04e30=", "has no encapsulated_key"),
            (b"\0\0\0\x04WzFd", "not a JSON object"),
            (b"\0\0\0\x04e3t9", "not JSON"),
            (b"SSH-2.0-OpenSSH_9.6\r\n", "metadata length is"),
        ];
        for (bytes, want) in cases {
            match LogReader::open(*bytes, &fixture_key()) {
                Err(LogError::NotALog(why)) => {
                    assert!(why.contains(want), "{why:?} lacks {want:?}")
                }
                other => panic!("{bytes:?}: {other:?}"),
            }
        }
        let meta = |json: &str| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(json);
            let mut v = (b64.len() as u32).to_be_bytes().to_vec();
            v.extend_from_slice(b64.as_bytes());
            v
        };
        let key = "ab".repeat(32);
        let field_cases = [
            (
                format!(r#"{{"data_size":0,"encapsulated_key":"{key}"}}"#),
                "has no started_at",
            ),
            (
                format!(r#"{{"started_at":-1,"encapsulated_key":"{key}"}}"#),
                "started_at is not a non-negative integer",
            ),
            (
                format!(r#"{{"started_at":1,"encapsulated_key":"{key}","pty":[]}}"#),
                "pty is not an object",
            ),
            (
                format!(r#"{{"started_at":1,"encapsulated_key":"{key}","pty":{{"width":80}}}}"#),
                "has no pty.height",
            ),
            (
                format!(
                    r#"{{"started_at":1,"encapsulated_key":"{key}","pty":{{"width":80,"height":4294967296}}}}"#
                ),
                "pty.height is not a 32-bit integer",
            ),
            (
                format!(
                    r#"{{"started_at":1,"encapsulated_key":"{key}","exit_data":{{"status":1}}}}"#
                ),
                "has no exit_data.timestamp",
            ),
            (
                format!(
                    r#"{{"started_at":1,"encapsulated_key":"{key}","exit_data":{{"timestamp":1,"core_dumped":"no"}}}}"#
                ),
                "exit_data.core_dumped is not true or false",
            ),
        ];
        for (json, want) in field_cases {
            match read_metadata(&mut &meta(&json)[..]) {
                Err(LogError::NotALog(why)) => {
                    assert!(why.contains(want), "{why:?} lacks {want:?}")
                }
                other => panic!("{json}: {other:?}"),
            }
        }
        // Unknown fields are ignored; optional ones may be null.
        let ok = meta(&format!(
            r#"{{"started_at":1,"encapsulated_key":"{key}","data_size":null,"pty":{{"term":null,"width":1,"height":2,"modes":[["ECHO",1]],"new":true}},"exit_data":null,"later":1}}"#
        ));
        let m = read_metadata(&mut &ok[..]).unwrap();
        assert_eq!(
            (m.data_size, m.pty.map(|p| (p.term, p.width, p.height))),
            (0, Some((None, 1, 2)))
        );
        let bad_key = meta(r#"{"started_at":1,"data_size":0,"encapsulated_key":"zz"}"#);
        assert!(
            matches!(read_metadata(&mut &bad_key[..]), Err(LogError::NotALog(w)) if w.contains("64 hex"))
        );
        let low_order = meta(&format!(
            r#"{{"started_at":1,"data_size":0,"encapsulated_key":"{}"}}"#,
            "00".repeat(32)
        ));
        assert!(
            matches!(LogReader::open(&low_order[..], &fixture_key()), Err(LogError::NotALog(w)) if w.contains("usable"))
        );
    }

    fn meta_json(terminal: bool, exit: bool) -> serde_json::Value {
        let mut m = serde_json::json!({"started_at": 1_700_000_000u64, "data_size": 0, "pty": null, "exit_data": null});
        if terminal {
            m["pty"] = serde_json::json!({"term": "xterm", "width": 80, "height": 24, "modes": [["ECHO", 1]]});
        }
        if exit {
            m["exit_data"] = serde_json::json!({"timestamp": 1_700_000_100u64, "status": 3, "signal": null, "core_dumped": false, "error_msg": null});
        }
        m
    }

    #[test]
    fn time_going_backwards_is_clamped_and_counted() {
        let (sk, pk) = key_pair();
        // A client packet stamped before the server packet ahead of it is fine (sides interleave);
        // a server packet before the previous server packet is not.
        let packets: Vec<RawPacket> = vec![
            (true, 500, b"a".to_vec()),
            (false, 400, b"b".to_vec()),
            (true, 450, b"c".to_vec()),
        ];
        let log = write_log(&pk, meta_json(true, true), &packets, &[7]);
        let mut r = LogReader::open(&log[..], &sk).unwrap();
        let mut times = Vec::new();
        while let Some(p) = r.next_packet().unwrap() {
            times.push(p.elapsed);
        }
        assert_eq!(times, [500, 400, 500]);
        assert_eq!(r.time_backwards(), Some((2, 1)));
    }

    #[test]
    fn hostile_lengths_are_refused_without_allocating() {
        let (sk, pk) = key_pair();
        // A packet claiming 4 GiB: refused by its header, not by running out of memory.
        let mut w = crate::sshlog::testwriter::LogWriter::new(
            Vec::new(),
            &pk,
            meta_json(false, false),
            &[17],
        );
        w.packet(false, 0, b"");
        let mut log = w.finish();
        let mut r = LogReader::open(&log[..], &sk).unwrap();
        assert!(r.next_packet().unwrap().is_some());
        assert!(r.next_packet().unwrap().is_none());
        // A block claiming 4 GiB after the valid ones.
        log.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut r = LogReader::open(&log[..], &sk).unwrap();
        r.next_packet().unwrap();
        assert!(matches!(
            r.next_packet(),
            Err(LogError::Corrupt { block: 1, .. })
        ));
        // Packets whose sealed headers claim 4 GiB, too little, or an unknown source.
        let cases: &[(&[u8], &str)] = &[
            (b"\xff\xff\xff\xff\x01\0\0\0\0\0\0\0\0\0\0\0\0", "claims"),
            (b"\0\0\0\x0c\x01\0\0\0\0\0\0\0\0\0\0\0\0", "at least 13"),
            (b"\0\0\0\x0d\x07\0\0\0\0\0\0\0\0\0\0\0\0", "unknown source"),
        ];
        for (raw, want) in cases {
            let mut w = crate::sshlog::testwriter::LogWriter::new(
                Vec::new(),
                &pk,
                meta_json(false, false),
                &[5],
            );
            w.raw(raw);
            let log = w.finish();
            match read_all(&log, &sk) {
                Err(LogError::BadPacket { packet: 0, what }) => {
                    assert!(what.contains(want), "{what}")
                }
                other => panic!("{other:?}"),
            }
        }
    }

    fn session() -> impl Strategy<Value = (bool, bool, Vec<RawPacket>, Vec<usize>)> {
        let packet = (
            any::<bool>(),
            0u64..5_000_000,
            proptest::collection::vec(any::<u8>(), 0..300),
        );
        (
            any::<bool>(),
            any::<bool>(),
            proptest::collection::vec(packet, 0..20),
            proptest::collection::vec(0usize..200, 1..6),
        )
            .prop_map(|(terminal, exit, mut packets, sizes)| {
                // Cumulative times per side; the sides interleave freely.
                sort_times_per_side(&mut packets);
                (terminal, exit, packets, sizes)
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// decrypt(write(session)) gives back the session, however packets fall across blocks.
        #[test]
        fn random_sessions_round_trip((terminal, exit, packets, sizes) in session()) {
            let (sk, pk) = key_pair();
            let log = write_log(&pk, meta_json(terminal, exit), &packets, &sizes);
            let (meta, got) = read_all(&log, &sk).unwrap();
            prop_assert_eq!(meta.pty.is_some(), terminal);
            prop_assert_eq!(meta.exit_data.map(|e| e.status), exit.then_some(Some(3)));
            let got: Vec<RawPacket> = got
                .into_iter()
                .map(|p| (p.source == Source::Server, p.elapsed, p.data))
                .collect();
            prop_assert_eq!(got, packets);
        }

        /// Flipped bytes anywhere: an error or (in ignored metadata fields) a clean read; never a
        /// panic, and never packets that were not written.
        #[test]
        fn flipped_bytes_never_panic(at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut log = TERMINAL.to_vec();
            let i = at.index(log.len());
            log[i] ^= 1 << bit;
            if let Ok((_, packets)) = read_all(&log, &fixture_key()) {
                prop_assert_eq!(packets.len(), 5);
            }
        }

        /// Arbitrary bytes after a valid metadata header are refused cleanly.
        #[test]
        fn garbage_never_panics(tail in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut log = TERMINAL[..424].to_vec();
            log.extend_from_slice(&tail);
            let _ = read_all(&log, &fixture_key());
            let _ = read_all(&tail, &fixture_key());
        }
    }

    /// Cutting the log at every byte offset gives a clear error (never a panic, never success
    /// except at block boundaries where whole packets end), and says where.
    #[test]
    fn truncation_at_every_offset_is_reported() {
        let key = fixture_key();
        // The block boundaries of the fixture: 4 + 420 metadata, then 4 + 53, 4 + 53, 4 + 53, 4 + 26.
        let ends = [424usize, 481, 538, 595, 625];
        for cut in 0..TERMINAL.len() {
            let result = read_all(&TERMINAL[..cut], &key);
            match result {
                Err(LogError::NotALog(_)) => assert!(cut < 424, "cut {cut}"),
                Err(LogError::Truncated { block, what }) => {
                    assert!(cut >= 424, "cut {cut}");
                    let whole_blocks = ends.iter().filter(|&&e| e <= cut).count() as u64 - 1;
                    let mid_block = !ends.contains(&cut);
                    if mid_block {
                        assert_eq!(block, whole_blocks, "cut {cut}: {what}");
                    } else {
                        assert!(what.contains("packet"), "cut {cut}: {what}");
                    }
                }
                Err(LogError::NoData { .. }) => assert_eq!(cut, 424, "cut {cut}"),
                Err(LogError::WrongKey) => {
                    panic!("cut {cut}: a truncated block 0 is not a wrong key")
                }
                Err(other) => panic!("cut {cut}: {other:?}"),
                Ok((_, packets)) => {
                    // Only a cut between blocks can read cleanly: the packets must then be a prefix.
                    assert!(ends.contains(&cut), "cut {cut} read cleanly");
                    assert!(packets.len() <= 5);
                }
            }
        }
    }
}
