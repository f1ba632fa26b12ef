//! Who approved the framework, on repositories built with git2 in temp dirs:
//! every manifest family, every PR and trailer convention, CODEOWNERS, bots,
//! merges, shallow clones and manifests that do not parse.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::Path;

use common::repo::Repo;
use git2::{Oid, Signature, Time};
use leakline::ingest::{ReadOptions, git::read_repository};
use leakline::model::{ChangeKind, DependencyChange, Evidence};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const BO: (&str, &str) = ("Bo Lind", "bo@example.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");
const BOT: (&str, &str) = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com");

fn find<'e>(ev: &'e Evidence, package: &str, change: ChangeKind) -> &'e DependencyChange {
    ev.dependency_changes.iter().find(|c| c.package == package && c.change == change).unwrap_or_else(|| {
        panic!(
            "no {change:?} of {package} in {:#?}",
            ev.dependency_changes.iter().map(|c| (&c.package, c.change, &c.manifest)).collect::<Vec<_>>()
        )
    })
}

#[test]
fn python_manifests_and_lockfiles() {
    let mut r = Repo::new();
    r.put("README.md", "x\n").put(
        "svc/requirements.txt",
        "-r base.txt\nLangChain_OpenAI[extra]==0.1.7 ; python_version > '3.8'\nrequests>=2\n",
    );
    r.commit(ANA, "Add agent deps");
    r.put("svc/requirements.txt", "-r base.txt\nlangchain-openai~=0.1.9\nrequests>=2\n")
        .put("api/pyproject.toml", "[project]\nname = \"api\"\ndependencies = [\"anthropic>=0.25\"]\n[project.optional-dependencies]\nagents = [\"crewai==0.30.0\"]\n[dependency-groups]\ndev = [\"litellm==1.40\"]\n")
        .put("worker/pyproject.toml", "[tool.poetry.dependencies]\npython = \"^3.11\"\nllama-index = \"^0.10.1\"\n[tool.poetry.group.ml.dependencies]\ntransformers = \"4.40.0\"\n")
        .put("worker/poetry.lock", "[[package]]\nname = \"llama-index\"\nversion = \"0.10.1\"\n\n[[package]]\nname = \"openai\"\nversion = \"1.20.0\"\n")
        .put("etl/Pipfile", "[packages]\ndspy-ai = \"==2.4.9\"\n")
        .put("etl/Pipfile.lock", "{\"default\": {\"dspy-ai\": {\"version\": \"==2.4.9\"}, \"openai\": {\"version\": \"==1.21.0\"}}, \"develop\": {}}")
        .put("lib/setup.cfg", "[metadata]\nname = lib\n\n[options]\ninstall_requires =\n    huggingface-hub>=0.23\n    requests\n")
        .put("uvsvc/uv.lock", "version = 1\n\n[[package]]\nname = \"mcp\"\nversion = \"1.0.0\"\n");
    r.commit(BO, "Python family");
    let ev = r.read();
    let added = find(&ev, "langchain-openai", ChangeKind::Added);
    assert_eq!(
        (added.to.as_deref(), added.manifest.as_str(), added.commit.author.name.as_str()),
        (Some("0.1.7"), "svc/requirements.txt", "Ana Ruiz")
    );
    let up = find(&ev, "langchain-openai", ChangeKind::Upgraded);
    assert_eq!((up.from.as_deref(), up.to.as_deref()), (Some("0.1.7"), Some("~=0.1.9")));
    for (package, manifest) in [
        ("anthropic", "api/pyproject.toml"),
        ("crewai", "api/pyproject.toml"),
        ("litellm", "api/pyproject.toml"),
        ("llama-index", "worker/pyproject.toml"),
        ("transformers", "worker/pyproject.toml"),
        ("dspy-ai", "etl/Pipfile"),
        ("huggingface-hub", "lib/setup.cfg"),
        ("mcp", "uvsvc/uv.lock"),
    ] {
        assert_eq!(find(&ev, package, ChangeKind::Added).manifest, manifest, "{package}");
    }
    // The lockfile echo of a manifest change is the same decision: reported once.
    assert_eq!(ev.dependency_changes.iter().filter(|c| c.package == "llama-index").count(), 1);
    let transitive = ev
        .dependency_changes
        .iter()
        .find(|c| c.package == "openai" && c.manifest == "worker/poetry.lock")
        .expect("openai via poetry.lock");
    assert!(transitive.transitive && transitive.lockfile);
    assert!(
        ev.dependency_changes.iter().any(|c| c.package == "openai" && c.manifest == "etl/Pipfile.lock" && c.transitive)
    );
    assert!(!ev.dependency_changes.iter().any(|c| c.package == "requests"), "not watched");
}

