//! A session: the sources the user named (on the command line or in a case
//! file), resolved and ready to load. Shared by the TUI and the headless commands.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::correlate::{self, Context};
use crate::ingest::forge::{self, ForgeError, ForgeSettings};
use crate::ingest::{self, IngestError, ReadOptions, SourceSpec, case_file};
use crate::model::{Case, Evidence, Owners};
use crate::store::trust::{self, TrustError};

#[derive(Debug, Clone, Default)]
pub struct Session {
    pub title: Option<String>,
    pub sources: Vec<SourceSpec>,
    pub options: ReadOptions,
    pub owners: Option<PathBuf>,
    pub mappings: Vec<crate::model::SecretMapping>,
    pub vault_hashes: Vec<crate::ingest::vault_hash::VaultHash>,
    /// Where to ask for reviews (`--forge`); `None`: no network call at all.
    pub forge: Option<ForgeSettings>,
    /// What the user should know about how the session was set up (a key
    /// kept elsewhere than beside the case).
    pub notices: Vec<String>,
    /// Where reports exported from the TUI go unless a path is given: beside
    /// the case file, else the current folder.
    pub export_dir: PathBuf,
    /// The case store (annotations, what was read): beside the case's key.
    pub store: PathBuf,
    /// The analysts' annotations, as the store held them when the session began.
    pub annotations: Vec<crate::model::Annotation>,
    /// Who annotates: `--analyst`, else the OS user.
    pub analyst: String,
    /// `open --follow`: keep reading the audit logs as they grow.
    pub follow: Option<Follow>,
    /// The audit sources whose evidence was taken from the case store this
    /// session (unchanged since a run read them), by their label.
    pub reused: Arc<std::sync::Mutex<Vec<String>>>,
    /// The case file's folder, where there is a case file: reports write paths relative to it.
    pub case_dir: Option<PathBuf>,
}

/// How a followed session tells of new replays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    pub bell: bool,
}

/// Why a session could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    VaultHash(#[from] crate::ingest::vault_hash::VaultHashError),
    #[error(transparent)]
    Forge(#[from] crate::ingest::forge::ForgeError),
}

/// The SOURCES flags, as given.
#[derive(Debug, Clone, Default)]
pub struct SourceArgs {
    pub repo: Vec<PathBuf>,
    pub audit: Vec<String>,
    pub scan: Vec<String>,
    pub advisories: Vec<PathBuf>,
    pub framework: Vec<String>,
    pub owners: Option<PathBuf>,
    pub case: Option<PathBuf>,
    pub all_refs: bool,
    pub all_deps: bool,
    pub rules: Option<PathBuf>,
    /// `LABEL=hmac-sha256:…` entries.
    pub vault_hash: Vec<String>,
    /// `--vault-addr`: where to ask for HMACs of the values named below.
    pub vault_addr: Option<String>,
    pub vault_device: Option<String>,
    /// `NAME` or `NAME=ENVVAR`: hash the value of ENVVAR (or NAME), label it NAME.
    pub vault_hash_env: Vec<String>,
    /// `--forge`: `Some("")` for a bare flag (the slug from `origin`).
    pub forge: Option<String>,
    pub forge_api: Option<String>,
    pub offline: bool,
    /// `--max-input`, `--max-line`: bytes (see `ingest::limits`).
    pub max_input: Option<u64>,
    pub max_line: Option<u64>,
    /// `--analyst`: who annotations are recorded as made by.
    pub analyst: Option<String>,
    /// `--full-parse`: no prefilter (`ingest::prefilter`).
    pub full_parse: bool,
}

