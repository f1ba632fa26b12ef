//! Git history, read with git2 (never the git CLI, never running hooks): changes
//! to watched packages with who wrote, merged and approved them, and the added
//! lines that made secrets reachable.

pub mod codeowners;
mod commit;
mod commit_graph;
pub mod constraint;
mod history;
pub mod lockfiles;
pub mod manifests;
mod merged;
mod objects;
pub mod reachability;
mod run_roots;
mod scan;
pub mod trailers;
pub mod treediff;
pub mod watchlist;
mod yaml;

use std::path::Path;

use git2::{Repository, RepositoryOpenFlags};

use super::{IngestError, ReadOptions};
use crate::model::{Evidence, InputSummary, SourceKind};
use watchlist::Watchlist;

/// Open a repository to read it. One owned by another user (an evidence copy,
/// a colleague's clone) is refused by libgit2, as git refuses it, lest its
/// config run a program: leakline runs nothing a repository names and only
/// reads, so the check is passed over and the read says so (`foreign_owner`).
fn open(path: &Path) -> Result<Repository, git2::Error> {
    let open = || Repository::open_ext(path, RepositoryOpenFlags::NO_SEARCH, std::iter::empty::<&std::ffi::OsStr>());
    match open() {
        Err(e) if e.code() == git2::ErrorCode::Owner => {
            static ANY_OWNER: std::sync::Once = std::sync::Once::new();
            ANY_OWNER.call_once(|| {
                // SAFETY: libgit2 reads this flag when it opens a repository; it is
                // set once for the process (never set back, so no open sees it change
                // twice), and no repository leakline opens can make it run anything.
                let _ = unsafe { git2::opts::set_verify_owner_validation(false) };
            });
            open()
        }
        other => other,
    }
}

/// The owner of a repository's folder when it is not the user reading it.
#[cfg(unix)]
fn foreign_owner(repo: &Repository) -> Option<u32> {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    [Some(repo.path()), repo.workdir()]
        .into_iter()
        .flatten()
        .find_map(|p| std::fs::metadata(p).ok().map(|m| m.uid()).filter(|uid| *uid != me))
}

#[cfg(not(unix))]
fn foreign_owner(_: &Repository) -> Option<u32> {
    None
}

/// Receives evidence as the walk finds it, so that a display can show the
/// first results long before the history is read.
pub type Sink<'s> = &'s (dyn Fn(Evidence) + Sync);

/// How often a streaming walk hands over what it found.
const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(40);

/// Read the history of a repository: dependency changes and reachability grants.
/// The `origin` remote's URL, as configured (for `--forge` with no value).
pub fn origin_url(path: &Path) -> Option<String> {
    let repo = open(path).ok()?;
    let remote = repo.find_remote("origin").ok()?;
    remote.url().ok().map(str::to_string)
}

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

/// What every worker of one history read shares.
struct Job<'a> {
    path: &'a Path,
    display: &'a str,
    watch: &'a Watchlist,
    shallow: &'a std::collections::HashSet<git2::Oid>,
    store: Option<&'a objects::Store>,
    options: &'a ReadOptions,
    rules: bool,
    sink: Option<Sink<'a>>,
}

impl Job<'_> {
    /// Read batches until the plan is done, each into a share of its own.
    fn work(
        &self,
        batches: &std::sync::Mutex<std::sync::mpsc::Receiver<history::Batch>>,
    ) -> Result<Vec<(i64, Share)>, String> {
        let repo = open(self.path).map_err(|e| e.message().to_string())?;
        let mut worker = scan::Worker::new(&repo, self.display, self.watch, self.shallow, self.store)
            .map_err(|e| e.message().to_string())?;
        worker.all_deps = self.options.all_deps;
        worker.rules = self.rules;
        worker.user_rules = &self.options.rules;
        let mut flushed: Option<std::time::Instant> = None;
        let mut shares = Vec::new();
        loop {
            let batch = match batches.lock() {
                Ok(r) => r.recv(),
                Err(_) => break,
            };
            let Ok(batch) = batch else { break };
            if self.options.cancel.requested() {
                break;
            }
            let mut records = 0;
            for (oid, links) in batch.commits {
                match worker.commit(oid, links) {
                    Ok(()) => records += 1,
                    Err(e) => worker
                        .rejected
                        .push(crate::model::Rejected { line: 0, message: format!("commit {oid}: {}", e.message()) }),
                }
                let found = !worker.evidence.dependency_changes.is_empty() || !worker.evidence.grants.is_empty();
                if let Some(sink) = self.sink
                    && found
                    && flushed.is_none_or(|t| t.elapsed() >= FLUSH_EVERY)
                {
                    sink(std::mem::take(&mut worker.evidence));
                    flushed = Some(std::time::Instant::now());
                }
            }
            shares.push((
                batch.order,
                Share {
                    relevant: std::mem::take(&mut worker.relevant),
                    evidence: std::mem::take(&mut worker.evidence),
                    records,
                    rejected: std::mem::take(&mut worker.rejected),
                    notes: std::mem::take(&mut worker.notes),
                },
            ));
        }
        Ok(shares)
    }
}

