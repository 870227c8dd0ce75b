//! Editing a file that belongs to the user: `~/.ssh/config` (`zssh config`), `known_hosts`
//! (`zssh known-hosts repair`), `sshd_config` and sshd's CA file (`zssh server trust-ca`). One
//! way for all of them:
//!
//! - a symlink is followed to its target, and the target is edited: the link stays a link;
//! - the replacement keeps the file's mode and owner (root editing someone's file leaves it
//!   theirs); a new file gets the mode the caller names, in a 0700 directory if that is missing;
//! - a backup of the file as it was is taken once, atomically, and never overwritten;
//! - the new bytes go to a temp file in the same directory, fsynced, renamed over the file, and
//!   the directory is fsynced; temp files that killed runs left there are removed;
//! - zssh runs serialise on a lock beside the file (`<file>.zssh.lock`); under it the edit is
//!   applied to what the file holds now, and the file is replaced only if it still holds that
//!   (else the edit starts over), so lines another program appends meanwhile (ssh adding a host
//!   key, without any lock) are kept.
//!
//! The caller says what to change as a function of the current bytes. Nothing here prints, and
//! the errors name the path; commands choose the hint (see [`Error`]).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::UserError;
use crate::fsutil::{self, Perms};

/// A file larger than this is refused (a known_hosts line per host is about 100 bytes).
pub const MAX_FILE: u64 = 64 * 1024 * 1024;
/// Appended to the file's name for the lock zssh holds while it edits the file.
pub const LOCK_SUFFIX: &str = ".zssh.lock";
/// How many times an edit starts over when the file changes under it.
const ATTEMPTS: usize = 16;
/// How many symlinks in a row are followed (the kernel's limit).
const MAX_LINKS: usize = 40;

/// A user's file, as zssh edits it.
#[derive(Debug)]
pub struct UserFile {
    /// Where the bytes live: the path given, symlinks followed.
    target: PathBuf,
    /// Where the one-time backup goes (`None`: no backup).
    backup: Option<PathBuf>,
    /// The permission bits of the file if zssh creates it.
    new_mode: u32,
}

/// What [`UserFile::edit`] did.
#[derive(Debug)]
pub struct Edited<T> {
    /// The content written (as the change function returned it).
    pub content: T,
    /// Whether the backup was taken by this edit (false: there was one already, or none is kept,
    /// or the file did not exist).
    pub backed_up: bool,
}

/// Why an edit failed. Each names the path; `UserError::from` adds a generic hint.
#[derive(Debug)]
pub enum Error {
    /// The file's directory was missing and could not be created.
    Dir { dir: PathBuf, source: io::Error },
    /// The lock beside the file could not be created or taken.
    Lock {
        file: PathBuf,
        lock: PathBuf,
        source: io::Error,
    },
    /// The file could not be read again under the lock (or is not a regular file, or too big).
    Read { file: PathBuf, source: io::Error },
    /// The backup could not be written.
    Backup {
        file: PathBuf,
        backup: PathBuf,
        source: io::Error,
    },
    /// The new content could not be written or renamed over the file.
    Write { file: PathBuf, source: io::Error },
    /// It changed between every re-read and the replacement ([`ATTEMPTS`] times).
    KeptChanging { file: PathBuf },
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Dir { dir, source } => {
                write!(f, "cannot create directory {}: {source}", dir.display())
            }
            Error::Lock { file, lock, source } => write!(
                f,
                "cannot write {}: cannot lock {}: {source}",
                file.display(),
                lock.display()
            ),
            Error::Read { file, source } => write!(f, "cannot read {}: {source}", file.display()),
            Error::Backup {
                file,
                backup,
                source,
            } => write!(
                f,
                "cannot back up {} to {}: {source}",
                file.display(),
                backup.display()
            ),
            Error::Write { file, source } => {
                write!(f, "cannot write {}: {source}", file.display())
            }
            Error::KeptChanging { file } => write!(
                f,
                "{} kept changing while zssh rewrote it; it was not changed",
                file.display()
            ),
        }
    }
}

