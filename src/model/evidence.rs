//! Normalised evidence, as read from one source. Raw secret values never reach
//! these types: ingest turns them into a fingerprint and a redacted label.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A person or principal as a record names them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct Person {
    pub name: String,
    pub email: String,
}

impl Person {
    pub fn new(name: impl Into<String>, email: impl Into<String>) -> Self {
        Self { name: name.into(), email: email.into() }
    }

    /// The name, or the email when there is no name: for narrow columns.
    pub fn short(&self) -> String {
        if self.name.is_empty() { self.display() } else { self.name.clone() }
    }

    /// `Name <email>`, or whichever part is known.
    pub fn display(&self) -> String {
        match (self.name.is_empty(), self.email.is_empty()) {
            (false, false) => format!("{} <{}>", self.name, self.email),
            (false, true) => self.name.clone(),
            (true, false) => self.email.clone(),
            (true, true) => "(unknown)".to_string(),
        }
    }
}

/// How a person is recorded as having approved a change.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Approver {
    pub name: String,
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    /// `trailer` or `forge`.
    pub via: String,
    /// The trailer key (`Reviewed-by`, `Approved-by`, `Acked-by`) when via a
    /// trailer; `review` via the forge.
    #[serde(skip)]
    pub role: String,
    /// The forge says this approver opened the pull request: their own review.
    #[serde(skip)]
    pub own: bool,
}

/// What the "approved by" column says, from the judged `approved` and the
/// approvers on record: nobody, the approvers, or a self-review that is none.
pub fn approval_text(approved: bool, approvers: &[Approver]) -> Option<String> {
    let names: Vec<&str> = approvers.iter().map(|a| a.name.as_str()).collect();
    match (approvers.is_empty(), approved) {
        (true, _) => None,
        (false, true) => Some(names.join(", ")),
        (false, false) => Some(format!("{} (own review: no approval)", names.join(", "))),
    }
}

/// The kind of source an input came from, as named in the report's `inputs[].kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    #[default]
    Git,
    Cloudtrail,
    Vault,
    Gcp,
    Azure,
    K8s,
    Gitleaks,
    Trufflehog,
    DetectSecrets,
    Noseyparker,
    GithubAlerts,
    Sarif,
    Trufflehog3,
    GitlabSecretDetection,
    Ggshield,
    Secretlint,
    /// GitHub or GitLab pull-request reviews.
    Forge,
}

impl SourceKind {
    pub const AUDIT: [SourceKind; 5] =
        [SourceKind::Vault, SourceKind::Cloudtrail, SourceKind::Gcp, SourceKind::Azure, SourceKind::K8s];
    pub const SCAN: [SourceKind; 10] = [
        SourceKind::Gitleaks,
        SourceKind::Trufflehog,
        SourceKind::DetectSecrets,
        SourceKind::Noseyparker,
        SourceKind::GithubAlerts,
        SourceKind::Sarif,
        SourceKind::Trufflehog3,
        SourceKind::GitlabSecretDetection,
        SourceKind::Ggshield,
        SourceKind::Secretlint,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Git => "git",
            SourceKind::Cloudtrail => "cloudtrail",
            SourceKind::Vault => "vault",
            SourceKind::Gcp => "gcp",
            SourceKind::Azure => "azure",
            SourceKind::K8s => "k8s",
            SourceKind::Gitleaks => "gitleaks",
            SourceKind::Trufflehog => "trufflehog",
            SourceKind::DetectSecrets => "detect-secrets",
            SourceKind::Noseyparker => "noseyparker",
            SourceKind::GithubAlerts => "github-alerts",
            SourceKind::Sarif => "sarif",
            SourceKind::Trufflehog3 => "trufflehog3",
            SourceKind::GitlabSecretDetection => "gitlab-secret-detection",
            SourceKind::Ggshield => "ggshield",
            SourceKind::Secretlint => "secretlint",
            SourceKind::Forge => "forge",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let all = [SourceKind::Git].into_iter().chain(Self::AUDIT).chain(Self::SCAN);
        all.into_iter().find(|k| k.name() == name || (name == "kubernetes" && *k == SourceKind::K8s))
    }
}

/// A record that could not be read, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    pub line: usize,
    pub message: String,
}

