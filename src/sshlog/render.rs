//! What a decrypted session becomes: the reference tool's files (`term_data.txt` +
//! `term_times.txt` in scriptreplay's format for terminal sessions, `data_from_client.txt` +
//! `data_from_server.txt` otherwise), asciicast v2, a plain transcript, JSON lines, and the
//! pacing of a replay (../shared/docs/ssh-logs-format.md, "What the reference tool writes").
//!
//! Each renderer takes packets one at a time and writes to the writers it is given: nothing is
//! held but a few bytes of an unfinished UTF-8 character. Never prints, never sleeps.

use std::io::{self, Write};
use std::time::Duration;

use base64::Engine;

use crate::human;
use crate::sshlog::format::{Metadata, Packet, Source};

/// The entries of the reference tool's ZIP, in the order zssh writes them.
pub const TERM_DATA: &str = "term_data.txt";
pub const TERM_TIMES: &str = "term_times.txt";
pub const FROM_CLIENT: &str = "data_from_client.txt";
pub const FROM_SERVER: &str = "data_from_server.txt";

/// The two entry names for this session.
pub fn entry_names(meta: &Metadata) -> [&'static str; 2] {
    if meta.pty.is_some() {
        [TERM_DATA, TERM_TIMES]
    } else {
        [FROM_CLIENT, FROM_SERVER]
    }
}

