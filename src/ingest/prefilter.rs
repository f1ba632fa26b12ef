//! Read only what can concern the case. When the scanners named the case's
//! credentials, an audit record that mentions none of them — in any form its
//! log writes them — and none of its kind's key lifecycle or grant event names
//! cannot be kept (see `ReadOptions::keeps`), so it is counted, not parsed.
//! One multi-pattern search over each chunk finds the few lines that can.
//!
//! A needle is a byte string that every record concerning the case must hold:
//! so the search may let through lines that do not matter (they are parsed and
//! dropped, as before) but never holds back one that does.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::model::SourceKind;

/// Needles shorter than this would match nearly every line: such a
/// credential turns the prefilter off for the file (every line is parsed).
const SHORTEST: usize = 4;

/// The case's credentials as raw text, and the searchers built from them for
/// each log kind (a kind adds its own event names).
#[derive(Debug, Default)]
pub struct CaseNeedles {
    forms: Vec<Vec<u8>>,
    /// A credential too short to search for: parse everything.
    too_short: bool,
    built: Mutex<HashMap<SourceKind, Option<Arc<AhoCorasick>>>>,
}

impl CaseNeedles {
    pub fn new(credentials: &HashSet<String>) -> Self {
        let forms = needles_of(credentials.iter().map(String::as_str));
        let too_short = forms.iter().any(|f| f.len() < SHORTEST);
        CaseNeedles { forms, too_short, built: Mutex::new(HashMap::new()) }
    }

    /// The searcher for a log of `kind`; `None` when every line must be parsed
    /// (a kind without a list of the events it always keeps, a short needle).
    pub fn searcher(&self, kind: SourceKind) -> Option<Arc<AhoCorasick>> {
        if self.too_short {
            return None;
        }
        let markers = super::audit::always_read(kind)?;
        let mut built = self.built.lock().ok()?;
        built
            .entry(kind)
            .or_insert_with(|| {
                let needles = self.forms.iter().map(Vec::as_slice).chain(markers.iter().map(|m| m.as_bytes()));
                AhoCorasick::builder().match_kind(MatchKind::LeftmostFirst).build(needles).ok().map(Arc::new)
            })
            .clone()
    }
}

/// The needles for a set of the case's identifiers, sorted, each once. An
/// identifier no log names a credential by (an AWS account id, an ARN: a
/// finding's context, in every record of its account) is left out: it would
/// let every line through, and no record is kept for it.
pub fn needles_of<'a>(identifiers: impl Iterator<Item = &'a str>) -> Vec<Vec<u8>> {
    let context = |c: &str| c.starts_with("arn:") || (c.len() == 12 && c.bytes().all(|b| b.is_ascii_digit()));
    let mut forms: Vec<Vec<u8>> = identifiers.filter(|c| !context(c)).flat_map(raw_forms).collect();
    forms.sort();
    forms.dedup();
    forms
}

/// Every way a log may write `credential` as leakline names it: a SHA-256
/// digest (`sha256:<hex>`) as hex in either case and as base64 (GitHub's
/// `hashed_token`), a GitHub token id as its number, anything else as itself.
pub fn raw_forms(credential: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    if let Some(hex) = credential.strip_prefix("sha256:") {
        let bytes: Option<Vec<u8>> = (0..hex.len() / 2)
            .map(|i| hex.get(2 * i..2 * i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect();
        let mut out = vec![hex.to_ascii_lowercase().into_bytes(), hex.to_ascii_uppercase().into_bytes()];
        if let Some(bytes) = bytes.filter(|b| b.len() == 32) {
            out.push(STANDARD_NO_PAD.encode(&bytes).into_bytes());
            out.push(URL_SAFE_NO_PAD.encode(&bytes).into_bytes());
        }
        return out;
    }
    if let Some(id) = credential.strip_prefix("github-token-id:") {
        return vec![id.as_bytes().to_vec()];
    }
    vec![credential.as_bytes().to_vec()]
}

/// The lines of `bytes` (whole lines, newline excluded) that hold a needle,
/// as (start, end) offsets, in order, each once.
pub fn candidate_lines(searcher: &AhoCorasick, bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < bytes.len() {
        let Some(found) = searcher.find(&bytes[from..]) else { break };
        let at = from + found.start();
        let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
        out.push((start, end));
        from = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_searched_for_as_the_logs_write_it() {
        // A `hashed_token` as a real export writes it (base64), and the same digest in hex.
        let hex = "8fb4f17496d185f3619083acebb11761c7ae5f41172fe76eebbdd7fba4184a8c";
        let forms = raw_forms(&format!("sha256:{hex}"));
        assert!(forms.contains(&hex.as_bytes().to_vec()));
        assert!(forms.contains(&hex.to_ascii_uppercase().into_bytes()));
        assert!(forms.contains(&b"j7TxdJbRhfNhkIOs67EXYceuX0EXL+du673X+6QYSow".to_vec()));
        assert_eq!(raw_forms("github-token-id:4242"), vec![b"4242".to_vec()]);
        assert_eq!(raw_forms("AKIAEXAMPLE"), vec![b"AKIAEXAMPLE".to_vec()]);
    }

    #[test]
    fn only_lines_holding_a_needle_are_candidates_each_once() {
        let searcher = AhoCorasick::new(["AKIA1", "Delete"]).unwrap_or_else(|_| unreachable!());
        let text =
            b"{\"k\":\"AKIA2\"}\n{\"k\":\"AKIA1\",\"e\":\"DeleteAccessKey\"}\n\n{\"e\":\"Get\"}\n{\"k\":\"AKIA1\"}";
        let lines: Vec<&[u8]> = candidate_lines(&searcher, text).iter().map(|&(s, e)| &text[s..e]).collect();
        assert_eq!(lines, vec![&b"{\"k\":\"AKIA1\",\"e\":\"DeleteAccessKey\"}"[..], &b"{\"k\":\"AKIA1\"}"[..]]);
        assert!(candidate_lines(&searcher, b"nothing here\n").is_empty());
    }

    #[test]
    fn a_credential_too_short_to_search_for_turns_the_prefilter_off() {
        let short: HashSet<String> = ["github-token-id:7".to_string()].into_iter().collect();
        assert!(CaseNeedles::new(&short).searcher(SourceKind::Cloudtrail).is_none());
        let fine: HashSet<String> = ["AKIAIOSFODNN7EXAMPLE".to_string()].into_iter().collect();
        assert!(CaseNeedles::new(&fine).searcher(SourceKind::Cloudtrail).is_some());
    }
}