impl Session {
    /// Resolve flags and an optional case file into one list of sources.
    pub fn resolve(args: &SourceArgs) -> Result<Self, SessionError> {
        let mut session = Session { export_dir: PathBuf::from("."), ..Session::default() };
        let (mut forge, mut forge_api, mut offline) = (args.forge.clone(), args.forge_api.clone(), args.offline);
        if let Some(path) = &args.case {
            let case = case_file::load(path)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                session.export_dir = dir.to_path_buf();
            }
            session.case_dir = Some(path.parent().map_or_else(PathBuf::new, Path::to_path_buf));
            forge = forge.or(case.forge);
            forge_api = forge_api.or(case.forge_api);
            offline |= case.offline;
            session.title = case.title;
            session.sources = case.sources;
            session.options.frameworks = case.frameworks;
            session.owners = case.owners;
            session.options.all_refs = case.all_refs;
            session.options.all_deps = case.all_deps;
            session.options.rules = case.rules;
            session.mappings = case.mappings;
        }
        if let Some(path) = &args.rules {
            session.options.rules.extend(case_file::load_rules(path)?);
        }
        session.vault_hashes = vault_hashes(args)?;
        let (key, notice, key_folder) = case_key(args.case.as_deref())?;
        session.options.case_key = key;
        session.notices.extend(notice);
        session.store = key_folder.join("case.sqlite");
        session.analyst = args.analyst.clone().filter(|a| !a.trim().is_empty()).unwrap_or_else(os_user);
        session.options.all_refs |= args.all_refs;
        if let Some(max) = args.max_input {
            session.options.limits.max_input = max;
        }
        if let Some(max) = args.max_line {
            session.options.limits.max_line = usize::try_from(max).unwrap_or(usize::MAX);
        }
        session.options.all_deps |= args.all_deps;
        session.options.full_parse = args.full_parse;
        session.sources.extend(args.repo.iter().cloned().map(SourceSpec::Repo));
        for a in &args.audit {
            session.sources.push(SourceSpec::parse_audit(a)?);
        }
        for s in &args.scan {
            session.sources.push(SourceSpec::parse_scan(s)?);
        }
        session.sources.extend(args.advisories.iter().cloned().map(SourceSpec::Advisories));
        session.options.frameworks.extend(args.framework.iter().cloned());
        if args.owners.is_some() {
            session.owners.clone_from(&args.owners);
        }
        if let Some(text) = forge {
            let spec = match text.trim() {
                "" => {
                    let repo = session.sources.iter().find_map(|s| match s {
                        SourceSpec::Repo(p) => Some(p.clone()),
                        _ => None,
                    });
                    let origin = repo.and_then(|p| crate::ingest::git::origin_url(&p)).ok_or(ForgeError::NoOrigin)?;
                    let spec = forge::spec_from_origin(&origin, forge_api.as_deref())?;
                    // The origin is the repository's word: say where it sent leakline.
                    session.notices.push(format!(
                        "--forge: {} from the repository's origin ({}), asked at {}",
                        spec.label(),
                        crate::ingest::redact::url_without_credentials(&origin),
                        spec.api
                    ));
                    spec
                }
                given => forge::parse_spec(given, forge_api.as_deref())?,
            };
            let mut settings = ForgeSettings::new(spec, offline, user_folder("XDG_CACHE_HOME", ".cache"));
            settings.manners.max_body = session.options.limits.max_input;
            session.forge = Some(settings);
        }
        if args.case.is_none() {
            // No case file: the sources name the case.
            let mut named: Vec<String> = session
                .sources
                .iter()
                .map(|s| {
                    std::fs::canonicalize(s.path()).unwrap_or_else(|_| s.path().to_path_buf()).display().to_string()
                })
                .collect();
            named.sort();
            let id = &crate::ingest::redact::sha256(&named.join("\n"))[..16];
            if let Some(cases) = session.store.parent().and_then(Path::parent) {
                session.store = cases.join(id).join("case.sqlite");
            }
        }
        let store = crate::store::CaseStore::open(&session.store);
        if let Ok(store) = &store {
            session.options.digests =
                Some(Arc::new(crate::ingest::digest::Book::new(store.digests(&session.options.case_key))));
        }
        session.annotations = match store.and_then(|s| s.annotations()) {
            Ok(a) => a,
            Err(e) => {
                session.notices.push(format!("{e}: annotations are not read or kept"));
                Vec::new()
            }
        };
        Ok(session)
    }

    /// How reports of this session say where they came from: the command line,
    /// paths relative to the case file, folders given as inputs, and the
    /// repository's web address for links (from `--forge`, else `origin` when it
    /// is on github.com or gitlab.com).
    pub fn provenance(&self) -> crate::report::Provenance {
        let folders = self
            .sources
            .iter()
            .filter(|s| !matches!(s, SourceSpec::Repo(_)) && s.path().is_dir())
            .map(|s| s.path().display().to_string())
            .collect();
        let spec = self.forge.as_ref().map(|f| f.spec.clone()).or_else(|| {
            let repo = self.sources.iter().find_map(|s| match s {
                SourceSpec::Repo(p) => Some(p.clone()),
                _ => None,
            })?;
            let origin = crate::ingest::git::origin_url(&repo)?;
            forge::spec_from_origin(&origin, None)
                .ok()
                .filter(|s| s.api.contains("://api.github.com") || s.api.contains("://gitlab.com"))
        });
        let links = spec
            .and_then(|s| crate::report::Links::new(matches!(s.provider, forge::Provider::Gitlab), &s.slug, &s.api));
        crate::report::Provenance {
            command: crate::report::command_of(std::env::args()),
            base: self.case_dir.clone().filter(|d| !d.as_os_str().is_empty()),
            folders,
            links,
            ..crate::report::Provenance::default()
        }
    }

    pub fn load_owners(&self) -> Result<Owners, IngestError> {
        self.owners.as_deref().map_or_else(|| Ok(Owners::default()), case_file::load_owners)
    }

    /// Read every source; the first that cannot be read at all stops. Scanner
    /// output is read first: audit records made with none of its credentials are
    /// then counted but not kept, so a large trail costs memory only for what
    /// can matter (keys a leaked key created are followed: a second read).
    pub fn evidence(&self) -> Result<Evidence, IngestError> {
        let (scans, others): (Vec<&SourceSpec>, Vec<&SourceSpec>) =
            self.sources.iter().partition(|s| matches!(s, SourceSpec::Scan(..) | SourceSpec::Advisories(_)));
        let mut found = Evidence::default();
        for spec in scans {
            found.merge(ingest::load(spec, &self.options)?);
        }
        let mut evidence = found.clone();
        for read in self.read_following(&others, &found) {
            evidence.merge(read?);
        }
        let mut evidence = self.reviewed(evidence);
        crate::ingest::keylink::link(&mut evidence);
        // Nothing leaves with a secret in its text; the raw values go here.
        crate::ingest::scrub::scrub(&mut evidence, true);
        Ok(evidence)
    }

    /// The credentials audit records are kept for: the scanners' findings' and Vault's HMACs of them.
    pub fn known_credentials(&self, found: &Evidence) -> HashSet<String> {
        let mut known: HashSet<String> = found.findings.iter().flat_map(|f| f.identifiers.iter().cloned()).collect();
        known.extend(self.vault_hashes.iter().map(|(_, hmac)| hmac.clone()));
        // GitHub's and LiteLLM's logs name a token by the SHA-256 of its value.
        known.extend(crate::ingest::keylink::digest_credentials(found));
        known
    }

    /// The options a followed log's new lines are read with: as the first read.
    pub fn follow_options(&self, found: &Evidence) -> ReadOptions {
        let mut options = self.options.clone();
        if !found.findings.is_empty() && options.keep_credentials.is_none() {
            keep_only(&mut options, &self.known_credentials(found));
        }
        options
    }

    /// Read `specs` (audit logs, repositories) after the scanners' `found`:
    /// when it holds findings, only audit records made with their credentials
    /// (or Vault's HMACs of them) are kept, and while those records show a leaked
    /// key creating another, the logs are read again to follow it. One answer per spec.
    pub fn read_following(&self, specs: &[&SourceSpec], found: &Evidence) -> Vec<Result<Evidence, IngestError>> {
        let mut known = self.known_credentials(found);
        let masker = crate::ingest::scrub::masker(found);
        let mut last: Vec<Option<Result<Evidence, IngestError>>> = specs.iter().map(|_| None).collect();
        loop {
            let mut options = self.options.clone();
            if !found.findings.is_empty() && options.keep_credentials.is_none() {
                keep_only(&mut options, &known);
                options.window_from = history_from(found);
            }
            // A pipe gives its bytes once: its first read stands.
            let reads: Vec<Result<Evidence, IngestError>> = specs
                .iter()
                .zip(last.iter_mut())
                .map(|(s, before)| match before.take() {
                    Some(read) if is_pipe(s) => read,
                    _ => self.load_kept(s, &options, &masker),
                })
                .collect();
            let mut derived = HashSet::new();
            for read in reads.iter().flatten() {
                derived.extend(issued_by(read, &known));
                // A key listing ties a leaked value to the id its provider's logs use.
                derived.extend(crate::ingest::keylink::new_key_ids(found, &read.keys, &known));
            }
            if options.keep_credentials.is_none() || derived.is_empty() || options.cancel.requested() {
                return reads;
            }
            last = reads.into_iter().map(Some).collect();
            known.extend(derived);
        }
    }

    /// Read an audit source, or take what the case store kept of the same
    /// read (`ingest::fingerprint`): a case reopened over unchanged logs does
    /// not parse them again. What is kept is masked first with the scanners'
    /// values (`masker`), as everything shown is.
    fn load_kept(
        &self,
        spec: &SourceSpec,
        options: &ReadOptions,
        masker: &crate::ingest::mask::Masker,
    ) -> Result<Evidence, IngestError> {
        // `check` reads everything again: checking the inputs is its job.
        let fingerprint = ingest::fingerprint::of(spec, options).filter(|_| !options.drop_accesses);
        let Some(fingerprint) = fingerprint else {
            let read = ingest::load(spec, options);
            keep_digests(&self.store, None, options);
            return read;
        };
        let mut store = crate::store::CaseStore::open(&self.store).ok();
        if let Some(kept) = store.as_ref().and_then(|s| s.kept_evidence(&fingerprint, &options.case_key)) {
            // A second pass (keys a listing or a leaked key revealed) reads it again.
            if let Ok(mut reused) = self.reused.lock()
                && !reused.contains(&spec.label())
            {
                reused.push(spec.label());
            }
            return Ok(kept);
        }
        let read = ingest::load(spec, options);
        keep_digests(&self.store, store.as_mut(), options);
        let mut read = read?;
        if let Some(store) = store.as_mut().filter(|_| !options.cancel.requested()) {
            crate::ingest::scrub::scrub_with(&mut read, masker, false);
            let source = spec.label();
            let _ = store.keep_evidence(&source, &fingerprint, Utc::now(), &read, &options.case_key);
        }
        Ok(read)
    }

    /// The forge's answers joined to the evidence, where `--forge` asks for them.
    pub fn reviewed(&self, mut evidence: Evidence) -> Evidence {
        if let Some(settings) = &self.forge {
            let answered = forge::consult(settings, &evidence, &|_| {});
            evidence.merge(answered);
        }
        evidence
    }

    pub fn context(&self, owners: Owners, now: DateTime<Utc>) -> Context {
        Context {
            title: self.title.clone(),
            owners,
            mappings: self.mappings.clone(),
            vault_hashes: self.vault_hashes.clone(),
            annotations: self.annotations.clone(),
            now,
        }
    }

    /// Load and correlate, headless.
    pub fn case(&self, now: DateTime<Utc>) -> Result<Case, IngestError> {
        let owners = self.load_owners()?;
        let evidence = self.evidence()?;
        // The case's record of what each run read; a store that cannot be written
        // was already named in the session's notices.
        if let Ok(mut store) = crate::store::CaseStore::open(&self.store) {
            let _ = store.record_inputs(now, &evidence.inputs);
        }
        Ok(correlate::correlate(&evidence, &self.context(owners, now)))
    }
}

