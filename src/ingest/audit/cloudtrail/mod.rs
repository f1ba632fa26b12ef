//! AWS CloudTrail records (`{"Records":[…]}` files, arrays, or one event a line),
//! read into a typed record that borrows from the input: no tree of values per
//! record, and unknown fields skipped unparsed.

use super::stream::LineRecord;
use serde::Deserialize;
use serde_json::Value;

mod policy;
mod scanned;

use super::{denied_if, origin};
use crate::ingest::{framing::Located, lenient::Text, time};
use crate::model::{Access, Evidence, Grant, InputSummary, Lifecycle, SourceKind};
use policy::policy_grant;
use scanned::scanned;

/// The events read whoever made them: a key's lifecycle and the policy
/// changes that can grant reading secrets (the prefilter's markers).
pub fn always_read() -> Vec<&'static str> {
    ["CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey"]
        .into_iter()
        .chain(policy::POLICY_CALLS.iter().copied())
        .collect()
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
pub struct Record<'a> {
    #[serde(borrow)]
    event_time: Text<'a>,
    #[serde(borrow)]
    event_name: Text<'a>,
    #[serde(borrow)]
    event_source: Text<'a>,
    #[serde(borrow)]
    aws_region: Text<'a>,
    #[serde(rename = "sourceIPAddress", borrow)]
    source_ip_address: Text<'a>,
    #[serde(borrow)]
    user_agent: Text<'a>,
    #[serde(borrow)]
    error_code: Text<'a>,
    #[serde(borrow)]
    error_message: Text<'a>,
    #[serde(rename = "eventID", borrow)]
    event_id: Text<'a>,
    /// CloudWatch Logs exports carry the event as JSON text in `message`.
    #[serde(borrow)]
    message: Text<'a>,
    #[serde(borrow, deserialize_with = "object_or_json_text")]
    user_identity: Option<Identity<'a>>,
    #[serde(borrow, deserialize_with = "object_or_json_text")]
    request_parameters: Option<Params<'a>>,
    #[serde(borrow, deserialize_with = "object_or_json_text")]
    response_elements: Option<Response<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
struct Identity<'a> {
    #[serde(rename = "type", borrow)]
    kind: Text<'a>,
    #[serde(borrow)]
    arn: Text<'a>,
    #[serde(borrow)]
    principal_id: Text<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
    #[serde(borrow)]
    access_key_id: Text<'a>,
    #[serde(borrow)]
    invoked_by: Text<'a>,
    #[serde(borrow)]
    session_context: Option<SessionContext<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
struct SessionContext<'a> {
    #[serde(borrow)]
    session_issuer: Option<Issuer<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(default)]
struct Issuer<'a> {
    #[serde(borrow)]
    arn: Text<'a>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
struct Params<'a> {
    #[serde(borrow)]
    secret_id: Text<'a>,
    #[serde(borrow)]
    bucket_name: Text<'a>,
    #[serde(borrow)]
    user_name: Text<'a>,
    #[serde(borrow)]
    role_name: Text<'a>,
    #[serde(borrow)]
    group_name: Text<'a>,
    #[serde(borrow)]
    name: Text<'a>,
    #[serde(borrow)]
    instance_id: Text<'a>,
    #[serde(borrow)]
    status: Text<'a>,
    #[serde(borrow)]
    access_key_id: Text<'a>,
    #[serde(borrow)]
    policy_arn: Text<'a>,
    #[serde(borrow)]
    policy_name: Text<'a>,
    #[serde(borrow)]
    policy_document: Text<'a>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
struct Response<'a> {
    #[serde(borrow)]
    access_key: Option<NewKey<'a>>,
}

#[derive(Deserialize, Default)]
#[cfg_attr(test, derive(Debug, PartialEq))]
#[serde(rename_all = "camelCase", default)]
struct NewKey<'a> {
    #[serde(borrow)]
    access_key_id: Text<'a>,
}

/// An object, as CloudTrail writes it, or that object as a JSON string, as
/// CloudTrail Lake and Athena exports write it; anything else is absent.
fn object_or_json_text<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Either<T>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Either<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("an object or an object as JSON text")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            T::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(Some)
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
            match serde_json::from_str::<Value>(text) {
                Ok(v @ Value::Object(_)) => T::deserialize(v).map(Some).map_err(E::custom),
                _ => Ok(None),
            }
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: serde::Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
        fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
            Ok(None)
        }
    }
    d.deserialize_any(Either(std::marker::PhantomData))
}

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    for (line, value) in records {
        let value = unwrap_message(value);
        match Record::deserialize(&value)
            .map_err(|e| e.to_string())
            .and_then(|rec| convert(origin(path, line), &rec, Build::Access))
        {
            Ok((access, grant)) => {
                summary.records += 1;
                summary.relevant += 1;
                ev.grants.extend(grant.map(|g| with_context(g, &value)));
                ev.accesses.extend(access.map(|a| *a));
            }
            Err(message) => summary.reject(line, message),
        }
    }
}

