//! What a commit message says about review: trailers (by git's rule: the last
//! paragraph, every line `Key: value`), pull-request numbers, and bots.

use crate::model::{Approver, Person};

/// Trailer keys that record an approval.
const APPROVALS: &[&str] = &["reviewed-by", "approved-by", "acked-by"];
/// Trailer keys recorded but not approvals.
const OTHERS: &[&str] = &["signed-off-by", "co-authored-by"];

/// The trailers of a message: `(key as written, value)`.
pub fn trailers(message: &str) -> Vec<(String, String)> {
    let paragraphs: Vec<&str> = message.trim().split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect();
    if paragraphs.len() < 2 {
        return Vec::new();
    }
    let last = paragraphs[paragraphs.len() - 1];
    let mut out: Vec<(String, String)> = Vec::new();
    for line in last.lines() {
        if line.starts_with([' ', '\t']) {
            match out.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(line.trim());
                }
                None => return Vec::new(),
            }
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Vec::new();
        };
        let valid_key = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid_key {
            return Vec::new();
        }
        out.push((key.to_string(), value.trim().to_string()));
    }
    out
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
    fn pull_requests_from_merges_and_gitlab() {
        assert_eq!(pull_request("Merge pull request #7 from a/b\n\nx"), Some(7));
        assert_eq!(pull_request("Bump x\n\nSee merge request grp/proj!31"), Some(31));
        assert_eq!(pull_request("Fix (#abc)"), None);
    }
}
