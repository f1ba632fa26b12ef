//! JSON-lines audit logs of any size, read as a stream in chunks that end on a
//! line boundary and parsed on worker threads: memory holds a few chunks and
//! what is kept of each record, never the file.

use std::io::Read;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use aho_corasick::AhoCorasick;

use super::fold::Fold;
use super::records_split::{Span, Splitter};
use crate::model::{Access, Evidence, Grant, InputSummary};

/// How much of the file each worker takes at a time.
pub const CHUNK: usize = 4 << 20;

/// Parses one line (without its newline) into an access, any grant it makes
/// and, for logs that write one request as several records, what pairs them.
pub type LineParser = fn(&[u8]) -> Result<LineRecord, String>;

/// One record as its line parser read it.
pub struct LineRecord {
    /// Boxed: a record passes through several hands, and an access is large.
    /// `None` for a record a counting parser only counted.
    pub access: Option<Box<Access>>,
    pub grant: Option<Grant>,
    pub pair: Option<Pair>,
}

impl LineRecord {
    pub fn single(access: Access, grant: Option<Grant>) -> Self {
        LineRecord { access: Some(Box::new(access)), grant, pair: None }
    }
}

/// Several records of one request (Vault's request and response, each stage
/// of a Kubernetes request) count once: the highest `rank` stands for them
/// (the later on a tie); `last` says no record of it can follow.
pub struct Pair {
    pub key: String,
    pub rank: u8,
    pub last: bool,
}

struct Chunk {
    index: usize,
    /// A buffer of the pool; `len` bytes of it hold whole lines.
    buffer: Vec<u8>,
    len: usize,
    /// The records of a `{"Records":[…]}` file in the buffer; none for JSON lines.
    spans: Vec<Span>,
}

/// How the records of a file are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// One record a line.
    Lines,
    /// CloudTrail's `{"Records":[…]}`, pretty-printed or on one line.
    Records,
}

/// What a wrapper file turned out to hold that stops it being read as one.
fn wrapper_fault(splitter: &Splitter) -> Option<(usize, String)> {
    match splitter.duplicate {
        Some((first, second)) => Some((
            second,
            format!(
                "a second top-level \"Records\" array (line {second}; the first is at line {first}): a JSON reader keeps one of them, and which one CloudTrail wrote cannot be told, so nothing from this file was used"
            ),
        )),
        _ => None,
    }
}

/// One record of a chunk, to be placed once the chunk's place is known.
pub(super) struct Item {
    /// The line within the chunk (0-based), or the file's own for a wrapper.
    pub line: usize,
    /// The record's place in a wrapper's array (0 for JSON lines).
    pub number: usize,
    /// The access where `keep` kept it.
    pub access: Option<Box<Access>>,
    pub grant: Option<Grant>,
    pub pair: Option<Pair>,
}

#[derive(Default)]
pub(super) struct Parsed {
    pub(super) index: usize,
    /// The chunk's buffer, handed back for reuse (fresh pages cost more than parsing).
    pub(super) buffer: Vec<u8>,
    pub(super) lines: usize,
    pub(super) records: usize,
    /// Of `records`, those the prefilter let by unparsed.
    pub(super) skipped: usize,
    /// Of `records`, those read whole that gave nothing to keep or pair: counted as relevant, not placed.
    pub(super) counted: usize,
    /// The records read, in order.
    pub(super) items: Vec<Item>,
    /// Rejections with their line within the chunk (0-based).
    pub(super) rejected: Vec<(usize, String)>,
    /// Lines are the file's own (1-based): the chunk held a wrapper's records.
    pub(super) absolute: bool,
    /// Lines (0-based, in the chunk) whose JSON came after other text.
    pub(super) prefixed: crate::ingest::framing::Prefixed,
}

/// What to read and how: one file's job for the reader.
pub struct Job<'a> {
    pub path: &'a str,
    pub parse: LineParser,
    pub framing: Framing,
    pub threads: usize,
    /// The longest line (or record) read.
    pub max_line: usize,
    /// How much each worker takes at a time (`CHUNK`; less in tests and fuzzing).
    pub chunk: usize,
    /// Which accesses are kept (grants and counts always are).
    pub keep: &'a (dyn Fn(&Access) -> bool + Sync),
    /// Records holding none of its needles are counted, not parsed (`ingest::prefilter`).
    pub prefilter: Option<Arc<AhoCorasick>>,
}

