//! The demo's Vault file-audit log and Kubernetes audit log: who wired the
//! OpenAI key into the store and the cluster, and the service's reads of it.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{DemoError, at, json_lines, write_file};

/// A request and its response; `id` is (display name, token accessor, policies).
fn vault_pair(
    when: DateTime<Utc>,
    n: usize,
    id: (&str, &str, &[&str]),
    op: &str,
    path: &str,
    addr: &str,
) -> [Value; 2] {
    let (who, accessor, policies) = id;
    let auth = json!({"accessor": accessor, "client_token": format!("hmac-sha256:{:064x}", n * 2_654_435_761 + 1),
        "display_name": who, "policies": policies, "token_policies": policies, "token_type": "service",
        "entity_id": format!("6f1c{n:04}-0d2e-4a3b-9c8d-7e6f5a4b3c2d"), "policy_results": {"allowed": true}});
    let request = json!({"id": format!("b1d3{n:04}-5e7f-4a9b-8c0d-1e2f3a4b5c6d"), "operation": op, "path": path,
        "mount_type": if path.starts_with("secret/") { "kv" } else { "system" }, "namespace": {"id": "root"},
        "remote_address": addr, "client_token": auth["client_token"].clone(), "client_token_accessor": accessor});
    let t0 = when.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let t1 = (when + Duration::milliseconds(3)).to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    [
        json!({"time": t0, "type": "request", "auth": auth, "request": request}),
        json!({"time": t1, "type": "response", "auth": auth, "request": request, "response": {"mount_type": "kv"}}),
    ]
}

fn vault() -> Vec<Value> {
    let dana = "hmac-sha256:7c1e4b0a9d3f2e8c6b5a4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a";
    let agent = "hmac-sha256:2f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a";
    let hannah = "hmac-sha256:5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c";
    let mut out = Vec::new();
    let mut n = 0;
    let mut push = |when, who, acc, op, path, addr, pol: &[&str]| {
        n += 1;
        out.extend(vault_pair(when, n, (who, acc, pol), op, path, addr));
    };
    push(
        at(2026, 3, 19, 15, 2, 11),
        "userpass-dana",
        dana,
        "update",
        "sys/policies/acl/ticket-agent",
        "10.10.4.21",
        &["platform-admin"],
    );
    push(
        at(2026, 3, 19, 15, 4, 40),
        "userpass-dana",
        dana,
        "update",
        "auth/kubernetes/role/ticket-agent",
        "10.10.4.21",
        &["platform-admin"],
    );
    push(
        at(2026, 3, 19, 15, 6, 2),
        "userpass-dana",
        dana,
        "create",
        "secret/data/prod/ticket-agent/openai",
        "10.10.4.21",
        &["platform-admin"],
    );
    let mut day = at(2026, 3, 20, 13, 16, 0);
    while day < at(2026, 4, 25, 0, 0, 0) {
        push(
            day,
            "kubernetes-agents-ticket-agent",
            agent,
            "read",
            "secret/data/prod/ticket-agent/openai",
            "10.42.1.17",
            &["default", "ticket-agent"],
        );
        day += Duration::hours(31);
    }
    push(
        at(2026, 4, 14, 13, 41, 7),
        "userpass-hannah",
        hannah,
        "create",
        "secret/data/prod/ticket-agent/openai",
        "10.10.4.30",
        &["secrets-admin"],
    );
    out.sort_by(|a, b| a["time"].as_str().cmp(&b["time"].as_str()));
    out
}

/// One API server event; `who` is (user, user agent, source address).
fn k8s_event(
    when: DateTime<Utc>,
    n: usize,
    who: (&str, &str, &str),
    verb: &str,
    resource: &str,
    name: &str,
    body: Option<Value>,
) -> Value {
    let (user, ua, ip) = who;
    let group = if resource.contains("role") { "rbac.authorization.k8s.io" } else { "" };
    let api = if group.is_empty() { "/api/v1".to_string() } else { format!("/apis/{group}/v1") };
    let stamp = when.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let mut e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": if body.is_some() { "RequestResponse" } else { "Metadata" },
        "auditID": format!("9a1b{n:04}-2c3d-4e5f-8a9b-0c1d2e3f4a5b"), "stage": "ResponseComplete",
        "requestURI": format!("{api}/namespaces/agents/{resource}/{name}"), "verb": verb,
        "user": {"username": user, "groups": ["system:authenticated"]}, "sourceIPs": [ip], "userAgent": ua,
        "objectRef": {"resource": resource, "namespace": "agents", "name": name, "apiGroup": group, "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": if verb == "create" { 201 } else { 200 }},
        "requestReceivedTimestamp": stamp, "stageTimestamp": stamp,
        "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed by ClusterRoleBinding \"platform-admins\""}
    });
    if let Some(b) = body {
        e["requestObject"] = b;
    }
    e
}

fn k8s() -> Vec<Value> {
    let dana = "dana@northwind.dev";
    let kubectl = "kubectl/v1.29.3 (linux/amd64) kubernetes/6813625";
    let mut out = vec![
        k8s_event(
            at(2026, 3, 20, 12, 58, 3),
            1,
            (dana, kubectl, "198.51.100.24"),
            "create",
            "secrets",
            "agent-secrets",
            None,
        ),
        k8s_event(
            at(2026, 3, 20, 12, 59, 10),
            2,
            (dana, kubectl, "198.51.100.24"),
            "create",
            "roles",
            "secret-reader",
            Some(
                json!({"kind": "Role", "metadata": {"name": "secret-reader", "namespace": "agents"}, "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"], "resourceNames": ["agent-secrets"]}]}),
            ),
        ),
        k8s_event(
            at(2026, 3, 20, 13, 0, 27),
            3,
            (dana, kubectl, "198.51.100.24"),
            "create",
            "rolebindings",
            "ticket-agent-secrets",
            Some(
                json!({"kind": "RoleBinding", "metadata": {"name": "ticket-agent-secrets", "namespace": "agents"}, "roleRef": {"kind": "Role", "name": "secret-reader"}, "subjects": [{"kind": "ServiceAccount", "name": "ticket-agent", "namespace": "agents"}]}),
            ),
        ),
    ];
    let mut day = at(2026, 3, 20, 13, 15, 40);
    let mut n = 10;
    while day < at(2026, 4, 22, 0, 0, 0) {
        out.push(k8s_event(
            day,
            n,
            (
                "system:node:ip-10-42-1-17.eu-west-1.compute.internal",
                "kubelet/v1.29.3 (linux/amd64) kubernetes/6813625",
                "10.42.1.17",
            ),
            "get",
            "secrets",
            "agent-secrets",
            None,
        ));
        day += Duration::hours(53);
        n += 1;
    }
    out.push(k8s_event(
        at(2026, 4, 14, 13, 52, 0),
        n,
        ("hannah@northwind.dev", kubectl, "198.51.100.20"),
        "update",
        "secrets",
        "agent-secrets",
        None,
    ));
    out.sort_by(|a, b| a["requestReceivedTimestamp"].as_str().cmp(&b["requestReceivedTimestamp"].as_str()));
    out
}

pub fn write(logs: &Path) -> Result<(), DemoError> {
    write_file(&logs.join("vault/audit.log"), json_lines(&vault()).as_bytes())?;
    write_file(&logs.join("k8s/kube-apiserver-audit.log"), json_lines(&k8s()).as_bytes())
}
