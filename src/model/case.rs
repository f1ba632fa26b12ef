//! The correlated case: the answers that the TUI and every report present.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{Access, Approver, DependencyChange, Finding, Grant, InputSummary, Person};

/// Where and when a secret was first exposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Exposure {
    pub at: DateTime<Utc>,
    pub commit: Option<String>,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub author: Option<Person>,
    pub detected_by: Vec<String>,
}

/// One leaked secret, with every finding that reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Secret {
    pub id: String,
    pub kind: String,
    pub label: String,
    pub identifiers: Vec<String>,
    pub fingerprint: Option<String>,
    pub env_names: Vec<String>,
    pub exposed: Option<Exposure>,
    pub detected_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub issued: Option<(DateTime<Utc>, String)>,
    pub revoked_by: Option<String>,
    pub last_used: Option<DateTime<Utc>>,
    /// Uses seen before exposure: the baseline replays are judged against.
    pub baseline_uses: usize,
    /// Every use the audit logs show; none means replays are unknown, not zero.
    pub uses: usize,
    pub first_replay_at: Option<DateTime<Utc>>,
    pub replays_before_detection: usize,
    pub replays_after_detection: usize,
    pub findings: Vec<Finding>,
    /// Likely real, test, example or locale, and why (decided in correlate).
    pub triage: Triage,
    pub triage_reason: String,
    pub revocation: Revocation,
    /// Seconds from exposure to revocation, or to the time the case was judged
    /// when no revocation is known (then `window_open`).
    pub window_s: Option<i64>,
    pub window_open: bool,
    /// The provider's listing of this key, where a listing's hint matched it.
    pub provider_key: Option<crate::model::ProviderKey>,
    /// Why no use of it is known, with the source that would show it; `None`
    /// when the audit logs show it in use (decided in correlate).
    pub uses_unknown: Option<String>,
}

impl Secret {
    /// How prose names it: its label and id, or only the id where the scanner gave no
    /// value to label ("(redacted by scanner)" says nothing to a reader).
    pub fn called(&self) -> String {
        if self.label.starts_with('(') { self.id.clone() } else { format!("{} ({})", self.label, self.id) }
    }

    /// Where it is: its exposure's file and line, or, when no commit dates it, where the
    /// scanners found it (the first place, and how many more).
    pub fn place(&self) -> String {
        let at = |file: &str, line: Option<u32>| match line {
            Some(l) => format!("{file}:{l}"),
            None => file.to_string(),
        };
        if let Some(path) = self.exposed.as_ref().and_then(|e| e.path.as_deref()) {
            return at(path, self.exposed.as_ref().and_then(|e| e.line));
        }
        let mut seen: Vec<String> = Vec::new();
        for f in &self.findings {
            if let Some(file) = &f.file {
                let p = at(file, f.line);
                if !seen.contains(&p) {
                    seen.push(p);
                }
            }
        }
        match seen.len() {
            0 => String::new(),
            1 => seen.remove(0),
            n => format!("{} and {} more", seen[0], n - 1),
        }
    }
}

/// How much a secret matters, judged from its uses, format and place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Triage {
    LikelyReal,
    LikelyTest,
    Example,
    Locale,
    #[default]
    Unknown,
}

impl Triage {
    pub fn name(self) -> &'static str {
        match self {
            Triage::LikelyReal => "likely_real",
            Triage::LikelyTest => "likely_test",
            Triage::Example => "example",
            Triage::Locale => "locale",
            Triage::Unknown => "unknown",
        }
    }
}

/// What the evidence says of a secret's revocation: `NotRevoked` only where
/// a log that would record it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
pub enum Revocation {
    Revoked,
    NotRevoked,
    #[default]
    Unknown,
}

impl Revocation {
    pub fn name(self) -> &'static str {
        match self {
            Revocation::Revoked => "revoked",
            Revocation::NotRevoked => "not_revoked",
            Revocation::Unknown => "unknown",
        }
    }
}

/// A change that made secrets reachable, with who approved it and which secrets it reaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reach {
    pub grant: Grant,
    pub approvers: Vec<Approver>,
    /// Approved by someone other than whoever wrote the line (decided in correlate).
    pub approved: bool,
    pub secrets: Vec<String>,
}

/// Why a use after exposure is judged a replay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayReason {
    NewIp,
    NewUserAgent,
    NewPrincipal,
    ReconCall,
    /// A model the credential's own use never showed (LLM usage, gateway logs).
    NewModel,
    /// A rate of use well above the highest its own use showed (usage buckets).
    UnusualRate,
    /// An action its own use never showed, where a source's actions are few
    /// (the GitHub audit log: `git.clone`, `repo.download_zip`).
    NewAction,
    AfterDetection,
    AfterRevocation,
}