#[test]
fn migrations_between_manifests_and_lockfiles_are_one_move_with_the_net_change() {
    let mut r = Repo::new();
    r.put("requirements.txt", "langchain>=0.2,<0.4\nopenai==1.30.0\nanthropic==0.25\n")
        .put("svc/poetry.lock", "[[package]]\nname = \"openai\"\nversion = \"1.30.0\"\n\n[[package]]\nname = \"langsmith\"\nversion = \"0.7.0\"\n");
    r.commit(ANA, "Agent deps");
    // Poetry and requirements.txt → PEP 621 and uv: same ranges for
    // langchain, openai raised, anthropic dropped, the lockfile swapped.
    r.delete("requirements.txt")
        .delete("svc/poetry.lock")
        .put("pyproject.toml", "[project]\nname = \"app\"\ndependencies = [\"langchain>=0.2,<0.4\", \"openai==1.35.0\"]\n")
        .put("svc/uv.lock", "version = 1\n\n[[package]]\nname = \"openai\"\nversion = \"1.30.0\"\n\n[[package]]\nname = \"langsmith\"\nversion = \"0.7.1\"\n");
    r.commit(BO, "Move to uv");
    let ev = r.read();
    let bo: Vec<_> = ev.dependency_changes.iter().filter(|c| c.commit.author.name == "Bo Lind").collect();
    let seen: Vec<_> = bo
        .iter()
        .map(|c| (c.package.as_str(), c.change, c.net_change, c.moved_from.as_deref(), c.manifest.as_str()))
        .collect();
    assert_eq!(bo.len(), 5, "{seen:#?}");
    let langchain = find(&ev, "langchain", ChangeKind::Moved);
    assert_eq!((langchain.moved_from.as_deref(), langchain.net_change), (Some("requirements.txt"), None));
    assert_eq!((langchain.from.as_deref(), langchain.to.as_deref()), (Some(">=0.2,<0.4"), Some(">=0.2,<0.4")));
    assert_eq!(
        langchain.diff,
        ["- langchain>=0.2,<0.4", "+ dependencies = [\"langchain>=0.2,<0.4\", \"openai==1.35.0\"]"]
    );
    let openai = bo.iter().find(|c| c.package == "openai" && !c.lockfile).unwrap();
    assert_eq!((openai.change, openai.net_change), (ChangeKind::Moved, Some(ChangeKind::Upgraded)));
    assert_eq!((openai.from.as_deref(), openai.to.as_deref()), (Some("1.30.0"), Some("1.35.0")));
    assert_eq!(openai.change_label(), "moved, upgraded");
    assert_eq!(openai.manifest_label(), "requirements.txt → pyproject.toml");
    // The lockfile's openai is locked where it was: the manifest's move is the decision.
    let locked = bo.iter().find(|c| c.package == "openai" && c.lockfile).unwrap();
    assert_eq!(
        (locked.change, locked.net_change, locked.moved_from.as_deref()),
        (ChangeKind::Moved, None, Some("svc/poetry.lock"))
    );
    let langsmith = find(&ev, "langsmith", ChangeKind::Moved);
    assert_eq!((langsmith.net_change, langsmith.manifest.as_str()), (Some(ChangeKind::Upgraded), "svc/uv.lock"));
    assert_eq!(find(&ev, "anthropic", ChangeKind::Removed).commit.author.name, "Bo Lind");
    assert!(!bo.iter().any(|c| c.change == ChangeKind::Added), "{seen:#?}");
}

