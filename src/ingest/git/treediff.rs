//! Which files changed between two trees, without computing a diff: entries
//! whose ids are equal are skipped whole (a subtree with an unchanged id is
//! never opened), so a commit costs in proportion to what it changed. Trees are
//! read raw from the object database and parsed in place: no per-entry objects.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

use git2::{Odb, Oid};

use super::objects;

/// A file that differs between the two trees (either id may be absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub path: String,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

const TREE_MODE: &[u8] = b"40000";
const SYMLINK_MODE: &[u8] = b"120000";

/// One entry of a raw tree.
struct Entry<'t> {
    mode: &'t [u8],
    name: &'t [u8],
    id: &'t [u8],
}

impl Entry<'_> {
    fn is_tree(&self) -> bool {
        self.mode == TREE_MODE
    }

    /// Regular files only: submodules (commit entries) and symlinks carry no content of ours.
    fn blob(&self) -> Option<Oid> {
        (self.mode.starts_with(b"100") && self.mode != SYMLINK_MODE).then(|| Oid::from_bytes(self.id).ok()).flatten()
    }
}

/// The entries of a raw tree object, in stored order, with the offset just
/// past each.
fn entries(data: &[u8]) -> impl Iterator<Item = (Entry<'_>, usize)> {
    let mut at = 0;
    std::iter::from_fn(move || {
        let rest = data.get(at..)?;
        let space = memchr::memchr(b' ', rest)?;
        let nul = space + 1 + memchr::memchr(0, &rest[space + 1..])?;
        let end = nul + 1 + 20;
        if end > rest.len() {
            return None;
        }
        let entry = Entry { mode: &rest[..space], name: &rest[space + 1..nul], id: &rest[nul + 1..end] };
        at += end;
        Some((entry, at))
    })
}

/// How many bytes two trees share at their start and at their end: entries
/// wholly inside either run are the same on both sides and need no comparing.
fn common_runs(a: &[u8], b: &[u8]) -> (usize, usize) {
    const STEP: usize = 64;
    let shorter = a.len().min(b.len());
    // Whole blocks first (compared as slices, which the compiler vectorises), then bytes.
    let mut prefix = 0;
    while prefix + STEP <= shorter && a[prefix..prefix + STEP] == b[prefix..prefix + STEP] {
        prefix += STEP;
    }
    while prefix < shorter && a[prefix] == b[prefix] {
        prefix += 1;
    }
    let room = shorter - prefix;
    let mut suffix = 0;
    while suffix + STEP <= room
        && a[a.len() - suffix - STEP..a.len() - suffix] == b[b.len() - suffix - STEP..b.len() - suffix]
    {
        suffix += STEP;
    }
    while suffix < room && a[a.len() - suffix - 1] == b[b.len() - suffix - 1] {
        suffix += 1;
    }
    (prefix, suffix)
}

/// Object ids are already uniformly spread: their first bytes are a hash.
#[derive(Default)]
pub struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8).take(1) {
            let mut head = [0u8; 8];
            head[..chunk.len()].copy_from_slice(chunk);
            self.0 ^= u64::from_le_bytes(head);
        }
    }
}

pub type IdHash = std::hash::BuildHasherDefault<IdHasher>;

/// Raw trees read for the last few commits: a commit's old side is mostly
/// trees a recent commit read as its new side (a folder changed ten commits
/// ago is opened again when it next changes), so each tree is read once.
pub struct TreeCache<'r> {
    odb: Odb<'r>,
    objects: Option<objects::Reader<'r>>,
    /// Each tree with the commit count when it was last used.
    trees: HashMap<Oid, (objects::Bytes, u32), IdHash>,
    bytes: usize,
    clock: u32,
    /// Where commits read only for their links are inflated.
    scratch: Vec<u8>,
}

/// Trees unused for this many commits are dropped when the cache is full.
const KEEP_COMMITS: u32 = 16;
const TREE_BUDGET: usize = 2 << 20;

impl<'r> TreeCache<'r> {
    pub fn new(odb: Odb<'r>, store: Option<&'r objects::Store>) -> Self {
        Self {
            odb,
            objects: store.map(objects::Store::reader),
            trees: HashMap::default(),
            bytes: 0,
            clock: 0,
            scratch: Vec::new(),
        }
    }

    /// An object's bytes: from the lock-free reader where it can, else from git2.
    pub fn raw(&mut self, id: Oid) -> Result<objects::Bytes, git2::Error> {
        if let Some((_, data)) = self.objects.as_mut().and_then(|r| r.read(id)) {
            return Ok(data);
        }
        Ok(Rc::new(self.odb.read(id)?.data().to_vec()))
    }

