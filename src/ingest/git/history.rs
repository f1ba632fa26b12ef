//! Which commits to read, oldest first: HEAD's first-parent history by default,
//! or every branch and tag. Shallow boundaries are known so that the commit at
//! the edge of a shallow clone is not taken for the one that added everything.

use std::collections::HashSet;

use git2::{Oid, Repository, Sort};

pub struct Plan {
    pub commits: Vec<Oid>,
    pub shallow: HashSet<Oid>,
}

pub fn plan(repo: &Repository, all_refs: bool) -> Result<Plan, git2::Error> {
    let mut walk = repo.revwalk()?;
    if all_refs {
        for glob in ["refs/heads/*", "refs/remotes/*", "refs/tags/*"] {
            walk.push_glob(glob)?;
        }
        if repo.head().is_ok() {
            walk.push_head()?;
        }
    } else {
        walk.push_head()?;
        walk.simplify_first_parent()?;
    }
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    let mut commits = Vec::new();
    for oid in walk {
        match oid {
            Ok(oid) => commits.push(oid),
            // A missing object ends this line of history; what was read stays.
            Err(_) => break,
        }
    }
    let shallow = std::fs::read_to_string(repo.path().join("shallow"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok())
        .collect();
    Ok(Plan { commits, shallow })
}
