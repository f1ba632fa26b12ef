//! Ingest: read sources, sniff their kinds, and normalise them into `Evidence`.
//! Knows formats and nothing of correlation or presentation. Raw secret values
//! are redacted here (see `redact`) and never leave this module.

pub mod advisories;
pub mod audit;
pub mod cancel;
pub mod case_file;
pub mod clickhouse;
pub mod digest;
pub mod disk_search;
pub mod fingerprint;
pub mod forge;
pub mod framing;
pub mod git;
pub mod keylink;
pub mod lenient;
pub mod limits;
pub mod mask;
pub mod prefilter;
pub mod progress;
pub mod redact;
pub mod same_origin;
pub mod scan;
pub mod scrub;
mod streamed;
pub mod strict_json;
pub mod tail;
pub mod time;
pub mod vault_hash;
mod walk;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{Evidence, InputSummary, SourceKind};
pub use streamed::parse_appended;
use streamed::{Streamed, stream_audit};
pub(crate) use walk::walk;

/// Why a source could not be read at all (record-level problems are rejections instead).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("{path}: cannot read: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Parse { path: String, line: usize, message: String },
    #[error("{path}: unknown source kind `{kind}`")]
    UnknownKind { path: String, kind: String },
    #[error("{path}: git: {message}")]
    Git { path: String, message: String },
    /// Past a limit of `limits::Limits`: nothing of it was used.
    #[error("{path}: {message}; nothing from it was used")]
    TooLarge { path: String, message: String },
    /// A query engine's table (`clickhouse://…`) that could not be read.
    #[error("{address}: {message}")]
    Remote { address: String, message: String },
}

/// One source the user named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    Repo(PathBuf),
    Audit(Option<SourceKind>, PathBuf),
    Scan(Option<SourceKind>, PathBuf),
    /// OSV records: a file, a folder or an ecosystem's zip.
    Advisories(PathBuf),
    /// A ClickHouse table of raw audit records, asked for the case's rows.
    Clickhouse(Box<clickhouse::ClickhouseSpec>),
}

impl SourceSpec {
    /// Parse `PATH` or `KIND:PATH` for `--audit` or `--scan`.
    pub fn parse_audit(arg: &str) -> Result<Self, IngestError> {
        if clickhouse::is_address(arg) {
            return Ok(SourceSpec::Clickhouse(Box::new(clickhouse::parse(arg)?)));
        }
        let (kind, path) = split_kind(arg, &SourceKind::AUDIT)?;
        Ok(SourceSpec::Audit(kind, path))
    }

    pub fn parse_scan(arg: &str) -> Result<Self, IngestError> {
        let (kind, path) = split_kind(arg, &SourceKind::SCAN)?;
        Ok(SourceSpec::Scan(kind, path))
    }

    pub fn path(&self) -> &Path {
        match self {
            SourceSpec::Repo(p) | SourceSpec::Audit(_, p) | SourceSpec::Scan(_, p) | SourceSpec::Advisories(p) => p,
            SourceSpec::Clickhouse(spec) => &spec.display,
        }
    }

    /// A short name for progress displays.
    pub fn label(&self) -> String {
        let what = match self {
            SourceSpec::Repo(_) => "git".to_string(),
            SourceSpec::Audit(k, _) => k.map_or("audit", |k| k.name()).to_string(),
            SourceSpec::Scan(k, _) => k.map_or("scan", |k| k.name()).to_string(),
            SourceSpec::Advisories(_) => "advisories".to_string(),
            SourceSpec::Clickhouse(spec) => spec.kind.map_or("audit", |k| k.name()).to_string(),
        };
        format!("{what} {}", self.path().display())
    }
}

fn split_kind(arg: &str, allowed: &[SourceKind]) -> Result<(Option<SourceKind>, PathBuf), IngestError> {
    if let Some((kind, path)) = arg.split_once(':') {
        let looks_like_kind =
            !kind.is_empty() && kind.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit());
        if looks_like_kind && !Path::new(arg).exists() {
            let k = SourceKind::from_name(kind)
                .filter(|k| allowed.contains(k))
                .ok_or_else(|| IngestError::UnknownKind { path: path.to_string(), kind: kind.to_string() })?;
            return Ok((Some(k), PathBuf::from(path)));
        }
    }
    Ok((None, PathBuf::from(arg)))
}