/// Hand the digests a read took of whole files to the case store (`open`,
/// else the one at `path`, opened only when there is something to keep).
fn keep_digests(path: &Path, open: Option<&mut crate::store::CaseStore>, options: &ReadOptions) {
    let learned = options.digests.as_ref().map(|book| book.take_learned()).unwrap_or_default();
    if learned.is_empty() {
        return;
    }
    let _ = match open {
        Some(store) => store.keep_digests(Utc::now(), &learned, &options.case_key),
        None => crate::store::CaseStore::open(path)
            .and_then(|mut store| store.keep_digests(Utc::now(), &learned, &options.case_key)),
    };
}

/// Whether a path names a case file rather than a folder.
pub fn is_case_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "toml")
}

/// The user's table, then Vault's own answers for the values named by environment.
fn vault_hashes(args: &SourceArgs) -> Result<Vec<crate::ingest::vault_hash::VaultHash>, SessionError> {
    use crate::ingest::vault_hash::{VaultHashError, audit_hash, parse_entry};
    let mut out = args.vault_hash.iter().map(|a| parse_entry(a)).collect::<Result<Vec<_>, _>>()?;
    let Some(addr) = &args.vault_addr else { return Ok(out) };
    let token = std::env::var("VAULT_TOKEN").map_err(|_| VaultHashError::NoToken)?;
    let device = args.vault_device.as_deref().unwrap_or("file");
    for entry in &args.vault_hash_env {
        let (label, var) = entry.split_once('=').unwrap_or((entry, entry));
        let value = std::env::var(var).map_err(|_| VaultHashError::NoValue(var.to_string()))?;
        out.push((label.to_string(), audit_hash(addr, device, &token, &value)?));
    }
    Ok(out)
}

