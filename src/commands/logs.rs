//! `zssh logs`: session command logs of Access for Infrastructure, replacing ssh-log-cli with
//! the same flags. `generate-key-pair` (alias `keygen`) writes the key pair; `decrypt` turns a
//! downloaded log into the reference tool's ZIP, asciicast, a transcript or JSON lines, or
//! replays it in this terminal. The formats: ../shared/docs/ssh-logs-format.md; the work is done
//! by `crate::sshlog` (which never prints); this file checks paths, words errors and prints.
//!
//! Order of a decrypt: the output path is checked (and its temp file made) before the key or
//! the log is read, so a bad `-o` costs nothing; the output appears only whole (temp + rename),
//! or, with `--partial`, with what decrypted before damage.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::{LogFormat, LogsCommand, LogsDecryptArgs, LogsKeygenArgs};
use crate::error::UserError;
use crate::exit::Exit;
use crate::fsutil;
use crate::outln;
use crate::sshlog::format::{LogError, LogReader, Source};
use crate::sshlog::keys::{self, PrivateKey};
use crate::sshlog::render::{self, Asciicast, Jsonl, Pacer, Render, Text, ZipParts};
use crate::sshlog::zipfile::{self, Staged};
use crate::sshlog::{self, PumpError};

/// Key files are 44 bytes; anything much larger is not one.
const MAX_KEY_FILE: u64 = 4096;
/// Decrypted sessions hold what users typed: private to the user who decrypts them.
const OUTPUT_MODE: u32 = 0o600;
const IO_BUFFER: usize = 64 * 1024;

pub async fn run(cmd: LogsCommand) -> Result<Exit, UserError> {
    match cmd {
        LogsCommand::GenerateKeyPair(args) => keygen(&args),
        LogsCommand::Decrypt(args) => decrypt(&args).await,
    }
}

fn pub_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

fn keygen(args: &LogsKeygenArgs) -> Result<Exit, UserError> {
    let private_path = &args.output;
    let public_path = pub_path(private_path);
    if private_path.extension().is_some_and(|e| e == "pub") {
        return Err(UserError::usage(
            format!(
                "-o {} ends in .pub: that name is for the public key",
                private_path.display()
            ),
            "pass the private key's name without .pub: -o NAME writes NAME and NAME.pub",
        ));
    }
    let dir = fsutil::dir_of(private_path);
    if !dir.is_dir() {
        return Err(UserError::local(
            format!("directory {} does not exist", dir.display()),
            "create it first (mode 0700), or choose another -o",
        ));
    }
    if fsutil::world_writable_dir(dir) {
        return Err(UserError::local(
            format!(
                "directory {} is writable by everyone: not a place for a private key",
                dir.display()
            ),
            "choose a directory only you can write to, e.g. -o ~/.ssh/session-logs",
        ));
    }
    if !args.force {
        for p in [private_path, &public_path] {
            if std::fs::symlink_metadata(p).is_ok() {
                return Err(UserError::usage(
                    format!("{} already exists", p.display()),
                    "pass --force to replace the key pair (logs encrypted to the old key then need the old private key), or choose another -o",
                ));
            }
        }
    }
    let (private, public) = keys::generate().ok_or_else(|| {
        UserError::new(
            Exit::Failure,
            "cannot generate an X25519 key pair",
            "this is a bug or a broken RNG; try again",
        )
    })?;
    let public_text = keys::encode(&public);
    let write = |path: &Path, text: &str, mode: u32| {
        fsutil::write_new(path, text.as_bytes(), mode, args.force).map_err(|e| {
            UserError::local(
                format!("cannot write {}: {e}", path.display()),
                format!("check that {} is writable by you", dir.display()),
            )
        })
    };
    write(private_path, &keys::encode(&private.0), 0o600)?;
    write(&public_path, &public_text, 0o644)?;
    crate::errln!(
        "zssh: wrote the private key {} (0600; keep it: it is the only way to read the logs) and the public key {}",
        private_path.display(),
        public_path.display()
    );
    crate::errln!(
        "zssh: upload the public key (printed below): zssh server log-key --account ID --public-key {}, or paste it into the dashboard's \"SSH encryption public key\" field",
        public_path.display()
    );
    outln!("{public_text}");
    Ok(Exit::Ok)
}

