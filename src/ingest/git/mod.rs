//! Git history, read with git2 (never the git CLI, never running hooks): changes
//! to watched packages with who wrote, merged and approved them, and the added
//! lines that made secrets reachable.

pub mod codeowners;
pub mod manifests;
pub mod reachability;
pub mod trailers;
pub mod watchlist;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{TimeZone, Utc};
use git2::{Commit, Delta, DiffOptions, Oid, Patch, Repository, RepositoryOpenFlags, Sort, Tree};

use super::{IngestError, ReadOptions};
use crate::model::{
    ChangeKind, CommitInfo, DependencyChange, Evidence, Grant, InputSummary, Person, SourceKind,
};
use codeowners::CodeOwners;
use watchlist::Watchlist;

/// Blobs larger than this are not read for rules (generated or vendored files).
const MAX_BLOB: usize = 4 << 20;

struct Reader<'r> {
    repo: &'r Repository,
    watch: Watchlist,
    evidence: Evidence,
    path: String,
}

/// Read the first-parent history of HEAD.
pub fn read_repository(path: &Path, options: &ReadOptions) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let git = |e: git2::Error| IngestError::Git {
        path: display.clone(),
        message: e.message().to_string(),
    };
    let repo = Repository::open_ext(
        path,
        RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(git)?;
    let mut walk = repo.revwalk().map_err(git)?;
    walk.push_head().map_err(git)?;
    walk.simplify_first_parent().map_err(git)?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)
        .map_err(git)?;
    let mut reader = Reader {
        repo: &repo,
        watch: Watchlist::new(&options.frameworks),
        evidence: Evidence::default(),
        path: display.clone(),
    };
    let mut summary = InputSummary::new(SourceKind::Git, display.clone());
    for oid in walk {
        let oid = oid.map_err(git)?;
        match reader.commit(oid) {
            Ok(()) => summary.records += 1,
            Err(e) => summary.reject(0, format!("commit {oid}: {}", e.message())),
        }
    }
    let mut evidence = reader.evidence;
    evidence.inputs.push(summary);
    Ok(evidence)
}

fn person(sig: &git2::Signature) -> Person {
    Person::new(
        String::from_utf8_lossy(sig.name_bytes()),
        String::from_utf8_lossy(sig.email_bytes()),
    )
}

