//! Git history, read with git2 (never the git CLI, never running hooks): changes
//! to watched packages with who wrote, merged and approved them, and the added
//! lines that made secrets reachable.

pub mod codeowners;
mod commit;
mod history;
pub mod lockfiles;
pub mod manifests;
pub mod reachability;
mod scan;
pub mod trailers;
pub mod treediff;
pub mod watchlist;

use std::path::Path;

use git2::{Repository, RepositoryOpenFlags};

use super::{IngestError, ReadOptions};
use crate::model::{Evidence, InputSummary, SourceKind};
use watchlist::Watchlist;

fn open(path: &Path) -> Result<Repository, git2::Error> {
    Repository::open_ext(path, RepositoryOpenFlags::NO_SEARCH, std::iter::empty::<&std::ffi::OsStr>())
}

/// Receives evidence as the walk finds it, so that a display can show the
/// first results long before the history is read.
pub type Sink<'s> = &'s (dyn Fn(Evidence) + Sync);

/// How often a streaming walk hands over what it found.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(40);

/// Read the history of a repository: dependency changes and reachability grants.
pub fn read_repository(path: &Path, options: &ReadOptions) -> Result<Evidence, IngestError> {
    read(path, options, true, None)
}

/// As `read_repository`, handing evidence to `sink` as it is found; the result
/// holds only what was not handed over, and the input summary.
pub fn read_repository_streaming(path: &Path, options: &ReadOptions, sink: Sink) -> Result<Evidence, IngestError> {
    read(path, options, true, Some(sink))
}

/// Only the approvals scan (no reachability rules): what the approvals benchmark times.
pub fn read_dependency_history(path: &Path, options: &ReadOptions) -> Result<Evidence, IngestError> {
    read(path, options, false, None)
}

struct Share {
    evidence: Evidence,
    records: usize,
    relevant: usize,
    rejected: Vec<crate::model::Rejected>,
    notes: Vec<String>,
}

fn read(path: &Path, options: &ReadOptions, rules: bool, sink: Option<Sink>) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let git = |e: git2::Error| IngestError::Git { path: display.clone(), message: e.message().to_string() };
    // Objects are only read, never trusted to build anything: skip re-hashing each one.
    git2::opts::strict_hash_verification(false);
    // Each worker keeps the few trees it needs (see `treediff::TreeCache`);
    // libgit2's own cache would hold every object of the history.
    git2::opts::enable_caching(false);
    let plan = history::plan(&open(path).map_err(git)?, options.all_refs).map_err(git)?;
    let watch = Watchlist::new(&options.frameworks);
    // libgit2 serialises pack reads behind process-wide mutexes: a second thread
    // measured slower, not faster (benches/approvals.rs). One unless asked.
    let threads = options.threads.clamp(1, 1 + plan.commits.len() / 64);
    let size = plan.commits.len().div_ceil(threads).max(1);
    // Each commit is judged against its parent alone, so contiguous shares of the
    // plan can be read in parallel, each thread with its own repository handle.
    let shares: Vec<Result<Share, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = plan
            .commits
            .chunks(size)
            .map(|chunk| {
                let (watch, shallow, display) = (&watch, &plan.shallow, &display);
                scope.spawn(move || -> Result<Share, String> {
                    let repo = open(path).map_err(|e| e.message().to_string())?;
                    let mut worker =
                        scan::Worker::new(&repo, display, watch, shallow).map_err(|e| e.message().to_string())?;
                    worker.all_deps = options.all_deps;
                    worker.rules = rules;
                    worker.user_rules = &options.rules;
                    let mut records = 0;
                    let mut flushed: Option<std::time::Instant> = None;
                    for (oid, links) in chunk {
                        match worker.commit(*oid, links.clone()) {
                            Ok(()) => records += 1,
                            Err(e) => worker.rejected.push(crate::model::Rejected {
                                line: 0,
                                message: format!("commit {oid}: {}", e.message()),
                            }),
                        }
                        let found =
                            !worker.evidence.dependency_changes.is_empty() || !worker.evidence.grants.is_empty();
                        if let Some(sink) = sink
                            && found
                            && flushed.is_none_or(|t| t.elapsed() >= FLUSH_EVERY)
                        {
                            sink(std::mem::take(&mut worker.evidence));
                            flushed = Some(std::time::Instant::now());
                        }
                    }
                    Ok(Share {
                        relevant: worker.relevant,
                        evidence: worker.evidence,
                        records,
                        rejected: worker.rejected,
                        notes: worker.notes,
                    })
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a history worker stopped".to_string()))).collect()
    });
    let mut evidence = Evidence::default();
    let mut summary = InputSummary::new(SourceKind::Git, display.clone());
    for share in shares {
        let share = share.map_err(|message| IngestError::Git { path: display.clone(), message })?;
        evidence.merge(share.evidence);
        summary.records += share.records;
        summary.relevant += share.relevant;
        for r in share.rejected {
            summary.reject(r.line, r.message);
        }
        summary.notes.extend(share.notes);
    }
    if plan.commits.is_empty() {
        summary.notes.push("no commits on the history that was walked".to_string());
    }
    evidence.inputs.push(summary);
    Ok(evidence)
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