/// leakline's folder under an XDG base directory: `$VAR/leakline`, else
/// `~/<home_default>/leakline`; none when neither is set.
pub fn user_folder(var: &str, home_default: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(home_default)))
        .map(|base| base.join("leakline"))
}

/// The per-case fingerprint key: `.leakline/fingerprint.key` beside the case
/// file, or in the user's state folder when no case file is named; made once.
/// A case folder that cannot be written to (a read-only evidence share), or
/// that is not trusted (`store::trust`: a link, someone else's, open to others,
/// holding a linked or shared key or store), keeps the case's key and store in
/// the user's state folder instead, and a notice says so.
/// Returns the key, that notice, and the folder that holds the key (the case
/// store goes beside it).
fn case_key(case: Option<&Path>) -> Result<(crate::ingest::redact::CaseKey, Option<String>, PathBuf), IngestError> {
    let user = user_folder("XDG_STATE_HOME", ".local/state").unwrap_or_else(|| std::env::temp_dir().join("leakline"));
    let Some(file) = case else {
        return key_in(&user).map_err(key_error).map(|k| (k, None, user.join("cases").join("no-case-file")));
    };
    let beside = file.parent().unwrap_or(Path::new(".")).join(".leakline");
    let why = match key_in(&beside) {
        Ok(key) => return Ok((key, None, beside)),
        Err(TrustError::Io { source, .. }) => format!("{} cannot be written ({source})", beside.display()),
        Err(untrusted) => untrusted.to_string(),
    };
    let absolute = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
    let id = &crate::ingest::redact::sha256(&absolute.display().to_string())[..16];
    let folder = user.join("cases").join(id);
    let key = key_in(&folder).map_err(key_error)?;
    let notice = format!("{why}: this case's fingerprint key and store are kept in {}", folder.display());
    Ok((key, Some(notice), folder))
}

