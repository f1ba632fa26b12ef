//! The SHA-256 of each input's bytes as they are read (the compressed bytes of
//! a `.gz`), so the report can say exactly what it was made from without a
//! second pass over a large trail.

use std::collections::HashMap;
use std::io::Read;
use std::sync::mpsc::{Receiver, SyncSender, channel, sync_channel};
use std::sync::{Arc, Condvar, Mutex};

use sha2::{Digest, Sha256};

/// The running hash of what a [`Hashing`] reader has given so far, readable
/// after the reader itself was moved into a pipeline of other readers.
#[derive(Clone, Default)]
pub struct Running(Arc<(Mutex<State>, Condvar)>);

#[derive(Default)]
struct State {
    /// The reader met the end of its input: a digest is coming.
    at_end: bool,
    /// The hasher's digest of everything up to that end.
    digest: Option<String>,
}

impl Running {
    /// The hex digest, once the reader reached the end of its input (waiting for
    /// the hasher to catch up); `None` for a read that stopped early
    /// (cancelled, cut at a limit).
    pub fn finished(&self) -> Option<String> {
        let (lock, ready) = &*self.0;
        let mut state = lock.lock().ok()?;
        if !state.at_end {
            return None;
        }
        while state.digest.is_none() {
            state = ready.wait(state).ok()?;
        }
        state.digest.clone()
    }
}

/// What the reader hands the hasher: bytes read, then the end.
enum Piece {
    Bytes(Vec<u8>),
    End,
}

/// A reader that hashes every byte it passes on. The hashing runs on a thread
/// of its own (SHA-256 of a large trail costs as much as reading it), fed
/// copies of what was read through a short queue of recycled buffers.
pub struct Hashing<R> {
    inner: R,
    running: Running,
    pieces: Option<SyncSender<Piece>>,
    spare: Receiver<Vec<u8>>,
}

impl<R> Hashing<R> {
    pub fn new(inner: R) -> (Self, Running) {
        let running = Running::default();
        let (pieces, queue) = sync_channel::<Piece>(4);
        let (give_back, spare) = channel::<Vec<u8>>();
        let shared = running.clone();
        std::thread::spawn(move || {
            let mut hasher = Sha256::new();
            for piece in queue {
                match piece {
                    Piece::Bytes(bytes) => {
                        hasher.update(&bytes);
                        let _ = give_back.send(bytes);
                    }
                    Piece::End => {
                        let (lock, ready) = &*shared.0;
                        if let Ok(mut state) = lock.lock() {
                            state.digest = Some(hex(&hasher.clone().finalize()));
                        }
                        ready.notify_all();
                        return;
                    }
                }
            }
        });
        (Self { inner, running: running.clone(), pieces: Some(pieces), spare }, running)
    }

    /// A reader that hashes nothing: its digest is known already, or not wanted.
    pub fn off(inner: R) -> (Self, Running) {
        let running = Running::default();
        let (_, spare) = channel::<Vec<u8>>();
        (Self { inner, running: running.clone(), pieces: None, spare }, running)
    }
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let Some(pieces) = &self.pieces else { return Ok(n) };
        if n == 0 && !buf.is_empty() {
            if let Ok(mut state) = self.running.0.0.lock() {
                state.at_end = true;
            }
            let _ = pieces.send(Piece::End);
            self.pieces = None;
        } else if n > 0 {
            let mut copy = self.spare.try_recv().unwrap_or_default();
            copy.clear();
            copy.extend_from_slice(&buf[..n]);
            let _ = pieces.send(Piece::Bytes(copy));
        }
        Ok(n)
    }
}

/// A digest a run took of a whole file, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Earlier {
    pub sha256: String,
    pub at: String,
}

/// The digests the case store holds of files read whole before, by each
/// file's identity (`fingerprint::identity`): a trail unchanged since a run
/// hashed it is not hashed again (SHA-256 costs more than every other part of
/// a prefiltered read). What a read learns is handed back to the store.
#[derive(Debug, Default)]
pub struct Book {
    known: HashMap<String, Earlier>,
    learned: Mutex<Vec<(String, String)>>,
}

impl Book {
    pub fn new(known: impl IntoIterator<Item = (String, Earlier)>) -> Self {
        Self { known: known.into_iter().collect(), learned: Mutex::default() }
    }

    pub fn earlier(&self, identity: &str) -> Option<&Earlier> {
        self.known.get(identity)
    }

    /// A file whose identity held from before its read to after it had these bytes.
    pub fn learn(&self, identity: String, sha256: String) {
        if let Ok(mut learned) = self.learned.lock() {
            learned.push((identity, sha256));
        }
    }

    /// What was learned since the last call.
    pub fn take_learned(&self) -> Vec<(String, String)> {
        self.learned.lock().map(|mut l| std::mem::take(&mut *l)).unwrap_or_default()
    }
}

/// The hex SHA-256 of bytes held whole.
pub fn of_bytes(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// The hex SHA-256 of everything a reader gives.
pub fn of_reader(mut reader: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match reader.read(&mut buf)? {
            0 => return Ok(hex(&hasher.finalize())),
            n => hasher.update(&buf[..n]),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_read_to_its_end_has_the_digest_of_its_bytes() {
        let data = b"{\"a\":1}\n{\"b\":2}\n".repeat(1000);
        let (mut reader, running) = Hashing::new(&data[..]);
        let mut buf = [0u8; 777];
        assert_eq!(running.finished(), None);
        while reader.read(&mut buf).unwrap_or(0) > 0 {}
        assert_eq!(running.finished(), Some(of_bytes(&data)));
        // The well-known digest of nothing, as a reference.
        assert_eq!(of_bytes(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    #[test]
    fn a_read_stopped_early_has_no_digest() {
        let data = vec![7u8; 10_000];
        let (reader, running) = Hashing::new(&data[..]);
        let mut first = Vec::new();
        let _ = reader.take(100).read_to_end(&mut first);
        assert_eq!(running.finished(), None);
    }
}