/// How reading ended, beyond the records themselves.
#[derive(Default)]
struct Ending {
    /// The input failed (a truncated gzip stream).
    read_error: Option<String>,
    /// A line or record past the limit stopped reading.
    too_long: Option<String>,
    /// Where a wrapper's structure broke, and a fault that voids the file.
    broken: Option<(usize, String)>,
    fault: Option<(usize, String)>,
}

/// Read every record of `reader`, in order. A read error (a truncated gzip
/// stream) or a broken wrapper ends the file with a rejection after what was
/// read.
pub fn read(reader: &mut dyn Read, job: &Job, summary: &mut InputSummary, evidence: &mut Evidence) {
    let threads = job.threads.max(1);
    let (chunks_tx, chunks_rx) = sync_channel::<Chunk>(threads * 2);
    let chunks_rx = Arc::new(Mutex::new(chunks_rx));
    let (results_tx, results_rx) = std::sync::mpsc::channel::<Parsed>();
    let (pool_tx, pool_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut ending = Ending::default();
    let mut fold = Fold::new(job.path);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (rx, tx) = (chunks_rx.clone(), results_tx.clone());
            scope.spawn(move || work(&rx, &tx, job.parse, job.keep, job.prefilter.as_deref()));
        }
        drop(results_tx);
        // Results come back as chunks are parsed: their buffers go back to the
        // pool, and they are taken in the file's order as soon as they can be.
        let fold = &mut fold;
        let collector = scope.spawn(move || {
            let mut waiting = std::collections::BTreeMap::new();
            let mut next = 0;
            for mut p in results_rx {
                let _ = pool_tx.send(std::mem::take(&mut p.buffer));
                waiting.insert(p.index, p);
                while let Some(p) = waiting.remove(&next) {
                    fold.take(p);
                    next += 1;
                }
            }
        });
        ending = match job.framing {
            Framing::Lines => produce_lines(reader, &chunks_tx, &pool_rx, job.max_line, job.chunk.max(1)),
            Framing::Records => produce_records(reader, &chunks_tx, &pool_rx, job.max_line, job.chunk.max(1)),
        };
        drop(chunks_tx);
        let _ = collector.join();
    });
    if let Some((line, why)) = ending.fault {
        summary.reject(line, why);
        return;
    }
    let line_base = fold.finish(summary, evidence);
    if let Some(e) = ending.read_error {
        summary.reject(line_base + 1, format!("input ends early ({e}); the records before it were read"));
    }
    if let Some(why) = ending.too_long {
        summary.reject(line_base + 1, why);
    }
    if let Some((line, why)) = ending.broken {
        summary.reject(line, format!("{why}; the records before it were read"));
    }
}

fn too_long(max_line: usize, what: &str) -> String {
    format!(
        "{what} longer than {} (--max-line): reading stopped here; the records before it were read",
        crate::ingest::limits::shown(max_line as u64)
    )
}

/// A buffer from the pool with room for `carry` and a whole chunk more, `carry` at its start.
fn next_buffer(pool: &Receiver<Vec<u8>>, carry: &[u8], chunk: usize) -> Vec<u8> {
    let mut buffer = pool.try_recv().unwrap_or_default();
    let needed = carry.len() + chunk;
    if buffer.len() < needed {
        buffer.resize(needed.max(2 * chunk), 0);
    }
    buffer[..carry.len()].copy_from_slice(carry);
    buffer
}

/// The next buffer: what was carried over, then as much more of the input as a
/// chunk holds; with where the new bytes start and where they end. A read
/// error ends the input (and is kept for the rejection).
fn refill(
    reader: &mut dyn Read,
    pool: &Receiver<Vec<u8>>,
    carry: &[u8],
    chunk: usize,
    ending: &mut Ending,
) -> (Vec<u8>, usize, usize) {
    let mut buffer = next_buffer(pool, carry, chunk);
    let start = carry.len();
    let n = fill(reader, &mut buffer[start..]).unwrap_or_else(|e| {
        ending.read_error = Some(e.to_string());
        0
    });
    (buffer, start, start + n)
}

