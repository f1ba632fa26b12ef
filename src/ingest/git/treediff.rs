//! Which files changed between two trees, without computing a diff: entries
//! whose ids are equal are skipped whole (a subtree with an unchanged id is
//! never opened), so a commit costs in proportion to what it changed.

use std::cmp::Ordering;

use git2::{ObjectType, Oid, Repository, Tree, TreeEntry};

/// A file that differs between the two trees (either id may be absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub path: String,
    pub old: Option<Oid>,
    pub new: Option<Oid>,
}

/// Folders whose contents are not the project's own decisions.
fn skipped_folder(name: &[u8]) -> bool {
    matches!(
        name,
        b"node_modules" | b".git" | b"bower_components" | b"site-packages" | b".venv"
    )
}

/// Files under `old` → `new` that differ and that `wanted` accepts by path.
pub fn changed(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<Changed>,
) -> Result<(), git2::Error> {
    walk(repo, old, new, "", wanted, out)
}

/// Git's own tree order: a tree's name compares as if it ended in `/`.
fn git_order(a: &TreeEntry, b: &TreeEntry) -> Ordering {
    let (an, bn) = (a.name_bytes(), b.name_bytes());
    let len = an.len().min(bn.len());
    match an[..len].cmp(&bn[..len]) {
        Ordering::Equal => {}
        other => return other,
    }
    let next = |name: &[u8], e: &TreeEntry| {
        name.get(len)
            .copied()
            .or((e.kind() == Some(ObjectType::Tree)).then_some(b'/'))
    };
    next(an, a).cmp(&next(bn, b))
}

fn blob_id(e: Option<&TreeEntry>) -> Option<Oid> {
    // Submodules (commit entries) and symlinks carry no content of ours.
    e.filter(|e| e.kind() == Some(ObjectType::Blob) && e.filemode() != 0o120000)
        .map(|e| e.id())
}

fn subtree<'r>(
    repo: &'r Repository,
    e: Option<&TreeEntry>,
) -> Result<Option<Tree<'r>>, git2::Error> {
    match e.filter(|e| e.kind() == Some(ObjectType::Tree)) {
        Some(e) => repo.find_tree(e.id()).map(Some),
        None => Ok(None),
    }
}

fn walk(
    repo: &Repository,
    old: Option<&Tree>,
    new: Option<&Tree>,
    prefix: &str,
    wanted: &dyn Fn(&str) -> bool,
    out: &mut Vec<Changed>,
) -> Result<(), git2::Error> {
    let (na, nb) = (old.map_or(0, Tree::len), new.map_or(0, Tree::len));
    let (mut i, mut j) = (0, 0);
    while i < na || j < nb {
        let a = old.and_then(|t| t.get(i));
        let b = new.and_then(|t| t.get(j));
        let order = match (&a, &b) {
            (Some(x), Some(y)) => git_order(x, y),
            (Some(_), None) => Ordering::Less,
            _ => Ordering::Greater,
        };
        let (left, right) = match order {
            Ordering::Less => {
                i += 1;
                (a, None)
            }
            Ordering::Greater => {
                j += 1;
                (None, b)
            }
            Ordering::Equal => {
                i += 1;
                j += 1;
                (a, b)
            }
        };
        if let (Some(l), Some(r)) = (&left, &right)
            && l.id() == r.id()
        {
            continue;
        }
        let Some(any) = left.as_ref().or(right.as_ref()) else {
            continue;
        };
        let name = any.name_bytes();
        if skipped_folder(name) {
            continue;
        }
        let name = String::from_utf8_lossy(name);
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        let (lt, rt) = (
            subtree(repo, left.as_ref())?,
            subtree(repo, right.as_ref())?,
        );
        if lt.is_some() || rt.is_some() {
            walk(repo, lt.as_ref(), rt.as_ref(), &path, wanted, out)?;
        }
        let (old_id, new_id) = (blob_id(left.as_ref()), blob_id(right.as_ref()));
        if (old_id.is_some() || new_id.is_some()) && old_id != new_id && wanted(&path) {
            out.push(Changed {
                path,
                old: old_id,
                new: new_id,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree<'r>(repo: &'r Repository, files: &[(&str, &str)]) -> Tree<'r> {
        let mut index = repo.index().unwrap();
        index.clear().ok();
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
            index.add(&entry).ok();
        }
        let id = index.write_tree().unwrap();
        repo.find_tree(id).unwrap()
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
                ("c.txt", "d"),
                ("d/package.json", "{}"),
                ("node_modules/p/package.json", "{\"a\":1}"),
                ("z-a", "q"),
            ],
        );
        let mut out = Vec::new();
        changed(
            &repo,
            Some(&a),
            Some(&b),
            &|p| !p.ends_with(".txt") || p.contains("requirements"),
            &mut out,
        )
        .unwrap();
        let paths: Vec<&str> = out.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, vec!["a/requirements.txt", "d/package.json"]);
        assert!(out[1].old.is_none());
    }
}
