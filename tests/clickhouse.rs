//! ClickHouse as an audit source, against a real server: Debian's
//! `clickhouse-server` started on loopback with its own configuration and data
//! folder under a temp dir (`.ci/run` installs it; without it the test is
//! skipped, and fails under CI=true). Records go in over HTTP; `leakline
//! report --audit clickhouse://…` must give the replays the files give, while
//! the server's own `system.query_log` shows it returned only the case's rows.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const PASSWORD: &str = "ch-test-pw-7f3a";

struct Server {
    child: Child,
    http: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The server binary: Debian's `clickhouse-server`, or the single `clickhouse` binary.
fn binary() -> Option<(PathBuf, Vec<&'static str>)> {
    let on_path = |name: &str| {
        std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    };
    on_path("clickhouse-server").map(|p| (p, vec![])).or_else(|| on_path("clickhouse").map(|p| (p, vec!["server"])))
}

fn start() -> Option<Server> {
    let Some((program, pre)) = binary() else {
        assert!(std::env::var_os("CI").is_none(), "CI must install clickhouse-server (see .ci/run)");
        eprintln!("clickhouse-server not installed: skipped");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().display().to_string();
    let (http, tcp) = (free_port(), free_port());
    std::fs::write(
        dir.path().join("config.xml"),
        format!(
            r#"<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{root}/server.log</log><errorlog>{root}/server.err.log</errorlog><size>10M</size><count>1</count></logger>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <max_concurrent_queries>16</max_concurrent_queries>
  <mark_cache_size>67108864</mark_cache_size>
  <path>{root}/data/</path>
  <tmp_path>{root}/tmp/</tmp_path>
  <user_files_path>{root}/user_files/</user_files_path>
  <format_schema_path>{root}/format_schemas/</format_schema_path>
  <users_config>{root}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <query_log><database>system</database><table>query_log</table><flush_interval_milliseconds>500</flush_interval_milliseconds></query_log>
</yandex>
"#
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("users.xml"),
        format!(
            r#"<?xml version="1.0"?>
<yandex>
  <profiles><default><log_queries>1</log_queries></default></profiles>
  <users><default><password>{PASSWORD}</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
"#
        ),
    )
    .unwrap();
    let child = Command::new(program)
        .args(pre)
        .arg(format!("--config-file={root}/config.xml"))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, http, _dir: dir };
    let started = Instant::now();
    while sql(&server, "SELECT 1", None).is_err() {
        assert!(started.elapsed() < Duration::from_secs(90), "clickhouse-server did not start");
        std::thread::sleep(Duration::from_millis(250));
    }
    Some(server)
}

/// Run one statement (with `body` as its data), as the test's own client.
fn sql(server: &Server, query: &str, body: Option<String>) -> Result<String, String> {
    let client = reqwest::blocking::Client::new();
    let mut url = reqwest::Url::parse(&format!("http://127.0.0.1:{}/", server.http)).unwrap();
    url.query_pairs_mut().append_pair("query", query);
    let answer = client
        .post(url)
        .header("X-ClickHouse-User", "default")
        .header("X-ClickHouse-Key", PASSWORD)
        .body(body.unwrap_or_default())
        .send()
        .map_err(|e| e.to_string())?;
    let ok = answer.status().is_success();
    let text = answer.text().map_err(|e| e.to_string())?;
    if ok { Ok(text) } else { Err(text) }
}

/// A table of raw records (one JSON record a row) with its time column: the
/// case's `records` among `unrelated` others.
fn load_table(server: &Server, table: &str, records: &[Value], unrelated: usize) {
    sql(server, &format!("DROP TABLE IF EXISTS logs.{table}"), None).unwrap();
    sql(server, &format!("CREATE TABLE logs.{table} (ts DateTime, raw String) ENGINE = MergeTree ORDER BY ts"), None)
        .unwrap();
    let row =
        |time: &str, raw: &str| format!("{}\n", json!({ "ts": time.replace('T', " ").replace('Z', ""), "raw": raw }));
    let mut rows: String = records.iter().map(|r| row(r["eventTime"].as_str().unwrap(), &r.to_string())).collect();
    for i in 0..unrelated {
        let (time, raw) = unrelated_record(i);
        rows.push_str(&row(&time, &raw));
    }
    sql(server, &format!("INSERT INTO logs.{table} FORMAT JSONEachRow"), Some(rows)).unwrap();
}

/// A CloudTrail record of keys and callers that have nothing to do with the
/// case (its own address, time and ids), and its time.
fn unrelated_record(i: usize) -> (String, String) {
    let time = format!("2026-04-{:02}T{:02}:{:02}:{:02}Z", 1 + i % 28, i % 24, i % 60, (i / 7) % 60);
    let raw = format!(
        r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","principalId":"AIDA{i:016}","arn":"arn:aws:iam::123456789012:user/svc-{}","accountId":"123456789012","accessKeyId":"AKIAUNRELATED{:07}","userName":"svc-{}"}},"eventTime":"{time}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"{}.{}.{}.{}","userAgent":"aws-cli/2.15","requestParameters":{{"bucketName":"b","key":"k{i}"}},"responseElements":null,"requestID":"{:016X}","eventID":"{i:08x}-aa11-4bb2-9cc3-{:012x}","readOnly":true,"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012"}}"#,
        i % 97,
        i % 5003,
        i % 97,
        1 + i % 223,
        (i >> 8) % 256,
        i % 256,
        (i * 7) % 256,
        i * 7919,
        i * 104_729
    );
    (time, raw)
}

