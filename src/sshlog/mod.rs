//! Session command logs of Access for Infrastructure (../shared/docs/ssh-logs-format.md): the
//! encrypted file zssh reads (`format`, opened by `receiver`'s HPKE), the key files (`keys`), and
//! what a session becomes (`render`, `zipfile` with its `crc32`). `zssh logs` (src/commands/logs.rs) drives them.
//!
//! Reads untrusted bytes: never panics, bounded memory (one block and one packet at a time),
//! never prints.

pub mod crc32;
pub mod format;
pub mod keys;
pub mod receiver;
pub mod render;
pub mod zipfile;

/// The test-only writer (the `hpke` crate), shared with the integration tests.
#[cfg(test)]
#[path = "../../tests/it/support/sshlog_writer.rs"]
pub mod testwriter;

use std::io::{self, Read};

use crate::sshlog::format::{LogError, LogReader};
use crate::sshlog::render::Render;

/// Why [`pump`] stopped early.
#[derive(Debug)]
pub enum PumpError {
    /// The log: truncated, damaged, time going backwards.
    Log(LogError),
    /// Writing the output.
    Write(io::Error),
}

/// Feed every packet of `reader` to `render`, then finish it. On a log error the renderer is
/// left unfinished: the caller decides whether what it got so far is kept ([`finish_partial`]).
pub fn pump<R: Read>(reader: &mut LogReader<R>, render: &mut dyn Render) -> Result<(), PumpError> {
    while let Some(packet) = reader.next_packet().map_err(PumpError::Log)? {
        render.packet(&packet).map_err(PumpError::Write)?;
    }
    render.finish(reader.metadata()).map_err(PumpError::Write)
}

/// Finish a renderer that [`pump`] left after a log error, to keep what was decrypted.
pub fn finish_partial<R: Read>(reader: &LogReader<R>, render: &mut dyn Render) -> io::Result<()> {
    render.finish(reader.metadata())
}
