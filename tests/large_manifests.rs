//! Manifests as large as a generated lockfile-like `requirements.txt`: read in
//! time that grows with the file, as the other formats are (100k entries of
//! package.json: 0.3 s). Before, each line looked through every package seen
//! (and each changed package through every changed line): 20k lines took 14 s
//! with --all-deps, 200k lines over 180 s without it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::repo::Repo;
use leakline::ingest::ReadOptions;

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");

fn requirements(n: usize, version: usize) -> String {
    (0..n).map(|i| format!("pkg{i}==1.{version}.{i}\n")).collect()
}

/// A generous bound on a debug build: the quadratic reading needed minutes
/// for this (20k lines: 14 s in release), the linear one needs seconds.
#[test]
fn a_requirements_file_of_40k_lines_is_read_in_linear_time() {
    let n = 40_000;
    let mut r = Repo::new();
    r.put("requirements.txt", &requirements(n, 0));
    r.commit(ANA, "Pin everything");
    r.put("requirements.txt", &(requirements(n, 1) + "openai==1.0\nopenai==1.1\n"));
    r.commit(ANA, "Bump everything");
    let started = std::time::Instant::now();
    let ev = r.read_with(&ReadOptions { all_deps: true, ..ReadOptions::default() });
    let took = started.elapsed();
    assert_eq!(ev.dependency_changes.len(), 2 * n + 1, "every package added, then moved; openai added once");
    let openai = ev.dependency_changes.iter().find(|c| c.package == "openai").unwrap();
    assert_eq!(openai.to.as_deref(), Some("==1.0,==1.1"), "a package listed twice is bound by both lines");
    let moved = ev.dependency_changes.iter().find(|c| c.package == "pkg39999" && c.from.is_some()).unwrap();
    assert_eq!(moved.diff, ["- pkg39999==1.0.39999", "+ pkg39999==1.1.39999"], "each change names its own lines");
    assert!(took.as_secs() < 60, "{n} lines took {took:?}");
    eprintln!("{n} lines, two commits, --all-deps: {took:?}");
}
