//! What leakline keeps beside a case (`.leakline/`: the fingerprint key and
//! the case store) is trusted only when nobody else could have put it there:
//! a real folder (not a link) owned by the user and writable by nobody else,
//! holding real files (not links, FIFOs or devices) owned by the user and
//! private to them. A case folder someone else prepared — a planted link that
//! would send a write elsewhere, a store with verdicts already in it, a key
//! others can read — is refused, and the caller keeps the case elsewhere.
//! Files are opened without following links, and made only where none exists.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why something in a case folder is not trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Why {
    #[error("it is a symbolic link")]
    Link,
    #[error("it is not a folder")]
    NotFolder,
    #[error("it is not a regular file")]
    NotFile,
    #[error("it belongs to user {0}, not to you")]
    Owner(u32),
    #[error("others may write to it (mode {0:o})")]
    Writable(u32),
    #[error("others may read it (mode {0:o})")]
    Readable(u32),
    #[error("it does not hold a key")]
    NotAKey,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path} is not trusted: {why}")]
    Untrusted { path: String, why: Why },
    #[error("{path}: {source}")]
    Io { path: String, source: std::io::Error },
}

fn untrusted(path: &Path, why: Why) -> TrustError {
    TrustError::Untrusted { path: path.display().to_string(), why }
}

fn io(path: &Path, source: std::io::Error) -> TrustError {
    TrustError::Io { path: path.display().to_string(), source }
}

/// The folder, made private (0700) where it is not yet; an existing one must
/// be a real folder of the user's that nobody else can write to.
pub fn private_folder(path: &Path) -> Result<(), TrustError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) => folder_trusted(path, &meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            make_folder(path).map_err(|e| io(path, e))?;
            // Made by someone else in the meantime: judged like any other.
            let meta = std::fs::symlink_metadata(path).map_err(|e| io(path, e))?;
            folder_trusted(path, &meta)
        }
        Err(e) => Err(io(path, e)),
    }
}

fn folder_trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), TrustError> {
    if meta.file_type().is_symlink() {
        return Err(untrusted(path, Why::Link));
    }
    if !meta.is_dir() {
        return Err(untrusted(path, Why::NotFolder));
    }
    owned(path, meta)?;
    let mode = mode(meta);
    if mode & 0o022 != 0 {
        return Err(untrusted(path, Why::Writable(mode)));
    }
    Ok(())
}

/// A private file's bytes (at most `max`), or `None` where there is none;
/// never through a link, never from a FIFO or a device.
pub fn read_private(path: &Path, max: u64) -> Result<Option<Vec<u8>>, TrustError> {
    let file = match open_nofollow(OpenOptions::new().read(true), path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(link_or_io(path, e)),
    };
    let meta = file.metadata().map_err(|e| io(path, e))?;
    file_trusted(path, &meta)?;
    if meta.len() > max {
        return Err(untrusted(path, Why::NotAKey));
    }
    let mut bytes = Vec::new();
    file.take(max + 1).read_to_end(&mut bytes).map_err(|e| io(path, e))?;
    Ok(Some(bytes))
}

/// Write a new private file (0600); an existing file or link of that name is
/// refused, not written through.
pub fn create_private(path: &Path, bytes: &[u8]) -> Result<(), TrustError> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    let mut file = open_nofollow(&mut options, path).map_err(|e| link_or_io(path, e))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).map_err(|e| io(path, e))
}

/// Whether a private file is there (`false`: none of that name); one that
/// is there must be a regular file of the user's that only they can read.
pub fn existing_private(path: &Path) -> Result<bool, TrustError> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(untrusted(path, Why::Link)),
        Ok(meta) => file_trusted(path, &meta).map(|()| true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io(path, e)),
    }
}

fn file_trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), TrustError> {
    if !meta.is_file() {
        return Err(untrusted(path, Why::NotFile));
    }
    owned(path, meta)?;
    let mode = mode(meta);
    if mode & 0o022 != 0 {
        return Err(untrusted(path, Why::Writable(mode)));
    }
    if mode & 0o044 != 0 {
        return Err(untrusted(path, Why::Readable(mode)));
    }
    Ok(())
}

/// `path` with `suffix` added to its name (`case.sqlite-journal`).
pub fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    path.with_file_name(name)
}

/// An open refused because the name is a link (`ELOOP`; `EEXIST` for a new file) says so.
fn link_or_io(path: &Path, e: std::io::Error) -> TrustError {
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return untrusted(path, Why::Link);
    }
    io(path, e)
}

#[cfg(unix)]
fn open_nofollow(options: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    // O_NONBLOCK: a FIFO planted under the name must not hang the open.
    options.mode(0o600).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC).open(path)
}

#[cfg(not(unix))]
fn open_nofollow(options: &mut OpenOptions, path: &Path) -> std::io::Result<File> {
    options.open(path)
}

#[cfg(unix)]
fn make_folder(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().mode(0o700).create(path)
}

#[cfg(not(unix))]
fn make_folder(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir(path)
}

#[cfg(unix)]
fn owned(path: &Path, meta: &std::fs::Metadata) -> Result<(), TrustError> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid takes nothing and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != me {
        return Err(untrusted(path, Why::Owner(meta.uid())));
    }
    Ok(())
}

#[cfg(not(unix))]
fn owned(_: &Path, _: &std::fs::Metadata) -> Result<(), TrustError> {
    Ok(())
}

#[cfg(unix)]
fn mode(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode(_: &std::fs::Metadata) -> u32 {
    0o600
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_new_folder_is_private_and_a_linked_or_shared_one_is_refused() {
        let d = dir();
        let made = d.path().join("case/.leakline");
        private_folder(&made).unwrap_or_else(|e| panic!("{e}"));
        let mode = std::fs::metadata(&made).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!(mode, 0o700);
        let elsewhere = d.path().join("elsewhere");
        std::fs::create_dir(&elsewhere).unwrap_or_else(|e| panic!("{e}"));
        let link = d.path().join("linked");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(private_folder(&link), Err(TrustError::Untrusted { why: Why::Link, .. })));
        std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o777)).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(private_folder(&elsewhere), Err(TrustError::Untrusted { why: Why::Writable(_), .. })));
    }

    #[test]
    fn a_key_is_never_read_or_written_through_a_link_or_from_a_fifo() {
        let d = dir();
        let target = d.path().join("precious");
        std::fs::write(&target, b"keep me").unwrap_or_else(|e| panic!("{e}"));
        let link = d.path().join("fingerprint.key");
        std::os::unix::fs::symlink(&target, &link).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(create_private(&link, &[0; 32]), Err(TrustError::Untrusted { why: Why::Link, .. })));
        assert!(matches!(read_private(&link, 32), Err(TrustError::Untrusted { why: Why::Link, .. })));
        assert_eq!(std::fs::read(&target).unwrap_or_default(), b"keep me");
        let fifo = d.path().join("fifo.key");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            assert!(matches!(read_private(&fifo, 32), Err(TrustError::Untrusted { why: Why::NotFile, .. })));
        }
        let key = d.path().join("new.key");
        create_private(&key, &[7; 32]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read_private(&key, 32).unwrap_or_else(|e| panic!("{e}")), Some(vec![7; 32]));
        assert!(create_private(&key, &[8; 32]).is_err(), "an existing file is not overwritten");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(read_private(&key, 32), Err(TrustError::Untrusted { why: Why::Readable(_), .. })));
    }
}
