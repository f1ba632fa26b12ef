//! Analysts' verdicts: kept in the case store beside the case file, joined to the
//! case (a false positive sets its gaps aside, and the report says who and why),
//! made from the TUI with `a`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::model::{Annotation, Verdict};
use leakline::tui::app::{Cmd, Model, Msg, update};

fn note(target: &str, verdict: Verdict, text: &str) -> Annotation {
    Annotation { target: target.into(), verdict, note: text.into(), by: "dana".into(), at: common::now() }
}

fn gaps(case: &leakline::model::Case) -> Vec<String> {
    case.accountability.iter().flat_map(|a| a.gaps.iter().map(|g| g.text.clone())).collect()
}

#[test]
fn a_false_positive_sets_its_gaps_aside_and_says_who_and_why() {
    let (_dir, case) = common::demo_case();
    let before = gaps(&case);
    assert!(before.iter().any(|g| g.contains("sk-proj-…L5Zq")), "{before:#?}");
    let judged = leakline::correlate::annotations::apply(
        case.clone(),
        &[
            note("secret:s2", Verdict::NeedsReview, "ask the vendor"),
            note("secret:s2", Verdict::FalsePositive, "a revoked test key"),
        ],
    );
    let after = gaps(&judged);
    assert!(!after.iter().any(|g| g.contains("sk-proj-…L5Zq (s2)")), "{after:#?}");
    assert!(after.len() < before.len());
    let said: Vec<&str> = judged
        .accountability
        .iter()
        .flat_map(|a| a.decisions.iter())
        .filter(|d| d.evidence == "annotation:secret:s2")
        .map(|d| d.what.as_str())
        .collect();
    assert_eq!(said.len(), 1, "one decision where the gap was");
    assert!(said[0].contains("a false positive (a revoked test key)") && said[0].contains("set aside"), "{said:?}");
    assert_eq!(judged.annotations.len(), 1, "the latest verdict on a target stands");
    // Joined twice: nothing more changes.
    let again = leakline::correlate::annotations::apply(judged.clone(), &judged.annotations);
    assert_eq!(again, judged);
    // A confirmation keeps every gap.
    let confirmed = leakline::correlate::annotations::apply(case.clone(), &[note("secret:s1", Verdict::Confirmed, "")]);
    assert_eq!(gaps(&confirmed), before);
    let json: serde_json::Value =
        serde_json::from_str(&leakline::report::render(&judged, leakline::report::Format::Json)).unwrap();
    let a = &json["annotations"][0];
    assert_eq!(
        (a["target"].as_str(), a["verdict"].as_str(), a["by"].as_str()),
        (Some("secret:s2"), Some("false_positive"), Some("dana"))
    );
    let md = leakline::report::render(&judged, leakline::report::Format::Md);
    assert!(
        md.contains("## Annotations") && md.contains("| secret:s2 | false_positive | a revoked test key | dana |"),
        "{md}"
    );
    let csv = leakline::report::render(&judged, leakline::report::Format::Csv);
    assert!(csv.contains("annotation,"), "{csv}");
}

#[test]
fn annotations_kept_beside_the_case_file_reach_the_report() {
    let dir = common::demo_dir();
    let session = common::session(dir.path());
    assert_eq!(session.store, dir.path().join(".leakline/case.sqlite"));
    let store = leakline::store::CaseStore::open(&session.store).unwrap();
    store.add(&note("secret:s2", Verdict::FalsePositive, "fixture key")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["report", "--case", dir.path().join("leakline.toml").to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["annotations"][0]["note"], "fixture key");
    let roles = json["accountability"].as_array().unwrap();
    let gaps: String = roles.iter().map(|r| r["gaps"].to_string()).collect();
    let decisions: String = roles.iter().map(|r| r["decisions"].to_string()).collect();
    assert!(!gaps.contains("L5Zq (s2)"), "the gap is set aside in the report too: {gaps}");
    assert!(decisions.contains("judged secret:s2 a false positive (fixture key)"), "{decisions}");
}

#[test]
fn a_in_the_tui_asks_for_a_verdict_on_the_selected_row() {
    let (_dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    let press = |model: &mut Model, keys: &str| -> Vec<Cmd> {
        leakline::tui::keymap::events(keys).into_iter().filter_map(|k| update(model, Msg::KeyPressed(k)).1).collect()
    };
    assert!(press(&mut model, "ja<tab>").is_empty());
    assert_eq!(model.prompt.as_ref().unwrap().text, "confirmed ");
    let cmds = press(&mut model, "<ctrl-u>false-positive a test key<enter>");
    let Some(Cmd::Annotate { target, verdict, note, .. }) = cmds.into_iter().next() else { panic!("an annotation") };
    assert_eq!((target.as_str(), verdict, note.as_str()), ("secret:s2", Verdict::FalsePositive, "a test key"));
    assert!(press(&mut model, "amaybe<enter>").is_empty());
    assert!(model.status.as_deref().unwrap_or("").starts_with("no verdict `maybe`"));
    press(&mut model, "5a");
    assert!(model.prompt.is_some(), "a replay group can be annotated too");
}
