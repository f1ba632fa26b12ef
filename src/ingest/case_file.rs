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
    #[serde(default)]
    pub framework: Vec<String>,
    pub owners: Option<String>,
    #[serde(default)]
    pub all_refs: bool,
    #[serde(default)]
    pub all_deps: bool,
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
    Ok(Case {
        title: file.title,
        sources,
        frameworks: file.framework,
        owners: file.owners.map(|o| base.join(o)),
        all_refs: file.all_refs,
        all_deps: file.all_deps,
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
