//! What a read of an audit source stands for, so a case reopened over the
//! same files can take the evidence the case store kept instead of parsing a
//! large trail again: each file as it is now (path, size, modification and
//! change times, inode), the reading options that change what is kept, and
//! the build that read it. Any difference is a different fingerprint, never
//! a stale answer.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::digest::hex;
use super::{ReadOptions, SourceSpec};

/// Bumped whenever what an audit read keeps changes shape or meaning, so a
/// store written by another version is read again rather than trusted.
const FORMAT: u32 = 1;

/// The fingerprint of reading `spec` with `options` now; `None` for a source
/// whose content cannot be told unchanged without reading it (a pipe, a
/// repository, a scanner's output — the last cheap to read again anyway).
pub fn of(spec: &SourceSpec, options: &ReadOptions) -> Option<String> {
    let SourceSpec::Audit(kind, path) = spec else { return None };
    let meta = std::fs::metadata(path).ok()?;
    let mut h = Sha256::new();
    let mut line = |text: String| {
        h.update(text.as_bytes());
        h.update(b"\n");
    };
    line(format!("leakline {} format {FORMAT}", env!("CARGO_PKG_VERSION")));
    line(format!("kind {:?}", kind.map(|k| k.name())));
    line(format!("limits {} {}", options.limits.max_input, options.limits.max_line));
    line(format!("drop accesses {}", options.drop_accesses));
    line(format!("case key {}", key_digest(&options.case_key.0)));
    match &options.keep_credentials {
        None => line("keep all".to_string()),
        Some(known) => {
            let mut known: Vec<&String> = known.iter().collect();
            known.sort();
            line(format!("keep {}", known.len()));
            known.into_iter().for_each(|k| line(k.clone()));
        }
    }
    if meta.is_file() {
        line(file_line(path, &meta));
    } else if meta.is_dir() {
        let (mut files, mut skipped) = super::walk(path).ok()?;
        files.sort();
        skipped.sort_by(|a, b| a.path.cmp(&b.path));
        line(format!("folder {} {} {}", path.display(), files.len(), skipped.len()));
        for file in files {
            // A file that vanished between the walk and here: no fingerprint, read it.
            let meta = std::fs::metadata(&file).ok()?;
            line(file_line(&file, &meta));
        }
        // What was skipped is named, never opened: a FIFO's open waits for a writer.
        for s in skipped {
            line(format!("skipped {} {}", s.path.display(), s.why));
        }
    } else {
        return None;
    }
    Some(hex(&h.finalize()))
}

/// What tells a file unchanged since an earlier read without reading it
/// (as `file_line`); `None` for what is not a plain file.
pub fn identity(path: &Path, meta: &std::fs::Metadata) -> Option<String> {
    meta.is_file().then(|| file_line(path, meta))
}

/// One file's identity and state; the change time moves on any write, even
/// one that puts the modification time back, and the bytes at both ends tell
/// a rewrite of the same length within one tick of the file system's clock.
fn file_line(path: &Path, meta: &std::fs::Metadata) -> String {
    let mtime = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok());
    let mtime = mtime.map_or(0, |d| d.as_nanos());
    format!("{} {} {mtime} {} {}", path.display(), meta.len(), changed(meta), ends(path, meta.len()))
}

/// The SHA-256 of a file's first and last 64 KiB (all of a small file).
fn ends(path: &Path, len: u64) -> String {
    use std::io::{Read, Seek, SeekFrom};
    const END: u64 = 64 << 10;
    let mut h = Sha256::new();
    let Some(mut file) = open_regular(path) else { return "unreadable".to_string() };
    let mut buf = Vec::new();
    let _ = (&mut file).take(END).read_to_end(&mut buf);
    if len > 2 * END && file.seek(SeekFrom::Start(len - END)).is_ok() {
        let _ = (&mut file).take(END).read_to_end(&mut buf);
    } else {
        let _ = file.read_to_end(&mut buf);
    }
    h.update(&buf);
    hex(&h.finalize())
}

/// `path` opened for reading if it is a regular file. Opened without waiting:
/// a file swapped for a FIFO since it was looked at must not block the read.
fn open_regular(path: &Path) -> Option<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).ok()?;
    file.metadata().ok()?.is_file().then_some(file)
}

#[cfg(unix)]
fn changed(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{}.{} {} {}", meta.ctime(), meta.ctime_nsec(), meta.ino(), meta.dev())
}

#[cfg(not(unix))]
fn changed(_: &std::fs::Metadata) -> String {
    String::new()
}

/// The case key only as a digest: the store must not hold the key itself.
fn key_digest(key: &[u8]) -> String {
    hex(&Sha256::digest(key))[..16].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SourceKind;

    #[test]
    fn a_fingerprint_changes_with_the_file_and_with_what_is_kept() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = dir.path().join("trail.jsonl");
        std::fs::write(&log, "{}\n").unwrap_or_else(|e| panic!("{e}"));
        let spec = SourceSpec::Audit(Some(SourceKind::Cloudtrail), log.clone());
        let options = ReadOptions::default();
        let first = of(&spec, &options);
        assert!(first.is_some());
        assert_eq!(of(&spec, &options), first, "nothing changed: the same fingerprint");
        let mut keeping = options.clone();
        keeping.keep_credentials = Some(std::sync::Arc::new(["AKIAEXAMPLE".to_string()].into_iter().collect()));
        assert_ne!(of(&spec, &keeping), first, "other credentials kept: another read");
        std::fs::write(&log, "{}\n{}\n").unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(of(&spec, &options), first, "the file grew");
        let folder = SourceSpec::Audit(None, dir.path().to_path_buf());
        let before = of(&folder, &options);
        std::fs::write(dir.path().join("more.jsonl"), "{}\n").unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(of(&folder, &options), before, "a file added to the folder");
        assert_eq!(of(&SourceSpec::Repo(dir.path().to_path_buf()), &options), None);
    }
}
