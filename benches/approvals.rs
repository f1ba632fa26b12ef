//! The approvals scan over a large history, against `git log` on the same
//! manifest paths. Builds a synthetic repository of 20,000 commits (cached in
//! the target folder), or takes any repository: `cargo bench --bench approvals
//! -- /path/to/repo`. Prints both times, their ratio and the scan's peak memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use git2::{Oid, Repository, Signature, Time, Tree};
use leakline::ingest::{ReadOptions, git};

const COMMITS: usize = 20_000;
const SERVICES: usize = 10;
const FILES: usize = 60;

/// Write `blob` at `path` under `root`, returning the new root tree.
fn put(repo: &Repository, root: Option<&Tree>, path: &[&str], blob: Oid) -> Oid {
    let mut builder = repo.treebuilder(root).unwrap();
    if path.len() == 1 {
        builder.insert(path[0], blob, 0o100644).unwrap();
    } else {
        let sub = root.and_then(|t| t.get_name(path[0])).map(|e| repo.find_tree(e.id()).unwrap());
        let id = put(repo, sub.as_ref(), &path[1..], blob);
        builder.insert(path[0], id, 0o040000).unwrap();
    }
    builder.write().unwrap()
}

fn requirements(i: usize, s: usize) -> String {
    format!(
        "fastapi==0.110.{}\nlangchain=={}.{}.{}\nopenai==1.{}.0\nrequests==2.31.0\n",
        i % 7,
        s % 2,
        i / 997 % 10,
        i % 13,
        i / 211 % 50
    )
}