/// Where the result goes.
enum Target {
    /// A file, through a temp file beside it.
    File {
        path: PathBuf,
        tmp: tempfile::NamedTempFile,
    },
    Stdout,
    Replay,
}

/// Standard output through the one writer (`ui::write_stdout`).
struct Stdout;

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        crate::ui::write_stdout(buf)?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn default_output(input: &Path, format: LogFormat) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(match format {
        LogFormat::Zip => "-decrypted.zip",
        LogFormat::Asciicast => ".cast",
        LogFormat::Text => ".txt",
        LogFormat::Jsonl => ".jsonl",
    });
    PathBuf::from(name)
}

/// Check the output before any work: refuse an existing file without --force, and make the
/// temp file now, so an unwritable directory is reported before decrypting.
fn target(args: &LogsDecryptArgs) -> Result<Target, UserError> {
    if args.replay {
        return Ok(Target::Replay);
    }
    let path = args
        .output
        .clone()
        .unwrap_or_else(|| default_output(&args.input, args.format));
    if path.as_os_str() == "-" {
        if args.format == LogFormat::Zip {
            return Err(UserError::usage(
                "a ZIP cannot be written to standard output",
                "pass -o FILE.zip, or --format asciicast, text or jsonl with -o -",
            ));
        }
        return Ok(Target::Stdout);
    }
    check_output(args, &path)?;
    let tmp = fsutil::temp_beside(&path, OUTPUT_MODE).map_err(|e| {
        UserError::local(
            format!("cannot write in {}: {e}", fsutil::dir_of(&path).display()),
            "choose an output (-o) in a directory you can write to",
        )
    })?;
    Ok(Target::File { path, tmp })
}

/// Whether `a` and `b` name the same file (following links; false when either is missing).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::metadata(a), std::fs::metadata(b)) {
            (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(a)
            .ok()
            .is_some_and(|x| std::fs::canonicalize(b).ok() == Some(x))
    }
}