impl ReplayReason {
    pub fn name(self) -> &'static str {
        match self {
            ReplayReason::NewIp => "new_ip",
            ReplayReason::NewUserAgent => "new_user_agent",
            ReplayReason::NewPrincipal => "new_principal",
            ReplayReason::ReconCall => "recon_call",
            ReplayReason::NewModel => "new_model",
            ReplayReason::UnusualRate => "unusual_rate",
            ReplayReason::NewAction => "new_action",
            ReplayReason::AfterDetection => "after_detection",
            ReplayReason::AfterRevocation => "after_revocation",
        }
    }
}

/// A use of a secret after exposure that does not match its baseline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replay {
    pub secret: String,
    pub access: Access,
    pub reasons: Vec<ReplayReason>,
}

/// Replays from one address and principal, for the Replays pane.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplayGroup {
    pub secret: String,
    pub ip: String,
    pub principal: String,
    pub first: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: usize,
    pub denied: usize,
    pub actions: Vec<String>,
    pub user_agents: Vec<String>,
    pub reasons: Vec<ReplayReason>,
}

/// The four roles of the accountability matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Appsec,
    Platform,
    Identity,
    Governance,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Appsec, Role::Platform, Role::Identity, Role::Governance];

    pub fn name(self) -> &'static str {
        match self {
            Role::Appsec => "appsec",
            Role::Platform => "platform",
            Role::Identity => "identity",
            Role::Governance => "governance",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Role::Appsec => "Application security — code review of secret access paths",
            Role::Platform => "Platform engineering — container, runtime and environment exposure",
            Role::Identity => "Identity and secrets — issuance, rotation, revocation",
            Role::Governance => "Governance — the exception process",
        }
    }
}

/// A decision a role made, with its evidence (`commit:…` or `event:…`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    pub what: String,
    pub who: String,
    pub at: DateTime<Utc>,
    pub evidence: String,
}

/// What kind of failure a gap records: what its severity, its controls and
/// the recommendations answering it are decided from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// No evidence the credential was revoked.
    #[default]
    NotRevoked,
    ReplayedAfterDetection,
    SlowRevocation,
    NotRotated,
    AlertClosedWhileUsed,
    UnreviewedBypass,
    UnapprovedFrameworkChange,
    StaleApproval,
    FrameworkDefault,
    RiskySetting,
    UnapprovedReachability,
    CommittedEnvFile,
    /// A dependency version an advisory names was adopted, or kept, after the advisory was published.
    AffectedVersion,
}

impl GapKind {
    pub const ALL: [GapKind; 13] = [
        GapKind::NotRevoked,
        GapKind::ReplayedAfterDetection,
        GapKind::SlowRevocation,
        GapKind::NotRotated,
        GapKind::AlertClosedWhileUsed,
        GapKind::UnreviewedBypass,
        GapKind::UnapprovedFrameworkChange,
        GapKind::StaleApproval,
        GapKind::FrameworkDefault,
        GapKind::RiskySetting,
        GapKind::UnapprovedReachability,
        GapKind::CommittedEnvFile,
        GapKind::AffectedVersion,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GapKind::NotRevoked => "not_revoked",
            GapKind::ReplayedAfterDetection => "replayed_after_detection",
            GapKind::SlowRevocation => "slow_revocation",
            GapKind::NotRotated => "not_rotated",
            GapKind::AlertClosedWhileUsed => "alert_closed_while_used",
            GapKind::UnreviewedBypass => "unreviewed_bypass",
            GapKind::UnapprovedFrameworkChange => "unapproved_framework_change",
            GapKind::StaleApproval => "stale_approval",
            GapKind::FrameworkDefault => "framework_default",
            GapKind::RiskySetting => "risky_setting",
            GapKind::UnapprovedReachability => "unapproved_reachability",
            GapKind::CommittedEnvFile => "committed_env_file",
            GapKind::AffectedVersion => "affected_version",
        }
    }
}

/// How much a gap matters (decided in correlate, from its kind and the secrets it bears on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    High,
    #[default]
    Medium,
    Low,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
        }
    }
}

/// A control of a published framework that a gap falls short of.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Control {
    pub framework: String,
    pub id: String,
    pub name: String,
}

/// A gap: something a role should have done, with the record that shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Gap {
    /// `g1`, `g2`, … in the order of the matrix (set once the matrix is final).
    pub id: String,
    pub kind: GapKind,
    pub severity: Severity,
    pub text: String,
    pub evidence: String,
    /// The secrets it bears on (their ids), where the evidence links it to them.
    pub secrets: Vec<String>,
    pub controls: Vec<Control>,
    /// What gaps of the same kind share (`framework changes merged without an
    /// approving review`): many of them read as one line; empty: never grouped.
    #[serde(skip)]
    pub shape: String,
    #[serde(skip)]
    pub at: Option<DateTime<Utc>>,
    /// It bears on the leaked secrets' own chain (it reaches them, or came
    /// with their wiring): ranked first, never grouped.
    #[serde(skip)]
    pub chain: bool,
    /// How many changes it stands for when one commit made several (0 and 1: one).
    #[serde(skip)]
    pub changes: usize,
    /// For a group: the gaps it stands for, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Gap>,
}

