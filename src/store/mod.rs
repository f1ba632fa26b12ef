//! The case store: an SQLite database beside the case file (in its `.leakline/`
//! folder) that keeps the analysts' annotations, what each run read (with the
//! SHA-256 of each input), and the audit evidence the case needs, so that a
//! case reopened over unchanged logs does not parse them again. SQLite because
//! the TUI and `report` may open one case at once, and a crash mid-write must
//! not lose the annotations already made.

pub mod trust;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::ingest::redact::CaseKey;
use crate::model::{Access, Annotation, Evidence, Grant, InputSummary, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("case store {path}: {message}")]
    Sqlite { path: String, message: String },
    #[error("case store: {0}")]
    Untrusted(#[from] trust::TrustError),
}

/// The files SQLite keeps beside a database while it writes.
const SIDE_FILES: [&str; 3] = ["-journal", "-wal", "-shm"];

pub struct CaseStore {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS annotations (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inputs_read (
    id INTEGER PRIMARY KEY,
    read_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    records INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS digests (
    id INTEGER PRIMARY KEY,
    identity TEXT NOT NULL UNIQUE,
    sha256 TEXT NOT NULL,
    read_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence_kept (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    fingerprint TEXT NOT NULL UNIQUE,
    made_at TEXT NOT NULL,
    evidence BLOB NOT NULL
);
";
// Added after the first stores were made: older stores gain the columns. An
// entry kept before seals were (no seal) is not used: it is read or hashed again.
const MIGRATIONS: [&str; 3] = [
    "ALTER TABLE inputs_read ADD COLUMN sha256 TEXT",
    "ALTER TABLE digests ADD COLUMN seal TEXT",
    "ALTER TABLE evidence_kept ADD COLUMN seal TEXT",
];

/// Audit evidence larger than this is read again rather than kept: the store
/// is for what the case needs, and a trail whose every record is kept (no
/// scanner output named the case's credentials) is not that.
const MAX_KEPT_RECORDS: usize = 1_000_000;

/// File digests kept at once: a case reads a few dozen files, and a log that
/// grows is another file each time.
const KEPT_DIGESTS: i64 = 500;

/// Readings of one source kept at once (other credentials kept, older files).
const KEPT_PER_SOURCE: i64 = 3;

/// What an audit read kept, as the store holds it.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptAudit {
    inputs: Vec<InputSummary>,
    accesses: Vec<Access>,
    grants: Vec<Grant>,
    /// Provider key listings (kept since the LLM families; older stores have none).
    #[serde(default)]
    keys: Vec<crate::model::ProviderKey>,
}

impl CaseStore {
    /// Whether a store at `path` may be used (`trust`): its folder, the
    /// database and the files SQLite keeps beside it, where they exist.
    pub fn check(path: &Path) -> Result<(), trust::TrustError> {
        if let Some(dir) = path.parent().filter(|d| d.exists()) {
            trust::private_folder(dir)?;
        }
        trust::existing_private(path)?;
        for suffix in SIDE_FILES {
            trust::existing_private(&trust::sibling(path, suffix))?;
        }
        Ok(())
    }

    /// Open (or make) the store at `path`: in a private folder, as a private
    /// file, never through a link (`trust`).
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let fail = |e: &dyn std::fmt::Display| StoreError::Sqlite {
            path: path.display().to_string(),
            message: crate::ingest::mask::prose(&e.to_string()).into_owned(),
        };
        if let Some(dir) = path.parent() {
            trust::private_folder(dir)?;
        }
        Self::check(path)?;
        if !trust::existing_private(path)? {
            // Made here, empty and private, before SQLite opens it: SQLite would make it with the umask's mode.
            trust::create_private(path, b"")?;
        }
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| fail(&e))?;
        // Another process (report beside the TUI) may hold the lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| fail(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| fail(&e))?;
        for step in MIGRATIONS {
            // A store that already has it says "duplicate column": nothing to do.
            let _ = conn.execute_batch(step);
        }
        Ok(Self { conn, path: path.to_path_buf() })
    }

    fn fail(&self, e: rusqlite::Error) -> StoreError {
        failed(&self.path, e)
    }

    /// Every annotation, oldest first; a later one on the same target is the one that stands.
    pub fn annotations(&self) -> Result<Vec<Annotation>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT target, verdict, note, by, at FROM annotations ORDER BY id")
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (target, verdict, note, by, at) = row.map_err(|e| self.fail(e))?;
            // A row this version cannot read is passed over, never guessed at.
            let (Some(verdict), Ok(at)) = (Verdict::parse(&verdict), DateTime::parse_from_rfc3339(&at)) else {
                continue;
            };
            out.push(Annotation { target, verdict, note, by, at: at.with_timezone(&Utc) });
        }
        Ok(out)
    }

    pub fn add(&self, a: &Annotation) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO annotations (target, verdict, note, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.target, a.verdict.name(), a.note, a.by, a.at.to_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// What one run read, for the record of the case.
    pub fn record_inputs(&mut self, at: DateTime<Utc>, inputs: &[InputSummary]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| failed(&path, e))?;
        for i in inputs {
            tx.execute(
                "INSERT INTO inputs_read (read_at, kind, path, records, rejected, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![at.to_rfc3339(), i.kind.name(), i.path, i.records as i64, i.rejected as i64, i.sha256],
            )
            .map_err(|e| failed(&path, e))?;
        }
        tx.commit().map_err(|e| failed(&path, e))
    }

    /// The digests of files read whole before, by the file's identity
    /// (`ingest::fingerprint::identity`): those sealed under this case's key.
    pub fn digests(&self, key: &CaseKey) -> Vec<(String, crate::ingest::digest::Earlier)> {
        let Ok(mut stmt) = self.conn.prepare("SELECT identity, sha256, read_at, seal FROM digests") else {
            return Vec::new();
        };
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?, r.get::<_, Option<String>>(3)?))
        });
        let Ok(rows) = rows else { return Vec::new() };
        rows.flatten()
            .filter(|(identity, sha256, at, seal)| seal.as_deref() == Some(&digest_seal(key, identity, sha256, at)))
            .map(|(identity, sha256, at, _)| (identity, crate::ingest::digest::Earlier { sha256, at }))
            .collect()
    }

    /// Keep the digests a read took of whole files, the newest `KEPT_DIGESTS` in all.
    pub fn keep_digests(
        &mut self,
        at: DateTime<Utc>,
        learned: &[(String, String)],
        key: &CaseKey,
    ) -> Result<(), StoreError> {
        if learned.is_empty() {
            return Ok(());
        }
        let path = self.path.clone();
        let at = at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let tx = self.conn.transaction().map_err(|e| failed(&path, e))?;
        for (identity, sha256) in learned {
            tx.execute(
                "INSERT OR REPLACE INTO digests (identity, sha256, read_at, seal) VALUES (?1, ?2, ?3, ?4)",
                params![identity, sha256, at, digest_seal(key, identity, sha256, &at)],
            )
            .map_err(|e| failed(&path, e))?;
        }
        tx.execute(
            "DELETE FROM digests WHERE id NOT IN (SELECT id FROM digests ORDER BY id DESC LIMIT ?1)",
            params![KEPT_DIGESTS],
        )
        .map_err(|e| failed(&path, e))?;
        tx.commit().map_err(|e| failed(&path, e))
    }

    /// The audit evidence kept for a read with this fingerprint
    /// (`ingest::fingerprint`), if the store has it, can read it, and it is
    /// sealed under this case's key: an entry changed since it was kept is
    /// not used (the source is read again).
    pub fn kept_evidence(&self, fingerprint: &str, key: &CaseKey) -> Option<Evidence> {
        let (blob, seal): (Vec<u8>, Option<String>) = self
            .conn
            .query_row("SELECT evidence, seal FROM evidence_kept WHERE fingerprint = ?1", params![fingerprint], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .ok()?;
        if seal.as_deref() != Some(&key.seal(&[b"kept evidence", fingerprint.as_bytes(), &blob])) {
            return None;
        }
        let json = flate2::read::GzDecoder::new(&blob[..]);
        let kept: KeptAudit = serde_json::from_reader(json).ok()?;
        Some(Evidence {
            inputs: kept.inputs,
            accesses: kept.accesses,
            grants: kept.grants,
            keys: kept.keys,
            ..Evidence::default()
        })
    }

    /// Keep an audit read's evidence under its fingerprint; `false` when it is
    /// not audit evidence alone, or too large to be worth keeping.
    pub fn keep_evidence(
        &mut self,
        source: &str,
        fingerprint: &str,
        at: DateTime<Utc>,
        evidence: &Evidence,
        key: &CaseKey,
    ) -> Result<bool, StoreError> {
        let only_audit = evidence.findings.is_empty()
            && evidence.dependency_changes.is_empty()
            && evidence.commits.is_empty()
            && evidence.unwirings.is_empty()
            && evidence.run_roots.is_empty()
            && evidence.forge.is_none();
        if !only_audit || evidence.accesses.len() + evidence.grants.len() > MAX_KEPT_RECORDS {
            return Ok(false);
        }
        let kept = KeptAudit {
            inputs: evidence.inputs.clone(),
            accesses: evidence.accesses.clone(),
            grants: evidence.grants.clone(),
            keys: evidence.keys.clone(),
        };
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let encoded = serde_json::to_writer(&mut gz, &kept).map_err(std::io::Error::from).and_then(|()| gz.finish());
        let blob = encoded.map_err(|e| StoreError::Sqlite {
            path: self.path.display().to_string(),
            message: format!("cannot encode the kept evidence: {e}"),
        })?;
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| failed(&path, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO evidence_kept (source, fingerprint, made_at, evidence, seal) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![source, fingerprint, at.to_rfc3339(), &blob, key.seal(&[b"kept evidence", fingerprint.as_bytes(), &blob])],
        )
        .map_err(|e| failed(&path, e))?;
        tx.execute(
            "DELETE FROM evidence_kept WHERE source = ?1 AND id NOT IN
                (SELECT id FROM evidence_kept WHERE source = ?1 ORDER BY id DESC LIMIT ?2)",
            params![source, KEPT_PER_SOURCE],
        )
        .map_err(|e| failed(&path, e))?;
        tx.commit().map_err(|e| failed(&path, e))?;
        Ok(true)
    }
}

