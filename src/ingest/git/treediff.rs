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

/// The entries of a raw tree object, in stored order.
fn entries(data: &[u8]) -> impl Iterator<Item = Entry<'_>> {
    let mut rest = data;
    std::iter::from_fn(move || {
        let space = rest.iter().position(|b| *b == b' ')?;
        let nul = space + 1 + rest[space + 1..].iter().position(|b| *b == 0)?;
        let end = nul + 1 + 20;
        if end > rest.len() {
            return None;
        }
        let entry = Entry { mode: &rest[..space], name: &rest[space + 1..nul], id: &rest[nul + 1..end] };
        rest = &rest[end..];
        Some(entry)
    })
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

/// Raw trees read for the previous commit and this one: the next commit's old
/// side is mostly this one's new side, so each tree is inflated once.
pub struct TreeCache<'r> {
    odb: Odb<'r>,
    objects: Option<objects::Reader<'r>>,
    previous: HashMap<Oid, objects::Bytes, IdHash>,
    current: HashMap<Oid, objects::Bytes, IdHash>,
}

impl<'r> TreeCache<'r> {
    pub fn new(odb: Odb<'r>, store: Option<&'r objects::Store>) -> Self {
        Self {
            odb,
            objects: store.map(objects::Store::reader),
            previous: HashMap::default(),
            current: HashMap::default(),
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
        if let Some(t) = self.current.get(&id).or_else(|| self.previous.get(&id)) {
            return Ok(t.clone());
        }
        let data = self.raw(id)?;
        self.current.insert(id, data.clone());
        Ok(data)
    }

    /// The id of the file or folder at `path` (`/`-separated) under the tree `root`.
    pub fn id_at(&mut self, root: Oid, path: &str) -> Option<Oid> {
        let mut id = root;
        for part in path.split('/') {
            let tree = self.get(id).ok()?;
            let entry = entries(&tree).find(|e| e.name == part.as_bytes())?;
            id = Oid::from_bytes(entry.id).ok()?;
        }
        Some(id)
    }

    /// Move on to the next commit: keep what this one opened, drop the rest.
    pub fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }

    /// The tree and parent ids of a commit, from its raw object.
    pub fn commit_links(&mut self, id: Oid) -> Result<(Oid, Vec<Oid>), git2::Error> {
        commit_links(&self.raw(id)?)
    }
}

/// The tree and parent ids of a raw commit object.
pub fn commit_links(object: &[u8]) -> Result<(Oid, Vec<Oid>), git2::Error> {
    let mut tree = None;
    let mut parents = Vec::new();
    for line in object.split(|b| *b == b'\n') {
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = std::str::from_utf8(hex).ok().and_then(|h| Oid::from_str(h).ok());
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.extend(std::str::from_utf8(hex).ok().and_then(|h| Oid::from_str(h).ok()));
        } else {
            break;
        }
    }
    let tree = tree.ok_or_else(|| git2::Error::from_str("commit without a tree"))?;
    Ok((tree, parents))
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
    let (mut a, mut b) = (entries(old).peekable(), entries(new).peekable());
    loop {
        let order = match (a.peek(), b.peek()) {
            (None, None) => break,
            (Some(x), Some(y)) => git_order(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        let (left, right) = match order {
            Ordering::Less => (a.next(), None),
            Ordering::Greater => (None, b.next()),
            Ordering::Equal => (a.next(), b.next()),
        };
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
        let path = if prefix.is_empty() { name.into_owned() } else { format!("{prefix}/{name}") };
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
}