fn commit_info(commit: &Commit) -> CommitInfo {
    let message = String::from_utf8_lossy(commit.message_bytes()).to_string();
    // A merge brings in the branch's work: its tip's author wrote the change.
    let author = match commit.parent(1) {
        Ok(tip) => person(&tip.author()),
        Err(_) => person(&commit.author()),
    };
    let committer = person(&commit.committer());
    let (approvers, other_trailers) = trailers::people(&message);
    let merged_by = (commit.parent_count() > 1 && !trailers::is_platform_identity(&committer))
        .then(|| committer.clone());
    let at = Utc
        .timestamp_opt(commit.time().seconds(), 0)
        .single()
        .unwrap_or_default();
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

impl Reader<'_> {
    fn blob_text(&self, id: Oid) -> Option<String> {
        if id.is_zero() {
            return None;
        }
        let blob = self.repo.find_blob(id).ok()?;
        (!blob.is_binary() && blob.size() <= MAX_BLOB)
            .then(|| String::from_utf8_lossy(blob.content()).into_owned())
    }

    fn owners(&self, tree: &Tree, path: &str) -> Vec<String> {
        codeowners::LOCATIONS
            .iter()
            .find_map(|loc| tree.get_path(Path::new(loc)).ok())
            .and_then(|entry| self.blob_text(entry.id()))
            .map(|text| CodeOwners::parse(&text).owners_of(path))
            .unwrap_or_default()
    }

    fn commit(&mut self, oid: Oid) -> Result<(), git2::Error> {
        let commit = self.repo.find_commit(oid)?;
        let info = commit_info(&commit);
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        };
        let mut opts = DiffOptions::new();
        opts.context_lines(0);
        let diff =
            self.repo
                .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut opts))?;
        for (idx, delta) in diff.deltas().enumerate() {
            let new_path = delta
                .new_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned());
            let old_path = delta
                .old_file()
                .path()
                .map(|p| p.to_string_lossy().into_owned());
            let path = new_path.clone().or(old_path.clone()).unwrap_or_default();
            if let Some(ecosystem) = manifests::ecosystem(&path) {
                let old = self.blob_text(delta.old_file().id());
                let new = if delta.status() == Delta::Deleted {
                    None
                } else {
                    self.blob_text(delta.new_file().id())
                };
                let owners = self.owners(&tree, &path);
                self.dependency_changes(&path, ecosystem, old, new, &info, owners);
            }
            if !reachability::applies_to(&path) {
                continue;
            }
            let Some(patch) = Patch::from_diff(&diff, idx)? else {
                continue;
            };
            let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
            for h in 0..patch.num_hunks() {
                for l in 0..patch.num_lines_in_hunk(h)? {
                    let line = patch.line_in_hunk(h, l)?;
                    match line.origin() {
                        '+' => added.extend(line.new_lineno()),
                        '-' => removed.extend(line.old_lineno()),
                        _ => {}
                    }
                }
            }
            if let (Some(p), Some(text)) = (&new_path, self.blob_text(delta.new_file().id())) {
                for hit in group_hits(reachability::scan(p, &text, &added)) {
                    self.evidence.grants.push(self.grant(hit, p, &info));
                }
            }
            if let (Some(p), Some(text)) = (&old_path, self.blob_text(delta.old_file().id())) {
                for hit in group_hits(reachability::scan(p, &text, &removed)) {
                    self.evidence.unwirings.push(self.grant(hit, p, &info));
                }
            }
        }
        self.evidence.commits.push(info);
        Ok(())
    }

    fn grant(&self, hit: reachability::Hit, path: &str, info: &CommitInfo) -> Grant {
        Grant {
            kind: hit.kind,
            at: info.at,
            commit: Some(info.clone()),
            path: path.to_string(),
            line: Some(hit.line),
            actor: info.author.clone(),
            secret_names: hit.names,
            excerpt: hit.excerpt,
            origin: format!(
                "{}@{}:{path}:{}",
                self.path,
                &info.id[..12.min(info.id.len())],
                hit.line
            ),
        }
    }

    fn dependency_changes(
        &mut self,
        path: &str,
        ecosystem: &str,
        old: Option<String>,
        new: Option<String>,
        info: &CommitInfo,
        owners: Vec<String>,
    ) {
        let read = |text: Option<String>| -> BTreeMap<String, String> {
            text.and_then(|t| manifests::packages(path, &t))
                .unwrap_or_default()
                .into_iter()
                .filter(|(name, _)| self.watch.watches(name))
                .collect()
        };
        let (before, after) = (read(old), read(new));
        let names: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
        for name in names {
            let (from, to) = (before.get(name), after.get(name));
            let change = match (from, to) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(a), Some(b)) if a == b => continue,
                (Some(a), Some(b)) => match manifests::compare_versions(b, a) {
                    std::cmp::Ordering::Less => ChangeKind::Downgraded,
                    _ => ChangeKind::Upgraded,
                },
                (None, None) => continue,
            };
            let version = |v: Option<&String>| v.filter(|s| !s.is_empty()).cloned();
            self.evidence.dependency_changes.push(DependencyChange {
                package: name.clone(),
                ecosystem: ecosystem.to_string(),
                manifest: path.to_string(),
                change,
                from: version(from),
                to: version(to),
                commit: info.clone(),
                owners: owners.clone(),
            });
        }
    }
}

/// One decision per kind and file in a commit: a `.env` of four keys or a
/// manifest of three `secretKeyRef`s is one grant naming them all.
fn group_hits(hits: Vec<reachability::Hit>) -> Vec<reachability::Hit> {
    let mut out: Vec<reachability::Hit> = Vec::new();
    for hit in hits {
        match out.iter_mut().find(|h| h.kind == hit.kind) {
            Some(h) => {
                for name in hit.names {
                    if !h.names.contains(&name) {
                        h.names.push(name);
                    }
                }
            }
            None => out.push(hit),
        }
    }
    out
}
