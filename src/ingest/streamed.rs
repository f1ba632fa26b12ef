//! Audit logs read as a stream: telling a streamable log from its first bytes,
//! reading it in chunks on every core, and the lines appended to a followed log.

use std::path::Path;

use serde_json::Value;

use super::{IngestError, ReadOptions, audit, cancel, sniff_record};
use crate::model::{Evidence, InputSummary, SourceKind};

/// The audit records in complete JSON `lines` appended to a log being followed,
/// read as the log itself was (`kind` as its first read found it), and how many
/// records and rejections they held.
pub fn parse_appended(
    kind: SourceKind,
    display: &str,
    lines: &[u8],
    options: &ReadOptions,
) -> Option<(Evidence, usize, usize)> {
    let parse = audit::line_parser(kind)?;
    let mut summary = InputSummary::new(kind, display);
    let mut evidence = Evidence::default();
    let job = audit::stream::Job {
        path: display,
        parse,
        framing: audit::stream::Framing::Lines,
        threads: 1,
        max_line: options.limits.max_line,
        chunk: lines.len().clamp(64 << 10, audit::stream::CHUNK),
        keep: &|a| options.keeps(a),
        prefilter: options.searcher(kind),
    };
    audit::stream::read(&mut &lines[..], &job, &mut summary, &mut evidence);
    Some((evidence, summary.records, summary.rejected))
}

/// What streaming made of a file: its evidence, or not a streamable log —
/// with, for a pipe (which cannot be read twice), every byte it gave, capped,
/// and the digest of those bytes as the pipe gave them.
pub(super) enum Streamed {
    Read(Box<Evidence>),
    Not(Option<(Vec<u8>, Option<String>)>),
}

/// Audit logs of a kind with a line parser are streamed — JSON lines, and
/// CloudTrail's `{"Records":[…]}` files — never held whole in memory, parsed on
/// every core. `Streamed::Not` when the file is neither.
pub(super) fn stream_audit(
    path: &Path,
    display: &str,
    forced: Option<SourceKind>,
    options: &ReadOptions,
) -> Result<Streamed, IngestError> {
    use std::io::Read;
    /// Enough to hold the first record of any real log.
    const HEAD: u64 = 1 << 20;
    let read_error = |source| IngestError::Read { path: display.to_string(), source };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let meta = file.metadata().ok();
    let pipe = meta.as_ref().is_some_and(|m| !m.is_file());
    let on_disk = meta.as_ref().map_or(u64::MAX, std::fs::Metadata::len);
    // A read that takes no digest (`check`'s text) neither looks one up nor reads the file's ends for it.
    let book = options.digests.as_ref().filter(|_| !options.skip_digest);
    let identity = book.and(meta.as_ref()).and_then(|m| super::fingerprint::identity(path, m));
    let earlier = book.zip(identity.as_ref()).and_then(|(book, id)| book.earlier(id)).cloned();
    let hashing = !options.skip_digest && earlier.is_none();
    let (mut file, running) =
        if hashing { super::digest::Hashing::new(file) } else { super::digest::Hashing::off(file) };
    let mut raw = Vec::new();
    (&mut file).take(1 << 16).read_to_end(&mut raw).map_err(read_error)?;
    let gzip = raw.starts_with(&[0x1f, 0x8b]);
    // Plain files are read straight into the chunk buffers: no buffered copy between.
    let (head, reader): (Vec<u8>, Box<dyn Read + Send>) = if gzip {
        let mut decoder = flate2::read::MultiGzDecoder::new(std::io::Cursor::new(raw).chain(file));
        let mut head = Vec::new();
        if (&mut decoder).take(HEAD).read_to_end(&mut head).is_err() && head.is_empty() {
            return Ok(Streamed::Not(None));
        }
        (head, Box::new(decoder))
    } else {
        (&mut file).take(HEAD - raw.len() as u64).read_to_end(&mut raw).map_err(read_error)?;
        (raw, Box::new(file))
    };
    let not_streamed = |mut head: Vec<u8>, reader: Box<dyn Read + Send>| -> Result<Streamed, IngestError> {
        if !pipe {
            return Ok(Streamed::Not(None));
        }
        let room = options.limits.max_input.saturating_add(1).saturating_sub(head.len() as u64);
        reader.take(room).read_to_end(&mut head).map_err(read_error)?;
        Ok(Streamed::Not(Some((head, running.finished()))))
    };
    let (mut head, mut reader) = (head, reader);
    let mut ended = (head.len() as u64) < HEAD;
    let mut told = stream_framing(&head, forced, ended);
    // A first record longer than the head (a 2 MiB CloudTrail line) is read on,
    // up to the longest line allowed, rather than the file read whole.
    while told == Told::More && head.len() < options.limits.max_line {
        let room = (head.len().max(1) as u64).min((options.limits.max_line - head.len()) as u64);
        // A read error ends the head; reading the file on meets it again and says so.
        ended = (&mut reader).take(room).read_to_end(&mut head).map_or(true, |n| (n as u64) < room);
        told = stream_framing(&head, forced, ended);
    }
    let Told::Streamed(kind, framing) = told else { return not_streamed(head, reader) };
    let parser = if options.drop_accesses { audit::counting_parser } else { audit::line_parser };
    let Some(parse) = parser(kind) else { return not_streamed(head, reader) };
    let mut summary = InputSummary::new(kind, display);
    let mut evidence = Evidence::default();
    // As many workers as cores: the reading thread mostly waits on the disk, and
    // the digest's thread takes a core's share of its own (one worker more was
    // 10–15% slower on two cores once the digest moved off the reading thread). A
    // small file (a CloudTrail bucket holds thousands) is one chunk for one worker:
    // no buffer larger than it, no threads it cannot use.
    let expected = if gzip { on_disk.saturating_mul(16) } else { on_disk };
    let chunk = usize::try_from(expected).unwrap_or(usize::MAX).saturating_add(1).clamp(64 << 10, audit::stream::CHUNK);
    let threads = if chunk < audit::stream::CHUNK {
        1
    } else {
        std::thread::available_parallelism().map_or(1, usize::from).min(4)
    };
    let mut input = cancel::Cancellable::new(std::io::Cursor::new(head).chain(reader), options.cancel.clone());
    let job = audit::stream::Job {
        path: display,
        parse,
        framing,
        threads,
        max_line: options.limits.max_line,
        chunk,
        keep: &|a| options.keeps(a),
        prefilter: options.searcher(kind),
    };
    audit::stream::read(&mut input, &job, &mut summary, &mut evidence);
    if hashing && running.finished().is_none() && !options.cancel.requested() {
        // A read that stopped at a broken record still names the whole file's bytes.
        let _ = std::io::copy(&mut input, &mut std::io::sink());
    }
    summary.sha256 = running.finished();
    match (earlier, book, identity) {
        (Some(earlier), ..) if !options.cancel.requested() => {
            summary.notes.push(format!(
                "SHA-256 as this case's read of {} took it: the file is unchanged since (same inode, size, modification and change times, first and last 64 KiB)",
                earlier.at
            ));
            summary.sha256 = Some(earlier.sha256);
        }
        // Kept only for a file that did not change while it was read (a live log grows).
        (None, Some(book), Some(before)) => {
            let after = std::fs::metadata(path).ok().and_then(|m| super::fingerprint::identity(path, &m));
            if let (Some(sha256), true) = (&summary.sha256, after.as_ref() == Some(&before)) {
                book.learn(before, sha256.clone());
            }
        }
        _ => {}
    }
    evidence.inputs.push(summary);
    Ok(Streamed::Read(Box::new(evidence)))
}

