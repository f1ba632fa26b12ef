//! Secret values inside free text — a key pasted into a user agent, a token
//! in an error message, a password in a commit message, a value that failed
//! to parse — replaced by their redacted label before the text leaves
//! ingest. Two nets: the values the scanners found (matched anywhere in the
//! text, and by digest for the ones only a digest is known of), and any token
//! that looks like a secret (a known credential prefix, a long mix of cases
//! and digits).

use std::borrow::Cow;
use std::collections::HashSet;

use super::redact;
pub use crate::model::RawValue;

/// Known values shorter than this are common words more often than secrets;
/// the look of the token still catches the ones that look like secrets.
const MIN_KNOWN: usize = 8;

/// What to mask: the known values (longest first, so that a value inside
/// another is not half-masked) with their labels, and digests of values
/// known only by digest.
#[derive(Debug, Default, Clone)]
pub struct Masker {
    known: Vec<(RawValue, String)>,
    sha256: HashSet<String>,
    sha1: HashSet<String>,
    /// Tokens already hashed against the digests, and the answer: the same
    /// principal, action or region stands in every record of a trail, and two
    /// hashes a token a field was most of the time masking took.
    hashed: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<Box<str>, bool>>>,
}

/// Tokens remembered at most; past it the memory starts afresh.
const MAX_HASHED: usize = 1 << 20;

/// How much of a text to mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Net {
    /// Free text (user agents, messages, excerpts): known values and anything
    /// that looks like a secret.
    Prose,
    /// Identifiers and names (principals, paths, people): known values only,
    /// so that an id that merely looks random is left as it is.
    Known,
}

impl Masker {
    pub fn add_value(&mut self, value: &RawValue, label: &str) {
        let v = value.expose().trim();
        // An identifier is not secret (an AWS access key id): it is how records join.
        if v.chars().count() < MIN_KNOWN || redact::is_aws_key_id(v) || self.known.iter().any(|(k, _)| k.expose() == v)
        {
            return;
        }
        self.known.push((RawValue::new(v), label.to_string()));
        self.known.sort_by_key(|(k, _)| std::cmp::Reverse(k.expose().len()));
    }

    /// A digest as findings keep them: `sha1:…` or `sha256:…`.
    pub fn add_digest(&mut self, digest: &str) {
        // Answers remembered for other digests are not this masker's (a clone keeps its own).
        self.hashed = Default::default();
        if let Some(hex) = digest.strip_prefix("sha256:") {
            self.sha256.insert(hex.to_ascii_lowercase());
        } else if let Some(hex) = digest.strip_prefix("sha1:") {
            self.sha1.insert(hex.to_ascii_lowercase());
        }
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty() && self.sha256.is_empty() && self.sha1.is_empty()
    }

    /// The text with every secret it holds replaced by a label.
    pub fn mask<'a>(&self, text: &'a str, net: Net) -> Cow<'a, str> {
        let mut out = Cow::Borrowed(text);
        for (value, label) in &self.known {
            if out.contains(value.expose()) {
                out = Cow::Owned(out.replace(value.expose(), label));
            }
        }
        let digests = !self.sha256.is_empty() || !self.sha1.is_empty();
        if net == Net::Known && !digests {
            return out;
        }
        let mut changed = false;
        let mut masked = String::with_capacity(out.len());
        let mut last = 0;
        for (start, token) in tokens(&out).flat_map(path_parts) {
            let hidden = (net == Net::Prose && looks_secret(token)) || (digests && self.digest_known(token));
            if hidden {
                masked.push_str(&out[last..start]);
                masked.push_str(&redact::label(token));
                last = start + token.len();
                changed = true;
            }
        }
        if !changed {
            return out;
        }
        masked.push_str(&out[last..]);
        Cow::Owned(masked)
    }

    /// In place, for the walker.
    pub fn mask_string(&self, text: &mut String, net: Net) {
        if let Cow::Owned(masked) = self.mask(text, net) {
            *text = masked;
        }
    }

    fn digest_known(&self, token: &str) -> bool {
        if token.len() < MIN_KNOWN {
            return false;
        }
        let Ok(mut hashed) = self.hashed.lock() else { return self.digest_matches(token) };
        if let Some(&known) = hashed.get(token) {
            return known;
        }
        let known = self.digest_matches(token);
        if hashed.len() >= MAX_HASHED {
            hashed.clear();
        }
        hashed.insert(token.into(), known);
        known
    }

    fn digest_matches(&self, token: &str) -> bool {
        let trimmed = token.trim_end_matches(['.', ',', ';', '!', '?']);
        [token, trimmed].iter().any(|t| {
            self.sha256.contains(&redact::sha256(t)) || (!self.sha1.is_empty() && self.sha1.contains(&redact::sha1(t)))
        })
    }
}

/// Whether a token of free text is to be masked for its look alone. Git
/// object ids and digests (40 or 64 hex digits) and AWS access key ids are
/// identifiers the report needs, not secrets.
fn looks_secret(token: &str) -> bool {
    // A label leakline made (`sk-proj-…L5Zq`) is what is left of a secret already.
    if token.contains('…') {
        return false;
    }
    let hex_id = matches!(token.len(), 40 | 64) && token.bytes().all(|b| b.is_ascii_hexdigit());
    !hex_id && !redact::is_aws_key_id(token) && redact::looks_secret(token)
}

