//! AWS CloudTrail records (`{"Records":[…]}` files, arrays, or one event a line).

use serde_json::Value;

use super::{denied_if, origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, Grant, GrantKind, InputSummary, Lifecycle, Person, SourceKind};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    for (line, rec) in records {
        match access(path, line, &rec) {
            Ok(access) => {
                summary.records += 1;
                if let Some(grant) = policy_grant(&access, &rec) {
                    ev.grants.push(grant);
                }
                ev.accesses.push(access);
            }
            Err(message) => summary.reject(line, message),
        }
    }
}

fn principal(rec: &Value) -> String {
    let id = |p: &str| text(rec, &format!("/userIdentity/{p}"));
    match id("type").as_deref() {
        Some("AWSService") => id("invokedBy").unwrap_or_else(|| "AWSService".into()),
        Some("AssumedRole") => id("sessionContext/sessionIssuer/arn")
            .map(|role| match id("principalId").and_then(|p| p.split_once(':').map(|(_, s)| s.to_string())) {
                Some(session) => format!("{role}/{session}"),
                None => role,
            })
            .or_else(|| id("arn"))
            .unwrap_or_else(|| "AssumedRole".into()),
        _ => id("arn")
            .or_else(|| id("principalId"))
            .or_else(|| id("userName"))
            .or_else(|| id("type"))
            .unwrap_or_else(|| "(unknown)".into()),
    }
}

fn access(path: &str, line: usize, rec: &Value) -> Result<Access, String> {
    let raw_time = text(rec, "/eventTime").ok_or("CloudTrail record without eventTime")?;
    let at = time::parse(&raw_time).ok_or_else(|| format!("unreadable eventTime `{raw_time}`"))?;
    let name = text(rec, "/eventName").ok_or("CloudTrail record without eventName")?;
    let service =
        text(rec, "/eventSource").map(|s| s.trim_end_matches(".amazonaws.com").to_string()).unwrap_or_default();
    let error = text(rec, "/errorCode").map(|code| match text(rec, "/errorMessage") {
        Some(msg) => format!("{code}: {msg}"),
        None => code,
    });
    let ok = error.is_none();
    let lifecycle = match name.as_str() {
        "CreateAccessKey" if ok => text(rec, "/responseElements/accessKey/accessKeyId").map(|k| (Lifecycle::Issued, k)),
        "UpdateAccessKey" if ok => {
            let inactive = text(rec, "/requestParameters/status").as_deref() == Some("Inactive");
            text(rec, "/requestParameters/accessKeyId").filter(|_| inactive).map(|k| (Lifecycle::Deactivated, k))
        }
        "DeleteAccessKey" if ok => text(rec, "/requestParameters/accessKeyId").map(|k| (Lifecycle::Deleted, k)),
        "AttachUserPolicy" | "PutUserPolicy" if ok => {
            let quarantine = text(rec, "/requestParameters/policyArn")
                .or_else(|| text(rec, "/requestParameters/policyName"))
                .is_some_and(|p| p.contains("CompromisedKeyQuarantine"));
            text(rec, "/requestParameters/userName")
                .filter(|_| quarantine)
                .map(|u| (Lifecycle::Quarantined, format!("user:{u}")))
        }
        _ => None,
    };
    let resource = ["secretId", "bucketName", "userName", "roleName", "name", "instanceId"]
        .iter()
        .find_map(|k| text(rec, &format!("/requestParameters/{k}")));
    Ok(Access {
        at,
        source: SourceKind::Cloudtrail,
        principal: principal(rec),
        credential: text(rec, "/userIdentity/accessKeyId"),
        action: if service.is_empty() { name } else { format!("{service}:{name}") },
        resource,
        outcome: denied_if(error),
        ip: text(rec, "/sourceIPAddress"),
        user_agent: text(rec, "/userAgent"),
        region: text(rec, "/awsRegion"),
        lifecycle,
        event_id: text(rec, "/eventID").unwrap_or_else(|| origin(path, line)),
        origin: origin(path, line),
    })
}

/// IAM policy changes that can grant reads of secrets.
fn policy_grant(access: &Access, rec: &Value) -> Option<Grant> {
    let name = access.action.split(':').next_back()?;
    let is_policy = matches!(
        name,
        "PutUserPolicy"
            | "AttachUserPolicy"
            | "PutRolePolicy"
            | "AttachRolePolicy"
            | "PutGroupPolicy"
            | "AttachGroupPolicy"
    );
    if !is_policy || access.outcome != crate::model::Outcome::Allowed || access.lifecycle.is_some() {
        return None;
    }
    let target = text(rec, "/requestParameters/userName")
        .or_else(|| text(rec, "/requestParameters/roleName"))
        .or_else(|| text(rec, "/requestParameters/groupName"))
        .unwrap_or_default();
    let policy = text(rec, "/requestParameters/policyArn")
        .or_else(|| text(rec, "/requestParameters/policyName"))
        .unwrap_or_default();
    Some(Grant {
        kind: GrantKind::IamPolicy,
        at: access.at,
        commit: None,
        path: format!("iam:{target}"),
        line: None,
        actor: Person::new(access.principal.clone(), ""),
        secret_names: vec![policy.clone()],
        excerpt: format!("{name} {policy} on {target}"),
        origin: access.origin.clone(),
    })
}