/// What was read from one input: counts and the first rejections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct InputSummary {
    pub kind: SourceKind,
    pub path: String,
    pub records: usize,
    /// Records that said something leakline uses (an access, a grant, a finding).
    pub relevant: usize,
    pub rejected: usize,
    pub errors: Vec<Rejected>,
    /// What the reader could not know, though nothing was rejected (a shallow history).
    pub notes: Vec<String>,
}

impl InputSummary {
    pub const MAX_ERRORS: usize = 20;

    pub fn new(kind: SourceKind, path: impl Into<String>) -> Self {
        Self { kind, path: path.into(), records: 0, relevant: 0, rejected: 0, errors: Vec::new(), notes: Vec::new() }
    }

    pub fn reject(&mut self, line: usize, message: impl Into<String>) {
        self.rejected += 1;
        if self.errors.len() < Self::MAX_ERRORS {
            self.errors.push(Rejected { line, message: message.into() });
        }
    }
}

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// The kinds of reachability, as named in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantKind {
    #[default]
    EnvRead,
    /// A write into the process environment: every library can then read it.
    EnvWrite,
    /// A read whose variable is chosen at run time (`process.env[key]`); the
    /// names are the credential names the same file lists for it.
    EnvReadDynamic,
    Dotenv,
    EnvFile,
    DockerfileEnv,
    ComposeEnv,
    K8sSecretRef,
    CiSecretEnv,
    /// A CI secret handed to an action as a `with:` input.
    CiSecretInput,
    /// A CI secret interpolated into a `run:` script, a command line or a URL.
    CiSecretRun,
    FrameworkDefault,
    /// A setting that widens what a framework can leak (a code tool handed to
    /// an agent, debug logging of prompts): it names no secret of its own.
    WideningSetting,
    VaultPolicy,
    K8sRbac,
    IamPolicy,
}

impl GrantKind {
    pub fn name(self) -> &'static str {
        match self {
            GrantKind::EnvRead => "env_read",
            GrantKind::EnvWrite => "env_write",
            GrantKind::EnvReadDynamic => "env_read_dynamic",
            GrantKind::Dotenv => "dotenv",
            GrantKind::EnvFile => "env_file",
            GrantKind::DockerfileEnv => "dockerfile_env",
            GrantKind::ComposeEnv => "compose_env",
            GrantKind::K8sSecretRef => "k8s_secret_ref",
            GrantKind::CiSecretEnv => "ci_secret_env",
            GrantKind::CiSecretInput => "ci_secret_input",
            GrantKind::CiSecretRun => "ci_secret_run",
            GrantKind::FrameworkDefault => "framework_default",
            GrantKind::WideningSetting => "widening_setting",
            GrantKind::VaultPolicy => "vault_policy",
            GrantKind::K8sRbac => "k8s_rbac",
            GrantKind::IamPolicy => "iam_policy",
        }
    }

    /// Deployment and store wiring belongs to platform engineering; code paths to appsec.
    pub fn is_platform(self) -> bool {
        !matches!(
            self,
            GrantKind::EnvRead
                | GrantKind::EnvWrite
                | GrantKind::EnvReadDynamic
                | GrantKind::Dotenv
                | GrantKind::FrameworkDefault
                | GrantKind::WideningSetting
                | GrantKind::EnvFile
        )
    }
}

/// Where a reachability claim's code runs: in the deployed application, or
/// only in tests, examples or documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize)]
pub enum Scope {
    #[default]
    Runtime,
    Test,
    Example,
    Docs,
}

