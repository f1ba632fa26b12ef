//! ClickHouse addresses that answer badly, against local stand-ins speaking
//! the HTTP interface's shape (a POST, then `RowBinary` rows of one String
//! column): a server that stalls, refuses, echoes the password or answers
//! what is not rows is one rejected input with its reason, the rest of the
//! report still comes out, and no raw row is left on disk, however the
//! process ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const PASSWORD: &str = "hunter";
/// A leaked value the rows carry, as a user agent would.
const LEAKED: &str = "sk-proj-RawRowCanary0123456789abcdefghijklmnopqrstuvwxyzABCD";

/// A CloudTrail record, one of the rows a table would return.
fn record(n: usize) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"2026-04-15T10:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{}","userAgent":"agent {LEAKED}","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/svc","accessKeyId":"AKIA4NWTDEMOLEAKQ5XZ"}},"eventID":"row-{n:05}"}}"#,
        (n / 60) % 60,
        n % 60,
        n % 250
    )
}

/// Rows as `RowBinary` sends a String column: a LEB128 length, then the bytes.
fn row_binary(rows: impl Iterator<Item = String>) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        let mut len = r.len();
        while len >= 0x80 {
            out.push((len as u8 & 0x7f) | 0x80);
            len >>= 7;
        }
        out.push(len as u8);
        out.extend_from_slice(r.as_bytes());
    }
    out
}

/// A stand-in that reads each request whole, then lets `answer` write the reply;
/// each request's text is sent on the returned channel.
fn server(answer: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let answer = std::sync::Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let (tx, answer) = (tx.clone(), answer.clone());
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
                let mut request = Vec::new();
                let mut buf = [0; 1 << 16];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if request.ends_with(b"--\r\n") {
                        break;
                    }
                }
                let _ = tx.send(String::from_utf8_lossy(&request).into_owned());
                answer(&mut stream);
            });
        }
    });
    (port, rx)
}

/// The head of a streamed (chunked) answer, then one chunk of `body`.
fn chunked(stream: &mut TcpStream, content_type: &str, body: &[u8]) {
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.write_all(b"\r\n");
    let _ = stream.flush();
}

fn address(port: u16, extra: &str) -> String {
    format!("clickhouse://127.0.0.1:{port}/logs.trail?column=raw&kind=cloudtrail{extra}")
}

