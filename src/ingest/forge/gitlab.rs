//! GitLab's REST API (v4): the merge requests of the commits that matter,
//! each merge request once, and who approved it (`approved_by`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::http::{Http, HttpError};
use super::{Targets, time};
use crate::model::{ForgeAnswers, ForgeApproval, PullReview};

pub fn consult(
    http: &Http,
    api: &str,
    project: &str,
    targets: &Targets,
    answers: &mut ForgeAnswers,
    progress: &(dyn Fn(super::ForgeStep) + Sync),
) {
    let base = format!("{}/projects/{}", api.trim_end_matches('/'), encode(project));
    let mut numbers: BTreeSet<u64> = targets.pulls.clone();
    let commits: Vec<&String> = targets.commits.iter().collect();
    let merged = |m: &Value| (m["state"].as_str() == Some("merged")).then(|| m["iid"].as_u64()).flatten();
    super::place_commits(answers, &mut numbers, &commits, merged, |sha| {
        http.get_all(&format!("{base}/repository/commits/{sha}/merge_requests?per_page=100"))
    });
    super::read_pulls(answers, numbers, progress, |iid| merge_request(http, &base, iid));
}

fn merge_request(http: &Http, base: &str, iid: u64) -> Result<PullReview, HttpError> {
    let mr = http.get(&format!("{base}/merge_requests/{iid}"))?.body;
    let approvals = http.get(&format!("{base}/merge_requests/{iid}/approvals"))?.body;
    let approved_by: Vec<ForgeApproval> = approvals["approved_by"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| {
            Some(ForgeApproval {
                login: a["user"]["username"].as_str()?.to_string(),
                name: a["user"]["name"].as_str().map(str::to_string),
                at: time(&a["approved_at"]),
                commit: None,
            })
        })
        .collect();
    // `merge_user` replaced `merged_by`; older servers send only the latter.
    let merger = if mr["merge_user"].is_object() { &mr["merge_user"] } else { &mr["merged_by"] };
    Ok(PullReview {
        number: iid,
        url: mr["web_url"].as_str().unwrap_or_default().to_string(),
        author: username(&mr["author"]),
        merged_by: username(merger),
        merged_at: time(&mr["merged_at"]),
        head: mr["sha"].as_str().map(str::to_string),
        merge_commit: mr["merge_commit_sha"].as_str().or(mr["squash_commit_sha"].as_str()).map(str::to_string),
        reviews_read: approved_by.len(),
        approvals: approved_by,
    })
}

fn username(user: &Value) -> Option<String> {
    user["username"].as_str().map(str::to_string)
}

/// A project path as one URL segment: `group/sub/project` → `group%2Fsub%2Fproject`.
pub(super) fn encode(project: &str) -> String {
    project
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn project_paths_are_one_segment() {
        assert_eq!(super::encode("group/sub/my.project"), "group%2Fsub%2Fmy.project");
    }
}
