//! Diagnostics on stderr (or a log file). Never stdout: in `proxy`, stdout belongs to ssh.
//! Levels: error < warn < info < debug. Set with `--log-level`/`--loglevel` or `ZSSH_LOG`.

use std::fs::File;
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);
static FILE: Mutex<Option<File>> = Mutex::new(None);

pub const ERROR: u8 = 0;
pub const WARN: u8 = 1;
pub const INFO: u8 = 2;
pub const DEBUG: u8 = 3;

/// Parse a level name as cloudflared spells them (`debug`, `info`, `warn`, `error`, `fatal`).
pub fn parse_level(name: &str) -> Option<u8> {
    match name.to_ascii_lowercase().as_str() {
        "debug" | "trace" => Some(DEBUG),
        "info" => Some(INFO),
        "warn" | "warning" => Some(WARN),
        "error" | "fatal" | "panic" => Some(ERROR),
        _ => None,
    }
}

pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn set_file(file: File) {
    if let Ok(mut slot) = FILE.lock() {
        *slot = Some(file);
    }
}

pub fn enabled(level: u8) -> bool {
    level <= LEVEL.load(Ordering::Relaxed)
}

pub fn write(level: u8, args: std::fmt::Arguments<'_>) {
    if !enabled(level) {
        return;
    }
    let tag = match level {
        ERROR => "error",
        WARN => "warn",
        INFO => "info",
        _ => "debug",
    };
    let line = format!("zssh: {tag}: {args}\n");
    if let Ok(mut slot) = FILE.lock()
        && let Some(file) = slot.as_mut()
    {
        let _ = file.write_all(line.as_bytes());
        return;
    }
    let _ = std::io::stderr().write_all(line.as_bytes());
}

#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::write($crate::log::DEBUG, format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::write($crate::log::INFO, format_args!($($arg)*)) };
}

#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::write($crate::log::WARN, format_args!($($arg)*)) };
}
