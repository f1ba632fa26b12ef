//! Scanner results, each turned into `Finding`s with the raw value redacted at
//! the moment it is parsed.

mod csv;
mod detect_secrets;
mod ggshield;
mod github_alerts;
mod gitlab;
mod gitleaks;
mod noseyparker;
mod sarif;
mod secretlint;
mod trufflehog;
mod trufflehog3;

use chrono::{DateTime, Utc};

use super::framing::Located;
use super::redact::{self, CaseKey};
use crate::model::{AlertFacts, Evidence, Finding, InputSummary, Person, SourceKind};

/// Where a record came from and the key its values are fingerprinted under.
pub struct Cx<'a> {
    pub path: &'a str,
    pub line: usize,
    pub key: &'a CaseKey,
}

impl Cx<'_> {
    /// `file:line`, or the forge's name for an answer that has no line.
    fn origin(&self) -> String {
        if self.line == 0 { self.path.to_string() } else { format!("{}:{}", self.path, self.line) }
    }
}

/// Parse the JSON records of one scanner file of a known kind.
pub fn parse(
    kind: SourceKind,
    path: &str,
    records: Vec<Located>,
    key: &CaseKey,
    summary: &mut InputSummary,
    evidence: &mut Evidence,
) {
    let parse_one: fn(&Cx, &serde_json::Value) -> Result<Vec<Finding>, String> = match kind {
        SourceKind::Gitleaks => gitleaks::parse,
        SourceKind::Trufflehog => trufflehog::parse,
        SourceKind::GithubAlerts => github_alerts::parse,
        SourceKind::DetectSecrets => detect_secrets::parse,
        SourceKind::Noseyparker => noseyparker::parse,
        SourceKind::Sarif => sarif::parse,
        SourceKind::Trufflehog3 => trufflehog3::parse,
        SourceKind::GitlabSecretDetection => gitlab::parse,
        SourceKind::Ggshield => ggshield::parse,
        SourceKind::Secretlint => secretlint::parse,
        _ => return,
    };
    for (line, record) in records {
        match parse_one(&Cx { path, line, key }, &record) {
            Ok(findings) => {
                summary.records += 1;
                summary.relevant += usize::from(!findings.is_empty());
                evidence.findings.extend(findings);
            }
            Err(message) => summary.reject(line, message),
        }
    }
}

/// The findings of one secret-scanning alert as the forge answered it (its
/// value already sealed), named after the forge: `github:o/r alert #2`.
pub fn forge_alert(forge: &str, alert: &serde_json::Value, key: &CaseKey) -> Result<Vec<Finding>, String> {
    github_alerts::parse(&Cx { path: forge, line: 0, key }, alert)
}

/// Formats that are not JSON (gitleaks CSV); `None` when the bytes are not one of them.
pub fn parse_text_formats(path: &str, bytes: &[u8], forced: Option<SourceKind>, key: &CaseKey) -> Option<Evidence> {
    let text = std::str::from_utf8(bytes).ok()?;
    let header = text.lines().next()?;
    let gitleaks_csv = header.starts_with("RuleID,") && header.contains("Secret");
    if !gitleaks_csv || forced.is_some_and(|k| k != SourceKind::Gitleaks) {
        return None;
    }
    let mut summary = InputSummary::new(SourceKind::Gitleaks, path);
    let mut evidence = Evidence::default();
    gitleaks::parse_csv(path, text, key, &mut summary, &mut evidence);
    evidence.inputs.push(summary);
    Some(evidence)
}

/// What a scanner said about one match, before redaction.
#[derive(Default)]
struct RawFinding<'a> {
    rule: &'a str,
    value: Option<&'a str>,
    matched: Option<&'a str>,
    file: Option<String>,
    line: Option<u32>,
    commit: Option<String>,
    author: Option<Person>,
    commit_time: Option<DateTime<Utc>>,
    detected_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
    verified: Option<bool>,
    kind_hint: Option<String>,
    identifiers: Vec<String>,
    /// Digests the scanner stored instead of the value (`sha1:…`, `sha256:…`).
    digests: Vec<String>,
    /// What the forge cache kept of a value it was not allowed to keep.
    sealed: Option<redact::Sealed>,
    notes: Vec<String>,
    alert: Option<AlertFacts>,
}

impl RawFinding<'_> {
    /// Redact the value and drop it: only the `Finding` leaves.
    fn redact(self, cx: &Cx, scanner: SourceKind, origin: String) -> Finding {
        let value = self.value.map(str::trim).filter(|v| !v.is_empty() && *v != "REDACTED" && !v.contains("***"));
        let mut identifiers = self.identifiers;
        let mut digests = self.digests;
        let (kind, label, fingerprint, env_names) = match value {
            Some(v) => {
                let mut r = redact::redact(v, self.rule, cx.key);
                if let Some(id) = r.identifier {
                    identifiers.insert(0, id);
                }
                let (kind, embedded) = redact::embedded_identifiers(v);
                identifiers.extend(embedded);
                if let Some(kind) = kind {
                    r.kind = kind;
                }
                digests.push(format!("sha1:{}", r.sha1));
                digests.push(format!("sha256:{}", r.sha256));
                let env = self.matched.and_then(|m| redact::env_name_in(m, v));
                (r.kind, r.label, Some(r.fingerprint), env.into_iter().collect())
            }
            None => match self.sealed {
                Some(sealed) => {
                    identifiers.extend(sealed.identifiers);
                    digests.push(format!("sha1:{}", sealed.sha1));
                    digests.push(format!("sha256:{}", sealed.sha256));
                    (sealed.kind, sealed.label, None, Vec::new())
                }
                None => (redact::classify("", self.rule), "(redacted by scanner)".to_string(), None, Vec::new()),
            },
        };
        let kind = match (kind.as_str(), self.kind_hint) {
            ("generic", Some(hint)) => hint,
            _ => kind,
        };
        identifiers.sort();
        identifiers.dedup();
        Finding {
            raw: value.map(crate::ingest::mask::RawValue::new),
            scanner,
            rule: self.rule.to_string(),
            kind,
            label,
            fingerprint,
            digests,
            identifiers,
            env_names,
            file: self.file,
            line: self.line,
            commit: self.commit.filter(|c| !c.chars().all(|x| x == '0')),
            author: self.author,
            commit_time: self.commit_time,
            detected_at: self.detected_at,
            revoked_at: self.revoked_at,
            verified: self.verified,
            notes: self.notes,
            alert: self.alert,
            origin,
        }
    }
}

/// `Name <email>` as git and trufflehog write it.
fn person_from(s: &str) -> Person {
    match s.split_once('<') {
        Some((name, rest)) => Person::new(name.trim(), rest.trim_end_matches('>').trim()),
        None if s.contains('@') => Person::new("", s.trim()),
        None => Person::new(s.trim(), ""),
    }
}
