//! JSON-lines audit logs of any size, read as a stream in chunks that end on a
//! line boundary and parsed on worker threads: memory holds a few chunks and
//! what is kept of each record, never the file.

use std::io::Read;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

use super::records_split::{Span, Splitter};
use crate::model::{Access, Evidence, Grant, InputSummary};

/// How much of the file each worker takes at a time.
const CHUNK: usize = 4 << 20;

/// Parses one line (without its newline) into an access and any grant it makes.
pub type LineParser = fn(&[u8]) -> Result<(Access, Option<Grant>), String>;

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

#[derive(Default)]
struct Parsed {
    index: usize,
    /// The chunk's buffer, handed back for reuse (fresh pages cost more than parsing).
    buffer: Vec<u8>,
    lines: usize,
    records: usize,
    /// With their line within the chunk (0-based), to name them once the chunk's place is known.
    /// And the record's place in a wrapper's array (0 for JSON lines).
    accesses: Vec<(usize, usize, Access)>,
    grants: Vec<(usize, Grant)>,
    /// Rejections with their line within the chunk (0-based).
    rejected: Vec<(usize, String)>,
    /// Lines are the file's own (1-based): the chunk held a wrapper's records.
    absolute: bool,
    /// Lines (0-based, in the chunk) whose JSON came after other text.
    prefixed: crate::ingest::framing::Prefixed,
}

/// What to read and how: one file's job for the reader.
pub struct Job<'a> {
    pub path: &'a str,
    pub parse: LineParser,
    pub framing: Framing,
    pub threads: usize,
    /// The longest line (or record) read.
    pub max_line: usize,
    /// Which accesses are kept (grants and counts always are).
    pub keep: &'a (dyn Fn(&Access) -> bool + Sync),
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
    let mut parsed: Vec<Parsed> = Vec::new();
    let mut ending = Ending::default();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (rx, tx) = (chunks_rx.clone(), results_tx.clone());
            scope.spawn(move || work(&rx, &tx, job.parse, job.keep));
        }
        drop(results_tx);
        // Results come back as chunks are parsed: their buffers go back to the pool.
        let collector = scope.spawn(move || {
            let mut out = Vec::new();
            for mut p in results_rx {
                let _ = pool_tx.send(std::mem::take(&mut p.buffer));
                out.push(p);
            }
            out
        });
        ending = match job.framing {
            Framing::Lines => produce_lines(reader, &chunks_tx, &pool_rx, job.max_line),
            Framing::Records => produce_records(reader, &chunks_tx, &pool_rx, job.max_line),
        };
        drop(chunks_tx);
        parsed = collector.join().unwrap_or_default();
    });
    if let Some((line, why)) = ending.fault {
        summary.reject(line, why);
        return;
    }
    parsed.sort_by_key(|p| p.index);
    let path = job.path;
    let mut line_base = 0;
    let mut prefixed = crate::ingest::framing::Prefixed::default();
    for p in parsed {
        if let Some(first) = p.prefixed.first {
            prefixed.count += p.prefixed.count;
            prefixed.first = prefixed.first.or(Some(line_base + first + 1));
        }
        summary.records += p.records;
        summary.relevant += p.records;
        let at = |i: usize| if p.absolute { i } else { line_base + i + 1 };
        for (line, message) in p.rejected {
            summary.reject(at(line), message);
        }
        let origin = |i: usize| format!("{path}:{}", at(i));
        evidence.accesses.extend(p.accesses.into_iter().map(|(i, number, mut a)| {
            a.origin = origin(i);
            if a.event_id.is_empty() {
                // One line of a wrapper holds many records: the place tells them apart.
                a.event_id = if number > 0 { format!("{}#{number}", a.origin) } else { a.origin.clone() };
            }
            a
        }));
        evidence.grants.extend(p.grants.into_iter().map(|(i, mut g)| {
            g.origin = origin(i);
            g
        }));
        line_base += p.lines;
    }
    summary.notes.extend(prefixed.note());
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
fn next_buffer(pool: &Receiver<Vec<u8>>, carry: &[u8]) -> Vec<u8> {
    let mut buffer = pool.try_recv().unwrap_or_default();
    let needed = carry.len() + CHUNK;
    if buffer.len() < needed {
        buffer.resize(needed.max(2 * CHUNK), 0);
    }
    buffer[..carry.len()].copy_from_slice(carry);
    buffer
}

/// JSON lines: chunks that end on a line boundary.
fn produce_lines(
    reader: &mut dyn Read,
    chunks: &std::sync::mpsc::SyncSender<Chunk>,
    pool: &Receiver<Vec<u8>>,
    max_line: usize,
) -> Ending {
    let mut ending = Ending::default();
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0;
    loop {
        let mut buffer = next_buffer(pool, &carry);
        let start = carry.len();
        let n = fill(reader, &mut buffer[start..]).unwrap_or_else(|e| {
            ending.read_error = Some(e.to_string());
            0
        });
        let filled = start + n;
        let end_of_input = n == 0;
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
) -> Ending {
    let mut ending = Ending::default();
    let mut splitter = Splitter::new();
    let mut carry: Vec<u8> = Vec::new();
    let mut index = 0;
    loop {
        let mut buffer = next_buffer(pool, &carry);
        let scanned = carry.len();
        let n = fill(reader, &mut buffer[scanned..]).unwrap_or_else(|e| {
            ending.read_error = Some(e.to_string());
            0
        });
        let filled = scanned + n;
        let mut spans = Vec::new();
        splitter.feed(&buffer[..filled], scanned, &mut spans);
        let end_of_input = n == 0;
        if end_of_input && ending.read_error.is_none() {
            splitter.finish();
        }
        let keep_from = splitter.pending().unwrap_or(filled);
        splitter.rebase(keep_from);
        carry.clear();
        carry.extend_from_slice(&buffer[keep_from..filled]);
        if !spans.is_empty() && chunks.send(Chunk { index, buffer, len: filled, spans }).is_err() {
            break;
        }
        index += 1;
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
            match parse(&bytes[span.start..span.end]) {
                Ok((access, grant)) => {
                    out.records += 1;
                    if keep(&access) {
                        out.accesses.push((span.line, span.number, access));
                    }
                    out.grants.extend(grant.map(|g| (span.line, g)));
                }
                Err(message) => out.rejected.push((span.line, format!("record {}: {message}", span.number))),
            }
        }
        let bytes = if chunk.spans.is_empty() { bytes } else { &[][..] };
        let mut rest = bytes;
        let mut i = 0;
        while !rest.is_empty() {
            let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
            let line = &rest[..end];
            rest = rest.get(end + 1..).unwrap_or_default();
            i += 1;
            let i = i - 1;
            out.lines = i + 1;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let body = if line.first() == Some(&b'{') {
                Some(line)
            } else if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            } else {
                // An optional prefix before the JSON (Vault's `prefix` option).
                memchr::memchr(b'{', line).map(|brace| {
                    out.prefixed.add(i);
                    &line[brace..]
                })
            };
            let body = match body {
                Some(body) => body,
                None => {
                    out.rejected.push((i, "not JSON".to_string()));
                    continue;
                }
            };
            match parse(body) {
                Ok((access, grant)) => {
                    out.records += 1;
                    if keep(&access) {
                        out.accesses.push((i, 0, access));
                    }
                    out.grants.extend(grant.map(|g| (i, g)));
                }
                Err(message) => out.rejected.push((i, message)),
            }
        }
        out.buffer = chunk.buffer;
        if tx.send(out).is_err() {
            return;
        }
    }
}
