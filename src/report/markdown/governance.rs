//! The Markdown report's second half: the timeline, the accountability
//! matrix with its gaps, the gaps by control, annotations, inputs and provenance.

use std::fmt::Write;

use super::{Provenance, cell, t};
use crate::model::Case;
use crate::report::facts;

pub fn timeline(o: &mut String, case: &Case) {
    let events = facts::story(case);
    let _ = writeln!(o, "## Timeline\n");
    if events.is_empty() {
        let _ = writeln!(o, "No dated event.\n");
        return;
    }
    let _ = writeln!(o, "| when (UTC) | event | secret | what | who |\n|---|---|---|---|---|");
    for e in &events {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            e.at.format("%Y-%m-%d %H:%M"),
            e.kind,
            cell(&e.secret),
            cell(&e.what),
            cell(&e.who)
        );
    }
    o.push('\n');
}

pub fn matrix(o: &mut String, case: &Case) {
    let _ = writeln!(o, "## Accountability matrix\n");
    let _ = writeln!(o, "| role | owners | decisions | gaps |\n|---|---|---|---|");
    for a in &case.accountability {
        let owners = if a.owners.is_empty() { "none known".to_string() } else { cell(&a.owners.join(", ")) };
        let source = if a.owners_declared || a.owners.is_empty() { "" } else { " (named by the evidence)" };
        let ids: Vec<&str> = a.gaps.iter().map(|g| g.id.as_str()).collect();
        let _ = writeln!(
            o,
            "| {} | {owners}{source} | {} | {} |",
            a.role.name(),
            a.decisions.len(),
            if ids.is_empty() { "none".to_string() } else { format!("{} ({})", ids.len(), ids.join(", ")) }
        );
    }
    o.push('\n');
    for a in &case.accountability {
        let _ = writeln!(o, "### {}\n", a.role.title());
        let source = if a.owners_declared { "" } else { " (named by the evidence; no owners file)" };
        let _ = writeln!(
            o,
            "**Owners:** {}{source}\n",
            if a.owners.is_empty() { "none known".into() } else { cell(&a.owners.join(", ")) }
        );
        let _ = writeln!(o, "#### Decisions\n");
        if a.decisions.is_empty() {
            let _ = writeln!(o, "None on record.\n");
        } else {
            for d in &a.decisions {
                let _ = writeln!(o, "- {} — {} — {} ({})", t(&d.at), cell(&d.who), cell(&d.what), cell(&d.evidence));
            }
            o.push('\n');
        }
        let _ = writeln!(o, "#### Gaps\n");
        if a.gaps.is_empty() {
            let _ = writeln!(o, "None found.\n");
            continue;
        }
        for g in &a.gaps {
            let controls: Vec<&str> = g.controls.iter().map(|c| c.id.as_str()).collect();
            let head =
                format!("{} **{}** ({}; {})", g.id, g.severity.name(), cell(&controls.join(", ")), g.kind.name());
            if g.items.is_empty() {
                let _ = writeln!(o, "- {head}: {} ({})", cell(&g.text), cell(&g.evidence));
                continue;
            }
            // A group: one line, the list folded behind it.
            let _ = writeln!(o, "- {head}: {}\n  <details><summary>the {}</summary>\n", cell(&g.text), g.items.len());
            for item in &g.items {
                let _ = writeln!(o, "  - {} ({})", cell(&item.text), cell(&item.evidence));
            }
            let _ = writeln!(o, "\n  </details>");
        }
        o.push('\n');
    }
}

pub fn controls(o: &mut String, case: &Case) {
    let table = facts::by_control(case);
    let _ = writeln!(o, "## Gaps by control\n");
    if table.is_empty() {
        let _ = writeln!(o, "No gap, so no control falls short.\n");
        return;
    }
    let _ = writeln!(
        o,
        "The mapping is leakline's, from `src/correlate/controls.toml`; the frameworks' own texts govern.\n\n| framework | control | gaps |\n|---|---|---|"
    );
    for (c, gaps) in &table {
        let ids: Vec<String> =
            gaps.iter().map(|(role, g)| format!("{} ({}, {})", g.id, role.name(), g.severity.name())).collect();
        let _ = writeln!(o, "| {} | {} {} | {} |", cell(&c.framework), cell(&c.id), cell(&c.name), ids.join(", "));
    }
    o.push('\n');
}

/// The analysts' standing verdicts, as the case store held them.
pub fn annotations(o: &mut String, list: &[crate::model::Annotation]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Annotations\n\n| target | verdict | note | by | at (UTC) |\n|---|---|---|---|---|");
    for a in list {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            cell(&a.target),
            a.verdict.name(),
            cell(&a.note),
            cell(&a.by),
            a.at.format("%Y-%m-%d %H:%M")
        );
    }
    let _ = writeln!(o);
}

fn input_row(o: &mut String, i: &crate::model::InputSummary, prov: &Provenance) {
    let rejected = if i.rejected == 0 { "0".to_string() } else { format!("**{}**", i.rejected) };
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {rejected} | {} |",
        i.kind.name(),
        cell(&prov.path(&i.path)),
        i.records,
        i.relevant,
        i.sha256.as_deref().unwrap_or("–")
    );
    for e in &i.errors {
        let _ = writeln!(o, "|  | line {}: {} |  |  |  |  |", e.line, cell(&e.message));
    }
}

/// The inputs: folders summarised (every file behind them), then single files, with their SHA-256.
pub fn inputs(o: &mut String, case: &Case, prov: &Provenance) {
    const HEADER: &str = "| kind | path | records | relevant | rejected | SHA-256 |\n|---|---|---|---|---|---|";
    let (folders, single) = facts::inputs(case, prov);
    let _ = writeln!(o, "## Inputs\n");
    if !folders.is_empty() {
        let _ = writeln!(o, "| folder | files | records | relevant | rejected |\n|---|---|---|---|---|");
        for f in &folders {
            let rejected = if f.rejected == 0 { "0".to_string() } else { format!("**{}**", f.rejected) };
            let _ =
                writeln!(o, "| {} | {} | {} | {} | {rejected} |", cell(&f.path), f.files.len(), f.records, f.relevant);
        }
        o.push('\n');
    }
    if !single.is_empty() {
        let _ = writeln!(o, "{HEADER}");
        for i in &single {
            input_row(o, i, prov);
        }
        o.push('\n');
    }
    for f in &folders {
        let _ = writeln!(o, "<details><summary>{} files under {}</summary>\n\n{HEADER}", f.files.len(), cell(&f.path));
        for i in &f.files {
            input_row(o, i, prov);
        }
        let _ = writeln!(o, "\n</details>\n");
    }
    let _ = writeln!(o, "## Provenance\n");
    let _ = writeln!(o, "- generated at: {}", prov.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    let _ = writeln!(o, "- generated by: {}", cell(&prov.generated_by));
    if !prov.command.is_empty() {
        let _ = writeln!(o, "- command: {}", cell(&prov.command.join(" ")));
    }
    if prov.base.is_some() {
        let _ = writeln!(o, "- paths: relative to the case file's folder");
    }
    let _ = writeln!(o, "- SHA-256 of each input as read (for gzip, of the compressed file)\n");
}
