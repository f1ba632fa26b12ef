//! Kubernetes API server audit events (audit.k8s.io/v1).

use std::collections::HashMap;

use serde_json::Value;

use super::{origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, Grant, GrantKind, InputSummary, Outcome, Person, SourceKind};

const RBAC: &[&str] = &["roles", "clusterroles", "rolebindings", "clusterrolebindings"];

/// Read whoever made them: RBAC writes (every name in `RBAC` holds one of these).
pub const ALWAYS_READ: &[&str] = &["roles", "rolebindings"];

/// How far a request got, by the stage its event was logged at.
fn stage_rank(stage: &str) -> u8 {
    match stage {
        "RequestReceived" => 0,
        "ResponseStarted" => 1,
        "ResponseComplete" => 2,
        "Panic" => 3,
        _ => 2,
    }
}

/// One line of a Kubernetes audit log, for the streaming reader: the stages
/// of one request pair, the latest standing for it.
pub fn parse_line(bytes: &[u8]) -> Result<super::stream::LineRecord, String> {
    let rec = unwrap_aks(super::line_value(bytes)?);
    let rank = stage_rank(text(&rec, "/stage").as_deref().unwrap_or("ResponseComplete"));
    let parsed = if rec.get("protoPayload").is_some() { gke_access("", 0, &rec) } else { access("", 0, &rec) };
    let access = parsed.ok_or("Kubernetes audit event without a time or verb")?;
    let key = format!("{}|{}|{}", access.event_id, access.action, text(&rec, "/requestURI").unwrap_or_default());
    let grant = rbac_grant(&access, &rec);
    // A request without its own id cannot be told from another: it stands alone.
    let pair = (!access.event_id.is_empty()).then_some(super::stream::Pair { key, rank, last: rank >= 2 });
    Ok(super::stream::LineRecord { access: Some(Box::new(access)), grant, pair })
}

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    // One request logs an event per stage: each request is counted once, by the
    // last stage seen (a request may never reach ResponseComplete in the log).
    let mut entries: Vec<(u8, Access, Option<Grant>)> = Vec::new();
    let mut by_request: HashMap<String, usize> = HashMap::new();
    for (line, rec) in records {
        let rec = unwrap_aks(rec);
        let rank = stage_rank(text(&rec, "/stage").as_deref().unwrap_or("ResponseComplete"));
        let parsed =
            if rec.get("protoPayload").is_some() { gke_access(path, line, &rec) } else { access(path, line, &rec) };
        let Some(access) = parsed else {
            summary.reject(line, "Kubernetes audit event without a time or verb");
            continue;
        };
        summary.records += 1;
        let request =
            format!("{}|{}|{}", access.event_id, access.action, text(&rec, "/requestURI").unwrap_or_default());
        let grant = rbac_grant(&access, &rec);
        match by_request.get(&request) {
            Some(&i) if entries[i].0 <= rank => entries[i] = (rank, access, grant),
            Some(_) => {}
            None => {
                by_request.insert(request, entries.len());
                entries.push((rank, access, grant));
            }
        }
    }
    summary.relevant += entries.len();
    for (_, access, grant) in entries {
        ev.grants.extend(grant);
        ev.accesses.push(access);
    }
}

fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = text(rec, "/requestReceivedTimestamp")
        .or_else(|| text(rec, "/stageTimestamp"))
        .and_then(|t| time::parse(&t))?;
    let verb = text(rec, "/verb")?;
    let resource = text(rec, "/objectRef/resource").map(|r| {
        let ns = text(rec, "/objectRef/namespace").map(|n| format!("{n}/")).unwrap_or_default();
        let name = text(rec, "/objectRef/name").map(|n| format!("/{n}")).unwrap_or_default();
        // `serviceaccounts/token`: a token minted for a service account.
        let sub = text(rec, "/objectRef/subresource").map(|s| format!("/{s}")).unwrap_or_default();
        format!("{r}{sub}/{ns}{name}").replace("//", "/").trim_end_matches('/').to_string()
    });
    let code = rec.pointer("/responseStatus/code").and_then(Value::as_i64).unwrap_or(200);
    let forbidden = text(rec, "/annotations/authorization.k8s.io~1decision").as_deref() == Some("forbid");
    let outcome = if code >= 400 || forbidden {
        Outcome::Denied(
            text(rec, "/responseStatus/reason")
                .or_else(|| text(rec, "/responseStatus/message"))
                .unwrap_or_else(|| format!("HTTP {code}")),
        )
    } else {
        Outcome::Allowed
    };
    let credential = rec
        .pointer("/user/extra/authentication.kubernetes.io~1credential-id/0")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Access {
        at,
        source: SourceKind::K8s,
        principal: text(rec, "/user/username").unwrap_or_else(|| "(anonymous)".into()),
        credential,
        other_credentials: Vec::new(),
        action: verb,
        resource,
        outcome,
        ip: text(rec, "/sourceIPs/0"),
        user_agent: text(rec, "/userAgent"),
        region: None,
        lifecycle: None,
        event_id: text(rec, "/auditID").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}