/// The demo's CloudTrail records, from its `{"Records":[…]}` files.
fn demo_records(logs: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut stack = vec![logs.join("AWSLogs")];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            stack.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
        } else {
            let mut text = String::new();
            flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap()).read_to_string(&mut text).unwrap();
            let doc: Value = serde_json::from_str(&text).unwrap();
            out.extend(doc["Records"].as_array().unwrap().iter().cloned());
        }
    }
    out
}

/// `leakline report --format json` with these sources; its JSON, or, when the
/// table could not be read, the reason its input was rejected for (the report
/// still comes out, and the exit status is 3).
fn report(state: &Path, args: &[String], password: &str) -> Result<Value, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .arg("report")
        .args(args)
        .args(["--format", "json"])
        .env("XDG_STATE_HOME", state)
        .env("CLICKHOUSE_PASSWORD", password)
        .env_remove("CLICKHOUSE_USER")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(password), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let table =
        doc["inputs"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().starts_with("clickhouse://"));
    match table.and_then(|t| t["errors"].as_array()).and_then(|e| e.first()) {
        None => {
            assert!(out.status.success(), "{stderr}");
            Ok(doc)
        }
        Some(rejected) => {
            assert_eq!(out.status.code(), Some(3), "{stderr}");
            assert!(!doc.to_string().contains(password));
            Err(rejected["message"].as_str().unwrap().to_string())
        }
    }
}

/// Replays as the case states them, without where each record was read from.
fn replays(doc: &Value) -> Vec<Value> {
    doc["replays"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            for place in ["origin", "evidence", "event_id"] {
                r.as_object_mut().unwrap().remove(place);
            }
            r
        })
        .collect()
}

/// What the server's log says leakline's queries on `table` returned, in order.
fn returned(server: &Server, table: &str) -> Vec<u64> {
    sql(server, "SYSTEM FLUSH LOGS", None).unwrap();
    let text = sql(
        server,
        &format!(
            "SELECT result_rows FROM system.query_log WHERE type = 2 AND http_user_agent LIKE 'leakline/%' \
             AND query LIKE '%logs`.`{table}`%' AND query NOT LIKE '%LIMIT 1 FORMAT%' ORDER BY event_time, query_start_time FORMAT TSV"
        ),
        None,
    )
    .unwrap();
    text.lines().map(|l| l.parse().unwrap()).collect()
}

