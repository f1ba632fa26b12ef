//! The demo incident: a believable leak built from real formats — a git
//! repository written with git2, CloudTrail, Vault and Kubernetes audit logs,
//! and gitleaks, trufflehog and GitHub secret-scanning output — plus a case file.
//! Nothing in the rest of leakline knows these particulars.

mod audit;
mod cloudtrail;
mod openai;
mod repo;
mod scans;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};

/// Why the demo could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{path}: {source}")]
    Write { path: String, source: std::io::Error },
    #[error("building the demo repository: {0}")]
    Git(#[from] git2::Error),
    #[error(transparent)]
    Untrusted(#[from] crate::store::trust::TrustError),
}

/// The account, the service and the people of the demo.
pub const ACCOUNT: &str = "123456789012";
/// The leaked AWS access key id (well-formed, fake).
pub const AWS_KEY_ID: &str = "AKIA4NWTDEMOLEAKQ5XZ";
/// The leaked AWS secret access key (fake).
pub const AWS_SECRET: &str = "q8Vd2NtR7xLm4KpZ0cWf9YbHs3JeGu6AiTo1XnEv";
/// The leaked OpenAI project key (fake).
pub const OPENAI_KEY: &str = "sk-proj-Nw7dEmOlEaK2r9XqVb4Lm8TzP1sYcKeH6uJfA0gRiWnD3oQxT3BlbkFJdEmOkEyNoTrEaL5Zq";
/// Every raw secret value the demo plants: no output may contain them.
pub const LEAKED_VALUES: [&str; 3] = [AWS_KEY_ID, AWS_SECRET, OPENAI_KEY];
/// Addresses the attackers used (never seen before the leak).
pub const ATTACKER_IPS: [&str; 2] = ["185.220.101.34", "45.148.10.62"];

/// Where the demo was written.
#[derive(Debug, Clone)]
pub struct DemoPaths {
    pub root: PathBuf,
    pub repo: PathBuf,
    pub logs: PathBuf,
    pub scans: PathBuf,
    pub case_file: PathBuf,
}

/// A fixed instant of the demo's story (UTC).
pub(crate) fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).single().unwrap_or_default()
}

pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), DemoError> {
    let err = |source| DemoError::Write { path: path.display().to_string(), source };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(err)?;
    }
    std::fs::write(path, bytes).map_err(err)
}

/// JSON lines from values.
pub(crate) fn json_lines(values: &[serde_json::Value]) -> String {
    values.iter().map(|v| format!("{v}\n")).collect()
}

/// Write the whole demo incident under `dir`.
pub fn write(dir: &Path) -> Result<DemoPaths, DemoError> {
    let paths = DemoPaths {
        root: dir.to_path_buf(),
        repo: dir.join("repo"),
        logs: dir.join("logs"),
        scans: dir.join("scans"),
        case_file: dir.join("leakline.toml"),
    };
    let leak = repo::build(&paths.repo)?;
    cloudtrail::write(&paths.logs)?;
    audit::write(&paths.logs)?;
    openai::write(&paths.logs)?;
    scans::write(&paths.scans, &leak)?;
    write_file(
        &dir.join("owners.toml"),
        br#"# Who owns which role in the accountability matrix.
[roles]
appsec = ["@northwind/appsec"]
platform = ["@northwind/platform"]
identity = ["@northwind/iam"]
governance = ["@northwind/ai-governance"]

[teams]
"@northwind/appsec" = ["Sofia Alvarez"]
"@northwind/platform" = ["Dana Kowalski"]
"@northwind/iam" = ["Hannah Brooks"]
"@northwind/ai-governance" = ["Marcus Lee"]
"#,
    )?;
    // The demo's fingerprint key is fixed, so that its report is the same everywhere.
    let folder = dir.join(".leakline");
    crate::store::trust::private_folder(&folder)?;
    let key = folder.join("fingerprint.key");
    // An earlier demo's key makes way (removing a link removes the link, not its target).
    match std::fs::remove_file(&key) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(DemoError::Write { path: key.display().to_string(), source: e });
        }
        _ => {}
    }
    crate::store::trust::create_private(&key, b"leakline demo case fingerprint k")?;
    write_file(
        &paths.case_file,
        br#"# The demo incident: an AWS key and an OpenAI key committed in .env.
title = "ticket-agent: AWS and OpenAI keys committed in .env"
repo = ["repo"]
audit = ["logs"]
scan = ["scans"]
owners = "owners.toml"

# The OpenAI key also lives in Vault; its policy and Kubernetes auth role read it.
[[secret]]
env = "OPENAI_API_KEY"
store = "vault:secret/data/prod/ticket-agent/openai"
names = ["policy:ticket-agent", "role:auth/kubernetes/role/ticket-agent"]
"#,
    )?;
    Ok(paths)
}