#[test]
fn node_rust_go_ruby_and_jvm_manifests() {
    let mut r = Repo::new();
    r.put("web/package.json", "{\"dependencies\":{\"@langchain/core\":\"^0.2.3\"},\"devDependencies\":{\"ai\":\"3.1.0\"},\"peerDependencies\":{\"react\":\"18\"}}")
        .put("web/package-lock.json", "{\"lockfileVersion\":3,\"packages\":{\"\":{},\"node_modules/@langchain/core\":{\"version\":\"0.2.3\"},\"node_modules/openai\":{\"version\":\"4.47.1\"}}}")
        .put("app/yarn.lock", "\"@anthropic-ai/sdk@^0.20.0\":\n  version \"0.20.9\"\n")
        .put("app/package.json", "{\"dependencies\":{\"@anthropic-ai/sdk\":\"^0.20.0\"}}")
        .put("mcp/pnpm-lock.yaml", "lockfileVersion: '9.0'\n\npackages:\n\n  '@modelcontextprotocol/sdk@1.0.3':\n    resolution: {}\n")
        .put("rs/Cargo.toml", "[package]\nname = \"x\"\n[dependencies]\nasync-openai = \"0.23\"\n[workspace.dependencies]\nrig-core = { version = \"0.2.1\" }\n")
        .put("rs/Cargo.lock", "version = 3\n\n[[package]]\nname = \"async-openai\"\nversion = \"0.23.4\"\n")
        .put("go/go.mod", "module x\n\ngo 1.22\n\nrequire (\n\tgithub.com/sashabaranov/go-openai v1.24.0\n\tgolang.org/x/net v0.25.0 // indirect\n)\n")
        .put("rb/Gemfile", "source 'https://rubygems.org'\ngem 'ruby-openai', '~> 7.0'\n")
        .put("rb/Gemfile.lock", "GEM\n  specs:\n    ruby-openai (7.0.1)\n    faraday (2.9.0)\n")
        .put("jvm/pom.xml", "<project><dependencies><dependency><groupId>dev.langchain4j</groupId><artifactId>langchain4j</artifactId><version>0.31.0</version></dependency></dependencies></project>")
        .put("kt/build.gradle.kts", "dependencies {\n    implementation(\"com.openai:openai-java:0.8.0\")\n}\n");
    r.commit(ANA, "Every ecosystem");
    r.put("web/package.json", "{\"dependencies\":{\"@langchain/core\":\"^0.2.1\"},\"devDependencies\":{}}");
    r.commit(BO, "Downgrade core, drop ai");
    let ev = r.read();
    for (package, ecosystem) in [
        ("@langchain/core", "npm"),
        ("ai", "npm"),
        ("@anthropic-ai/sdk", "npm"),
        ("@modelcontextprotocol/sdk", "npm"),
        ("async-openai", "crates"),
        ("rig-core", "crates"),
        ("github.com/sashabaranov/go-openai", "go"),
        ("ruby-openai", "rubygems"),
        ("dev.langchain4j:langchain4j", "maven"),
        ("com.openai:openai-java", "maven"),
    ] {
        assert_eq!(find(&ev, package, ChangeKind::Added).ecosystem, ecosystem, "{package}");
    }
    assert!(
        ev.dependency_changes
            .iter()
            .any(|c| c.package == "openai" && c.manifest == "web/package-lock.json" && c.transitive)
    );
    let down = find(&ev, "@langchain/core", ChangeKind::Downgraded);
    assert_eq!((down.from.as_deref(), down.to.as_deref()), (Some("^0.2.3"), Some("^0.2.1")));
    assert_eq!(find(&ev, "ai", ChangeKind::Removed).commit.author.name, "Bo Lind");
}

