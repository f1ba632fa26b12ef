//! One worker's share of the history walk: for each commit, the files that
//! changed (by tree ids, see `treediff`), the watched packages they moved, and
//! the reachability rules on their added and removed lines.

mod dependencies;
mod rules;

pub(super) use rules::similarity;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use git2::{Oid, Repository};

use super::codeowners::CodeOwners;
use super::commit;
use super::manifests;
use super::merged::{MergedSide, Origin};
use super::reachability;
use super::treediff::{self, Changed};
use super::watchlist::Watchlist;
use crate::model::{CommitInfo, Evidence, Introduced, Person, Rejected};

/// Files larger than this are not read for reachability rules (generated or vendored).
const MAX_RULE_BLOB: usize = 4 << 20;
/// Moved files whose carried lines are blamed, at most, per worker: a
/// restructuring that moves thousands of files is claimed where it changed them.
const MAX_BLAMES: usize = 2_000;
/// Lockfiles can be large; beyond this they are reported as unread.
const MAX_MANIFEST_BLOB: usize = 256 << 20;

type Packages = BTreeMap<String, Vec<String>>;

pub struct Worker<'a> {
    pub repo: &'a Repository,
    pub display: &'a str,
    pub watch: &'a Watchlist,
    pub all_deps: bool,
    pub rules: bool,
    pub user_rules: &'a [reachability::UserRule],
    pub shallow: &'a HashSet<Oid>,
    pub evidence: Evidence,
    pub rejected: Vec<Rejected>,
    pub notes: Vec<String>,
    /// Commits that changed something the scan reads.
    pub relevant: usize,
    parsed: HashMap<(Oid, &'static str), Arc<Result<Packages, String>>>,
    /// The last commit read and its tree: usually the next one's parent.
    previous: Option<(Oid, Oid)>,
    trees: treediff::TreeCache<'a>,
    owners: HashMap<Oid, Arc<CodeOwners>>,
    /// The merged side of the merge being read, kept across its files.
    side: Option<MergedSide>,
    /// Moved files blamed so far, against `MAX_BLAMES`.
    blames: usize,
}

fn short(id: &Oid) -> String {
    id.to_string()[..12].to_string()
}

impl<'a> Worker<'a> {
    pub fn new(
        repo: &'a Repository,
        display: &'a str,
        watch: &'a Watchlist,
        shallow: &'a HashSet<Oid>,
        store: Option<&'a super::objects::Store>,
    ) -> Result<Self, git2::Error> {
        let odb = repo.odb()?;
        Ok(Self {
            repo,
            display,
            watch,
            all_deps: false,
            rules: true,
            user_rules: &[],
            shallow,
            evidence: Evidence::default(),
            rejected: Vec::new(),
            notes: Vec::new(),
            relevant: 0,
            parsed: HashMap::new(),
            previous: None,
            trees: treediff::TreeCache::new(odb, store),
            owners: HashMap::new(),
            side: None,
            blames: 0,
        })
    }

    /// A blob's bytes, unless it is binary (git's test: a NUL in the first
    /// 8000 bytes) or larger than `max`.
    fn blob(&mut self, id: Option<Oid>, max: usize) -> Option<super::objects::Bytes> {
        let data = self.trees.raw(id?).ok()?;
        (data.len() <= max && !data[..data.len().min(8000)].contains(&0)).then_some(data)
    }

    fn blob_text(&mut self, id: Option<Oid>, max: usize) -> Option<String> {
        self.blob(id, max).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Scan one commit of the plan.
    pub fn commit(&mut self, oid: Oid, links: Option<treediff::Links>) -> Result<(), git2::Error> {
        self.trees.next_commit();
        let links = match links {
            Some(l) => l,
            None => self.trees.commit_links(oid)?,
        };
        let tree_id = links.tree;
        let previous = self.previous.replace((oid, tree_id));
        let parent_tree = if self.shallow.contains(&oid) {
            None
        } else {
            match (previous, links.first_parent) {
                (Some((prev, prev_tree)), Some(parent)) if prev == parent => Some(Ok(prev_tree)),
                (_, Some(parent)) => Some(self.trees.commit_links(parent).map(|l| l.tree)),
                (_, None) => Some(Err(git2::Error::from_str("root"))),
            }
        };
        let parent_tree = match parent_tree {
            Some(Ok(t)) => Some(t),
            Some(Err(_)) if links.parents == 0 => None,
            boundary => {
                let why = if boundary.is_none() { "history is shallow at" } else { "the parent is missing of" };
                self.notes.push(format!("{why} {}: what changed before it is unknown", short(&oid)));
                let info = self.info(oid)?;
                self.evidence.commits.push(info);
                return Ok(());
            }
        };
        let mut changed = Vec::new();
        let rules = self.rules;
        let user = self.user_rules;
        let wanted = |p: &str| manifests::ecosystem(p).is_some() || (rules && reachability::applies_to(p, user));
        treediff::changed(&mut self.trees, parent_tree, Some(tree_id), &wanted, &mut changed)?;
        // Commits that touched nothing of interest are not kept: most of a history.
        if changed.is_empty() {
            return Ok(());
        }
        let info = self.info(oid)?;
        let mut deps = Vec::new();
        for c in &changed {
            if let Some(kind) = manifests::ecosystem(&c.path) {
                deps.extend(self.manifest_changes(oid, tree_id, links.parents > 1, c, kind, &info));
            }
        }
        if self.rules {
            let candidates: Vec<Changed> =
                changed.into_iter().filter(|c| reachability::applies_to(&c.path, self.user_rules)).collect();
            for (c, from) in self.pair_renames(candidates) {
                let moved = from.as_deref().zip(links.first_parent);
                self.rules_on(&c, &info, (links.parents > 1).then_some(oid), moved)?;
            }
        }
        let (reported, locked) = dependencies::settle(deps);
        self.evidence.dependency_changes.extend(reported);
        self.evidence.locked.extend(locked);
        self.evidence.commits.push(info);
        self.relevant += 1;
        Ok(())
    }

    /// Who wrote, merged and approved a commit, from its raw object.
    fn info(&mut self, oid: Oid) -> Result<CommitInfo, git2::Error> {
        let parts = commit::Parts::parse(&self.trees.raw(oid)?);
        if parts.odd_time {
            self.notes.push(format!(
                "commit {}: its committer date cannot be read (missing, or past what a date holds); it is shown as 1970-01-01",
                short(&oid)
            ));
        }
        Ok(commit::info_from(oid, parts))
    }

    /// The side `merge` brought in, walked once per merge however many files it changed.
    fn side(&mut self, merge: Oid) -> MergedSide {
        match self.side.take() {
            Some(side) if side.merge() == merge => side,
            _ => MergedSide::walk(self.repo, &mut self.trees, merge),
        }
    }
}

/// A commit as the introducer of what it changed itself.
fn introduced_here(info: &CommitInfo) -> Introduced {
    Introduced { commit: info.id.clone(), author: info.author.clone(), at: info.at, pull_request: info.pull_request }
}

/// Credit a change to whoever wrote it: `info` (a copy of the commit it
/// arrived in) takes the introducer's name, and a merge's pull request where
/// it has none of its own. Untraced, nobody is named.
fn credit(info: &mut CommitInfo, origin: Origin) -> Option<Introduced> {
    match origin {
        Origin::Found(by) => {
            info.author = by.author.clone();
            info.bot = super::trailers::is_bot(&info.author);
            if info.pull_request.is_none() {
                info.pull_request = by.pull_request;
            }
            Some(by)
        }
        Origin::Untraced => {
            info.author = Person::new("", "");
            info.bot = false;
            None
        }
    }
}
