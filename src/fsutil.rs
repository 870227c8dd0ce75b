//! Safe file writes: private directories (0700), atomic replacement (temp file in the same
//! directory, fsync, rename) with private modes (0600), and refusal of files others can read.
//!
//! A writer holds a kernel lock (flock) on its temp file while the file exists under its temp
//! name, so a writer killed between creating and renaming it leaves a temp file nobody holds: the
//! next atomic write into that directory removes it.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::error::UserError;

/// Create `dir` (and parents) with mode 0700 if missing.
pub fn ensure_private_dir(dir: &Path) -> Result<(), UserError> {
    create_private_dir(dir).map_err(|e| {
        UserError::local(
            format!("cannot create directory {}: {e}", dir.display()),
            "check that the parent directory exists and is writable by you",
        )
    })
}

/// [`ensure_private_dir`] with the plain I/O error.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// Replace `path` atomically with `bytes`, mode 0600, in a 0700 directory.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), UserError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    ensure_private_dir(dir)?;
    replace_atomically(path, bytes, 0o600).map_err(|e| {
        UserError::local(
            format!("cannot write {}: {e}", path.display()),
            format!("check that {} is writable by you", dir.display()),
        )
    })
}

/// Replace `path` with `bytes`: a temp file in the same directory with permission bits `mode`,
/// written and fsynced, then renamed over `path`, so a reader sees the old or the new file whole.
pub fn replace_atomically(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let tmp = synced_temp(path, bytes, Perms::mode(mode))?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(())
}

/// Write a new file at `path` atomically (synced temp + rename) with permission bits `mode`;
/// unless `replace`, an existing `path` is left alone and the write fails with `AlreadyExists`
/// (checked by the rename itself, so a file created meanwhile is not clobbered either).
pub fn write_new(path: &Path, bytes: &[u8], mode: u32, replace: bool) -> std::io::Result<()> {
    let tmp = synced_temp(path, bytes, Perms::mode(mode))?;
    commit_temp(tmp, path, replace)
}

/// An empty temp file beside `path` with permission bits `mode`, for output streamed in and
/// then moved into place with [`commit_temp`] (removed if dropped before).
pub fn temp_beside(path: &Path, mode: u32) -> std::io::Result<tempfile::NamedTempFile> {
    synced_temp(path, b"", Perms::mode(mode))
}

/// fsync `tmp` and rename it to `path` (refusing to replace an existing `path` unless
/// `replace`), then make the rename durable.
pub fn commit_temp(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    replace: bool,
) -> std::io::Result<()> {
    tmp.as_file().sync_all()?;
    if replace {
        tmp.persist(path).map_err(|e| e.error)?;
    } else {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    }
    sync_dir(path);
    Ok(())
}

/// Whether everyone may create and rename files in `dir` (false off unix, and for a directory
/// that cannot be read).
pub fn world_writable_dir(dir: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        false
    }
}

/// The directory `path` is in (`.` for a bare file name).
pub fn dir_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// The permission bits and owner a file zssh writes gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Perms {
    pub mode: u32,
    /// (uid, gid); `None`: whoever runs zssh.
    pub owner: Option<(u32, u32)>,
}

impl Perms {
    /// `mode`, owned by whoever runs zssh.
    pub fn mode(mode: u32) -> Perms {
        Perms { mode, owner: None }
    }

    /// The permission bits and owner of an existing file (`None` if it does not exist).
    pub fn of(path: &Path) -> Option<Perms> {
        let meta = std::fs::metadata(path).ok()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            Some(Perms {
                mode: meta.mode() & 0o7777,
                owner: Some((meta.uid(), meta.gid())),
            })
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Some(Perms::mode(0o600))
        }
    }

    /// Give the open `file` these permissions: the owner first (a change of owner may clear
    /// set-id bits), then the mode. Changing the owner is tried only when it differs, so it
    /// needs privileges only when the file is someone else's.
    pub fn apply(self, file: &File) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            if let Some((uid, gid)) = self.owner {
                let m = file.metadata()?;
                if m.uid() != uid || m.gid() != gid {
                    std::os::unix::fs::fchown(file, Some(uid), Some(gid))?;
                }
            }
            file.set_permissions(std::fs::Permissions::from_mode(self.mode))?;
        }
        #[cfg(not(unix))]
        let _ = file;
        Ok(())
    }
}