impl Scope {
    /// Where code at `path` runs, by the conventions of test runners and
    /// repositories, and why: tests, examples and documentation are claimed too,
    /// but kept out of the accountability gaps.
    pub fn of(path: &str) -> (Scope, String) {
        let lower = path.to_ascii_lowercase();
        let parts: Vec<&str> = lower.split('/').collect();
        let (folders, name) = parts.split_at(parts.len().saturating_sub(1));
        let name = name.first().copied().unwrap_or("");
        let folder = |pick: &dyn Fn(&str) -> bool| folders.iter().find(|c| pick(c)).map(|c| c.to_string());
        let test_dir = |c: &str| {
            matches!(c, "test" | "tests" | "__tests__" | "spec" | "specs" | "fixtures" | "testdata" | "e2e" | "cypress")
        };
        if let Some(dir) = folder(&test_dir) {
            return (Scope::Test, format!("under {dir}/, a test folder"));
        }
        let test_name = name.starts_with("test_")
            || name == "conftest.py"
            || [".test.", ".spec.", "_test."].iter().any(|m| name.contains(m));
        if test_name {
            return (Scope::Test, format!("{name} is a test file by its name"));
        }
        let example_dir = |c: &str| {
            matches!(c, "example" | "examples" | "sample" | "samples" | "demo" | "demos" | "cookbook" | "notebooks")
                || c.ends_with("_example")
                || c.ends_with("_examples")
                || c.ends_with("-example")
                || c.ends_with("-examples")
                || c.starts_with("example_")
                || c.starts_with("example-")
        };
        if let Some(dir) = folder(&example_dir) {
            return (Scope::Example, format!("under {dir}/, example code"));
        }
        if let Some(dir) = folder(&|c: &str| matches!(c, "docs" | "doc" | "documentation")) {
            return (Scope::Docs, format!("under {dir}/, documentation"));
        }
        (Scope::Runtime, "not under a test, example or documentation folder".to_string())
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Runtime => "runtime",
            Scope::Test => "test",
            Scope::Example => "example",
            Scope::Docs => "docs",
        }
    }
}

/// A decision that made a secret reachable: a commit's added line or an audit-log grant.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Grant {
    pub kind: GrantKind,
    pub at: DateTime<Utc>,
    /// The commit, for grants found in git history.
    pub commit: Option<CommitInfo>,
    pub path: String,
    pub line: Option<u32>,
    pub actor: Person,
    /// The commit that wrote the line (for a merge, the branch commit); `None`
    /// for audit-log grants and for lines a merge's branch could not be traced to.
    pub introduced_by: Option<Introduced>,
    pub secret_names: Vec<String>,
    /// What a widening setting turns on (`python_repl_tool`, `debug_logging`).
    pub settings: Vec<String>,
    /// Where the code runs, and the evidence for it.
    pub scope: Scope,
    pub scope_reason: String,
    /// The added line with any value redacted, or a description of the audit record.
    pub excerpt: String,
    /// What the detail view shows: the lines around the hit in the commit
    /// (number, redacted text, whether the commit added it), or the audit record.
    pub context: Vec<ContextLine>,
    pub origin: String,
}

impl Grant {
    /// What the grant reaches, for display: its secret names, or for a
    /// widening setting what it turns on.
    pub fn reaches(&self, separator: &str) -> String {
        if self.settings.is_empty() {
            self.secret_names.join(separator)
        } else {
            format!("turns on {}", self.settings.join(separator))
        }
    }
}

/// One line of a grant's context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContextLine {
    pub number: Option<u32>,
    pub text: String,
    /// Added by the commit (or the audit record itself).
    pub marked: bool,
}

/// Whether an audited request was allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "error")]
pub enum Outcome {
    Allowed,
    Denied(String),
}

/// A lifecycle fact about a credential, read from an audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Issued,
    Deactivated,
    Deleted,
    Quarantined,
}

/// One audited request, from any secret store or cloud audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub at: DateTime<Utc>,
    pub source: SourceKind,
    /// Stable principal id (an ARN, a username, an entity id).
    pub principal: String,
    /// The credential the request was made with (an access key id, a token accessor).
    pub credential: Option<String>,
    /// Other ids of the same credential (a Vault token's accessor beside its HMAC).
    pub other_credentials: Vec<String>,
    pub action: String,
    pub resource: Option<String>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub region: Option<String>,
    /// A lifecycle fact this record states about a credential, and which credential.
    pub lifecycle: Option<(Lifecycle, String)>,
    pub event_id: String,
    pub origin: String,
}

/// Everything ingest read: the input to `correlate`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Evidence {
    pub inputs: Vec<InputSummary>,
    pub findings: Vec<Finding>,
    pub dependency_changes: Vec<DependencyChange>,
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
        self.grants.extend(other.grants);
        self.accesses.extend(other.accesses);
        self.commits.extend(other.commits);
        self.unwirings.extend(other.unwirings);
        self.run_roots.extend(other.run_roots);
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

/// Whether a string is an AWS access key id: public, logged by CloudTrail, and
/// unique to one credential (unlike an account id or an ARN).
pub fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
