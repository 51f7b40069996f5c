//! Files written by the project never destroy what they replace:
//!
//! - a regular file (or a path that does not exist yet) is written atomically: to a
//!   temporary file in the same directory, flushed, then renamed over the target, so
//!   a crash or a kill never leaves a half-written result;
//! - a symbolic link is followed (every level) and its *target* is replaced that way;
//!   the link stays a link;
//! - `-` is standard output, and any other existing non-regular file (a character
//!   device such as `/dev/null`, a FIFO, a socket) is opened and written directly,
//!   never renamed over; errors are reported.
//!
//! A regular file that is replaced keeps its permissions; a new file gets 0644.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot write: {source}")]
pub struct WriteError {
    pub path: PathBuf,
    pub source: std::io::Error,
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What a write to a path will do.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// Standard output (`-`).
    Stdout,
    /// An existing non-regular file, written in place (the resolved path).
    Special(PathBuf),
    /// An existing directory: an error.
    Directory(PathBuf),
    /// A regular file or a new one (the resolved path): temporary file + rename.
    Regular(PathBuf),
}

/// Follow `path` through symbolic links (at most 40 levels, as the kernel does),
/// also when the last target does not exist yet.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let link = std::fs::read_link(&p)?;
                p = if link.is_absolute() {
                    link
                } else {
                    parent_dir(&p).join(link)
                };
            }
            _ => return Ok(p),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

fn classify(path: &Path) -> std::io::Result<Target> {
    if path.as_os_str() == "-" {
        return Ok(Target::Stdout);
    }
    let real = resolve_links(path)?;
    Ok(match std::fs::metadata(&real) {
        Ok(m) if m.is_dir() => Target::Directory(real),
        Ok(m) if !m.is_file() => Target::Special(real),
        _ => Target::Regular(real),
    })
}

fn is_a_directory() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory")
}

/// Write `bytes` to `path` without destroying it (see the module docs): atomically
/// for regular files (through symbolic links), directly for `-` and special files.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    match classify(path).map_err(err)? {
        Target::Stdout => {
            let mut out = std::io::stdout().lock();
            match out.write_all(bytes).and_then(|_| out.flush()) {
                // A closed pipe (e.g. `| head`) is the reader's choice, not an error.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(err(e)),
                _ => Ok(()),
            }
        }
        Target::Directory(_) => Err(err(is_a_directory())),
        Target::Special(real) => {
            // No truncate, no create: a device or a FIFO is written as it is.
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .open(&real)
                .map_err(err)?;
            f.write_all(bytes).and_then(|_| f.flush()).map_err(err)
        }
        Target::Regular(real) => write_regular(&real, bytes).map_err(err),
    }
}

fn write_regular(real: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = parent_dir(real);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    tmp.write_all(bytes)?;
    // tempfile creates 0600 files; results and exported instances are meant to be
    // shared, so give them the usual 0644 (readable by all, writable by the owner),
    // or the permissions of the file being replaced.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = match std::fs::metadata(real) {
            Ok(m) => m.permissions(),
            Err(_) => std::fs::Permissions::from_mode(0o644),
        };
        tmp.as_file().set_permissions(perms)?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(real).map_err(|e| e.error)?;
    Ok(())
}

/// Check, before any expensive work, that `path` can be written: `-`, an existing
/// special file (written in place later, errors reported then), or a regular or new
/// file whose directory exists and is writable (through symbolic links). A
/// directory is refused.
pub fn check_writable(path: &Path) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    match classify(path).map_err(err)? {
        // Opening a FIFO for writing would block until a reader comes: not here.
        Target::Stdout | Target::Special(_) => Ok(()),
        Target::Directory(_) => Err(err(is_a_directory())),
        Target::Regular(real) => tempfile::NamedTempFile::new_in(parent_dir(&real))
            .map(drop)
            .map_err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_is_readable_by_all() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"first").unwrap();
        write_atomic(&p, b"second").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
        // no temporary file left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        assert!(check_writable(dir.path()).is_err());
        assert!(check_writable(&dir.path().join("missing/r.json")).is_err());
        assert!(write_atomic(dir.path(), b"x").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        // a chain of two links, the last one dangling
        let dangling = dir.path().join("d2");
        std::os::unix::fs::symlink("d1", &dangling).unwrap();
        std::os::unix::fs::symlink("new.json", dir.path().join("d1")).unwrap();
        check_writable(&link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        write_atomic(&dangling, b"via chain").unwrap();
        assert!(
            std::fs::symlink_metadata(&dangling)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read(dir.path().join("new.json")).unwrap(),
            b"via chain"
        );
    }

    #[cfg(unix)]
    #[test]
    fn replaced_files_keep_their_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
