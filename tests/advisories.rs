//! Advisories joined to the dependency history, on repositories built with
//! git2: the change that adopted an affected version carries the advisory,
//! the change that left the range clears it, with who approved it and how
//! long the manifest stood in the range.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::TimeZone;
use common::repo::Repo;
use leakline::correlate::{Context, correlate};
use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::{AdvisoryEffect, GapKind};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const BO: (&str, &str) = ("Bo Lind", "bo@example.com");

fn sample() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/osv/GHSA-c67j-w6g6-q2cm.json")
}

#[test]
fn the_osv_sample_reads_whole() {
    let ev = load(&SourceSpec::Advisories(sample()), &ReadOptions::default()).unwrap();
    assert_eq!(ev.inputs.len(), 1);
    let input = &ev.inputs[0];
    assert_eq!((input.records, input.relevant, input.rejected), (1, 1, 0), "{:?}", input.errors);
    assert_eq!(input.sha256.as_deref().map(str::len), Some(64));
    let a = &ev.advisories[0];
    assert_eq!(a.id, "GHSA-c67j-w6g6-q2cm");
    assert_eq!(a.aliases, ["CVE-2025-68664"]);
    assert_eq!(a.affected.len(), 2);
    assert_eq!(a.affected[0].package, "langchain-core");
    assert!(a.references[0].contains("nvd.nist.gov"), "advisory references first: {:?}", a.references);
    assert_eq!(a.published.map(|p| p.to_rfc3339()), Some("2025-12-23T00:00:00+00:00".to_string()));
}

/// A history whose dates straddle the advisory: adopted before publication, fixed after.
fn history() -> Repo {
    let mut r = Repo::new();
    r.put("README.md", "agent\n")
        .put("pyproject.toml", "[project]\nname = \"agent\"\ndependencies = [\"requests>=2\"]\n");
    r.commit(ANA, "Start");
    r.put(
        "pyproject.toml",
        "[project]\nname = \"agent\"\ndependencies = [\"requests>=2\", \"langchain-core==0.3.50\"]\n",
    );
    r.commit(ANA, "Adopt langchain-core (#12)\n\nReviewed-by: Bo Lind <bo@example.com>\n");
    r.put(
        "pyproject.toml",
        "[project]\nname = \"agent\"\ndependencies = [\"requests>=2\", \"langchain-core==0.3.60\"]\n",
    );
    r.commit(ANA, "Bump langchain-core (#13)");
    r.put(
        "pyproject.toml",
        "[project]\nname = \"agent\"\ndependencies = [\"requests>=2\", \"langchain-core>=0.3.81\"]\n",
    );
    r.commit(BO, "Fix GHSA-c67j-w6g6-q2cm (#14)\n\nReviewed-by: Ana Ruiz <ana@example.com>\n");
    r
}

fn case_of(r: &Repo, now: chrono::DateTime<chrono::Utc>, publish_shift_days: i64) -> leakline::model::Case {
    let mut ev = r.read();
    let mut advisories = load(&SourceSpec::Advisories(sample()), &ReadOptions::default()).unwrap();
    // The test history lives in 2023: the advisory is moved to fall between its commits.
    let first = ev.dependency_changes.iter().map(|c| c.commit.at).min().unwrap();
    for a in &mut advisories.advisories {
        a.published = Some(first + chrono::Duration::days(publish_shift_days));
    }
    ev.merge(advisories);
    correlate(&ev, &Context { now, ..Context::default() })
}

#[test]
fn the_adoption_carries_the_advisory_and_the_fix_clears_it() {
    let r = history();
    let now = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).single().unwrap();
    // Published after the bump (commit 3, two hours after the adoption), before the fix.
    let case = case_of(&r, now, 0);
    let lc: Vec<_> = case.approvals.iter().filter(|c| c.package == "langchain-core").collect();
    assert_eq!(lc.len(), 3, "{lc:#?}");
    let effects: Vec<_> = lc.iter().map(|c| c.advisories.first().map(|m| m.effect)).collect();
    assert_eq!(
        effects,
        [Some(AdvisoryEffect::Adopts), Some(AdvisoryEffect::Keeps), Some(AdvisoryEffect::Clears)],
        "adopts 0.3.50, keeps 0.3.60, clears at >=0.3.81"
    );
    assert_eq!(lc[0].advisories[0].version.as_deref(), Some("0.3.50"));
    assert!(!lc[0].advisories[0].range);
    assert!(lc[2].advisories[0].range, ">=0.3.81 is a range: its floor was judged");
    for c in &lc {
        let m = &c.advisories[0];
        assert_eq!((m.affected_from, m.affected_until), (Some(lc[0].commit.at), Some(lc[2].commit.at)), "one stretch");
        assert_eq!(m.fixed.as_deref(), Some("0.3.81"));
        assert_eq!(m.severity.as_deref(), Some("CRITICAL"));
    }
    let f = &case.advisories[0];
    assert_eq!((f.id.as_str(), f.package.as_str()), ("GHSA-c67j-w6g6-q2cm", "langchain-core"));
    assert_eq!(f.fixed, ["0.3.81", "1.2.5"]);
    assert_eq!(f.windows.len(), 1, "one stretch in the range: {:#?}", f.windows);
    let w = &f.windows[0];
    assert_eq!(w.adopted_version.as_deref(), Some("0.3.50"));
    assert_eq!(w.adopted_by.name, "Ana Ruiz");
    assert_eq!(w.approved_by, ["Bo Lind (Reviewed-by)"], "who approved the affected version");
    assert_eq!(w.cleared_version.as_deref(), Some("0.3.81"));
    assert_eq!(w.window_s, 2 * 3600, "adoption to fix: two commits an hour apart");
    assert!(!f.open());
}