/// One JSON line, for the streaming reader: the access and any grant it makes.
/// Its origin is left empty: the reader names the line once it knows where its
/// chunk falls.
pub fn parse_line(bytes: &[u8]) -> Result<LineRecord, String> {
    read_line(bytes, Build::Access)
}

/// A line checked and counted as `parse_line` would, its access not built
/// (`check` keeps none): the same records read, the same ones rejected, the
/// same grants, at a fraction of the allocations.
pub fn count_line(bytes: &[u8]) -> Result<LineRecord, String> {
    read_line(bytes, Build::GrantsOnly)
}

/// Whether a record's access is wanted, or only whether it reads and what it grants.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Build {
    Access,
    GrantsOnly,
}

fn read_line(bytes: &[u8], build: Build) -> Result<LineRecord, String> {
    // Validated once here (fast on ASCII), the parser need not check each string again.
    let text = super::utf8(bytes)?;
    // Filled in place: a record is large, and moving it costs more than it seems.
    let mut rec = Record::default();
    if scanned(text, &mut rec).is_none() {
        // serde passes over what it ignores; a tree of values (a record at any other place) would not.
        super::json_scan::within_value_limits(text)?;
        rec = serde_json::from_str(text).map_err(|e| format!("malformed JSON: {e}"))?;
    }
    if rec.event_time.get().is_none()
        && let Some(inner) = rec.message.get()
    {
        // A CloudWatch Logs export: the event is the message.
        return read_line(inner.as_bytes(), build);
    }
    let (access, grant) = convert(String::new(), &rec, build)?;
    // Policy grants are rare: only they pay for a tree of values (their detail view).
    let grant = grant.map(|g| match serde_json::from_slice::<Value>(bytes) {
        Ok(v) => with_context(g, &v),
        Err(_) => g,
    });
    Ok(LineRecord { access, grant, pair: None })
}

/// `{"timestamp": …, "message": "{…event…}"}` as CloudWatch Logs exports it.
fn unwrap_message(value: Value) -> Value {
    match value.get("message").and_then(Value::as_str) {
        Some(text) if value.get("eventTime").is_none() => serde_json::from_str(text).unwrap_or(value),
        _ => value,
    }
}

fn with_context(mut grant: Grant, rec: &Value) -> Grant {
    grant.context = super::record_context(rec);
    grant
}

/// `a` + `mark` + `b`, without the formatting machinery (this runs for every
/// record of logs that hold millions).
fn join(a: &str, mark: char, b: &str) -> String {
    let mut out = String::with_capacity(a.len() + 1 + b.len());
    out.push_str(a);
    out.push(mark);
    out.push_str(b);
    out
}

fn owned(t: &Text) -> Option<String> {
    t.get().map(str::to_string)
}

fn principal(rec: &Record) -> String {
    let empty = Identity::default();
    let id = rec.user_identity.as_ref().unwrap_or(&empty);
    match id.kind.get() {
        Some("AWSService") => owned(&id.invoked_by).unwrap_or_else(|| "AWSService".into()),
        Some("AssumedRole") => {
            let role = id.session_context.as_ref().and_then(|s| s.session_issuer.as_ref()).and_then(|i| owned(&i.arn));
            let session = id.principal_id.get().and_then(|p| p.split_once(':')).map(|(_, s)| s.to_string());
            match (role, session) {
                (Some(role), Some(session)) => join(&role, '/', &session),
                (Some(role), None) => role,
                (None, _) => owned(&id.arn).unwrap_or_else(|| "AssumedRole".into()),
            }
        }
        _ => owned(&id.arn)
            .or_else(|| owned(&id.principal_id))
            .or_else(|| owned(&id.user_name))
            .or_else(|| owned(&id.kind))
            .unwrap_or_else(|| "(unknown)".into()),
    }
}

