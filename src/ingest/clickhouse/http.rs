//! ClickHouse's HTTP interface. Nothing the case holds is pasted into SQL:
//! the needles and the window travel as external data (temporary tables sent
//! beside the query, which every ClickHouse version reads), and the only names
//! in the query text are the table and columns, checked to be plain names.
//! Rows come back as `RowBinary` (a length, then the bytes: no escaping to
//! undo) and are streamed to the file, one JSON record a line.

use std::io::Write;
use std::time::Duration;

use super::{ClickhouseSpec, IngestError, bad};
use crate::ingest::cancel::Cancel;
use crate::ingest::same_origin;
use crate::model::SourceKind;

/// The longest row read; longer is a broken answer, not a record.
const MAX_ROW: u64 = 64 << 20;

pub(super) struct Client {
    /// The async client, driven on this thread: the blocking client hands every
    /// HTTP chunk across threads, and ClickHouse's chunks are small (77,000
    /// wake-ups for 330,000 rows, ten times the server's own time).
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    endpoint: String,
    address: String,
    user: String,
    password: Option<String>,
    select: String,
    from: String,
    time: Option<String>,
    /// The longest the server may send nothing (`timeout=`).
    silence: Duration,
}

/// One query: rows holding any of `wanted` (all rows where `None`) and none of
/// `excluded` (what an earlier round already returned), within the window.
pub(super) struct Query {
    pub wanted: Option<Vec<String>>,
    pub excluded: Vec<String>,
    pub since: Option<chrono::DateTime<chrono::Utc>>,
    pub until: Option<chrono::DateTime<chrono::Utc>>,
    /// How many more rows may be taken.
    pub room: u64,
}

impl Query {
    /// What was asked, for the input's notes (counts, never the values).
    pub fn describe(&self) -> String {
        let mut text = match &self.wanted {
            Some(w) => format!("{} identifiers and event names", w.len()),
            None => "every row (no scanner output named the case)".to_string(),
        };
        if !self.excluded.is_empty() {
            text.push_str(&format!(", not the {} asked before", self.excluded.len()));
        }
        let time = |t: &chrono::DateTime<chrono::Utc>| crate::ingest::time::format(t);
        match (&self.since, &self.until) {
            (Some(s), Some(u)) => text.push_str(&format!(", from {} until {}", time(s), time(u))),
            (Some(s), None) => text.push_str(&format!(", from {}", time(s))),
            (None, Some(u)) => text.push_str(&format!(", until {}", time(u))),
            (None, None) => {}
        }
        text
    }
}

/// How the rows of one answer are taken: how many at most, when to stop, whom to tell.
struct Taking<'a> {
    limit: u64,
    cancel: &'a Cancel,
    progress: &'a dyn Fn(u64),
}

/// What a query returned.
pub(super) struct Answer {
    pub rows: u64,
    pub bytes: u64,
    /// More rows matched than there was room for.
    pub more: bool,
}

