//! git's commit-graph file (`objects/info/commit-graph`, written by `git gc`
//! and `git commit-graph write`): each commit's tree and parents without
//! inflating the commit. Read as git reads it, and not at all where git would
//! not use it either (grafts, replace refs, shallow history, a split graph,
//! `core.commitGraph = false`); a commit it does not hold is read the usual way.

use git2::{Oid, Repository};

use super::treediff::Links;

const ID_LEN: usize = 20;
/// No parent in this slot.
const NO_PARENT: u32 = 0x7000_0000;
/// The second parent slot points into the extra-edge list (an octopus merge).
const EXTRA_EDGES: u32 = 0x8000_0000;
const CDAT_LEN: usize = ID_LEN + 16;

pub struct CommitGraph {
    data: Vec<u8>,
    fanout: [u32; 256],
    ids_at: usize,
    cdat_at: usize,
    edges: Option<(usize, usize)>,
}

impl CommitGraph {
    /// The repository's commit-graph, where git itself would use it.
    pub fn open(repo: &Repository) -> Option<Self> {
        let config = repo.config().ok();
        if config.as_ref().and_then(|c| c.get_bool("core.commitGraph").ok()) == Some(false) {
            return None;
        }
        let git_dir = repo.path();
        let replaced = repo.references_glob("refs/replace/*").ok().is_some_and(|mut r| r.next().is_some());
        if replaced || git_dir.join("shallow").exists() || git_dir.join("info/grafts").exists() {
            return None;
        }
        Self::parse(std::fs::read(git_dir.join("objects/info/commit-graph")).ok()?)
    }

    fn parse(data: Vec<u8>) -> Option<Self> {
        // "CGPH", version 1, SHA-1, chunk count, base graphs (a split graph has some).
        if data.get(..4)? != b"CGPH" || data.get(4..6)? != [1, 1] || *data.get(7)? != 0 {
            return None;
        }
        let chunks = usize::from(*data.get(6)?);
        let chunk = |i: usize| -> Option<([u8; 4], usize)> {
            let at = 8 + i * 12;
            let id: [u8; 4] = data.get(at..at + 4)?.try_into().ok()?;
            let offset = u64::from_be_bytes(data.get(at + 4..at + 12)?.try_into().ok()?);
            Some((id, usize::try_from(offset).ok()?))
        };
        let (mut fanout_at, mut ids_at, mut cdat_at, mut edges) = (None, None, None, None);
        for i in 0..chunks {
            let ((id, start), (_, end)) = (chunk(i)?, chunk(i + 1)?);
            if start > end || end > data.len() {
                return None;
            }
            match &id {
                b"OIDF" => fanout_at = Some(start),
                b"OIDL" => ids_at = Some(start),
                b"CDAT" => cdat_at = Some(start),
                b"EDGE" => edges = Some((start, end)),
                _ => {}
            }
        }
        let (fanout_at, ids_at, cdat_at) = (fanout_at?, ids_at?, cdat_at?);
        let mut fanout = [0u32; 256];
        for (i, slot) in fanout.iter_mut().enumerate() {
            *slot = u32::from_be_bytes(data.get(fanout_at + i * 4..fanout_at + i * 4 + 4)?.try_into().ok()?);
        }
        let count = fanout[255] as usize;
        if fanout.windows(2).any(|w| w[0] > w[1])
            || data.len() < ids_at + count * ID_LEN
            || data.len() < cdat_at + count * CDAT_LEN
        {
            return None;
        }
        Some(Self { data, fanout, ids_at, cdat_at, edges })
    }

    fn id(&self, i: usize) -> Option<Oid> {
        let at = self.ids_at + i * ID_LEN;
        Oid::from_bytes(self.data.get(at..at + ID_LEN)?).ok()
    }

