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
        Self { text, needs }
    }
}
