//! What the forge (GitHub, GitLab) said about the pull requests that matter:
//! who opened, merged and approved them. Ingest fills it; correlate joins it
//! to the changes.

use std::collections::BTreeMap;

use super::texts::{Texts, Visit, walk};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Why a change has no forge answer while the forge is still being asked.
pub const FORGE_PENDING: &str = "the forge has not answered yet";

/// The forge's answers for one repository.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ForgeAnswers {
    /// `github:owner/repo` or `gitlab:group/project`.
    pub forge: String,
    /// Pull (merge) requests by number (GitLab: `iid`).
    pub pulls: BTreeMap<u64, PullReview>,
    /// Commit id → the merged pull requests the forge says contain it; an
    /// empty list is an answer too: the forge knows no pull request for it.
    pub commit_pulls: BTreeMap<String, Vec<u64>>,
    /// A commit id or `#N` the forge was asked about and could not answer, and why.
    pub unanswered: BTreeMap<String, String>,
    /// The findings of the forge's secret-scanning alerts (values sealed);
    /// they join the scanners' findings.
    #[serde(skip)]
    pub findings: Vec<super::Finding>,
    /// How many secret-scanning alerts were read; `None`: not read.
    pub alerts_read: Option<usize>,
    /// Why the secret-scanning alerts were not read.
    pub alerts_unread: Option<String>,
    /// Why requests stopped before every answer was in (a refused token, a long rate limit).
    pub stopped: Option<String>,
    /// Still being asked (the TUI shows results before the forge has answered).
    pub pending: bool,
}

impl ForgeAnswers {
    /// Answers that arrived later join these (the TUI fills in as they come).
    pub fn merge(&mut self, other: ForgeAnswers) {
        if self.forge.is_empty() {
            self.forge = other.forge;
        }
        self.pulls.extend(other.pulls);
        self.commit_pulls.extend(other.commit_pulls);
        self.unanswered.extend(other.unanswered);
        self.findings.extend(other.findings);
        self.alerts_read = other.alerts_read.or(self.alerts_read);
        self.alerts_unread = other.alerts_unread.or(self.alerts_unread.take());
        self.stopped = other.stopped.or(self.stopped.take());
        self.pending = other.pending;
    }

    /// The pull request a commit arrived in: the one git names (a merge
    /// subject, a squash's `(#N)`), else the one the forge lists for the commit.
    pub fn pull_of(&self, commit: &str, from_git: Option<u64>) -> Option<&PullReview> {
        if let Some(n) = from_git {
            return self.pulls.get(&n);
        }
        let listed = self.commit_pulls.get(commit)?;
        let merged_here =
            listed.iter().filter_map(|n| self.pulls.get(n)).find(|p| p.merge_commit.as_deref() == Some(commit));
        merged_here.or_else(|| listed.iter().find_map(|n| self.pulls.get(n)))
    }

    /// What the forge said about a commit with this pull request number.
    pub fn answer(&self, commit: &str, from_git: Option<u64>) -> ForgeAnswer<'_> {
        if let Some(pull) = self.pull_of(commit, from_git) {
            return ForgeAnswer::Pull(pull);
        }
        let key = from_git.map_or_else(|| commit.to_string(), |n| format!("#{n}"));
        if let Some(why) = self.unanswered.get(&key) {
            return ForgeAnswer::Unanswered(why);
        }
        match self.commit_pulls.get(commit) {
            Some(list) if list.is_empty() => ForgeAnswer::NoPull,
            _ if self.pending => ForgeAnswer::Unanswered(FORGE_PENDING),
            _ => ForgeAnswer::NotAsked,
        }
    }
}

/// The forge's word on one commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForgeAnswer<'a> {
    Pull(&'a PullReview),
    /// The forge knows no pull request that contains the commit.
    NoPull,
    /// Asked, but no answer (offline with no cache, not found, rate limited).
    Unanswered(&'a str),
    /// Not among what was asked.
    NotAsked,
}

/// One pull request as the forge shows it, with its reviews judged by the
/// forge's own rule: each reviewer's latest decisive review counts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct PullReview {
    pub number: u64,
    pub url: String,
    /// Login of whoever opened it.
    pub author: Option<String>,
    pub merged_by: Option<String>,
    pub merged_at: Option<DateTime<Utc>>,
    /// The head that was merged.
    pub head: Option<String>,
    /// The commit the merge made on the base branch (merge, squash or the
    /// last rebased commit).
    pub merge_commit: Option<String>,
    /// Reviewers whose latest decisive review approves.
    pub approvals: Vec<ForgeApproval>,
    /// Reviews read, of any state (`COMMENTED` included).
    pub reviews_read: usize,
}

/// An approving review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForgeApproval {
    pub login: String,
    /// The display name, where the forge gives one (GitLab does).
    pub name: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// The head the approval was given at; `None` where the forge does not say.
    pub commit: Option<String>,
}

impl PullReview {
    /// Approvals given at an older head than the one merged: the last
    /// commits were not seen by that reviewer.
    pub fn stale(&self) -> Vec<&ForgeApproval> {
        match &self.head {
            Some(head) => self.approvals.iter().filter(|a| a.commit.as_ref().is_some_and(|c| c != head)).collect(),
            None => Vec::new(),
        }
    }
}

/// What the forge said about the pull request a commit arrived in, once
/// correlate has joined the answers (`NotConsulted` without `--forge`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ForgeCheck {
    #[default]
    NotConsulted,
    /// The forge showed the pull request; its standing approvals are among the approvers.
    Pull {
        number: u64,
        url: String,
        author: Option<String>,
        merged_by: Option<String>,
        /// Approvers whose approval was for an older head than the merged one.
        stale: Vec<String>,
    },
    /// The forge knows no pull request that contains the commit.
    NoPull,
    /// Asked and not answered, with why.
    Unanswered { why: String },
}

impl ForgeCheck {
    /// Where approvals were looked for: `git`, or `git+forge` where the forge answered.
    pub fn approval_source(&self) -> &'static str {
        match self {
            ForgeCheck::Pull { .. } | ForgeCheck::NoPull => "git+forge",
            ForgeCheck::NotConsulted | ForgeCheck::Unanswered { .. } => "git",
        }
    }
}

impl Texts for ForgeAnswers {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let ForgeAnswers {
            forge,
            pulls,
            commit_pulls,
            unanswered,
            findings,
            alerts_read,
            alerts_unread,
            stopped,
            pending,
        } = self;
        walk!(visit; forge, pulls, commit_pulls, findings, alerts_read, pending);
        walk!(visit; prose unanswered, alerts_unread, stopped);
    }
}

impl Texts for PullReview {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let PullReview { number, url, author, merged_by, merged_at, head, merge_commit, approvals, reviews_read } =
            self;
        walk!(visit; number, url, author, merged_by, merged_at, head, merge_commit, approvals, reviews_read);
    }
}

impl Texts for ForgeApproval {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let ForgeApproval { login, name, at, commit } = self;
        walk!(visit; login, name, at, commit);
    }
}

impl Texts for ForgeCheck {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        match self {
            ForgeCheck::NotConsulted | ForgeCheck::NoPull => {}
            ForgeCheck::Pull { number, url, author, merged_by, stale } => {
                walk!(visit; number, url, author, merged_by, stale);
            }
            ForgeCheck::Unanswered { why } => walk!(visit; prose why),
        }
    }
}