/// Creating or changing RBAC objects decides who may read secrets.
fn rbac_grant(access: &Access, rec: &Value) -> Option<Grant> {
    let resource = text(rec, "/objectRef/resource")?;
    let writes = matches!(access.action.as_str(), "create" | "update" | "patch");
    if !RBAC.contains(&resource.as_str()) || !writes || access.outcome != Outcome::Allowed {
        return None;
    }
    let name = text(rec, "/objectRef/name").or_else(|| text(rec, "/requestObject/metadata/name")).unwrap_or_default();
    let binding = resource.ends_with("bindings");
    // Typed names, so that a role is linked to a secret only through the secret's own name.
    let mut names = vec![format!("{}:{name}", if binding { "binding" } else { "role" })];
    let rules = rec.pointer("/requestObject/rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let strs = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    let mut verbs_on_secrets = Vec::new();
    for rule in rules {
        let resources = strs(rule.get("resources"));
        if !resources.iter().any(|r| r == "secrets" || r == "*") {
            continue;
        }
        verbs_on_secrets.extend(strs(rule.get("verbs")));
        let named = strs(rule.get("resourceNames"));
        if named.is_empty() {
            names.push("secret:*".to_string());
        }
        names.extend(named.into_iter().map(|n| format!("secret:{n}")));
    }
    if let Some(role) = text(rec, "/requestObject/roleRef/name") {
        names.push(format!("role:{role}"));
    }
    let subjects: Vec<String> = rec
        .pointer("/requestObject/subjects")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(|x| x.get("name").and_then(Value::as_str).map(str::to_string)).collect())
        .unwrap_or_default();
    let mut excerpt = format!("{} {resource} {name}", access.action);
    if !verbs_on_secrets.is_empty() {
        verbs_on_secrets.sort();
        verbs_on_secrets.dedup();
        excerpt.push_str(&format!(" ({} on secrets)", verbs_on_secrets.join(", ")));
    }
    if !subjects.is_empty() {
        excerpt.push_str(&format!(" for {}", subjects.join(", ")));
    }
    Some(Grant {
        kind: GrantKind::K8sRbac,
        at: access.at,
        commit: None,
        path: format!("k8s:{}", access.resource.clone().unwrap_or_default()),
        line: None,
        actor: Person::new(access.principal.clone(), ""),
        introduced_by: None,
        settings: Vec::new(),
        scope: crate::model::Scope::Runtime,
        scope_reason: "a grant in the live store's audit log".to_string(),
        secret_names: names,
        excerpt,
        context: super::record_context(rec),
        origin: access.origin.clone(),
    })
}
/// AKS diagnostic logs carry the API server's event in `properties.log`, and
/// EKS's CloudWatch exports in `message` — as an object or as JSON text.
fn unwrap_aks(rec: Value) -> Value {
    for pointer in ["/properties/log", "/message", "/log"] {
        match rec.pointer(pointer) {
            Some(Value::Object(_)) if pointer != "/log" => return rec.pointer(pointer).cloned().unwrap_or(rec),
            Some(Value::String(s)) if s.contains("audit.k8s.io") => {
                if let Ok(inner) = serde_json::from_str::<Value>(s) {
                    return inner;
                }
            }
            _ => {}
        }
    }
    rec
}

/// GKE writes Kubernetes audit events as Cloud Audit Log entries (`k8s.io`):
/// read as GCP, then `methodName` `io.k8s.core.v1.secrets.get` becomes the verb.
fn gke_access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let mut access = super::gcp::access(path, line, rec)?;
    access.source = SourceKind::K8s;
    access.action = access.action.rsplit('.').next().unwrap_or(&access.action).to_string();
    Some(access)
}