/// JSON lines: chunks that end on a line boundary.
fn produce_lines(
    reader: &mut dyn Read,
    chunks: &std::sync::mpsc::SyncSender<Chunk>,
    pool: &Receiver<Vec<u8>>,
    max_line: usize,
    chunk: usize,
) -> Ending {
    let mut ending = Ending::default();
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0;
    loop {
        let (buffer, start, filled) = refill(reader, pool, &carry, chunk, &mut ending);
        let end_of_input = filled == start;
        let cut = if end_of_input { filled } else { memchr::memrchr(b'\n', &buffer[..filled]).map_or(0, |i| i + 1) };
        carry.clear();
        carry.extend_from_slice(&buffer[cut..filled]);
        // A line longer than the chunk: keep reading until it ends, up to the limit.
        if cut == 0 && !end_of_input {
            if carry.len() > max_line {
                ending.too_long = Some(too_long(max_line, "a line"));
                break;
            }
            continue;
        }
        if cut > 0 && chunks.send(Chunk { index, buffer, len: cut, spans: Vec::new() }).is_err() {
            break;
        }
        index += 1;
        if end_of_input {
            break;
        }
    }
    ending
}

/// A `{"Records":[…]}` file: chunks of whole records, cut by the splitter.
fn produce_records(
    reader: &mut dyn Read,
    chunks: &std::sync::mpsc::SyncSender<Chunk>,
    pool: &Receiver<Vec<u8>>,
    max_line: usize,
    chunk: usize,
) -> Ending {
    let mut ending = Ending::default();
    let mut splitter = Splitter::new();
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0;
    loop {
        let (buffer, scanned, filled) = refill(reader, pool, &carry, chunk, &mut ending);
        let mut spans = Vec::new();
        splitter.feed(&buffer[..filled], scanned, &mut spans);
        let end_of_input = filled == scanned;
        if end_of_input && ending.read_error.is_none() {
            splitter.finish();
        }
        let keep_from = splitter.pending().unwrap_or(filled);
        splitter.rebase(keep_from);
        carry.clear();
        carry.extend_from_slice(&buffer[keep_from..filled]);
        if !spans.is_empty() {
            if chunks.send(Chunk { index, buffer, len: filled, spans }).is_err() {
                break;
            }
            // Only chunks sent are numbered: the collector takes them in order,
            // and a number never sent held back every chunk after it.
            index += 1;
        }
        if carry.len() > max_line {
            ending.too_long = Some(too_long(max_line, "a record"));
            break;
        }
        if end_of_input || splitter.broken.is_some() {
            break;
        }
    }
    ending.broken = splitter.broken.take().filter(|_| ending.read_error.is_none());
    ending.fault = wrapper_fault(&splitter);
    ending
}

