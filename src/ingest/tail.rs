//! Following a log as it grows (`open --follow`): the complete lines appended
//! since the last look, through rotation by rename (the old file is read to its
//! end, then the new one from its start) and by truncation (read again from the start).
//! A line is held until it ends, up to `--max-line`: one longer is skipped to
//! its end and counted, so a writer that never ends a line costs that, not
//! everything it writes (480 MB without a newline grew `open --follow` to 957 MB).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

pub struct Tail {
    path: PathBuf,
    file: File,
    offset: u64,
    /// A line begun but not yet ended.
    carry: Vec<u8>,
    /// The longest line held (`--max-line`).
    max_line: usize,
    /// A line past `max_line` is being skipped to its end.
    skipping: bool,
}

/// What one look found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Complete lines, each ending in a newline.
    pub lines: Vec<u8>,
    /// Why reading started again from a file's start, if it did.
    pub restarted: Option<&'static str>,
    /// Lines longer than `--max-line` found (and skipped) in this look.
    pub overlong: usize,
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
    /// Follow `path` from its current end (what is there was read already),
    /// holding lines of at most `max_line` bytes.
    pub fn at_end(path: &Path, max_line: usize) -> std::io::Result<Self> {
        let file = File::open(path)?;
        let offset = file.metadata()?.len();
        Ok(Self { path: path.to_path_buf(), file, offset, carry: Vec::new(), max_line, skipping: false })
    }

    /// Bytes held of a line not yet ended.
    pub fn held(&self) -> usize {
        self.carry.len()
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
            self.skipping = false;
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
        if self.skipping {
            // The rest of an overlong line, up to its end.
            match memchr::memchr(b'\n', &bytes) {
                Some(end) => {
                    bytes.drain(..=end);
                    self.skipping = false;
                }
                None => bytes.clear(),
            }
        }
        let cut = memchr::memrchr(b'\n', &bytes).map_or(0, |i| i + 1);
        self.carry = bytes.split_off(cut);
        if self.carry.len() > self.max_line {
            self.carry = Vec::new();
            self.skipping = true;
            found.overlong += 1;
        }
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
        let mut tail = Tail::at_end(&log, 1 << 20).unwrap_or_else(|e| panic!("{e}"));
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

    #[test]
    fn a_line_that_never_ends_is_held_up_to_max_line_then_skipped_to_its_end() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let log = dir.path().join("audit.log");
        append(&log, "");
        let mut tail = Tail::at_end(&log, 1000).unwrap_or_else(|e| panic!("{e}"));
        let poll = |t: &mut Tail| t.poll().unwrap_or_else(|e| panic!("{e}"));
        append(&log, &"x".repeat(600));
        assert_eq!(poll(&mut tail), Appended::default(), "a short partial line waits");
        let mut overlong = 0;
        for _ in 0..50 {
            append(&log, &"x".repeat(700));
            let found = poll(&mut tail);
            assert!(found.lines.is_empty() && tail.carry.len() <= 1000, "{}", tail.carry.len());
            overlong += found.overlong;
        }
        assert_eq!(overlong, 1, "one line, said once");
        append(&log, "end of the long line\nnext\n");
        let found = poll(&mut tail);
        assert_eq!(found.lines, b"next\n", "what follows the overlong line is read");
        assert!(!tail.skipping);
        append(&log, &format!("{}\nshort\n", "y".repeat(1500)));
        let found = poll(&mut tail);
        assert_eq!(
            found.lines,
            format!("{}\nshort\n", "y".repeat(1500)).as_bytes(),
            "a whole line goes to the parser, which bounds it"
        );
    }
}
