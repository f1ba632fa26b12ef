//! Each audit source, each framing, each timestamp form and identity type.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;

use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::{Evidence, Lifecycle, Outcome, SourceKind};

fn read_text(name: &str, text: &str) -> Evidence {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    load(&SourceSpec::Audit(None, path), &ReadOptions::default()).unwrap()
}

const CT: &str = r#"{"eventVersion":"1.08","eventTime":"2026-04-13T17:05:41Z","eventSource":"sts.amazonaws.com","eventName":"GetCallerIdentity","awsRegion":"us-east-1","sourceIPAddress":"AWS Internal","userAgent":"x","userIdentity":IDENTITY,"eventID":"ID"}"#;

fn ct(identity: &str, id: &str) -> String {
    CT.replace("IDENTITY", identity).replace("ID\"", &format!("{id}\""))
}

#[test]
fn cloudtrail_framings_and_identity_types() {
    let identities = [
        r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/ana","accessKeyId":"AKIAEXAMPLEKEY000001","userName":"ana"}"#,
        r#"{"type":"AssumedRole","principalId":"AROAX:botocore-session-1","arn":"arn:aws:sts::1:assumed-role/app/botocore-session-1","accessKeyId":"ASIAEXAMPLEKEY000002","sessionContext":{"sessionIssuer":{"arn":"arn:aws:iam::1:role/app"}}}"#,
        r#"{"type":"Root","arn":"arn:aws:iam::1:root","accessKeyId":"AKIAEXAMPLEKEY000003"}"#,
        r#"{"type":"FederatedUser","arn":"arn:aws:sts::1:federated-user/bo","principalId":"1:bo"}"#,
        r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#,
    ];
    let records: Vec<String> = identities.iter().enumerate().map(|(i, id)| ct(id, &format!("e{i}"))).collect();
    let principals = [
        "arn:aws:iam::1:user/ana",
        "arn:aws:iam::1:role/app/botocore-session-1",
        "arn:aws:iam::1:root",
        "arn:aws:sts::1:federated-user/bo",
        "lambda.amazonaws.com",
    ];
    let framings = [
        ("lines.json", records.join("\n")),
        ("array.json", format!("[\n{}\n]", records.join(",\n"))),
        ("wrapper.json", format!("{{\"Records\":[{}]}}", records.join(","))),
        (
            "pretty.json",
            records
                .iter()
                .map(|r| serde_json::to_string_pretty(&serde_json::from_str::<serde_json::Value>(r).unwrap()).unwrap())
                .collect::<Vec<_>>()
                .join("\n"),
        ),
    ];
    for (name, text) in framings {
        let ev = read_text(name, &text);
        assert_eq!(ev.inputs[0].kind, SourceKind::Cloudtrail, "{name}");
        assert_eq!((ev.inputs[0].records, ev.inputs[0].rejected), (5, 0), "{name}");
        let got: Vec<&str> = ev.accesses.iter().map(|a| a.principal.as_str()).collect();
        assert_eq!(got, principals, "{name}");
        assert_eq!(ev.accesses[0].ip.as_deref(), Some("AWS Internal"), "a non-address token is kept as such");
    }
    // gzip, whatever the name says.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.json");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(format!("{{\"Records\":[{}]}}", records.join(",")).as_bytes()).unwrap();
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    let ev = load(&SourceSpec::Audit(None, path), &ReadOptions::default()).unwrap();
    assert_eq!(ev.accesses.len(), 5);
}

