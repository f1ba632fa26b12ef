//! CI: GitHub Actions secrets, by where the workflow puts them — `env:` (at
//! workflow or job level every step can read it; `pull_request_target` runs it
//! for forks), a step's `with:` inputs (handed to an action's code), or
//! interpolated into a `run:` script or URL (written into the script text and
//! the process arguments) — and GitLab CI variables with secret-like names.

use std::sync::LazyLock;

use regex::Regex;
use saphyr::MarkedYaml;

use super::super::yaml;
use super::{Line, is_comment, is_connection_name, is_credential_name, is_setting_name, parent_key, re};
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

pub(super) fn scan(line: &mut Line, all: &[&str], path: &str, docs: Option<&[MarkedYaml<'_>]>) {
    if path.ends_with(".gitlab-ci.yml") {
        gitlab(line, all, docs);
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
    let (placement, variable) = match docs {
        Some(docs) => placement(&yaml::key_path(docs, line.number)),
        None => (parent_key(all, index), CI_ENV.captures(line.text).map(|c| c[1].to_string())),
    };
    let kind = match placement.as_deref() {
        Some("env") => GrantKind::CiSecretEnv,
        // A called workflow's `secrets:` hands them on as an action's inputs do.
        Some("with" | "secrets") => GrantKind::CiSecretInput,
        // `if: ${{ secrets.X != '' }}` is judged by the runner; no step sees the value.
        Some("if") => return,
        _ => GrantKind::CiSecretRun,
    };
    let mut names = Vec::new();
    if kind == GrantKind::CiSecretEnv
        && let Some(var) = variable
        && (is_credential_name(&var) || is_connection_name(&var))
    {
        // The variable it lands in: what code reading the environment asks for.
        names.push(var);
    }
    names.extend(referenced);
    let forks = match docs {
        Some(docs) => runs_for_forks(docs),
        None => all.iter().any(|l| !is_comment(l) && l.contains("pull_request_target")),
    };
    if forks {
        names.push("trigger:pull_request_target".to_string());
    }
    line.push(kind, names);
}

/// Where a line with a secret sits, from the keys the parser puts it under:
/// a `run`/`script`/`if` value is its own place; anything else is placed by
/// the mapping holding it (`env`, `with`), and names the variable it sets.
fn placement(keys: &[String]) -> (Option<String>, Option<String>) {
    match keys {
        [.., last] if matches!(last.as_str(), "run" | "script" | "if") => (Some(last.clone()), None),
        [.., parent, last] => (Some(parent.clone()), Some(last.clone())),
        _ => (None, None),
    }
}

/// Whether the workflow runs on `pull_request_target` (for forks' pull
/// requests, with the base repository's secrets): `on:` as one event, a list
/// or a mapping of them.
fn runs_for_forks(docs: &[MarkedYaml<'_>]) -> bool {
    let Some(on) = docs.first().and_then(|d| yaml::get(d, "on")) else { return false };
    let event = "pull_request_target";
    yaml::text(on).as_deref() == Some(event)
        || yaml::items(on).iter().any(|i| yaml::text(i).as_deref() == Some(event))
        || yaml::get(on, event).is_some()
}

fn gitlab(line: &mut Line, all: &[&str], docs: Option<&[MarkedYaml<'_>]>) {
    let under_variables = match docs {
        Some(docs) => {
            let keys = yaml::key_path(docs, line.number);
            keys.len() >= 2 && keys[keys.len() - 2] == "variables"
        }
        None => parent_key(all, line.number as usize - 1).as_deref() == Some("variables"),
    };
    if let Some(c) = GITLAB_VAR.captures(line.text)
        && is_credential_name(&c[1])
        && under_variables
    {
        let name = c[1].to_string();
        line.push(GrantKind::CiSecretEnv, vec![name]);
    }
}