    fn position(&self, id: &Oid) -> Option<usize> {
        let bytes = id.as_bytes();
        let first = *bytes.first()? as usize;
        let (mut lo, mut hi) =
            (if first == 0 { 0 } else { self.fanout[first - 1] as usize }, self.fanout[first] as usize);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = self.ids_at + mid * ID_LEN;
            match self.data.get(at..at + ID_LEN)?.cmp(bytes) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid),
            }
        }
        None
    }

    fn word(&self, at: usize) -> Option<u32> {
        Some(u32::from_be_bytes(self.data.get(at..at + 4)?.try_into().ok()?))
    }

    /// A commit's tree, first parent and number of parents, if the graph holds it.
    pub fn links(&self, id: &Oid) -> Option<Links> {
        let i = self.position(id)?;
        let at = self.cdat_at + i * CDAT_LEN;
        let tree = Oid::from_bytes(self.data.get(at..at + ID_LEN)?).ok()?;
        let (first, second) = (self.word(at + ID_LEN)?, self.word(at + ID_LEN + 4)?);
        let parent = |p: u32| if (p as usize) < self.fanout[255] as usize { self.id(p as usize) } else { None };
        let (first_parent, parents) = match (first, second) {
            (NO_PARENT, _) => (None, 0),
            (p, NO_PARENT) => (Some(parent(p)?), 1),
            (p, q) if q & EXTRA_EDGES == 0 => {
                parent(q)?;
                (Some(parent(p)?), 2)
            }
            (p, q) => {
                // An octopus: the rest of its parents are listed in EDGE, the last marked.
                let (start, end) = self.edges?;
                let mut at = start + (q & !EXTRA_EDGES) as usize * 4;
                let mut more = 0;
                loop {
                    if at + 4 > end {
                        return None;
                    }
                    let edge = self.word(at)?;
                    parent(edge & !EXTRA_EDGES)?;
                    more += 1;
                    if edge & EXTRA_EDGES != 0 {
                        break;
                    }
                    at += 4;
                }
                (Some(parent(p)?), 1 + more)
            }
        };
        Some(Links { tree, first_parent, parents })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::git::treediff;

    /// Every commit of a history with merges and an octopus merge: the graph
    /// says what the commit objects say.
    #[test]
    fn the_graph_agrees_with_the_commits() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let sig = git2::Signature::new("Dev", "dev@example.com", &git2::Time::new(1_700_000_000, 0)).unwrap();
        let mut commits: Vec<Oid> = Vec::new();
        for i in 0..40 {
            let mut builder = repo.treebuilder(None).unwrap();
            builder.insert("f.txt", repo.blob(format!("{i}").as_bytes()).unwrap(), 0o100644).unwrap();
            let tree = repo.find_tree(builder.write().unwrap()).unwrap();
            let parents: Vec<git2::Commit> = match i {
                0 => vec![],
                _ if i % 10 == 0 => {
                    [i - 1, i - 3, i - 5].iter().map(|p| repo.find_commit(commits[*p]).unwrap()).collect()
                }
                _ if i % 7 == 0 => [i - 1, i - 4].iter().map(|p| repo.find_commit(commits[*p]).unwrap()).collect(),
                _ => vec![repo.find_commit(commits[i - 1]).unwrap()],
            };
            let refs: Vec<&git2::Commit> = parents.iter().collect();
            commits.push(repo.commit(Some("HEAD"), &sig, &sig, &format!("c{i}"), &tree, &refs).unwrap());
        }
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["commit-graph", "write", "--reachable"])
            .status()
            .expect("the git command, to write a commit-graph");
        assert!(status.success());
        let graph = CommitGraph::open(&repo).expect("a commit-graph");
        let odb = repo.odb().unwrap();
        for id in &commits {
            let expected = treediff::commit_links(odb.read(*id).unwrap().data()).unwrap();
            assert_eq!(graph.links(id), Some(expected), "{id}");
        }
        assert!(commits.iter().any(|id| graph.links(id).unwrap().parents == 3));
        assert_eq!(graph.links(&Oid::from_str("0123456789012345678901234567890123456789").unwrap()), None);
        // Damaged, it is not used; and git's own switch turns it off.
        let path = dir.path().join(".git/objects/info/commit-graph");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[5] = 2;
        assert!(CommitGraph::parse(bytes).is_none());
        repo.config().unwrap().set_bool("core.commitGraph", false).unwrap();
        assert!(CommitGraph::open(&repo).is_none());
    }
}