impl From<Error> for UserError {
    fn from(e: Error) -> UserError {
        let hint = match &e {
            Error::Dir { .. } => {
                "check that the parent directory exists and is writable by you".to_string()
            }
            // read_bounded's refusal: no ssh file zssh edits is this large.
            Error::Read { file, source } if source.kind() == io::ErrorKind::InvalidData => format!(
                "no file zssh edits is this large; check that {} is the file you meant",
                file.display()
            ),
            Error::Read { file, source } if source.kind() == io::ErrorKind::InvalidInput => {
                format!(
                    "{} must be a regular file (or a symlink to one); move what is there aside",
                    file.display()
                )
            }
            Error::Read { file, .. } => format!(
                "check that {} is a file you can read and write",
                file.display()
            ),
            // A FIFO, directory or device where zssh keeps its lock: nothing to do with rights.
            Error::Lock { lock, source, .. } if source.kind() == io::ErrorKind::InvalidInput => {
                format!(
                    "remove {} (zssh keeps a lock file there) and run zssh again",
                    lock.display()
                )
            }
            Error::Lock { file, .. } | Error::Backup { file, .. } | Error::Write { file, .. } => {
                format!(
                    "check that {} is writable by you",
                    fsutil::dir_of(file).display()
                )
            }
            Error::KeptChanging { .. } => {
                "run zssh again when the programs writing to it are done".to_string()
            }
        };
        UserError::local(e.to_string(), hint)
    }
}

impl UserFile {
    /// The file `path` names, symlinks followed (the target may not exist yet). No backup, and
    /// mode 0600 if it is created, unless set otherwise.
    pub fn at(path: &Path) -> io::Result<UserFile> {
        Ok(UserFile {
            target: follow_links(path)?,
            backup: None,
            new_mode: 0o600,
        })
    }

    /// Back the file up to `backup` before the first change (once: an existing backup is the
    /// one worth keeping, and is never overwritten).
    pub fn backup_to(self, backup: PathBuf) -> UserFile {
        UserFile {
            backup: Some(backup),
            ..self
        }
    }

    /// The permission bits the file gets if zssh creates it.
    pub fn new_file_mode(self, mode: u32) -> UserFile {
        UserFile {
            new_mode: mode,
            ..self
        }
    }

    /// The file edited: the path given, symlinks followed.
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// Change the file to what `change` makes of its current bytes (`None`: it does not exist),
    /// under zssh's lock on it, backed up first; `change` returning `None` means nothing to
    /// change. `change` runs again whenever the file changed before it could be replaced, so it
    /// must be a function of the bytes it is given. `Ok(None)`: nothing changed.
    pub fn edit<T: AsRef<[u8]>>(
        &self,
        mut change: impl FnMut(Option<&[u8]>) -> Option<T>,
    ) -> Result<Option<Edited<T>>, Error> {
        let file = &self.target;
        let dir = fsutil::dir_of(file);
        fsutil::create_private_dir(dir).map_err(|source| Error::Dir {
            dir: dir.to_path_buf(),
            source,
        })?;
        let _lock = self.lock()?;
        let mut backed_up = false;
        for _ in 0..ATTEMPTS {
            let now = fsutil::read_regular(file, MAX_FILE).map_err(|source| Error::Read {
                file: file.clone(),
                source,
            })?;
            let Some(content) = change(now.as_deref()) else {
                return Ok(None);
            };
            let perms = Perms::of(file).unwrap_or(Perms::mode(self.new_mode));
            if let (Some(backup), Some(old)) = (&self.backup, &now) {
                backed_up |= fsutil::backup_once(backup, old, perms.owner).map_err(|source| {
                    Error::Backup {
                        file: file.clone(),
                        backup: backup.clone(),
                        source,
                    }
                })?;
            }
            let replaced = fsutil::replace_if_unchanged(
                file,
                content.as_ref(),
                perms,
                now.as_deref(),
                MAX_FILE,
            )
            .map_err(|source| Error::Write {
                file: file.clone(),
                source,
            })?;
            if replaced {
                return Ok(Some(Edited { content, backed_up }));
            }
        }
        Err(Error::KeptChanging { file: file.clone() })
    }

    /// Hold zssh's lock on the file (waiting for another zssh that holds it).
    fn lock(&self) -> Result<File, Error> {
        let lock = with_suffix(&self.target, LOCK_SUFFIX);
        let failed = |source| Error::Lock {
            file: self.target.clone(),
            lock: lock.clone(),
            source,
        };
        let owner = Perms::of(&self.target).and_then(|p| p.owner);
        let held = open_lock(&lock, owner).map_err(failed)?;
        held.lock().map_err(failed)?;
        Ok(held)
    }
}

