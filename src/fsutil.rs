//! Safe file writes: private directories (0700), atomic replacement (temp file in the same
//! directory, fsync, rename) with private modes (0600), and refusal of files others can read.

use std::io::Write;
use std::path::Path;

use crate::error::UserError;

/// Create `dir` (and parents) with mode 0700 if missing.
pub fn ensure_private_dir(dir: &Path) -> Result<(), UserError> {
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
    builder.create(dir).map_err(|e| {
        UserError::local(
            format!("cannot create directory {}: {e}", dir.display()),
            "check that the parent directory exists and is writable by you",
        )
    })
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
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".zssh-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// The permission bits of an existing file (`None` if it does not exist; 0o600 off unix).
pub fn existing_mode(path: &Path) -> Option<u32> {
    let meta = std::fs::metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(meta.permissions().mode() & 0o7777)
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        Some(0o600)
    }
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
}
