//! Which commits to read, oldest first: HEAD's first-parent history by default,
//! or every branch and tag. Shallow boundaries are known so that the commit at
//! the edge of a shallow clone is not taken for the one that added everything.

use std::collections::HashSet;

use git2::{Oid, Repository, Sort};

/// A commit to read, with its tree and parents when the walk already knows them.
pub type Step = (Oid, Option<(Oid, Vec<Oid>)>);

pub struct Plan {
    pub commits: Vec<Step>,
    pub shallow: HashSet<Oid>,
}

fn shallow_boundaries(repo: &Repository) -> HashSet<Oid> {
    std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect()
}

/// HEAD's first-parent chain, read raw: each commit object is inflated once here
/// and its links handed to the scan.
fn first_parent(repo: &Repository, shallow: &HashSet<Oid>) -> Result<Vec<Step>, git2::Error> {
    let odb = repo.odb()?;
    let mut next = repo.head()?.peel_to_commit()?.id();
    let mut out = Vec::new();
    loop {
        let links = super::treediff::commit_links(&odb, next);
        let parent = links.as_ref().ok().and_then(|(_, p)| p.first().copied());
        let stop = shallow.contains(&next) || links.is_err();
        out.push((next, links.ok()));
        match parent {
            Some(p) if !stop => next = p,
            _ => break,
        }
    }
    out.reverse();
    Ok(out)
}

pub fn plan(repo: &Repository, all_refs: bool) -> Result<Plan, git2::Error> {
    let shallow = shallow_boundaries(repo);
    // A repository with no commit yet has no history to read, and that is not an error.
    if repo.head().is_err_and(|e| e.code() == git2::ErrorCode::UnbornBranch) {
        return Ok(Plan { commits: Vec::new(), shallow });
    }
    if !all_refs {
        return Ok(Plan { commits: first_parent(repo, &shallow)?, shallow });
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
    Ok(Plan { commits, shallow })
}