/// What a log's first bytes tell of it.
#[derive(Debug, PartialEq, Eq)]
enum Told {
    /// Streamed, of this kind and layout.
    Streamed(SourceKind, audit::stream::Framing),
    /// Not a streamable log: read whole.
    Not,
    /// Its first record has not ended yet: more bytes are needed to tell.
    More,
}

/// The kind and layout of a streamable audit log, told from its first bytes
/// (`ended`: they are all there is): a `{"Records":[…]}` wrapper whose first
/// record is CloudTrail's, or JSON lines whose first line that reads is a
/// record of a kind with a line parser. A line that does not read decides
/// nothing (the reader rejects it at its line), wherever it stands.
fn stream_framing(head: &[u8], forced: Option<SourceKind>, ended: bool) -> Told {
    use audit::stream::Framing;
    let mut splitter = audit::records_split::Splitter::new();
    let mut spans = Vec::new();
    splitter.feed(head, 0, &mut spans);
    if splitter.wrappers > 0 {
        // The first record that reads tells the kind, a wrapper's or one of its own.
        let sniffed = spans
            .iter()
            .filter(|s| s.fault.is_none())
            .find_map(|s| serde_json::from_slice::<Value>(&head[s.start..s.end]).ok().and_then(|v| sniff_record(&v)));
        if sniffed.is_none() && forced.is_none() && splitter.pending().is_some() && splitter.broken.is_none() && !ended
        {
            return Told::More;
        }
        return match forced.or(sniffed) {
            Some(SourceKind::Cloudtrail) => Told::Streamed(SourceKind::Cloudtrail, Framing::Records),
            _ => Told::Not,
        };
    }
    // A JSON array is read whole, whatever its lines look like.
    if head.iter().find(|b| !b.is_ascii_whitespace() && !matches!(b, 0xEF | 0xBB | 0xBF)) == Some(&b'[') {
        return Told::Not;
    }
    let mut lines = head.split_inclusive(|b| *b == b'\n').peekable();
    while let Some(line) = lines.next() {
        let last = lines.peek().is_none();
        if last && !line.ends_with(b"\n") && !ended {
            // A first line longer than what was read so far: read on.
            return if spans.is_empty() && !head.contains(&b'\n') { Told::More } else { Told::Not };
        }
        // A pretty-printed record's inner lines are indented: they tell nothing.
        if line.first().is_none_or(u8::is_ascii_whitespace) {
            continue;
        }
        // Vault's `prefix` option writes text before each line's JSON.
        let Some(brace) = memchr::memchr(b'{', line) else { continue };
        let Ok(Value::Object(first)) = serde_json::from_slice::<Value>(&line[brace..]) else { continue };
        return match forced.or_else(|| sniff_record(&Value::Object(first))).filter(|k| SourceKind::AUDIT.contains(k)) {
            Some(kind) => Told::Streamed(kind, Framing::Lines),
            None => Told::Not,
        };
    }
    Told::Not
}
