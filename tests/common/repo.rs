//! Repositories written commit by commit with git2, for tests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use git2::{Oid, Repository, Signature, Time};
use leakline::ingest::{ReadOptions, git::read_repository};
use leakline::model::Evidence;

/// A repository written commit by commit; files persist until deleted.
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub repo: Repository,
    files: BTreeMap<String, Vec<u8>>,
    pub head: Option<Oid>,
    clock: i64,
}

impl Repo {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        Self { dir, repo, files: BTreeMap::new(), head: None, clock: 1_700_000_000 }
    }

    pub fn put(&mut self, path: &str, text: &str) -> &mut Self {
        self.files.insert(path.to_string(), text.as_bytes().to_vec());
        self
    }

    pub fn delete(&mut self, path: &str) -> &mut Self {
        self.files.remove(path);
        self
    }

    pub fn tree(&self) -> Oid {
        pub fn write(repo: &Repository, files: &[(&str, &[u8])]) -> Oid {
            let mut b = repo.treebuilder(None).unwrap();
            let mut dirs: BTreeMap<&str, Vec<(&str, &[u8])>> = BTreeMap::new();
            for (p, c) in files {
                match p.split_once('/') {
                    Some((d, rest)) => dirs.entry(d).or_default().push((rest, c)),
                    None => {
                        b.insert(p, repo.blob(c).unwrap(), 0o100644).unwrap();
                    }
                }
            }
            for (d, inner) in dirs {
                b.insert(d, write(repo, &inner), 0o040000).unwrap();
            }
            b.write().unwrap()
        }
        let files: Vec<(&str, &[u8])> = self.files.iter().map(|(p, c)| (p.as_str(), c.as_slice())).collect();
        write(&self.repo, &files)
    }

    pub fn commit_as(
        &mut self,
        author: (&str, &str),
        committer: (&str, &str),
        message: &str,
        extra_parent: Option<Oid>,
    ) -> Oid {
        self.clock += 3600;
        let time = Time::new(self.clock, 0);
        let a = Signature::new(author.0, author.1, &time).unwrap();
        let c = Signature::new(committer.0, committer.1, &time).unwrap();
        let tree = self.repo.find_tree(self.tree()).unwrap();
        let parents: Vec<git2::Commit> =
            self.head.into_iter().chain(extra_parent).map(|p| self.repo.find_commit(p).unwrap()).collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        let id = self.repo.commit(None, &a, &c, message, &tree, &refs).unwrap();
        self.head = Some(id);
        self.repo.reference("refs/heads/main", id, true, "test").unwrap();
        self.repo.set_head("refs/heads/main").unwrap();
        id
    }

    pub fn commit(&mut self, who: (&str, &str), message: &str) -> Oid {
        self.commit_as(who, who, message, None)
    }

    /// Pack the objects as `git gc` would (with deltas), loose ones removed.
    pub fn pack(&self) {
        let status = std::process::Command::new("git")
            .arg("-C")
            .arg(self.dir.path())
            .args(["-c", "gc.auto=0", "repack", "-adq", "--depth=50", "--window=50"])
            .status()
            .expect("the git command, to pack the test repository");
        assert!(status.success());
    }

    pub fn read(&self) -> Evidence {
        self.read_with(&ReadOptions::default())
    }

    pub fn read_with(&self, options: &ReadOptions) -> Evidence {
        read_repository(self.dir.path(), options).unwrap()
    }
}
