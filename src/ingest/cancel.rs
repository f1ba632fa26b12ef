//! Stopping a read that is no longer wanted (the TUI quit while loading):
//! readers and the history walk look at one flag per batch.

use std::io::Read;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Shared by everything one session reads; set once, never cleared.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn store(&self, on: bool, order: Ordering) {
        self.0.store(on, order);
    }

    pub fn requested(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// A reader that fails its next read once cancellation is asked for, so a
/// long read ends at the next chunk.
pub struct Cancellable<R> {
    inner: R,
    cancel: Cancel,
}

impl<R> Cancellable<R> {
    pub fn new(inner: R, cancel: Cancel) -> Self {
        Self { inner, cancel }
    }
}

impl<R: Read> Read for Cancellable<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.cancel.requested() {
            return Err(std::io::Error::other("reading was cancelled"));
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancelled_reader_stops_at_its_next_read() {
        let cancel = Cancel::default();
        let mut r = Cancellable::new(&b"abcdef"[..], cancel.clone());
        let mut buf = [0u8; 3];
        assert_eq!(r.read(&mut buf).ok(), Some(3));
        cancel.store(true, Ordering::Relaxed);
        assert!(r.read(&mut buf).is_err());
    }
}
