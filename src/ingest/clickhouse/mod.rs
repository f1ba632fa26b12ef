//! ClickHouse as an audit source: a table holding one raw JSON record a row
//! (the way security data lakes keep CloudTrail, Vault and Kubernetes logs).
//! The case's identifiers are pushed down — every form the logs write its
//! credentials in, and the events its reader keeps whoever made them — so the
//! server returns only the rows that can concern the case. The rows go through
//! the very readers a file goes through (kept as JSON lines in a file with no
//! name, `rows`), so a case gives the same replays whichever way its records
//! arrive. When a round of `Session::read_following` learns new key ids, the
//! next load asks only for them, and for no row already returned.
//!
//! `clickhouse://HOST[:PORT]/DB.TABLE?column=raw[&kind=cloudtrail][&time=COLUMN]
//! [&since=TIME][&until=TIME][&max_rows=N][&timeout=SECONDS]`, `clickhouses://`
//! for TLS. The user and password come from `CLICKHOUSE_USER` and
//! `CLICKHOUSE_PASSWORD`, never from the address, and are never written
//! anywhere but their two headers (nor sent along a redirect elsewhere).

mod http;
mod rows;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};

use super::{IngestError, ReadOptions};
use crate::model::{Evidence, InputSummary, SourceKind};

/// Rows one source may return before reading stops (`max_rows=` raises it).
const MAX_ROWS: u64 = 2_000_000;

/// The longest the server may send nothing, before its answer begins (the
/// query runs) or within it (`timeout=` changes it).
const SILENCE: u64 = 120;

/// The kinds a table can hold: the logs kept one record a line.
const KINDS: &[SourceKind] = &[
    SourceKind::Cloudtrail,
    SourceKind::Vault,
    SourceKind::K8s,
    SourceKind::Gcp,
    SourceKind::Azure,
    SourceKind::GithubAudit,
    SourceKind::Litellm,
];

/// One table named by `--audit clickhouse://…`.
#[derive(Debug, Clone)]
pub struct ClickhouseSpec {
    pub tls: bool,
    pub host: String,
    pub port: u16,
    pub database: String,
    pub table: String,
    pub column: String,
    pub kind: Option<SourceKind>,
    /// A `DateTime` column: the window is pushed down on it.
    pub time: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub max_rows: u64,
    /// Seconds the server may send nothing before the read is given up.
    pub timeout: u64,
    /// `clickhouse://HOST:PORT/DB.TABLE`: how reports and errors name it.
    pub display: PathBuf,
    /// What the rounds of one session have fetched so far.
    fetched: Arc<Mutex<Fetched>>,
}

impl PartialEq for ClickhouseSpec {
    fn eq(&self, other: &Self) -> bool {
        (&self.display, &self.column, self.kind, &self.time, self.since, self.until, self.max_rows, self.timeout)
            == (
                &other.display,
                &other.column,
                other.kind,
                &other.time,
                other.since,
                other.until,
                other.max_rows,
                other.timeout,
            )
    }
}

impl Eq for ClickhouseSpec {}

/// The rows returned so far, and what was asked for them.
#[derive(Debug, Default)]
struct Fetched {
    rows: Option<rows::Rows>,
    kind: Option<SourceKind>,
    /// The needles asked for; `None` before the first query.
    asked: Option<BTreeSet<String>>,
    returned: u64,
    bytes: u64,
    queries: Vec<String>,
    /// Why reading stopped early (the bound), for the input's rejections.
    stopped: Option<String>,
}

/// Whether `--audit` names a ClickHouse table rather than a path.
pub fn is_address(arg: &str) -> bool {
    arg.starts_with("clickhouse://") || arg.starts_with("clickhouses://")
}

fn bad(address: &str, message: impl Into<String>) -> IngestError {
    IngestError::Remote { address: address.to_string(), message: message.into() }
}

/// A name SQL can hold in backquotes without any escaping.
fn identifier(address: &str, what: &str, name: &str) -> Result<String, IngestError> {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(name.to_string())
    } else {
        Err(bad(address, format!("{what} must be a plain name (letters, digits, _)")))
    }
}

