//! Which provider key a leaked value is. The providers' logs name a key by
//! an id (`key_…`, `apikey_…`) or by a digest of it (GitHub's `hashed_token`,
//! LiteLLM's hashed virtual key); only here, where the scanners' values still
//! are, can a value be held against a listing's redacted hint or a log's
//! digest. A link found becomes one of the finding's identifiers, which is
//! all correlation sees: the value itself never leaves ingest.

use std::collections::{BTreeSet, HashSet};

use crate::model::{Evidence, Finding, ProviderKey};

/// A hint's visible start and end: `sk-abc...def`, `sk-ant-api03-R2D…igAA`,
/// `sk-proj-****wxyz`. `None` when it shows too little to tell keys apart.
fn hint_parts(hint: &str) -> Option<(&str, &str)> {
    let (start, end) = hint
        .split_once("...")
        .or_else(|| hint.split_once('…'))
        .or_else(|| hint.find('*').map(|i| (&hint[..i], hint[i..].trim_start_matches('*'))))?;
    (start.len() >= 2 && end.len() >= 3 && !end.contains(['*', '.'])).then_some((start, end))
}

/// Whether a value could be the key a provider shows as `hint`: it starts and
/// ends as the hint does and is longer than what the hint shows.
pub fn hint_matches(hint: &str, value: &str) -> bool {
    hint_parts(hint).is_some_and(|(start, end)| {
        value.len() >= start.len() + end.len() + 8 && value.starts_with(start) && value.ends_with(end)
    })
}

/// The listed keys each scanner value matches: `(finding index, key id)`.
/// A hint two different values match, or a value two keys' hints match, is
/// no link: a wrong key would put another key's history on this secret.
fn hint_links(findings: &[Finding], keys: &[ProviderKey]) -> Vec<(usize, String)> {
    let mut pairs: Vec<(usize, &str, &str)> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(raw) = &f.raw else { continue };
        for k in keys {
            if k.hint.as_deref().is_some_and(|h| hint_matches(h, raw.expose())) {
                pairs.push((i, raw.expose(), k.id.as_str()));
            }
        }
    }
    pairs
        .iter()
        .filter(|(_, value, id)| {
            let values: BTreeSet<&str> = pairs.iter().filter(|(_, _, i)| i == id).map(|(_, v, _)| *v).collect();
            let ids: BTreeSet<&str> = pairs.iter().filter(|(_, v, _)| v == value).map(|(_, _, i)| *i).collect();
            values.len() == 1 && ids.len() == 1
        })
        .map(|(i, _, id)| (*i, (*id).to_string()))
        .collect()
}

/// The key ids that `keys` (a listing just read) ties to the scanners' values
/// in `found`, not yet among `known`: the audit logs are read again for them.
pub fn new_key_ids(found: &Evidence, keys: &[ProviderKey], known: &HashSet<String>) -> HashSet<String> {
    hint_links(&found.findings, keys).into_iter().map(|(_, id)| id).filter(|id| !known.contains(id)).collect()
}

/// Link every finding to what the evidence names it by: listed keys whose
/// hint it matches, and log digests (`sha256:…`) equal to the digest of its
/// value. Run once all sources are read, before the values are dropped.
pub fn link(evidence: &mut Evidence) {
    for (i, id) in hint_links(&evidence.findings, &evidence.keys) {
        let f = &mut evidence.findings[i];
        if !f.identifiers.contains(&id) {
            if let Some(k) = evidence.keys.iter().find(|k| k.id == id) {
                f.notes.push(format!(
                    "matches {} key {id} by its listed hint ({})",
                    k.source.name().split('-').next().unwrap_or(""),
                    k.origin
                ));
            }
            f.identifiers.push(id);
        }
    }
    let logged: HashSet<&str> = evidence
        .accesses
        .iter()
        .flat_map(|a| a.credential.iter().chain(a.lifecycle.iter().map(|(_, c)| c)))
        .filter(|c| c.starts_with("sha256:"))
        .map(String::as_str)
        .collect();
    for f in &mut evidence.findings {
        let matched: Vec<String> =
            f.digests.iter().filter(|d| logged.contains(d.as_str()) && !f.identifiers.contains(d)).cloned().collect();
        f.identifiers.extend(matched);
    }
}

/// The digests a log may name the scanners' values by (`sha256:…`), so that
/// records carrying them are kept while the logs are read.
pub fn digest_credentials(found: &Evidence) -> impl Iterator<Item = String> + '_ {
    found.findings.iter().flat_map(|f| f.digests.iter()).filter(|d| d.starts_with("sha256:")).cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_match_their_own_value_only() {
        let key = "sk-proj-Nw7dEmOlEaK2r9XqVb4Lm8TzP1sYcKeH6uJfA0gRiWnD3oQxT3BlbkFJdEmOkEyNoTrEaL5Zq";
        assert!(hint_matches("sk-proj-...L5Zq", key));
        assert!(hint_matches("sk-proj-Nw7…L5Zq", key));
        assert!(hint_matches("sk-proj-****L5Zq", key));
        assert!(!hint_matches("sk-proj-...L5Zz", key));
        assert!(!hint_matches("sk-ant-...L5Zq", key));
        // Too little shown to tell keys apart.
        assert!(!hint_matches("sk-...q", key));
        assert!(!hint_matches("redacted", key));
    }

    fn finding(value: &str) -> Finding {
        Finding { raw: Some(crate::model::RawValue::new(value)), ..Finding::default() }
    }

    fn key(id: &str, hint: &str) -> ProviderKey {
        ProviderKey { id: id.into(), hint: Some(hint.into()), ..ProviderKey::default() }
    }

    #[test]
    fn an_ambiguous_hint_links_nothing() {
        let a = "sk-proj-AAAAAAAAAAAAAAAAAAAAAAAAwxyz";
        let b = "sk-proj-BBBBBBBBBBBBBBBBBBBBBBBBwxyz";
        let one = hint_links(&[finding(a)], &[key("key_1", "sk-proj-...wxyz")]);
        assert_eq!(one, vec![(0, "key_1".to_string())]);
        // Two values fit one hint: either could be the key.
        assert!(hint_links(&[finding(a), finding(b)], &[key("key_1", "sk-proj-...wxyz")]).is_empty());
        // One value fits two keys' hints: either key could be it.
        assert!(hint_links(&[finding(a)], &[key("key_1", "sk-proj-...wxyz"), key("key_2", "sk-...wxyz")]).is_empty());
    }
}