/// Read until the buffer is full or the input ends.
fn fill(reader: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match reader.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) if n > 0 => {
                // Hand over what was read; the error comes back on the next call.
                let _ = e;
                break;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn work(
    rx: &Mutex<Receiver<Chunk>>,
    tx: &std::sync::mpsc::Sender<Parsed>,
    parse: LineParser,
    keep: &(dyn Fn(&Access) -> bool + Sync),
    prefilter: Option<&AhoCorasick>,
) {
    loop {
        let chunk = match rx.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(chunk) = chunk else { return };
        let mut out = Parsed { index: chunk.index, absolute: !chunk.spans.is_empty(), ..Parsed::default() };
        let bytes = &chunk.buffer[..chunk.len];
        for span in &chunk.spans {
            // A record of a wrapper is named by its place in the array too.
            let named = |message: String| match span.number {
                0 => message,
                n => format!("record {n}: {message}"),
            };
            if let Some(fault) = &span.fault {
                out.rejected.push((span.line, named(fault.clone())));
                continue;
            }
            let record = &bytes[span.start..span.end];
            if prefilter.is_some_and(|p| !p.is_match(record)) {
                out.records += 1;
                out.skipped += 1;
                continue;
            }
            match parse(record) {
                Ok(r) => out.add(span.line, span.number, r, keep),
                Err(message) => out.rejected.push((span.line, named(message))),
            }
        }
        let bytes = if chunk.spans.is_empty() { bytes } else { &[][..] };
        match prefilter {
            Some(searcher) => read_candidates(bytes, searcher, parse, keep, &mut out),
            None => {
                let mut rest = bytes;
                let mut i = 0;
                while !rest.is_empty() {
                    let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
                    read_line(i, &rest[..end], parse, keep, &mut out);
                    rest = rest.get(end + 1..).unwrap_or_default();
                    i += 1;
                }
                out.lines = i;
            }
        }
        out.buffer = chunk.buffer;
        if tx.send(out).is_err() {
            return;
        }
    }
}

/// Only the lines the prefilter lets through are parsed; the others are
/// counted as records (they cannot concern the case, see `ingest::prefilter`).
fn read_candidates(
    bytes: &[u8],
    searcher: &AhoCorasick,
    parse: LineParser,
    keep: &(dyn Fn(&Access) -> bool + Sync),
    out: &mut Parsed,
) {
    let newlines = |b: &[u8]| memchr::memchr_iter(b'\n', b).count();
    let lines = newlines(bytes) + usize::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
    let candidates = crate::ingest::prefilter::candidate_lines(searcher, bytes);
    out.records += lines - candidates.len();
    out.skipped += lines - candidates.len();
    let (mut line, mut counted_to) = (0, 0);
    for (start, end) in candidates {
        line += newlines(&bytes[counted_to..start]);
        counted_to = start;
        read_line(line, &bytes[start..end], parse, keep, out);
    }
    out.lines = lines;
}

/// Line `i` of a chunk (0-based), without its newline, read into `out`.
fn read_line(i: usize, line: &[u8], parse: LineParser, keep: &(dyn Fn(&Access) -> bool + Sync), out: &mut Parsed) {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let body = if line.first() == Some(&b'{') {
        Some(line)
    } else if line.iter().all(u8::is_ascii_whitespace) {
        return;
    } else {
        // An optional prefix before the JSON (Vault's `prefix` option).
        memchr::memchr(b'{', line).map(|brace| {
            out.prefixed.add(i);
            &line[brace..]
        })
    };
    let Some(body) = body else {
        out.rejected.push((i, "not JSON".to_string()));
        return;
    };
    match parse(body) {
        Ok(r) => out.add(i, 0, r, keep),
        Err(message) => match wrapped(body) {
            // A `{"Records":[…]}` line among JSON lines: its records are read, each named.
            Some(spans) => {
                for span in spans {
                    let result = match &span.fault {
                        Some(fault) => Err(fault.clone()),
                        None => parse(&body[span.start..span.end]),
                    };
                    match result {
                        Ok(r) => out.add(i, span.number, r, keep),
                        Err(message) if span.number > 0 => {
                            out.rejected.push((i, format!("record {}: {message}", span.number)));
                        }
                        Err(message) => out.rejected.push((i, message)),
                    }
                }
            }
            None => out.rejected.push((i, message)),
        },
    }
}

/// The records of a line that is a whole `{"Records":[…]}` wrapper; `None`
/// for any other line.
fn wrapped(line: &[u8]) -> Option<Vec<Span>> {
    let mut splitter = Splitter::new();
    let mut spans = Vec::new();
    splitter.feed(line, 0, &mut spans);
    splitter.finish();
    (splitter.wrappers > 0 && splitter.broken.is_none()).then_some(spans)
}

impl Parsed {
    /// A record read: placed where something of it is kept or paired, else only counted.
    fn add(&mut self, line: usize, number: usize, r: LineRecord, keep: &(dyn Fn(&Access) -> bool + Sync)) {
        self.records += 1;
        let access = r.access.filter(|a| keep(a));
        if access.is_none() && r.grant.is_none() && r.pair.is_none() {
            self.counted += 1;
            return;
        }
        self.items.push(Item { line, number, access, grant: r.grant, pair: r.pair });
    }
}
