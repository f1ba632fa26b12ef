//! Which commits to read, oldest first: HEAD's first-parent history by default,
//! or every branch and tag. Shallow boundaries are known so that the commit at
//! the edge of a shallow clone is not taken for the one that added everything.

use std::collections::{HashMap, HashSet};

use git2::{Oid, Repository};

/// A commit to read, with its tree and parents when the walk already knows them.
pub type Step = (Oid, Option<super::treediff::Links>);

/// Commits handed to the workers at a time: each batch oldest first, so that
/// a commit's parent is usually the one read just before it.
const BATCH: usize = 256;

/// A batch of the plan and its place in history order (oldest first).
pub struct Batch {
    pub order: i64,
    pub commits: Vec<Step>,
}

pub fn shallow_boundaries(repo: &Repository) -> HashSet<Oid> {
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// HEAD's first-parent chain, read raw and handed over newest batch first, so
/// that workers start at once (and on the most recent history) while the rest
/// of the chain is still being read.
fn first_parent(
    repo: &Repository,
    store: Option<&super::objects::Store>,
    shallow: &HashSet<Oid>,
    send: &mut dyn FnMut(Batch) -> bool,
) -> Result<usize, git2::Error> {
    let mut objects = super::treediff::TreeCache::new(repo.odb()?, store);
    // HEAD's id, not its commit parsed: a malformed commit there is the
    // worker's to reject, as anywhere else in history.
    let mut next = repo.refname_to_id("HEAD")?;
    let mut batch = Vec::with_capacity(BATCH);
    let (mut order, mut count) = (0i64, 0);
    loop {
        let links = objects.commit_links(next);
        let parent = links.as_ref().ok().and_then(|l| l.first_parent);
        let stop = shallow.contains(&next) || links.is_err();
        batch.push((next, links.ok()));
        count += 1;
        if batch.len() == BATCH || stop || parent.is_none() {
            batch.reverse();
            order -= 1;
            if !send(Batch { order, commits: std::mem::replace(&mut batch, Vec::with_capacity(BATCH)) }) {
                break;
            }
        }
        match parent {
            Some(p) if !stop => next = p,
            _ => break,
        }
    }
    Ok(count)
}

/// Hand the commits to read to `send`, batch by batch; the number of commits.
pub fn plan(
    repo: &Repository,
    store: Option<&super::objects::Store>,
    all_refs: bool,
    shallow: &HashSet<Oid>,
    send: &mut dyn FnMut(Batch) -> bool,
) -> Result<usize, git2::Error> {
    // A repository with no commit yet has no history to read, and that is not an error.
    if repo.head().is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch) {
        return Ok(0);
    }
    if !all_refs {
        return first_parent(repo, store, shallow, send);
    }
    every_ref(repo, store, shallow, send)
}

/// What every branch, remote branch and tag (and HEAD) reaches, oldest first
/// (each commit after its parents), read raw: libgit2's sorted walk parses
/// every commit first and gave nothing at all when one did not parse (an
/// overflowing date) or one object was missing. Here a commit that cannot be
/// read is handed on alone, for the worker to reject by its id, and the rest
/// of history is read.
fn every_ref(
    repo: &Repository,
    store: Option<&super::objects::Store>,
    shallow: &HashSet<Oid>,
    send: &mut dyn FnMut(Batch) -> bool,
) -> Result<usize, git2::Error> {
    let mut objects = super::treediff::TreeCache::new(repo.odb()?, store);
    let mut steps: Vec<Step> = Vec::new();
    let mut seen: HashSet<Oid> = HashSet::new();
    // Each commit read, while its own place is not yet known.
    let mut waiting: HashMap<Oid, super::treediff::Links> = HashMap::new();
    for tip in tips(repo) {
        // Depth first, without recursion: a commit is placed once all its parents are.
        let mut stack = vec![(tip, false)];
        while let Some((id, expanded)) = stack.pop() {
            if expanded {
                steps.push((id, waiting.remove(&id)));
                continue;
            }
            if !seen.insert(id) {
                continue;
            }
            match objects.commit_parents(id) {
                Ok((links, parents)) => {
                    stack.push((id, true));
                    // The shallow clone's edge: its parents are not there to read.
                    if !shallow.contains(&id) {
                        stack.extend(parents.iter().rev().filter(|p| !seen.contains(p)).map(|p| (*p, false)));
                    }
                    waiting.insert(id, links);
                }
                // Handed on unread: the worker reads it again and rejects it, named.
                Err(_) => steps.push((id, None)),
            }
        }
    }
    let count = steps.len();
    for (order, chunk) in steps.chunks(BATCH).enumerate() {
        if !send(Batch { order: order as i64, commits: chunk.to_vec() }) {
            break;
        }
    }
    Ok(count)
}

/// The commits that branches, remote branches, tags and HEAD name, as ids
/// (annotated tags followed to what they tag), without parsing any commit.
fn tips(repo: &Repository) -> Vec<Oid> {
    let mut out = HashSet::new();
    let names = repo.references().map(|mut refs| refs.names().flatten().map(str::to_string).collect::<Vec<_>>());
    let wanted = |n: &str| ["refs/heads/", "refs/remotes/", "refs/tags/"].iter().any(|p| n.starts_with(p));
    for name in names.unwrap_or_default().iter().map(String::as_str).filter(|n| wanted(n)).chain(["HEAD"]) {
        let Ok(mut id) = repo.refname_to_id(name) else { continue };
        // A tag of a tag of a commit: followed by the tag objects alone.
        for _ in 0..16 {
            match repo.find_tag(id) {
                Ok(tag) => id = tag.target_id(),
                Err(_) => break,
            }
        }
        out.insert(id);
    }
    let mut out: Vec<Oid> = out.into_iter().collect();
    out.sort();
    out
}