/// Where a secret could end in text: separators of prose, of `key=value`,
/// of headers and of markup. `/`, `+` and `.` are not among them: base64 and
/// tokens hold them.
fn separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '`'
                | '='
                | ':'
                | ','
                | ';'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
                | '&'
                | '?'
                | '|'
                | '\\'
        )
}

/// A path (`/tmp/.tmpX1aB2c/trail.json`) is judged by its parts, each masked
/// on its own; base64, which also holds `/`, does not start with one.
fn path_parts((start, token): (usize, &str)) -> Vec<(usize, &str)> {
    if !token.starts_with(['/', '.', '~']) {
        return vec![(start, token)];
    }
    let mut parts = Vec::new();
    let mut at = start;
    for part in token.split('/') {
        if !part.is_empty() {
            parts.push((at, part));
        }
        at += part.len() + 1;
    }
    parts
}

/// The tokens of a text and where each starts.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut rest = text.char_indices().peekable();
    std::iter::from_fn(move || {
        while rest.peek().is_some_and(|(_, c)| separator(*c)) {
            rest.next();
        }
        let (start, _) = *rest.peek()?;
        let mut end = start;
        while let Some((i, c)) = rest.peek().copied() {
            if separator(c) {
                break;
            }
            end = i + c.len_utf8();
            rest.next();
        }
        Some((start, &text[start..end]))
    })
}

/// Free text that leaves leakline where no case is known (the CLI's own
/// error line, an argument echoed back): anything that looks like a secret.
pub fn prose(text: &str) -> Cow<'_, str> {
    Masker::default().mask(text, Net::Prose)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_digest_answers_are_never_another_maskers() {
        let mut first = Masker::default();
        first.add_digest(&format!("sha256:{}", redact::sha256("plainwordsecret1")));
        assert_eq!(first.mask("x plainwordsecret2 y", Net::Known), "x plainwordsecret2 y");
        let mut second = first.clone();
        second.add_digest(&format!("sha256:{}", redact::sha256("plainwordsecret2")));
        assert_ne!(second.mask("x plainwordsecret2 y", Net::Known), "x plainwordsecret2 y", "not the first's answer");
        assert_eq!(first.mask("x plainwordsecret2 y", Net::Known), "x plainwordsecret2 y");
        assert_ne!(first.mask("x plainwordsecret1 y", Net::Known), "x plainwordsecret1 y", "remembered or not, found");
        assert_ne!(first.mask("x plainwordsecret1 y", Net::Known), "x plainwordsecret1 y");
    }

    #[test]
    fn known_values_go_wherever_they_stand() {
        let mut m = Masker::default();
        m.add_value(&RawValue::new("hunter2hunter2"), "…ter2");
        m.add_value(&RawValue::new("AKIAIOSFODNN7EXAMPLE"), "AKIA…MPLE");
        let text = "login failed for pw=hunter2hunter2, key AKIAIOSFODNN7EXAMPLE";
        assert_eq!(m.mask(text, Net::Known), "login failed for pw=…ter2, key AKIAIOSFODNN7EXAMPLE");
        assert_eq!(m.mask("xhunter2hunter2y", Net::Known), "x…ter2y");
    }

    #[test]
    fn tokens_that_look_secret_go_from_prose_only() {
        let m = Masker::default();
        let ua = "aws-cli/2.15 Python/3.11 key=sk-proj-CANARYqv7Zt2LmX9pWbR4kNy8HsJdF3gT6uE1oA5iCc0MxVz md/x";
        let masked = m.mask(ua, Net::Prose);
        assert_eq!(masked, "aws-cli/2.15 Python/3.11 key=sk-proj-…MxVz md/x");
        assert_eq!(m.mask(ua, Net::Known), ua);
        // Identifiers stay: a commit id, a digest, an access key id, a UUID, an ARN.
        let ids = "revert 3bef6bb0a3c2e1d4f5a6b7c8d9e0f1a2b3c4d5e6 hmac-sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 AKIAIOSFODNN7EXAMPLE 00000000-0000-0000-0000-000000000042 arn:aws:iam::111122223333:user/svc";
        assert_eq!(m.mask(ids, Net::Prose), ids);
        let paths = "/tmp/.tmpAbC12xYz9QwErTy/missing.log ./logs/2026/04/13/trail.json.gz";
        assert_eq!(m.mask(paths, Net::Prose), paths);
        assert_eq!(prose("/home/x/ghp_CANARYk8Jq2Wm5Rz7Tx3Vb9Nd4Lf6Hg1Ys0Pa"), "/home/x/ghp_…s0Pa");
        assert_eq!(
            prose("unreadable eventTime `wJalrCANARYUtnFEMIK7MDENGbPxRfiCYzZq9X2v`"),
            "unreadable eventTime `…9X2v`"
        );
    }

    #[test]
    fn values_known_by_digest_are_found_as_tokens() {
        let mut m = Masker::default();
        m.add_digest(&format!("sha256:{}", redact::sha256("plainpassword")));
        assert_eq!(m.mask("the password plainpassword. was used", Net::Known), "the password …ord. was used");
        assert_eq!(m.mask("plainpasswordx", Net::Known), "plainpasswordx");
    }
}
