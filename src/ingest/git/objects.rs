//! Commits and trees read straight from the repository's pack and loose files.
//!
//! libgit2 serialises every pack read behind process-wide mutexes, so a history
//! walk on two threads ran slower than on one (benches/approvals.rs). This
//! reader takes no lock: packs are read with positional reads on a shared file
//! handle, and each thread keeps its own inflater and cache of delta bases. It
//! only ever reads; anything it does not understand (another object format, an
//! index version it does not know, an object it cannot find) is left to git2,
//! which the callers fall back to, so it can make a walk faster but never
//! change what the walk sees.

use std::fs::File;
use std::path::{Path, PathBuf};

use git2::Oid;

/// An object's bytes, shared between the caches that hold it.
pub type Bytes = std::rc::Rc<Vec<u8>>;

const ID_LEN: usize = 20;
/// A pack index version 2 starts with this magic and version.
const IDX_V2: [u8; 8] = [0xff, b't', b'O', b'c', 0, 0, 0, 2];
/// Delta chains longer than this are corrupt (git's own limit is far lower).
const MAX_CHAIN: usize = 10_000;
/// Objects larger than this are left to git2: a damaged header must not make
/// the reader ask for more memory than any object of a walk needs.
const MAX_OBJECT: usize = 1 << 30;
/// Objects larger than this are not kept as delta bases.
const MAX_CACHED_OBJECT: usize = 4 << 20;
/// Bytes of delta bases each reader keeps.
const CACHE_BUDGET: usize = 48 << 20;
const CACHE_SLOTS: usize = 4096;
const FREE_BUFFERS: usize = 64;
/// Packs are read in blocks of this size, and each reader keeps this many.
const BLOCK: usize = 8 << 10;
const BLOCKS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    fn from_code(code: u8) -> Option<Self> {
        match code {
            1 => Some(Kind::Commit),
            2 => Some(Kind::Tree),
            3 => Some(Kind::Blob),
            4 => Some(Kind::Tag),
            _ => None,
        }
    }

    fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"commit" => Some(Kind::Commit),
            b"tree" => Some(Kind::Tree),
            b"blob" => Some(Kind::Blob),
            b"tag" => Some(Kind::Tag),
            _ => None,
        }
    }
}