impl ReadOptions {
    /// Whether an audit record is kept once counted.
    pub fn keeps(&self, access: &crate::model::Access) -> bool {
        if self.drop_accesses {
            return false;
        }
        match &self.keep_credentials {
            None => true,
            Some(set) => {
                access.lifecycle.is_some()
                    || access.credential.iter().chain(&access.other_credentials).any(|c| set.contains(c))
            }
        }
    }
}

impl ReadOptions {
    /// The prefilter for a log of `kind`, where records can be skipped unparsed.
    pub fn searcher(&self, kind: SourceKind) -> Option<std::sync::Arc<aho_corasick::AhoCorasick>> {
        let keeping = self.keep_credentials.is_some() && !self.drop_accesses && !self.full_parse;
        self.prefilter.as_ref().filter(|_| keeping).and_then(|n| n.searcher(kind))
    }
}

/// Options that shape what is read from git.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Packages to treat as the framework; empty means the built-in watchlist.
    pub frameworks: Vec<String>,
    /// Report every package, not only the watched ones.
    pub all_deps: bool,
    /// Walk every branch and tag, not only HEAD's first-parent history.
    pub all_refs: bool,
    /// The user's reachability rules, added to the built-in ones.
    pub rules: Vec<git::reachability::UserRule>,
    /// The key secret fingerprints are computed under (see `redact::CaseKey`).
    pub case_key: redact::CaseKey,
    /// Drop audit records once counted (`check`): memory stays flat on any size.
    pub drop_accesses: bool,
    /// Keep only audit records made with one of these credentials (and every
    /// credential lifecycle fact); `None` keeps all. Records are still counted.
    pub keep_credentials: Option<std::sync::Arc<std::collections::HashSet<String>>>,
    /// The case's credentials as the logs write them: records naming none of
    /// them (nor an event kept whoever made it) are counted, not parsed. Set
    /// with `keep_credentials` where records are kept, never for `check`.
    pub prefilter: Option<std::sync::Arc<prefilter::CaseNeedles>>,
    /// Digests of files read whole before (from the case store): an unchanged
    /// file is not hashed again. `None`: every file is hashed.
    pub digests: Option<std::sync::Arc<digest::Book>>,
    /// Take no digest of streamed logs (`check`'s text, which shows none).
    pub skip_digest: bool,
    /// `--full-parse`: parse every record, prefilter or not (what `check` does).
    pub full_parse: bool,
    /// Where the case's history starts (its first exposure, less a baseline):
    /// pushed down to a query engine's time column.
    pub window_from: Option<chrono::DateTime<chrono::Utc>>,
    /// Threads for the history walk (0: one per core).
    pub threads: usize,
    /// How much one input may cost (see `limits`).
    pub limits: limits::Limits,
    /// Told what a long read is doing (a query engine's rounds and rows).
    pub progress: progress::Progress,
    /// Set when what is being read is no longer wanted.
    pub cancel: cancel::Cancel,
}

/// Read one source, handing partial evidence to `sink` where the source can
/// (git history); the result holds the rest and the input summaries.
pub fn load_streaming(spec: &SourceSpec, options: &ReadOptions, sink: git::Sink) -> Result<Evidence, IngestError> {
    match spec {
        SourceSpec::Repo(path) => git::read_repository_streaming(path, options, sink),
        other => load(other, options),
    }
}

/// Read one source into evidence.
pub fn load(spec: &SourceSpec, options: &ReadOptions) -> Result<Evidence, IngestError> {
    match spec {
        SourceSpec::Repo(path) => git::read_repository(path, options),
        SourceSpec::Audit(kind, path) => load_files(path, *kind, &SourceKind::AUDIT, options),
        SourceSpec::Scan(kind, path) => load_files(path, *kind, &SourceKind::SCAN, options),
        SourceSpec::Advisories(path) => advisories::load(path, options),
        SourceSpec::Clickhouse(spec) => clickhouse::load(spec, options),
    }
}

