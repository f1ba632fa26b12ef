//! The TUI at one million timeline events: the demo case with a million replays
//! (unique addresses and event ids), drawn with ratatui's TestBackend through
//! the real `update` and `view`. Prints the index build, the first frame, each
//! pane's frame time, key-to-frame for scrolling, jumping, searching and a
//! filter, the peak memory, and a search against `grep -F -c` over the same rows.
//! Run with `cargo bench --bench tui`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark fails loudly

use std::process::Command;
use std::time::{Duration, Instant};

use leakline::model::{Case, EntryKind, ItemRef, Replay, TimelineEntry};
use leakline::tui::app::{Model, Msg, update};
use leakline::tui::keymap::events;
use leakline::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const EVENTS: usize = 1_000_000;

/// The demo case, its replays multiplied to a million, each from its own address.
fn big_case() -> Case {
    let dir = tempfile::tempdir().unwrap();
    leakline::demo::write(dir.path()).unwrap();
    let args = leakline::session::SourceArgs { case: Some(dir.path().join("leakline.toml")), ..Default::default() };
    let session = leakline::session::Session::resolve(&args).unwrap();
    let mut case = session.case(chrono::Utc::now()).unwrap();
    let template: Replay = case.replays[0].clone();
    let start = template.access.at;
    let base = case.replays.len();
    let mut replays = Vec::with_capacity(EVENTS);
    let mut timeline = Vec::with_capacity(EVENTS + case.timeline.len());
    for i in 0..EVENTS {
        let mut r = template.clone();
        r.access.at = start + chrono::Duration::seconds(i as i64);
        r.access.ip = Some(format!("{}.{}.{}.{}", 11 + i % 200, (i / 200) % 250, (i / 50_000) % 250, i % 251));
        r.access.event_id = format!("{i:08x}-bench-0000-0000-{i:012}");
        timeline.push(TimelineEntry {
            at: r.access.at,
            kind: EntryKind::Replay,
            summary: format!(
                "{} {} from {} [new_ip]",
                r.secret,
                r.access.action,
                r.access.ip.as_deref().unwrap_or("?")
            ),
            who: r.access.principal.clone(),
            item: ItemRef::Replay(base + i),
        });
        replays.push(r);
    }
    case.replays.extend(replays);
    timeline.append(&mut case.timeline);
    timeline.sort_by_key(|e| e.at);
    case.timeline = timeline;
    case
}

fn draw(terminal: &mut Terminal<TestBackend>, model: &Model, theme: &Theme) {
    terminal.draw(|f| leakline::tui::view::view(model, theme, f)).unwrap();
}