#[test]
fn pull_requests_trailers_merges_and_bots() {
    let mut r = Repo::new();
    r.put("requirements.txt", "flask==3.0\n");
    r.commit(ANA, "Start");
    r.put("requirements.txt", "flask==3.0\nlangchain==0.1.0\n");
    r.commit_as(ANA, GITHUB, "Add agent (#12)\n\nReviewed-by: in the body is not a trailer\nbut prose.\n\nreviewed-by: Bo Lind <bo@example.com>\nSigned-off-by: Ana Ruiz <ana@example.com>\nCo-authored-by: Cy Park <cy@example.com>\n", None);
    // A branch merged with a merge commit by someone other than its author.
    let main_tip = r.head;
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.0\n");
    let branch = r.commit(("Cy Park", "cy@example.com"), "Upgrade langchain");
    r.head = main_tip;
    r.commit_as(BO, BO, "Merge pull request #15 from acme/cy/upgrade\n\nUpgrade langchain\n", Some(branch));
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.1\n");
    r.commit_as(BOT, GITHUB, "Bump langchain from 0.2.0 to 0.2.1\n\nSee merge request acme/agent!31\n", None);
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.2\n");
    r.commit_as(ANA, GITHUB, "Merge branch 'x' into 'main'\n\nSee merge request acme/agent!40\n\nApproved-by: Dee Ng <dee@example.com>\nAcked-by: Ed Roe <ed@example.com>\n", None);
    // A merge made with the forge's button: committed by GitHub, authored by whoever pressed it.
    let main_tip = r.head;
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.3\n");
    let branch = r.commit(("Cy Park", "cy@example.com"), "Bump langchain");
    r.head = main_tip;
    r.commit_as(BO, GITHUB, "Merge pull request #50 from acme/cy/bump\n\nBump langchain\n", Some(branch));
    let ev = r.read();
    let added = find(&ev, "langchain", ChangeKind::Added);
    assert_eq!(added.commit.pull_request, Some(12));
    let approvers: Vec<&str> = added.commit.approvers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(approvers, ["Bo Lind"], "only the trailer block names approvers");
    let recorded: Vec<&str> = added.commit.other_trailers.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(recorded, ["Signed-off-by", "Co-authored-by"]);
    assert_eq!(added.commit.merged_by, None, "a squash merge by the platform names no merger");

    let ups: Vec<&DependencyChange> =
        ev.dependency_changes.iter().filter(|c| c.change == ChangeKind::Upgraded).collect();
    assert_eq!(ups.len(), 4);
    assert_eq!(ups[3].commit.pull_request, Some(50));
    assert_eq!(ups[3].commit.author.name, "Cy Park");
    assert_eq!(ups[3].commit.merged_by.as_ref().map(|p| p.name.as_str()), Some("Bo Lind"), "who pressed the button");
    assert_eq!(ups[0].commit.pull_request, Some(15));
    assert_eq!(ups[0].commit.author.name, "Cy Park", "the branch commit's author wrote the change");
    assert_eq!(ups[0].commit.merged_by.as_ref().map(|p| p.name.as_str()), Some("Bo Lind"));
    assert!(ups[0].commit.approvers.is_empty());
    assert!(ups[1].commit.bot);
    assert_eq!(ups[1].commit.pull_request, Some(31));
    assert_eq!(ups[2].commit.pull_request, Some(40));
    let names: Vec<&str> = ups[2].commit.approvers.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Dee Ng", "Ed Roe"]);

    // Nobody else is named anywhere: every person in the evidence is one a record names.
    let named: std::collections::BTreeSet<String> = ev
        .dependency_changes
        .iter()
        .flat_map(|c| {
            let mut v = vec![c.commit.author.name.clone()];
            v.extend(c.commit.approvers.iter().map(|a| a.name.clone()));
            v.extend(c.commit.merged_by.iter().map(|p| p.name.clone()));
            v
        })
        .collect();
    let expected: std::collections::BTreeSet<String> =
        ["Ana Ruiz", "Bo Lind", "Cy Park", "dependabot[bot]", "Dee Ng", "Ed Roe"]
            .iter()
            .map(|s| s.to_string())
            .collect();
    assert_eq!(named, expected);
}

#[test]
fn codeowners_as_they_stood_at_each_commit() {
    let mut r = Repo::new();
    r.put(".github/CODEOWNERS", "* @acme/all\n").put("requirements.txt", "langchain==0.1\n");
    r.commit(ANA, "Start");
    r.put(".github/CODEOWNERS", "* @acme/all\nrequirements*.txt @acme/appsec\n")
        .put("requirements.txt", "langchain==0.2\n");
    r.commit(ANA, "Own manifests");
    r.delete(".github/CODEOWNERS")
        .put("docs/CODEOWNERS", "/svc/ @acme/svc\n")
        .put("svc/package.json", "{\"dependencies\":{\"openai\":\"4.0.0\"}}");
    r.commit(ANA, "Move CODEOWNERS");
    let ev = r.read();
    assert_eq!(find(&ev, "langchain", ChangeKind::Added).owners, ["@acme/all"]);
    assert_eq!(find(&ev, "langchain", ChangeKind::Upgraded).owners, ["@acme/appsec"]);
    assert_eq!(find(&ev, "openai", ChangeKind::Added).owners, ["@acme/svc"]);
}

