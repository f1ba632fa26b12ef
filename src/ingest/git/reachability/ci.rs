//! CI: GitHub Actions secrets, by where the workflow puts them — `env:` (at
//! workflow or job level every step can read it; `pull_request_target` runs it
//! for forks), a step's `with:` inputs (handed to an action's code), or
//! interpolated into a `run:` script or URL (written into the script text and
//! the process arguments) — and GitLab CI variables with secret-like names.

use std::sync::LazyLock;

use regex::Regex;

use super::{Line, is_connection_name, is_credential_name, is_setting_name, re};
use crate::model::GrantKind;

static CI_ENV: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}"));
/// Every `secrets.X` inside a `${{ … }}` expression (`secrets.A || secrets.B` included).
static EXPRESSION: LazyLock<Regex> = LazyLock::new(|| re(r"\$\{\{([^}]*)\}\}"));
static SECRET_REF: LazyLock<Regex> = LazyLock::new(|| re(r"\bsecrets\.([A-Za-z0-9_]+)"));
static GITLAB_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"^\s+([A-Z_][A-Z0-9_]*)\s*:\s*\S"));

/// Secrets the platform issues per job, not ones anybody stored.
const EPHEMERAL: &[&str] = &["GITHUB_TOKEN"];

/// A stored secret worth a claim: whatever the repository stored as a secret
/// (a username or an anon key too), unless its name is plainly a setting kept
/// there (`WEAVIATE_URL`, `VOYAGE_AI_MODEL`); a connection string
/// (`RECORD_MANAGER_DB_URL`) carries its user and password and is claimed.
fn claimable(name: &str) -> bool {
    !EPHEMERAL.contains(&name) && (is_connection_name(name) || !is_setting_name(name))
}

pub(super) fn scan(line: &mut Line, all: &[&str], path: &str) {
    if path.ends_with(".gitlab-ci.yml") {
        gitlab(line, all);
        return;
    }
    let referenced: Vec<String> = EXPRESSION
        .captures_iter(line.text)
        .flat_map(|e| {
            SECRET_REF.captures_iter(e.get(1).map_or("", |m| m.as_str())).map(|c| c[1].to_string()).collect::<Vec<_>>()
        })
        .filter(|n| claimable(n))
        .collect();
    if referenced.is_empty() {
        return;
    }
    let index = line.number as usize - 1;
    let kind = match parent_key(all, index).as_deref() {
        Some("env") => GrantKind::CiSecretEnv,
        Some("with") => GrantKind::CiSecretInput,
        _ => GrantKind::CiSecretRun,
    };
    let mut names = Vec::new();
    if kind == GrantKind::CiSecretEnv
        && let Some(c) = CI_ENV.captures(line.text)
        && (is_credential_name(&c[1]) || is_connection_name(&c[1]))
    {
        // The variable it lands in: what code reading the environment asks for.
        names.push(c[1].to_string());
    }
    names.extend(referenced);
    if all.iter().any(|l| l.contains("pull_request_target")) {
        names.push("trigger:pull_request_target".to_string());
    }
    line.push(kind, names);
}

fn gitlab(line: &mut Line, all: &[&str]) {
    if let Some(c) = GITLAB_VAR.captures(line.text)
        && is_credential_name(&c[1])
        && parent_key(all, line.number as usize - 1).as_deref() == Some("variables")
    {
        let name = c[1].to_string();
        line.push(GrantKind::CiSecretEnv, vec![name]);
    }
}

/// The key of the mapping line `i` sits in (`env`, `with`, `variables`,
/// `run`), from indentation: the nearest less-indented line that opens a key.
fn parent_key(all: &[&str], i: usize) -> Option<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(all[i]);
    // A `run: cmd ${{ secrets.X }}` line is its own key.
    let this = all[i].trim_start().trim_start_matches("- ");
    if let Some((key, rest)) = this.split_once(':')
        && !rest.trim().is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (key == "run" || key == "script")
    {
        return Some(key.to_string());
    }
    let opener = all[..i].iter().rev().find(|l| !l.trim().is_empty() && indent(l) < own)?;
    let key = opener.trim_start().trim_start_matches("- ").split(':').next()?.trim();
    Some(key.to_string())
}