/// What reading one file gave: its evidence, nothing it recognised, or an error.
type Loaded = Result<Option<Evidence>, IngestError>;

fn load_files(
    path: &Path,
    forced: Option<SourceKind>,
    family: &[SourceKind],
    options: &ReadOptions,
) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|source| IngestError::Read { path: display.clone(), source })?;
    // A pipe (`--audit <(zcat trail.gz)`) is read as a file is.
    if !meta.is_dir() {
        let mut evidence = Evidence::default();
        let loaded = load_file(path, forced, family, options);
        evidence.inputs = take_loaded(path, forced, family, loaded, &mut evidence)?;
        return Ok(evidence);
    }
    let (mut files, skipped) = walk(path).map_err(|source| IngestError::Read { path: display.clone(), source })?;
    files.sort();
    let empty = files.is_empty();
    // A folder of logs (CloudTrail's S3 layout holds thousands of files) is
    // read on every core; the files are then taken in order, as one would.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<Loaded>>> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    let threads = std::thread::available_parallelism().map_or(1, usize::from).min(files.len()).max(1);
    // A file large enough to be streamed uses every core itself: two at once
    // would only double the buffers in flight.
    let one_large = std::sync::Mutex::new(());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(file) = files.get(i) else { break };
                    let large = std::fs::metadata(file).is_ok_and(|m| m.len() >= audit::stream::CHUNK as u64);
                    let _turn = large.then(|| one_large.lock());
                    let loaded = load_file(file, forced, family, options);
                    if let Ok(mut slot) = results[i].lock() {
                        *slot = Some(loaded);
                    }
                }
            });
        }
    });
    let mut evidence = Evidence::default();
    let mut summaries: Vec<InputSummary> = Vec::new();
    for (file, result) in files.into_iter().zip(results) {
        let loaded = result.into_inner().ok().flatten().unwrap_or(Ok(None));
        // Each file is an input of its own: `check` and the report name it.
        summaries.extend(take_loaded(&file, forced, family, loaded, &mut evidence)?);
    }
    // Nothing is lost silently: what was not read is listed, and an empty folder says so.
    for walk::Skipped { path, why, lost } in skipped {
        let mut summary = InputSummary::new(forced.unwrap_or(family[0]), path.display().to_string());
        if lost {
            summary.reject(0, why);
        } else {
            summary.notes.push(format!("skipped: {why}"));
        }
        summaries.push(summary);
    }
    if empty {
        let mut summary = InputSummary::new(forced.unwrap_or(family[0]), display.clone());
        summary.notes.push("the folder holds no file to read".to_string());
        summaries.push(summary);
    }
    dedupe_vault_devices(&mut evidence);
    evidence.inputs.extend(summaries);
    Ok(evidence)
}

/// One file's evidence merged into `evidence`, and its inputs. A file that
/// cannot be used — unreadable, too large, cut short, of no known format — is
/// one rejected input saying why, and the other inputs are still read; only
/// a kind named by the user that does not exist stops everything.
fn take_loaded(
    file: &Path,
    forced: Option<SourceKind>,
    family: &[SourceKind],
    loaded: Loaded,
    evidence: &mut Evidence,
) -> Result<Vec<InputSummary>, IngestError> {
    let expected = if family.contains(&SourceKind::Vault) { "an audit log" } else { "scanner output" };
    let rejected = |line: usize, why: String| {
        let mut summary = InputSummary::new(forced.unwrap_or(family[0]), file.display().to_string());
        summary.reject(line, why);
        Ok(vec![summary])
    };
    match loaded {
        Ok(Some(mut ev)) => {
            let inputs = std::mem::take(&mut ev.inputs);
            evidence.merge(ev);
            Ok(inputs)
        }
        Ok(None) => rejected(0, format!("not {expected} leakline recognises (force a kind with KIND:PATH); skipped")),
        Err(IngestError::TooLarge { message, .. }) => rejected(0, format!("{message}; nothing from it was used")),
        // Not one record could be read: say what the file is not, not only why line N failed.
        Err(IngestError::Parse { line, message, .. }) => {
            rejected(line, format!("{message}; not {expected} leakline recognises, skipped"))
        }
        Err(IngestError::Read { source, .. }) => {
            rejected(0, format!("cannot be read ({source}); nothing from it was used"))
        }
        Err(e) => Err(e),
    }
}

