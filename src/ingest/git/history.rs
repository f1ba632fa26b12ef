//! Which commits to read, oldest first: HEAD's first-parent history by default,
//! or every branch and tag. Shallow boundaries are known so that the commit at
//! the edge of a shallow clone is not taken for the one that added everything.

use std::collections::HashSet;

use git2::{Oid, Repository, Sort};

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
    let mut next = repo.head()?.peel_to_commit()?.id();
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
    let mut walk = repo.revwalk()?;
    {
        for glob in ["refs/heads/*", "refs/remotes/*", "refs/tags/*"] {
            walk.push_glob(glob)?;
        }
        if repo.head().is_ok() {
            walk.push_head()?;
        }
    }
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut commits = Vec::new();
    for oid in walk {
        match oid {
            Ok(oid) => commits.push((oid, None)),
            // A missing object ends this line of history; what was read stays.
            Err(_) => break,
        }
    }
    let count = commits.len();
    for (order, chunk) in commits.chunks(BATCH).enumerate() {
        if !send(Batch { order: order as i64, commits: chunk.to_vec() }) {
            break;
        }
    }
    Ok(count)
}