/// The parts of a version 2 pack index that locate an object, read in
/// place from the index file's bytes.
struct Index {
    data: Vec<u8>,
    fanout: [u32; 256],
    ids_at: usize,
    offsets_at: usize,
    large_at: usize,
    /// Bytes 1 to 4 of each id (byte 0 is the fanout's), what a lookup
    /// searches, and beside it (so that a lookup touches one place, not two)
    /// the entry's rank in pack order, which `Pack::open` fills in.
    heads: Vec<[u32; 2]>,
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

struct Pack {
    file: File,
    index: Index,
    /// Every entry's start, in pack order, then where the last one ends (the
    /// trailing checksum starts): entry `k` spans `starts[k]..starts[k + 1]`.
    starts: Vec<u64>,
}

impl Pack {
    fn open(idx: &Path) -> Option<Self> {
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
    fn find(&self, id: &[u8]) -> Option<usize> {
        self.index.heads.get(self.index.find(id)?).map(|h| h[1] as usize)
    }

    /// The pack-order rank of the entry that starts at `offset`, which lies
    /// before entry `after`: a delta's base is usually a near neighbour, so the
    /// search gallops back from there instead of bisecting the whole pack.
    fn rank_at(&self, offset: u64, after: usize) -> Option<usize> {
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

    /// Where entry `k` (its header and compressed data) starts and ends.
    fn span(&self, k: usize) -> Option<(u64, u64)> {
        Some((*self.starts.get(k)?, *self.starts.get(k + 1)?))
    }
}

/// The entries in pack order from git's reverse index (`pack-*.rev`, written
/// beside the pack since git 2.31), which spares sorting them by offset; `None`
/// where there is none or it does not fit the index.
fn reverse_index(path: &Path, index: &Index) -> Option<Vec<u32>> {
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

/// The packs and loose-object folders of a repository (and its alternates),
/// opened once and shared by every thread of a walk.
pub struct Store {
    packs: Vec<Pack>,
    loose: Vec<PathBuf>,
    /// Commits' trees and parents without inflating them, where git keeps a graph.
    graph: Option<super::commit_graph::CommitGraph>,
}

impl Store {
    /// `None` where this reader should not be trusted with the repository:
    /// another object format than SHA-1.
    pub fn open(repo: &git2::Repository) -> Option<Self> {
        let format = repo.config().ok().and_then(|c| c.get_string("extensions.objectformat").ok());
        if format.is_some_and(|f| !f.eq_ignore_ascii_case("sha1")) {
            return None;
        }
        let mut folders = vec![repo.path().join("objects")];
        let mut i = 0;
        while let Some(folder) = folders.get(i).cloned() {
            let alternates = std::fs::read_to_string(folder.join("info/alternates")).unwrap_or_default();
            for line in alternates.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
                let path = folder.join(line);
                if folders.len() < 16 && !folders.contains(&path) {
                    folders.push(path);
                }
            }
            i += 1;
        }
        let mut packs = Vec::new();
        for folder in &folders {
            let mut found: Vec<(std::time::SystemTime, PathBuf)> = std::fs::read_dir(folder.join("pack"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                .map(|p| (p.metadata().and_then(|m| m.modified()).unwrap_or(std::time::UNIX_EPOCH), p))
                .collect();
            // Newest first, as git searches: recent objects live in recent packs.
            found.sort_by_key(|f| std::cmp::Reverse(f.0));
            packs.extend(found.iter().filter_map(|(_, p)| Pack::open(p)));
        }
        Some(Self { packs, loose: folders, graph: super::commit_graph::CommitGraph::open(repo) })
    }

    pub fn reader(&self) -> Reader<'_> {
        Reader {
            store: self,
            inflater: libdeflater::Decompressor::new(),
            bases: Bases::new(),
            blocks: vec![None; BLOCKS],
            scratch: Vec::new(),
            spare: Vec::new(),
        }
    }
}

/// Delta bases by (pack, offset), one slot per offset's hash: bounded in
/// count and bytes, and a new base simply takes the slot of an old one.
struct Bases {
    slots: Vec<Option<(usize, usize, Kind, Bytes)>>,
    bytes: usize,
    /// Buffers of evicted objects.
    free: Vec<Vec<u8>>,
}

impl Bases {
    fn new() -> Self {
        Self { slots: vec![None; CACHE_SLOTS], bytes: 0, free: Vec::new() }
    }

    /// An empty buffer, reused where one is free.
    fn buffer(&mut self) -> Vec<u8> {
        let mut buffer = self.free.pop().unwrap_or_default();
        buffer.clear();
        buffer
    }

    fn slot(pack: usize, k: usize) -> usize {
        (k ^ pack.rotate_right(8)) % CACHE_SLOTS
    }

    fn get(&self, pack: usize, offset: usize) -> Option<(Kind, Bytes)> {
        match &self.slots[Self::slot(pack, offset)] {
            Some((p, o, kind, data)) if *p == pack && *o == offset => Some((*kind, data.clone())),
            _ => None,
        }
    }

    fn put(&mut self, pack: usize, offset: usize, kind: Kind, data: &Bytes) {
        if data.len() > MAX_CACHED_OBJECT {
            return;
        }
        if self.bytes + data.len() > CACHE_BUDGET {
            self.slots.iter_mut().for_each(|s| *s = None);
            self.bytes = 0;
        }
        let slot = &mut self.slots[Self::slot(pack, offset)];
        if let Some((_, _, _, old)) = slot.take() {
            self.bytes -= old.len();
            // Its buffer serves the next object, where no one else holds it.
            if self.free.len() < FREE_BUFFERS
                && let Ok(buffer) = std::rc::Rc::try_unwrap(old)
            {
                self.free.push(buffer);
            }
        }
        self.bytes += data.len();
        *slot = Some((pack, offset, kind, data.clone()));
    }
}

/// One thread's reader over a shared `Store`.
pub struct Reader<'s> {
    store: &'s Store,
    inflater: libdeflater::Decompressor,
    bases: Bases,
    /// Blocks of packs as read, by block number: git writes a commit's new
    /// trees together and commits in history order, so a walk reads many
    /// entries of a block before it moves on. `(pack, block, bytes)`.
    blocks: Vec<Option<(usize, u64, Vec<u8>)>>,
    /// An entry that crosses a block edge.
    scratch: Vec<u8>,
    /// Buffers of spent deltas, for the next ones.
    spare: Vec<Vec<u8>>,
}

/// Where the bytes of a pack entry are held.
enum Held {
    Block(usize, std::ops::Range<usize>),
    Scratch(std::ops::Range<usize>),
}

/// A pack entry's header: what it holds and where its compressed data starts.
enum Header {
    Whole(Kind),
    /// A delta against the entry at this offset of the same pack.
    OffsetDelta(u64),
    /// A delta against the object with this id.
    RefDelta([u8; ID_LEN]),
}

fn parse_header(entry: &[u8], offset: u64) -> Option<(Header, usize, usize)> {
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

fn inflate(inflater: &mut libdeflater::Decompressor, data: &[u8], size: usize, out: &mut Vec<u8>) -> Option<()> {
    if size > MAX_OBJECT {
        return None;
    }
    out.resize(size, 0);
    let n = inflater.zlib_decompress(data, out).ok()?;
    (n == size).then_some(())
}

/// Apply a git delta to `base`.
fn apply_delta(base: &[u8], delta: &[u8], out: &mut Vec<u8>) -> Option<()> {
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

impl Reader<'_> {
    /// A commit's tree and parents from the commit-graph, if it holds the commit.
    pub fn graph_links(&self, id: &Oid) -> Option<super::treediff::Links> {
        self.store.graph.as_ref()?.links(id)
    }

    /// The object `id`, or `None` where it is not in a pack or loose file
    /// this reader understands (the caller asks git2 then).
    pub fn read(&mut self, id: Oid) -> Option<(Kind, Bytes)> {
        let bytes = id.as_bytes();
        for pack in 0..self.store.packs.len() {
            if let Some(k) = self.store.packs[pack].find(bytes) {
                return self.at(pack, k);
            }
        }
        self.loose(id)
    }

    /// As `read`, for an object read once and dropped (a commit of the plan):
    /// a whole entry is inflated into `out` without being kept as a base.
    pub fn read_into(&mut self, id: Oid, out: &mut Vec<u8>) -> Option<Kind> {
        let bytes = id.as_bytes();
        for pack in 0..self.store.packs.len() {
            if let Some(k) = self.store.packs[pack].find(bytes) {
                let (start, held) = self.entry(pack, k)?;
                let entry = match held {
                    Held::Block(slot, range) => self.blocks[slot].as_ref()?.2.get(range)?,
                    Held::Scratch(range) => self.scratch.get(range)?,
                };
                if let (Header::Whole(kind), from, size) = parse_header(entry, start)? {
                    inflate(&mut self.inflater, entry.get(from..)?, size, out)?;
                    return Some(kind);
                }
                let (kind, data) = self.at(pack, k)?;
                out.clear();
                out.extend_from_slice(&data);
                return Some(kind);
            }
        }
        let (kind, data) = self.loose(id)?;
        out.clear();
        out.extend_from_slice(&data);
        Some(kind)
    }

    /// Entry `k` of a pack: where it starts, and where its bytes are now.
    fn entry(&mut self, pack: usize, k: usize) -> Option<(u64, Held)> {
        let (start, end) = self.store.packs[pack].span(k)?;
        let len = usize::try_from(end.checked_sub(start)?).ok()?;
        let block = start / BLOCK as u64;
        let block_start = block * BLOCK as u64;
        if end > block_start + BLOCK as u64 {
            // Crosses a block edge (or is larger than one): read on its own.
            self.scratch.resize(len, 0);
            read_exact_at(&self.store.packs[pack].file, &mut self.scratch, start).ok()?;
            return Some((start, Held::Scratch(0..len)));
        }
        let slot = usize::try_from(block).ok()? % BLOCKS;
        if !matches!(&self.blocks[slot], Some((p, b, _)) if *p == pack && *b == block) {
            let pack_end = *self.store.packs[pack].starts.last()?;
            let size = usize::try_from((pack_end - block_start).min(BLOCK as u64)).ok()?;
            let mut bytes = self.blocks[slot].take().map(|(_, _, b)| b).unwrap_or_default();
            bytes.resize(size, 0);
            read_exact_at(&self.store.packs[pack].file, &mut bytes, block_start).ok()?;
            self.blocks[slot] = Some((pack, block, bytes));
        }
        let from = usize::try_from(start - block_start).ok()?;
        Some((start, Held::Block(slot, from..from + len)))
    }

    /// The object of entry `k` of a pack, its delta chain resolved.
    fn at(&mut self, pack: usize, k: usize) -> Option<(Kind, Bytes)> {
        let mut deltas: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut at = k;
        let (kind, mut data) = loop {
            if let Some(hit) = self.bases.get(pack, at) {
                break hit;
            }
            if deltas.len() > MAX_CHAIN {
                return None;
            }
            let (start, held) = self.entry(pack, at)?;
            let entry = match held {
                Held::Block(slot, range) => self.blocks[slot].as_ref()?.2.get(range)?,
                Held::Scratch(range) => self.scratch.get(range)?,
            };
            let (header, from, size) = parse_header(entry, start)?;
            // A delta is spent once applied: it is inflated into a reused buffer.
            let mut data = match header {
                Header::Whole(_) => self.bases.buffer(),
                _ => self.spare.pop().unwrap_or_default(),
            };
            inflate(&mut self.inflater, &entry[from..], size, &mut data)?;
            match header {
                Header::Whole(kind) => {
                    let data: Bytes = std::rc::Rc::new(data);
                    self.bases.put(pack, at, kind, &data);
                    break (kind, data);
                }
                Header::OffsetDelta(base) => {
                    deltas.push((at, data));
                    at = self.store.packs[pack].rank_at(base, at)?;
                }
                Header::RefDelta(id) => {
                    deltas.push((at, data));
                    at = self.store.packs[pack].find(&id)?;
                }
            }
        };
        while let Some((at, delta)) = deltas.pop() {
            let mut out = self.bases.buffer();
            apply_delta(&data, &delta, &mut out)?;
            data = std::rc::Rc::new(out);
            self.spare.push(delta);
            self.bases.put(pack, at, kind, &data);
        }
        Some((kind, data))
    }

    fn loose(&mut self, id: Oid) -> Option<(Kind, Bytes)> {
        let hex = id.to_string();
        let raw =
            self.store.loose.iter().find_map(|folder| std::fs::read(folder.join(&hex[..2]).join(&hex[2..])).ok())?;
        let mut out = Vec::new();
        let mut inflated = std::io::Read::take(flate2::read::ZlibDecoder::new(&raw[..]), MAX_OBJECT as u64 + 64);
        std::io::Read::read_to_end(&mut inflated, &mut out).ok()?;
        let nul = out.iter().position(|b| *b == 0)?;
        let (name, size) = out[..nul].split_at(out[..nul].iter().position(|b| *b == b' ')?);
        let kind = Kind::from_name(name)?;
        let size: usize = std::str::from_utf8(&size[1..]).ok()?.parse().ok()?;
        (out.len() - nul - 1 == size).then(|| {
            out.drain(..=nul);
            (kind, std::rc::Rc::new(out))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Repository, Signature, Time};

    /// A history of many versions of a few files, packed by git (libgit2's
    /// pack builder writes no deltas) with the loose objects gone: every read
    /// must come from the pack, most through a delta chain.
    fn packed_repository(dir: &Path) -> Repository {
        let repo = Repository::init(dir).unwrap();
        let mut parent: Option<Oid> = None;
        for i in 0..60 {
            let mut builder = repo.treebuilder(None).unwrap();
            let big: String = (0..200).map(|n| format!("line {n} of {}\n", if n == 100 { i } else { 0 })).collect();
            builder.insert("big.txt", repo.blob(big.as_bytes()).unwrap(), 0o100644).unwrap();
            for n in 0..40 {
                let name = format!("module_{n}.py");
                builder.insert(name, repo.blob(format!("x = {}\n", i / 10 + n).as_bytes()).unwrap(), 0o100644).unwrap();
            }
            builder.insert("small.txt", repo.blob(format!("v{i}").as_bytes()).unwrap(), 0o100644).unwrap();
            let mut sub = repo.treebuilder(None).unwrap();
            sub.insert("requirements.txt", repo.blob(format!("openai=={i}\n").as_bytes()).unwrap(), 0o100644).unwrap();
            builder.insert("svc", sub.write().unwrap(), 0o040000).unwrap();
            let tree = repo.find_tree(builder.write().unwrap()).unwrap();
            let sig = Signature::new("Dev", "dev@example.com", &Time::new(1_700_000_000 + i, 0)).unwrap();
            let parents: Vec<git2::Commit> = parent.map(|p| repo.find_commit(p).unwrap()).into_iter().collect();
            let refs: Vec<&git2::Commit> = parents.iter().collect();
            parent = Some(repo.commit(Some("HEAD"), &sig, &sig, &format!("change {i}"), &tree, &refs).unwrap());
        }
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(["-c", "gc.auto=0", "repack", "-adq", "--depth=50", "--window=50"])
            .status()
            .expect("the git command, to pack the test repository");
        assert!(status.success());
        assert!(
            !dir.join(".git/objects/3f").exists()
                || std::fs::read_dir(dir.join(".git/objects/3f")).unwrap().count() == 0
        );
        Repository::open(dir).unwrap()
    }

    /// Objects found by this reader and by git2 are the same bytes, deltas and all.
    #[test]
    fn every_object_of_a_pack_reads_as_git2_reads_it() {
        let dir = tempfile::tempdir().unwrap();
        let repo = packed_repository(dir.path());
        let odb = repo.odb().unwrap();
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
        .unwrap();
        let store = Store::open(&repo).unwrap();
        assert_eq!(store.packs.len(), 1);
        let kinds = |k: git2::ObjectType| match k {
            git2::ObjectType::Commit => Kind::Commit,
            git2::ObjectType::Tree => Kind::Tree,
            git2::ObjectType::Blob => Kind::Blob,
            _ => Kind::Tag,
        };
        let mut deltas = 0;
        // Twice over, in opposite orders: from an empty cache and from a warm one.
        let mut reader = store.reader();
        for id in ids.iter().chain(ids.iter().rev()) {
            let expected = odb.read(*id).unwrap();
            let (kind, data) = reader.read(*id).unwrap_or_else(|| panic!("{id} not read"));
            assert_eq!((kind, data.as_slice()), (kinds(expected.kind()), expected.data()), "{id}");
            let k = store.packs[0].find(id.as_bytes()).unwrap();
            let (start, _) = store.packs[0].span(k).unwrap();
            let bytes = match reader.entry(0, k).unwrap().1 {
                Held::Block(slot, range) => reader.blocks[slot].as_ref().unwrap().2[range].to_vec(),
                Held::Scratch(range) => reader.scratch[range].to_vec(),
            };
            let header = parse_header(&bytes, start).unwrap().0;
            deltas += usize::from(matches!(header, Header::OffsetDelta(_) | Header::RefDelta(_)));
        }
        assert!(ids.len() > 200 && deltas > 50, "{} objects, {deltas} delta reads", ids.len());
        // Pack order from git's reverse index, or by sorting offsets: the same.
        let rev = std::fs::read_dir(dir.path().join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "rev"))
            .expect("git writes a reverse index");
        let index = &store.packs[0].index;
        assert!(reverse_index(&rev, index).is_some());
        std::fs::remove_file(&rev).unwrap();
        let sorted = Store::open(&repo).unwrap();
        assert!(reverse_index(&rev, index).is_none());
        assert_eq!(
            (&sorted.packs[0].starts, &sorted.packs[0].index.heads),
            (&store.packs[0].starts, &store.packs[0].index.heads)
        );
        assert!(reader.read(Oid::from_str("0123456789012345678901234567890123456789").unwrap()).is_none());
    }

    /// A damaged pack is not read by this reader (git2 is asked, and says so).
    #[test]
    fn a_damaged_pack_entry_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let repo = packed_repository(dir.path());
        let head = repo.head().unwrap().peel_to_commit().unwrap().tree_id();
        let pack = std::fs::read_dir(dir.path().join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let store = Store::open(&repo).unwrap();
        let k = store.packs[0].find(head.as_bytes()).unwrap();
        let (start, end) = store.packs[0].span(k).unwrap();
        let mut bytes = std::fs::read(&pack).unwrap();
        for b in &mut bytes[start as usize + 4..end as usize] {
            *b ^= 0x5a;
        }
        let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&pack, permissions).unwrap();
        std::fs::write(&pack, bytes).unwrap();
        let store = Store::open(&repo).unwrap();
        assert!(store.reader().read(head).is_none());
    }

    /// Damaged packs (bits flipped anywhere: headers, delta offsets,
    /// compressed data) never make the reader panic or ask for unbounded
    /// memory; damaged compressed data fails its checksum and is given up on.
    #[test]
    fn damaged_packs_never_panic_the_reader() {
        let dir = tempfile::tempdir().unwrap();
        let repo = packed_repository(dir.path());
        let odb = repo.odb().unwrap();
        let mut ids = Vec::new();
        odb.foreach(|id| {
            ids.push(*id);
            true
        })
        .unwrap();
        let pack = std::fs::read_dir(dir.path().join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let original = std::fs::read(&pack).unwrap();
        let originals: std::collections::HashMap<Oid, Vec<u8>> =
            ids.iter().map(|id| (*id, odb.read(*id).unwrap().data().to_vec())).collect();
        let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&pack, permissions).unwrap();
        let mut seed = 0x9e37_79b9_u64;
        for round in 0..40 {
            let mut bytes = original.clone();
            for _ in 0..(1 + round % 5) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let at = 12 + (seed as usize) % (bytes.len() - 32);
                bytes[at] ^= 1 << (seed % 8);
            }
            std::fs::write(&pack, &bytes).unwrap();
            let store = Store::open(&repo).unwrap();
            let mut reader = store.reader();
            let mut good = 0;
            for id in &ids {
                if let Some((_, data)) = reader.read(*id) {
                    good += usize::from(originals.get(id) == Some(&*data));
                }
            }
            assert!(good > 0, "round {round}");
        }
    }

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
