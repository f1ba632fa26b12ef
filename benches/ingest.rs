//! Ingest speed on generated evidence, against the tools a responder would run
//! otherwise: `git log -p --first-parent` for history, `zcat | jq` for CloudTrail.
//! Run with `cargo bench --bench ingest`; prints figures, asserts nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use git2::{Repository, Signature, Time};
use leakline::ingest::{ReadOptions, SourceSpec, load};

const COMMITS: usize = 3_000;
const TRAIL_FILES: usize = 40;
const RECORDS_PER_FILE: usize = 5_000;

fn best_of<F: FnMut()>(runs: usize, mut f: F) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn build_repo(dir: &Path) {
    let repo = Repository::init(dir).unwrap();
    let mut parent: Option<git2::Oid> = None;
    let mut requirements = String::from("fastapi==0.110.0\n");
    for i in 0..COMMITS {
        let mut tb = repo.treebuilder(None).unwrap();
        if i % 10 == 0 {
            requirements = format!("fastapi==0.110.0\nlangchain==0.1.{}\nopenai==1.{}.0\n", i / 10, i / 20);
        }
        let code =
            format!("import os\n\nKEY_{i} = os.environ[\"SERVICE_{i}_API_KEY\"]\n{}\n", "x = 1\n".repeat(i % 50));
        let req = repo.blob(requirements.as_bytes()).unwrap();
        let py = repo.blob(code.as_bytes()).unwrap();
        let mut app = repo.treebuilder(None).unwrap();
        app.insert(format!("mod_{}.py", i % 40), py, 0o100644).unwrap();
        if let Some(p) = parent {
            let prev = repo.find_commit(p).unwrap().tree().unwrap();
            if let Some(e) = prev.get_name("app") {
                let old = repo.find_tree(e.id()).unwrap();
                for entry in old.iter() {
                    if entry.name().ok() != Some(format!("mod_{}.py", i % 40).as_str()) {
                        app.insert(entry.name().unwrap(), entry.id(), 0o100644).unwrap();
                    }
                }
            }
        }
        tb.insert("app", app.write().unwrap(), 0o040000).unwrap();
        tb.insert("requirements.txt", req, 0o100644).unwrap();
        let tree = repo.find_tree(tb.write().unwrap()).unwrap();
        let sig = Signature::new("Dev", "dev@example.com", &Time::new(1_700_000_000 + i as i64 * 600, 0)).unwrap();
        let parents: Vec<git2::Commit> = parent.map(|p| repo.find_commit(p).unwrap()).into_iter().collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(repo.commit(Some("HEAD"), &sig, &sig, &format!("change {i}"), &tree, &refs).unwrap());
    }
}

fn build_cloudtrail(dir: &Path) {
    for f in 0..TRAIL_FILES {
        let records: Vec<serde_json::Value> = (0..RECORDS_PER_FILE)
            .map(|r| {
                serde_json::json!({"eventVersion": "1.09", "eventTime": format!("2026-04-{:02}T{:02}:{:02}:00Z", 1 + f % 28, r % 24, r % 60),
                    "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "eu-west-1",
                    "sourceIPAddress": format!("52.18.{}.{}", f, r % 250), "userAgent": "Boto3/1.34.84 md/Botocore#1.34.84",
                    "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/svc", "accessKeyId": "AKIAEXAMPLEKEY000001"},
                    "requestParameters": {"bucketName": "b", "key": format!("k/{r}")}, "eventID": format!("{f}-{r}")})
            })
            .collect();
        let body = serde_json::json!({ "Records": records }).to_string();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(body.as_bytes()).unwrap();
        std::fs::write(dir.join(format!("trail-{f:03}.json.gz")), gz.finish().unwrap()).unwrap();
    }
}

fn run(cmd: &str, dir: &Path) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let trail = tmp.path().join("trail");
    std::fs::create_dir_all(&trail).unwrap();
    build_repo(&repo);
    build_cloudtrail(&trail);
    let options = ReadOptions::default();

    let ours = best_of(3, || {
        load(&SourceSpec::Repo(repo.clone()), &options).unwrap();
    });
    let git_cli = run("git --version", &repo).then(|| {
        best_of(3, || {
            run("git log -p --first-parent --no-color HEAD > /dev/null", &repo);
        })
    });
    println!("git history, {COMMITS} commits");
    println!("  leakline (dependency changes + reachability rules): {:>8.1} ms", ours.as_secs_f64() * 1e3);
    match git_cli {
        Some(g) => println!(
            "  git log -p --first-parent (text only, no analysis): {:>8.1} ms  ratio {:.2}x",
            g.as_secs_f64() * 1e3,
            ours.as_secs_f64() / g.as_secs_f64()
        ),
        None => println!("  git CLI not found; no comparison"),
    }

    let records = TRAIL_FILES * RECORDS_PER_FILE;
    let ours = best_of(3, || {
        let ev = load(&SourceSpec::Audit(None, trail.clone()), &options).unwrap();
        assert_eq!(ev.accesses.len(), records);
    });
    println!("CloudTrail, {records} records in {TRAIL_FILES} gzip files");
    println!(
        "  leakline (parse + normalise):        {:>8.1} ms  {:>9.0} records/s",
        ours.as_secs_f64() * 1e3,
        records as f64 / ours.as_secs_f64()
    );
    if run("jq --version", &trail) {
        let jq = best_of(3, || {
            run("zcat *.json.gz | jq -c '.Records[]' | wc -l", &trail);
        });
        println!(
            "  zcat | jq -c '.Records[]' | wc -l:   {:>8.1} ms  ratio {:.2}x",
            jq.as_secs_f64() * 1e3,
            ours.as_secs_f64() / jq.as_secs_f64()
        );
    } else {
        println!("  jq not found; no comparison");
    }
}
