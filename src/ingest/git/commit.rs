//! What a commit says about who wrote, merged and approved it.

use chrono::{TimeZone, Utc};
use git2::{Commit, Oid, Repository};

use super::trailers;
use crate::model::{CommitInfo, Person};

pub fn person(sig: &git2::Signature) -> Person {
    Person::new(String::from_utf8_lossy(sig.name_bytes()), String::from_utf8_lossy(sig.email_bytes()))
}

/// Authorship, merge and approval facts of a commit. For a merge, the author is
/// the branch tip's (refined per file by `branch_author`).
pub fn info(commit: &Commit) -> CommitInfo {
    let message = String::from_utf8_lossy(commit.message_bytes()).to_string();
    let author = match commit.parent(1) {
        Ok(tip) => person(&tip.author()),
        Err(_) => person(&commit.author()),
    };
    let committer = person(&commit.committer());
    let (approvers, other_trailers) = trailers::people(&message);
    // A merge made locally is committed by whoever merged; one made with the
    // forge's button is committed by the forge and authored by whoever pressed it.
    let merger = if trailers::is_platform_identity(&committer) { person(&commit.author()) } else { committer.clone() };
    let merged_by = (commit.parent_count() > 1 && !trailers::is_platform_identity(&merger)).then_some(merger);
    let at = Utc.timestamp_opt(commit.time().seconds(), 0).single().unwrap_or_default();
    CommitInfo {
        id: commit.id().to_string(),
        at,
        summary: message.lines().next().unwrap_or("").to_string(),
        bot: trailers::is_bot(&author),
        author,
        committer,
        merged_by,
        pull_request: trailers::pull_request(&message),
        approvers,
        other_trailers,
    }
}

/// Commits a branch brings to a merge are walked at most this far back.
const BRANCH_DEPTH: usize = 500;

/// The author of the branch commit that gave `path` the blob id `wanted`, for a
/// merge whose branch carried the change.
pub fn branch_author(repo: &Repository, merge: &Commit, path: &str, wanted: Option<Oid>) -> Option<Person> {
    let (main, tip) = (merge.parent_id(0).ok()?, merge.parent_id(1).ok()?);
    let base = repo.merge_base(main, tip).ok();
    let blob_at = |c: &Commit| c.tree().ok().and_then(|t| t.get_path(std::path::Path::new(path)).ok()).map(|e| e.id());
    let mut current = repo.find_commit(tip).ok()?;
    let mut introduced: Option<Person> = None;
    for _ in 0..BRANCH_DEPTH {
        if Some(current.id()) == base || blob_at(&current) != wanted {
            break;
        }
        introduced = Some(person(&current.author()));
        match current.parent(0) {
            Ok(p) => current = p,
            Err(_) => break,
        }
    }
    introduced
}