/// One row of the accountability matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleAccount {
    pub role: Role,
    pub owners: Vec<String>,
    /// Whether the owners came from an owners file or CODEOWNERS (else: named by evidence).
    pub owners_declared: bool,
    pub decisions: Vec<Decision>,
    pub gaps: Vec<Gap>,
}

/// What to do, ranked, each answering gaps and falling to a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recommendation {
    pub id: String,
    pub priority: usize,
    pub role: Role,
    /// The secret it is about, where it is about one.
    pub secret: Option<String>,
    pub text: String,
    pub gaps: Vec<String>,
    pub controls: Vec<Control>,
}

/// A sentence of the executive summary and the facts behind it (`secret:s1`,
/// `gap:g2`, `rec:r1`, `commit:…`, `replays:s1`), which reports link to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sentence {
    pub text: String,
    pub facts: Vec<String>,
}

/// The headline figures, about the primary secret (see the report spec).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Metrics {
    pub primary_secret: Option<String>,
    pub exposure_window_s: Option<i64>,
    pub time_to_detect_s: Option<i64>,
    pub time_to_revoke_s: Option<i64>,
    pub replay_count: usize,
    pub distinct_replay_ips: usize,
}

/// What a timeline entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Framework,
    Dependency,
    Reachability,
    Unwiring,
    Issued,
    Exposure,
    Detection,
    Replay,
    Revocation,
}

impl EntryKind {
    pub fn name(self) -> &'static str {
        match self {
            EntryKind::Framework => "framework",
            EntryKind::Dependency => "dependency",
            EntryKind::Reachability => "reachable",
            EntryKind::Unwiring => "unwired",
            EntryKind::Issued => "issued",
            EntryKind::Exposure => "exposed",
            EntryKind::Detection => "detected",
            EntryKind::Replay => "replay",
            EntryKind::Revocation => "revoked",
        }
    }
}

/// Which item of the case a timeline entry points at, for the detail view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "index")]
pub enum ItemRef {
    Secret(usize),
    Approval(usize),
    Reach(usize),
    Unwiring(usize),
    Replay(usize),
}

/// One line of the incident timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub at: DateTime<Utc>,
    pub kind: EntryKind,
    pub summary: String,
    pub who: String,
    pub item: ItemRef,
}

/// The correlated case: one value feeds the TUI and every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    pub title: String,
    pub window: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub inputs: Vec<InputSummary>,
    pub secrets: Vec<Secret>,
    pub approvals: Vec<DependencyChange>,
    /// Advisories that bear on versions the history adopted, with their windows.
    pub advisories: Vec<crate::model::AdvisoryFinding>,
    pub reachability: Vec<Reach>,
    pub unwirings: Vec<Grant>,
    pub replays: Vec<Replay>,
    pub replay_groups: Vec<ReplayGroup>,
    pub accountability: Vec<RoleAccount>,
    pub metrics: Metrics,
    pub timeline: Vec<TimelineEntry>,
    /// The analysts' standing verdicts (the latest on each target).
    pub annotations: Vec<crate::model::Annotation>,
    /// What to do, most urgent first.
    pub recommendations: Vec<Recommendation>,
    /// The executive summary, sentence by sentence.
    pub summary: Vec<Sentence>,
}

impl Case {
    /// Every gap of the matrix with its role, in the matrix's order.
    pub fn gaps(&self) -> impl Iterator<Item = (Role, &Gap)> {
        self.accountability.iter().flat_map(|a| a.gaps.iter().map(move |g| (a.role, g)))
    }
}

/// Who owns which role, as an owners file declares: role → people and teams,
/// team → members.
#[derive(Debug, Default, Clone, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Owners {
    #[serde(default)]
    pub roles: std::collections::BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub teams: std::collections::BTreeMap<String, Vec<String>>,
}

/// The case file's word on which names a leaked secret is stored under:
/// `[[secret]] env = "OPENAI_API_KEY" store = "vault:secret/data/prod/agent/openai"`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SecretMapping {
    /// Names the secret is known by in the evidence (a variable, an identifier, a label).
    pub known_as: Vec<String>,
    /// Store names that hold it (`secret:…`, `policy:…`, `secretsmanager:…`, a Vault path).
    pub names: Vec<String>,
}
