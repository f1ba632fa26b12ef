//! Normalised evidence, as read from one source. Raw secret values never reach
//! these types: ingest turns them into a fingerprint and a redacted label.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::texts::{Texts, Visit, walk};
use super::{Access, CommitInfo, DependencyChange, Grant, InputSummary, Person, SourceKind};

/// A scanner's report of one secret at one place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Finding {
    pub scanner: SourceKind,
    pub rule: String,
    /// `aws_access_key`, `openai_key`, … (see `ingest::redact::classify`).
    pub kind: String,
    pub label: String,
    /// `hmac-sha256:` of the raw value under the case key; `None` when the
    /// scanner reported no value.
    pub fingerprint: Option<String>,
    /// Unkeyed digests of the value, only to match scanners that store them
    /// (detect-secrets SHA-1, ggshield SHA-256); never shown or written.
    #[serde(skip)]
    pub digests: Vec<String>,
    /// The value itself, only until ingest has masked it in every free text
    /// (`ingest::scrub`); never shown or written.
    #[serde(skip)]
    pub raw: Option<super::RawValue>,
    /// Non-secret identifiers that link to audit logs (an AWS access key id, an ARN).
    pub identifiers: Vec<String>,
    /// Variable names the value was assigned to (`OPENAI_API_KEY=…`).
    pub env_names: Vec<String>,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub commit: Option<String>,
    pub author: Option<Person>,
    pub commit_time: Option<DateTime<Utc>>,
    /// When the scanner or alert raised it (not a commit date).
    pub detected_at: Option<DateTime<Utc>>,
    /// When an alert was resolved as revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    pub verified: Option<bool>,
    /// What the scanner or alert said besides (a push-protection bypass, who resolved it).
    pub notes: Vec<String>,
    /// What a forge's secret-scanning alert recorded about it (bypasses, resolution).
    pub alert: Option<super::AlertFacts>,
    pub origin: String,
}

/// Everything ingest read: the input to `correlate`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    pub inputs: Vec<InputSummary>,
    pub findings: Vec<Finding>,
    pub dependency_changes: Vec<DependencyChange>,
    /// Lockfile moves a manifest beside them also made, so reported by the
    /// manifest alone: kept for what they say was installed (advisory windows).
    pub locked: Vec<DependencyChange>,
    pub grants: Vec<Grant>,
    pub accesses: Vec<Access>,
    /// Commits seen, for the timeline (removals of wiring, the leak itself).
    pub commits: Vec<CommitInfo>,
    /// Commits that removed secret wiring (a deleted `.env`, a dropped env read).
    pub unwirings: Vec<Grant>,
    /// What the repository builds or runs, at HEAD (scope evidence).
    pub run_roots: Vec<RunRoot>,
    /// What the forge said, where it was asked (`--forge`).
    pub forge: Option<crate::model::ForgeAnswers>,
    /// Security advisories given (`--advisories`).
    pub advisories: Vec<crate::model::Advisory>,
    /// API keys as their providers list them (OpenAI, Anthropic).
    pub keys: Vec<crate::model::ProviderKey>,
}

/// A folder or file that a build file of the repository builds or runs.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RunRoot {
    /// Relative to the repository; `""` is all of it.
    pub path: String,
    /// What says so: `docker-compose.yml builds it`.
    pub source: String,
}

impl RunRoot {
    pub fn covers(&self, path: &str) -> bool {
        self.path.is_empty()
            || path == self.path
            || path.strip_prefix(self.path.as_str()).is_some_and(|rest| rest.starts_with('/'))
    }
}

impl Evidence {
    pub fn merge(&mut self, other: Evidence) {
        self.inputs.extend(other.inputs);
        self.findings.extend(other.findings);
        self.dependency_changes.extend(other.dependency_changes);
        self.locked.extend(other.locked);
        self.grants.extend(other.grants);
        self.accesses.extend(other.accesses);
        self.commits.extend(other.commits);
        self.unwirings.extend(other.unwirings);
        self.run_roots.extend(other.run_roots);
        self.advisories.extend(other.advisories);
        self.keys.extend(other.keys);
        match (&mut self.forge, other.forge) {
            (Some(mine), Some(theirs)) => mine.merge(theirs),
            (mine, theirs) => {
                if theirs.is_some() {
                    *mine = theirs;
                }
            }
        }
    }
}

impl Texts for Finding {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Finding {
            scanner,
            rule,
            kind,
            label,
            fingerprint,
            digests,
            raw,
            identifiers,
            env_names,
            file,
            line,
            commit,
            author,
            commit_time,
            detected_at,
            revoked_at,
            verified,
            notes,
            alert,
            origin,
        } = self;
        walk!(visit; scanner, rule, kind, label, fingerprint, digests, raw, identifiers, env_names, file, line);
        walk!(visit; commit, author, commit_time, detected_at, revoked_at, verified, alert, origin);
        walk!(visit; prose notes);
    }
}

impl Texts for RunRoot {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let RunRoot { path, source } = self;
        walk!(visit; path);
        walk!(visit; prose source);
    }
}

impl Texts for Evidence {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Evidence {
            inputs,
            findings,
            dependency_changes,
            locked,
            grants,
            accesses,
            commits,
            unwirings,
            run_roots,
            forge,
            advisories,
            keys,
        } = self;
        walk!(visit; inputs, findings, dependency_changes, locked, grants, accesses, commits, unwirings);
        walk!(visit; run_roots, forge, advisories, keys);
    }
}
