//! What a commit message says about review: trailers (by git's rule: the last
//! paragraph, every line `Key: value`), pull-request numbers, and bots.

use crate::model::{Approver, Person};

/// Trailer keys that record an approval.
const APPROVALS: &[&str] = &["reviewed-by", "approved-by", "acked-by"];
/// Trailer keys recorded but not approvals.
const OTHERS: &[&str] = &["signed-off-by", "co-authored-by"];

/// The trailers of a message: `(key as written, value)`, by git's rule
/// (`git interpret-trailers`): the last paragraph (lines of only whitespace
/// separate paragraphs; CRLF is a line end) is the trailer block when every
/// line is a trailer, or when at least a quarter are and one is git's own
/// (`Signed-off-by`, `(cherry picked from commit …)`).
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = message.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(end) = lines.iter().rposition(|l| !l.trim().is_empty()) else { return Vec::new() };
    let start = lines[..end].iter().rposition(|l| l.trim().is_empty()).map_or(0, |i| i + 1);
    if start == 0 {
        // The subject's own paragraph is never a trailer block.
        return Vec::new();
    }
    let mut out: Vec<(String, String)> = Vec::new();
    let (mut counted, mut other) = (0usize, 0usize);
    let mut git_generated = false;
    for line in &lines[start..=end] {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => other += 1,
            }
            continue;
        }
        if line.starts_with("(cherry picked from commit ") {
            counted += 1;
            git_generated = true;
            continue;
        }
        match line.split_once(':') {
            Some((key, value)) if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
                git_generated |= key.eq_ignore_ascii_case("signed-off-by");
                out.push((key.to_string(), value.trim().to_string()));
                counted += 1;
            }
            _ => other += 1,
        }
    }
    let block = other == 0 || (git_generated && counted * 4 >= (counted + other));
    if block { out } else { Vec::new() }
}

/// Approvers and other people that the trailers name.
pub fn people(message: &str) -> (Vec<Approver>, Vec<(String, Person)>) {
    let mut approvers = Vec::new();
    let mut others = Vec::new();
    for (key, value) in trailers(message) {
        let lower = key.to_ascii_lowercase();
        let person = person(&value);
        if APPROVALS.contains(&lower.as_str()) {
            approvers.push(Approver {
                name: person.name,
                email: person.email,
                login: None,
                via: "trailer".to_string(),
                role: key,
                own: false,
            });
        } else if OTHERS.contains(&lower.as_str()) {
            others.push((key, person));
        }
    }
    (approvers, others)
}

fn person(value: &str) -> Person {
    match value.rsplit_once('<') {
        Some((name, rest)) => Person::new(name.trim(), rest.split('>').next().unwrap_or("").trim()),
        None => Person::new(value.trim(), ""),
    }
}

/// The pull or merge request number a subject or message names.
pub fn pull_request(message: &str) -> Option<u64> {
    let subject = message.lines().next().unwrap_or("");
    if let Some(rest) = subject.strip_prefix("Merge pull request #") {
        return leading_number(rest);
    }
    // Squash merges end the subject with "(#123)".
    if let Some(open) = subject.trim_end().strip_suffix(')').and_then(|s| s.rfind("(#").map(|i| &s[i + 2..]))
        && let Some(n) = leading_number(open)
    {
        return Some(n);
    }
    // GitLab: "See merge request group/project!123".
    message
        .lines()
        .find_map(|l| l.trim().strip_prefix("See merge request "))
        .and_then(|r| r.rsplit_once('!'))
        .and_then(|(_, n)| leading_number(n))
}

fn leading_number(s: &str) -> Option<u64> {
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Whether an identity is a platform's own (the merge button), not a person.
pub fn is_platform_identity(p: &Person) -> bool {
    let email = p.email.to_ascii_lowercase();
    email == "noreply@github.com" || email.ends_with("@noreply.gitlab.com") || p.name == "GitLab" || p.name == "GitHub"
}

/// Whether an identity is a dependency bot.
pub fn is_bot(p: &Person) -> bool {
    let s = format!("{} {}", p.name, p.email).to_ascii_lowercase();
    ["dependabot", "renovate", "[bot]", "github-actions", "snyk-bot", "greenkeeper"].iter().any(|b| s.contains(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailers_come_from_the_last_paragraph_only() {
        let msg = "Add agent (#12)\n\nReviewed-by: in the body is not a trailer\nmore text\n\nReviewed-by: Ana Ruiz <ana@example.com>\nSigned-off-by: Bo <bo@example.com>\n";
        let (approvers, others) = people(msg);
        assert_eq!(approvers.len(), 1);
        assert_eq!(approvers[0].email, "ana@example.com");
        assert_eq!(others.len(), 1);
        assert_eq!(pull_request(msg), Some(12));
        assert!(people("Reviewed-by: x <x@y>").0.is_empty(), "a subject is not a trailer block");
    }

    #[test]
    fn trailer_blocks_by_gits_rule() {
        let keys = |m: &str| trailers(m).into_iter().map(|(k, _)| k).collect::<Vec<_>>();
        // CRLF line ends and a whitespace-only separator line.
        let crlf = "Fix\r\n \r\nReviewed-by: Ana Ruiz <ana@example.com>\r\nSigned-off-by: Bo <bo@example.com>\r\n";
        assert_eq!(keys(crlf), ["Reviewed-by", "Signed-off-by"]);
        assert_eq!(trailers(crlf)[0].1, "Ana Ruiz <ana@example.com>");
        // git's own cherry-pick line does not void the block.
        let picked = "Fix\n\nReviewed-by: Ana <a@x>\n(cherry picked from commit 0123abcd)\n";
        assert_eq!(keys(picked), ["Reviewed-by"]);
        // A prose line among trailers: a block only with one of git's own (as
        // `git interpret-trailers --parse` reads these same messages).
        let mixed = "Fix\n\nThis was reviewed on the list.\nReviewed-by: Ana <a@x>\n";
        assert!(keys(mixed).is_empty());
        let signed = "Fix\n\nThis was reviewed on the list.\nReviewed-by: Ana <a@x>\nSigned-off-by: Bo <b@x>\n";
        assert_eq!(keys(signed), ["Reviewed-by", "Signed-off-by"]);
        // Prose with no known key is no block; nor is the subject alone.
        assert!(trailers("Fix\n\nNote: see below\nand more prose\nand more\nand more\n").is_empty());
        assert!(trailers("Reviewed-by: Ana <a@x>").is_empty());
    }

    #[test]
    fn pull_requests_from_merges_and_gitlab() {
        assert_eq!(pull_request("Merge pull request #7 from a/b\n\nx"), Some(7));
        assert_eq!(pull_request("Bump x\n\nSee merge request grp/proj!31"), Some(31));
        assert_eq!(pull_request("Fix (#abc)"), None);
    }
}