#[test]
fn unparseable_manifests_are_rejected_with_their_commit_and_reading_goes_on() {
    let mut r = Repo::new();
    r.put("pyproject.toml", "[project]\ndependencies = [\"openai==1.0\"]\n");
    r.commit(ANA, "Start");
    r.put("pyproject.toml", "[project\ndependencies = [");
    let broken = r.commit(ANA, "Broken");
    r.put("pyproject.toml", "[project]\ndependencies = [\"openai==1.2\"]\n");
    r.commit(ANA, "Fixed");
    let ev = r.read();
    let input = &ev.inputs[0];
    assert_eq!(input.rejected, 1);
    assert!(input.errors[0].message.contains(&broken.to_string()[..12]), "{:?}", input.errors);
    assert!(input.errors[0].message.contains("pyproject.toml"));
    assert_eq!(input.records, 3);
    assert!(ev.dependency_changes.iter().any(|c| c.package == "openai" && c.change == ChangeKind::Added));
}

#[test]
fn a_shallow_boundary_is_not_taken_for_the_commit_that_added_everything() {
    let mut r = Repo::new();
    r.put("requirements.txt", "langchain==0.1\n");
    r.commit(ANA, "Old history");
    r.put("README.md", "x\n");
    let boundary = r.commit(BO, "Boundary of the shallow clone");
    r.put("requirements.txt", "langchain==0.2\n");
    r.commit(BO, "Upgrade");
    std::fs::write(r.repo.path().join("shallow"), format!("{boundary}\n")).unwrap();
    let ev = r.read();
    assert!(ev.dependency_changes.iter().all(|c| c.change != ChangeKind::Added), "{:?}", ev.dependency_changes);
    assert_eq!(find(&ev, "langchain", ChangeKind::Upgraded).commit.author.name, "Bo Lind");
    assert!(ev.inputs[0].notes.iter().any(|n| n.contains("shallow")), "{:?}", ev.inputs[0].notes);
}

#[test]
fn all_refs_all_deps_and_frameworks_widen_or_narrow_the_scan() {
    let mut r = Repo::new();
    r.put("requirements.txt", "langchain==0.1\nrequests==2.0\n");
    let first = r.commit(ANA, "Start");
    r.put("requirements.txt", "langchain==0.1\nrequests==2.0\nmy-agent-kit==1.0\n");
    let side = r.commit(BO, "On a side branch");
    r.repo.reference("refs/heads/side", side, true, "test").unwrap();
    r.head = Some(first);
    r.put("requirements.txt", "langchain==0.1\nrequests==2.0\n");
    r.commit(ANA, "Main moves on");
    let default = r.read();
    assert!(!default.dependency_changes.iter().any(|c| c.package == "requests"));
    let all_deps = r.read_with(&ReadOptions { all_deps: true, ..ReadOptions::default() });
    assert!(all_deps.dependency_changes.iter().any(|c| c.package == "requests"));
    let custom =
        r.read_with(&ReadOptions { frameworks: vec!["my-agent-*".into()], all_refs: true, ..ReadOptions::default() });
    assert!(custom.dependency_changes.iter().any(|c| c.package == "my-agent-kit"), "side branch read with --all-refs");
    assert!(!custom.dependency_changes.iter().any(|c| c.package == "langchain"), "only the named frameworks");
}

#[test]
fn non_utf8_messages_submodules_and_symlinks_do_not_abort() {
    let mut r = Repo::new();
    r.put("requirements.txt", "openai==1.0\n");
    r.commit(ANA, "Start");
    // A message in Latin-1 and a tree with a submodule entry and a symlink.
    let tree = {
        let mut b = r.repo.treebuilder(Some(&r.repo.find_tree(r.tree()).unwrap())).unwrap();
        b.insert("vendor-sub", Oid::from_str("0123456789012345678901234567890123456789").unwrap(), 0o160000).unwrap();
        b.insert("link", r.repo.blob(b"requirements.txt").unwrap(), 0o120000).unwrap();
        b.insert("requirements-dev.txt", r.repo.blob(b"anthropic==0.3\n").unwrap(), 0o100644).unwrap();
        r.repo.find_tree(b.write().unwrap()).unwrap()
    };
    let sig = Signature::new("Zo\u{eb}", "zoe@example.com", &Time::new(1_800_000_000, 0)).unwrap();
    let parent = r.repo.find_commit(r.head.unwrap()).unwrap();
    let raw = r.repo.commit_create_buffer(&sig, &sig, "Caf\u{e9}", &tree, &[&parent]).unwrap();
    let mut bytes = raw.to_vec();
    let at = bytes.windows(5).position(|w| w == "Caf\u{e9}".as_bytes()).unwrap();
    bytes.splice(at..at + 5, b"Caf\xe9".iter().copied());
    let id = r.repo.odb().unwrap().write(git2::ObjectType::Commit, &bytes).unwrap();
    r.repo.reference("refs/heads/main", id, true, "test").unwrap();
    let ev = r.read();
    let added = find(&ev, "anthropic", ChangeKind::Added);
    assert_eq!(added.commit.summary, "Caf\u{fffd}");
    assert_eq!(ev.inputs[0].rejected, 0);
}

