//! A pack and its version-2 index: where each object's entry starts and ends,
//! in the order git wrote them.

use std::fs::File;
use std::path::Path;

use super::ID_LEN;

/// A pack index version 2 starts with this magic and version.
const IDX_V2: [u8; 8] = [0xff, b't', b'O', b'c', 0, 0, 0, 2];

/// The parts of a version 2 pack index that locate an object, read in
/// place from the index file's bytes.
pub(super) struct Index {
    data: Vec<u8>,
    fanout: [u32; 256],
    ids_at: usize,
    offsets_at: usize,
    large_at: usize,
    /// Bytes 1 to 4 of each id (byte 0 is the fanout's), what a lookup
    /// searches, and beside it (so that a lookup touches one place, not two)
    /// the entry's rank in pack order, which `Pack::open` fills in.
    pub(super) heads: Vec<[u32; 2]>,
}

impl Index {
    fn parse(data: Vec<u8>) -> Option<Self> {
        if data.get(..8)? != IDX_V2 {
            return None;
        }
        let mut fanout = [0u32; 256];
        for (i, slot) in fanout.iter_mut().enumerate() {
            *slot = u32::from_be_bytes(data.get(8 + i * 4..12 + i * 4)?.try_into().ok()?);
        }
        let count = fanout[255] as usize;
        let ids_at = 8 + 256 * 4;
        let offsets_at = ids_at + count * ID_LEN + count * 4;
        let large_at = offsets_at + count * 4;
        // The index ends with two checksums; what lies between is large offsets.
        if data.len() < large_at + 2 * ID_LEN {
            return None;
        }
        let heads = data[ids_at..ids_at + count * ID_LEN]
            .chunks_exact(ID_LEN)
            .map(|id| [u32::from_be_bytes([id[1], id[2], id[3], id[4]]), 0])
            .collect();
        Some(Self { data, fanout, ids_at, offsets_at, large_at, heads })
    }

    fn count(&self) -> usize {
        self.fanout[255] as usize
    }

    fn id(&self, i: usize) -> &[u8] {
        &self.data[self.ids_at + i * ID_LEN..self.ids_at + (i + 1) * ID_LEN]
    }

    fn offset(&self, i: usize) -> Option<u64> {
        let at = self.offsets_at + i * 4;
        let raw = u32::from_be_bytes(self.data.get(at..at + 4)?.try_into().ok()?);
        if raw & 0x8000_0000 == 0 {
            return Some(u64::from(raw));
        }
        let at = self.large_at + (raw & 0x7fff_ffff) as usize * 8;
        if at + 8 > self.data.len() - 2 * ID_LEN {
            return None;
        }
        Some(u64::from_be_bytes(self.data.get(at..at + 8)?.try_into().ok()?))
    }

    /// Ids are uniformly spread, so the position is guessed from the id's
    /// next bytes and found by galloping out from the guess over `heads`
    /// (four bytes an entry, so a probe touches one cache line, not several).
    fn find(&self, id: &[u8]) -> Option<usize> {
        let first = *id.first()? as usize;
        let lo = if first == 0 { 0 } else { self.fanout[first - 1] as usize };
        let hi = self.fanout[first] as usize;
        if lo >= hi || hi > self.count() {
            return None;
        }
        let key = u32::from_be_bytes(id.get(1..5)?.try_into().ok()?);
        let heads = &self.heads[lo..hi];
        let guess = ((u64::from(key) * heads.len() as u64) >> 32) as usize;
        // A window [from, to) that holds every entry whose head is `key`.
        let (mut from, mut to) = (guess, guess + 1);
        let mut step = 1;
        while from > 0 && heads[from][0] >= key {
            from = from.saturating_sub(step);
            step *= 2;
        }
        step = 1;
        while to < heads.len() && heads[to - 1][0] <= key {
            to = (to + step).min(heads.len());
            step *= 2;
        }
        let start = from + heads[from..to].partition_point(|h| h[0] < key);
        (start..to).take_while(|i| heads[*i][0] == key).map(|i| lo + i).find(|i| self.id(*i) == id)
    }
}

pub struct Pack {
    file: File,
    pub(super) index: Index,
    /// Every entry's start, in pack order, then where the last one ends (the
    /// trailing checksum starts): entry `k` spans `starts[k]..starts[k + 1]`.
    pub(super) starts: Vec<u64>,
}