fn address(server: &Server, table: &str) -> String {
    format!("clickhouse://127.0.0.1:{}/logs.{table}?column=raw&time=ts", server.http)
}

#[test]
fn a_clickhouse_table_gives_the_replays_its_files_give_and_returns_only_the_case_s_rows() {
    let Some(server) = start() else { return };
    sql(&server, "CREATE DATABASE IF NOT EXISTS logs", None).unwrap();
    let state = tempfile::tempdir().unwrap();

    // The demo incident's CloudTrail records, mixed into 330,000 unrelated ones.
    let demo = common::demo_dir();
    let case = demo_records(&demo.path().join("logs"));
    load_table(&server, "trail", &case, 330_000);
    let scans = demo.path().join("scans").display().to_string();
    let files = report(
        state.path(),
        &["--scan".into(), scans.clone(), "--audit".into(), demo.path().join("logs/AWSLogs").display().to_string()],
        PASSWORD,
    )
    .unwrap();
    let table =
        report(state.path(), &["--scan".into(), scans.clone(), "--audit".into(), address(&server, "trail")], PASSWORD)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(!replays(&files).is_empty());
    assert_eq!(replays(&table), replays(&files));
    let input = table["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().starts_with("clickhouse://"))
        .unwrap();
    assert!(input["sha256"].is_null());
    let answered = returned(&server, "trail");
    assert_eq!(answered.len(), 1, "{answered:?}");
    // Of 330,000 and more rows, the server sent back only records of the demo's own.
    assert!(answered[0] > 0 && answered[0] <= case.len() as u64, "{answered:?} of {}", case.len());
    assert_eq!(input["records"].as_u64(), Some(answered[0]));

    // A leaked key that made another: the second round asks only for the new key.
    let leaked = "AKIAFIXPOINTLEAK0001";
    let made = "AKIAFIXPOINTMADE0002";
    let call = |n: u32, key: &str, at: &str, ip: &str, name: &str, response: Value| {
        json!({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAFIXPOINT","arn":"arn:aws:iam::123456789012:user/agent",
          "accountId":"123456789012","accessKeyId":key,"userName":"agent"},"eventTime":at,"eventSource":"iam.amazonaws.com",
          "eventName":name,"awsRegion":"us-east-1","sourceIPAddress":ip,"userAgent":"aws-cli/2.15","requestParameters":{"userName":"agent"},
          "responseElements":response,"requestID":format!("req-{n}"),"eventID":format!("evt-{n}"),"eventType":"AwsApiCall",
          "recipientAccountId":"123456789012"})
    };
    let incident = [
        call(1, leaked, "2026-04-01T09:00:00Z", "10.0.0.1", "ListUsers", Value::Null),
        call(
            2,
            leaked,
            "2026-04-12T03:00:00Z",
            "203.0.113.9",
            "CreateAccessKey",
            json!({"accessKey":{"accessKeyId":made,"status":"Active","userName":"agent","createDate":"2026-04-12T03:00:00Z"}}),
        ),
        call(3, made, "2026-04-12T03:05:00Z", "203.0.113.9", "ListSecrets", Value::Null),
        call(4, made, "2026-04-12T03:06:00Z", "203.0.113.9", "GetSecretValue", Value::Null),
    ];
    load_table(&server, "fix", &incident, 20_000);
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("gitleaks.json");
    std::fs::write(&scan, json!([{"Description":"AWS","StartLine":3,"EndLine":3,"StartColumn":1,"EndColumn":40,
        "Match":format!("aws_access_key_id = {leaked}"),"Secret":leaked,"File":"config/prod.env","Commit":"","Entropy":3.5,
        "Author":"","Email":"","Date":"2026-04-10T00:00:00Z","Message":"","Tags":[],"RuleID":"aws-access-token",
        "Fingerprint":"config/prod.env:aws-access-token:3"}]).to_string()).unwrap();
    let trail = dir.path().join("trail.jsonl");
    std::fs::write(&trail, incident.iter().map(|r| format!("{r}\n")).collect::<String>()).unwrap();
    let scan = scan.display().to_string();
    let files =
        report(state.path(), &["--scan".into(), scan.clone(), "--audit".into(), trail.display().to_string()], PASSWORD)
            .unwrap();
    let table =
        report(state.path(), &["--scan".into(), scan.clone(), "--audit".into(), address(&server, "fix")], PASSWORD)
            .unwrap();
    assert_eq!(replays(&table), replays(&files));
    assert!(
        replays(&table).iter().any(|r| r["action"].as_str().is_some_and(|a| a.ends_with("GetSecretValue"))),
        "{:#}",
        table["replays"]
    );
    // Round one: the leaked key's records; round two: only the made key's.
    assert_eq!(returned(&server, "fix"), vec![2, 2]);

    // Through the library, each query tells the watcher (the TUI's Sources pane) how it goes.
    // SAFETY: this binary's one test; the variable is set before any thread reads it.
    unsafe { std::env::set_var("CLICKHOUSE_PASSWORD", PASSWORD) };
    let notes = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        scan: vec![scan.clone()],
        audit: vec![address(&server, "fix")],
        ..Default::default()
    })
    .unwrap();
    let heard = notes.clone();
    session.options.progress = leakline::ingest::progress::Progress::new(move |path, note| {
        heard.lock().unwrap().push(format!("{path}: {note}"));
    });
    let case = session.case(common::now()).unwrap();
    assert!(case.replays.iter().any(|r| r.access.action.ends_with("GetSecretValue")));
    let notes = notes.lock().unwrap().join("\n");
    let table = format!("clickhouse://127.0.0.1:{}/logs.fix", server.http);
    assert!(notes.contains(&format!("{table}: asking for ")), "{notes}");
    assert!(notes.contains(&format!("{table}: 4 rows returned")), "{notes}");

    // What goes wrong says so in one line, and never shows the password.
    let refused =
        report(state.path(), &["--scan".into(), scan.clone(), "--audit".into(), address(&server, "fix")], "wrong-pw")
            .unwrap_err();
    assert!(refused.contains("refused the user and password") && !refused.contains("wrong-pw"), "{refused}");
    assert_eq!(refused.lines().count(), 1, "{refused}");
    let missing =
        report(state.path(), &["--scan".into(), scan.clone(), "--audit".into(), address(&server, "nope")], PASSWORD)
            .unwrap_err();
    assert!(missing.contains("no such table") && missing.contains("nope"), "{missing}");
    let port = free_port();
    let closed = report(
        state.path(),
        &[
            "--scan".into(),
            scan.clone(),
            "--audit".into(),
            format!("clickhouse://127.0.0.1:{port}/logs.fix?column=raw&kind=cloudtrail"),
        ],
        PASSWORD,
    )
    .unwrap_err();
    assert!(closed.contains("could not be reached"), "{closed}");
    let dropped = dropping_server();
    let cut = report(
        state.path(),
        &[
            "--scan".into(),
            scan,
            "--audit".into(),
            format!("clickhouse://127.0.0.1:{dropped}/logs.fix?column=raw&kind=cloudtrail"),
        ],
        PASSWORD,
    )
    .unwrap_err();
    assert!(cut.contains("connection dropped after 1 rows"), "{cut}");
}

/// A server that answers like ClickHouse, sends one row and part of another, and hangs up.
fn dropping_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut request = vec![0u8; 1 << 16];
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let _ = stream.read(&mut request);
            let row = br#"{"eventVersion":"1.09"}"#;
            let mut body = vec![row.len() as u8];
            body.extend_from_slice(row);
            body.extend_from_slice(&[200, 1, b'{']);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
            let _ = stream.write_all(b"\r\n");
            // No last chunk: the connection ends mid-answer.
        }
    });
    port
}