/// The record's access (boxed: records pass through several hands, and an
/// access is large) and any grant it makes; no access for a record only counted.
fn convert(origin: String, rec: &Record, build: Build) -> Result<(Option<Box<Access>>, Option<Grant>), String> {
    let raw_time = rec.event_time.get().ok_or("CloudTrail record without eventTime")?;
    let at = time::parse(raw_time).ok_or_else(|| format!("unreadable eventTime `{raw_time}`"))?;
    let name = rec.event_name.get().ok_or("CloudTrail record without eventName")?;
    if build == Build::GrantsOnly && !policy::POLICY_CALLS.contains(&name) {
        return Ok((None, None));
    }
    let service = rec.event_source.get().map(|s| s.strip_suffix(".amazonaws.com").unwrap_or(s)).unwrap_or_default();
    let error = owned(&rec.error_code).map(|code| match rec.error_message.get() {
        Some(msg) => code + ": " + msg,
        None => code,
    });
    let ok = error.is_none();
    let empty = Params::default();
    let params = rec.request_parameters.as_ref().unwrap_or(&empty);
    let lifecycle = match name {
        "CreateAccessKey" if ok => rec
            .response_elements
            .as_ref()
            .and_then(|r| r.access_key.as_ref())
            .and_then(|k| owned(&k.access_key_id))
            .map(|k| (Lifecycle::Issued, k)),
        "UpdateAccessKey" if ok && params.status.get() == Some("Inactive") => {
            owned(&params.access_key_id).map(|k| (Lifecycle::Deactivated, k))
        }
        "DeleteAccessKey" if ok => owned(&params.access_key_id).map(|k| (Lifecycle::Deleted, k)),
        "AttachUserPolicy" | "PutUserPolicy" if ok => {
            let quarantine = params
                .policy_arn
                .get()
                .or(params.policy_name.get())
                .is_some_and(|p| p.contains("CompromisedKeyQuarantine"));
            owned(&params.user_name).filter(|_| quarantine).map(|u| (Lifecycle::Quarantined, format!("user:{u}")))
        }
        _ => None,
    };
    let resource = [
        &params.secret_id,
        &params.bucket_name,
        &params.user_name,
        &params.role_name,
        &params.name,
        &params.instance_id,
    ]
    .into_iter()
    .find_map(owned);
    let access = Access {
        at,
        source: SourceKind::Cloudtrail,
        principal: principal(rec),
        credential: rec.user_identity.as_ref().and_then(|i| owned(&i.access_key_id)),
        other_credentials: Vec::new(),
        action: if service.is_empty() { name.to_string() } else { join(service, ':', name) },
        resource,
        outcome: denied_if(error),
        ip: owned(&rec.source_ip_address),
        user_agent: owned(&rec.user_agent),
        region: owned(&rec.aws_region),
        lifecycle,
        event_id: owned(&rec.event_id).unwrap_or_else(|| origin.clone()),
        usage: None,
        origin,
    };
    let grant = policy_grant(&access, params);
    Ok((Some(Box::new(access)), grant))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scanner's record where it reads one, else serde's; and whenever
    /// the scanner reads a line, serde reads it too, into the same record.
    fn agree(line: &str) -> bool {
        let mut fast = Record::default();
        let scanned = scanned(line, &mut fast).is_some();
        if scanned {
            let slow: Record = serde_json::from_str(line).unwrap_or_else(|e| panic!("serde refused ({e}): {line}"));
            assert_eq!(fast, slow, "{line}");
        }
        scanned
    }

    /// Every CloudTrail record at hand: the samples and the demo incident's.
    fn records() -> Vec<Value> {
        let mut out = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        for folder in [root.join("tests/samples/cloudtrail"), root.join("../shared/samples/cloudtrail")] {
            for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
                let value: Value = serde_json::from_slice(&std::fs::read(entry.path()).unwrap()).unwrap();
                match value {
                    Value::Array(items) => out.extend(items),
                    Value::Object(mut o) => match o.remove("Records") {
                        Some(Value::Array(items)) => out.extend(items),
                        _ => out.push(Value::Object(o)),
                    },
                    _ => {}
                }
            }
        }
        let dir = tempfile::tempdir().unwrap();
        crate::demo::write(dir.path()).unwrap();
        let mut stack = vec![dir.path().to_path_buf()];
        while let Some(path) = stack.pop() {
            if path.is_dir() {
                stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else if path.to_string_lossy().contains("CloudTrail") && path.extension().is_some_and(|x| x == "gz") {
                let mut text = String::new();
                std::io::Read::read_to_string(
                    &mut flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()),
                    &mut text,
                )
                .unwrap();
                let value: Value = serde_json::from_str(&text).unwrap();
                out.extend(value["Records"].as_array().cloned().unwrap_or_default());
            }
        }
        out
    }

    #[test]
    fn the_scanner_reads_every_record_as_serde_does() {
        let records = records();
        assert!(records.len() > 40, "{}", records.len());
        let mut scanned = 0;
        for record in &records {
            let line = record.to_string();
            scanned += usize::from(agree(&line));
            // Pretty-printed, as `jq .` writes it, it reads the same.
            assert_eq!(agree(&serde_json::to_string_pretty(record).unwrap()), agree(&line));
        }
        assert!(scanned * 10 >= records.len() * 9, "the fast path read {scanned} of {}", records.len());
    }

    /// A `{"Records":[…]}` file read by the scanner gives what the general
    /// reader (a tree of values per record) gives, and each record the line
    /// it starts on.
    #[test]
    fn wrapper_files_read_as_the_general_reader_reads_them() {
        let records = records();
        let general = |text: &str| {
            let located = crate::ingest::framing::records(text.as_bytes()).records;
            let mut summary = InputSummary::new(SourceKind::Cloudtrail, "f");
            let mut ev = Evidence::default();
            parse("f", located, &mut summary, &mut ev);
            (summary.records, ev)
        };
        let fast = |text: &str| {
            let mut summary = InputSummary::new(SourceKind::Cloudtrail, "f");
            let mut ev = Evidence::default();
            let job = crate::ingest::audit::stream::Job {
                path: "f",
                parse: crate::ingest::audit::line_parser(SourceKind::Cloudtrail).expect("a line parser"),
                framing: crate::ingest::audit::stream::Framing::Records,
                threads: 2,
                max_line: 1 << 20,
                chunk: 1000,
                keep: &|_| true,
                prefilter: None,
            };
            crate::ingest::audit::stream::read(&mut text.as_bytes(), &job, &mut summary, &mut ev);
            assert_eq!(summary.rejected, 0, "{:?}", summary.errors);
            (summary.records, ev)
        };
        let compact = serde_json::json!({ "Records": records }).to_string();
        let (n, slow) = general(&compact);
        let (m, quick) = fast(&compact);
        assert_eq!((n, slow.accesses.len()), (m, quick.accesses.len()));
        assert_eq!(format!("{:?}", slow.accesses), format!("{:?}", quick.accesses));
        assert_eq!(format!("{:?}", slow.grants), format!("{:?}", quick.grants));
        let pretty = serde_json::to_string_pretty(&serde_json::json!({ "Records": records })).unwrap();
        let (_, quick) = fast(&pretty);
        let lines: Vec<usize> =
            quick.accesses.iter().map(|a| a.origin.rsplit(':').next().unwrap().parse().unwrap()).collect();
        assert!(lines[0] == 3 && lines.windows(2).all(|w| w[0] < w[1]), "each record its own line: {lines:?}");
    }

    /// Damaged and unusual lines: the scanner gives up, or reads what serde reads.
    #[test]
    fn the_scanner_never_reads_a_line_serde_would_read_otherwise() {
        let lines = [
            r#"{"eventTime":"2024-01-01T00:00:00Z","eventName":"X","eventName":"Y"}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":"{\"type\":\"IAMUser\"}"}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"accessKeyId":"\u0041KIA"}}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"sessionContext":"x"}}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","userIdentity":{"sessionContext":null,"type":7}}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","requestParameters":[1,2],"responseElements":true}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","responseElements":{"accessKey":{"accessKeyId":"AKIA1","x":[{}]}}}"#,
            r#"{"eventTime":"2024-01-01T00:00:00Z","errorCode":null,"errorMessage":{"a":1.5e3}}"#,
            r#"{"message":"{\"eventTime\":\"2024-01-01T00:00:00Z\"}"}"#,
        ];
        for line in lines {
            agree(line);
        }
        // Every line of the records, cut short and with bytes replaced: the
        // scanner must never read a line that serde refuses or reads otherwise.
        let marks = ["\"", "\\", "{", "}", "[", "]", ",", ":", "0", "-", "e", ".", "n", "t", " ", "\t", "\u{1}", "é"];
        for (r, record) in records().iter().enumerate().take(60) {
            let line = record.to_string();
            let cuts: Vec<usize> = line.char_indices().map(|(i, _)| i).filter(|i| (i + r) % 7 == 0).collect();
            for (n, at) in cuts.into_iter().enumerate() {
                agree(&line[..at]);
                let mark = marks[n % marks.len()];
                let next = line[at..].chars().next().map_or(0, char::len_utf8);
                agree(&format!("{}{mark}{}", &line[..at], &line[at + next..]));
                agree(&format!("{}{mark}{}", &line[..at], &line[at..]));
            }
        }
    }
}
