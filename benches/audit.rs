//! CloudTrail at scale, as a real trail holds it: a JSON-lines file of 1 GB and
//! more (built once in the target folder) where every record has its own
//! address, time, request id, event id and principal id. Read by `leakline
//! check` (every record parsed into the access model) and by `leakline report`
//! with scanner output naming one key (the prefilter parses only the lines that
//! can concern the case) on a fresh case and again once a second key is found
//! (the trail's digest then comes from the case store), against `grep -c KEY`
//! as the floor and `jq` selecting the key's records; and the SHA-256 a first
//! report takes of every byte read, alone. `check` shows no digest, takes none.
//! Run with `cargo bench --bench audit`; prints the median of five runs of each
//! (times, throughput, peak memory and ratios).
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

const TARGET_BYTES: u64 = 1 << 30;
const KEY: &str = "AKIA4NWTBENCHKEY0042";
const RUNS: usize = 5;

/// The run of median time, with its peak memory.
fn median(runs: &mut [(f64, Option<f64>)]) -> (f64, Option<f64>) {
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    runs[runs.len() / 2]
}

/// A spread of IPv4 addresses, one per record as in a real trail: `i` through
/// a bijection of u32, so no two records share one.
fn address(i: usize) -> String {
    let a = (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) ^ 0x5bd1_e995;
    let [w, x, y, z] = a.to_be_bytes();
    format!("{}.{x}.{y}.{z}", 1 + w % 223)
}

/// `2026-04-01T00:00:00Z` plus `i` seconds: every record its own time.
fn event_time(i: usize) -> String {
    let (d, s) = (i / 86_400, i % 86_400);
    format!("2026-{:02}-{:02}T{:02}:{:02}:{:02}Z", 4 + d / 28, 1 + d % 28, s / 3600, s / 60 % 60, s % 60)
}

/// The SDKs and versions a real account's callers send (a few dozen, not one).
fn user_agent(i: usize) -> String {
    match i % 4 {
        0 => format!(
            "aws-cli/2.15.{} md/awscrt#0.19.19 ua/2.0 os/linux#6.6.{} md/arch#x86_64 lang/python#3.11.8",
            i % 7,
            i % 5
        ),
        1 => format!(
            "Boto3/1.34.{0} md/Botocore#1.34.{0} ua/2.0 os/linux#5.10.215 md/arch#x86_64 lang/python#3.11.9 cfg/retry-mode#legacy Botocore/1.34.{0}",
            80 + i % 9
        ),
        2 => format!("aws-sdk-go-v2/1.26.{} os/linux lang/go#1.22.{} md/GOOS#linux md/GOARCH#amd64 api/s3#1.53.1", i % 3, i % 4),
        _ => "[S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.216 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372 vendor/Oracle_Corporation cfg/retry-mode/standard]".to_string(),
    }
}

