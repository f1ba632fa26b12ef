//! Searching the audit logs where they lie (`:grep` in the TUI): the case keeps
//! only its credentials' records in memory, and every other record stays
//! searchable on disk. A substring (ASCII case-insensitive) scanned with
//! `memchr::memmem` chunk by chunk, `.gz` inflated on the way, cancellable
//! between chunks; each matching line handed on with where it was.

use std::io::Read;
use std::path::{Path, PathBuf};

/// One matching line: `file:line` and its text (cut to [`MAX_TEXT`] bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub origin: String,
    pub text: String,
}

/// How far a search has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the files read so far (as they lie on disk) and in all.
    pub scanned: u64,
    pub total: u64,
    /// Every matching line, including those past the ones handed on.
    pub matched: usize,
    pub files: usize,
}

/// Text kept of a matching line: enough for a CloudTrail record's identity,
/// address and action; the rest is on disk at the origin given.
pub const MAX_TEXT: usize = 2000;

const CHUNK: usize = 4 << 20;

/// The files under the given audit paths (folders walked as `load` walks them).
pub fn files_of(paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            if let Ok((mut files, _)) = super::walk(p) {
                files.sort();
                out.extend(files);
            }
        } else {
            out.push(p.clone());
        }
    }
    out
}

/// Search `files` for `needle`; `found` gets each batch of hits (at most
/// `max_hits` in all) with the progress so far, and says whether to go on.
pub fn search(
    files: &[PathBuf],
    needle: &str,
    max_hits: usize,
    found: &mut dyn FnMut(Vec<Hit>, Progress) -> bool,
) -> Progress {
    let lowered: Vec<u8> = needle.bytes().map(|b| b.to_ascii_lowercase()).collect();
    let fold = needle.bytes().any(|b| b.is_ascii_alphabetic());
    let finder = memchr::memmem::Finder::new(&lowered);
    let mut progress = Progress {
        total: files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum(),
        ..Progress::default()
    };
    let mut handed = 0;
    for file in files {
        progress.files += 1;
        let go_on = search_file(file, &finder, fold, &mut |hits, scanned| {
            progress.scanned += scanned;
            progress.matched += hits.len();
            let room = max_hits.saturating_sub(handed);
            let hits: Vec<Hit> = hits.into_iter().take(room).collect();
            handed += hits.len();
            found(hits, progress)
        });
        if !go_on {
            break;
        }
    }
    progress
}

/// One file, chunk by chunk (a line cut by a chunk's end is carried over);
/// `false` once `found` said to stop.
fn search_file(
    path: &Path,
    finder: &memchr::memmem::Finder,
    fold: bool,
    found: &mut dyn FnMut(Vec<Hit>, u64) -> bool,
) -> bool {
    let Ok(file) = std::fs::File::open(path) else { return found(Vec::new(), 0) };
    let on_disk = file.metadata().map_or(0, |m| m.len());
    let mut head = [0u8; 2];
    let gzip = std::io::Read::read(&mut &file, &mut head).is_ok_and(|n| n == 2) && head == [0x1f, 0x8b];
    let Ok(file) = std::fs::File::open(path) else { return found(Vec::new(), 0) };
    let mut reader: Box<dyn Read> =
        if gzip { Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file))) } else { Box::new(file) };
    let display = path.display().to_string();
    let (mut buf, mut lowered) = (Vec::with_capacity(CHUNK), Vec::new());
    let mut line_no = 1usize;
    let mut reported = 0u64;
    loop {
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let n = reader.read(&mut buf[start..]).unwrap_or(0);
        buf.truncate(start + n);
        let at_end = n == 0;
        // Whole lines only, but the last piece of the file is a line too.
        let end = if at_end { buf.len() } else { memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1) };
        let hay: &[u8] = if fold {
            lowered.clear();
            lowered.extend(buf[..end].iter().map(u8::to_ascii_lowercase));
            &lowered
        } else {
            &buf[..end]
        };
        let mut hits = Vec::new();
        let (mut counted_to, mut last_line_start) = (0, usize::MAX);
        for at in finder.find_iter(hay) {
            let line_start = memchr::memrchr(b'\n', &buf[..at]).map_or(0, |i| i + 1);
            if line_start == last_line_start {
                continue; // one hit a line
            }
            last_line_start = line_start;
            line_no += memchr::memchr_iter(b'\n', &buf[counted_to..line_start]).count();
            counted_to = line_start;
            let line_end = memchr::memchr(b'\n', &buf[at..end]).map_or(end, |i| at + i);
            let line = &buf[line_start..line_end.min(line_start + MAX_TEXT)];
            hits.push(Hit { origin: format!("{display}:{line_no}"), text: String::from_utf8_lossy(line).into_owned() });
        }
        line_no += memchr::memchr_iter(b'\n', &buf[counted_to..end]).count();
        buf.drain(..end);
        // Bytes on disk: for a `.gz`, the share of the file read is not known
        // chunk by chunk, so the whole file counts once it is done.
        let scanned =
            if gzip { if at_end { on_disk } else { 0 } } else { (n as u64).min(on_disk.saturating_sub(reported)) };
        reported += scanned;
        if !found(hits, scanned) {
            return false;
        }
        if at_end {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_matching_line_is_found_with_its_line_number_across_chunks_and_gzip() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        // Lines long enough that the chunk boundary falls inside one of them.
        let mut text = String::new();
        for n in 0..20_000 {
            let ip = if n % 5000 == 4999 { "198.51.100.9" } else { "10.0.0.1" };
            text.push_str(&format!("{{\"n\":{n},\"sourceIPAddress\":\"{ip}\",\"pad\":\"{}\"}}\n", "x".repeat(300)));
        }
        let plain = dir.path().join("a.jsonl");
        std::fs::write(&plain, &text).unwrap_or_else(|e| panic!("{e}"));
        let gz = dir.path().join("b.json.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&gz, enc.finish().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        let files = files_of(&[dir.path().to_path_buf()]);
        let mut all = Vec::new();
        let done = search(&files, "198.51.100.9", 100, &mut |hits, _| {
            all.extend(hits);
            true
        });
        let origins: Vec<String> = all.iter().map(|h| h.origin.rsplit('/').next().unwrap_or("").to_string()).collect();
        let expect: Vec<String> = ["a.jsonl", "b.json.gz"]
            .iter()
            .flat_map(|f| [5000, 10000, 15000, 20000].map(|l| format!("{f}:{l}")))
            .collect();
        assert_eq!(origins, expect);
        assert!(all.iter().all(|h| h.text.contains("198.51.100.9") && h.text.starts_with('{')));
        assert_eq!((done.matched, done.files), (8, 2));
        assert_eq!(done.scanned, done.total, "every byte on disk counted");
        // ASCII case folded; a stop is honoured at once.
        let mut batches = 0;
        let stopped = search(&files, "SOURCEIPADDRESS\":\"198", 100, &mut |hits, _| {
            batches += usize::from(!hits.is_empty());
            false
        });
        assert_eq!(stopped.files, 1);
        assert!(batches <= 1);
        let capped = search(&files, "10.0.0.1", 3, &mut |_, _| true);
        assert_eq!(capped.matched, 2 * 19_996, "all counted though only 3 are handed on");
    }
}