/// Several Vault audit devices log the same request: one access per request id
/// (ids that are masked or absent are never taken for the same request).
fn dedupe_vault_devices(evidence: &mut Evidence) {
    let is_request_id = |id: &str| id.len() == 36 && id.bytes().filter(|b| *b == b'-').count() == 4;
    let mut seen = std::collections::HashSet::new();
    evidence
        .accesses
        .retain(|a| a.source != SourceKind::Vault || !is_request_id(&a.event_id) || seen.insert(a.event_id.clone()));
    let mut grants = std::collections::HashSet::new();
    evidence.grants.retain(|g| {
        g.kind != crate::model::GrantKind::VaultPolicy || grants.insert((g.at, g.path.clone(), g.actor.name.clone()))
    });
}

/// Read and parse one file; `None` when its kind cannot be told.
fn load_file(
    path: &Path,
    forced: Option<SourceKind>,
    family: &[SourceKind],
    options: &ReadOptions,
) -> Result<Option<Evidence>, IngestError> {
    let display = path.display().to_string();
    let mut taken = None;
    if family.contains(&SourceKind::Vault) {
        match stream_audit(path, &display, forced, options)? {
            Streamed::Read(evidence) => return Ok(Some(*evidence)),
            Streamed::Not(bytes) => taken = bytes,
        }
    }
    let piped_digest = taken.as_mut().map(|(_, digest)| digest.take());
    let max = options.limits.max_input;
    let too_large = |what: String| IngestError::TooLarge {
        path: display.clone(),
        message: format!("{what}, more than the {} leakline reads whole (--max-input)", limits::shown(max)),
    };
    let read_error = |source| IngestError::Read { path: display.clone(), source };
    let raw = match taken {
        Some((bytes, _)) => bytes,
        None => {
            let meta = std::fs::metadata(path).map_err(read_error)?;
            if meta.len() > max {
                return Err(too_large(format!("{} on disk", limits::shown(meta.len()))));
            }
            // A pipe says nothing of its size: read at most one byte past the limit.
            let mut raw = Vec::new();
            std::fs::File::open(path)
                .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, max.saturating_add(1)), &mut raw))
                .map_err(read_error)?;
            raw
        }
    };
    if raw.len() as u64 > max {
        return Err(too_large(format!("more than {} read", limits::shown(max))));
    }
    let sha256 = piped_digest.unwrap_or_else(|| Some(digest::of_bytes(&raw)));
    let Some(framing::Inflated { bytes, cut_short }) = framing::decompress(raw, max) else {
        return Err(too_large("it inflates".to_string()));
    };
    // A damaged gzip stream: what inflated before the damage is read, and the damage said.
    let said = |mut evidence: Evidence| {
        for input in &mut evidence.inputs {
            input.sha256.clone_from(&sha256);
        }
        if let (Some(why), Some(input)) = (&cut_short, evidence.inputs.last_mut()) {
            let line = bytes.iter().filter(|b| **b == b'\n').count() + 1;
            input.reject(line, format!("input ends early ({why}); the records before it were read"));
        }
        Some(evidence)
    };
    if let Some(evidence) = scan::parse_text_formats(&display, &bytes, forced, &options.case_key) {
        return Ok(said(evidence));
    }
    let framed = framing::records(&bytes);
    let prefix_note = framed.prefixed.note();
    let framing::Framed { records, rejected, .. } = framed;
    let kind = match forced.or_else(|| sniff(&records, family)) {
        Some(k) => k,
        // `[]` is what a scanner writes when it found nothing: not a rejection.
        None if records.is_empty() && rejected.is_empty() => {
            let mut summary = InputSummary::new(family[0], display.clone());
            summary.notes.push("holds no records (empty), so its kind cannot be told".to_string());
            return Ok(said(Evidence { inputs: vec![summary], ..Evidence::default() }));
        }
        None if records.is_empty() && !rejected.is_empty() => {
            let first = &rejected[0];
            return Err(IngestError::Parse { path: display, line: first.line, message: first.message.clone() });
        }
        None => return Ok(None),
    };
    let mut summary = InputSummary::new(kind, display.clone());
    summary.notes.extend(prefix_note);
    for r in rejected {
        summary.reject(r.line, r.message);
    }
    let mut evidence = Evidence::default();
    match kind {
        SourceKind::Git => {}
        k if SourceKind::AUDIT.contains(&k) => {
            audit::parse(k, &display, records, &mut summary, &mut evidence);
            evidence.accesses.retain(|a| options.keeps(a));
        }
        k => scan::parse(k, &display, records, &options.case_key, &mut summary, &mut evidence),
    }
    evidence.inputs.push(summary);
    Ok(said(evidence))
}

