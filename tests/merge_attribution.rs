//! Who wrote what a merge brought in, on repositories built with git2: the
//! commit on the merged side that introduced the line or the version — as
//! `git blame` through the merge says — never the merge's author nor the
//! branch tip's, with the merge's pull request and merger kept.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::repo::Repo;
use leakline::model::{ChangeKind, Evidence, Grant, GrantKind};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const BO: (&str, &str) = ("Bo Lind", "bo@example.com");
const CY: (&str, &str) = ("Cy Park", "cy@example.com");
const DEE: (&str, &str) = ("Dee Ng", "dee@example.com");
const EVE: (&str, &str) = ("Eve Sol", "eve@example.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

fn env_read<'e>(ev: &'e Evidence, name: &str) -> &'e Grant {
    ev.grants
        .iter()
        .find(|g| g.kind == GrantKind::EnvRead && g.secret_names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no env read of {name} in {:#?}", ev.grants))
}

#[test]
fn a_version_is_credited_to_the_branch_commit_that_set_it_not_to_the_tip() {
    let mut r = Repo::new();
    r.put("requirements.txt", "flask==3.0\n").put("README.md", "app\n");
    r.commit(ANA, "Start");
    let main_tip = r.head;
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.0\n");
    r.commit(CY, "Add langchain");
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.1\nopenai==1.3\n");
    let bumped = r.commit(DEE, "Bump langchain, add openai");
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.1\nopenai==1.3.5\n");
    r.commit(CY, "Pin openai");
    r.put("README.md", "app, with an agent\n");
    let tip = r.commit(EVE, "Docs");
    r.head = main_tip;
    let merge = r.commit_as(BO, GITHUB, "Merge pull request #15 from acme/agent\n\nAgent\n", Some(tip));
    let ev = r.read();

    let lc = ev.dependency_changes.iter().find(|c| c.package == "langchain").unwrap();
    assert_eq!(lc.change, ChangeKind::Added);
    assert_eq!(lc.commit.id, merge.to_string(), "the change is the merge's, on the first-parent history");
    assert_eq!(lc.commit.author.name, "Dee Ng", "0.2.1, the merged version, was written by Dee");
    let by = lc.introduced_by.as_ref().unwrap();
    assert_eq!(by.commit, bumped.to_string());
    assert_eq!(lc.commit.merged_by.as_ref().map(|p| p.name.as_str()), Some("Bo Lind"));
    assert_eq!(lc.commit.pull_request, Some(15));
    let openai = ev.dependency_changes.iter().find(|c| c.package == "openai").unwrap();
    assert_eq!(openai.commit.author.name, "Cy Park", "1.3.5 is Cy's pin, not Eve's tip");
    assert!(!ev.dependency_changes.iter().any(|c| c.commit.author.name == "Eve Sol"), "the tip wrote no version");
}

#[test]
fn lines_through_nested_merges_are_credited_line_by_line() {
    let mut r = Repo::new();
    r.put("app.py", "import os\n").put("README.md", "app\n");
    r.commit(ANA, "Start");
    let main_tip = r.head;
    r.put("app.py", "import os\nopenai_key = os.getenv(\"OPENAI_API_KEY\")\n");
    let cy = r.commit(CY, "Read the OpenAI key");
    // A sub-branch off the feature, merged into it.
    r.put(
        "app.py",
        "import os\nopenai_key = os.getenv(\"OPENAI_API_KEY\")\nclaude = os.environ[\"ANTHROPIC_API_KEY\"]\n",
    );
    let eve = r.commit(EVE, "Read the Anthropic key");
    r.head = Some(cy);
    r.put("notes.txt", "sub-branch merged\n");
    let inner = r.commit_as(CY, CY, "Merge branch 'eve/claude' into feature\n", Some(eve));
    // Re-indented into a function on the branch: blame credits the re-indent.
    r.put(
        "app.py",
        "import os\nopenai_key = os.getenv(\"OPENAI_API_KEY\")\nclaude = os.environ[\"ANTHROPIC_API_KEY\"]\ndef groq():\n    return os.getenv(\"GROQ_API_KEY\")\n",
    );
    r.commit(DEE, "Groq");
    r.put("README.md", "app, three providers\n");
    let tip = r.commit(BO, "Docs");
    r.head = main_tip;
    // The merge resolves a conflict by adding a line no branch commit has.
    r.put(
        "app.py",
        "import os\nopenai_key = os.getenv(\"OPENAI_API_KEY\")\nclaude = os.environ[\"ANTHROPIC_API_KEY\"]\ndef groq():\n    return os.getenv(\"GROQ_API_KEY\")\nmistral = os.getenv(\"MISTRAL_API_KEY\")\n",
    );
    let merge = r.commit_as(ANA, ANA, "Merge pull request #20 from acme/feature\n", Some(tip));
    let ev = r.read();

    for (name, who, commit) in [
        ("OPENAI_API_KEY", "Cy Park", cy),
        ("ANTHROPIC_API_KEY", "Eve Sol", eve),
        ("MISTRAL_API_KEY", "Ana Ruiz", merge),
    ] {
        let g = env_read(&ev, name);
        assert_eq!(g.actor.name, who, "{name}");
        assert_eq!(g.introduced_by.as_ref().unwrap().commit, commit.to_string(), "{name}");
        let arrived = g.commit.as_ref().unwrap();
        assert_eq!(arrived.id, merge.to_string(), "{name} arrived in the outer merge");
        assert_eq!(arrived.pull_request, Some(20));
    }
    assert_eq!(env_read(&ev, "GROQ_API_KEY").actor.name, "Dee Ng");
    assert!(!ev.grants.iter().any(|g| g.actor.name == "Bo Lind"), "the branch tip wrote none of it");
    let _ = inner;
}

#[test]
fn a_branch_pushed_to_main_keeps_its_own_authors() {
    // A fast-forward history has no merge: each commit is its own introducer.
    let mut r = Repo::new();
    r.put("app.py", "import os\n");
    r.commit(ANA, "Start");
    r.put("app.py", "import os\nk = os.getenv(\"OPENAI_API_KEY\")\n");
    let cy = r.commit(CY, "Key");
    let ev = r.read();
    let g = env_read(&ev, "OPENAI_API_KEY");
    assert_eq!(g.actor.name, "Cy Park");
    assert_eq!(g.introduced_by.as_ref().unwrap().commit, cy.to_string());
    assert_eq!(g.commit.as_ref().unwrap().id, cy.to_string());
}

#[test]
fn a_file_the_branch_moved_keeps_the_author_of_its_lines() {
    let mut r = Repo::new();
    r.put("pkg/agent/openai.py", "import os\n\ndef llm():\n    return os.getenv(\"OPENAI_API_KEY\")\n");
    let ana = r.commit(ANA, "Agent");
    let main_tip = r.head;
    // The branch moves the file, then grows it: the merge shows a new file.
    r.delete("pkg/agent/openai.py");
    r.put("app/llms.py", "import os\n\ndef llm():\n    return os.getenv(\"OPENAI_API_KEY\")\n");
    r.commit(DEE, "Move the models into app/");
    let mut grown = String::from("import os\n\ndef llm():\n    return os.getenv(\"OPENAI_API_KEY\")\n");
    for n in 0..8 {
        grown.push_str(&format!("\ndef model_{n}():\n    return \"m{n}\"\n"));
    }
    grown.push_str("\ndef azure():\n    return os.getenv(\"AZURE_OPENAI_API_KEY\")\n");
    r.put("app/llms.py", &grown);
    let cy = r.commit(CY, "More models");
    r.head = main_tip;
    let merge = r.commit_as(BO, GITHUB, "Merge pull request #30 from acme/move\n", Some(cy));
    let ev = r.read();

    let moved = ev.grants.iter().find(|g| g.path == "app/llms.py" && g.secret_names == ["OPENAI_API_KEY"]).unwrap();
    assert_eq!(moved.actor.name, "Ana Ruiz", "the moved line is Ana's, as blame says");
    assert_eq!(moved.introduced_by.as_ref().unwrap().commit, ana.to_string());
    assert_eq!(moved.commit.as_ref().unwrap().id, merge.to_string());
    let azure = env_read(&ev, "AZURE_OPENAI_API_KEY");
    assert_eq!(azure.actor.name, "Cy Park");
    assert_eq!(azure.introduced_by.as_ref().unwrap().commit, cy.to_string());
}

#[test]
fn with_all_refs_a_branch_commit_merged_by_a_pull_request_belongs_to_it() {
    let mut r = Repo::new();
    r.put("requirements.txt", "flask==3.0\n");
    r.commit(ANA, "Start");
    let main_tip = r.head;
    r.put("requirements.txt", "flask==3.0\nlangchain==0.2.0\n");
    let cy = r.commit(CY, "Add langchain");
    r.head = main_tip;
    r.commit_as(BO, GITHUB, "Merge pull request #15 from acme/agent\n", Some(cy));
    let ev = r.read_with(&leakline::ingest::ReadOptions { all_refs: true, ..Default::default() });
    assert_eq!(ev.dependency_changes.iter().filter(|c| c.package == "langchain").count(), 2, "read at both commits");
    let case = leakline::correlate::correlate(&ev, &Default::default());
    let rows: Vec<_> = case.approvals.iter().filter(|c| c.package == "langchain").collect();
    assert_eq!(rows.len(), 1, "one change, reported once");
    assert_eq!(rows[0].commit.pull_request, Some(15));
    assert_eq!(rows[0].commit.author.name, "Cy Park");
    assert_eq!(rows[0].introduced_by.as_ref().unwrap().commit, cy.to_string());
    let gaps: Vec<&str> = case.accountability.iter().flat_map(|a| a.gaps.iter().map(|g| g.text.as_str())).collect();
    assert!(!gaps.iter().any(|g| g.contains("pushed directly")), "{gaps:#?}");
}
