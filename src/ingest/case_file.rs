//! The case file (TOML): names the sources of one incident, relative to itself.
//! Also the owners file: who owns which role.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::{IngestError, SourceSpec};

/// A case file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseFile {
    pub title: Option<String>,
    #[serde(default)]
    pub repo: Vec<String>,
    #[serde(default)]
    pub audit: Vec<String>,
    #[serde(default)]
    pub scan: Vec<String>,
    /// OSV records: files, folders or zips.
    #[serde(default)]
    pub advisories: Vec<String>,
    #[serde(default)]
    pub framework: Vec<String>,
    pub owners: Option<String>,
    #[serde(default)]
    pub all_refs: bool,
    #[serde(default)]
    pub all_deps: bool,
    /// `github:OWNER/REPO` or `gitlab:GROUP/PROJECT`; `""`: from the origin remote.
    pub forge: Option<String>,
    pub forge_api: Option<String>,
    #[serde(default)]
    pub offline: bool,
    /// Reachability rules of the user's (`[[rule]]`).
    #[serde(default)]
    pub rule: Vec<toml::Value>,
    /// Where leaked secrets are stored (`[[secret]]`).
    #[serde(default)]
    pub secret: Vec<RawMapping>,
}

/// `[[secret]]`: a name the secret is known by, and the stores that hold it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMapping {
    pub env: Option<String>,
    pub identifier: Option<String>,
    pub label: Option<String>,
    #[serde(default)]
    pub store: OneOrMany,
    #[serde(default)]
    pub names: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    #[default]
    None,
    One(String),
    Many(Vec<String>),
}

/// `k8s:ns/name` → `secret:name`, `aws:NAME` → `secretsmanager:NAME`; others as written.
fn store_name(store: &str) -> String {
    match store.split_once(':') {
        Some(("k8s", rest)) => format!("secret:{}", rest.rsplit('/').next().unwrap_or(rest)),
        Some(("aws", rest)) => format!("secretsmanager:{rest}"),
        _ => store.to_string(),
    }
}

impl RawMapping {
    fn mapping(self) -> crate::model::SecretMapping {
        let stores = match self.store {
            OneOrMany::None => Vec::new(),
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        crate::model::SecretMapping {
            known_as: [self.env, self.identifier, self.label].into_iter().flatten().collect(),
            names: stores.iter().map(|s| store_name(s)).chain(self.names).collect(),
        }
    }
}

/// What a case file resolves to.
#[derive(Debug, Default)]
pub struct Case {
    pub title: Option<String>,
    pub sources: Vec<SourceSpec>,
    pub frameworks: Vec<String>,
    pub owners: Option<PathBuf>,
    pub all_refs: bool,
    pub all_deps: bool,
    pub forge: Option<String>,
    pub forge_api: Option<String>,
    pub offline: bool,
    pub rules: Vec<super::git::reachability::UserRule>,
    pub mappings: Vec<crate::model::SecretMapping>,
}

fn read(path: &Path) -> Result<String, IngestError> {
    std::fs::read_to_string(path).map_err(|source| IngestError::Read { path: path.display().to_string(), source })
}

fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> IngestError {
    let line = e.span().map_or(0, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
    IngestError::Parse { path: path.display().to_string(), line, message: e.message().to_string() }
}

/// Read a case file; paths in it are relative to the file's folder.
pub fn load(path: &Path) -> Result<Case, IngestError> {
    let text = read(path)?;
    let file: CaseFile = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let rel = |p: &str| -> String {
        let (kind, rest) = match p.split_once(':') {
            Some((k, r))
                if !k.contains('/') && !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '-') =>
            {
                (format!("{k}:"), r)
            }
            _ => (String::new(), p),
        };
        let full = if Path::new(rest).is_absolute() { PathBuf::from(rest) } else { base.join(rest) };
        format!("{kind}{}", full.display())
    };
    let mut sources = Vec::new();
    for r in &file.repo {
        sources.push(SourceSpec::Repo(PathBuf::from(rel(r))));
    }
    for a in &file.audit {
        sources.push(SourceSpec::parse_audit(&rel(a))?);
    }
    for s in &file.scan {
        sources.push(SourceSpec::parse_scan(&rel(s))?);
    }
    sources.extend(file.advisories.iter().map(|a| SourceSpec::Advisories(PathBuf::from(rel(a)))));
    Ok(Case {
        title: file.title,
        sources,
        frameworks: file.framework,
        owners: file.owners.map(|o| base.join(o)),
        all_refs: file.all_refs,
        all_deps: file.all_deps,
        forge: file.forge,
        forge_api: file.forge_api,
        offline: file.offline,
        mappings: file.secret.into_iter().map(RawMapping::mapping).collect(),
        rules: super::git::reachability::compile_rules(file.rule).map_err(|message| IngestError::Parse {
            path: path.display().to_string(),
            line: 0,
            message,
        })?,
    })
}

pub use crate::model::Owners;

/// Read an owners file (TOML: `[roles]` role → owners, `[teams]` team → members).
pub fn load_owners(path: &Path) -> Result<Owners, IngestError> {
    let text = read(path)?;
    let owners: Owners = toml::from_str(&text).map_err(|e| toml_error(path, &text, &e))?;
    for role in owners.roles.keys() {
        if !["appsec", "platform", "identity", "governance"].contains(&role.as_str()) {
            return Err(IngestError::Parse {
                path: path.display().to_string(),
                line: text.lines().position(|l| l.contains(role.as_str())).map_or(0, |i| i + 1),
                message: format!("unknown role `{role}` (appsec, platform, identity, governance)"),
            });
        }
    }
    Ok(owners)
}

/// Read a rules file (`--rules FILE`): `[[rule]]` tables of kind, files and regex.
pub fn load_rules(path: &Path) -> Result<Vec<super::git::reachability::UserRule>, IngestError> {
    let text = read(path)?;
    super::git::reachability::parse_rules(&text).map_err(|message| {
        let line = message
            .strip_prefix("rule ")
            .and_then(|r| r.split(':').next())
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| text.match_indices("[[rule]]").nth(n - 1))
            .map_or(0, |(at, _)| text[..at].matches('\n').count() + 1);
        IngestError::Parse { path: path.display().to_string(), line, message }
    })
}
