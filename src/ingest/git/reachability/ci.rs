//! CI: GitHub Actions `env:` carrying `${{ secrets.X }}` (at workflow or job
//! level every step can read it; `pull_request_target` runs it for forks), and
//! GitLab CI variables with secret-like names.

use std::sync::LazyLock;

use regex::Regex;

use super::{Line, is_credential_name, re};
use crate::model::GrantKind;

static CI_SECRET: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}"));
static GITLAB_VAR: LazyLock<Regex> = LazyLock::new(|| re(r"^\s+([A-Z_][A-Z0-9_]*)\s*:\s*\S"));

pub(super) fn scan(line: &mut Line, all: &[&str], path: &str) {
    if let Some(c) = CI_SECRET.captures(line.text) {
        let mut names = vec![c[1].to_string(), c[2].to_string()];
        if all.iter().any(|l| l.contains("pull_request_target")) {
            names.push("trigger:pull_request_target".to_string());
        }
        line.push(GrantKind::CiSecretEnv, names);
        return;
    }
    if path.ends_with(".gitlab-ci.yml")
        && let Some(c) = GITLAB_VAR.captures(line.text)
        && is_credential_name(&c[1])
        && in_variables_block(all, line.number as usize - 1)
    {
        let name = c[1].to_string();
        line.push(GrantKind::CiSecretEnv, vec![name]);
    }
}

/// Whether line `i` sits under a `variables:` key.
fn in_variables_block(all: &[&str], i: usize) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(all[i]);
    all[..i].iter().rev().find(|l| !l.trim().is_empty() && indent(l) < own).is_some_and(|l| l.trim() == "variables:")
}