/// `bytes` in a new temp file beside `path` (same directory, so a rename is atomic), with
/// `perms`, written and fsynced, and locked until it is renamed or dropped (see
/// [`remove_stale_temps`], which this also runs for the directory).
fn synced_temp(
    path: &Path,
    bytes: &[u8],
    perms: Perms,
) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = dir_of(path);
    remove_stale_temps(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .suffix(TMP_SUFFIX)
        .tempfile_in(dir)?;
    let _ = tmp.as_file().try_lock();
    perms.apply(tmp.as_file())?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    Ok(tmp)
}

/// Make a rename in `path`'s directory durable (best effort: not every platform can open a
/// directory for syncing).
fn sync_dir(path: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir_of(path)) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = path;
}

const TMP_PREFIX: &str = ".zssh-";
const TMP_SUFFIX: &str = ".tmp";
/// A temp file younger than this is left alone even when unlocked: its writer may be between
/// creating and locking it.
const STALE_TMP_AGE: Duration = Duration::from_secs(10);

/// Remove the `.zssh-*.tmp` files in `dir` that killed writers left: regular files that no
/// process holds a lock on and that are older than [`STALE_TMP_AGE`]. Best effort, silent.
pub fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let now = SystemTime::now();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(TMP_PREFIX) && name.ends_with(TMP_SUFFIX)) {
            continue;
        }
        let path = entry.path();
        let fresh = std::fs::symlink_metadata(&path).map_or(true, |m| {
            !m.is_file()
                || m.modified()
                    .ok()
                    .and_then(|t| now.duration_since(t).ok())
                    .is_none_or(|age| age < STALE_TMP_AGE)
        });
        if fresh {
            continue;
        }
        let Ok(file) = File::open(&path) else {
            continue;
        };
        if file.try_lock().is_err() {
            continue; // a live writer holds it
        }
        match std::fs::remove_file(&path) {
            Ok(()) => crate::debug!("removed a stale temp file {}", path.display()),
            Err(e) => crate::debug!("cannot remove stale temp file {}: {e}", path.display()),
        }
    }
}

/// Take a one-time backup: write `bytes` to a temp file beside `backup` (mode 0600, owned by
/// `owner` when given), fsync it, then link it into place only if `backup` does not exist yet.
/// A process killed mid-write leaves at most a `.zssh-*.tmp` file, never a truncated backup
/// that would stop the next run from taking a whole one; of two concurrent runs only one backup
/// lands. Returns whether this call took the backup (false: one was there already).
pub fn backup_once(
    backup: &Path,
    bytes: &[u8],
    owner: Option<(u32, u32)>,
) -> std::io::Result<bool> {
    if std::fs::symlink_metadata(backup).is_ok() {
        return Ok(false);
    }
    let tmp = synced_temp(backup, bytes, Perms { mode: 0o600, owner })?;
    match tmp.persist_noclobber(backup) {
        Ok(_) => {
            sync_dir(backup);
            Ok(true)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error),
    }
}

/// Why [`read_regular`] refused a path.
pub const NOT_REGULAR: &str = "it is not a regular file";

/// Open a regular file for reading. `Ok(None)`: it does not exist. A FIFO, socket, device or
/// directory is refused before it is opened (opening a FIFO would wait for a writer forever),
/// and checked again on the opened file (what the path names may change in between).
pub fn open_regular(path: &Path) -> std::io::Result<Option<File>> {
    let not_regular = || std::io::Error::new(std::io::ErrorKind::InvalidInput, NOT_REGULAR);
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => return Err(not_regular()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    // A FIFO swapped in after the check above must not block the open (reads of a regular
    // file ignore the flag).
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    Ok(Some(file))
}

/// At most `max` bytes of an open file; a larger file is refused after reading `max + 1`
/// bytes, so memory stays bounded.
pub fn read_bounded(file: File, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("it is larger than {max} bytes"),
        ));
    }
    Ok(bytes)
}

/// Read a regular file of at most `max` bytes ([`open_regular`], then [`read_bounded`]).
/// `Ok(None)`: it does not exist.
pub fn read_regular(path: &Path, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    open_regular(path)?
        .map(|file| read_bounded(file, max))
        .transpose()
}