/// Hundreds of commits, read in batches by two workers, loose and then packed:
/// the same evidence, in history order, whichever way the objects are stored
/// and however many threads read them.
#[test]
fn a_long_history_reads_the_same_loose_packed_and_on_any_number_of_threads() {
    let mut r = Repo::new();
    let git = |dir: &Path, args: &[&str]| {
        let status = std::process::Command::new("git").arg("-C").arg(dir).args(args).status().expect("git");
        assert!(status.success(), "git {args:?}");
    };
    for i in 0..600 {
        if i == 300 {
            // Half the history in a pack of its own, the rest loose: both are read.
            git(r.dir.path(), &["-c", "gc.auto=0", "repack", "-dq"]);
        }
        r.put(&format!("src/m{}.py", i % 30), &format!("x = {i}\n"));
        if i % 9 == 0 {
            r.put(
                &format!("svc{}/requirements.txt", i % 4),
                &format!("langchain==0.{}.{}\nopenai==1.{i}.0\n", i / 100, i % 10),
            );
        }
        if i % 50 == 0 {
            r.put(".env", &format!("OPENAI_API_KEY=sk-proj-{i:0>40}\n"));
        }
        let who = if i % 3 == 0 { ANA } else { BO };
        r.commit(who, &format!("Change {i} (#{i})\n\nReviewed-by: Cy Park <cy@example.com>\n"));
    }
    let read = |threads| {
        let ev = r.read_with(&ReadOptions { threads, ..ReadOptions::default() });
        serde_json::to_string(&(&ev.dependency_changes, &ev.grants, &ev.commits, &ev.inputs)).unwrap()
    };
    // Half packed, half loose.
    let loose = read(1);
    assert_eq!(read(2), loose);
    // Two packs, then a clone that borrows them through objects/info/alternates.
    git(r.dir.path(), &["-c", "gc.auto=0", "repack", "-dq"]);
    assert_eq!(read(2), loose, "two packs");
    // With git's commit-graph, commits' links come from it: the same history.
    git(r.dir.path(), &["commit-graph", "write", "--reachable"]);
    assert!(r.dir.path().join(".git/objects/info/commit-graph").exists());
    assert_eq!(read(2), loose, "links from the commit-graph");
    let shared = tempfile::tempdir().unwrap();
    let (from, to) = (r.dir.path().to_str().unwrap(), shared.path().join("c"));
    git(Path::new("."), &["clone", "-q", "--shared", "--no-checkout", from, to.to_str().unwrap()]);
    assert!(to.join(".git/objects/info/alternates").exists());
    let cloned = read_repository(&to, &ReadOptions { threads: 2, ..ReadOptions::default() }).unwrap();
    let changes = |ev: &leakline::model::Evidence| serde_json::to_string(&ev.dependency_changes).unwrap();
    assert_eq!(changes(&cloned), changes(&r.read()), "objects borrowed through alternates");
    r.pack();
    assert!(std::fs::read_dir(r.dir.path().join(".git/objects/pack")).unwrap().count() >= 2);
    assert_eq!(read(2), loose, "packed objects read as loose ones");
    assert_eq!(read(3), loose);
    let ev = r.read();
    assert_eq!(ev.inputs[0].records, 600);
    let times: Vec<i64> = ev.dependency_changes.iter().map(|c| c.commit.at.timestamp()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "oldest first across batches");
    let changes = ev.dependency_changes.iter().filter(|c| c.package == "openai").count();
    assert_eq!(changes, 600 / 9 + 1);
    assert_eq!(ev.grants.iter().filter(|g| g.path == ".env").count(), 12);
}

#[test]
fn missing_repository_is_an_error_naming_it() {
    let err = read_repository(Path::new("/nonexistent/repo"), &ReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/repo"));
}

#[test]
fn an_empty_repository_is_read_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    git2::Repository::init(dir.path()).unwrap();
    let ev = read_repository(dir.path(), &ReadOptions::default()).unwrap();
    assert_eq!(ev.inputs[0].records, 0);
    assert!(ev.inputs[0].notes.iter().any(|n| n.contains("no commits")));
}
