//! The matrix on evidence built by hand: grouped gaps, their order, one decision a commit, merges made outside the forge.

use super::*;
use chrono::TimeZone;

fn gap(n: u32, shape: &str) -> Gap {
    let at = chrono::Utc.with_ymd_and_hms(2023, n, 1, 0, 0, 0).single();
    Gap { text: format!("change {n}"), evidence: format!("commit:{n}"), shape: shape.into(), at, ..Default::default() }
}

#[test]
fn many_gaps_of_one_shape_read_as_one_line_with_the_list_behind_it() {
    let shape = "framework changes merged without an approving review";
    let mut gaps = vec![gap(1, "")];
    gaps.extend((2..=8).rev().map(|n| gap(n, shape)));
    gaps.extend((9..=10).map(|n| gap(n, "framework changes pushed directly, with no pull request on the forge")));
    let out = grouped(gaps);
    let texts: Vec<&str> = out.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "change 1",
            "7 framework changes merged without an approving review, 2023-02 … 2023-08",
            "change 9",
            "change 10"
        ],
        "five or fewer stay as they are"
    );
    assert_eq!(out[1].items.first().map(|g| g.text.as_str()), Some("change 2"), "oldest first");
    assert_eq!(out[1].items.len(), 7);
}

/// The matrix's inputs when the evidence is framework changes alone.
fn only_approvals<'a>(approvals: &'a [DependencyChange], owners: &'a Owners) -> Inputs<'a> {
    Inputs { secrets: &[], approvals, advisories: &[], reachability: &[], replays: &[], owners }
}

fn change(n: i64, package: &str, wiring: bool) -> DependencyChange {
    let at = chrono::Utc.timestamp_opt(1_700_000_000 + n * 86_400, 0).single().unwrap_or_default();
    let ana = crate::model::Person::new("Ana Ruiz", "ana@example.com");
    DependencyChange {
        package: package.into(),
        ecosystem: "pypi".into(),
        manifest: "requirements.txt".into(),
        change: crate::model::ChangeKind::Added,
        from: None,
        to: Some("1.0".into()),
        from_version: None,
        to_version: Some("1.0".into()),
        commit: CommitInfo {
            id: format!("{n:040}"),
            at,
            summary: "deps".into(),
            author: ana.clone(),
            committer: ana,
            merged_by: None,
            pull_request: None,
            approvers: Vec::new(),
            other_trailers: Vec::new(),
            bot: false,
            forge: ForgeCheck::NotConsulted,
        },
        owners: Vec::new(),
        lockfile: false,
        transitive: false,
        diff: Vec::new(),
        touches_wiring: wiring,
        advisories: Vec::new(),
        introduced_by: None,
        approved: false,
        moved_from: None,
        net_change: None,
    }
}

#[test]
fn gaps_on_the_leaked_secrets_chain_come_first_and_stand_alone() {
    let mut approvals: Vec<DependencyChange> = (1..=7).map(|n| change(n, &format!("pkg{n}"), false)).collect();
    approvals.push(change(8, "langchain", true));
    let owners = Owners::default();
    let rows = matrix(&only_approvals(&approvals, &owners));
    let governance = rows.iter().find(|r| r.role == Role::Governance).map(|r| &r.gaps[..]).unwrap_or_default();
    let texts: Vec<&str> = governance.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(texts.len(), 2, "{texts:#?}");
    assert!(texts[0].starts_with("langchain added 1.0"), "the change that came with the wiring first: {texts:#?}");
    assert!(texts[1].starts_with("7 framework changes pushed directly"), "{texts:#?}");
}

#[test]
fn the_changes_of_one_commit_are_one_decision_and_one_gap() {
    // A lockfile refresh: one commit moves five packages; six other commits move one each.
    let mut approvals: Vec<DependencyChange> = (1..=5).map(|i| change(1, &format!("lock{i}"), false)).collect();
    approvals.extend((2..=7).map(|n| change(n, &format!("pkg{n}"), false)));
    let owners = Owners::default();
    let rows = matrix(&only_approvals(&approvals, &owners));
    let governance = rows.iter().find(|r| r.role == Role::Governance).unwrap_or_else(|| unreachable!());
    assert_eq!(governance.decisions.len(), 7, "one a commit");
    assert!(
        governance.decisions[0].what.starts_with("5 framework changes (lock1 added 1.0 in requirements.txt; lock2"),
        "{:#?}",
        governance.decisions[0]
    );
    assert!(governance.decisions[0].what.ends_with("; and 2 more)"));
    let texts: Vec<&str> = governance.gaps.iter().map(|g| g.text.as_str()).collect();
    assert_eq!(texts.len(), 1, "{texts:#?}");
    assert!(
        texts[0].starts_with("11 framework changes pushed directly with no pull request and no approval in git; the forge was not consulted (in 7 commits), "),
        "{texts:#?}"
    );
    assert_eq!(governance.gaps[0].items.len(), 7);
}

#[test]
fn a_local_merge_the_forge_shows_no_pull_request_for_names_the_merger_not_a_pusher() {
    let mut c = change(1, "openai", false);
    c.commit.forge = ForgeCheck::NoPull;
    c.commit.merged_by = Some(crate::model::Person::new("Assaf Elovic", "assaf@example.com"));
    let owners = Owners::default();
    let approvals = [c];
    let rows = matrix(&only_approvals(&approvals, &owners));
    let governance = rows.iter().find(|r| r.role == Role::Governance).unwrap_or_else(|| unreachable!());
    let text = &governance.gaps[0].text;
    assert!(
        text.contains("written by Ana Ruiz, came in a merge by Assaf Elovic that the forge shows no pull request for"),
        "{text}"
    );
    assert!(!text.contains("pushed directly"), "{text}");
}
