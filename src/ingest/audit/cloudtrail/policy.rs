//! IAM calls in CloudTrail that let a principal read secrets: inline and
//! managed policies on users, roles and groups, and the secrets they name.

use serde_json::Value;

use super::{Params, owned};
use crate::model::{Access, Grant, GrantKind, Person};

/// IAM calls that can grant reads of secrets.
pub(super) const POLICY_CALLS: &[&str] = &[
    "PutUserPolicy",
    "PutRolePolicy",
    "PutGroupPolicy",
    "AttachUserPolicy",
    "AttachRolePolicy",
    "AttachGroupPolicy",
    "CreatePolicyVersion",
];

/// Managed policies that grant reading every secret.
fn broad_managed_policy(name: &str) -> bool {
    matches!(name, "AdministratorAccess" | "SecretsManagerReadWrite" | "PowerUserAccess")
        || name.contains("SecretsManager")
}

/// `%7B%22Version…` → `{"Version…`: CloudTrail logs policy documents URL-encoded.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (b'+', _, _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    }
}

/// The secrets an IAM policy document allows reading: `secretsmanager:NAME` for
/// each resource, `secretsmanager:*` for a wildcard. Empty when it grants none.
fn secrets_granted(document: &str) -> Vec<String> {
    let decoded = if document.trim_start().starts_with('{') { document.to_string() } else { percent_decode(document) };
    let Ok(doc) = serde_json::from_str::<Value>(&decoded) else { return Vec::new() };
    let statements = match doc.get("Statement") {
        Some(Value::Array(a)) => a.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let reads = |a: &str| {
        let a = a.to_ascii_lowercase();
        a == "*" || a == "secretsmanager:*" || a == "secretsmanager:getsecretvalue" || a == "secretsmanager:get*"
    };
    let mut out = Vec::new();
    for st in statements.iter().filter(|st| st.get("Effect").and_then(Value::as_str) == Some("Allow")) {
        if !strings(st.get("Action")).iter().any(|a| reads(a)) {
            continue;
        }
        for resource in strings(st.get("Resource")) {
            out.push(match resource.split_once(":secret:") {
                _ if resource == "*" => "secretsmanager:*".to_string(),
                // Secrets Manager appends `-` and six random characters to the name in ARNs.
                Some((_, name)) => format!("secretsmanager:{}", strip_suffix(name)),
                None => resource,
            });
        }
    }
    out.sort();
    out.dedup();
    out
}

fn strip_suffix(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, tail)) if tail.len() == 6 && tail.chars().all(|c| c.is_ascii_alphanumeric()) => base,
        _ => name.trim_end_matches('*'),
    }
}

/// IAM policy changes that grant reading secrets, with the secrets they name.
pub(super) fn policy_grant(access: &Access, params: &Params) -> Option<Grant> {
    let name = access.action.split(':').next_back()?;
    if !POLICY_CALLS.contains(&name) || access.outcome != crate::model::Outcome::Allowed || access.lifecycle.is_some() {
        return None;
    }
    let target = [&params.user_name, &params.role_name, &params.group_name, &params.policy_arn]
        .into_iter()
        .find_map(owned)
        .unwrap_or_default();
    let policy = owned(&params.policy_name)
        .or_else(|| params.policy_arn.get().map(|a| a.rsplit('/').next().unwrap_or(a).to_string()))
        .unwrap_or_default();
    let granted = match params.policy_document.get() {
        Some(doc) => secrets_granted(doc),
        None if broad_managed_policy(&policy) => vec!["secretsmanager:*".to_string()],
        None => Vec::new(),
    };
    if granted.is_empty() {
        return None;
    }
    let mut names = vec![format!("policy:{policy}")];
    names.extend(granted.iter().cloned());
    Some(Grant {
        kind: GrantKind::IamPolicy,
        at: access.at,
        commit: None,
        path: format!("iam:{target}"),
        line: None,
        actor: Person::new(access.principal.clone(), ""),
        introduced_by: None,
        settings: Vec::new(),
        scope: crate::model::Scope::Runtime,
        scope_reason: "a grant in the live store's audit log".to_string(),
        secret_names: names,
        excerpt: format!("{name} {policy} on {target}: allows reading {}", granted.join(", ")),
        context: Vec::new(),
        origin: access.origin.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_encoded_policy_documents_are_read() {
        let doc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22secretsmanager%3AGetSecretValue%22%5D%2C%22Resource%22%3A%22arn%3Aaws%3Asecretsmanager%3Aeu-west-1%3A123456789012%3Asecret%3Aprod%2Fopenai-AbC123%22%7D%5D%7D";
        assert_eq!(secrets_granted(doc), vec!["secretsmanager:prod/openai"]);
        let s3_only = r#"{"Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#;
        assert!(secrets_granted(s3_only).is_empty());
        let admin = r#"{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        assert_eq!(secrets_granted(admin), vec!["secretsmanager:*"]);
    }
}
