//! Following a log as it grows (`open --follow`): the complete lines appended
//! since the last look, through rotation by rename (the old file is read to its
//! end, then the new one from its start) and by truncation (read again from the start).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub struct Tail {
    path: PathBuf,
    file: File,
    offset: u64,
    /// A line begun but not yet ended.
    carry: Vec<u8>,
}

/// What one look found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Complete lines, each ending in a newline.
    pub lines: Vec<u8>,
    /// Why reading started again from a file's start, if it did.
    pub restarted: Option<&'static str>,
}

/// How much one look reads at most, so that a burst is taken in pieces.
const MOST: u64 = 16 << 20;

#[cfg(unix)]
fn same_file(a: &std::fs::Metadata, b: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(_: &std::fs::Metadata, _: &std::fs::Metadata) -> bool {
    true
}

impl Tail {
    /// Follow `path` from its current end (what is there was read already).
    pub fn at_end(path: &Path) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let offset = file.metadata()?.len();
        Ok(Self { path: path.to_path_buf(), file, offset, carry: Vec::new() })
    }

    fn read_on(&mut self, out: &mut Vec<u8>) -> std::io::Result<()> {
        self.file.seek(SeekFrom::Start(self.offset))?;
        let n = (&mut self.file).take(MOST).read_to_end(out)?;
        self.offset += n as u64;
        Ok(())
    }

    /// The complete lines appended since the last look.
    pub fn poll(&mut self) -> std::io::Result<Appended> {
        let mut found = Appended::default();
        let mut bytes = std::mem::take(&mut self.carry);
        let now = self.file.metadata()?;
        if now.len() < self.offset {
            // Truncated in place (copytruncate): what is there now is new.
            self.offset = 0;
            bytes.clear();
            found.restarted = Some("the log was truncated; reading it again from its start");
        }
        self.read_on(&mut bytes)?;
        // Renamed away and a new file in its place: the old one is drained above.
        if let Ok(at_path) = std::fs::metadata(&self.path)
            && !same_file(&now, &at_path)
            && let Ok(file) = File::open(&self.path)
        {
            if !bytes.is_empty() && !bytes.ends_with(b"\n") {
                bytes.push(b'\n');
            }
            self.file = file;
            self.offset = 0;
            self.read_on(&mut bytes)?;
            found.restarted = Some("the log was rotated; following the new file");
        }
        let cut = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        self.carry = bytes.split_off(cut);
        found.lines = bytes;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new().append(true).create(true).open(path).unwrap_or_else(|e| panic!("{e}"));
        f.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn appends_partial_lines_truncation_and_rotation() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = dir.path().join("audit.log");
        append(&log, "old 1\nold 2\n");
        let mut tail = Tail::at_end(&log).unwrap_or_else(|e| panic!("{e}"));
        let poll = |t: &mut Tail| t.poll().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(poll(&mut tail), Appended::default(), "what was there is not read again");
        append(&log, "new 1\nnew 2 begun");
        assert_eq!(poll(&mut tail).lines, b"new 1\n");
        append(&log, " and ended\n");
        assert_eq!(poll(&mut tail).lines, b"new 2 begun and ended\n");
        // Rotation by rename: the last lines of the old file, then the new file.
        append(&log, "last of old\n");
        std::fs::rename(&log, dir.path().join("audit.log.1")).unwrap_or_else(|e| panic!("{e}"));
        append(&log, "first of new\n");
        let rotated = poll(&mut tail);
        assert_eq!(rotated.lines, b"last of old\nfirst of new\n");
        assert!(rotated.restarted.is_some_and(|r| r.contains("rotated")));
        // Truncation in place: read from the start again.
        std::fs::write(&log, "").unwrap_or_else(|e| panic!("{e}"));
        append(&log, "after\n");
        let truncated = poll(&mut tail);
        assert_eq!(truncated.lines, b"after\n");
        assert!(truncated.restarted.is_some_and(|r| r.contains("truncated")));
    }
}