fn digest_seal(key: &CaseKey, identity: &str, sha256: &str, at: &str) -> String {
    key.seal(&[b"digest", identity.as_bytes(), sha256.as_bytes(), at.as_bytes()])
}

fn failed(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        message: crate::ingest::mask::prose(&e.to_string()).into_owned(),
    }
}

/// The latest annotation of each target, in the order they were first made.
pub fn standing(all: &[Annotation]) -> Vec<Annotation> {
    let mut out: Vec<Annotation> = Vec::new();
    for a in all {
        match out.iter_mut().find(|x| x.target == a.target) {
            Some(x) => *x = a.clone(),
            None => out.push(a.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_persist_and_the_latest_on_a_target_stands() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(".leakline/case.sqlite");
        let at = DateTime::parse_from_rfc3339("2026-04-15T10:00:00Z").map(|t| t.with_timezone(&Utc)).ok();
        let at = at.unwrap_or_default();
        let a = |verdict, note: &str| Annotation {
            target: "secret:s2".into(),
            verdict,
            note: note.into(),
            by: "dana".into(),
            at,
        };
        {
            let store = CaseStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
            store.add(&a(Verdict::NeedsReview, "check with the vendor")).unwrap_or_else(|e| panic!("{e}"));
            store.add(&a(Verdict::FalsePositive, "a test key in a fixture")).unwrap_or_else(|e| panic!("{e}"));
        }
        let store = CaseStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let all = store.annotations().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 2, "both are kept: the record of the case");
        let now = standing(&all);
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].verdict, now[0].note.as_str()), (Verdict::FalsePositive, "a test key in a fixture"));
    }

    #[test]
    fn kept_audit_evidence_reads_back_as_it_was_kept() {
        use crate::model::{Lifecycle, Outcome, SourceKind};
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(".leakline/case.sqlite");
        let at =
            DateTime::parse_from_rfc3339("2026-04-15T10:00:00Z").map(|t| t.with_timezone(&Utc)).unwrap_or_default();
        let access = Access {
            at,
            source: SourceKind::Cloudtrail,
            principal: "arn:aws:iam::123456789012:user/ci".into(),
            credential: Some("AKIAEXAMPLEEXAMPLE01".into()),
            other_credentials: vec!["accessor".into()],
            action: "iam:CreateAccessKey".into(),
            resource: None,
            outcome: Outcome::Denied("AccessDenied".into()),
            ip: Some("198.51.100.7".into()),
            user_agent: Some("aws-cli/2".into()),
            region: Some("eu-west-1".into()),
            lifecycle: Some((Lifecycle::Issued, "AKIAEXAMPLEEXAMPLE02".into())),
            event_id: "e-1".into(),
            origin: "trail.json:3".into(),
            usage: None,
        };
        let mut input = InputSummary::new(SourceKind::Cloudtrail, "trail.json");
        input.sha256 = Some("ab".repeat(32));
        input.reject(7, "not JSON");
        let evidence = Evidence { inputs: vec![input], accesses: vec![access], ..Evidence::default() };
        let mut store = CaseStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let key = CaseKey([7; 32]);
        let keep = |store: &mut CaseStore, f: &str| store.keep_evidence("audit trail.json", f, at, &evidence, &key);
        assert!(keep(&mut store, "f1").unwrap_or_else(|e| panic!("{e}")));
        let back = store.kept_evidence("f1", &key).unwrap_or_else(|| panic!("kept"));
        assert_eq!((back.inputs, back.accesses), (evidence.inputs.clone(), evidence.accesses.clone()));
        assert!(store.kept_evidence("f2", &key).is_none(), "another fingerprint is another read");
        assert!(store.kept_evidence("f1", &CaseKey([8; 32])).is_none(), "sealed under another case's key");
        for n in 2..6 {
            let _ = keep(&mut store, &format!("f{n}"));
        }
        assert!(store.kept_evidence("f1", &key).is_none(), "only the latest readings of a source are kept");
        assert!(store.kept_evidence("f5", &key).is_some());
        // An entry changed since it was kept (an input made to vanish) is not used.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        let _ = std::io::Write::write_all(&mut gz, br#"{"inputs":[],"accesses":[],"grants":[]}"#);
        let forged = gz.finish().unwrap_or_default();
        let changed = store.conn.execute("UPDATE evidence_kept SET evidence = ?1 WHERE fingerprint = 'f5'", [&forged]);
        assert_eq!(changed.ok(), Some(1));
        assert!(store.kept_evidence("f5", &key).is_none(), "an edited entry is read again, not believed");
        let with_findings = Evidence { findings: vec![Default::default()], ..evidence };
        assert!(!store.keep_evidence("scan", "g1", at, &with_findings, &key).unwrap_or(true), "audit evidence only");
    }

    #[test]
    fn digests_are_taken_only_as_this_case_sealed_them() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let mut store = CaseStore::open(&dir.path().join(".leakline/case.sqlite")).unwrap_or_else(|e| panic!("{e}"));
        let key = CaseKey([7; 32]);
        let learned = vec![("trail.json 1 2 3".to_string(), "ab".repeat(32))];
        store.keep_digests(Utc::now(), &learned, &key).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.digests(&key).len(), 1);
        assert!(store.digests(&CaseKey([8; 32])).is_empty(), "another case's key");
        let changed = store.conn.execute("UPDATE digests SET sha256 = ?1", [&"cd".repeat(32)]);
        assert_eq!(changed.ok(), Some(1));
        assert!(store.digests(&key).is_empty(), "a digest changed in the store is hashed afresh, not believed");
    }
}