/// `file` with `suffix` appended to its name.
pub fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Follow symlinks from `path` to the file they name, which may not exist yet.
pub fn follow_links(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p)?;
                let next = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
                check_link_owner(&p, &m, &next)?;
                p = next;
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Follow the link `link` (metadata `meta`) to `next` only if whoever owns the link owns what it
/// points at (or, when that does not exist yet, the directory it would be created in), unless
/// the link is root's or the user's running zssh: root editing a user's `~/.ssh/config` must
/// not be sent by the user's link to a file of root's (`/etc/sudoers`) or of someone else's.
/// The kernel's rule for links in sticky directories (`protected_symlinks`), for every directory.
#[cfg(unix)]
fn check_link_owner(link: &Path, meta: &std::fs::Metadata, next: &Path) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let owner = meta.uid();
    let me = fsutil::own_uid();
    if owner == 0 || Some(owner) == me {
        return Ok(());
    }
    let mut at = next;
    let found = loop {
        match std::fs::symlink_metadata(at) {
            Ok(m) => break m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => match at.parent() {
                Some(dir) if !dir.as_os_str().is_empty() => at = dir,
                _ => return Ok(()),
            },
            Err(e) => return Err(e),
        }
    };
    if found.uid() == owner {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "the link {} (owned by uid {owner}) points to {}, owned by uid {}; zssh does not follow it",
            link.display(),
            at.display(),
            found.uid()
        ),
    ))
}

#[cfg(not(unix))]
fn check_link_owner(_: &Path, _: &std::fs::Metadata, _: &Path) -> io::Result<()> {
    Ok(())
}

