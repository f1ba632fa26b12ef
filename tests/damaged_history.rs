//! Repositories that are damaged or odd as git sees them: a commit whose date
//! overflows, a corrupt object, a repository owned by another user. The
//! history around the damage is read, the damage is named, and `--all-refs`
//! loses no more than the default walk does. Built with git2 in temp dirs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::process::Command;

use common::repo::Repo;
use git2::Oid;
use leakline::ingest::ReadOptions;
use leakline::ingest::git::read_repository;
use leakline::model::{Evidence, InputSummary};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");

fn all_refs() -> ReadOptions {
    ReadOptions { all_refs: true, ..ReadOptions::default() }
}

fn summary(ev: &Evidence) -> &InputSummary {
    assert_eq!(ev.inputs.len(), 1, "{:#?}", ev.inputs);
    &ev.inputs[0]
}

/// Three commits moving `openai`, on `main`.
fn history() -> Repo {
    let mut r = Repo::new();
    for v in 0..3 {
        r.put("requirements.txt", &format!("openai==1.{v}\n"));
        r.commit(ANA, &format!("openai 1.{v}"));
    }
    r
}

/// A commit written raw (git2 would refuse its date), moving `openai` to `version`.
fn odd_commit(r: &Repo, parent: Oid, version: &str) -> Oid {
    let blob = r.repo.blob(format!("openai=={version}\n").as_bytes()).unwrap();
    let mut tree = r.repo.treebuilder(None).unwrap();
    tree.insert("requirements.txt", blob, 0o100644).unwrap();
    let tree = tree.write().unwrap();
    let raw = format!(
        "tree {tree}\nparent {parent}\nauthor Odd <odd@example.com> 99999999999999999999999 +0000\ncommitter Odd <odd@example.com> 99999999999999999999999 +0000\n\nA date past what any date holds\n"
    );
    r.repo.odb().unwrap().write(git2::ObjectType::Commit, raw.as_bytes()).unwrap()
}

fn check(r: &Repo, extra: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["check", "--repo", r.dir.path().to_str().unwrap()])
        .args(extra)
        .output()
        .unwrap()
}

/// Before: "failed to parse signature - invalid Unix timestamp", exit 1, nothing read.
#[test]
fn a_commit_with_an_overflowing_date_at_head_is_read_and_its_date_said_unreadable() {
    let r = history();
    let odd = odd_commit(&r, r.head.unwrap(), "2.0");
    r.repo.reference("refs/heads/main", odd, true, "odd").unwrap();
    for options in [ReadOptions::default(), all_refs()] {
        let ev = r.read_with(&options);
        let s = summary(&ev);
        assert_eq!((s.records, s.rejected), (4, 0), "all_refs {}: {s:?}", options.all_refs);
        assert!(s.notes.iter().any(|n| n.contains("committer date cannot be read")), "{:?}", s.notes);
        assert!(
            ev.dependency_changes.iter().any(|c| c.to.as_deref() == Some("2.0")),
            "the odd commit's change is read"
        );
    }
    for extra in [&[][..], &["--all-refs"][..]] {
        let out = check(&r, extra);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// Before: libgit2's sorted walk parsed every commit first and gave up on the
/// odd one: the whole history lost (or exit 1), where the default walk read it.
#[test]
fn an_odd_commit_on_another_branch_does_not_cost_the_history_with_all_refs() {
    let r = history();
    let first = r.repo.revparse_single("main~2").unwrap().id();
    let odd = odd_commit(&r, first, "9.9");
    r.repo.reference("refs/heads/side", odd, true, "odd").unwrap();
    r.repo.reference("refs/tags/v-odd", odd, false, "odd").unwrap();
    let ev = r.read_with(&all_refs());
    let s = summary(&ev);
    assert_eq!((s.records, s.rejected), (4, 0), "{s:?}");
    let versions: Vec<&str> = ev.dependency_changes.iter().filter_map(|c| c.to.as_deref()).collect();
    for v in ["1.0", "1.1", "1.2", "9.9"] {
        assert!(versions.contains(&v), "{v} missing from {versions:?}");
    }
}

/// The loose object of `id` overwritten with what no reader can inflate.
fn corrupt(r: &Repo, id: Oid) {
    let hex = id.to_string();
    let path = r.dir.path().join(".git/objects").join(&hex[..2]).join(&hex[2..]);
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, b"not a zlib stream").unwrap();
}

/// Before, with --all-refs: "0 read, 0 rejected", exit 0. Now as the default
/// walk: the commit is rejected by its id, what can be reached is read, exit 3.
#[test]
fn a_corrupt_commit_is_rejected_by_its_id_and_the_rest_is_read_with_all_refs() {
    let mut r = history();
    let middle = r.repo.revparse_single("main~1").unwrap().id();
    // A branch whose history does not pass through the damage.
    let first = r.repo.revparse_single("main~2").unwrap().id();
    r.repo.branch("old", &r.repo.find_commit(first).unwrap(), false).unwrap();
    r.put("requirements.txt", "openai==1.3\n");
    r.commit(ANA, "openai 1.3");
    corrupt(&r, middle);
    let default = r.read();
    let ev = r.read_with(&all_refs());
    for (walk, ev) in [("default", &default), ("all refs", &ev)] {
        let s = summary(ev);
        assert_eq!(s.rejected, 1, "{walk}: {s:?}");
        assert!(s.errors[0].message.contains(&middle.to_string()), "{walk}: {:?}", s.errors);
    }
    // Every commit but the damaged one: the branch `old` reaches the first.
    assert_eq!(summary(&ev).records, 3, "{:?}", summary(&ev));
    let out = check(&r, &["--all-refs"]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains(&middle.to_string()));
}

/// Before: "repository path … is not owned by current user", exit 1.
#[test]
fn a_repository_owned_by_another_user_is_read_read_only_and_said_so() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: only root can give the test repository to another user (chown)");
        return;
    }
    let r = history();
    let chown = Command::new("chown").args(["-R", "12345:12345"]).arg(r.dir.path()).status().unwrap();
    assert!(chown.success());
    let ev = read_repository(r.dir.path(), &ReadOptions::default()).unwrap();
    let s = summary(&ev);
    assert_eq!((s.records, s.rejected), (3, 0), "{s:?}");
    assert!(s.notes.iter().any(|n| n.contains("owned by another user (uid 12345)")), "{:?}", s.notes);
    for extra in [&[][..], &["--all-refs"][..]] {
        let out = check(&r, extra);
        assert_eq!(out.status.code(), Some(0), "{extra:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("owned by another user"));
    }
    // Nothing was written into it: every file is still the other user's.
    let mine = Command::new("find").arg(r.dir.path()).args(["!", "-uid", "12345"]).output().unwrap();
    assert!(mine.stdout.is_empty(), "{}", String::from_utf8_lossy(&mine.stdout));
}