fn read(path: &Path, options: &ReadOptions, rules: bool, sink: Option<Sink>) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let git = |e: git2::Error| IngestError::Git { path: display.clone(), message: e.message().to_string() };
    // Objects are only read, never trusted to build anything: skip re-hashing each one.
    git2::opts::strict_hash_verification(false);
    // Each worker keeps the few trees it needs (see `treediff::TreeCache`);
    // libgit2's own cache would hold every object of the history.
    git2::opts::enable_caching(false);
    let repo = open(path).map_err(git)?;
    let store = objects::Store::open(&repo);
    let shallow = history::shallow_boundaries(&repo);
    let watch = Watchlist::new(&options.frameworks);
    // libgit2 serialises pack reads behind process-wide mutexes; the walk reads
    // commits and trees through `objects`, which does not, so it splits well.
    let threads = match options.threads {
        0 => std::thread::available_parallelism().map_or(1, usize::from),
        n => n,
    };
    // Unbounded: the plan is small (ids and links) and never waits for a worker.
    let (send, receive) = std::sync::mpsc::channel::<history::Batch>();
    let receive = std::sync::Mutex::new(receive);
    let job =
        Job { path, display: &display, watch: &watch, shallow: &shallow, store: store.as_ref(), options, rules, sink };
    // Each commit is judged against its parent alone, so batches of the plan are
    // read by whichever worker is free, each with its own repository handle,
    // while this thread reads the history that follows; then it works too, so
    // there are never more busy threads than cores.
    let (planned, shares) = std::thread::scope(|scope| {
        // At least one apart from this thread, so that results flow while the plan is read.
        let handles: Vec<_> =
            (0..threads.saturating_sub(1).max(1)).map(|_| scope.spawn(|| job.work(&receive))).collect();
        let planned =
            history::plan(&repo, store.as_ref(), options.all_refs, &shallow, &mut |batch| send.send(batch).is_ok());
        // The workers finish what was sent, then stop.
        drop(send);
        let mut shares = vec![job.work(&receive)];
        shares.extend(
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err("a history worker stopped".to_string()))),
        );
        (planned, shares)
    });
    let planned = planned.map_err(git)?;
    let mut ordered = Vec::new();
    for share in shares {
        ordered.extend(share.map_err(|message| IngestError::Git { path: display.clone(), message })?);
    }
    // History order, oldest first, whichever worker read which batch.
    ordered.sort_by_key(|(order, _)| *order);
    let mut evidence = Evidence::default();
    let mut summary = InputSummary::new(SourceKind::Git, display.clone());
    for (_, share) in ordered {
        evidence.merge(share.evidence);
        summary.records += share.records;
        summary.relevant += share.relevant;
        for r in share.rejected {
            summary.reject(r.line, r.message);
        }
        summary.notes.extend(share.notes);
    }
    if planned == 0 {
        summary.notes.push("no commits on the history that was walked".to_string());
    }
    if let Some(uid) = foreign_owner(&repo) {
        summary.notes.push(format!(
            "owned by another user (uid {uid}), which git refuses until it is named a safe.directory: read read-only, as every repository is, running nothing it names"
        ));
    }
    if rules {
        evidence.run_roots = run_roots::read(&repo);
    }
    evidence.inputs.push(summary);
    Ok(evidence)
}

/// One decision per kind, file and author in a commit: a `.env` of four keys
/// or a manifest of three `secretKeyRef`s is one grant naming them all, unless
/// a merge brought them in from different authors.
fn group_hits<K: PartialEq>(hits: Vec<(K, reachability::Hit)>) -> Vec<(K, reachability::Hit)> {
    let mut out: Vec<(K, reachability::Hit)> = Vec::new();
    for (key, hit) in hits {
        match out.iter_mut().find(|(k, h)| h.kind == hit.kind && *k == key) {
            Some((_, h)) => {
                for name in hit.names {
                    if !h.names.contains(&name) {
                        h.names.push(name);
                    }
                }
            }
            None => out.push((key, hit)),
        }
    }
    out
}