fn date(secs: u64) -> String {
    human::utc_seconds(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A metadata string as it goes into the header or footer line: without control characters
/// (a newline would split the line scriptreplay skips; escapes would reach the terminal that
/// replays or shows it). Ordinary values are kept byte for byte, as the reference tool writes them.
fn plain(text: &str) -> String {
    human::shown(text, MAX_META_TEXT)
}

/// Longest metadata string kept in a header or footer line, in characters.
const MAX_META_TEXT: usize = 4096;

/// The first line of `term_data.txt` (and of the text transcript).
pub fn script_header(meta: &Metadata) -> String {
    let started = date(meta.started_at);
    match &meta.pty {
        Some(pty) => format!(
            "Session started on {started} [TERM=\"{}\" COLUMNS=\"{}\" LINES=\"{}\"]\n",
            plain(pty.term.as_deref().unwrap_or("unknown")),
            pty.width,
            pty.height
        ),
        None => format!("Session started on {started} [no terminal]\n"),
    }
}

/// The end of `term_data.txt`: how the session ended, an error message first, then a core dump,
/// then the exit status (0 when absent), as the reference tool ranks them.
pub fn script_footer(meta: &Metadata) -> String {
    let Some(exit) = &meta.exit_data else {
        return "\nSession has no termination data\n".to_string();
    };
    let done = date(exit.timestamp);
    if let Some(msg) = &exit.error_msg {
        let msg = plain(msg);
        format!("\nScript done on {done} [ERROR=\"{msg}\"]\n")
    } else if exit.core_dumped == Some(true) {
        format!("\nScript done on {done} [CORE DUMPED]\n")
    } else {
        let status = exit.status.unwrap_or(0);
        format!("\nScript done on {done} [COMMAND_EXIT_CODE=\"{status}\"]\n")
    }
}

/// One line of `term_times.txt`: the delay since the previous server packet and the byte count.
/// The delay goes through `f32` as the reference tool's does, so large delays round the same way
/// and the files stay byte-identical.
pub fn timing_line(delta_us: u64, len: usize) -> String {
    format!("{:.6} {len}\n", delta_us as f32 / 1_000_000f32)
}

/// A renderer: fed every packet in order, then finished.
pub trait Render {
    fn packet(&mut self, packet: &Packet) -> io::Result<()>;
    fn finish(&mut self, meta: &Metadata) -> io::Result<()>;
}

/// The two files of the reference tool's ZIP, written to `first` and `second` (the entries of
/// [`entry_names`], in that order).
pub struct ZipParts<W> {
    pub first: W,
    pub second: W,
    terminal: bool,
    last_server: u64,
}

impl<W: Write> ZipParts<W> {
    pub fn new(meta: &Metadata, mut first: W, second: W) -> io::Result<ZipParts<W>> {
        let terminal = meta.pty.is_some();
        if terminal {
            first.write_all(script_header(meta).as_bytes())?;
        }
        Ok(ZipParts {
            first,
            second,
            terminal,
            last_server: 0,
        })
    }
}

impl<W: Write> Render for ZipParts<W> {
    fn packet(&mut self, p: &Packet) -> io::Result<()> {
        match (self.terminal, p.source) {
            // The terminal's echo already shows the input: terminal sessions keep server bytes.
            (true, Source::Client) => Ok(()),
            (true, Source::Server) => {
                self.first.write_all(&p.data)?;
                let delta = p.elapsed.saturating_sub(self.last_server);
                self.last_server = p.elapsed;
                self.second
                    .write_all(timing_line(delta, p.data.len()).as_bytes())
            }
            (false, Source::Client) => self.first.write_all(&p.data),
            (false, Source::Server) => self.second.write_all(&p.data),
        }
    }

    fn finish(&mut self, meta: &Metadata) -> io::Result<()> {
        if self.terminal {
            self.first.write_all(script_footer(meta).as_bytes())?;
        }
        self.first.flush()?;
        self.second.flush()
    }
}

/// The transcript: the start line, what the terminal showed (the server's bytes), the end line.
pub struct Text<W> {
    out: W,
}

impl<W: Write> Text<W> {
    pub fn new(meta: &Metadata, mut out: W) -> io::Result<Text<W>> {
        out.write_all(script_header(meta).as_bytes())?;
        Ok(Text { out })
    }
}

impl<W: Write> Render for Text<W> {
    fn packet(&mut self, p: &Packet) -> io::Result<()> {
        if p.source == Source::Server {
            self.out.write_all(&p.data)?;
        }
        Ok(())
    }

    fn finish(&mut self, meta: &Metadata) -> io::Result<()> {
        self.out.write_all(script_footer(meta).as_bytes())?;
        self.out.flush()
    }
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Client => "client",
        Source::Server => "server",
    }
}

/// Seconds with six decimals, exactly (no float): "1.200000".
fn seconds(us: u64) -> String {
    format!("{}.{:06}", us / 1_000_000, us % 1_000_000)
}

/// JSON lines: one object per packet, `{"time":…,"elapsed_us":…,"source":"client"|"server",
/// "code":…,"data":"<base64>"}`; base64 because session bytes need not be text.
pub struct Jsonl<W> {
    out: W,
}

impl<W: Write> Jsonl<W> {
    pub fn new(out: W) -> Jsonl<W> {
        Jsonl { out }
    }
}

impl<W: Write> Render for Jsonl<W> {
    fn packet(&mut self, p: &Packet) -> io::Result<()> {
        let data = base64::engine::general_purpose::STANDARD.encode(&p.data);
        writeln!(
            self.out,
            "{{\"time\":{},\"elapsed_us\":{},\"source\":\"{}\",\"code\":{},\"data\":\"{data}\"}}",
            seconds(p.elapsed),
            p.elapsed,
            source_name(p.source),
            p.code
        )
    }

    fn finish(&mut self, _meta: &Metadata) -> io::Result<()> {
        self.out.flush()
    }
}

/// Turns a byte stream cut at arbitrary places into text: a character split between two
/// packets is completed by the next one; invalid bytes become U+FFFD.
#[derive(Debug, Default)]
pub struct Utf8Stream {
    /// The start of a character the last chunk ended inside (at most 3 bytes).
    carry: Vec<u8>,
}

impl Utf8Stream {
    pub fn push(&mut self, bytes: &[u8]) -> String {
        let mut input = std::mem::take(&mut self.carry);
        input.extend_from_slice(bytes);
        let mut text = String::with_capacity(input.len());
        let mut rest = &input[..];
        loop {
            match std::str::from_utf8(rest) {
                Ok(s) => {
                    text.push_str(s);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    text.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        Some(n) => {
                            text.push(char::REPLACEMENT_CHARACTER);
                            rest = bad.get(n..).unwrap_or_default();
                        }
                        None => {
                            self.carry = bad.to_vec();
                            break;
                        }
                    }
                }
            }
        }
        text
    }

    /// What is left at the end of the stream (an unfinished character).
    pub fn finish(&mut self) -> String {
        if self.carry.is_empty() {
            String::new()
        } else {
            self.carry.clear();
            char::REPLACEMENT_CHARACTER.to_string()
        }
    }
}

/// The terminal size asciicast gets for a session without one.
const DEFAULT_SIZE: (u32, u32) = (80, 24);

/// asciicast v2 (what `asciinema play` plays): a header line, then `[time, "o", text]` for
/// server bytes and `[time, "i", text]` for client bytes, with the session's own timing (for
/// sessions without a terminal too).
pub struct Asciicast<W> {
    out: W,
    client: Utf8Stream,
    server: Utf8Stream,
    last: u64,
}

