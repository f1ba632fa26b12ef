//! What each input was and what was read from it.

use super::texts::{Texts, Visit, walk};
use serde::Serialize;

/// The kind of source an input came from, as named in the report's `inputs[].kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, Default)]
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
    /// Security advisories in the OSV schema.
    Osv,
    /// GitHub enterprise or organization audit log (exports, streaming).
    GithubAudit,
    /// OpenAI organization audit log (`/v1/organization/audit_logs` pages).
    OpenaiAudit,
    /// OpenAI usage buckets (`/v1/organization/usage/*`, grouped by key).
    OpenaiUsage,
    /// OpenAI project or admin API key listings.
    OpenaiKeys,
    /// Anthropic Admin API key listings (`/v1/organizations/api_keys`).
    AnthropicKeys,
    /// Anthropic usage report (`/v1/organizations/usage_report/messages`).
    AnthropicUsage,
    /// Anthropic Compliance API activity feed (`/v1/compliance/activities`).
    AnthropicActivity,
    /// LiteLLM proxy spend logs (and its audit log of key changes).
    Litellm,
}

impl SourceKind {
    pub const AUDIT: [SourceKind; 13] = [
        SourceKind::Vault,
        SourceKind::Cloudtrail,
        SourceKind::Gcp,
        SourceKind::Azure,
        SourceKind::K8s,
        SourceKind::GithubAudit,
        SourceKind::OpenaiAudit,
        SourceKind::OpenaiUsage,
        SourceKind::OpenaiKeys,
        SourceKind::AnthropicKeys,
        SourceKind::AnthropicUsage,
        SourceKind::AnthropicActivity,
        SourceKind::Litellm,
    ];
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
            SourceKind::Osv => "osv",
            SourceKind::GithubAudit => "github-audit",
            SourceKind::OpenaiAudit => "openai-audit",
            SourceKind::OpenaiUsage => "openai-usage",
            SourceKind::OpenaiKeys => "openai-keys",
            SourceKind::AnthropicKeys => "anthropic-keys",
            SourceKind::AnthropicUsage => "anthropic-usage",
            SourceKind::AnthropicActivity => "anthropic-activity",
            SourceKind::Litellm => "litellm",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        let all = [SourceKind::Git].into_iter().chain(Self::AUDIT).chain(Self::SCAN);
        all.into_iter().find(|k| k.name() == name || (name == "kubernetes" && *k == SourceKind::K8s))
    }
}

/// A record that could not be read, with where it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Rejected {
    pub line: usize,
    pub message: String,
}

/// What was read from one input: counts and the first rejections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct InputSummary {
    pub kind: SourceKind,
    pub path: String,
    pub records: usize,
    /// Records that said something leakline uses (an access, a grant, a finding).
    pub relevant: usize,
    pub rejected: usize,
    /// Hex SHA-256 of the bytes read (a `.gz` itself, not what it inflates to);
    /// `None` for a repository, and for a read that stopped before the end.
    pub sha256: Option<String>,
    pub errors: Vec<Rejected>,
    /// What the reader could not know, though nothing was rejected (a shallow history).
    pub notes: Vec<String>,
}

impl InputSummary {
    pub const MAX_ERRORS: usize = 20;

    pub fn new(kind: SourceKind, path: impl Into<String>) -> Self {
        Self {
            kind,
            path: path.into(),
            records: 0,
            relevant: 0,
            rejected: 0,
            sha256: None,
            errors: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn reject(&mut self, line: usize, message: impl Into<String>) {
        self.rejected += 1;
        if self.errors.len() < Self::MAX_ERRORS {
            self.errors.push(Rejected { line, message: message.into() });
        }
    }
}

impl Texts for Rejected {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Rejected { line, message } = self;
        walk!(visit; line);
        walk!(visit; prose message);
    }
}

impl Texts for InputSummary {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let InputSummary { kind, path, records, relevant, rejected, sha256, errors, notes } = self;
        walk!(visit; kind, path, records, relevant, rejected, sha256, errors);
        walk!(visit; prose notes);
    }
}
