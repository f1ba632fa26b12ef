//! What a merge brought in. A line or a version that arrives in a merge was
//! written by a commit on the merged side (reachable from the other parents,
//! not from the first), and that commit's author is who wrote it — as
//! `git blame` through the merge says — not the merge's author, nor the
//! branch tip's. The merge keeps its pull request and `merged_by`.

use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use chrono::{TimeZone, Utc};
use git2::{Oid, Repository, Sort};

use super::commit::Parts;
use super::trailers;
use super::treediff::TreeCache;
use crate::model::Introduced;

/// Commits of a merged side read at most; a longer side is reported as not traced.
const MAX_SIDE: usize = 20_000;

/// A side commit that changed a file: its id, and the file's blob before and after.
pub type FileChange = (Oid, Option<Oid>, Option<Oid>);

/// Where a line or a package change of a merge came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A commit on the merged side, or the merge itself (a conflict resolution).
    Found(Introduced),
    /// The merged side is longer than the walk reads, or its objects are missing.
    Untraced,
}

/// The lines one side commit added to and removed from one file.
struct LineChange {
    added: HashSet<String>,
    removed: HashSet<String>,
    /// The commit created the file.
    created: bool,
}

struct SideCommit {
    id: Oid,
    tree: Oid,
    parent_tree: Option<Oid>,
}

/// The non-merge commits a merge brought in, newest first.
pub struct MergedSide {
    merge: Oid,
    commits: Vec<SideCommit>,
    truncated: bool,
    lines: HashMap<(usize, String), Option<Rc<LineChange>>>,
}

impl MergedSide {
    /// The side of `merge`: commits reachable from its second and later
    /// parents and not from its first, in git's topological order by time.
    pub fn walk(repo: &Repository, trees: &mut TreeCache, merge: Oid) -> Self {
        let mut side = MergedSide { merge, commits: Vec::new(), truncated: false, lines: HashMap::new() };
        let Ok(links) = trees.commit_links(merge) else {
            side.truncated = true;
            return side;
        };
        let parents = match trees.raw(merge) {
            Ok(raw) => Parts::parse(&raw).parents,
            Err(_) => Vec::new(),
        };
        let (Some(first), others) = (links.first_parent, parents.get(1..).unwrap_or(&[])) else {
            return side;
        };
        let walk = repo.revwalk().and_then(|mut w| {
            w.set_sorting(Sort::TOPOLOGICAL | Sort::TIME)?;
            for p in others {
                w.push(*p)?;
            }
            w.hide(first)?;
            Ok(w)
        });
        let Ok(walk) = walk else {
            side.truncated = true;
            return side;
        };
        for (n, oid) in walk.enumerate() {
            let Ok(oid) = oid else {
                side.truncated = true;
                break;
            };
            if n >= MAX_SIDE {
                side.truncated = true;
                break;
            }
            let Ok(links) = trees.commit_links(oid) else {
                side.truncated = true;
                continue;
            };
            if links.parents > 1 {
                continue;
            }
            let parent_tree = match links.first_parent {
                Some(p) => match trees.commit_links(p) {
                    Ok(l) => Some(l.tree),
                    Err(_) => {
                        // A shallow boundary: what this commit changed is unknown.
                        side.truncated = true;
                        continue;
                    }
                },
                None => None,
            };
            side.commits.push(SideCommit { id: oid, tree: links.tree, parent_tree });
        }
        side
    }

    pub fn merge(&self) -> Oid {
        self.merge
    }

    /// The blob ids of `path` before and after each side commit that changed it, newest first.
    pub fn changes_of(&self, trees: &mut TreeCache, path: &str) -> Vec<FileChange> {
        let mut out = Vec::new();
        for c in &self.commits {
            let new = trees.id_at(c.tree, path);
            let old = c.parent_tree.and_then(|t| trees.id_at(t, path));
            if new != old {
                out.push((c.id, old, new));
            }
        }
        out
    }

    /// Who wrote the line `text` of `path` into the merge (`added`), or took it
    /// out of it: the newest side commit whose diff of the file adds (removes)
    /// exactly that line; the merge itself where none does. As blame does, a
    /// file the side created by moving another is followed to its old path.
    pub fn line_origin(
        &mut self,
        repo: &Repository,
        trees: &mut TreeCache,
        path: &str,
        text: &str,
        added: bool,
    ) -> Origin {
        let text = text.trim_end_matches(['\r', '\n']);
        let mut path = path.to_string();
        let mut followed: Option<usize> = None;
        let mut i = 0;
        while i < self.commits.len() {
            let Some(change) = self.line_change(trees, i, &path) else {
                i += 1;
                continue;
            };
            let set = if added { &change.added } else { &change.removed };
            if !set.contains(text) {
                i += 1;
                continue;
            }
            if added
                && change.created
                && let Some(source) = self.moved_from(trees, i, &path, text)
            {
                path = source;
                followed = Some(i);
                i += 1;
                continue;
            }
            return introduced(trees, self.commits[i].id);
        }
        match followed {
            // The line is older than the side, which moved its file: blame it where it was.
            Some(i) => self.blame_before(repo, trees, i, &path, text),
            None => self.fallback(trees),
        }
    }