impl<W: Write> Asciicast<W> {
    pub fn new(meta: &Metadata, mut out: W) -> io::Result<Asciicast<W>> {
        let (width, height) = meta
            .pty
            .as_ref()
            .map_or(DEFAULT_SIZE, |p| (p.width, p.height));
        let mut header = serde_json::json!({
            "version": 2,
            "width": width,
            "height": height,
            "timestamp": meta.started_at,
        });
        if let Some(term) = meta.pty.as_ref().and_then(|p| p.term.as_deref()) {
            header["env"] = serde_json::json!({ "TERM": term });
        }
        writeln!(out, "{header}")?;
        Ok(Asciicast {
            out,
            client: Utf8Stream::default(),
            server: Utf8Stream::default(),
            last: 0,
        })
    }

    fn event(&mut self, at: u64, kind: &str, text: &str) -> io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let text = serde_json::Value::String(text.to_string());
        writeln!(self.out, "[{}, \"{kind}\", {text}]", seconds(at))
    }
}

impl<W: Write> Render for Asciicast<W> {
    fn packet(&mut self, p: &Packet) -> io::Result<()> {
        // The sides may interleave slightly out of order; asciicast times must not go back.
        self.last = self.last.max(p.elapsed);
        let at = self.last;
        match p.source {
            Source::Client => {
                let text = self.client.push(&p.data);
                self.event(at, "i", &text)
            }
            Source::Server => {
                let text = self.server.push(&p.data);
                self.event(at, "o", &text)
            }
        }
    }

    fn finish(&mut self, _meta: &Metadata) -> io::Result<()> {
        let (i, o) = (self.client.finish(), self.server.finish());
        self.event(self.last, "i", &i)?;
        self.event(self.last, "o", &o)?;
        self.out.flush()
    }
}

/// The pacing of `--replay`: how long to wait before showing a packet, from its `elapsed`, the
/// speed factor and the longest pause kept.
#[derive(Debug)]
pub struct Pacer {
    speed: f64,
    max_idle: Option<Duration>,
    last: u64,
}

impl Pacer {
    /// `speed` must be positive and finite (the command checks it).
    pub fn new(speed: f64, max_idle: Option<Duration>) -> Pacer {
        Pacer {
            speed,
            max_idle,
            last: 0,
        }
    }