/// The output may not be the input or the key (through any link), may replace only a regular
/// file, and only with --force: the temp file is renamed over it, which would turn a FIFO, a
/// device or a symlink into a regular file holding the session.
fn check_output(args: &LogsDecryptArgs, path: &Path) -> Result<(), UserError> {
    for (what, other) in [("the input log", &args.input), ("the key file", &args.key)] {
        if same_file(path, other) {
            return Err(UserError::usage(
                format!("-o {} is {what} {}", path.display(), other.display()),
                "choose another output with -o: decrypting must not overwrite the log or its key",
            ));
        }
    }
    let shown = path.as_os_str().to_string_lossy();
    if shown.ends_with('/') || path.is_dir() {
        return Err(UserError::usage(
            format!(
                "-o {} names a directory: the output is a file",
                path.display()
            ),
            "pass a file name with -o, e.g. -o DIR/session.zip",
        ));
    }
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !args.force {
        return Err(UserError::usage(
            format!("{} already exists", path.display()),
            "pass --force to replace it, or choose another name with -o",
        ));
    }
    if !meta.is_file() {
        return Err(UserError::usage(
            format!(
                "{} exists and is not a regular file (a symlink, FIFO, device or directory): --force replaces only regular files",
                path.display()
            ),
            "choose another output with -o, or -o - for standard output",
        ));
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<PrivateKey, UserError> {
    let shown = path.display();
    let opened = fsutil::open_regular(path).and_then(|file| {
        let Some(file) = file else { return Ok(None) };
        // ssh-log-cli writes its keys 0644: warn, don't refuse, so its key files keep working.
        if file.metadata().is_ok_and(|m| fsutil::readable_by_others(&m)) {
            crate::warn!(
                "{shown} can be read by other users, and so can every session log encrypted to it; run `chmod 600 {shown}`"
            );
        }
        fsutil::read_bounded(file, MAX_KEY_FILE).map(Some)
    });
    let bytes = match opened {
        Ok(Some(b)) => b,
        Ok(None) => {
            return Err(UserError::local(
                format!("key file {shown} does not exist"),
                "pass the private key file that `zssh logs generate-key-pair -o NAME` wrote (NAME, not NAME.pub)",
            ));
        }
        Err(e) => {
            return Err(UserError::local(
                format!("cannot read key file {shown}: {e}"),
                "pass a readable private key file with -k",
            ));
        }
    };
    if path.extension().is_some_and(|e| e == "pub") {
        return Err(UserError::usage(
            format!("{shown} is a public key: decrypting needs the private key"),
            format!(
                "pass the file without .pub: -k {}",
                path.with_extension("").display()
            ),
        ));
    }
    keys::parse_private(&bytes).map_err(|why| {
        UserError::usage(
            format!("{shown} is not a session-log private key: {why}"),
            "a key file holds the base64 of a raw 32-byte X25519 key, as generate-key-pair writes it",
        )
    })
}

/// The `zssh: error:` + hint for a log that cannot be read (to its end). `kept`: the output that
/// --partial kept.
fn log_error(input: &Path, key: &Path, e: LogError, kept: Option<&Path>) -> UserError {
    let shown = input.display();
    let damaged_hint = match kept {
        Some(out) => format!(
            "kept what decrypted before the damage in {} (--partial)",
            out.display()
        ),
        None => {
            "download the log again; --partial keeps what decrypts before the damage".to_string()
        }
    };
    match e {
        LogError::NotALog(why) => UserError::new(
            Exit::BadLog,
            format!("{shown} is not an encrypted session log: {why}"),
            "pass a log as downloaded from the dashboard (Logs > Access, the session's command log)",
        ),
        LogError::WrongKey => UserError::new(
            Exit::WrongKey,
            format!(
                "the private key {} does not open {shown} (block 0 does not decrypt)",
                key.display()
            ),
            "use the private key whose public key was uploaded when this session was recorded",
        ),
        LogError::Io(err) => UserError::local(
            format!("cannot read {shown}: {err}"),
            "check the file and try again",
        ),
        other => UserError::new(Exit::BadLog, format!("{shown}: {other}"), damaged_hint),
    }
}

fn open_log(
    args: &LogsDecryptArgs,
    key: &PrivateKey,
) -> Result<LogReader<BufReader<File>>, UserError> {
    let shown = args.input.display();
    let file = match fsutil::open_regular(&args.input) {
        Ok(Some(f)) => f,
        Ok(None) => {
            return Err(UserError::local(
                format!("{shown} does not exist"),
                "pass the session log downloaded from the dashboard with -i",
            ));
        }
        Err(e) => {
            return Err(UserError::local(
                format!("cannot read {shown}: {e}"),
                "pass a readable session log with -i",
            ));
        }
    };
    LogReader::open(BufReader::with_capacity(IO_BUFFER, file), &key.0)
        .map_err(|e| log_error(&args.input, &args.key, e, None))
}

fn write_error(what: &Path, e: &io::Error) -> UserError {
    UserError::local(
        format!("cannot write {}: {e}", what.display()),
        "check the free space and rights where the output goes",
    )
}

async fn decrypt(args: &LogsDecryptArgs) -> Result<Exit, UserError> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        return Err(UserError::usage(
            format!("--speed {} is not a positive number", args.speed),
            "e.g. --speed 2 plays twice as fast",
        ));
    }
    let max_idle = match args.max_idle {
        None => None,
        Some(s) => Some(Duration::try_from_secs_f64(s).map_err(|_| {
            UserError::usage(
                format!("--max-idle {s} is not a number of seconds"),
                "e.g. --max-idle 2",
            )
        })?),
    };
    // A stop signal (main's handler) drops this command: the guards below then remove the temp
    // file and reset the terminal. kill -9 can leave the temp file: the next run's
    // fsutil::remove_stale_temps removes it, as for every `.zssh-*.tmp`.
    let target = target(args)?;
    let key = read_key(&args.key)?;
    let mut reader = open_log(args, &key)?;
    match target {
        Target::Replay => {
            let pacer = Pacer::new(args.speed, max_idle);
            replay(args, &mut reader, pacer).await
        }
        Target::Stdout => to_stdout(args, &mut reader),
        Target::File { path, tmp } => {
            let mut guard = RemoveOnDrop(Some(tmp.path().to_path_buf()));
            let args = args.clone();
            // On a worker thread, so that the runtime stays free to see a stop signal.
            let work = tokio::task::spawn_blocking(move || to_file(&args, &mut reader, &path, tmp));
            let done = work.await;
            guard.0 = None;
            done.unwrap_or_else(|e| {
                Err(UserError::new(
                    Exit::Failure,
                    format!("decrypting failed: {e}"),
                    "this is a bug; please report it",
                ))
            })
        }
    }
}

