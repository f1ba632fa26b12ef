//! Reachability: the changes that made secrets readable at runtime.

use super::grid::{Cells, Column, Grid, Tone, Width};
use super::when;
use crate::model::Case;

const COLUMNS: [Column; 7] = [
    Column { header: "when (UTC)", width: Width::Fixed(16) },
    Column { header: "kind", width: Width::Text { cap: 24, floor: 17 } },
    Column { header: "where", width: Width::Text { cap: 44, floor: 14 } },
    Column { header: "names", width: Width::Text { cap: 40, floor: 12 } },
    Column { header: "by", width: Width::Text { cap: 24, floor: 10 } },
    Column { header: "approved by", width: Width::Text { cap: 24, floor: 13 } },
    Column { header: "reaches", width: Width::Text { cap: 12, floor: 8 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(r) = case.reachability.get(i) else { return Vec::new() };
    let g = &r.grant;
    let place = match g.line {
        Some(l) => format!("{}:{l}", g.path),
        None => g.path.clone(),
    };
    let approved = match (&g.commit, crate::model::approval_text(r.approved, &r.approvers)) {
        (None, _) => ("(audit log)".to_string(), Tone::Muted),
        (Some(_), None) => ("none recorded".to_string(), Tone::Gap),
        (Some(_), Some(text)) => (text, if r.approved { Tone::Ok } else { Tone::Gap }),
    };
    let reaches =
        if r.secrets.is_empty() { ("unlinked".to_string(), Tone::Muted) } else { (r.secrets.join(","), Tone::Warn) };
    vec![
        (when(&g.at), Tone::Text),
        (g.kind.name().to_string(), Tone::Text),
        (place, Tone::Text),
        (g.reaches(", "), Tone::Text),
        (g.actor.name.clone(), Tone::Text),
        approved,
        reaches,
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[0, 2], keep_end: &[], wrap: &[], cells };

pub fn title(_: &Case) -> &'static str {
    "Who made secrets reachable"
}