#[test]
fn kept_after_publication_is_a_governance_gap_and_still_affected_is_on_the_chain() {
    let r = history();
    let now = chrono::Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).single().unwrap();
    // Published an hour before the adoption: adopted after publication.
    let case = case_of(&r, now, -1);
    let gaps: Vec<_> = case.gaps().filter(|(_, g)| g.kind == GapKind::AffectedVersion).collect();
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    let text = &gaps[0].1.text;
    assert!(text.contains("langchain-core 0.3.50 in pyproject.toml"), "{text}");
    assert!(text.contains("GHSA-c67j-w6g6-q2cm (CVE-2025-68664)"), "{text}");
    assert!(text.contains("approved by Bo Lind (Reviewed-by)"), "{text}");
    assert!(text.contains("after the advisory was published"), "{text}");
    assert!(text.contains("left the range in commit"), "{text}");
    assert!(text.contains("no owner of the upgrade cadence is declared"), "{text}");
    assert!(gaps[0].1.controls.iter().any(|c| c.id == "ID.RA-08"));
    // The report with advisories meets the schema in the repository.
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/report/report-v1.schema.json")).unwrap();
    let schema = jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap();
    let doc: serde_json::Value =
        serde_json::from_str(&leakline::report::render(&case, leakline::report::Format::Json)).unwrap();
    let errors: Vec<String> = schema.iter_errors(&doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(doc["advisories"][0]["windows"][0]["adopted"]["approved_by"][0], "Bo Lind (Reviewed-by)");
    assert_eq!(
        doc["approvals"].as_array().unwrap().iter().filter(|a| !a["advisories"].as_array().unwrap().is_empty()).count(),
        3
    );

    // Without the fix: still in the range now, on the chain, and a recommendation to move out.
    let mut short = Repo::new();
    short.put("pyproject.toml", "[project]\nname = \"agent\"\ndependencies = [\"langchain-core==0.3.50\"]\n");
    short.commit(ANA, "Adopt langchain-core");
    let case = case_of(&short, now, 1);
    assert!(case.advisories[0].open());
    let gap = case.gaps().find(|(_, g)| g.kind == GapKind::AffectedVersion).map(|(_, g)| g.clone()).unwrap();
    assert!(gap.text.contains("still in the affected range"), "{}", gap.text);
    assert!(gap.text.contains("with no approval in git"), "{}", gap.text);
    let rec = case.recommendations.iter().find(|r| r.gaps.contains(&gap.id)).unwrap();
    assert!(
        rec.text.starts_with(
            "Move langchain-core in pyproject.toml to a version the advisory gives as fixed (0.3.81, 1.2.5"
        ),
        "{}",
        rec.text
    );
}

#[test]
fn a_folder_and_a_zip_of_records_read_as_osv_dev_publishes_them() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let record = std::fs::read_to_string(sample()).unwrap();
    // An unrelated package's record is counted but not kept (it names no watched package).
    let other = r#"{"id":"GHSA-xxxx-yyyy-zzzz","published":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":"requests"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"2.32.0"}]}]}]}"#;
    let zip_path = dir.path().join("PyPI-all.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    let opts = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("GHSA-c67j-w6g6-q2cm.json", opts).unwrap();
    zip.write_all(record.as_bytes()).unwrap();
    zip.start_file("GHSA-xxxx-yyyy-zzzz.json", opts).unwrap();
    zip.write_all(other.as_bytes()).unwrap();
    zip.start_file("broken.json", opts).unwrap();
    zip.write_all(b"{\"id\": ").unwrap();
    zip.finish().unwrap();
    let ev = load(&SourceSpec::Advisories(zip_path), &ReadOptions::default()).unwrap();
    let input = &ev.inputs[0];
    assert_eq!((input.records, input.relevant, input.rejected), (2, 1, 1), "{:?}", input.errors);
    assert!(input.errors[0].message.contains("broken.json"), "{:?}", input.errors);
    assert_eq!(ev.advisories.len(), 1);
    // With --all-deps every record is kept.
    let all = ReadOptions { all_deps: true, ..ReadOptions::default() };
    let ev = load(&SourceSpec::Advisories(dir.path().to_path_buf()), &all).unwrap();
    assert_eq!(ev.advisories.len(), 2, "the folder's zip, every record");
}