    pub fn get(&mut self, id: Oid) -> Result<objects::Bytes, git2::Error> {
        if let Some((tree, used)) = self.trees.get_mut(&id) {
            *used = self.clock;
            return Ok(tree.clone());
        }
        let data = self.raw(id)?;
        self.bytes += data.len();
        self.trees.insert(id, (data.clone(), self.clock));
        Ok(data)
    }

    /// The id of the file or folder at `path` (`/`-separated) under the tree `root`.
    pub fn id_at(&mut self, root: Oid, path: &str) -> Option<Oid> {
        let mut id = root;
        for part in path.split('/') {
            let tree = self.get(id).ok()?;
            let (entry, _) = entries(&tree).find(|(e, _)| e.name == part.as_bytes())?;
            id = Oid::from_bytes(entry.id).ok()?;
        }
        Some(id)
    }

    /// Move on to the next commit; past the budget, forget the trees that
    /// recent commits did not use.
    pub fn next_commit(&mut self) {
        self.clock = self.clock.wrapping_add(1);
        if self.bytes > TREE_BUDGET {
            let since = self.clock.saturating_sub(KEEP_COMMITS);
            self.trees.retain(|_, (_, used)| *used >= since);
            self.bytes = self.trees.values().map(|(t, _)| t.len()).sum();
            if self.bytes > TREE_BUDGET / 2 {
                self.trees.clear();
                self.bytes = 0;
            }
        }
    }

    /// The tree and parent ids of a commit, from its raw object.
    pub fn commit_links(&mut self, id: Oid) -> Result<Links, git2::Error> {
        if let Some(links) = self.objects.as_ref().and_then(|r| r.graph_links(&id)) {
            return Ok(links);
        }
        let mut buffer = std::mem::take(&mut self.scratch);
        let links = match self.objects.as_mut().and_then(|r| r.read_into(id, &mut buffer)) {
            Some(_) => commit_links(&buffer),
            None => commit_links(&self.raw(id)?),
        };
        self.scratch = buffer;
        links
    }
}

impl TreeCache<'_> {
    /// A commit's links and every parent (a merge's too), from its raw object.
    pub fn commit_parents(&mut self, id: Oid) -> Result<(Links, Vec<Oid>), git2::Error> {
        let mut buffer = std::mem::take(&mut self.scratch);
        let found = self.objects.as_mut().and_then(|r| r.read_into(id, &mut buffer)).is_some();
        let read = if found { links_and_parents(&buffer) } else { self.raw(id).and_then(|o| links_and_parents(&o)) };
        self.scratch = buffer;
        read
    }
}

fn links_and_parents(object: &[u8]) -> Result<(Links, Vec<Oid>), git2::Error> {
    let links = commit_links(object)?;
    let parents = object
        .split(|b| *b == b'\n')
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.strip_prefix(b"parent ").and_then(from_hex))
        .collect();
    Ok((links, parents))
}

/// A 40-digit hex id (what commit headers hold).
fn from_hex(hex: &[u8]) -> Option<Oid> {
    // Each byte's value as a hex digit, or 0xff.
    const DIGITS: [u8; 256] = {
        let mut table = [0xff; 256];
        let mut c = 0;
        while c < 256 {
            table[c] = match c as u8 {
                b @ b'0'..=b'9' => b - b'0',
                b @ b'a'..=b'f' => b - b'a' + 10,
                b @ b'A'..=b'F' => b - b'A' + 10,
                _ => 0xff,
            };
            c += 1;
        }
        table
    };
    let hex: &[u8; 40] = hex.try_into().ok()?;
    let mut raw = [0u8; 20];
    let mut bad = 0;
    for (byte, pair) in raw.iter_mut().zip(hex.chunks_exact(2)) {
        let (high, low) = (DIGITS[pair[0] as usize], DIGITS[pair[1] as usize]);
        bad |= high | low;
        *byte = high << 4 | (low & 0x0f);
    }
    (bad & 0xf0 == 0).then(|| Oid::from_bytes(&raw).ok()).flatten()
}

/// What the walk needs of a commit: its tree, its first parent and how many
/// parents it has. Plain values: the plan hands thousands of these from one
/// thread to others, and memory freed on another thread than allocated it
/// costs more than the reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Links {
    pub tree: Oid,
    pub first_parent: Option<Oid>,
    pub parents: usize,
}