/// One CloudTrail record as a real trail holds it: the request id, event id,
/// address, time and principal id of every record its own.
fn record(i: usize) -> String {
    let key = if i.is_multiple_of(211) { KEY.to_string() } else { format!("AKIA4NWTBENCH{:07}", i % 50_003) };
    let identity = match i % 4 {
        0 => format!(
            r#"{{"type":"IAMUser","principalId":"AIDA{i:016}","arn":"arn:aws:iam::123456789012:user/svc-{}","accountId":"123456789012","accessKeyId":"{key}","userName":"svc-{}"}}"#,
            i % 97,
            i % 97
        ),
        1 => format!(
            r#"{{"type":"AssumedRole","principalId":"AROA{i:016}:session-{i}","arn":"arn:aws:sts::123456789012:assumed-role/app-{}/session-{i}","accountId":"123456789012","accessKeyId":"ASIA{:016}","sessionContext":{{"sessionIssuer":{{"type":"Role","principalId":"AROA{:016}","arn":"arn:aws:iam::123456789012:role/app-{}","accountId":"123456789012","userName":"app-{}"}},"webIdFederationData":{{}},"attributes":{{"creationDate":"{}","mfaAuthenticated":"false"}}}}}}"#,
            i % 13,
            i * 31,
            i % 13,
            i % 13,
            i % 13,
            event_time(i.saturating_sub(600))
        ),
        2 => r#"{"type":"AWSService","invokedBy":"lambda.amazonaws.com"}"#.to_string(),
        _ => format!(
            r#"{{"type":"IAMUser","principalId":"AIDA{i:016}","arn":"arn:aws:iam::123456789012:user/dev-{}","accountId":"123456789012","accessKeyId":"{key}","userName":"dev-{}"}}"#,
            i % 53,
            i % 53
        ),
    };
    let (name, source, params) = match i % 5 {
        0 => (
            "GetObject",
            "s3",
            format!(
                r#"{{"bucketName":"data-{}","key":"tickets/{i}/attachment.pdf","Host":"data.s3.eu-west-1.amazonaws.com"}}"#,
                i % 17
            ),
        ),
        1 => (
            "GetSecretValue",
            "secretsmanager",
            format!(
                r#"{{"secretId":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/app-{}-AbC123"}}"#,
                i % 29
            ),
        ),
        2 => (
            "DescribeInstances",
            "ec2",
            format!(r#"{{"instancesSet":{{"items":[{{"instanceId":"i-0{i:016x}"}}]}},"filterSet":{{}}}}"#),
        ),
        3 => (
            "AssumeRole",
            "sts",
            format!(
                r#"{{"roleArn":"arn:aws:iam::123456789012:role/app-{}","roleSessionName":"s{i}","durationSeconds":3600}}"#,
                i % 13
            ),
        ),
        _ => (
            "PutObject",
            "s3",
            format!(r#"{{"bucketName":"logs","key":"{i}.json","x-amz-server-side-encryption":"aws:kms"}}"#),
        ),
    };
    let error = if i.is_multiple_of(97) {
        r#","errorCode":"AccessDenied","errorMessage":"User is not authorized to perform this action""#
    } else {
        ""
    };
    format!(
        r#"{{"eventVersion":"1.09","userIdentity":{identity},"eventTime":"{}","eventSource":"{source}.amazonaws.com","eventName":"{name}","awsRegion":"eu-west-1","sourceIPAddress":"{}","userAgent":"{}","requestParameters":{params},"responseElements":null,"additionalEventData":{{"SignatureVersion":"SigV4","CipherSuite":"ECDHE-RSA-AES128-GCM-SHA256","bytesTransferredIn":0,"AuthenticationMethod":"AuthHeader","x-amz-id-2":"{:x}/{:x}=","bytesTransferredOut":{}}},"requestID":"{:016X}","eventID":"{:08x}-aa11-4bb2-9cc3-{:012x}","readOnly":true,"resources":[{{"type":"AWS::S3::Object","ARN":"arn:aws:s3:::data/{i}"}},{{"accountId":"123456789012","type":"AWS::S3::Bucket","ARN":"arn:aws:s3:::data"}}],"eventType":"AwsApiCall","managementEvent":false,"recipientAccountId":"123456789012","eventCategory":"Data","tlsDetails":{{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"{source}.eu-west-1.amazonaws.com"}}{error}}}"#,
        event_time(i),
        address(i),
        user_agent(i),
        (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        i * 7919,
        i * 37 % 100_000,
        (i as u64).wrapping_mul(0x2545_F491_4F6C_DD1D),
        i,
        i * 104_729
    )
}

fn build(path: &Path) -> (u64, usize) {
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let (mut bytes, mut n) = (0u64, 0usize);
    while bytes < TARGET_BYTES || n < 1_000_000 {
        let line = record(n);
        out.write_all(line.as_bytes()).unwrap();
        out.write_all(b"\n").unwrap();
        bytes += line.len() as u64 + 1;
        n += 1;
    }
    out.flush().unwrap();
    (bytes, n)
}

/// Wall time and, where /usr/bin/time is present, peak resident memory in MB.
fn timed(program: &str, args: &[&str]) -> (f64, Option<f64>, String) {
    let has_time = Path::new("/usr/bin/time").exists();
    let t = Instant::now();
    let out = if has_time {
        Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(program)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
    } else {
        Command::new(program).args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).output()
    }
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let rss = has_time
        .then(|| stderr.lines().last().and_then(|l| l.trim().parse::<f64>().ok()).map(|kb| kb / 1024.0))
        .flatten();
    (secs, rss, String::from_utf8_lossy(&out.stdout).to_string())
}

/// Scanner output naming the bench's keys, as gitleaks writes it: `report`
/// then knows the case's credentials and prefilters the trail.
fn scan_file(dir: &Path, keys: &[&str]) -> String {
    let path = dir.join("bench-gitleaks.json");
    let findings: Vec<String> = keys
        .iter()
        .enumerate()
        .map(|(line, key)| format!(
            r#"{{"Description":"AWS","StartLine":{line},"EndLine":{line},"StartColumn":1,"EndColumn":40,"Match":"aws_access_key_id = {key}","Secret":"{key}","File":"config/prod.env","Commit":"","Entropy":3.5,"Author":"","Email":"","Date":"","Message":"","Tags":[],"RuleID":"aws-access-token","Fingerprint":"config/prod.env:aws-access-token:{line}"}}"#
        ))
        .collect();
    std::fs::write(&path, format!("[{}]", findings.join(","))).unwrap();
    path.display().to_string()
}

/// `leakline report`, with a fresh case store (`fresh`: nothing is taken from
/// an earlier run) or the last run's (its digest of the unchanged trail).
fn report(dir: &Path, file: &str, scan: &str, fresh: bool) -> (f64, Option<f64>) {
    let state = dir.join("bench-state");
    if fresh {
        let _ = std::fs::remove_dir_all(&state);
    }
    // SAFETY: a single-threaded benchmark sets its own child's environment before spawning it.
    unsafe { std::env::set_var("XDG_STATE_HOME", &state) };
    let args =
        ["report", "--audit", &format!("cloudtrail:{file}"), "--scan", &format!("gitleaks:{scan}"), "--format", "json"];
    let (secs, rss, _) = timed(env!("CARGO_BIN_EXE_leakline"), &args);
    (secs, rss)
}

fn main() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join("cloudtrail-1g-real.jsonl");
    if !path.exists() {
        eprintln!("writing {} …", path.display());
        build(&path);
    }
    let bytes = std::fs::metadata(&path).unwrap().len();
    let gb = bytes as f64 / (1u64 << 30) as f64;
    let file = path.to_str().unwrap();
    // Warm the page cache so that every tool reads from memory alike.
    let _ = Command::new("cat").arg(file).stdout(Stdio::null()).status();
    // Each command five times in turn, the median kept: a shared machine's noise is ±15% on one run.
    let (mut checks, mut firsts, mut agains, mut greps) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut records, mut count) = (String::new(), String::new());
    for _ in 0..RUNS {
        let (secs, rss, out) =
            timed(env!("CARGO_BIN_EXE_leakline"), &["check", "--audit", &format!("cloudtrail:{file}")]);
        records = out.split_whitespace().nth(1).unwrap_or("?").to_string();
        checks.push((secs, rss));
        firsts.push(report(dir, file, &scan_file(dir, &[KEY]), true));
        // The scanner found a second key: the case is read again, its digest of the unchanged trail kept.
        agains.push(report(dir, file, &scan_file(dir, &[KEY, "AKIA4NWTBENCHKEY0777"]), false));
        let (secs, _, out) = timed("grep", &["-c", KEY, file]);
        count = out;
        greps.push((secs, None));
    }
    let ((ours, rss), (prefiltered, prefiltered_rss)) = (median(&mut checks), median(&mut firsts));
    let ((again, again_rss), (grep, _)) = (median(&mut agains), median(&mut greps));
    // The digest every read takes of its bytes (`inputs[].sha256`), alone: one core's floor.
    let started = Instant::now();
    leakline::ingest::digest::of_reader(std::fs::File::open(&path).unwrap()).unwrap();
    let digest = started.elapsed().as_secs_f64();
    println!(
        "CloudTrail JSON lines as a real trail holds them (every record its own address, time, ids): {:.2} GB, {records} records ({} of key {KEY})",
        gb,
        count.trim()
    );
    let mb = |s: f64| bytes as f64 / 1e6 / s;
    let peak = |r: Option<f64>| r.map_or("?".into(), |m| format!("{m:.0} MB"));
    println!("  grep -c KEY (the floor):         {grep:>7.2} s  {:>6.0} MB/s", mb(grep));
    println!(
        "  leakline check (full parse):     {ours:>7.2} s  {:>6.0} MB/s  peak {}  check / grep = {:.2}  (target ≤ 2)",
        mb(ours),
        peak(rss),
        ours / grep
    );
    println!(
        "  leakline report (prefiltered, first read):   {prefiltered:>7.2} s  {:>6.0} MB/s  peak {}  report / grep = {:.2}  (target ≤ 1)",
        mb(prefiltered),
        peak(prefiltered_rss),
        prefiltered / grep
    );
    println!(
        "  leakline report, a second key (trail digested before): {again:>5.2} s  {:>6.0} MB/s  peak {}  report / grep = {:.2}  (target ≤ 1)",
        mb(again),
        peak(again_rss),
        again / grep
    );
    println!(
        "  SHA-256 of the file alone (the digest a first report takes of every byte, one core): {digest:>5.2} s  {:>6.0} MB/s  digest / grep = {:.2}",
        mb(digest),
        digest / grep
    );
    if Command::new("jq").arg("--version").stdout(Stdio::null()).status().is_ok_and(|s| s.success()) {
        let filter = format!("select(.userIdentity.accessKeyId==\"{KEY}\")");
        let (jq, _, _) = timed("jq", &["-c", &filter, file]);
        println!(
            "  jq -c '{filter}': {:>7.2} s  {:>6.0} MB/s  leakline check is {:.1}x jq's throughput  (target ≥ 20)",
            jq,
            mb(jq),
            jq / ours
        );
    } else {
        println!("  jq not found: no comparison");
    }
}
