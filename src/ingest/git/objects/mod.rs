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

mod entry;
mod pack;

use std::path::PathBuf;

use git2::Oid;

use entry::{Header, MAX_OBJECT, apply_delta, inflate, parse_header};
use pack::Pack;

/// An object's bytes, shared between the caches that hold it.
pub type Bytes = std::rc::Rc<Vec<u8>>;

/// The length of a SHA-1 object id.
const ID_LEN: usize = 20;
/// Delta chains longer than this are corrupt (git's own limit is far lower).
const MAX_CHAIN: usize = 10_000;
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
            self.store.packs[pack].read_at(&mut self.scratch, start)?;
            return Some((start, Held::Scratch(0..len)));
        }
        let slot = usize::try_from(block).ok()? % BLOCKS;
        if !matches!(&self.blocks[slot], Some((p, b, _)) if *p == pack && *b == block) {
            let pack_end = self.store.packs[pack].entries_end()?;
            let size = usize::try_from((pack_end - block_start).min(BLOCK as u64)).ok()?;
            let mut bytes = self.blocks[slot].take().map(|(_, _, b)| b).unwrap_or_default();
            bytes.resize(size, 0);
            self.store.packs[pack].read_at(&mut bytes, block_start)?;
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
    use std::path::Path;

    /// The one pack file a packed test repository has, made writable (git
    /// writes packs read-only) so that a test can damage it.
    fn writable_pack(dir: &Path) -> PathBuf {
        let pack = std::fs::read_dir(dir.join(".git/objects/pack"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "pack"))
            .unwrap();
        let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        permissions.set_readonly(false);
        std::fs::set_permissions(&pack, permissions).unwrap();
        pack
    }

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
        assert!(pack::reverse_index(&rev, index).is_some());
        std::fs::remove_file(&rev).unwrap();
        let sorted = Store::open(&repo).unwrap();
        assert!(pack::reverse_index(&rev, index).is_none());
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
        let pack = writable_pack(dir.path());
        let store = Store::open(&repo).unwrap();
        let k = store.packs[0].find(head.as_bytes()).unwrap();
        let (start, end) = store.packs[0].span(k).unwrap();
        let mut bytes = std::fs::read(&pack).unwrap();
        for b in &mut bytes[start as usize + 4..end as usize] {
            *b ^= 0x5a;
        }
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
        let pack = writable_pack(dir.path());
        let original = std::fs::read(&pack).unwrap();
        let originals: std::collections::HashMap<Oid, Vec<u8>> =
            ids.iter().map(|id| (*id, odb.read(*id).unwrap().data().to_vec())).collect();
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
}