/// Parse `clickhouse://HOST:PORT/DB.TABLE?column=…`.
pub fn parse(arg: &str) -> Result<ClickhouseSpec, IngestError> {
    let url = reqwest::Url::parse(arg).map_err(|e| bad("clickhouse address", format!("not an address: {e}")))?;
    let tls = url.scheme() == "clickhouses";
    let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("clickhouse address", "no host"))?;
    let port = url.port().unwrap_or(if tls { 8443 } else { 8123 });
    let scheme = url.scheme();
    let short = format!("{scheme}://{host}:{port}");
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(&short, "credentials go in CLICKHOUSE_USER and CLICKHOUSE_PASSWORD, not in the address"));
    }
    let (database, table) =
        url.path().trim_start_matches('/').split_once('.').ok_or_else(|| bad(&short, "the path must name DB.TABLE"))?;
    let database = identifier(&short, "the database", database)?;
    let table = identifier(&short, "the table", table)?;
    let display = PathBuf::from(format!("{short}/{database}.{table}"));
    let address = display.display().to_string();
    let mut spec = ClickhouseSpec {
        tls,
        host: host.to_string(),
        port,
        database,
        table,
        column: String::new(),
        kind: None,
        time: None,
        since: None,
        until: None,
        max_rows: MAX_ROWS,
        timeout: SILENCE,
        display,
        fetched: Arc::default(),
    };
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "column" => spec.column = identifier(&address, "column=", &value)?,
            "time" => spec.time = Some(identifier(&address, "time=", &value)?),
            "kind" => {
                let kind = SourceKind::from_name(&value).filter(|k| KINDS.contains(k)).ok_or_else(|| {
                    let names: Vec<&str> = KINDS.iter().map(|k| k.name()).collect();
                    bad(&address, format!("kind= must be one of {}", names.join(", ")))
                })?;
                spec.kind = Some(kind);
            }
            "since" | "until" => {
                let at = super::time::parse(&value).ok_or_else(|| {
                    bad(&address, format!("{key}= is not a time (RFC 3339, e.g. 2026-04-01T00:00:00Z)"))
                })?;
                if key == "since" { spec.since = Some(at) } else { spec.until = Some(at) }
            }
            "max_rows" => {
                spec.max_rows =
                    value.parse().ok().filter(|n| *n > 0).ok_or_else(|| bad(&address, "max_rows= must be a number"))?
            }
            "timeout" => {
                spec.timeout = value
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(&address, "timeout= must be a number of seconds"))?
            }
            other => return Err(bad(&address, format!("unknown parameter `{}`", crate::text::clean(other)))),
        }
    }
    if spec.column.is_empty() {
        return Err(bad(&address, "column= must name the column that holds each raw JSON record"));
    }
    if spec.time.is_none() && (spec.since.is_some() || spec.until.is_some()) {
        return Err(bad(&address, "since= and until= need time= (the table's DateTime column)"));
    }
    Ok(spec)
}

/// Ask the table for the rows of the case not yet fetched, and read every row
/// fetched so far as a log of its kind is read. A server that fails — refuses,
/// stalls, answers what is not rows — makes a rejection of this input with its
/// reason, and the report still comes out of the others (and of the rows
/// earlier rounds returned).
pub fn load(spec: &ClickhouseSpec, options: &ReadOptions) -> Result<Evidence, IngestError> {
    let address = spec.display.display().to_string();
    let mut fetched = spec.fetched.lock().map_err(|_| bad(&address, "an earlier read failed"))?;
    let failed = fetch(spec, options, &mut fetched, &address).err();
    let kind = fetched.kind.or(spec.kind).unwrap_or(SourceKind::AUDIT[0]);
    let read = match &fetched.rows {
        Some(rows) if !fetched.queries.is_empty() => Some(rows.read(kind, &address, options)),
        _ => None,
    };
    let (mut evidence, unread) = match read {
        Some(Ok(evidence)) => (evidence, None),
        Some(Err(e)) => (Evidence::default(), Some(e)),
        None => (Evidence::default(), None),
    };
    if evidence.inputs.is_empty() {
        evidence.inputs.push(InputSummary::new(kind, address.clone()));
    }
    for input in &mut evidence.inputs {
        input.sha256 = None;
        if !fetched.queries.is_empty() {
            input.notes.push(format!(
                "rows of a ClickHouse query, not a file (no digest): {} rows, {} bytes in all; {}",
                fetched.returned,
                fetched.bytes,
                fetched.queries.join("; ")
            ));
        }
        if let Some(why) = &fetched.stopped {
            input.reject(0, why.clone());
        }
        for e in failed.iter().chain(&unread) {
            let why = match e {
                IngestError::Remote { message, .. } => message.clone(),
                other => other.to_string(),
            };
            let before = if fetched.queries.is_empty() { "" } else { "; the rows earlier queries returned were read" };
            input.reject(0, format!("{why}{before}"));
        }
    }
    Ok(evidence)
}

