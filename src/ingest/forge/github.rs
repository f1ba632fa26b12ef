//! GitHub's REST API: the pull requests of the commits that matter, each
//! pull request once, and its reviews (every page), judged as GitHub judges
//! a review decision: each reviewer's latest `APPROVED`, `CHANGES_REQUESTED`
//! or `DISMISSED` review stands; `COMMENTED` and `PENDING` change nothing.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::http::{Http, HttpError};
use super::{Targets, time};
use crate::model::{ForgeAnswers, ForgeApproval, PullReview};

/// With more commits than this to place, one listing of the closed pull
/// requests (100 a page) costs fewer requests than one request per commit.
const PER_COMMIT_LIMIT: usize = 30;

pub fn consult(
    http: &Http,
    api: &str,
    slug: &str,
    targets: &Targets,
    answers: &mut ForgeAnswers,
    progress: &(dyn Fn(super::ForgeStep) + Sync),
) {
    let repo = format!("{}/repos/{slug}", api.trim_end_matches('/'));
    let mut numbers: BTreeSet<u64> = targets.pulls.clone();
    let commits: Vec<&String> = targets.commits.iter().collect();
    if commits.len() <= PER_COMMIT_LIMIT {
        let merged = |p: &Value| (!p["merged_at"].is_null()).then(|| p["number"].as_u64()).flatten();
        super::place_commits(answers, &mut numbers, &commits, merged, |sha| {
            http.get_all(&format!("{repo}/commits/{sha}/pulls?per_page=100"))
        });
    } else {
        match by_merge_commit(http, &repo, &targets.commits) {
            Ok((found, complete)) => {
                for sha in &targets.commits {
                    match found.get(sha) {
                        Some(n) => {
                            numbers.insert(*n);
                            answers.commit_pulls.insert(sha.clone(), vec![*n]);
                        }
                        // Every closed pull request was listed: none merged as this commit.
                        None if complete => {
                            answers.commit_pulls.insert(sha.clone(), Vec::new());
                        }
                        None => {
                            answers.unanswered.insert(sha.clone(), "not among the closed pull requests listed".into());
                        }
                    }
                }
            }
            Err(e) => {
                for sha in &targets.commits {
                    answers.unanswered.insert(sha.clone(), e.to_string());
                }
            }
        }
    }
    super::read_pulls(answers, numbers, progress, |n| pull(http, &repo, n));
}

/// Closed pull requests, newest first, matched by `merge_commit_sha`, until
/// every commit is placed; whether the whole list was read.
fn by_merge_commit(
    http: &Http,
    repo: &str,
    commits: &BTreeSet<String>,
) -> Result<(BTreeMap<String, u64>, bool), HttpError> {
    let mut found = BTreeMap::new();
    let mut next = Some(format!("{repo}/pulls?state=closed&per_page=100&sort=created&direction=desc"));
    for _ in 0..super::http::MAX_PAGES {
        let Some(url) = next.take() else { return Ok((found, true)) };
        let page = http.get(&url)?;
        for p in page.body.as_array().into_iter().flatten() {
            if let (Some(sha), Some(n)) = (p["merge_commit_sha"].as_str(), p["number"].as_u64())
                && !p["merged_at"].is_null()
                && commits.contains(sha)
            {
                found.insert(sha.to_string(), n);
            }
        }
        if found.len() == commits.len() {
            return Ok((found, true));
        }
        next = page.next;
    }
    Ok((found, next.is_none()))
}

fn pull(http: &Http, repo: &str, n: u64) -> Result<PullReview, HttpError> {
    let p = http.get(&format!("{repo}/pulls/{n}"))?.body;
    let reviews = http.get_all(&format!("{repo}/pulls/{n}/reviews?per_page=100"))?;
    Ok(PullReview {
        number: n,
        url: p["html_url"].as_str().unwrap_or_default().to_string(),
        author: login(&p["user"]),
        merged_by: login(&p["merged_by"]),
        merged_at: time(&p["merged_at"]),
        head: p["head"]["sha"].as_str().map(str::to_string),
        merge_commit: p["merge_commit_sha"].as_str().map(str::to_string),
        approvals: standing_approvals(&reviews),
        reviews_read: reviews.len(),
    })
}

fn login(user: &Value) -> Option<String> {
    user["login"].as_str().map(str::to_string)
}

/// The approvals that stand: per reviewer, the latest decisive review.
pub fn standing_approvals(reviews: &[Value]) -> Vec<ForgeApproval> {
    let mut ordered: Vec<&Value> = reviews.iter().collect();
    // GitHub lists reviews oldest first; sort anyway, by time then id.
    ordered.sort_by_key(|r| (r["submitted_at"].as_str().unwrap_or("").to_string(), r["id"].as_u64().unwrap_or(0)));
    let mut latest: BTreeMap<String, &Value> = BTreeMap::new();
    for r in ordered {
        let decisive = matches!(r["state"].as_str(), Some("APPROVED" | "CHANGES_REQUESTED" | "DISMISSED"));
        if let (true, Some(who)) = (decisive, login(&r["user"])) {
            latest.insert(who, r);
        }
    }
    latest
        .into_iter()
        .filter(|(_, r)| r["state"].as_str() == Some("APPROVED"))
        .map(|(who, r)| ForgeApproval {
            login: who,
            name: None,
            at: time(&r["submitted_at"]),
            commit: r["commit_id"].as_str().map(str::to_string),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(id: u64, who: &str, state: &str, at: &str) -> Value {
        serde_json::json!({"id": id, "user": {"login": who}, "state": state, "submitted_at": at, "commit_id": "c1"})
    }

    #[test]
    fn each_reviewers_latest_decision_stands() {
        let reviews = [
            review(1, "ana", "CHANGES_REQUESTED", "2024-01-01T10:00:00Z"),
            review(2, "ana", "APPROVED", "2024-01-02T10:00:00Z"),
            review(3, "ana", "COMMENTED", "2024-01-03T10:00:00Z"),
            review(4, "bo", "DISMISSED", "2024-01-02T11:00:00Z"),
            review(5, "cy", "COMMENTED", "2024-01-02T12:00:00Z"),
            review(6, "di", "APPROVED", "2024-01-01T09:00:00Z"),
            review(7, "di", "CHANGES_REQUESTED", "2024-01-04T09:00:00Z"),
        ];
        let who: Vec<String> = standing_approvals(&reviews).into_iter().map(|a| a.login).collect();
        assert_eq!(
            who,
            ["ana"],
            "a comment keeps ana's approval; bo's was dismissed; cy only commented; di asked for changes"
        );
    }
}