fn to_stdout(
    args: &LogsDecryptArgs,
    reader: &mut LogReader<BufReader<File>>,
) -> Result<Exit, UserError> {
    let mut out = BufWriter::with_capacity(IO_BUFFER, Stdout);
    let result = render_stream(args.format, reader, &mut out, args.partial);
    let result = match result {
        Err(PumpError::Log(e)) => out
            .flush()
            .map_err(PumpError::Write)
            .and(Err(PumpError::Log(e))),
        other => other,
    };
    match result {
        Ok(()) => {
            warn_if_backwards(&args.input, reader);
            warn_if_short(&args.input, reader);
            Ok(Exit::Ok)
        }
        Err(PumpError::Write(e)) if e.kind() == io::ErrorKind::BrokenPipe => Ok(Exit::Ok),
        Err(PumpError::Write(e)) => Err(write_error(Path::new("standard output"), &e)),
        Err(PumpError::Log(e)) => {
            let kept = args.partial.then_some(Path::new("standard output"));
            Err(log_error(&args.input, &args.key, e, kept))
        }
    }
}

/// Removes the output's temp file when the decrypt is abandoned (a signal, or the command's
/// future dropped on Ctrl-C), even while the worker thread still writes to it.
struct RemoveOnDrop(Option<PathBuf>);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        if let Some(path) = self.0.take() {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// [`sshlog::pump`], finishing the output anyway after damage when `partial`.
fn run_render(
    reader: &mut LogReader<BufReader<File>>,
    render: &mut dyn Render,
    partial: bool,
) -> Result<(), PumpError> {
    match sshlog::pump(reader, render) {
        Err(PumpError::Log(e)) if partial => {
            sshlog::finish_partial(reader, render).map_err(PumpError::Write)?;
            Err(PumpError::Log(e))
        }
        other => other,
    }
}

/// Every format but ZIP: rendered straight into `out`.
fn render_stream(
    format: LogFormat,
    reader: &mut LogReader<BufReader<File>>,
    out: &mut dyn Write,
    partial: bool,
) -> Result<(), PumpError> {
    let meta = reader.metadata().clone();
    let mut render: Box<dyn Render + '_> = match format {
        LogFormat::Asciicast => Box::new(Asciicast::new(&meta, out).map_err(PumpError::Write)?),
        LogFormat::Text => Box::new(Text::new(&meta, out).map_err(PumpError::Write)?),
        // A ZIP goes through render_zip; jsonl is the only other format left.
        LogFormat::Jsonl | LogFormat::Zip => Box::new(Jsonl::new(out)),
    };
    run_render(reader, render.as_mut(), partial)
}

/// The reference tool's ZIP: both entries staged in temp files beside the output, then stored.
fn render_zip(
    reader: &mut LogReader<BufReader<File>>,
    out: &mut dyn Write,
    dir: &Path,
    partial: bool,
) -> Result<(), PumpError> {
    let meta = reader.metadata().clone();
    let [first, second] = render::entry_names(&meta);
    let staged = || Staged::new(dir).map_err(PumpError::Write);
    let mut parts = ZipParts::new(&meta, staged()?, staged()?).map_err(PumpError::Write)?;
    let result = run_render(reader, &mut parts, partial);
    if let Err(PumpError::Write(_)) = result {
        return result;
    }
    if result.is_err() && !partial {
        return result;
    }
    let entries = vec![(first, parts.first), (second, parts.second)];
    zipfile::write_zip(out, entries, meta.started_at).map_err(PumpError::Write)?;
    result
}