impl Pack {
    pub fn open(idx: &Path) -> Option<Self> {
        let mut index = Index::parse(std::fs::read(idx).ok()?)?;
        let file = File::open(idx.with_extension("pack")).ok()?;
        let end = file.metadata().ok()?.len().checked_sub(ID_LEN as u64)?;
        let order = match reverse_index(&idx.with_extension("rev"), &index) {
            Some(order) => order,
            None => {
                let mut order: Vec<(u64, u32)> = (0..index.count())
                    .map(|i| Some((index.offset(i)?, u32::try_from(i).ok()?)))
                    .collect::<Option<_>>()?;
                order.sort_unstable();
                order.into_iter().map(|(_, i)| i).collect()
            }
        };
        let mut starts = Vec::with_capacity(order.len() + 1);
        for (k, i) in order.into_iter().enumerate() {
            starts.push(index.offset(i as usize)?);
            index.heads.get_mut(i as usize)?[1] = u32::try_from(k).ok()?;
        }
        // Strictly rising, or the index (or its reverse) and the pack disagree.
        starts.push(end);
        starts.windows(2).all(|w| w[0] < w[1]).then_some(Self { file, index, starts })
    }

    /// The pack-order rank of the object `id`.
    pub fn find(&self, id: &[u8]) -> Option<usize> {
        self.index.heads.get(self.index.find(id)?).map(|h| h[1] as usize)
    }

    /// The pack-order rank of the entry that starts at `offset`, which lies
    /// before entry `after`: a delta's base is usually a near neighbour, so the
    /// search gallops back from there instead of bisecting the whole pack.
    pub fn rank_at(&self, offset: u64, after: usize) -> Option<usize> {
        let mut hi = after.min(self.starts.len() - 1);
        let mut step = 1;
        let lo = loop {
            let probe = hi.saturating_sub(step);
            if probe == 0 || self.starts[probe] <= offset {
                break probe;
            }
            hi = probe;
            step *= 2;
        };
        let k = lo + self.starts[lo..hi].partition_point(|s| *s < offset);
        (self.starts.get(k) == Some(&offset)).then_some(k)
    }

    /// `buf.len()` bytes of the pack from `offset`.
    pub fn read_at(&self, buf: &mut [u8], offset: u64) -> Option<()> {
        read_exact_at(&self.file, buf, offset).ok()
    }

    /// Where the entries end (the trailing checksum starts).
    pub fn entries_end(&self) -> Option<u64> {
        self.starts.last().copied()
    }

    /// Where entry `k` (its header and compressed data) starts and ends.
    pub fn span(&self, k: usize) -> Option<(u64, u64)> {
        Some((*self.starts.get(k)?, *self.starts.get(k + 1)?))
    }
}

/// The entries in pack order from git's reverse index (`pack-*.rev`, written
/// beside the pack since git 2.31), which spares sorting them by offset; `None`
/// where there is none or it does not fit the index.
pub(super) fn reverse_index(path: &Path, index: &Index) -> Option<Vec<u32>> {
    let data = std::fs::read(path).ok()?;
    let count = index.count();
    if data.get(..12)? != b"RIDX\0\0\0\x01\0\0\0\x01" || data.len() != 12 + 4 * count + 2 * ID_LEN {
        return None;
    }
    let order: Vec<u32> =
        data[12..12 + 4 * count].chunks_exact(4).map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]])).collect();
    // `Pack::open` checks that the offsets rise in this order.
    order.iter().all(|i| (*i as usize) < count).then_some(order)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Packs over 2 GB keep their far offsets in a table of their own.
    #[test]
    fn large_offsets_are_read_from_their_table() {
        let ids = [[0x11u8; ID_LEN], [0x22u8; ID_LEN]];
        let mut data = IDX_V2.to_vec();
        for byte in 0..256u32 {
            let count = ids.iter().filter(|id| u32::from(id[0]) <= byte).count() as u32;
            data.extend(count.to_be_bytes());
        }
        ids.iter().for_each(|id| data.extend(id));
        data.extend([0u8; 8]); // two CRCs
        data.extend(12u32.to_be_bytes());
        data.extend(0x8000_0000u32.to_be_bytes()); // the first large offset
        data.extend((5u64 << 32).to_be_bytes());
        data.extend([0u8; 2 * ID_LEN]);
        let index = Index::parse(data).unwrap();
        assert_eq!(index.count(), 2);
        assert_eq!((index.offset(0), index.offset(1)), (Some(12), Some(5 << 32)));
        assert_eq!(index.find(&ids[1]), Some(1));
        assert_eq!(index.find(&[0x22; ID_LEN - 1]), None);
        assert_eq!(index.find(&[0x33; ID_LEN]), None);
        // An offset pointing past its table is refused, not read from the checksums.
        let mut short = IDX_V2.to_vec();
        for byte in 0..256u32 {
            short.extend(u32::from(byte >= 0x11).to_be_bytes());
        }
        short.extend(ids[0]);
        short.extend([0u8; 4]);
        short.extend(0x8000_0003u32.to_be_bytes());
        short.extend([0u8; 2 * ID_LEN]);
        assert_eq!(Index::parse(short).unwrap().offset(0), None);
    }
}
