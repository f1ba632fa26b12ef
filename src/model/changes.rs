//! Changes to watched packages and the commits they arrived in.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::texts::{Texts, Visit, walk};
use super::{Approver, Person};

/// What happened to a watched package in one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Upgraded,
    Downgraded,
    Removed,
    /// A cap raised or dropped, or a pin opened into a range that keeps it.
    ConstraintWidened,
    /// A cap added or lowered.
    ConstraintNarrowed,
    /// Any constraint dropped: whatever is newest will be installed.
    Unpinned,
    /// A range (or nothing) replaced by one exact version.
    Pinned,
    /// Declared in another manifest or lockfile now (a migration, e.g.
    /// `poetry.lock` → `uv.lock`); `moved_from` and `net_change` say more.
    Moved,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::Removed => "removed",
            ChangeKind::ConstraintWidened => "constraint_widened",
            ChangeKind::ConstraintNarrowed => "constraint_narrowed",
            ChangeKind::Unpinned => "unpinned",
            ChangeKind::Pinned => "pinned",
            ChangeKind::Moved => "moved",
        }
    }
}

/// Facts about the commit a change arrived in: who wrote, merged and approved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct CommitInfo {
    pub id: String,
    pub at: DateTime<Utc>,
    pub summary: String,
    pub author: Person,
    pub committer: Person,
    pub merged_by: Option<Person>,
    pub pull_request: Option<u64>,
    pub approvers: Vec<Approver>,
    /// Signed-off-by and Co-authored-by: recorded, not approvals.
    pub other_trailers: Vec<(String, Person)>,
    pub bot: bool,
    /// What the forge said (set by correlate).
    pub forge: crate::model::ForgeCheck,
}

/// The commit that actually wrote a line or a version: the commit itself, or,
/// for a merge, the commit on the merged branch that introduced it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Introduced {
    pub commit: String,
    pub author: Person,
    pub at: DateTime<Utc>,
    /// The introducing commit's own pull request (a squash subject's `(#N)`).
    pub pull_request: Option<u64>,
}

/// A change to a watched package, in one manifest, in one commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DependencyChange {
    pub package: String,
    pub ecosystem: String,
    pub manifest: String,
    pub change: ChangeKind,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The version `from` and `to` pin, or the lowest a range admits, by the
    /// ecosystem's rules; `None` where there is none (removed, unconstrained, unreadable).
    pub from_version: Option<String>,
    pub to_version: Option<String>,
    pub commit: CommitInfo,
    /// CODEOWNERS of the manifest at that commit.
    pub owners: Vec<String>,
    /// The manifest is a lockfile (resolved versions).
    pub lockfile: bool,
    /// Only a lockfile moved it: no manifest in that folder declares the package.
    pub transitive: bool,
    /// The manifest lines that changed for this package (values redacted).
    pub diff: Vec<String>,
    /// The same commit or pull request also changed secret wiring (set by correlate).
    pub touches_wiring: bool,
    /// Who wrote the change; `None` where a merge's branch could not be traced.
    pub introduced_by: Option<Introduced>,
    /// Approved by someone other than who wrote it (decided once, in correlate).
    pub approved: bool,
    /// For `moved`: the manifest the package was declared in before.
    pub moved_from: Option<String>,
    /// For `moved`: what the move did to the version (`None`: nothing).
    pub net_change: Option<ChangeKind>,
    /// The advisories this change adopts, keeps or clears (set by correlate).
    pub advisories: Vec<crate::model::AdvisoryMark>,
}

impl DependencyChange {
    /// `upgraded`, or for a migration `moved` and what it did: `moved, upgraded`.
    pub fn change_label(&self) -> String {
        match self.net_change {
            Some(net) => format!("{}, {}", self.change.name(), net.name()),
            None => self.change.name().to_string(),
        }
    }

    /// The manifest, or for a migration both: `requirements.txt → pyproject.toml`.
    pub fn manifest_label(&self) -> String {
        match &self.moved_from {
            Some(before) => format!("{before} → {}", self.manifest),
            None => self.manifest.clone(),
        }
    }
}

impl Texts for CommitInfo {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let CommitInfo {
            id,
            at,
            summary,
            author,
            committer,
            merged_by,
            pull_request,
            approvers,
            other_trailers,
            bot,
            forge,
        } = self;
        walk!(visit; id, at, author, committer, merged_by, pull_request, approvers, other_trailers, bot, forge);
        walk!(visit; prose summary);
    }
}

impl Texts for Introduced {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Introduced { commit, author, at, pull_request } = self;
        walk!(visit; commit, author, at, pull_request);
    }
}

impl Texts for DependencyChange {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let DependencyChange {
            package,
            ecosystem,
            manifest,
            change,
            from,
            to,
            from_version,
            to_version,
            commit,
            owners,
            lockfile,
            transitive,
            diff,
            touches_wiring,
            introduced_by,
            approved,
            moved_from,
            net_change,
            advisories,
        } = self;
        walk!(visit; package, ecosystem, manifest, change, from, to, from_version, to_version, commit, owners);
        walk!(visit; lockfile, transitive, touches_wiring, introduced_by, approved, moved_from, net_change);
        walk!(visit; advisories);
        walk!(visit; prose diff);
    }
}
