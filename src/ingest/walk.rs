//! The files of a folder given as a source, and what was not read there and
//! why. Nothing here opens a file: what is not a regular file (a FIFO would
//! block the first reader for ever) is only listed.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A path in a folder that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
    /// What it held may be evidence that was not read (a folder that could
    /// not be listed): a rejection, where the others are notes.
    pub lost: bool,
}

impl Skipped {
    fn note(path: PathBuf, why: &str) -> Self {
        Skipped { path, why: why.to_string(), lost: false }
    }

    fn lost(path: PathBuf, error: &std::io::Error) -> Self {
        Skipped { path, why: format!("cannot be read ({error}); nothing in it was used"), lost: true }
    }
}

/// Folders leakline never reads inside: git's own store and the case key's.
const NOT_EVIDENCE: &[&str] = &[".git", ".leakline"];

/// The regular files under `root`, and what was skipped there and why.
/// Symlinks are followed only where they stay inside `root` (and each
/// folder once, so a loop ends); dotfiles such as `.secrets.baseline` are read.
/// Only `root` itself unreadable is an error: a subfolder that cannot be
/// listed (past the system's longest path, say) is one skipped entry, and
/// every other file is still found.
pub fn walk(root: &Path) -> std::io::Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let base = std::fs::canonicalize(root)?;
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    // Folders are told apart by device and inode: resolving each one's path
    // again cost a lookup per level, per level (cubic in the depth).
    let mut seen = HashSet::new();
    seen.insert(identity(root, &std::fs::metadata(root)?));
    let mut folders = vec![root.to_path_buf()];
    let mut first = true;
    while let Some(dir) = folders.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if first => return Err(e),
            Err(e) => {
                skipped.push(Skipped::lost(dir, &e));
                continue;
            }
        };
        first = false;
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    skipped.push(Skipped::lost(dir.clone(), &e));
                    break;
                }
            };
            let path = entry.path();
            if NOT_EVIDENCE.iter().any(|n| entry.file_name() == *n) {
                skipped.push(Skipped::note(path, "not evidence (git's or leakline's own folder)"));
                continue;
            }
            // Stat relative to the open folder: no path lookup from the root.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) => {
                    skipped.push(Skipped::lost(path, &e));
                    continue;
                }
            };
            let meta = if meta.file_type().is_symlink() {
                match std::fs::canonicalize(&path) {
                    Ok(target) if target.starts_with(&base) => match std::fs::metadata(&path) {
                        Ok(meta) => meta,
                        Err(e) => {
                            skipped.push(Skipped::lost(path, &e));
                            continue;
                        }
                    },
                    Ok(_) => {
                        skipped.push(Skipped::note(path, "a symlink that leads outside the folder"));
                        continue;
                    }
                    Err(e) if leads_nowhere(&e) => {
                        skipped.push(Skipped::note(path, "a symlink that leads nowhere"));
                        continue;
                    }
                    Err(e) => {
                        skipped.push(Skipped::lost(path, &e));
                        continue;
                    }
                }
            } else {
                meta
            };
            if meta.is_dir() {
                if seen.insert(identity(&path, &meta)) {
                    folders.push(path);
                }
            } else if meta.is_file() {
                files.push(path);
            } else {
                skipped.push(Skipped::note(path, "not a regular file (a FIFO, socket or device)"));
            }
        }
    }
    Ok((files, skipped))
}

/// A dangling symlink, or one of a loop of them: nothing to read behind it.
fn leads_nowhere(e: &std::io::Error) -> bool {
    #[cfg(unix)]
    let looped = e.raw_os_error() == Some(libc::ELOOP);
    #[cfg(not(unix))]
    let looped = false;
    e.kind() == std::io::ErrorKind::NotFound || looped
}

#[cfg(unix)]
fn identity(_: &Path, meta: &std::fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

/// No inode to tell folders apart: the resolved path stands for one.
#[cfg(not(unix))]
fn identity(path: &Path, _: &std::fs::Metadata) -> (u64, u64) {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()).hash(&mut h);
    (0, h.finish())
}
