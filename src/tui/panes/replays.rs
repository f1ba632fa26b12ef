//! Replays: uses after exposure that the secret's own baseline does not explain,
//! grouped by address and principal.

use super::grid::{Cells, Column, Grid, Tone, Width};
use super::when;
use crate::model::Case;

const COLUMNS: [Column; 8] = [
    Column { header: "secret", width: Width::Text { cap: 22, floor: 15 } },
    Column { header: "address", width: Width::Text { cap: 40, floor: 15 } },
    Column { header: "principal", width: Width::Text { cap: 60, floor: 18 } },
    Column { header: "first (UTC)", width: Width::Fixed(16) },
    Column { header: "last (UTC)", width: Width::Fixed(16) },
    Column { header: "calls", width: Width::Fixed(5) },
    Column { header: "denied", width: Width::Fixed(6) },
    // Every reason is why the row is here: it wraps rather than being cut.
    Column { header: "why", width: Width::Text { cap: 80, floor: 16 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(g) = case.replay_groups.get(i) else { return Vec::new() };
    let label =
        case.secrets.iter().find(|s| s.id == g.secret).map_or(g.secret.clone(), |s| format!("{} {}", s.id, s.label));
    let reasons: Vec<&str> = g.reasons.iter().map(|r| r.name()).collect();
    vec![
        (label, Tone::Text),
        (g.ip.clone(), Tone::Critical),
        (g.principal.clone(), Tone::Text),
        (when(&g.first), Tone::Text),
        (when(&g.last), Tone::Text),
        (g.count.to_string(), Tone::Text),
        (g.denied.to_string(), Tone::Text),
        (reasons.join(", "), Tone::Warn),
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[4, 6, 5, 3], keep_end: &[2], wrap: &[7], cells };

pub fn title(case: &Case) -> &'static str {
    if case.replays.is_empty() && case.secrets.iter().all(|s| s.baseline_uses == 0) {
        "Where the secret was replayed — no audit record used a leaked credential"
    } else {
        "Where the secret was replayed"
    }
}
