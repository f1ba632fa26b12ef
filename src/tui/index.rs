//! What the TUI measures once per case, off the event loop: each pane's row
//! text for search, each column's widest cell, the timeline's volume.

use super::app::Pane;
use super::panes::{grid, row_count};
use super::search::TextIndex;
use crate::model::Case;

#[derive(Debug, Clone, Default)]
pub struct CaseIndex {
    pub text: Vec<TextIndex>,
    pub needs: Vec<Vec<u16>>,
    /// The timeline's volume with no filter (going back to it is then free).
    pub volume: super::panes::timeline::Volume,
}

impl CaseIndex {
    pub fn build(case: &Case) -> Self {
        let mut text = Vec::new();
        let mut needs = Vec::new();
        for pane in Pane::ALL {
            let (t, n) = measure(case, pane);
            text.push(t);
            needs.push(n);
        }
        let all: Vec<u32> = (0..case.timeline.len() as u32).collect();
        let volume = super::panes::timeline::volume(case, &all);
        Self { text, needs, volume }
    }
}

/// Rows at which measuring a pane is split across the cores.
const SPLIT: usize = 50_000;

/// One pane's text index and column needs; a long pane in pieces on every core.
fn measure(case: &Case, pane: Pane) -> (TextIndex, Vec<u16>) {
    measure_split(case, pane, SPLIT)
}

fn measure_split(case: &Case, pane: Pane, split: usize) -> (TextIndex, Vec<u16>) {
    let g = grid(pane);
    let rows = row_count(pane, case);
    let one = |range: std::ops::Range<usize>| {
        let mut needs: Vec<u16> = g.columns.iter().map(|c| c.header.chars().count() as u16).collect();
        let text = TextIndex::build(range.map(|i| {
            let cells = (g.cells)(case, i);
            for (n, (t, _)) in needs.iter_mut().zip(&cells) {
                *n = (*n).max(t.chars().count().min(u16::MAX as usize) as u16);
            }
            super::panes::grid::text_of(&cells)
        }));
        (text, needs)
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from).max(2);
    if rows < split || cores == 1 {
        return one(0..rows);
    }
    let step = rows.div_ceil(cores);
    let parts: Option<Vec<(TextIndex, Vec<u16>)>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..cores).map(|k| scope.spawn(move || one(k * step..((k + 1) * step).min(rows)))).collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    // A piece lost would shift every later row: measure in one piece instead.
    let Some(parts) = parts else { return one(0..rows) };
    let mut needs = vec![0u16; g.columns.len()];
    for (_, n) in &parts {
        for (a, b) in needs.iter_mut().zip(n) {
            *a = (*a).max(*b);
        }
    }
    (TextIndex::concat(parts.into_iter().map(|(t, _)| t).collect()), needs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pane_measured_in_pieces_is_the_pane_measured_whole() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        crate::demo::write(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let args = crate::session::SourceArgs { case: Some(dir.path().join("leakline.toml")), ..Default::default() };
        let session = crate::session::Session::resolve(&args).unwrap_or_else(|e| panic!("{e}"));
        let case = session.case(chrono::Utc::now()).unwrap_or_else(|e| panic!("{e}"));
        let q = crate::tui::search::Query::parse("replay").ok().flatten().unwrap_or_else(|| panic!("query"));
        for pane in Pane::ALL {
            let (whole, needs) = measure_split(&case, pane, usize::MAX);
            let (pieces, split_needs) = measure_split(&case, pane, 1);
            assert_eq!(needs, split_needs, "{pane:?}");
            assert_eq!(whole.len(), pieces.len());
            assert_eq!(whole.find(&q, None), pieces.find(&q, None), "{pane:?}");
        }
    }
}