    /// The wait before the packet stamped `elapsed` µs (from the packet shown before it).
    pub fn delay(&mut self, elapsed: u64) -> Duration {
        let gap = Duration::from_micros(elapsed.saturating_sub(self.last));
        self.last = self.last.max(elapsed);
        let gap = self.max_idle.map_or(gap, |m| gap.min(m));
        Duration::try_from_secs_f64(gap.as_secs_f64() / self.speed).unwrap_or(Duration::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sshlog::format::{ExitData, LogReader, Pty};
    use crate::sshlog::keys;

    const TERMINAL: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/terminal.log");
    const EXEC: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/exec.log");
    const KEY: &[u8] = include_bytes!("../../tests/it/fixtures/sshlog/key");

    fn render(log: &[u8], make: impl FnOnce(&Metadata) -> Box<dyn Render>) {
        let key = keys::parse_private(KEY).unwrap();
        let mut r = LogReader::open(log, &key.0).unwrap();
        let mut out = make(r.metadata());
        crate::sshlog::pump(&mut r, out.as_mut()).unwrap();
    }

    fn parts(log: &[u8]) -> (String, String) {
        let key = keys::parse_private(KEY).unwrap();
        let mut r = LogReader::open(log, &key.0).unwrap();
        let mut z = ZipParts::new(r.metadata(), Vec::new(), Vec::new()).unwrap();
        crate::sshlog::pump(&mut r, &mut z).unwrap();
        (
            String::from_utf8(z.first).unwrap(),
            String::from_utf8(z.second).unwrap(),
        )
    }

    #[test]
    fn the_terminal_fixture_gives_the_reference_files() {
        let (data, times) = parts(TERMINAL);
        assert_eq!(
            data,
            "Session started on 2023-11-14 22:13:20+00 [TERM=\"xterm-256color\" COLUMNS=\"120\" LINES=\"40\"]\nls\r\nfile1  file2\r\n$ logout\r\n\nScript done on 2023-11-14 22:13:22+00 [COMMAND_EXIT_CODE=\"0\"]\n"
        );
        assert_eq!(times, "0.001500 4\n0.248500 16\n0.950000 8\n");
    }

    #[test]
    fn the_exec_fixture_gives_the_reference_files() {
        let (client, server) = parts(EXEC);
        assert_eq!(client, "ls\rexit\r");
        assert_eq!(server, "ls\r\nfile1  file2\r\n$ logout\r\n");
    }

    fn meta(exit: Option<ExitData>) -> Metadata {
        Metadata {
            started_at: 0,
            data_size: 0,
            encapsulated_key: [0; 32],
            pty: Some(Pty {
                term: None,
                width: 80,
                height: 24,
            }),
            exit_data: exit,
        }
    }

    #[test]
    fn footers_rank_error_then_core_dump_then_status() {
        let exit = |status, core, msg: Option<&str>| {
            Some(ExitData {
                timestamp: 60,
                status,
                signal: None,
                core_dumped: core,
                error_msg: msg.map(str::to_string),
            })
        };
        let cases = [
            (None, "\nSession has no termination data\n"),
            (
                exit(Some(2), None, None),
                "\nScript done on 1970-01-01 00:01:00+00 [COMMAND_EXIT_CODE=\"2\"]\n",
            ),
            (
                exit(None, Some(false), None),
                "\nScript done on 1970-01-01 00:01:00+00 [COMMAND_EXIT_CODE=\"0\"]\n",
            ),
            (
                exit(Some(2), Some(true), None),
                "\nScript done on 1970-01-01 00:01:00+00 [CORE DUMPED]\n",
            ),
            (
                exit(Some(2), Some(true), Some("boom")),
                "\nScript done on 1970-01-01 00:01:00+00 [ERROR=\"boom\"]\n",
            ),
        ];
        for (exit, want) in cases {
            assert_eq!(script_footer(&meta(exit)), want);
        }
        assert!(
            script_header(&meta(None)).contains("TERM=\"unknown\" COLUMNS=\"80\" LINES=\"24\"")
        );
    }

    #[test]
    fn timing_lines_round_through_f32_as_the_reference_does() {
        assert_eq!(timing_line(0, 0), "0.000000 0\n");
        assert_eq!(timing_line(1500, 4), "0.001500 4\n");
        // 1234.567891 s is not representable in f32: the reference prints 1234.567993.
        assert_eq!(timing_line(1_234_567_891, 1), "1234.567993 1\n");
    }

    #[test]
    fn utf8_split_across_packets_is_joined_and_invalid_bytes_replaced() {
        let mut s = Utf8Stream::default();
        assert_eq!(s.push(b"a\xe2\x82"), "a");
        assert_eq!(s.push(b"\xacb"), "\u{20ac}b");
        assert_eq!(s.push(b"\xff c"), "\u{fffd} c");
        assert_eq!(s.push(b"\xf0\x9f"), "");
        assert_eq!(s.finish(), "\u{fffd}");
        assert_eq!(s.finish(), "");
    }

    #[test]
    fn asciicast_has_a_header_and_timed_events() {
        let out = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
        struct Shared(std::rc::Rc<std::cell::RefCell<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0.borrow_mut().write(b)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let shared = out.clone();
        render(TERMINAL, move |m| {
            Box::new(Asciicast::new(m, Shared(shared)).unwrap())
        });
        let text = String::from_utf8(out.borrow().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let header: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(header["version"], 2);
        assert_eq!(
            (header["width"].as_u64(), header["height"].as_u64()),
            (Some(120), Some(40))
        );
        assert_eq!(header["env"]["TERM"], "xterm-256color");
        assert_eq!(lines[1], r#"[0.001000, "i", "ls\r"]"#);
        assert_eq!(lines[2], r#"[0.001500, "o", "ls\r\n"]"#);
        assert_eq!(lines[5], r#"[1.200000, "o", "logout\r\n"]"#);
        assert_eq!(lines.len(), 6);
    }

    #[test]
    fn jsonl_has_one_record_per_packet() {
        let mut out = Vec::new();
        {
            let key = keys::parse_private(KEY).unwrap();
            let mut r = LogReader::open(EXEC, &key.0).unwrap();
            let mut j = Jsonl::new(&mut out);
            crate::sshlog::pump(&mut r, &mut j).unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        let first: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(first["source"], "client");
        assert_eq!(first["elapsed_us"], 1000);
        assert_eq!(first["data"], "bHMN");
        assert_eq!(text.lines().count(), 5);
    }

    #[test]
    fn the_pacer_scales_and_caps_pauses() {
        let mut p = Pacer::new(2.0, Some(Duration::from_secs(1)));
        assert_eq!(p.delay(1_000_000), Duration::from_millis(500));
        assert_eq!(p.delay(11_000_000), Duration::from_millis(500)); // 10 s capped at 1 s, then halved
        assert_eq!(p.delay(11_000_000), Duration::ZERO);
        let mut p = Pacer::new(1.0, None);
        assert_eq!(p.delay(3_000_000), Duration::from_secs(3));
    }
}
