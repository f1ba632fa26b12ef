//! `open --follow`: lines appended to a followed log flow through the same
//! correlation; a new replay shows in the status line and rings the bell once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::tui::app::{Cmd, Model, Msg, SourceStatus, update};

fn line(n: usize) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"2026-04-15T10:00:{n:02}Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{n}","userAgent":"curl/8.0","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/svc-ticket-agent","accessKeyId":"AKIA4NWTDEMOLEAKQ5XZ"}},"eventID":"follow-{n:04}"}}"#
    ) + "\n"
}

/// Run every correlation asked for, as the runtime would, until none is.
fn settle(model: &mut Model, mut cmd: Option<Cmd>, ctx: &leakline::correlate::Context) {
    while let Some(Cmd::Correlate { evidence, generation }) = cmd {
        let case = leakline::correlate::correlate(&evidence, ctx);
        cmd = update(model, Msg::Correlated { case: Box::new(case), index: None, generation }).1;
    }
}

#[test]
fn appended_lines_are_correlated_and_a_new_replay_is_told_once() {
    let dir = common::demo_dir();
    let session = common::session(dir.path());
    let ctx = session.context(Default::default(), common::now());
    let mut model = Model::new(vec!["all".into()]);
    model.follow = Some(leakline::session::Follow { bell: true });
    let evidence = session.evidence().unwrap();
    let (_, cmd) = update(&mut model, Msg::SourceLoaded { index: 0, result: Ok(Box::new(evidence)) });
    settle(&mut model, cmd, &ctx);
    let before = model.case.as_ref().unwrap().replays.len();
    assert!(!model.ring, "the first case rings nothing");
    assert!(!model.evidence.accesses.is_empty(), "a followed session keeps its evidence for what comes");
    let text = format!("{}{}", line(2), line(3));
    let options = session.follow_options(&model.evidence);
    let (appended, records, rejected) = leakline::ingest::parse_appended(
        leakline::model::SourceKind::Cloudtrail,
        "live.jsonl",
        text.as_bytes(),
        &options,
    )
    .unwrap();
    assert_eq!((records, rejected, appended.accesses.len()), (2, 0, 2));
    let msg = Msg::Appended { index: 0, evidence: Box::new(appended), records, rejected, note: None };
    let (_, cmd) = update(&mut model, msg);
    settle(&mut model, cmd, &ctx);
    assert_eq!(model.case.as_ref().unwrap().replays.len(), before + 2);
    let status = model.status.clone().unwrap_or_default();
    assert!(status.starts_with("2 new replays — latest s1 from 198.51.100.3"), "{status}");
    assert!(std::mem::take(&mut model.ring), "the bell rings once");
    assert!(matches!(model.sources[0].status, SourceStatus::Loaded { records: r, .. } if r > 2));
    // Nothing new: no bell.
    let msg = Msg::Appended { index: 0, evidence: Box::default(), records: 0, rejected: 0, note: None };
    let (_, cmd) = update(&mut model, msg);
    settle(&mut model, cmd, &ctx);
    assert!(!model.ring);
    // A log that is not followed quietly: without --follow the evidence moves into the last correlation.
    let mut quiet = Model::new(vec!["all".into()]);
    let (_, cmd) =
        update(&mut quiet, Msg::SourceLoaded { index: 0, result: Ok(Box::new(session.evidence().unwrap())) });
    settle(&mut quiet, cmd, &ctx);
    assert!(quiet.evidence.accesses.is_empty());
}

#[test]
fn a_followed_log_that_never_ends_a_line_costs_max_line_not_what_it_writes() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("live.jsonl");
    std::fs::write(&log, line(1)).unwrap();
    let max_line = 1 << 20;
    let mut tail = leakline::ingest::tail::Tail::at_end(&log, max_line).unwrap();
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    // 96 MiB without a newline, in bursts, each looked at as `open --follow` does.
    let burst = vec![b'x'; 4 << 20];
    let mut overlong = 0;
    for _ in 0..24 {
        file.write_all(&burst).unwrap();
        let found = tail.poll().unwrap();
        assert!(found.lines.is_empty());
        assert!(tail.held() <= max_line, "holds {} bytes of one line", tail.held());
        overlong += found.overlong;
    }
    assert_eq!(overlong, 1, "one overlong line, said once");
    file.write_all(b"\n").unwrap();
    file.write_all(line(2).as_bytes()).unwrap();
    let found = tail.poll().unwrap();
    assert_eq!(found.lines, line(2).as_bytes(), "the lines after it are read");
    assert_eq!(tail.held(), 0);
}