/// Median and worst of `runs` timings of `f`.
fn timed(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let mut all: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    all.sort();
    (all[all.len() / 2], all[all.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn press(model: &mut Model, keys: &str) {
    for k in events(keys) {
        update(model, Msg::KeyPressed(k));
    }
}

fn peak_mb() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.split_whitespace().nth(1).unwrap_or("?").to_string())
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or("?".into(), |kb| format!("{:.0} MB", kb / 1024.0))
}

fn main() {
    let t = Instant::now();
    let case = big_case();
    println!(
        "TUI benchmark: {} timeline events, {} replays (built in {:.1} s)",
        case.timeline.len(),
        case.replays.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let index = leakline::tui::index::CaseIndex::build(&case);
    let index_time = t.elapsed();
    // The same text the search reads: each timeline row as shown.
    let grid_rows: Vec<String> = (0..case.timeline.len())
        .map(|i| leakline::tui::app::row_text(leakline::tui::app::Pane::Timeline, &case, i))
        .collect();
    let mut model = Model::new(Vec::new());
    let t = Instant::now();
    update(&mut model, Msg::Correlated { case: Box::new(case), index: Some(Box::new(index)), generation: 1 });
    let theme = Theme::default_theme();
    let mut terminal = Terminal::new(TestBackend::new(140, 45)).unwrap();
    draw(&mut terminal, &model, &theme);
    let first = t.elapsed();
    println!("  index (off the event loop):   {}", ms(index_time));
    println!("  first frame once it arrives:  {}  (target < 100 ms)", ms(first));
    for (key, name) in [
        ("1", "Overview"),
        ("2", "Timeline"),
        ("3", "Approvals"),
        ("4", "Reachability"),
        ("5", "Replays"),
        ("6", "Accountability"),
    ] {
        press(&mut model, key);
        let (median, worst) = timed(50, || draw(&mut terminal, &model, &theme));
        println!("  frame {name:<15}        median {}  worst {}  (target < 1 ms)", ms(median), ms(worst));
    }
    press(&mut model, "2");
    let (median, worst) = timed(200, || {
        press(&mut model, "j");
        draw(&mut terminal, &model, &theme);
    });
    println!("  key-to-frame j (scroll):      median {}  worst {}  (target < 16 ms)", ms(median), ms(worst));
    let (median, worst) = timed(50, || {
        press(&mut model, "G");
        draw(&mut terminal, &model, &theme);
        press(&mut model, "g");
        draw(&mut terminal, &model, &theme);
    });
    println!("  key-to-frame G then g (jump): median {}  worst {}  (two frames)", ms(median), ms(worst));
    // Typing a search: each key narrows the last one's matches.
    let needle = "57.123.1";
    let mut per_key = Vec::new();
    press(&mut model, "/");
    for c in needle.chars() {
        let t = Instant::now();
        press(&mut model, &c.to_string());
        draw(&mut terminal, &model, &theme);
        per_key.push(t.elapsed());
    }
    press(&mut model, "<enter>");
    let matches = model.search.as_ref().map_or(0, |s| s.matches.len());
    let first_key = per_key[0];
    let worst_key = per_key.iter().max().copied().unwrap_or_default();
    println!(
        "  key-to-frame search /{needle}: first key {}  worst key {}  ({matches} matches; target < 16 ms)",
        ms(first_key),
        ms(worst_key)
    );
    let (median, _) = timed(20, || {
        press(&mut model, "n");
        draw(&mut terminal, &model, &theme);
    });
    println!("  key-to-frame n (next match):  median {}", ms(median));
    // Counting every match (Enter) against grep over the same rows, from a file.
    let file = std::env::temp_dir().join("leakline-bench-rows.txt");
    std::fs::write(&file, grid_rows.join("\n")).unwrap();
    let (grep, _) = timed(5, || {
        let _ = Command::new("grep").args(["-F", "-i", "-c", needle, file.to_str().unwrap()]).output();
    });
    let out = Command::new("grep").args(["-F", "-i", "-c", needle, file.to_str().unwrap()]).output();
    let query = leakline::tui::search::Query::parse(needle).unwrap().unwrap();
    let text = &model.index.as_ref().unwrap().text[1];
    let (ours, _) = timed(5, || {
        std::hint::black_box(text.find(&query, None));
    });
    if let Ok(out) = out {
        println!(
            "  every match counted: leakline {}  grep -F -i -c {} ({} rows)  leakline / grep = {:.2}",
            ms(ours),
            ms(grep),
            String::from_utf8_lossy(&out.stdout).trim(),
            ours.as_secs_f64() / grep.as_secs_f64()
        );
    }
    let _ = std::fs::remove_file(&file);
    press(&mut model, ":clear<enter>");
    let mut filter = leakline::tui::filter::Filter::default();
    filter.set("ip", "57.123.1").unwrap();
    let case = model.case.clone().unwrap();
    let t = Instant::now();
    let kept = filter.rows(&case, leakline::tui::app::Pane::Timeline).len();
    println!("  filter ip over the timeline alone: {} ({kept} rows)", ms(t.elapsed()));
    // A jump to a person: the key returns at once, the rows follow from a worker.
    let t = Instant::now();
    let mut asked = None;
    for k in events(":actor hannah<enter>") {
        asked = update(&mut model, Msg::KeyPressed(k)).1.or(asked);
    }
    draw(&mut terminal, &model, &theme);
    let key_to_frame = t.elapsed();
    let Some(leakline::tui::app::Cmd::Refilter { case, filter, generation, latest }) = asked else {
        panic!("a large filter goes off the event loop")
    };
    let t = Instant::now();
    let cancelled = || latest.load(std::sync::atomic::Ordering::Relaxed) != generation;
    let (rows, volume) = leakline::tui::app::filtered(&case, &filter, &cancelled).unwrap();
    let worker = t.elapsed();
    let t = Instant::now();
    update(&mut model, Msg::Filtered { generation, rows: Box::new(rows), volume: Box::new(volume) });
    draw(&mut terminal, &model, &theme);
    println!(
        "  key-to-frame :actor hannah (filter every pane): {} on the event loop; rows ready after {} on a worker, shown in {}",
        ms(key_to_frame),
        ms(worker),
        ms(t.elapsed())
    );
    let t = Instant::now();
    press(&mut model, "<esc>");
    draw(&mut terminal, &model, &theme);
    println!("  key-to-frame Esc (back, unfiltered): {}", ms(t.elapsed()));
    println!("  peak memory (whole benchmark): {}", peak_mb());
    println!(
        "  idle: the event loop draws only on a message; ticks stop once loading ends (0 frames in an idle second)"
    );
}
