//! GitHub enterprise and organization audit logs, as exported (JSON or CSV
//! turned JSON), streamed (one event a line) or answered by the audit-log API.
//! A request made with a token carries `hashed_token`, the SHA-256 of the token
//! (base64; some documentation shows hex): that is what joins a leaked token to
//! its uses, through the digests the scanners keep of the value.

use serde_json::Value;

use super::{origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind};

const MISSING: &str = "GitHub audit event without a time or action";

/// One line of a streamed GitHub audit log.
pub fn parse_line(bytes: &[u8]) -> Result<super::stream::LineRecord, String> {
    let rec = super::line_value(bytes)?;
    let access = access("", 0, &rec).ok_or(MISSING)?;
    Ok(super::stream::LineRecord::single(access, None))
}

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::accesses_each(path, records, summary, ev, access, MISSING);
}

fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at =
        super::epoch_or_text(rec.get("@timestamp").or_else(|| rec.get("created_at")).or_else(|| rec.get("timestamp")))?;
    let action = text(rec, "/action")?;
    let token = text(rec, "/hashed_token").and_then(|t| super::sha256_form(&t));
    let kind = text(rec, "/programmatic_access_type");
    Some(Access {
        at,
        source: SourceKind::GithubAudit,
        principal: text(rec, "/actor")
            .or_else(|| rec.get("actor_id").map(|id| format!("actor_id:{id}")))
            .unwrap_or_else(|| "(unknown)".into()),
        credential: token,
        // The token's own id, where the event names it (fine-grained tokens).
        other_credentials: rec
            .get("token_id")
            .filter(|v| !v.is_null())
            .map(|id| format!("github-token-id:{id}"))
            .into_iter()
            .collect(),
        action: match kind {
            Some(k) => format!("{action} ({k})"),
            None => action,
        },
        resource: text(rec, "/repo").or_else(|| text(rec, "/repository")).or_else(|| text(rec, "/org")),
        outcome: Outcome::Allowed,
        ip: text(rec, "/actor_ip"),
        user_agent: text(rec, "/user_agent"),
        region: text(rec, "/actor_location/country_code"),
        lifecycle: None,
        event_id: text(rec, "/_document_id")
            .or_else(|| text(rec, "/document_id"))
            .or_else(|| text(rec, "/request_id"))
            .unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_git_clone_with_a_token_names_its_digest_address_and_agent() {
        let line = br#"{"@timestamp":1714560000123,"action":"git.clone","actor":"octocat","actor_ip":"203.0.113.9","user_agent":"git/2.43.0","hashed_token":"n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=","programmatic_access_type":"Personal access token (classic)","repo":"acme/agent","_document_id":"d-1"}"#;
        let rec = parse_line(line).unwrap();
        let a = rec.access.unwrap();
        assert_eq!(a.at.timestamp_millis(), 1_714_560_000_123);
        assert_eq!(a.action, "git.clone (Personal access token (classic))");
        assert_eq!(
            a.credential.as_deref(),
            Some("sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
        );
        assert_eq!((a.ip.as_deref(), a.user_agent.as_deref()), (Some("203.0.113.9"), Some("git/2.43.0")));
        assert_eq!(a.event_id, "d-1");
    }

    #[test]
    fn hex_digests_are_read_as_base64_ones_are() {
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        assert_eq!(
            super::super::sha256_form(hex),
            super::super::sha256_form("n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=")
        );
        assert_eq!(super::super::sha256_form("not a digest"), None);
    }
}