/// The tree and parent ids of a raw commit object.
pub fn commit_links(object: &[u8]) -> Result<Links, git2::Error> {
    let mut tree = None;
    let (mut first_parent, mut parents) = (None, 0);
    for line in object.split(|b| *b == b'\n') {
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = from_hex(hex);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            if let Some(id) = from_hex(hex) {
                first_parent = first_parent.or(Some(id));
                parents += 1;
            }
        } else {
            break;
        }
    }
    let tree = tree.ok_or_else(|| git2::Error::from_str("commit without a tree"))?;
    Ok(Links { tree, first_parent, parents })
}

/// Files under `old` → `new` that differ and that `wanted` accepts by path.
pub fn changed(
    cache: &mut TreeCache,
    old: Option<Oid>,
    new: Option<Oid>,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<Changed>,
) -> Result<(), git2::Error> {
    if old == new {
        return Ok(());
    }
    let a = old.map(|id| cache.get(id)).transpose()?;
    let b = new.map(|id| cache.get(id)).transpose()?;
    walk(
        cache,
        a.as_ref().map_or(&[][..], |t| t.as_slice()),
        b.as_ref().map_or(&[][..], |t| t.as_slice()),
        "",
        wanted,
        out,
    )
}

/// Git's own tree order: a tree's name compares as if it ended in `/`.
fn git_order(a: &Entry, b: &Entry) -> Ordering {
    let len = a.name.len().min(b.name.len());
    match a.name[..len].cmp(&b.name[..len]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |e: &Entry| e.name.get(len).copied().or(e.is_tree().then_some(b'/'));
    next(a).cmp(&next(b))
}

/// Folders whose contents are not the project's own decisions: vendored or
/// installed dependencies carry their own manifests.
fn skipped_folder(name: &[u8]) -> bool {
    matches!(
        name,
        b"node_modules" | b".git" | b"bower_components" | b"site-packages" | b".venv" | b"venv" | b".tox" | b"vendor"
    )
}

fn walk(
    cache: &mut TreeCache,
    old: &[u8],
    new: &[u8],
    prefix: &str,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<Changed>,
) -> Result<(), git2::Error> {
    let (same_start, same_end) = common_runs(old, new);
    let (mut a, mut b) = (entries(old).peekable(), entries(new).peekable());
    let (mut a_at, mut b_at) = (0, 0);
    // Entries that end inside the common start are equal on both sides.
    while let Some((_, end)) = a.peek().filter(|(_, end)| *end <= same_start) {
        (a_at, b_at) = (*end, *end);
        a.next();
        b.next();
    }
    loop {
        // The rest of both trees is their common end, byte for byte: nothing more differs.
        if old.len() - a_at == new.len() - b_at && old.len() - a_at <= same_end {
            break;
        }
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some((x, _)), Some((y, _))) => git_order(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        let (left, right) = match order {
            Ordering::Less => (a.next(), None),
            Ordering::Greater => (None, b.next()),
            Ordering::Equal => (a.next(), b.next()),
        };
        if let Some((_, end)) = left {
            a_at = end;
        }
        if let Some((_, end)) = right {
            b_at = end;
        }
        let (left, right) = (left.map(|(e, _)| e), right.map(|(e, _)| e));
        if let (Some(l), Some(r)) = (&left, &right)
            && l.id == r.id
            && l.mode == r.mode
        {
            continue;
        }
        let Some(any) = left.as_ref().or(right.as_ref()) else {
            break;
        };
        if skipped_folder(any.name) {
            continue;
        }
        let name = String::from_utf8_lossy(any.name);
        let mut path = String::with_capacity(prefix.len() + 1 + name.len());
        if !prefix.is_empty() {
            path.push_str(prefix);
            path.push('/');
        }
        path.push_str(&name);
        let subtree = |e: &Option<Entry>| e.as_ref().filter(|e| e.is_tree()).and_then(|e| Oid::from_bytes(e.id).ok());
        let (lt, rt) = (subtree(&left), subtree(&right));
        if lt.is_some() || rt.is_some() {
            let l = lt.map(|id| cache.get(id)).transpose()?;
            let r = rt.map(|id| cache.get(id)).transpose()?;
            walk(
                cache,
                l.as_ref().map_or(&[][..], |t| t.as_slice()),
                r.as_ref().map_or(&[][..], |t| t.as_slice()),
                &path,
                wanted,
                out,
            )?;
        }
        let (old_id, new_id) = (left.as_ref().and_then(Entry::blob), right.as_ref().and_then(Entry::blob));
        if (old_id.is_some() || new_id.is_some()) && old_id != new_id && wanted(&path) {
            out.push(Changed { path, old: old_id, new: new_id });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::Repository;

    fn tree(repo: &Repository, files: &[(&str, &str)]) -> Oid {
        let mut index = repo.index().unwrap();
        index.clear().unwrap();
        for (path, text) in files {
            let id = repo.blob(text.as_bytes()).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: 0,
                id,
                flags: 0,
                flags_extended: 0,
                path: path.as_bytes().to_vec(),
            };
            index.add(&entry).unwrap();
        }
        index.write_tree().unwrap()
    }

    #[test]
    fn only_changed_wanted_files_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let a = tree(
            &repo,
            &[
                ("a/requirements.txt", "x==1\n"),
                ("a/b.py", "1"),
                ("a-b", "q"),
                ("c.txt", "c"),
                ("node_modules/p/package.json", "{}"),
                ("z-a", "q"),
            ],
        );
        let b = tree(
            &repo,
            &[
                ("a/requirements.txt", "x==2\n"),
                ("a/b.py", "1"),
                ("a-b", "r"),
                ("c.txt", "d"),
                ("d/package.json", "{}"),
                ("node_modules/p/package.json", "{\"a\":1}"),
                ("z-a", "q"),
            ],
        );
        let mut out = Vec::new();
        let mut cache = TreeCache::new(repo.odb().unwrap(), None);
        changed(&mut cache, Some(a), Some(b), &|p| !p.ends_with(".txt") || p.contains("requirements"), &mut out)
            .unwrap();
        let paths: Vec<&str> = out.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["a-b", "a/requirements.txt", "d/package.json"]);
        assert!(out[2].old.is_none());
    }

    #[test]
    fn hex_ids_as_git2_reads_them() {
        let hex = "0123456789abcdefABCDEF0123456789abcdef01";
        assert_eq!(from_hex(hex.as_bytes()), Oid::from_str(hex).ok());
        assert_eq!(from_hex(b"0123"), None);
        assert_eq!(from_hex(b"0123456789abcdefABCDEF0123456789abcdefzz"), None);
    }

    #[test]
    fn common_runs_at_both_ends() {
        let a: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let mut b = a.clone();
        assert_eq!(common_runs(&a, &b), (300, 0));
        b[150] ^= 1;
        assert_eq!(common_runs(&a, &b), (150, 149));
        b.insert(10, 7);
        assert_eq!(common_runs(&a, &b), (10, 149));
        assert_eq!(common_runs(&a[..5], &a), (5, 0));
        assert_eq!(common_runs(&[], &a), (0, 0));
    }

    /// The walk against a plain comparison of every path of both trees, over
    /// trees that differ at the start, the middle, the end, and in size.
    #[test]
    fn the_walk_finds_what_a_full_comparison_finds() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let every = |id: Oid| {
            let mut files = std::collections::BTreeMap::new();
            repo.find_tree(id)
                .unwrap()
                .walk(git2::TreeWalkMode::PreOrder, |folder, e| {
                    if e.kind() == Some(git2::ObjectType::Blob) {
                        files.insert(format!("{folder}{}", e.name().unwrap()), e.id());
                    }
                    git2::TreeWalkResult::Ok
                })
                .unwrap();
            files
        };
        let mut files: Vec<(String, String)> =
            (0..80).map(|i| (format!("d{}/f{i:02}.txt", i % 5), format!("{i}"))).collect();
        for round in 0..40 {
            let before: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            let old = tree(&repo, &before);
            for _ in 0..(next() % 4) {
                let i = (next() % files.len() as u64) as usize;
                match next() % 3 {
                    0 => files[i].1.push('!'),
                    1 if files.len() > 10 => {
                        files.remove(i);
                    }
                    _ => files.push((format!("d{}/n{round}-{i}.txt", next() % 7), "new".into())),
                }
            }
            let after: Vec<(&str, &str)> = files.iter().map(|(p, t)| (p.as_str(), t.as_str())).collect();
            let new = tree(&repo, &after);
            let (a, b) = (every(old), every(new));
            let mut expected: Vec<String> =
                a.keys().chain(b.keys()).filter(|p| a.get(*p) != b.get(*p)).cloned().collect();
            expected.sort();
            expected.dedup();
            let mut out = Vec::new();
            let mut cache = TreeCache::new(repo.odb().unwrap(), None);
            changed(&mut cache, Some(old), Some(new), &|_| true, &mut out).unwrap();
            let mut found: Vec<String> = out.into_iter().map(|c| c.path).collect();
            found.sort();
            assert_eq!(found, expected, "round {round}");
        }
    }
}
