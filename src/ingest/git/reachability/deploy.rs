//! Containers and deployment: committed `.env` files, Dockerfile `ENV`/`ARG`,
//! compose `env_file`/`environment`, Kubernetes `secretKeyRef`, `envFrom`,
//! secret volumes and service-account tokens, and Helm values feeding them.

use std::sync::LazyLock;

use regex::Regex;
use saphyr::MarkedYaml;

use super::super::yaml;
use super::{ASSIGNMENT, Item, Line, YAML_NAME, has_user_info, is_credential_name, re};
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

/// Compose files line by line, where the parser cannot read them.
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

/// Kubernetes manifests and Helm charts (any other YAML), line by line: for
/// templates, which are no YAML until rendered.
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
    } else if trimmed.starts_with("secretRef")
        || (trimmed.starts_with("secretName:") && super::parent_key(all, i).as_deref() == Some("secret"))
    {
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

/// Compose files read as YAML: `environment` (a mapping or a `KEY=value`
/// list, block or flow), `env_file` (one file, a list, or `path:` entries),
/// a service's `secrets`, and upper-case credential variables anywhere else
/// (`x-env: &env` blocks that services merge in).
pub(super) fn compose_items(docs: &[MarkedYaml<'_>]) -> Vec<Item> {
    let mut out = Vec::new();
    for (keys, m) in yaml::mappings(docs) {
        let in_environment = keys.last().is_some_and(|k| k == "environment");
        for (k, v) in yaml::entries(m) {
            let key = yaml::text(k).unwrap_or_default();
            match key.as_str() {
                "env_file" => {
                    let list = yaml::items(v);
                    if list.is_empty() {
                        let name = yaml::text(v).filter(|s| !s.is_empty()).unwrap_or_else(|| ".env".into());
                        out.push(Item::over(GrantKind::ComposeEnv, vec![name], v).from(yaml::first_line(k)));
                    }
                    for item in list {
                        let file = yaml::get(item, "path").unwrap_or(item);
                        out.extend(yaml::text(file).map(|name| Item::over(GrantKind::ComposeEnv, vec![name], item)));
                    }
                }
                "environment" => {
                    for item in yaml::items(v) {
                        let text = yaml::text(item).unwrap_or_default();
                        let name = text.split('=').next().unwrap_or_default().trim().to_string();
                        if is_credential_name(&name) {
                            out.push(Item::over(GrantKind::ComposeEnv, vec![name], item));
                        }
                    }
                }
                "secrets" if keys.len() == 2 && keys[0] == "services" => {
                    for item in yaml::items(v) {
                        let source = yaml::get(item, "source").unwrap_or(item);
                        if let Some(name) = yaml::text(source) {
                            out.push(Item::over(GrantKind::ComposeEnv, vec![format!("secret:{name}")], item));
                        }
                    }
                }
                // `OPENAI_API_KEY:` with no value passes the host's variable through.
                _ if (yaml::text(v).is_some() || in_environment)
                    && is_credential_name(&key)
                    && (in_environment || key.chars().all(|ch| !ch.is_ascii_lowercase())) =>
                {
                    out.push(Item::over(GrantKind::ComposeEnv, vec![key], v).from(yaml::first_line(k)));
                }
                _ => {}
            }
        }
    }
    out
}

/// Kubernetes manifests and Helm values read as YAML: an env entry's
/// `valueFrom.secretKeyRef` (the variable, the key, the secret), other
/// `secretKeyRef`s, `envFrom` `secretRef`s, secret volumes, a mounted
/// service-account token, and literal credentials in chart values.
pub(super) fn manifest_items(docs: &[MarkedYaml<'_>], path: &str) -> Vec<Item> {
    let mut out = Vec::new();
    let field = |node: Option<&MarkedYaml<'_>>, key: &str| node.and_then(|n| yaml::get(n, key)).and_then(yaml::text);
    for (keys, m) in yaml::mappings(docs) {
        let parent = keys.last().map(String::as_str);
        if let Some(from) = yaml::get(m, "valueFrom")
            && let Some(reference) = yaml::get(from, "secretKeyRef")
        {
            let names = [
                field(Some(m), "name"),
                field(Some(reference), "key"),
                field(Some(reference), "name").map(|s| format!("secret:{s}")),
            ];
            out.push(Item::over(GrantKind::K8sSecretRef, names.into_iter().flatten().collect(), m));
        }
        for (k, v) in yaml::entries(m) {
            let key = yaml::text(k).unwrap_or_default();
            let line = yaml::first_line(k);
            let secret = |name: Option<String>| name.into_iter().map(|s| format!("secret:{s}")).collect::<Vec<_>>();
            match key.as_str() {
                "secretKeyRef" if parent != Some("valueFrom") => {
                    let names = [field(Some(v), "key"), field(Some(v), "name").map(|s| format!("secret:{s}"))];
                    out.push(Item::over(GrantKind::K8sSecretRef, names.into_iter().flatten().collect(), v).from(line));
                }
                "secretRef" => {
                    out.push(Item::over(GrantKind::K8sSecretRef, secret(field(Some(v), "name")), v).from(line));
                }
                "secretName" if parent == Some("secret") => {
                    out.push(Item::over(GrantKind::K8sSecretRef, secret(yaml::text(v)), v).from(line));
                }
                "automountServiceAccountToken" if yaml::text(v).as_deref() == Some("true") => {
                    out.push(Item::over(GrantKind::K8sSecretRef, vec!["serviceaccount-token".into()], v).from(line));
                }
                _ if is_helm_values(path)
                    && is_credential_name(&key)
                    && yaml::text(v).is_some_and(|s| s.trim().len() >= 8 && !s.starts_with('$')) =>
                {
                    // A literal secret in chart values ends up in the rendered Secret or env.
                    out.push(Item::over(GrantKind::K8sSecretRef, vec![key], v).from(line));
                }
                _ => {}
            }
        }
    }
    out
}