/// The kind of the first record that any known kind of the family claims.
fn sniff(records: &[framing::Located], family: &[SourceKind]) -> Option<SourceKind> {
    records.iter().take(20).find_map(|(_, v)| sniff_record(v).filter(|k| family.contains(k)))
}

/// What kind of record this is, from the fields it carries.
pub fn sniff_record(v: &Value) -> Option<SourceKind> {
    let has = |k: &str| v.get(k).is_some();
    let message_holds = |needle: &str| v.get("message").and_then(Value::as_str).is_some_and(|m| m.contains(needle));
    if has("eventVersion") || (has("eventSource") && has("eventName")) || message_holds("\"eventVersion\"") {
        Some(SourceKind::Cloudtrail)
    } else if (has("request") || has("auth")) && has("type") && has("time") {
        Some(SourceKind::Vault)
    } else if has("auditID")
        || v.get("apiVersion").and_then(Value::as_str) == Some("audit.k8s.io/v1")
        || ["message", "log"]
            .iter()
            .any(|k| v.get(*k).and_then(Value::as_str).is_some_and(|m| m.contains("audit.k8s.io")))
    {
        Some(SourceKind::K8s)
    } else if has("protoPayload") {
        Some(SourceKind::Gcp)
    } else if (has("operationName") && (has("resourceId") || has("category")))
        || (has("OperationName") && (has("ResourceProvider") || has("TimeGenerated")))
    {
        Some(SourceKind::Azure)
    } else if let Some(kind) = audit::sniff_api_record(v) {
        Some(kind)
    } else if has("RuleID") || has("offender") {
        Some(SourceKind::Gitleaks)
    } else if has("SourceMetadata") || has("DetectorName") {
        Some(SourceKind::Trufflehog)
    } else if has("secret_type")
        || v.get("alert").is_some_and(|a| a.get("secret_type").is_some())
        || v.get("response_body")
            .is_some_and(|b| b.as_array().is_some_and(|a| a.iter().any(|x| x.get("secret_type").is_some())))
    {
        Some(SourceKind::GithubAlerts)
    } else if has("plugins_used") && has("results") {
        Some(SourceKind::DetectSecrets)
    } else if has("rule_name") && has("matches") {
        Some(SourceKind::Noseyparker)
    } else if has("runs") && (has("version") || has("$schema")) {
        Some(SourceKind::Sarif)
    } else if v.get("rule").is_some_and(|r| r.get("id").is_some()) && has("secret") && has("path") {
        Some(SourceKind::Trufflehog3)
    } else if has("vulnerabilities") && has("version") {
        Some(SourceKind::GitlabSecretDetection)
    } else if has("scans") || (has("entities_with_incidents") && has("type")) {
        Some(SourceKind::Ggshield)
    } else if has("filePath") && has("messages") {
        Some(SourceKind::Secretlint)
    } else {
        None
    }
}

/// A string field at a JSON pointer, if present and non-empty.
pub(crate) fn str_at<'a>(v: &'a Value, pointer: &str) -> Option<&'a str> {
    v.pointer(pointer).and_then(Value::as_str).filter(|s| !s.is_empty())
}
