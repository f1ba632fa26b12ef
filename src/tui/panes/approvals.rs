//! Approvals: who brought the framework in and who approved it, and how we know.

use super::grid::{Cells, Column, Grid, Tone, Width};
use crate::model::{Case, DependencyChange};

/// `Marcus Lee (Reviewed-by)`: the approver and the record that names them.
fn approvers(c: &DependencyChange) -> Vec<String> {
    c.commit
        .approvers
        .iter()
        .map(|a| {
            let who = if a.name.is_empty() { &a.email } else { &a.name };
            let how = if a.role.is_empty() { &a.via } else { &a.role };
            format!("{who} ({how})")
        })
        .collect()
}

/// Short marks: bot author, lockfile-only move, wiring changed in the same PR.
fn flags(c: &DependencyChange) -> String {
    let mut out: Vec<&str> = Vec::new();
    // An advisory first: `adopts GHSA-c67j` (the detail names it whole).
    let advisory =
        c.advisories.first().map(|m| format!("{} {}", m.effect.name(), m.id.chars().take(9).collect::<String>()));
    if let Some(a) = &advisory {
        out.push(a);
    }
    if c.commit.bot {
        out.push("bot");
    }
    if c.transitive {
        out.push("transitive");
    } else if c.lockfile {
        out.push("lock");
    }
    if c.touches_wiring {
        out.push("wiring");
    }
    out.join(" ")
}

/// `added 0.1.16`, `upgraded 0.1.16→0.2.5`, `removed 1.0`.
fn change(c: &DependencyChange) -> String {
    match (c.from.as_deref(), c.to.as_deref()) {
        (Some(a), Some(b)) => format!("{} {a}→{b}", c.change_label()),
        (None, Some(v)) | (Some(v), None) => format!("{} {v}", c.change_label()),
        (None, None) => c.change_label(),
    }
}

const COLUMNS: [Column; 9] = [
    Column { header: "date", width: Width::Fixed(10) },
    Column { header: "package", width: Width::Text { cap: 28, floor: 22 } },
    Column { header: "change", width: Width::Text { cap: 40, floor: 24 } },
    Column { header: "manifest", width: Width::Text { cap: 60, floor: 10 } },
    Column { header: "author", width: Width::Text { cap: 24, floor: 8 } },
    Column { header: "PR", width: Width::Fixed(5) },
    Column { header: "approved by (record)", width: Width::Text { cap: 40, floor: 16 } },
    Column { header: "merged by", width: Width::Text { cap: 20, floor: 9 } },
    Column { header: "flags", width: Width::Text { cap: 20, floor: 11 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(c) = case.approvals.get(i) else { return Vec::new() };
    let names = approvers(c);
    let approved = match (names.is_empty(), c.approved) {
        (true, _) => "none recorded".to_string(),
        (false, true) => names.join(", "),
        (false, false) => format!("none: {} is own review", names.join(", ")),
    };
    vec![
        (c.commit.at.format("%Y-%m-%d").to_string(), Tone::Text),
        (c.package.clone(), Tone::Text),
        (change(c), Tone::Text),
        (c.manifest.clone(), Tone::Text),
        (c.commit.author.name.clone(), Tone::Text),
        (c.commit.pull_request.map_or("–".into(), |n| format!("#{n}")), Tone::Text),
        (approved, if c.approved { Tone::Ok } else { Tone::Gap }),
        (c.commit.merged_by.as_ref().map_or("–".into(), |p| p.name.clone()), Tone::Text),
        (flags(c), Tone::Warn),
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[7, 3, 8, 0], keep_end: &[], wrap: &[], cells };

pub fn title(_: &Case) -> &'static str {
    "Who approved the framework"
}
