//! A stored (uncompressed) ZIP archive, as the reference tool writes its output: each entry is
//! first streamed into a [`Staged`] temp file (its CRC-32 and size counted on the way), then
//! [`write_zip`] copies the entries into the archive with their sizes known up front, so no
//! entry is ever held in memory. Entries of 4 GiB or more, or archives past 4 GiB, use the ZIP64
//! extensions (APPNOTE.TXT 4.3.14, 4.4, 4.5.3).
//!
//! Never prints.

use std::fs::File;
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use crate::sshlog::crc32::Crc32;

/// An entry being written: a temp file (removed when dropped) and what the archive needs to know.
pub struct Staged {
    file: BufWriter<File>,
    crc: Crc32,
    len: u64,
}

impl Staged {
    /// An anonymous temp file in `dir` (the output's directory: the same disk, and no copy of
    /// the session left behind in a shared temp directory).
    pub fn new(dir: &Path) -> io::Result<Staged> {
        Ok(Staged {
            file: BufWriter::with_capacity(64 * 1024, tempfile::tempfile_in(dir)?),
            crc: Crc32::new(),
            len: 0,
        })
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.crc.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL: u32 = 0x0201_4b50;
const END: u32 = 0x0605_4b50;
const END64: u32 = 0x0606_4b50;
const LOCATOR64: u32 = 0x0706_4b50;
/// Beyond this a 32-bit field holds 0xFFFFFFFF and the value sits in the ZIP64 extra field.
const MAX32: u64 = 0xFFFF_FFFF;
/// A regular file, rw-------, in the high half of the external attributes (made by unix): the
/// entries hold what the user typed, so unzip extracts them private (the contents stay
/// byte-identical to the reference tool's; only this mode differs).
const UNIX_FILE: u32 = 0o100_600 << 16;

/// The MS-DOS time and date of a Unix time (UTC), clamped to the years DOS can hold.
fn dos_time(epoch: u64) -> (u16, u16) {
    let secs = i64::try_from(epoch).unwrap_or(i64::MAX);
    let stamp = crate::human::utc_seconds(secs);
    // "YYYY-MM-DD HH:MM:SS+00"
    let num = |a: usize, b: usize| {
        stamp
            .get(a..b)
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(0)
    };
    let year = num(0, 4);
    if !(1980..=2107).contains(&year) || stamp.len() != 22 {
        return (0, (1 << 5) | 1); // 1980-01-01 00:00
    }
    let time = (num(11, 13) << 11) | (num(14, 16) << 5) | (num(17, 19) / 2);
    let date = ((year - 1980) << 9) | (num(5, 7) << 5) | num(8, 10);
    (time, date)
}

struct Written {
    name: &'static str,
    crc: u32,
    len: u64,
    offset: u64,
    /// From this value on, sizes and offsets go into ZIP64 fields (see [`u32_or_max`]).
    limit: u64,
}

/// `v` in a 32-bit field, or 0xFFFFFFFF (the value is then in the ZIP64 extra field) from
/// `limit` on. `limit` is [`MAX32`] except in tests, which lower it to exercise ZIP64 on small data.
fn u32_or_max(v: u64, limit: u64) -> u32 {
    if v >= limit { u32::MAX } else { v as u32 }
}

/// The fields a local header and a central record share, from "version needed" to the name
/// length: version, flags, method, time, date, CRC, sizes, name length, extra length.
fn common(head: &mut Vec<u8>, e: &Written, mtime: (u16, u16), extra_len: u16) {
    let version: u16 = if extra_len > 0 { 45 } else { 20 };
    head.extend_from_slice(&version.to_le_bytes());
    head.extend_from_slice(&0u16.to_le_bytes()); // flags
    head.extend_from_slice(&0u16.to_le_bytes()); // stored
    head.extend_from_slice(&mtime.0.to_le_bytes());
    head.extend_from_slice(&mtime.1.to_le_bytes());
    head.extend_from_slice(&e.crc.to_le_bytes());
    head.extend_from_slice(&u32_or_max(e.len, e.limit).to_le_bytes());
    head.extend_from_slice(&u32_or_max(e.len, e.limit).to_le_bytes());
    head.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    head.extend_from_slice(&extra_len.to_le_bytes());
}

/// A ZIP64 extra field with the given 64-bit values.
fn zip64_extra(values: &[u64]) -> Vec<u8> {
    let mut extra = vec![1, 0];
    extra.extend_from_slice(&((8 * values.len()) as u16).to_le_bytes());
    for v in values {
        extra.extend_from_slice(&v.to_le_bytes());
    }
    extra
}

fn local_header(e: &Written, mtime: (u16, u16)) -> Vec<u8> {
    let extra = if e.len >= e.limit {
        zip64_extra(&[e.len, e.len])
    } else {
        Vec::new()
    };
    let mut head = LOCAL.to_le_bytes().to_vec();
    common(&mut head, e, mtime, extra.len() as u16);
    head.extend_from_slice(e.name.as_bytes());
    head.extend_from_slice(&extra);
    head
}

fn central_record(e: &Written, mtime: (u16, u16)) -> Vec<u8> {
    let mut big = Vec::new();
    if e.len >= e.limit {
        big.extend_from_slice(&[e.len, e.len]);
    }
    if e.offset >= e.limit {
        big.push(e.offset);
    }
    let extra = if big.is_empty() {
        Vec::new()
    } else {
        zip64_extra(&big)
    };
    let mut rec = CENTRAL.to_le_bytes().to_vec();
    let made_by: u16 = (3 << 8) | 45; // unix
    rec.extend_from_slice(&made_by.to_le_bytes());
    common(&mut rec, e, mtime, extra.len() as u16);
    rec.extend_from_slice(&0u16.to_le_bytes()); // comment length
    rec.extend_from_slice(&0u16.to_le_bytes()); // disk
    rec.extend_from_slice(&0u16.to_le_bytes()); // internal attributes
    rec.extend_from_slice(&UNIX_FILE.to_le_bytes());
    rec.extend_from_slice(&u32_or_max(e.offset, e.limit).to_le_bytes());
    rec.extend_from_slice(e.name.as_bytes());
    rec.extend_from_slice(&extra);
    rec
}

/// The end of the archive: the ZIP64 end record and locator when anything needs them, then the
/// classic end record.
fn end_records(count: u64, cd_start: u64, cd_len: u64, limit: u64) -> Vec<u8> {
    let mut end = Vec::new();
    if cd_start >= limit || cd_len >= limit {
        let end64_at = cd_start + cd_len;
        end.extend_from_slice(&END64.to_le_bytes());
        end.extend_from_slice(&44u64.to_le_bytes());
        end.extend_from_slice(&((3u16 << 8) | 45).to_le_bytes());
        end.extend_from_slice(&45u16.to_le_bytes());
        end.extend_from_slice(&[0; 8]); // this disk, the directory's disk
        for v in [count, count, cd_len, cd_start] {
            end.extend_from_slice(&v.to_le_bytes());
        }
        end.extend_from_slice(&LOCATOR64.to_le_bytes());
        end.extend_from_slice(&0u32.to_le_bytes());
        end.extend_from_slice(&end64_at.to_le_bytes());
        end.extend_from_slice(&1u32.to_le_bytes());
    }
    end.extend_from_slice(&END.to_le_bytes());
    end.extend_from_slice(&[0; 4]); // disks
    end.extend_from_slice(&(count as u16).to_le_bytes());
    end.extend_from_slice(&(count as u16).to_le_bytes());
    end.extend_from_slice(&u32_or_max(cd_len, limit).to_le_bytes());
    end.extend_from_slice(&u32_or_max(cd_start, limit).to_le_bytes());
    end.extend_from_slice(&0u16.to_le_bytes()); // comment length
    end
}

/// Write a stored ZIP of `entries` (name, staged contents) to `out`, every entry dated `mtime`
/// (Unix seconds).
pub fn write_zip(
    out: &mut (impl Write + ?Sized),
    entries: Vec<(&'static str, Staged)>,
    mtime: u64,
) -> io::Result<()> {
    write_zip_limited(out, entries, mtime, MAX32)
}

/// [`write_zip`] with ZIP64 fields from `limit` on.
fn write_zip_limited(
    out: &mut (impl Write + ?Sized),
    entries: Vec<(&'static str, Staged)>,
    mtime: u64,
    limit: u64,
) -> io::Result<()> {
    let mtime = dos_time(mtime);
    let mut offset = 0u64;
    let mut written = Vec::new();
    for (name, staged) in entries {
        let Staged { file, crc, len } = staged;
        let mut file = file.into_inner().map_err(io::IntoInnerError::into_error)?;
        file.seek(SeekFrom::Start(0))?;
        let e = Written {
            name,
            crc: crc.finalize(),
            len,
            offset,
            limit,
        };
        let head = local_header(&e, mtime);
        out.write_all(&head)?;
        let copied = io::copy(&mut file, out)?;
        if copied != len {
            return Err(io::Error::other("a staged entry changed size"));
        }
        offset += head.len() as u64 + len;
        written.push(e);
    }
    let mut central = Vec::new();
    for e in &written {
        central.extend_from_slice(&central_record(e, mtime));
    }
    out.write_all(&central)?;
    out.write_all(&end_records(
        written.len() as u64,
        offset,
        central.len() as u64,
        limit,
    ))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(dir: &Path, bytes: &[u8]) -> Staged {
        let mut s = Staged::new(dir).unwrap();
        s.write_all(bytes).unwrap();
        s
    }

    /// Python's zipfile reads the archive back (checking every CRC) and lists (name, method,
    /// contents, whether ZIP64 was needed to read it).
    fn read_back(zip: &Path) -> String {
        let script = "import sys, zipfile\n\
z = zipfile.ZipFile(sys.argv[1])\n\
assert z.testzip() is None\n\
for i in z.infolist(): print(i.filename, i.compress_type, z.read(i).decode(), i.file_size, i.header_offset)";
        let out = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(zip)
            .output()
            .expect("python3 is installed (.ci/setup)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn stored_entries_read_back_with_and_without_zip64() {
        let dir = tempfile::tempdir().unwrap();
        // limit 8: the second entry's size, its offset and the central directory need ZIP64.
        for limit in [MAX32, 8] {
            let entries = vec![
                ("a.txt", staged(dir.path(), b"hello")),
                ("b.txt", staged(dir.path(), b"a longer entry")),
            ];
            let path = dir.path().join(format!("t{limit}.zip"));
            let mut out = std::fs::File::create(&path).unwrap();
            write_zip_limited(&mut out, entries, 1_700_000_000, limit).unwrap();
            drop(out);
            let listing = read_back(&path);
            let unzip = std::process::Command::new("unzip")
                .arg("-t")
                .arg(&path)
                .output()
                .expect("unzip is installed (.ci/setup)");
            assert!(
                unzip.status.success(),
                "unzip -t: {}",
                String::from_utf8_lossy(&unzip.stdout)
            );
            assert_eq!(
                listing, "a.txt 0 hello 5 0\nb.txt 0 a longer entry 14 40\n",
                "limit {limit}"
            );
            let bytes = std::fs::read(&path).unwrap();
            let zip64 = bytes.windows(4).any(|w| w == END64.to_le_bytes());
            assert_eq!(zip64, limit == 8, "limit {limit}");
        }
    }

    #[test]
    fn dos_times() {
        // 2023-11-14 22:13:20 UTC
        assert_eq!(
            dos_time(1_700_000_000),
            ((22 << 11) | (13 << 5) | 10, (43 << 9) | (11 << 5) | 14)
        );
        assert_eq!(dos_time(0), (0, (1 << 5) | 1));
    }
}