fn key_error(e: TrustError) -> IngestError {
    match e {
        TrustError::Io { path, source } => IngestError::Read { path, source },
        TrustError::Untrusted { path, why } => {
            IngestError::Read { path, source: std::io::Error::other(format!("not trusted: {why}")) }
        }
    }
}

/// The OS user, as annotations name their author when `--analyst` is not given.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
        .unwrap_or_else(|| "unknown analyst".to_string())
}

/// The key in `folder`, made there if it is not yet; the folder, the key and
/// the store beside it must be trusted (`store::trust`), or nothing is used.
fn key_in(folder: &Path) -> Result<crate::ingest::redact::CaseKey, TrustError> {
    trust::private_folder(folder)?;
    crate::store::CaseStore::check(&folder.join("case.sqlite"))?;
    let path = folder.join("fingerprint.key");
    if let Some(bytes) = trust::read_private(&path, 32)? {
        let key = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| TrustError::Untrusted { path: path.display().to_string(), why: trust::Why::NotAKey })?;
        return Ok(crate::ingest::redact::CaseKey(key));
    }
    let mut key = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key))
        .map_err(|source| TrustError::Io { path: "/dev/urandom".to_string(), source })?;
    trust::create_private(&path, &key)?;
    Ok(crate::ingest::redact::CaseKey(key))
}

/// Keep only the audit records of `known` (and what is kept whoever made it),
/// and let the prefilter skip the lines that name none of them.
fn keep_only(options: &mut ReadOptions, known: &HashSet<String>) {
    options.prefilter = Some(Arc::new(crate::ingest::prefilter::CaseNeedles::new(known)));
    options.keep_credentials = Some(Arc::new(known.clone()));
}

/// How far back a query engine is asked for records: the case's first
/// exposure (a leaked value's commit or detection), less 90 days of the key's
/// ordinary use that replays are judged against.
fn history_from(found: &Evidence) -> Option<DateTime<Utc>> {
    let first = found.findings.iter().flat_map(|f| [f.commit_time, f.detected_at]).flatten().min()?;
    Some(first - chrono::Duration::days(90))
}

/// Whether a source is a pipe (`<(zcat …)`, `/dev/stdin`): readable once.
fn is_pipe(spec: &SourceSpec) -> bool {
    std::fs::metadata(spec.path()).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// Keys issued by requests made with a known credential, not yet known themselves.
fn issued_by(evidence: &Evidence, known: &HashSet<String>) -> HashSet<String> {
    evidence
        .accesses
        .iter()
        .filter(|a| a.credential.as_ref().is_some_and(|c| known.contains(c)))
        .filter_map(|a| match &a.lifecycle {
            Some((crate::model::Lifecycle::Issued, key)) if !known.contains(key) => Some(key.clone()),
            _ => None,
        })
        .collect()
}
