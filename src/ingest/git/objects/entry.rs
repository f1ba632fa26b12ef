//! One pack entry: its header, its zlib stream, and a delta applied to its base.

use super::{ID_LEN, Kind};

/// Objects larger than this are left to git2: a damaged header must not make
/// the reader ask for more memory than any object of a walk needs.
pub const MAX_OBJECT: usize = 1 << 30;

/// A pack entry's header: what it holds and where its compressed data starts.
pub enum Header {
    Whole(Kind),
    /// A delta against the entry at this offset of the same pack.
    OffsetDelta(u64),
    /// A delta against the object with this id.
    RefDelta([u8; ID_LEN]),
}

pub fn parse_header(entry: &[u8], offset: u64) -> Option<(Header, usize, usize)> {
    let mut at = 0;
    let mut byte = *entry.first()?;
    let code = (byte >> 4) & 7;
    let mut size = usize::from(byte & 0x0f);
    let mut shift = 4;
    while byte & 0x80 != 0 {
        at += 1;
        byte = *entry.get(at)?;
        size |= usize::from(byte & 0x7f).checked_shl(shift)?;
        shift += 7;
    }
    at += 1;
    let header = match code {
        6 => {
            let mut byte = *entry.get(at)?;
            let mut back = u64::from(byte & 0x7f);
            while byte & 0x80 != 0 {
                at += 1;
                byte = *entry.get(at)?;
                back = (back.checked_add(1)?.checked_shl(7)?) | u64::from(byte & 0x7f);
            }
            at += 1;
            Header::OffsetDelta(offset.checked_sub(back).filter(|_| back > 0)?)
        }
        7 => {
            let id: [u8; ID_LEN] = entry.get(at..at + ID_LEN)?.try_into().ok()?;
            at += ID_LEN;
            Header::RefDelta(id)
        }
        other => Header::Whole(Kind::from_code(other)?),
    };
    Some((header, at, size))
}

pub fn inflate(inflater: &mut libdeflater::Decompressor, data: &[u8], size: usize, out: &mut Vec<u8>) -> Option<()> {
    if size > MAX_OBJECT {
        return None;
    }
    out.resize(size, 0);
    let n = inflater.zlib_decompress(data, out).ok()?;
    (n == size).then_some(())
}

/// Apply a git delta to `base`.
pub fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Option<()> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Option<usize> {
        let mut value = 0usize;
        let mut shift = 0u32;
        loop {
            let byte = *delta.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    };
    if varint(&mut at)? != base.len() {
        return None;
    }
    let size = varint(&mut at)?;
    if size > MAX_OBJECT {
        return None;
    }
    out.clear();
    out.reserve(size);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for i in 0..4 {
                if op & (1 << i) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            for i in 0..3 {
                if op & (0x10 << i) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * i);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
    }
    (out.len() == size).then_some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_copy_and_insert() {
        let base = b"hello world";
        // base 11, result 12: copy 6 from 0 ("hello "), insert "there!"
        let delta = [11, 12, 0x80 | 0x10, 6, 6, b't', b'h', b'e', b'r', b'e', b'!'];
        let mut out = b"left over".to_vec();
        apply_delta(base, &delta, &mut out).unwrap();
        assert_eq!(out, b"hello there!");
        // A wrong base size or a copy out of range is refused, not guessed.
        assert!(apply_delta(b"short", &delta, &mut out).is_none());
        assert!(apply_delta(base, &[11, 5, 0x80 | 0x01 | 0x10, 10, 5], &mut out).is_none());
        assert!(apply_delta(base, &[11, 1, 0], &mut out).is_none());
    }

    #[test]
    fn headers_of_whole_and_delta_entries() {
        let (h, at, size) = parse_header(&[0x95, 0x0a], 100).unwrap();
        assert!(matches!(h, Header::Whole(Kind::Commit)));
        assert_eq!((at, size), (2, 5 | (10 << 4)));
        let (h, at, _) = parse_header(&[0x60, 0x81, 0x00], 1000).unwrap();
        // 0x81 0x00: ((1 + 1) << 7) | 0 = 256 back.
        assert!(matches!(h, Header::OffsetDelta(744)));
        assert_eq!(at, 3);
        assert!(parse_header(&[0x60, 0x7f], 10).is_none(), "a base before the pack start");
        assert!(parse_header(&[0x50], 0).is_none(), "type 5 is reserved");
        assert!(parse_header(&[0x80], 0).is_none(), "a header cut short");
    }
}