/// Packets stamped earlier than the one before them: decrypted with the earlier time kept.
fn warn_if_backwards(input: &Path, reader: &LogReader<BufReader<File>>) {
    if let Some((first, count)) = reader.time_backwards() {
        crate::warn!(
            "{}: {count} packet(s) stamped earlier than the one before them from the same side (the first is packet {first}); their delays were taken as 0",
            input.display()
        );
    }
}

/// A log that read cleanly but holds less than its metadata announces: probably cut between
/// blocks.
fn warn_if_short(input: &Path, reader: &LogReader<BufReader<File>>) {
    if let Some((held, announced)) = reader.shortfall() {
        crate::warn!(
            "{} holds {held} bytes of session data but its metadata announces {announced}: it may have been cut between two blocks",
            input.display()
        );
    }
}

fn describe(reader: &LogReader<BufReader<File>>) -> String {
    let meta = reader.metadata();
    let kind = if meta.pty.is_some() {
        "terminal session"
    } else {
        "session without a terminal"
    };
    let started = crate::human::utc(i64::try_from(meta.started_at).unwrap_or(i64::MAX));
    let plural = |n: u64, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{} in {} ({kind} started {started})",
        plural(reader.packets(), "packet"),
        plural(reader.blocks(), "block")
    )
}

fn to_file(
    args: &LogsDecryptArgs,
    reader: &mut LogReader<BufReader<File>>,
    path: &Path,
    tmp: tempfile::NamedTempFile,
) -> Result<Exit, UserError> {
    let file = tmp
        .as_file()
        .try_clone()
        .map_err(|e| write_error(path, &e))?;
    let mut out = BufWriter::with_capacity(IO_BUFFER, file);
    let result = if args.format == LogFormat::Zip {
        render_zip(reader, &mut out, fsutil::dir_of(path), args.partial)
    } else {
        render_stream(args.format, reader, &mut out, args.partial)
    };
    let failure = match result {
        Ok(()) => None,
        Err(PumpError::Write(e)) => return Err(write_error(path, &e)),
        Err(PumpError::Log(e)) if args.partial => Some(e),
        Err(PumpError::Log(e)) => return Err(log_error(&args.input, &args.key, e, None)),
    };
    warn_if_backwards(&args.input, reader);
    out.flush().map_err(|e| write_error(path, &e))?;
    drop(out);
    fsutil::commit_temp(tmp, path, args.force).map_err(|e| write_error(path, &e))?;
    if let Some(e) = failure {
        return Err(log_error(&args.input, &args.key, e, Some(path)));
    }
    warn_if_short(&args.input, reader);
    crate::errln!(
        "zssh: decrypted {} into {}",
        describe(reader),
        path.display()
    );
    Ok(Exit::Ok)
}

/// What undoes the terminal modes a replayed session may have left on: leave the alternate
/// screen, show the cursor, stop mouse reporting, reset the attributes.
const TERMINAL_RESET: &[u8] =
    b"\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[0m";

/// Writes [`TERMINAL_RESET`] when a replay is cut short (a signal, or the command dropped on
/// Ctrl-C), so the user's terminal is not left in the session's modes.
struct ResetOnDrop {
    armed: bool,
}

impl Drop for ResetOnDrop {
    fn drop(&mut self) {
        if self.armed {
            let _ = crate::ui::write_stdout(TERMINAL_RESET);
        }
    }
}

/// Play the server's bytes with the session's timing, on this terminal.
async fn replay(
    args: &LogsDecryptArgs,
    reader: &mut LogReader<BufReader<File>>,
    mut pacer: Pacer,
) -> Result<Exit, UserError> {
    let mut reset = ResetOnDrop { armed: true };
    loop {
        let packet = match reader.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            Err(e) => return Err(log_error(&args.input, &args.key, e, None)),
        };
        if packet.source != Source::Server {
            continue;
        }
        let wait = pacer.delay(packet.elapsed);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        match crate::ui::write_stdout(&packet.data) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(Exit::Ok),
            Err(e) => return Err(write_error(Path::new("standard output"), &e)),
        }
    }
    reset.armed = false;
    warn_if_backwards(&args.input, reader);
    warn_if_short(&args.input, reader);
    let end = render::script_footer(reader.metadata());
    crate::errln!("\r\nzssh: replay done: {}", end.trim());
    Ok(Exit::Ok)
}