impl Client {
    pub fn new(spec: &ClickhouseSpec) -> Result<Self, IngestError> {
        let address = spec.display.display().to_string();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .redirect(same_origin::redirect_policy())
            .user_agent(concat!("leakline/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| bad(&address, "could not set up an HTTP client"))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|_| bad(&address, "could not set up an HTTP client"))?;
        let scheme = if spec.tls { "https" } else { "http" };
        let host = if spec.host.contains(':') { format!("[{}]", spec.host) } else { spec.host.clone() };
        Ok(Client {
            http,
            runtime,
            endpoint: format!("{scheme}://{host}:{}/", spec.port),
            address,
            user: std::env::var("CLICKHOUSE_USER").ok().filter(|u| !u.is_empty()).unwrap_or_else(|| "default".into()),
            password: std::env::var("CLICKHOUSE_PASSWORD").ok().filter(|p| !p.is_empty()),
            select: format!("`{}`", spec.column),
            from: format!("`{}`.`{}`", spec.database, spec.table),
            time: spec.time.as_ref().map(|t| format!("`{t}`")),
            silence: Duration::from_secs(spec.timeout),
        })
    }

    /// The kind of log the table holds, from its first row.
    pub fn sniff_kind(&self, kinds: &[SourceKind]) -> Result<SourceKind, IngestError> {
        let sql = format!("SELECT {} FROM {} LIMIT 1 FORMAT RowBinary", self.select, self.from);
        let mut first = Vec::new();
        let taking = Taking { limit: 1, cancel: &Cancel::default(), progress: &|_| {} };
        self.fetch_sql(&sql, Vec::new(), &[], &mut first, &taking)?;
        if first.is_empty() {
            return Err(bad(&self.address, "the table holds no rows"));
        }
        let value: Option<serde_json::Value> = crate::ingest::strict_json::from_slice(first.trim_ascii()).ok();
        value.as_ref().and_then(crate::ingest::sniff_record).filter(|k| kinds.contains(k)).ok_or_else(|| {
            bad(&self.address, "the table's first row is no audit record leakline knows: name it with kind=")
        })
    }

    /// Run `query`, writing each row returned to `out` as one line.
    pub fn fetch(
        &self,
        query: &Query,
        out: &mut dyn Write,
        cancel: &Cancel,
        progress: &dyn Fn(u64),
    ) -> Result<Answer, IngestError> {
        let column = &self.select;
        let mut conditions = Vec::new();
        let mut tables = Vec::new();
        if let Some(wanted) = &query.wanted {
            conditions.push(format!(
                "arrayExists(n -> position({column}, n) > 0, (SELECT groupArray(n) FROM leakline_wanted))"
            ));
            tables.push(("leakline_wanted", "n String", tsv(wanted)));
        }
        if !query.excluded.is_empty() {
            conditions.push(format!(
                "NOT arrayExists(n -> position({column}, n) > 0, (SELECT groupArray(n) FROM leakline_asked))"
            ));
            tables.push(("leakline_asked", "n String", tsv(&query.excluded)));
        }
        if let Some(time) = &self.time {
            let epoch = |t: &Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.timestamp().max(0));
            if let Some(since) = epoch(&query.since) {
                conditions.push(format!("{time} >= toDateTime((SELECT t FROM leakline_since))"));
                tables.push(("leakline_since", "t UInt32", format!("{since}\n")));
            }
            if let Some(until) = epoch(&query.until) {
                conditions.push(format!("{time} < toDateTime((SELECT t FROM leakline_until))"));
                tables.push(("leakline_until", "t UInt32", format!("{until}\n")));
            }
        }
        let filter = if conditions.is_empty() { String::new() } else { format!(" WHERE {}", conditions.join(" AND ")) };
        let order = self.time.as_ref().map(|t| format!(" ORDER BY {t}")).unwrap_or_default();
        let sql = format!("SELECT {column} FROM {}{filter}{order} FORMAT RowBinary", self.from);
        let settings = [("max_result_rows", (query.room + 1).to_string()), ("result_overflow_mode", "break".into())];
        let taking = Taking { limit: query.room + 1, cancel, progress };
        let (rows, bytes) = self.fetch_sql(&sql, tables, &settings, out, &taking)?;
        Ok(Answer { rows: rows.min(query.room), bytes, more: rows > query.room })
    }

    /// POST `sql` with its external tables; rows (up to `limit`) to `out`.
    fn fetch_sql(
        &self,
        sql: &str,
        tables: Vec<(&str, &str, String)>,
        settings: &[(&str, String)],
        out: &mut dyn Write,
        taking: &Taking,
    ) -> Result<(u64, u64), IngestError> {
        let mut params: Vec<(String, String)> = settings.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let mut form = reqwest::multipart::Form::new().text("query", sql.to_string());
        for (name, structure, data) in tables {
            params.push((format!("{name}_structure"), structure.to_string()));
            params.push((format!("{name}_format"), "TabSeparated".to_string()));
            form = form.part(name.to_string(), reqwest::multipart::Part::text(data).file_name(name.to_string()));
        }
        let mut url = reqwest::Url::parse(&self.endpoint).map_err(|_| bad(&self.address, "not an address"))?;
        url.query_pairs_mut().extend_pairs(&params);
        let mut request = self.http.post(url.clone()).header("X-ClickHouse-User", &self.user);
        if let Some(password) = &self.password {
            request = request.header("X-ClickHouse-Key", password);
        }
        self.runtime.block_on(async {
            let mut response = match tokio::time::timeout(self.silence, request.multipart(form).send()).await {
                Ok(Ok(response)) => response,
                Ok(Err(e)) => return Err(self.unreachable(&e)),
                Err(_) => return Err(self.silent(None)),
            };
            let status = response.status();
            if status.is_redirection() {
                let why = same_origin::refused_redirect(
                    "the server",
                    status.as_u16(),
                    &url,
                    response.headers(),
                    "CLICKHOUSE_PASSWORD",
                );
                return Err(bad(&self.address, why));
            }
            if !status.is_success() {
                let mut body = Vec::new();
                while let Ok(Ok(Some(chunk))) = tokio::time::timeout(self.silence, response.chunk()).await {
                    body.extend_from_slice(&chunk);
                    if body.len() > 64 << 10 {
                        break;
                    }
                }
                return Err(bad(&self.address, self.said(status.as_u16(), &body)));
            }
            let html = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.contains("html"));
            let mut rows = Rows { out, taking, pending: Vec::new(), rows: 0, bytes: 0 };
            while rows.rows < taking.limit {
                if taking.cancel.requested() {
                    return Err(bad(&self.address, "reading was cancelled"));
                }
                match tokio::time::timeout(self.silence, response.chunk()).await {
                    Ok(Ok(Some(chunk))) => rows.take(&chunk).map_err(|b| self.broken(b, html))?,
                    Ok(Ok(None)) => break,
                    Ok(Err(_)) => return Err(self.dropped(rows.rows)),
                    Err(_) => return Err(self.silent(Some(rows.rows))),
                }
            }
            if rows.rows < taking.limit && !rows.pending.is_empty() {
                return Err(if memchr::memmem::find(&rows.pending, b"DB::Exception").is_some() {
                    bad(&self.address, self.said(200, &rows.pending))
                } else {
                    self.broken(Broken::EndsInRow { rows: rows.rows }, html)
                });
            }
            Ok((rows.rows, rows.bytes))
        })
    }

