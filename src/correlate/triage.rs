//! How much a secret matters, and what is known of its revocation — decided
//! once, from where the scanners found it and which logs were read, without
//! dropping any finding.

use crate::model::{InputSummary, Revocation, Scope, Secret, SourceKind, Triage};

/// Folders and files that hold translations: keyword scanners' commonest noise.
fn is_locale(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    lower.split('/').any(|c| matches!(c, "locales" | "locale" | "i18n" | "l10n" | "lang" | "langs" | "translations"))
        || name.ends_with(".po")
        || name.ends_with(".pot")
        || name.ends_with(".xliff")
}

/// Template files that ship placeholders, not credentials.
fn is_template(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
    ["example", "sample", "template", "dist"].iter().any(|s| name.ends_with(s) || name.contains(&format!(".{s}.")))
}

/// Likely real, test, example or locale, and the evidence for it: the
/// secret's uses in the audit logs, its format, and where it was found.
pub fn triage(s: &Secret) -> (Triage, String) {
    if s.uses > 0 {
        return (Triage::LikelyReal, format!("the audit logs show it used {} times", s.uses));
    }
    let paths: Vec<&str> = s.findings.iter().filter_map(|f| f.file.as_deref()).collect();
    let known_format = s.kind != "generic";
    let runtime = paths.iter().find(|p| Scope::of(p).0 == Scope::Runtime && !is_locale(p) && !is_template(p));
    match (runtime, paths.first()) {
        (Some(p), _) if known_format => (Triage::LikelyReal, format!("a {} in {p}, runtime code", s.kind)),
        (Some(p), _) => (Triage::Unknown, format!("a keyword match in {p}, not a known credential format")),
        (None, Some(p)) if paths.iter().all(|p| is_locale(p)) => {
            (Triage::Locale, format!("found only in locale files ({p})"))
        }
        (None, Some(p)) if paths.iter().all(|p| is_template(p)) => {
            (Triage::Example, format!("found only in templates ({p})"))
        }
        (None, Some(p)) => match Scope::of(p) {
            (Scope::Test, why) => (Triage::LikelyTest, format!("found only outside runtime code: {p} is {why}")),
            (_, why) => (Triage::Example, format!("found only outside runtime code: {p} is {why}")),
        },
        (None, None) => (Triage::Unknown, "no scanner reported where it was found".to_string()),
    }
}

/// The audit source that would record this kind of credential being revoked.
fn revoking_source(kind: &str) -> Option<SourceKind> {
    match kind {
        "aws_access_key" => Some(SourceKind::Cloudtrail),
        "vault_token" => Some(SourceKind::Vault),
        "gcp_service_account_key" => Some(SourceKind::Gcp),
        "openai_key" => Some(SourceKind::OpenaiAudit),
        "anthropic_key" => Some(SourceKind::AnthropicActivity),
        k if k.starts_with("azure") => Some(SourceKind::Azure),
        k if k.starts_with("k8s") || k.starts_with("kubernetes") => Some(SourceKind::K8s),
        _ => None,
    }
}

/// Revoked where a record says so; not revoked only where a log that would
/// record the revocation was read; otherwise unknown.
pub fn revocation(s: &Secret, inputs: &[InputSummary]) -> Revocation {
    if s.revoked_at.is_some() {
        return Revocation::Revoked;
    }
    // A provider's listing says whether the key still works: a listed key is live
    // (OpenAI lists enabled keys only), unless its status says otherwise.
    if let Some(key) = &s.provider_key {
        return if key.disabled() { Revocation::Revoked } else { Revocation::NotRevoked };
    }
    // An LLM provider's audit log names keys by id: it can only show this one's
    // revocation once a listing has tied the value to its id.
    let provider_id = s.identifiers.iter().any(|i| i.starts_with("key_") || i.starts_with("apikey_"));
    if matches!(s.kind.as_str(), "openai_key" | "anthropic_key") && !provider_id {
        return Revocation::Unknown;
    }
    match revoking_source(&s.kind) {
        Some(source) if inputs.iter().any(|i| i.kind == source) => Revocation::NotRevoked,
        _ => Revocation::Unknown,
    }
}

pub fn apply(secrets: Vec<Secret>, inputs: &[InputSummary]) -> Vec<Secret> {
    secrets
        .into_iter()
        .map(|mut s| {
            (s.triage, s.triage_reason) = triage(&s);
            s.revocation = revocation(&s, inputs);
            s
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Finding;

    fn found_in(kind: &str, paths: &[&str]) -> Secret {
        let finding = |p: &str| Finding {
            scanner: SourceKind::DetectSecrets,
            rule: "r".into(),
            kind: kind.into(),
            label: "…".into(),
            fingerprint: None,
            digests: Vec::new(),
            identifiers: Vec::new(),
            env_names: Vec::new(),
            file: Some(p.into()),
            line: Some(3),
            commit: None,
            author: None,
            ..Default::default()
        };
        Secret { kind: kind.into(), findings: paths.iter().map(|p| finding(p)).collect(), ..Default::default() }
    }

    #[test]
    fn findings_are_triaged_by_place_and_format_and_none_dropped() {
        let t = |kind: &str, paths: &[&str]| triage(&found_in(kind, paths)).0;
        assert_eq!(t("generic", &["web/locales/de/common.json", "web/locales/fr/common.json"]), Triage::Locale);
        assert_eq!(t("openai_key", &["backend/config.py"]), Triage::LikelyReal);
        assert_eq!(t("generic", &["backend/config.py"]), Triage::Unknown, "a keyword hit is not judged real");
        assert_eq!(t("aws_access_key", &["tests/fixtures/creds.json"]), Triage::LikelyTest);
        assert_eq!(t("openai_key", &[".env.example"]), Triage::Example);
        assert_eq!(
            t("openai_key", &["web/locales/x.json", "app/main.py"]),
            Triage::LikelyReal,
            "any runtime place counts"
        );
        let s = found_in("openai_key", &["tests/a.py"]);
        assert_eq!(found_in("openai_key", &["tests/a.py"]).findings.len(), s.findings.len());
    }

    #[test]
    fn not_revoked_only_where_a_log_would_show_it() {
        let aws = found_in("aws_access_key", &["app.py"]);
        assert_eq!(revocation(&aws, &[]), Revocation::Unknown);
        let trail = InputSummary { kind: SourceKind::Cloudtrail, ..Default::default() };
        assert_eq!(revocation(&aws, std::slice::from_ref(&trail)), Revocation::NotRevoked);
        assert_eq!(revocation(&found_in("openai_key", &["app.py"]), &[trail]), Revocation::Unknown);
    }
}
