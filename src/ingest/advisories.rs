//! Security advisories in the OSV schema (https://ossf.github.io/osv-schema/),
//! read offline: one record, an array of them or an API answer's `vulns`, a
//! folder of `.json` files, or an ecosystem's `all.zip` as osv.dev publishes it.
//!
//! Without `--all-deps` only the records naming a watched package are kept:
//! an ecosystem's export holds hundreds of thousands, and only those can meet
//! a change the history records.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::git::watchlist::{Watchlist, normalise};
use super::{IngestError, ReadOptions, digest, limits, time};
use crate::model::{Advisory, Affected, AffectedRange, Evidence, InputSummary, RangeEvent, SourceKind};

/// Read `path` (a file, a folder or a zip) into advisories.
pub fn load(path: &Path, options: &ReadOptions) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let read_error = |source| IngestError::Read { path: display.clone(), source };
    let keep = Keep { watch: Watchlist::new(&options.frameworks), all: options.all_deps };
    let mut evidence = Evidence::default();
    let meta = std::fs::metadata(path).map_err(read_error)?;
    if meta.is_dir() {
        let (mut files, _) = super::walk(path).map_err(read_error)?;
        files.retain(|f| f.extension().is_some_and(|e| e == "json" || e == "zip"));
        files.sort();
        for file in files {
            let read = load_file(&file, options, &keep)?;
            evidence.merge(read);
        }
        return Ok(evidence);
    }
    load_file(path, options, &keep)
}

struct Keep {
    watch: Watchlist,
    all: bool,
}

impl Keep {
    fn wants(&self, advisory: &Advisory) -> bool {
        self.all || advisory.affected.iter().any(|a| self.watch.watches(&a.package))
    }
}

fn load_file(path: &Path, options: &ReadOptions, keep: &Keep) -> Result<Evidence, IngestError> {
    let display = path.display().to_string();
    let read_error = |source| IngestError::Read { path: display.clone(), source };
    let mut summary = InputSummary::new(SourceKind::Osv, display.clone());
    let mut evidence = Evidence::default();
    if path.extension().is_some_and(|e| e == "zip") {
        let file = std::fs::File::open(path).map_err(read_error)?;
        summary.sha256 = Some(digest::of_reader(std::fs::File::open(path).map_err(read_error)?).map_err(read_error)?);
        let mut archive = zip::ZipArchive::new(file).map_err(|e| IngestError::Parse {
            path: display.clone(),
            line: 0,
            message: format!("not a readable zip archive: {e}"),
        })?;
        let max = options.limits.max_line as u64;
        for i in 0..archive.len() {
            let Ok(mut entry) = archive.by_index(i) else {
                summary.reject(0, format!("zip entry {i}: unreadable"));
                continue;
            };
            let Ok(name) = entry.name().map(|n| n.to_string()) else {
                summary.reject(0, format!("zip entry {i}: a name that is not text"));
                continue;
            };
            if !name.ends_with(".json") {
                continue;
            }
            let mut bytes = Vec::new();
            if (&mut entry).take(max + 1).read_to_end(&mut bytes).is_err() {
                summary.reject(0, format!("{name}: the entry does not inflate"));
                continue;
            }
            if bytes.len() as u64 > max {
                summary.reject(0, format!("{name}: inflates past {} (--max-line)", limits::shown(max)));
                continue;
            }
            records(&bytes, &format!("{display}:{name}"), &mut summary, &mut evidence, keep);
        }
    } else {
        let max = options.limits.max_input;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(max.saturating_add(1)).read_to_end(&mut bytes))
            .map_err(read_error)?;
        if bytes.len() as u64 > max {
            return Err(IngestError::TooLarge {
                path: display,
                message: format!("more than the {} leakline reads whole (--max-input)", limits::shown(max)),
            });
        }
        summary.sha256 = Some(digest::of_bytes(&bytes));
        records(&bytes, &display, &mut summary, &mut evidence, keep);
    }
    evidence.inputs.push(summary);
    Ok(evidence)
}