fn build(dir: &Path) -> Vec<String> {
    let repo = Repository::init(dir).unwrap();
    let mut tree: Option<Oid> = None;
    let mut parent: Option<Oid> = None;
    let mut manifests = Vec::new();
    let write = |tree: &mut Option<Oid>, path: &str, text: &str| {
        let blob = repo.blob(text.as_bytes()).unwrap();
        let root = tree.map(|t| repo.find_tree(t).unwrap());
        let parts: Vec<&str> = path.split('/').collect();
        *tree = Some(put(&repo, root.as_ref(), &parts, blob));
    };
    for s in 0..SERVICES {
        for f in 0..FILES {
            write(&mut tree, &format!("services/svc{s}/app/m{f}.py"), &format!("def f{f}():\n    return {f}\n"));
        }
        let manifest = format!("services/svc{s}/requirements.txt");
        write(&mut tree, &manifest, &requirements(0, s));
        manifests.push(manifest);
        let py = format!("services/svc{s}/pyproject.toml");
        write(&mut tree, &py, &format!("[project]\nname = \"svc{s}\"\ndependencies = [\"anthropic>=0.20\"]\n"));
        manifests.push(py);
    }
    write(&mut tree, "web/package.json", "{\"dependencies\":{\"ai\":\"3.0.0\"}}");
    manifests.push("web/package.json".into());
    for i in 0..COMMITS {
        let s = i % SERVICES;
        write(&mut tree, &format!("services/svc{s}/app/m{}.py", i % FILES), &format!("def f():\n    return {i}\n"));
        if i % 7 == 0 {
            let t = (i / 7) % SERVICES;
            write(&mut tree, &format!("services/svc{t}/requirements.txt"), &requirements(i, t));
        }
        if i % 97 == 0 {
            write(
                &mut tree,
                "web/package.json",
                &format!("{{\"dependencies\":{{\"ai\":\"3.{}.0\",\"react\":\"18.2.0\"}}}}", i / 97),
            );
        }
        let sig = Signature::new(
            &format!("Dev {}", i % 40),
            &format!("dev{}@example.com", i % 40),
            &Time::new(1_600_000_000 + i as i64 * 900, 0),
        )
        .unwrap();
        let message = if i % 7 == 0 {
            format!("Bump deps in svc{} (#{i})\n\nReviewed-by: Lead <lead@example.com>\n", (i / 7) % SERVICES)
        } else {
            format!("Change {i}")
        };
        let t = repo.find_tree(tree.unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parent.map(|p| repo.find_commit(p).unwrap()).into_iter().collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(repo.commit(Some("HEAD"), &sig, &sig, &message, &t, &refs).unwrap());
    }
    manifests
}

const RUNS: usize = 5;

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// In a child process, so that its peak memory is the scan's alone.
fn child(repo: &Path) {
    let options = ReadOptions {
        threads: std::env::var("THREADS").ok().and_then(|t| t.parse().ok()).unwrap_or(0),
        ..ReadOptions::default()
    };
    // The median of several runs, as for git log below: one run on a shared
    // machine is as much noise as measure.
    let mut times = Vec::new();
    let mut ev = leakline::model::Evidence::default();
    for _ in 0..RUNS {
        let t = Instant::now();
        ev = git::read_dependency_history(repo, &options).unwrap();
        times.push(t.elapsed().as_secs_f64());
    }
    let scan = median(times);
    let t = Instant::now();
    let full = if std::env::var_os("ONLY_APPROVALS").is_some() {
        ev.clone()
    } else {
        git::read_repository(repo, &options).unwrap()
    };
    let with_rules = t.elapsed().as_secs_f64();
    let started = Instant::now();
    let first = std::sync::OnceLock::new();
    let sink = |_ev: leakline::model::Evidence| {
        first.get_or_init(|| started.elapsed().as_secs_f64());
    };
    git::read_repository_streaming(repo, &options, &sink).unwrap();
    let first_result = first.get().copied().unwrap_or(f64::NAN);
    println!(
        "{scan} {with_rules} {} {} {} {} {first_result}",
        ev.dependency_changes.len(),
        ev.inputs[0].records,
        peak_rss_mb(),
        full.grants.len()
    );
}

/// The files at HEAD that reachability rules read.
fn rule_paths(repo: &Path) -> Vec<String> {
    let repo = Repository::open(repo).unwrap();
    let tree = repo.head().unwrap().peel_to_tree().unwrap();
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        let path = format!("{dir}{}", e.name().unwrap_or(""));
        if e.kind() == Some(git2::ObjectType::Blob) && leakline::ingest::git::reachability::applies_to(&path, &[]) {
            out.push(path);
        }
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    out
}

fn manifest_paths(repo: &Path) -> Vec<String> {
    let repo = Repository::open(repo).unwrap();
    let tree = repo.head().unwrap().peel_to_tree().unwrap();
    let mut out = Vec::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, e| {
        let path = format!("{dir}{}", e.name().unwrap_or(""));
        if e.kind() == Some(git2::ObjectType::Blob)
            && leakline::ingest::git::manifests::ecosystem(&path).is_some()
            && !path.contains("node_modules/")
        {
            out.push(path);
        }
        git2::TreeWalkResult::Ok
    })
    .unwrap();
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    if args.first().map(String::as_str) == Some("--child") {
        child(Path::new(&args[1]));
        return;
    }
    let (repo, manifests): (PathBuf, Vec<String>) = match args.first() {
        Some(path) => (PathBuf::from(path), manifest_paths(Path::new(path))),
        None => {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("approvals-{COMMITS}"));
            if !dir.join(".git").exists() {
                let _ = std::fs::remove_dir_all(&dir);
                eprintln!("building a synthetic repository of {COMMITS} commits in {} …", dir.display());
                build(&dir);
                // A real repository is packed, with deltas: so is this one.
                let packed =
                    Command::new("git").arg("-C").arg(&dir).args(["-c", "gc.auto=0", "repack", "-adq"]).status();
                assert!(packed.is_ok_and(|s| s.success()), "git repack");
            }
            let manifests = manifest_paths(&dir);
            (dir, manifests)
        }
    };
    let mut status = Ok(std::process::ExitStatus::default());
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        status = Command::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["log", "--format=%H %an %ae %at", "--"])
            .args(&manifests)
            .stdout(Stdio::null())
            .status();
        times.push(t.elapsed().as_secs_f64());
    }
    let git_log = median(times);
    let mut paths = manifests.clone();
    paths.extend(rule_paths(&repo));
    let t = Instant::now();
    let patches = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["log", "-p", "--first-parent", "--format=%H %an %ae %at", "--"])
        .args(&paths)
        .stdout(Stdio::null())
        .status();
    let git_log_p = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let _ = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["log", "-p", "--first-parent", "--format=%H %an %ae %at"])
        .stdout(Stdio::null())
        .status();
    let git_log_p_all = t.elapsed().as_secs_f64();
    let out = Command::new(std::env::current_exe().unwrap()).arg("--child").arg(&repo).output().unwrap();
    let fields: Vec<f64> =
        String::from_utf8_lossy(&out.stdout).split_whitespace().filter_map(|f| f.parse().ok()).collect();
    let [scan, with_rules, changes, commits, rss, grants, first] = fields[..] else {
        panic!("child failed: {}", String::from_utf8_lossy(&out.stderr));
    };
    println!("repository: {} ({commits} commits, {} manifest paths)", repo.display(), manifests.len());
    println!(
        "  leakline approvals scan (versions parsed, approvers attributed): {:>8.0} ms, {changes} changes, peak {rss:.0} MB (median of {RUNS})",
        scan * 1e3
    );
    println!(
        "  leakline full history read (with reachability rules):           {:>8.0} ms, {grants} grants",
        with_rules * 1e3
    );
    println!("  first results handed to the TUI after:                          {:>8.0} ms", first * 1e3);
    if status.is_ok_and(|s| s.success()) {
        println!(
            "  git log --format='%H %an %ae %at' -- <manifests>:                {:>8.0} ms (median of {RUNS})",
            git_log * 1e3
        );
        println!("  ratio approvals scan / git log: {:.2}  (target ≤ 0.50)", scan / git_log);
    }
    if patches.is_ok_and(|s| s.success()) {
        println!("  git log -p --first-parent -- <manifests and rule files>:         {:>8.0} ms", git_log_p * 1e3);
        println!("  ratio full history read / git log -p: {:.2}  (target ≤ 0.80)", with_rules / git_log_p);
        println!("  git log -p --first-parent (every path, no pathspec):             {:>8.0} ms", git_log_p_all * 1e3);
        println!("  ratio full history read / git log -p without pathspec: {:.2}", with_rules / git_log_p_all);
    } else {
        println!("  git CLI not available: no comparison");
    }
}
