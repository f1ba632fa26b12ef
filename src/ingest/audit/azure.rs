//! Azure Key Vault diagnostic logs (`AuditEvent` category), as the storage
//! account archive writes them and as Log Analytics (`AzureDiagnostics`)
//! exports them, with flattened, type-suffixed columns.

use serde_json::Value;

use super::{origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind};

const OID: &str = "/identity/claim/http:~1~1schemas.microsoft.com~1identity~1claims~1objectidentifier";
const UPN: &str = "/identity/claim/http:~1~1schemas.xmlsoap.org~1ws~12005~105~1identity~1claims~1upn";

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::accesses_each(path, records, summary, ev, access, "Azure record without time or operationName");
}

/// The first of several fields present: JSON pointers into the archive form,
/// or Log Analytics column names.
fn first(rec: &Value, fields: &[&str]) -> Option<String> {
    fields.iter().find_map(|f| if f.starts_with('/') { text(rec, f) } else { text(rec, &format!("/{f}")) })
}

fn status(rec: &Value) -> i64 {
    ["/properties/httpStatusCode", "/httpStatusCode", "/httpStatusCode_d"]
        .iter()
        .find_map(|p| rec.pointer(p))
        .and_then(|v| {
            v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)).or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        })
        .unwrap_or(200)
}

fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = time::parse(&first(rec, &["/time", "TimeGenerated", "timeGenerated"])?)?;
    let status = status(rec);
    let appid = first(rec, &["/identity/claim/appid", "identity_claim_appid_g"]);
    Some(Access {
        at,
        source: SourceKind::Azure,
        principal: first(
            rec,
            &[
                UPN,
                "identity_claim_upn_s",
                "identity_claim_http_schemas_xmlsoap_org_ws_2005_05_identity_claims_upn_s",
                OID,
                "identity_claim_oid_g",
                "identity_claim_http_schemas_microsoft_com_identity_claims_objectidentifier_g",
            ],
        )
        .or_else(|| appid.clone())
        .unwrap_or_else(|| "(unknown)".into()),
        credential: appid,
        other_credentials: Vec::new(),
        action: first(rec, &["/operationName", "OperationName"])?,
        resource: first(rec, &["/properties/id", "id_s", "/id", "requestUri_s"]),
        outcome: if status < 400 {
            Outcome::Allowed
        } else {
            Outcome::Denied(
                first(rec, &["/resultSignature", "ResultSignature"]).unwrap_or_else(|| format!("HTTP {status}")),
            )
        },
        ip: first(rec, &["/callerIpAddress", "CallerIPAddress"]),
        user_agent: first(rec, &["/properties/clientInfo", "clientInfo_s"]),
        region: None,
        lifecycle: None,
        event_id: first(rec, &["/correlationId", "CorrelationId"]).unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}
