//! Containers and deployment: committed `.env` files, Dockerfile `ENV`/`ARG`,
//! compose `env_file`/`environment`, Kubernetes `secretKeyRef`, `envFrom`,
//! secret volumes and service-account tokens, and Helm values feeding them.

use std::sync::LazyLock;

use regex::Regex;

use super::{ASSIGNMENT, Line, YAML_NAME, has_user_info, is_credential_name, re};
use crate::model::GrantKind;

static DOCKER_ENV: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^\s*(?:ENV|ARG)\s+([A-Za-z_][A-Za-z0-9_]*)"));
static YAML_ENV_ITEM: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*[:=]"#));
static YAML_FLOW_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"\bname:\s*["']?([A-Za-z0-9_.-]+)"#));
static YAML_KEY: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*key:\s*["']?([A-Za-z0-9_.-]+)"#));
static HELM_SECRET_VALUE: LazyLock<Regex> =
    LazyLock::new(|| re(r#"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*["']?([^"'\s#{}][^"'#]*)["']?\s*$"#));

pub(super) fn dotenv_file(line: &mut Line) {
    if let Some(c) = ASSIGNMENT.captures(line.text)
        && !c[2].trim().is_empty()
        && (is_credential_name(&c[1]) || has_user_info(&c[2]))
    {
        let name = c[1].to_string();
        line.push(GrantKind::EnvFile, vec![name]);
    }
}

pub(super) fn dockerfile(line: &mut Line) {
    if let Some(c) = DOCKER_ENV.captures(line.text)
        && is_credential_name(&c[1])
    {
        let name = c[1].to_string();
        line.push(GrantKind::DockerfileEnv, vec![name]);
    }
    if line.text.contains("--env-file") {
        line.push(GrantKind::DockerfileEnv, vec!["--env-file".to_string()]);
    }
}

pub(super) fn compose(line: &mut Line) {
    let trimmed = line.text.trim();
    if let Some(file) = trimmed.strip_prefix("env_file:") {
        let file = file.trim().trim_matches(['"', '\'']).to_string();
        line.push(GrantKind::ComposeEnv, vec![if file.is_empty() { ".env".into() } else { file }]);
    } else if let Some(c) = YAML_ENV_ITEM.captures(line.text)
        && is_credential_name(&c[1])
        && c[1].chars().all(|ch| !ch.is_ascii_lowercase())
    {
        let name = c[1].to_string();
        line.push(GrantKind::ComposeEnv, vec![name]);
    }
}

/// Kubernetes manifests and Helm charts (any other YAML).
pub(super) fn manifest(line: &mut Line, all: &[&str], i: usize, path: &str) {
    let trimmed = line.text.trim();
    let trimmed = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    let near = |from: usize, to: usize, r: &Regex| -> Option<String> {
        all.get(from..to.min(all.len()))?.iter().find_map(|l| r.captures(l).map(|c| c[1].to_string()))
    };
    if let Some(at) = trimmed.find("secretKeyRef")
        && let Some(open) = trimmed[at..].find('{')
    {
        // Flow style: `secretKeyRef: {name: s, key: k}`, maybe inside
        // `valueFrom: {…}` or a whole `- {name: X, valueFrom: …}` entry.
        let inner = &trimmed[at + open + 1..];
        let inner = &inner[..inner.find('}').unwrap_or(inner.len())];
        let field = |k: &str| {
            inner.split(',').find_map(|kv| {
                let (key, value) = kv.split_once(':')?;
                (key.trim() == k).then(|| value.trim().trim_matches(['"', '\'']).to_string())
            })
        };
        let var = YAML_FLOW_NAME.captures(&trimmed[..at]).map(|c| c[1].to_string()).or_else(|| {
            (i.saturating_sub(4)..i).rev().find_map(|j| {
                let l = all[j].trim_start();
                l.starts_with("- name:").then(|| YAML_NAME.captures(l).map(|c| c[1].to_string())).flatten()
            })
        });
        let secret = field("name").filter(|s| !s.is_empty()).map(|s| format!("secret:{s}"));
        line.push(GrantKind::K8sSecretRef, [var, field("key"), secret].into_iter().flatten().collect());
    } else if trimmed.starts_with("secretKeyRef") {
        // The variable is named above (`- name: X` / `valueFrom:`), the secret and key below.
        let var = (i.saturating_sub(4)..i).rev().find_map(|j| {
            let l = all[j].trim_start();
            l.starts_with("- name:").then(|| YAML_NAME.captures(l).map(|c| c[1].to_string())).flatten()
        });
        let key = near(i + 1, i + 4, &YAML_KEY);
        let secret = near(i + 1, i + 4, &YAML_NAME).map(|s| format!("secret:{s}"));
        line.push(GrantKind::K8sSecretRef, [var, key, secret].into_iter().flatten().collect());
    } else if trimmed.starts_with("secretRef") || trimmed.starts_with("secretName:") {
        let inline = trimmed.split_once("secretName:").map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string());
        let name = inline.filter(|s| !s.is_empty()).or_else(|| near(i + 1, i + 3, &YAML_NAME));
        line.push(GrantKind::K8sSecretRef, name.into_iter().map(|s| format!("secret:{s}")).collect());
    } else if trimmed.replace(' ', "") == "automountServiceAccountToken:true" {
        line.push(GrantKind::K8sSecretRef, vec!["serviceaccount-token".to_string()]);
    } else if is_helm_values(path)
        && let Some(c) = HELM_SECRET_VALUE.captures(line.text)
        && is_credential_name(&c[1])
        && c[2].trim().len() >= 8
    {
        // A literal secret in chart values ends up in the rendered Secret or env.
        let name = c[1].to_string();
        line.push(GrantKind::K8sSecretRef, vec![name]);
    }
}

fn is_helm_values(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.starts_with("values") && (name.ends_with(".yaml") || name.ends_with(".yml"))
}