/// The records in one JSON document: a record, an array, or `{"vulns": […]}`.
fn records(bytes: &[u8], origin: &str, summary: &mut InputSummary, evidence: &mut Evidence, keep: &Keep) {
    let value: Value = match super::strict_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            summary.reject(0, format!("{origin}: malformed JSON: {e}"));
            return;
        }
    };
    let list = match value {
        Value::Array(items) => items,
        Value::Object(ref o) if o.get("vulns").is_some_and(Value::is_array) => {
            o.get("vulns").and_then(Value::as_array).cloned().unwrap_or_default()
        }
        one => vec![one],
    };
    for (i, rec) in list.iter().enumerate() {
        let at = if list.len() > 1 { format!("{origin}#{i}") } else { origin.to_string() };
        match advisory(rec, &at) {
            Ok(a) => {
                summary.records += 1;
                if keep.wants(&a) {
                    summary.relevant += 1;
                    evidence.advisories.push(a);
                }
            }
            Err(why) => summary.reject(i + 1, format!("{at}: {why}")),
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn str_of(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// One OSV record; an error names what it lacks.
fn advisory(rec: &Value, origin: &str) -> Result<Advisory, String> {
    let id = str_of(rec, "id").filter(|s| !s.is_empty()).ok_or("an OSV record without an id")?;
    let affected = rec
        .get("affected")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(affected).collect::<Vec<_>>())
        .unwrap_or_default();
    let time_of = |key: &str| str_of(rec, key).and_then(|t| time::parse(&t));
    let summary = str_of(rec, "summary")
        .or_else(|| str_of(rec, "details").map(|d| d.lines().next().unwrap_or_default().to_string()))
        .unwrap_or_default();
    let references = rec
        .get("references")
        .and_then(Value::as_array)
        .map(|refs| {
            let mut refs: Vec<(bool, String)> = refs
                .iter()
                .filter_map(|r| Some((str_of(r, "type").as_deref() != Some("ADVISORY"), str_of(r, "url")?)))
                .collect();
            refs.sort_by_key(|(later, _)| *later);
            refs.into_iter().map(|(_, u)| u).collect()
        })
        .unwrap_or_default();
    let severity = rec
        .get("severity")
        .and_then(Value::as_array)
        .and_then(|s| s.first())
        .and_then(|s| Some(format!("{} {}", str_of(s, "type")?, str_of(s, "score")?)))
        .or_else(|| rec.pointer("/database_specific/severity").and_then(Value::as_str).map(str::to_string));
    Ok(Advisory {
        id,
        aliases: strings(rec.get("aliases")),
        summary: crate::ingest::mask::prose(&summary).to_string(),
        published: time_of("published"),
        modified: time_of("modified"),
        withdrawn: time_of("withdrawn"),
        affected,
        references,
        severity,
        origin: origin.to_string(),
    })
}

fn affected(a: &Value) -> Option<Affected> {
    let package = a.get("package")?;
    let ranges = a
        .get("ranges")
        .and_then(Value::as_array)
        .map(|ranges| {
            ranges
                .iter()
                .map(|r| AffectedRange {
                    kind: str_of(r, "type").unwrap_or_default(),
                    events: r
                        .get("events")
                        .and_then(Value::as_array)
                        .map(|events| events.iter().filter_map(event).collect())
                        .unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Affected {
        ecosystem: str_of(package, "ecosystem")?,
        package: normalise(&str_of(package, "name")?),
        ranges,
        versions: strings(a.get("versions")),
    })
}

fn event(e: &Value) -> Option<RangeEvent> {
    let (key, version) = e.as_object()?.iter().next()?;
    let v = version.as_str()?.to_string();
    Some(match key.as_str() {
        "introduced" => RangeEvent::Introduced(v),
        "fixed" => RangeEvent::Fixed(v),
        "last_affected" => RangeEvent::LastAffected(v),
        "limit" => RangeEvent::Limit(v),
        _ => return None,
    })
}