    /// Who wrote `text` into `path` as it stood just before side commit `i`.
    fn blame_before(&self, repo: &Repository, trees: &mut TreeCache, i: usize, path: &str, text: &str) -> Origin {
        let blamed = (|| {
            let parent = trees.commit_links(self.commits[i].id).ok()?.first_parent?;
            let tree = self.commits[i].parent_tree?;
            let id = trees.id_at(tree, path)?;
            let blob = trees.raw(id).ok()?;
            let line = String::from_utf8_lossy(&blob).lines().position(|l| l.trim_end_matches('\r') == text)? + 1;
            let mut options = git2::BlameOptions::new();
            options.newest_commit(parent).min_line(line).max_line(line);
            let blame = repo.blame_file(std::path::Path::new(path), Some(&mut options)).ok()?;
            let hunk = blame.get_line(line)?;
            Some(hunk.final_commit_id())
        })();
        match blamed {
            Some(id) => introduced(trees, id),
            None => Origin::Untraced,
        }
    }

    /// The file side commit `i` deleted that held `text` and that git would
    /// pair with `path`, the file it created: the same name, or mostly the same lines.
    fn moved_from(&mut self, trees: &mut TreeCache, i: usize, path: &str, text: &str) -> Option<String> {
        let (tree, parent) = (self.commits[i].tree, self.commits[i].parent_tree?);
        let mut changed = Vec::new();
        super::treediff::changed(trees, Some(parent), Some(tree), &|_| true, &mut changed).ok()?;
        let created = trees.id_at(tree, path)?;
        let new_text = String::from_utf8_lossy(&trees.raw(created).ok()?).into_owned();
        let name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let mut best: Option<(f64, String)> = None;
        for c in changed.iter().filter(|c| c.new.is_none()) {
            let Some(old) = c.old.and_then(|id| trees.raw(id).ok()) else { continue };
            let old_text = String::from_utf8_lossy(&old);
            if !old_text.lines().any(|l| l.trim_end_matches('\r') == text) {
                continue;
            }
            let score = if name(&c.path) == name(path) { 1.0 } else { super::scan::similarity(&old_text, &new_text) };
            if score >= 0.5 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                best = Some((score, c.path.clone()));
            }
        }
        best.map(|(_, p)| p)
    }

    /// The merge itself, where the side shows no commit that made the change
    /// (a conflict resolution); untraced where the side was not read whole.
    pub fn fallback(&self, trees: &mut TreeCache) -> Origin {
        if self.truncated { Origin::Untraced } else { introduced(trees, self.merge) }
    }

    fn line_change(&mut self, trees: &mut TreeCache, i: usize, path: &str) -> Option<Rc<LineChange>> {
        if let Some(hit) = self.lines.get(&(i, path.to_string())) {
            return hit.clone();
        }
        let c = &self.commits[i];
        let new = trees.id_at(c.tree, path);
        let old = c.parent_tree.and_then(|t| trees.id_at(t, path));
        let change = if new == old { None } else { line_diff(trees, old, new).map(Rc::new) };
        self.lines.insert((i, path.to_string()), change.clone());
        change
    }
}

/// The commit `id` as the introducer of a change.
pub fn introduced(trees: &mut TreeCache, id: Oid) -> Origin {
    match trees.raw(id) {
        Ok(raw) => {
            let parts = Parts::parse(&raw);
            Origin::Found(Introduced {
                commit: id.to_string(),
                at: Utc.timestamp_opt(parts.time, 0).single().unwrap_or_default(),
                pull_request: trailers::pull_request(parts.message.trim_start_matches('\n')),
                author: parts.author,
            })
        }
        Err(_) => Origin::Untraced,
    }
}

fn line_diff(trees: &mut TreeCache, old: Option<Oid>, new: Option<Oid>) -> Option<LineChange> {
    let old_id = old;
    let read = |trees: &mut TreeCache, id: Option<Oid>| match id {
        Some(id) => trees.raw(id).ok().map(|b| b.to_vec()),
        None => Some(Vec::new()),
    };
    let (old, new) = (read(trees, old)?, read(trees, new)?);
    let mut opts = git2::DiffOptions::new();
    opts.context_lines(0);
    let patch = git2::Patch::from_buffers(&old, None, &new, None, Some(&mut opts)).ok()?;
    let mut change = LineChange { added: HashSet::new(), removed: HashSet::new(), created: old_id.is_none() };
    for h in 0..patch.num_hunks() {
        for l in 0..patch.num_lines_in_hunk(h).unwrap_or(0) {
            let Ok(line) = patch.line_in_hunk(h, l) else { continue };
            let text = String::from_utf8_lossy(line.content()).trim_end_matches(['\r', '\n']).to_string();
            match line.origin() {
                '+' => {
                    change.added.insert(text);
                }
                '-' => {
                    change.removed.insert(text);
                }
                _ => {}
            }
        }
    }
    Some(change)
}
