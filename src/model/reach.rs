//! Reachability: the decisions that made a secret reachable, and where the code runs.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::texts::{Texts, Visit, walk};
use super::{CommitInfo, Introduced, Person};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct ContextLine {
    pub number: Option<u32>,
    pub text: String,
    /// Added by the commit (or the audit record itself).
    pub marked: bool,
}

impl Texts for Grant {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Grant {
            kind,
            at,
            commit,
            path,
            line,
            actor,
            introduced_by,
            secret_names,
            settings,
            scope,
            scope_reason,
            excerpt,
            context,
            origin,
        } = self;
        walk!(visit; kind, at, commit, path, line, actor, introduced_by, secret_names, settings, scope, origin);
        walk!(visit; prose scope_reason, excerpt, context);
    }
}

impl Texts for ContextLine {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let ContextLine { number, text, marked } = self;
        walk!(visit; number, marked);
        walk!(visit; prose text);
    }
}