    /// The server's error in one line, the password masked wherever it
    /// echoes it (a plain word is no secret to the masker, but it is here).
    fn said(&self, status: u16, body: &[u8]) -> String {
        let mut text = String::from_utf8_lossy(&body[..body.len().min(64 << 10)]).into_owned();
        if let Some(password) = self.password.as_deref().filter(|p| !p.is_empty()) {
            text = text.replace(password, "…");
        }
        server_error(status, &text)
    }

    /// Why an answer that arrived whole is still no answer, in its own words.
    fn broken(&self, broken: Broken, html: bool) -> IngestError {
        let why = match broken {
            Broken::ServerError(text) => return bad(&self.address, self.said(200, &text)),
            Broken::Write(e) => return bad(&self.address, format!("temporary file: {e}")),
            Broken::TooLong(len) => format!("a row of {len} bytes, longer than any record"),
            Broken::EndsInRow { rows } => format!("it ended inside a row, after {rows} whole rows"),
        };
        let page = if html { " (an HTML page: is this ClickHouse's HTTP port?)" } else { "" };
        bad(
            &self.address,
            format!(
                "the answer is not rows as ClickHouse sends them (RowBinary){page}: {why}; nothing from it was used"
            ),
        )
    }

    fn dropped(&self, rows: u64) -> IngestError {
        bad(
            &self.address,
            format!("the connection dropped after {rows} rows: the answer is incomplete, nothing from it was used"),
        )
    }

    /// Nothing came for `silence`: before the answer began (`None`) or after some rows.
    fn silent(&self, rows: Option<u64>) -> IngestError {
        let seconds = self.silence.as_secs();
        bad(
            &self.address,
            match rows {
                None => format!(
                    "the server sent nothing for {seconds} s: no answer began (a query this slow needs a larger timeout=)"
                ),
                Some(rows) => format!(
                    "the server sent nothing for {seconds} s after {rows} rows: the answer is incomplete, nothing from it was used"
                ),
            },
        )
    }

    fn unreachable(&self, e: &reqwest::Error) -> IngestError {
        let why = if e.is_connect() {
            "the server could not be reached (connection refused or no route)"
        } else if e.is_timeout() {
            "the server did not answer in time"
        } else {
            "the request failed"
        };
        bad(&self.address, why)
    }
}

/// Why rows could not be taken from an answer.
#[derive(Debug)]
enum Broken {
    /// The server's error text, sent in place of rows after the answer began.
    ServerError(Vec<u8>),
    /// A length no row has: not RowBinary, or the server's error text read as a length.
    TooLong(u64),
    EndsInRow {
        rows: u64,
    },
    Write(std::io::Error),
}

/// `RowBinary` rows of one String column (a LEB128 length, then the bytes), as
/// the answer's chunks arrive: whole rows go to `out`, a row cut by a chunk's
/// end waits in `pending` for the next.
struct Rows<'a, 'b> {
    out: &'a mut dyn Write,
    taking: &'a Taking<'b>,
    pending: Vec<u8>,
    rows: u64,
    bytes: u64,
}

impl Rows<'_, '_> {
    fn take(&mut self, chunk: &[u8]) -> Result<(), Broken> {
        self.pending.extend_from_slice(chunk);
        let mut at = 0;
        while self.rows < self.taking.limit {
            let Some((len, header)) = leb128(&self.pending[at..]) else { break };
            if len > MAX_ROW {
                let rest = &self.pending[at..];
                let rest = &rest[..rest.len().min(64 << 10)];
                return Err(if memchr::memmem::find(rest, b"DB::Exception").is_some() {
                    Broken::ServerError(rest.to_vec())
                } else {
                    Broken::TooLong(len)
                });
            }
            let start = at + header;
            let Some(end) =
                usize::try_from(len).ok().and_then(|l| start.checked_add(l)).filter(|&e| e <= self.pending.len())
            else {
                break;
            };
            let record = self.pending[start..end].trim_ascii();
            // The server reports an error met while streaming as text in the body.
            if record.first() != Some(&b'{') && memchr::memmem::find(&self.pending[at..], b"DB::Exception").is_some() {
                return Err(Broken::ServerError(self.pending[at..].to_vec()));
            }
            let line: Vec<u8> = record.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }).collect();
            self.out.write_all(&line).and_then(|()| self.out.write_all(b"\n")).map_err(Broken::Write)?;
            self.rows += 1;
            self.bytes += len;
            if self.rows.is_multiple_of(50_000) {
                (self.taking.progress)(self.rows);
            }
            at = end;
        }
        self.pending.drain(..at);
        Ok(())
    }
}

