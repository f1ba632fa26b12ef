//! The timeline as inline SVG: the incident's span, the volume of replays as
//! bars, and a marker for each framework change, reachability change,
//! exposure, detection and revocation. Labels are escaped text in `<title>`.

use std::fmt::Write;

use super::esc;
use crate::model::{Case, EntryKind};

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 20.0;
const RIGHT: f64 = 980.0;
const BINS: usize = 80;

fn colour(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Exposure => "#a3141e",
        EntryKind::Detection => "#c8541b",
        EntryKind::Revocation => "#1f7a3a",
        EntryKind::Framework | EntryKind::Dependency => "#2550a8",
        EntryKind::Reachability | EntryKind::Unwiring => "#7a3fa8",
        EntryKind::Issued => "#56607a",
        EntryKind::Replay => "#a3141e",
    }
}

pub(super) fn timeline(case: &Case) -> String {
    let Some((from, to)) = case.window else { return String::new() };
    let span = (to - from).num_seconds().max(1) as f64;
    let x = |at: chrono::DateTime<chrono::Utc>| LEFT + (at - from).num_seconds() as f64 / span * (RIGHT - LEFT);
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} 200\" role=\"img\" aria-label=\"timeline\"><title>Timeline of the incident</title>"
    );
    let _ = write!(o, "<line x1=\"{LEFT}\" y1=\"150\" x2=\"{RIGHT}\" y2=\"150\" stroke=\"#56607a\"/>");
    // Replay volume: one bar a bin, scaled to the busiest.
    let mut bins = [0usize; BINS];
    for r in &case.replays {
        let i = ((r.access.at - from).num_seconds() as f64 / span * BINS as f64) as usize;
        bins[i.min(BINS - 1)] += 1;
    }
    let most = bins.iter().copied().max().unwrap_or(0).max(1) as f64;
    let bar = (RIGHT - LEFT) / BINS as f64;
    for (i, &n) in bins.iter().enumerate().filter(|(_, n)| **n > 0) {
        let h = (n as f64 / most * 60.0).max(2.0);
        let _ = write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"#a3141e\" opacity=\".55\"><title>{n} replay(s)</title></rect>",
            LEFT + i as f64 * bar,
            148.0 - h,
            (bar - 1.0).max(1.0)
        );
    }
    for e in case.timeline.iter().filter(|e| e.kind != EntryKind::Replay) {
        let (y, r) = match e.kind {
            EntryKind::Exposure | EntryKind::Detection | EntryKind::Revocation => (40.0, 7.0),
            _ => (170.0, 4.5),
        };
        let _ = write!(
            o,
            "<circle cx=\"{:.1}\" cy=\"{y}\" r=\"{r}\" fill=\"{}\"><title>{} {}: {}</title></circle>",
            x(e.at),
            colour(e.kind),
            esc(&e.at.format("%Y-%m-%d %H:%M UTC").to_string()),
            e.kind.name(),
            esc(&e.summary)
        );
    }
    let _ = write!(
        o,
        "<text x=\"{LEFT}\" y=\"195\" font-size=\"12\" fill=\"#56607a\">{}</text><text x=\"{RIGHT}\" y=\"195\" font-size=\"12\" fill=\"#56607a\" text-anchor=\"end\">{}</text>",
        esc(&from.format("%Y-%m-%d").to_string()),
        esc(&to.format("%Y-%m-%d").to_string())
    );
    let _ = write!(
        o,
        "<text x=\"{LEFT}\" y=\"16\" font-size=\"12\" fill=\"#56607a\">● exposure (red) · detection (orange) · revocation (green) above; bars: replays; below: framework (blue) and reachability (purple) changes</text></svg>"
    );
    o
}