fn leakline(args: &[&str], state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leakline"));
    c.args(args)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CACHE_HOME", state)
        .env("CLICKHOUSE_PASSWORD", PASSWORD)
        .env_remove("CLICKHOUSE_USER")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

/// The child's output, or a failed test if it runs longer than `limit`.
fn finish(mut child: Child, limit: Duration) -> Output {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// `report --format json`: the document, the exit code, stderr.
fn report(sources: &[&str], state: &Path, limit: Duration) -> (Value, Option<i32>, String) {
    let mut args = vec!["report", "--format", "json"];
    args.extend_from_slice(sources);
    let out = finish(leakline(&args, state).spawn().unwrap(), limit);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    (doc, out.status.code(), stderr)
}

fn input<'d>(doc: &'d Value, prefix: &str) -> &'d Value {
    doc["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().is_some_and(|p| p.starts_with(prefix)))
        .unwrap_or_else(|| panic!("no input {prefix} in {:#}", doc["inputs"]))
}

/// A CloudTrail file of two records, as another source of the same report.
fn trail_file(dir: &Path) -> String {
    let path = dir.join("trail.jsonl");
    std::fs::write(&path, format!("{}\n{}\n", record(1), record(2))).unwrap();
    path.display().to_string()
}

#[test]
fn a_server_that_stalls_mid_answer_is_given_up_and_the_report_still_comes_out() {
    let (port, _) = server(|stream| {
        chunked(stream, "application/octet-stream", &row_binary((0..3).map(record)));
        std::thread::sleep(Duration::from_secs(60));
    });
    let dir = tempfile::tempdir().unwrap();
    let file = trail_file(dir.path());
    let ch = address(port, "&timeout=1");
    let (doc, code, stderr) = report(&["--audit", &file, "--audit", &ch], dir.path(), Duration::from_secs(30));
    assert_eq!(code, Some(3), "{stderr}");
    assert_eq!(input(&doc, &file)["records"], 2, "the file is read");
    let table = input(&doc, "clickhouse://");
    let errors = table["errors"].to_string();
    assert!(errors.contains("sent nothing for 1 s after 3 rows"), "{errors}");
    assert_eq!(table["records"], 0, "nothing from a cut answer is used");
}

#[test]
fn a_refusal_echoing_the_password_is_a_rejection_that_does_not() {
    let echo = format!(
        "Code: 516. DB::Exception: default: Authentication failed: password is incorrect: {PASSWORD}. (AUTHENTICATION_FAILED) (version 24.8.4.13 (official build))\n"
    );
    for status in ["401 Unauthorized", "500 Internal Server Error", "200 OK"] {
        let body = echo.clone();
        let (port, _) = server(move |stream| {
            if status == "200 OK" {
                // Met while streaming: a row, then the error where the next row's length would be.
                let mut answer = row_binary(std::iter::once(record(1)));
                answer.extend_from_slice(body.as_bytes());
                chunked(stream, "application/octet-stream", &answer);
                let _ = stream.write_all(b"0\r\n\r\n");
            } else {
                let _ = write!(stream, "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let file = trail_file(dir.path());
        let ch = address(port, "");
        let (doc, code, stderr) = report(&["--audit", &file, "--audit", &ch], dir.path(), Duration::from_secs(30));
        let everything = format!("{doc}{stderr}");
        assert!(!everything.contains(PASSWORD), "{status}: the password is shown: {everything}");
        assert_eq!(code, Some(3), "{status}: {stderr}");
        assert_eq!(input(&doc, &file)["records"], 2);
        let errors = input(&doc, "clickhouse://")["errors"].to_string();
        assert!(errors.contains("refused the user and password"), "{status}: {errors}");
    }
}

#[test]
fn an_answer_that_is_not_rows_is_called_so_and_a_dropped_one_dropped() {
    let page = "<html><body><h1>It works!</h1></body></html>\n";
    let (garbage, _) = server(move |stream| {
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{page}",
            page.len()
        );
    });
    let (dropping, _) = server(|stream| {
        let mut answer = row_binary(std::iter::once(record(1)));
        answer.extend_from_slice(&[200, 1, b'{']);
        // No last chunk: the connection ends mid-answer.
        chunked(stream, "application/octet-stream", &answer);
    });
    let dir = tempfile::tempdir().unwrap();
    for (port, says) in [
        (garbage, "the answer is not rows as ClickHouse sends them (RowBinary) (an HTML page"),
        (dropping, "the connection dropped after 1 rows"),
    ] {
        let ch = address(port, "");
        let (doc, code, stderr) = report(&["--audit", &ch], dir.path(), Duration::from_secs(30));
        assert_eq!(code, Some(3), "{stderr}");
        let errors = input(&doc, "clickhouse://")["errors"].to_string();
        assert!(errors.contains(says), "{errors}");
    }
}

#[test]
fn an_interrupted_report_leaves_no_raw_row_on_disk() {
    for signal in ["TERM", "INT"] {
        let (sent_tx, sent_rx) = mpsc::channel();
        let sent_tx = std::sync::Mutex::new(sent_tx);
        let (port, _) = server(move |stream| {
            chunked(stream, "application/octet-stream", &row_binary((0..955).map(record)));
            let _ = sent_tx.lock().unwrap().send(());
            std::thread::sleep(Duration::from_secs(60));
        });
        let state = tempfile::tempdir().unwrap();
        let tmp = tempfile::tempdir().unwrap();
        let ch = address(port, "");
        let child = leakline(&["report", "--audit", &ch], state.path()).env("TMPDIR", tmp.path()).spawn().unwrap();
        sent_rx.recv_timeout(Duration::from_secs(20)).unwrap();
        // Time to take the rows in; they are held, unnamed, while the server stalls.
        std::thread::sleep(Duration::from_millis(800));
        let named = || std::fs::read_dir(tmp.path()).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>();
        assert_eq!(named(), Vec::<std::path::PathBuf>::new(), "while reading");
        let status = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
        assert!(status.success());
        let out = finish(child, Duration::from_secs(20));
        assert!(!out.status.success());
        assert_eq!(named(), Vec::<std::path::PathBuf>::new(), "after SIG{signal}");
    }
}
