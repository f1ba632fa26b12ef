//! JSON-lines audit logs of any size, read as a stream in chunks that end on a
//! line boundary and parsed on worker threads: memory holds a few chunks and
//! what is kept of each record, never the file.

use std::io::Read;
use std::sync::mpsc::{Receiver, sync_channel};
use std::sync::{Arc, Mutex};

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
}

#[derive(Default)]
struct Parsed {
    index: usize,
    /// The chunk's buffer, handed back for reuse (fresh pages cost more than parsing).
    buffer: Vec<u8>,
    lines: usize,
    records: usize,
    /// With their line within the chunk (0-based), to name them once the chunk's place is known.
    accesses: Vec<(usize, Access)>,
    grants: Vec<(usize, Grant)>,
    /// Rejections with their line within the chunk (0-based).
    rejected: Vec<(usize, String)>,
}

/// Read every line of `reader`, in order; keep the accesses `keep` accepts
/// (grants and counts are always kept). A read error (a truncated gzip
/// stream) ends the file with a rejection after what was read.
#[allow(clippy::too_many_arguments)] // one call site; a struct would only rename them
pub fn read(
    reader: &mut dyn Read,
    path: &str,
    parse: LineParser,
    threads: usize,
    max_line: usize,
    keep: &(dyn Fn(&Access) -> bool + Sync),
    summary: &mut InputSummary,
    evidence: &mut Evidence,
) {
    let threads = threads.max(1);
    let (chunks_tx, chunks_rx) = sync_channel::<Chunk>(threads * 2);
    let chunks_rx = Arc::new(Mutex::new(chunks_rx));
    let (results_tx, results_rx) = std::sync::mpsc::channel::<Parsed>();
    let (pool_tx, pool_rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let mut read_error: Option<String> = None;
    let mut too_long: Option<String> = None;
    let mut parsed: Vec<Parsed> = Vec::new();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (rx, tx) = (chunks_rx.clone(), results_tx.clone());
            scope.spawn(move || work(&rx, &tx, parse, keep));
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
        let mut carry: Vec<u8> = Vec::new();
        let mut index = 0;
        loop {
            let mut buffer = pool_rx.try_recv().unwrap_or_default();
            // Room for what the last chunk left over and a whole chunk more.
            let needed = carry.len() + CHUNK;
            if buffer.len() < needed {
                buffer.resize(needed.max(2 * CHUNK), 0);
            }
            buffer[..carry.len()].copy_from_slice(&carry);
            let start = carry.len();
            let n = match fill(reader, &mut buffer[start..]) {
                Ok(n) => n,
                Err(e) => {
                    read_error = Some(e.to_string());
                    0
                }
            };
            let filled = start + n;
            let end_of_input = n == 0;
            let cut =
                if end_of_input { filled } else { memchr::memrchr(b'\n', &buffer[..filled]).map_or(0, |i| i + 1) };
            carry.clear();
            carry.extend_from_slice(&buffer[cut..filled]);
            // A line longer than the chunk: keep reading until it ends, up to the limit.
            if cut == 0 && !end_of_input {
                if carry.len() > max_line {
                    too_long = Some(format!(
                        "a line longer than {} (--max-line): reading stopped here; the records before it were read",
                        crate::ingest::limits::shown(max_line as u64)
                    ));
                    break;
                }
                continue;
            }
            if cut > 0 && chunks_tx.send(Chunk { index, buffer, len: cut }).is_err() {
                break;
            }
            index += 1;
            if end_of_input {
                break;
            }
        }
        drop(chunks_tx);
        parsed = collector.join().unwrap_or_default();
    });
    parsed.sort_by_key(|p| p.index);
    let mut line_base = 0;
    for p in parsed {
        summary.records += p.records;
        summary.relevant += p.records;
        for (line, message) in p.rejected {
            summary.reject(line_base + line + 1, message);
        }
        let origin = |i: usize| format!("{path}:{}", line_base + i + 1);
        evidence.accesses.extend(p.accesses.into_iter().map(|(i, mut a)| {
            a.origin = origin(i);
            if a.event_id.is_empty() {
                a.event_id.clone_from(&a.origin);
            }
            a
        }));
        evidence.grants.extend(p.grants.into_iter().map(|(i, mut g)| {
            g.origin = origin(i);
            g
        }));
        line_base += p.lines;
    }
    if let Some(e) = read_error {
        summary.reject(line_base + 1, format!("input ends early ({e}); the records before it were read"));
    }
    if let Some(why) = too_long {
        summary.reject(line_base + 1, why);
    }
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
        let mut out = Parsed { index: chunk.index, ..Parsed::default() };
        let bytes = &chunk.buffer[..chunk.len];
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
                memchr::memchr(b'{', line).map(|brace| &line[brace..])
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
                        out.accesses.push((i, access));
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