#[test]
fn cloudtrail_key_lifecycle() {
    let admin = r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/admin","accessKeyId":"AKIAADMIN00000000001"}"#;
    let rec = |name: &str, params: &str, response: &str| {
        format!(
            r#"{{"eventVersion":"1.08","eventTime":"2026-04-14T13:20:05Z","eventSource":"iam.amazonaws.com","eventName":"{name}","userIdentity":{admin},"requestParameters":{params},"responseElements":{response},"eventID":"{name}"}}"#
        )
    };
    let text = [
        rec(
            "CreateAccessKey",
            r#"{"userName":"svc"}"#,
            r#"{"accessKey":{"accessKeyId":"AKIANEWKEY0000000001","status":"Active"}}"#,
        ),
        rec(
            "UpdateAccessKey",
            r#"{"userName":"svc","accessKeyId":"AKIANEWKEY0000000001","status":"Inactive"}"#,
            "null",
        ),
        rec("UpdateAccessKey", r#"{"userName":"svc","accessKeyId":"AKIANEWKEY0000000001","status":"Active"}"#, "null"),
        rec("DeleteAccessKey", r#"{"userName":"svc","accessKeyId":"AKIANEWKEY0000000001"}"#, "null"),
        rec(
            "AttachUserPolicy",
            r#"{"userName":"svc","policyArn":"arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3"}"#,
            "null",
        ),
    ]
    .join("\n");
    let ev = read_text("iam.json", &text);
    let facts: Vec<Option<(Lifecycle, String)>> = ev.accesses.iter().map(|a| a.lifecycle.clone()).collect();
    assert_eq!(
        facts,
        vec![
            Some((Lifecycle::Issued, "AKIANEWKEY0000000001".to_string())),
            Some((Lifecycle::Deactivated, "AKIANEWKEY0000000001".to_string())),
            None,
            Some((Lifecycle::Deleted, "AKIANEWKEY0000000001".to_string())),
            Some((Lifecycle::Quarantined, "user:svc".to_string())),
        ]
    );
}

#[test]
fn vault_pairs_prefixes_and_devices() {
    let entry = |kind: &str, id: &str, error: &str| {
        format!(
            r#"{{"time":"2026-04-13T17:00:00.123456789Z","type":"{kind}","auth":{{"accessor":"hmac-sha256:aa","display_name":"svc"}},"request":{{"id":"{id}","operation":"read","path":"secret/data/prod/openai","remote_address":"10.0.0.1"}}{error}}}"#
        )
    };
    let text = [
        format!("vault-audit: {}", entry("request", "1c7a0b9e-0000-4000-8000-000000000001", "")),
        format!("vault-audit: {}", entry("response", "1c7a0b9e-0000-4000-8000-000000000001", "")),
        format!("vault-audit: {}", entry("request", "1c7a0b9e-0000-4000-8000-000000000002", "")),
        format!(
            "vault-audit: {}",
            entry("response", "1c7a0b9e-0000-4000-8000-000000000002", r#","error":"permission denied""#)
        ),
    ]
    .join("\n");
    let ev = read_text("vault.log", &text);
    assert_eq!((ev.inputs[0].kind, ev.inputs[0].records, ev.inputs[0].relevant), (SourceKind::Vault, 4, 2));
    assert_eq!(ev.accesses[1].outcome, Outcome::Denied("permission denied".into()));
    assert_eq!(ev.accesses[0].credential.as_deref(), Some("hmac-sha256:aa"), "HMACs kept as opaque ids");
    // The same requests logged by a second device count once.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file1.log"), &text).unwrap();
    std::fs::write(dir.path().join("file2.log"), &text).unwrap();
    let ev =
        load(&SourceSpec::Audit(Some(SourceKind::Vault), dir.path().to_path_buf()), &ReadOptions::default()).unwrap();
    assert_eq!(ev.accesses.len(), 2);
}

#[test]
fn kubernetes_stages_count_once_and_tokens_are_named() {
    let event = |stage: &str, id: &str, subresource: &str| {
        format!(
            r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"{stage}","requestURI":"/api/v1/namespaces/agents/serviceaccounts/agent/token","verb":"create","user":{{"username":"system:serviceaccount:ci:deployer"}},"sourceIPs":["10.0.0.9"],"userAgent":"kubectl/v1.29","objectRef":{{"resource":"serviceaccounts","namespace":"agents","name":"agent"{subresource}}},"responseStatus":{{"code":201}},"requestReceivedTimestamp":"2026-04-13T17:00:00.000001Z","stageTimestamp":"2026-04-13T17:00:00.2Z"}}"#
        )
    };
    let sub = r#","subresource":"token""#;
    let text = [
        event("RequestReceived", "a1", sub),
        event("ResponseComplete", "a1", sub),
        event("RequestReceived", "a2", sub),
    ]
    .join("\n");
    let ev = read_text("k8s.log", &text);
    assert_eq!((ev.inputs[0].records, ev.accesses.len()), (3, 2), "a1 once, a2 by the only stage seen");
    assert_eq!(ev.accesses[0].resource.as_deref(), Some("serviceaccounts/token/agents/agent"));
}

#[test]
fn gcp_and_azure_fields() {
    let gcp = r#"{"insertId":"x1","timestamp":"2026-04-13T17:00:00.123456789Z","protoPayload":{"methodName":"google.cloud.secretmanager.v1.SecretManagerService.AccessSecretVersion","resourceName":"projects/p/secrets/openai/versions/3","authenticationInfo":{"principalEmail":"agent@p.iam.gserviceaccount.com","serviceAccountKeyName":"//iam.googleapis.com/projects/p/serviceAccounts/agent@p.iam.gserviceaccount.com/keys/abc123"},"requestMetadata":{"callerIp":"private","callerSuppliedUserAgent":"grpc-python/1.60"},"status":{}}}"#;
    let ev = read_text("gcp.json", gcp);
    let a = &ev.accesses[0];
    assert_eq!(a.source, SourceKind::Gcp);
    assert_eq!(a.ip.as_deref(), Some("private"));
    assert_eq!(a.credential.as_deref(), Some("abc123"), "the key id, as a leaked key file names it");
    assert!(a.other_credentials[0].ends_with("keys/abc123"));
    assert_eq!(a.at.timestamp_subsec_nanos(), 123_456_789);
    let azure = r#"{"records":[{"time":"2026-04-13T17:00:00.1Z","resourceId":"/SUBSCRIPTIONS/X/VAULTS/KV","operationName":"SecretGet","category":"AuditEvent","resultSignature":"Forbidden","durationMs":"12","callerIpAddress":"203.0.113.5","identity":{"claim":{"appid":"app-1"}},"properties":{"id":"https://kv.vault.azure.net/secrets/openai/abc","httpStatusCode":403}}]}"#;
    let ev = read_text("azure.json", azure);
    let a = &ev.accesses[0];
    assert_eq!(
        (a.principal.as_str(), a.resource.as_deref()),
        ("app-1", Some("https://kv.vault.azure.net/secrets/openai/abc"))
    );
    assert!(matches!(a.outcome, Outcome::Denied(_)));
}

#[test]
fn unknown_shapes_are_rejected_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.json");
    std::fs::write(&path, r#"{"hello":"world"}"#).unwrap();
    // One rejected input saying what it is not; the other sources are still read.
    let ev = load(&SourceSpec::Audit(None, path), &ReadOptions::default()).unwrap();
    assert!(ev.accesses.is_empty());
    assert_eq!((ev.inputs.len(), ev.inputs[0].rejected), (1, 1));
    assert!(ev.inputs[0].path.ends_with("other.json"));
    assert!(ev.inputs[0].errors[0].message.contains("not an audit log leakline recognises"), "{:?}", ev.inputs);
}

#[test]
fn a_folder_with_other_files_reads_what_it_can() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("README.md"), "# not a log\n").unwrap();
    std::fs::write(dir.path().join("trail.json"), ct(r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/a"}"#, "e1"))
        .unwrap();
    let ev = load(&SourceSpec::Audit(None, dir.path().to_path_buf()), &ReadOptions::default()).unwrap();
    assert_eq!(ev.accesses.len(), 1);
    let rejected: Vec<&str> = ev.inputs.iter().filter(|i| i.rejected > 0).map(|i| i.path.as_str()).collect();
    assert_eq!(rejected.len(), 1);
    assert!(rejected[0].ends_with("README.md"));
}

#[test]
fn cloudtrail_lake_exports_with_objects_as_json_text() {
    let record = serde_json::json!({
        "eventVersion": "1.09", "eventTime": "2026-04-13T17:05:41Z", "eventSource": "iam.amazonaws.com",
        "eventName": "UpdateAccessKey", "sourceIPAddress": "198.51.100.20",
        "userIdentity": r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/admin","accessKeyId":"AKIAADMIN00000000001"}"#,
        "requestParameters": r#"{"userName":"svc","accessKeyId":"AKIANEWKEY0000000001","status":"Inactive"}"#,
        "responseElements": null, "eventID": "lake-1"
    });
    let ev = read_text("lake.json", &record.to_string());
    assert_eq!(ev.inputs[0].rejected, 0);
    let a = &ev.accesses[0];
    assert_eq!(a.principal, "arn:aws:iam::1:user/admin");
    assert_eq!(a.lifecycle, Some((Lifecycle::Deactivated, "AKIANEWKEY0000000001".to_string())));
}

#[test]
fn azure_log_analytics_exports() {
    let row = r#"[{"TimeGenerated":"2026-04-13T17:00:00.123Z","ResourceProvider":"MICROSOFT.KEYVAULT","OperationName":"SecretGet","ResultSignature":"OK","CallerIPAddress":"203.0.113.8","identity_claim_upn_s":"ana@contoso.com","identity_claim_appid_g":"app-2","id_s":"https://kv.vault.azure.net/secrets/openai/1","httpStatusCode_d":200,"CorrelationId":"c-1"}]"#;
    let ev = read_text("azure-la.json", row);
    let a = &ev.accesses[0];
    assert_eq!(ev.inputs[0].kind, SourceKind::Azure);
    assert_eq!(
        (a.principal.as_str(), a.ip.as_deref(), a.action.as_str()),
        ("ana@contoso.com", Some("203.0.113.8"), "SecretGet")
    );
    assert_eq!(a.outcome, Outcome::Allowed);
}

#[test]
fn eks_cloudwatch_exports_carry_the_event_as_text() {
    let inner = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"x1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/a/secrets/s","verb":"get","user":{"username":"eks-admin"},"sourceIPs":["203.0.113.4"],"userAgent":"kubectl","objectRef":{"resource":"secrets","namespace":"a","name":"s"},"responseStatus":{"code":200},"requestReceivedTimestamp":"2026-04-13T17:00:00Z"}"#;
    let line = serde_json::json!({"timestamp": 1776099600000u64, "message": inner}).to_string();
    let ev = read_text("eks.json", &line);
    assert_eq!(ev.inputs[0].kind, SourceKind::K8s);
    assert_eq!(ev.accesses[0].resource.as_deref(), Some("secrets/a/s"));
}

#[test]
fn cloudtrail_from_cloudwatch_logs_exports() {
    let inner = ct(r#"{"type":"IAMUser","arn":"arn:aws:iam::1:user/ana","accessKeyId":"AKIAEXAMPLEKEY000001"}"#, "cw1");
    let line = serde_json::json!({"timestamp": 1776099600000u64, "message": inner}).to_string();
    for name in ["cw.jsonl", "cw-array.json"] {
        let text = if name.ends_with("l") { format!("{line}\n{line}\n") } else { format!("[{line}]") };
        let ev = read_text(name, &text);
        assert_eq!(ev.inputs[0].kind, SourceKind::Cloudtrail, "{name}");
        assert_eq!(ev.inputs[0].rejected, 0, "{name}: {:?}", ev.inputs[0].errors);
        assert_eq!(ev.accesses[0].credential.as_deref(), Some("AKIAEXAMPLEKEY000001"));
    }
}