/// Ask for what the case needs and earlier rounds did not ask, keeping the
/// rows returned; nothing of a failed answer is kept.
fn fetch(
    spec: &ClickhouseSpec,
    options: &ReadOptions,
    fetched: &mut Fetched,
    address: &str,
) -> Result<(), IngestError> {
    let client = http::Client::new(spec)?;
    let kind = match spec.kind.or(fetched.kind) {
        Some(kind) => kind,
        None => client.sniff_kind(KINDS)?,
    };
    fetched.kind = Some(kind);
    // No scanner output: nothing names the case, so every row is the case's (up to the bound).
    let needles = options.keep_credentials.as_ref().map(|known| {
        let mut needles: BTreeSet<String> = super::prefilter::needles_of(known.iter().map(String::as_str))
            .into_iter()
            .filter_map(|f| String::from_utf8(f).ok())
            .collect();
        needles.extend(super::audit::always_read(kind).unwrap_or_default().into_iter().map(str::to_string));
        needles
    });
    let asked = fetched.asked.clone();
    let new: Option<BTreeSet<String>> = match (&needles, &asked) {
        (_, None) => Some(needles.clone().unwrap_or_default()),
        (Some(n), Some(a)) => Some(n.difference(a).cloned().collect::<BTreeSet<_>>()).filter(|d| !d.is_empty()),
        (None, Some(_)) => None,
    };
    let Some(new) = new else { return Ok(()) };
    if fetched.rows.is_none() {
        fetched.rows = Some(rows::Rows::new(address)?);
    }
    let query = http::Query {
        wanted: needles.as_ref().map(|_| new.iter().cloned().collect()),
        excluded: asked.iter().flatten().cloned().collect(),
        since: spec.since.or(options.window_from.filter(|_| spec.time.is_some())),
        until: spec.until,
        room: spec.max_rows.saturating_sub(fetched.returned),
    };
    let Some(file) = fetched.rows.as_mut() else { return Err(bad(address, "no temporary file")) };
    let asking = format!("asking for {}", query.describe());
    options.progress.tell(address, format!("{asking}…"));
    let tell = |rows: u64| options.progress.tell(address, format!("{asking}: {rows} rows so far"));
    let answer = file.append(address, |out| client.fetch(&query, out, &options.cancel, &tell))?;
    fetched.returned += answer.rows;
    options.progress.tell(address, format!("{} rows returned; reading them", fetched.returned));
    fetched.bytes += answer.bytes;
    fetched.queries.push(format!("{} rows for {}", answer.rows, query.describe()));
    if answer.more {
        fetched.stopped = Some(format!(
            "more than {} rows matched the case: reading stopped there, and the case may lack records (raise max_rows=, or narrow with since= and until=)",
            spec.max_rows
        ));
    }
    let mut now_asked = asked.unwrap_or_default();
    now_asked.extend(new);
    fetched.asked = Some(now_asked);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_names_its_table_column_and_window() {
        let spec = parse(
            "clickhouse://127.0.0.1:18123/logs.trail?column=raw&kind=cloudtrail&time=ts&since=2026-04-01T00:00:00Z",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((spec.host.as_str(), spec.port, spec.tls), ("127.0.0.1", 18123, false));
        assert_eq!((spec.database.as_str(), spec.table.as_str(), spec.column.as_str()), ("logs", "trail", "raw"));
        assert_eq!(spec.kind, Some(SourceKind::Cloudtrail));
        assert_eq!(spec.display, PathBuf::from("clickhouse://127.0.0.1:18123/logs.trail"));
        assert_eq!(parse("clickhouses://ch.example/a.b?column=c").map(|s| (s.port, s.tls)).ok(), Some((8443, true)));
    }

    #[test]
    fn bad_addresses_say_why_and_never_echo_a_password() {
        let error = |arg: &str| parse(arg).err().map(|e| e.to_string()).unwrap_or_default();
        let with_password = error("clickhouse://alice:hunter2@db:8123/logs.t?column=raw");
        assert!(with_password.contains("CLICKHOUSE_PASSWORD") && !with_password.contains("hunter2"), "{with_password}");
        assert!(error("clickhouse://db/logs.t").contains("column="));
        assert!(error("clickhouse://db/logs?column=raw").contains("DB.TABLE"));
        assert!(error("clickhouse://db/logs.t;DROP?column=raw").contains("plain name"));
        assert!(error("clickhouse://db/logs.t?column=raw%60x").contains("plain name"));
        assert!(error("clickhouse://db/logs.t?column=raw&kind=openai-usage").contains("kind="));
        assert!(error("clickhouse://db/logs.t?column=raw&since=2026-04-01T00:00:00Z").contains("time="));
    }
}