/// A length prefix and how many bytes it took; `None` until all of it has arrived.
fn leb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        value |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    // Ten bytes without an end is no length at all: longer than any row, so refused.
    (bytes.len() >= 10).then_some((u64::MAX, 10))
}

/// The needles as one TabSeparated column (its escapes, so no value can end a row early).
fn tsv(values: &[String]) -> String {
    let mut out = String::new();
    for v in values {
        for c in v.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                c => out.push(c),
            }
        }
        out.push('\n');
    }
    out
}

/// The server's error as one line: what ClickHouse said, without its stack.
fn server_error(status: u16, body: &str) -> String {
    let first = body.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
    let code = first.strip_prefix("Code: ").and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()).unwrap_or("");
    let message = first
        .split_once("DB::Exception: ")
        .map_or(first, |(_, m)| m)
        .split(", e.what()")
        .next()
        .unwrap_or(first)
        .split(" (version ")
        .next()
        .unwrap_or(first);
    let message: String = crate::text::clean(message).chars().take(300).collect();
    match (status, code) {
        (401 | 403, _) | (_, "193" | "516" | "192") => {
            format!("the server refused the user and password (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD): {message}")
        }
        (_, "60" | "81") => format!("no such table or database: {message}"),
        (_, "47" | "16") => format!("no such column: {message}"),
        _ if message.is_empty() => format!("the server answered HTTP {status}"),
        _ => format!("the server answered HTTP {status}: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_are_one_line_in_either_version_s_words() {
        let old =
            "Code: 193, e.displayText() = DB::Exception: Wrong password for user default, e.what() = DB::Exception\n";
        assert_eq!(
            server_error(401, old),
            "the server refused the user and password (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD): Wrong password for user default"
        );
        let new = "Code: 60. DB::Exception: Table logs.nope does not exist. (UNKNOWN_TABLE) (version 24.8.4.13 (official build))\n";
        assert_eq!(
            server_error(404, new),
            "no such table or database: Table logs.nope does not exist. (UNKNOWN_TABLE)"
        );
        assert_eq!(server_error(502, ""), "the server answered HTTP 502");
    }

    #[test]
    fn needles_cannot_break_their_table() {
        assert_eq!(tsv(&["a\tb".into(), "c\\n\nd".into()]), "a\\tb\nc\\\\n\\nd\n");
    }

    #[test]
    fn lengths_are_leb128() {
        assert_eq!(leb128(&[0xAC, 0x02, 0x05]), Some((300, 2)));
        assert_eq!(leb128(&[0x05]), Some((5, 1)));
        assert_eq!(leb128(&[]), None);
        assert_eq!(leb128(&[0x80]), None);
        assert_eq!(leb128(&[0xff; 12]).map(|(l, _)| l), Some(u64::MAX));
    }

    #[test]
    fn rows_cut_anywhere_by_chunks_come_out_whole() {
        let rows: Vec<String> =
            (0..300).map(|i| format!("{{\"n\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 200))).collect();
        let mut answer = Vec::new();
        for r in &rows {
            let mut len = r.len();
            while len >= 0x80 {
                answer.push((len as u8 & 0x7f) | 0x80);
                len >>= 7;
            }
            answer.push(len as u8);
            answer.extend_from_slice(r.as_bytes());
        }
        for size in [1, 2, 7, 64, 1000, answer.len()] {
            let mut out = Vec::new();
            let cancel = Cancel::default();
            let taking = Taking { limit: u64::MAX, cancel: &cancel, progress: &|_| {} };
            let mut reading = Rows { out: &mut out, taking: &taking, pending: Vec::new(), rows: 0, bytes: 0 };
            for chunk in answer.chunks(size) {
                reading.take(chunk).unwrap_or_else(|e| panic!("{e:?}"));
            }
            assert!(reading.pending.is_empty());
            assert_eq!(reading.rows, 300);
            assert_eq!(
                String::from_utf8_lossy(&out),
                rows.iter().map(|r| format!("{r}\n")).collect::<String>(),
                "{size}"
            );
        }
    }
}