/// Like [`replace_atomically`], for a file other programs append to (known_hosts: ssh adds
/// lines without any lock): the new content is written and fsynced first, then `path` is read
/// again and replaced only if it still holds `expected` (`None`: does not exist), so the window
/// in which an append can be lost is the one between that read and the rename, not the time
/// the content took to compute and sync. Returns false (nothing replaced) when it changed.
pub fn replace_if_unchanged(
    path: &Path,
    bytes: &[u8],
    perms: Perms,
    expected: Option<&[u8]>,
    max: u64,
) -> std::io::Result<bool> {
    let tmp = synced_temp(path, bytes, perms)?;
    if read_regular(path, max)?.as_deref() != expected {
        return Ok(false);
    }
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(path);
    Ok(true)
}

/// The user zssh runs as: the owner of `/proc/self` (no unsafe `geteuid`); `None` where there
/// is no `/proc`.
#[cfg(unix)]
pub fn own_uid() -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").map(|m| m.uid()).ok()
}

/// Whether group or others may read `path` (always false off unix).
pub fn readable_by_others(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o077 != 0
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_private_and_atomic() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        let file = sub.join("tok");
        write_private(&file, b"one").unwrap();
        write_private(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dmode = std::fs::metadata(&sub).unwrap().permissions().mode();
            assert_eq!(dmode & 0o777, 0o700);
            assert!(!readable_by_others(&std::fs::metadata(&file).unwrap()));
        }
        // No temp files left behind.
        assert_eq!(std::fs::read_dir(&sub).unwrap().count(), 1);
    }

    #[test]
    fn stale_temp_files_of_killed_writers_are_removed_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old = SystemTime::now() - Duration::from_secs(3600);
        let make = |name: &str, mtime: Option<SystemTime>| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"half").unwrap();
            if let Some(t) = mtime {
                File::options()
                    .write(true)
                    .open(&path)
                    .unwrap()
                    .set_modified(t)
                    .unwrap();
            }
            path
        };
        let stale = make(".zssh-dead.tmp", Some(old));
        let held = make(".zssh-live.tmp", Some(old));
        let fresh = make(".zssh-new.tmp", None);
        let other = make(".other-x.tmp", Some(old));
        let holder = File::open(&held).unwrap();
        holder.try_lock().unwrap();
        write_private(&dir.path().join("file"), b"x").unwrap();
        assert!(!stale.exists(), "an unlocked, old temp file is removed");
        assert!(held.exists(), "a locked one belongs to a live writer");
        assert!(fresh.exists(), "a young one may be between create and lock");
        assert!(other.exists(), "only zssh's own temp files");
        drop(holder);
        remove_stale_temps(dir.path());
        assert!(!held.exists(), "released (writer killed): removed");
    }

    #[test]
    fn backups_are_taken_once_and_whole() {
        let dir = tempfile::tempdir().unwrap();
        let b = dir.path().join("known_hosts.zssh-backup");
        assert!(backup_once(&b, b"first", None).unwrap());
        assert!(!backup_once(&b, b"second", None).unwrap());
        assert_eq!(std::fs::read(&b).unwrap(), b"first");
        // A temp file a killed run left behind does not count as a backup.
        let d2 = tempfile::tempdir().unwrap();
        std::fs::write(d2.path().join(".zssh-abc.tmp"), b"fir").unwrap();
        let b2 = d2.path().join("config.zssh-backup");
        assert!(backup_once(&b2, b"first", None).unwrap());
        assert_eq!(std::fs::read(&b2).unwrap(), b"first");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&b2).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_of_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("f");
        assert!(read_regular(&f, 10).unwrap().is_none());
        std::fs::write(&f, b"0123456789").unwrap();
        assert_eq!(read_regular(&f, 10).unwrap().unwrap(), b"0123456789");
        let e = read_regular(&f, 9).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        let e = read_regular(dir.path(), 10).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        // A FIFO nobody writes to: refused at once (opening it would block forever).
        let fifo = dir.path().join("fifo");
        let st = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(st.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let p = fifo.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read_regular(&p, 10).map_err(|e| e.kind()));
        });
        // A bound for a hang, not a synchronisation: the answer comes at once.
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("read_regular returned instead of hanging on a FIFO");
        assert_eq!(got.unwrap_err(), std::io::ErrorKind::InvalidInput);
    }
}
