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
            let g = grid(pane);
            let rows = row_count(pane, case);
            text.push(TextIndex::build((0..rows).map(|i| g.row_text(case, i))));
            needs.push(g.needs(case, rows));
        }
        let all: Vec<u32> = (0..case.timeline.len() as u32).collect();
        let volume = super::panes::timeline::volume(case, &all);
        Self { text, needs, volume }
    }
}