/// Open the lock file, creating it (0600) if missing. It is never followed if it is a symlink
/// (root may edit a file in someone else's directory), an existing one is opened read-only
/// (flock needs no more), and a new one is given the edited file's owner, so a lock root
/// created beside a user's file does not lock the user out. Only a regular file is a lock: a
/// FIFO there is opened without waiting for a writer (which would never come) and refused, as
/// is a directory or a device.
fn open_lock(path: &Path, owner: Option<(u32, u32)>) -> io::Result<File> {
    let open_raw = |create: bool| {
        let mut o = std::fs::OpenOptions::new();
        if create {
            o.write(true).create_new(true);
        } else {
            o.read(true);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            o.mode(0o600)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        o.open(path)
    };
    let open = |create: bool| {
        let file = open_raw(create)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                fsutil::NOT_REGULAR,
            ));
        }
        Ok(file)
    };
    for _ in 0..2 {
        match open(false) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            found => return found,
        }
        match open(true) {
            Ok(file) => {
                if owner.is_some() {
                    let _ = (Perms { mode: 0o600, owner }).apply(&file);
                }
                return Ok(file);
            }
            // Another zssh created it in between: open that one.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    open(false)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::time::{Duration, SystemTime};

    fn append(path: &Path, line: &str) {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .unwrap();
        f.write_all(line.as_bytes()).unwrap();
    }

    /// An edit that appends `line` to whatever the file holds.
    fn adding(line: &str) -> impl FnMut(Option<&[u8]>) -> Option<Vec<u8>> + '_ {
        move |now| {
            let mut v = now.unwrap_or_default().to_vec();
            v.extend_from_slice(line.as_bytes());
            Some(v)
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_file_too_large_says_so_in_the_hint() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        // Sparse: no disk or time spent, but larger than any file zssh edits.
        std::fs::File::create(&path)
            .unwrap()
            .set_len(MAX_FILE + 1)
            .unwrap();
        let err = UserFile::at(&path)
            .unwrap()
            .edit(adding("x\n"))
            .unwrap_err();
        let user: UserError = err.into();
        assert!(user.message.contains("larger than"), "{}", user.message);
        assert!(
            user.hint.contains("no file zssh edits is this large"),
            "{}",
            user.hint
        );
        assert_eq!(std::fs::metadata(&path).unwrap().len(), MAX_FILE + 1);
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let dotfiles = dir.path().join("dotfiles");
        let ssh = dir.path().join("ssh");
        std::fs::create_dir_all(&dotfiles).unwrap();
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(dotfiles.join("config"), "old\n").unwrap();
        // Two links in a row, relative and absolute.
        std::os::unix::fs::symlink("../dotfiles/config", ssh.join("mid")).unwrap();
        std::os::unix::fs::symlink(ssh.join("mid"), ssh.join("config")).unwrap();
        let f = UserFile::at(&ssh.join("config"))
            .unwrap()
            .backup_to(ssh.join("config.zssh-backup"));
        assert_eq!(f.path(), ssh.join("../dotfiles/config"));
        f.edit(adding("new\n")).unwrap().unwrap();
        assert_eq!(
            std::fs::read_to_string(dotfiles.join("config")).unwrap(),
            "old\nnew\n"
        );
        assert!(ssh.join("config").symlink_metadata().unwrap().is_symlink());
        assert!(ssh.join("mid").symlink_metadata().unwrap().is_symlink());
        assert_eq!(
            std::fs::read_to_string(ssh.join("config.zssh-backup")).unwrap(),
            "old\n"
        );
        // A link to a file that does not exist yet: the file is created where it points.
        std::os::unix::fs::symlink("../dotfiles/known_hosts", ssh.join("known_hosts")).unwrap();
        let f = UserFile::at(&ssh.join("known_hosts")).unwrap();
        f.edit(adding("host key\n")).unwrap().unwrap();
        assert!(
            ssh.join("known_hosts")
                .symlink_metadata()
                .unwrap()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(dotfiles.join("known_hosts")).unwrap(),
            "host key\n"
        );
        // A loop is an error, not a hang.
        std::os::unix::fs::symlink("b", ssh.join("a")).unwrap();
        std::os::unix::fs::symlink("a", ssh.join("b")).unwrap();
        assert!(UserFile::at(&ssh.join("a")).is_err());
    }

    /// Run as root (as CI does): root editing a user's file leaves it the user's, and so are
    /// the backup and the lock beside it.
    #[test]
    fn mode_and_owner_are_kept() {
        assert_eq!(euid(), 0, "this test needs root (as CI runs it)");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sshd_config");
        std::fs::write(&f, "a\n").unwrap();
        std::os::unix::fs::chown(&f, Some(65534), Some(65533)).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        let file = UserFile::at(&f)
            .unwrap()
            .backup_to(dir.path().join("sshd_config.zssh-backup"));
        file.edit(adding("b\n")).unwrap().unwrap();
        let m = std::fs::metadata(&f).unwrap();
        assert_eq!((m.uid(), m.gid(), m.mode() & 0o7777), (65534, 65533, 0o640));
        for beside in ["sshd_config.zssh-backup", "sshd_config.zssh.lock"] {
            let m = std::fs::metadata(dir.path().join(beside)).unwrap();
            assert_eq!((m.uid(), m.mode() & 0o777), (65534, 0o600), "{beside}");
        }
        // A new file gets the mode asked for.
        let n = dir.path().join("ca.pub");
        let file = UserFile::at(&n).unwrap().new_file_mode(0o644);
        file.edit(adding("key\n")).unwrap().unwrap();
        assert_eq!(std::fs::metadata(&n).unwrap().mode() & 0o7777, 0o644);
    }

    /// The effective uid, from a file this process creates (no unsafe, no new dependency).
    fn euid() -> u32 {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("me");
        std::fs::write(&p, "").unwrap();
        std::fs::metadata(&p).unwrap().uid()
    }

    #[test]
    fn the_backup_is_taken_once_and_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("known_hosts");
        let b = dir.path().join("known_hosts.zssh-backup");
        let file = UserFile::at(&f).unwrap().backup_to(b.clone());
        // A new file: nothing to back up.
        let e = file.edit(adding("one\n")).unwrap().unwrap();
        assert!(!e.backed_up && !b.exists());
        let e = file.edit(adding("two\n")).unwrap().unwrap();
        assert!(e.backed_up);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "one\n");
        let e = file.edit(adding("three\n")).unwrap().unwrap();
        assert!(!e.backed_up);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "one\n");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "one\ntwo\nthree\n");
        // Nothing to change: nothing written, not even a new inode.
        let ino = std::fs::metadata(&f).unwrap().ino();
        assert!(file.edit(|_| None::<Vec<u8>>).unwrap().is_none());
        assert_eq!(std::fs::metadata(&f).unwrap().ino(), ino);
        assert_eq!(
            names(dir.path()),
            [
                "known_hosts",
                "known_hosts.zssh-backup",
                "known_hosts.zssh.lock"
            ]
        );
    }

    #[test]
    fn stale_temp_files_beside_the_file_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".zssh-killed.tmp");
        std::fs::write(&stale, "half").unwrap();
        File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(SystemTime::now() - Duration::from_secs(3600))
            .unwrap();
        let f = dir.path().join("config");
        std::fs::write(&f, "x\n").unwrap();
        UserFile::at(&f).unwrap().edit(adding("y\n")).unwrap();
        assert!(!stale.exists());
        assert_eq!(names(dir.path()), ["config", "config.zssh.lock"]);
    }

    /// Lines another program appends while zssh edits (after zssh read the file) are kept: the
    /// edit starts over on what the file holds then.
    #[test]
    fn an_append_during_the_edit_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("known_hosts");
        std::fs::write(&f, "a\n").unwrap();
        let mut calls = 0;
        let file = UserFile::at(&f)
            .unwrap()
            .backup_to(dir.path().join("kh.bak"));
        let e = file
            .edit(|now| {
                calls += 1;
                if calls == 1 {
                    append(&f, "by ssh\n");
                }
                let mut v = now.unwrap().to_vec();
                v.extend_from_slice(b"by zssh\n");
                Some(v)
            })
            .unwrap()
            .unwrap();
        assert_eq!(calls, 2);
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a\nby ssh\nby zssh\n");
        assert!(e.backed_up);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("kh.bak")).unwrap(),
            "a\n"
        );
        // A file that never stops changing is left as it is, with an error.
        let before = std::fs::read(&f).unwrap();
        let e = file
            .edit(|now| {
                append(&f, "more\n");
                Some(now.unwrap_or_default().to_vec())
            })
            .unwrap_err();
        assert!(matches!(e, Error::KeptChanging { .. }), "{e}");
        assert!(std::fs::read(&f).unwrap().starts_with(&before));
    }

    /// zssh runs editing the same file at once serialise on the lock: every one's change lands,
    /// and the lock is held while the change is made.
    #[test]
    fn concurrent_edits_all_land() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        let lock = dir.path().join("config.zssh.lock");
        std::thread::scope(|s| {
            for i in 0..8 {
                let (f, lock) = (&f, &lock);
                s.spawn(move || {
                    let file = UserFile::at(f).unwrap();
                    file.edit(|now| {
                        // Another open file description of the lock cannot take it meanwhile.
                        let probe = File::open(lock).unwrap();
                        assert!(probe.try_lock().is_err(), "the lock is held");
                        let mut v = now.unwrap_or_default().to_vec();
                        v.extend_from_slice(format!("line {i}\n").as_bytes());
                        Some(v)
                    })
                    .unwrap()
                    .unwrap();
                });
            }
        });
        let text = std::fs::read_to_string(&f).unwrap();
        for i in 0..8 {
            assert_eq!(text.matches(&format!("line {i}\n")).count(), 1, "{text}");
        }
        assert_eq!(text.lines().count(), 8);
    }

    #[test]
    fn what_is_not_a_regular_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("config");
        std::fs::create_dir(&d).unwrap();
        let e = UserFile::at(&d).unwrap().edit(adding("x\n")).unwrap_err();
        assert!(matches!(e, Error::Read { .. }), "{e}");
        assert!(e.to_string().contains(&d.display().to_string()), "{e}");
        assert!(d.is_dir());
    }

    /// A FIFO where the lock goes is refused at once (opening it for reading would wait for a
    /// writer forever), and so is a directory; the file is left alone.
    #[test]
    fn a_lock_that_is_a_fifo_or_directory_is_refused_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        std::fs::write(&f, "old\n").unwrap();
        let lock = dir.path().join("config.zssh.lock");
        let mkfifo = std::process::Command::new("mkfifo")
            .arg(&lock)
            .status()
            .unwrap();
        assert!(mkfifo.success());
        let (tx, rx) = std::sync::mpsc::channel();
        let file = UserFile::at(&f).unwrap();
        std::thread::spawn(move || tx.send(file.edit(adding("x\n")).map(|_| ())));
        let e = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the edit waited on the FIFO instead of returning")
            .unwrap_err();
        assert!(matches!(e, Error::Lock { .. }), "{e}");
        assert!(e.to_string().contains("config.zssh.lock"), "{e}");
        let said = UserError::from(e);
        assert_eq!(said.exit, crate::exit::Exit::Local);
        assert!(
            said.hint.starts_with(&format!("remove {}", lock.display())),
            "{}",
            said.hint
        );
        std::fs::remove_file(&lock).unwrap();
        std::fs::create_dir(&lock).unwrap();
        let e = UserFile::at(&f).unwrap().edit(adding("x\n")).unwrap_err();
        assert!(matches!(e, Error::Lock { .. }), "{e}");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "old\n");
    }

    #[test]
    fn a_lock_that_is_a_symlink_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("config");
        let elsewhere = dir.path().join("elsewhere");
        std::os::unix::fs::symlink(&elsewhere, dir.path().join("config.zssh.lock")).unwrap();
        let e = UserFile::at(&f).unwrap().edit(adding("x\n")).unwrap_err();
        assert!(matches!(e, Error::Lock { .. }), "{e}");
        assert!(!elsewhere.exists() && !f.exists());
    }
}
