//! The governance half of the HTML report: what to do, the timeline's table,
//! the accountability matrix and its gaps, the gaps by control, annotations,
//! inputs and provenance.

use std::fmt::Write;

use super::{Cell, Provenance, Row, esc, row, section, t, table};
use crate::model::{Case, Gap};
use crate::report::facts;

fn gap_links(ids: &[String]) -> Cell {
    let links: Vec<String> = ids.iter().map(|g| format!("<a href=\"#gap-{0}\">{0}</a>", esc(g))).collect();
    Cell::Html(links.join(", "))
}

pub(super) fn recommendations(o: &mut String, case: &Case) {
    section(o, "actions", "What to do");
    if case.recommendations.is_empty() {
        o.push_str("<p class=\"none\">No gap calls for action.</p>");
        return;
    }
    let rows: Vec<Row> = case
        .recommendations
        .iter()
        .map(|r| Row {
            id: Some(format!("rec-{}", r.id)),
            cells: vec![
                format!("{} ({})", r.priority, r.id).into(),
                r.role.name().into(),
                r.text.as_str().into(),
                gap_links(&r.gaps),
                r.controls.iter().map(|c| c.id.as_str()).collect::<Vec<_>>().join(", ").into(),
            ],
        })
        .collect();
    table(o, "actions", &["#", "role", "recommendation", "answers", "controls"], &rows);
}

pub(super) fn timeline(o: &mut String, case: &Case) {
    let rows: Vec<Row> = facts::story(case)
        .iter()
        .map(|e| {
            row(vec![
                e.at.format("%Y-%m-%d %H:%M").to_string().into(),
                e.kind.into(),
                e.secret.as_str().into(),
                e.what.as_str().into(),
                e.who.as_str().into(),
            ])
        })
        .collect();
    if rows.is_empty() {
        o.push_str("<p class=\"none\">No dated event.</p>");
        return;
    }
    table(o, "timeline", &["when (UTC)", "event", "secret", "what", "who"], &rows);
}

fn gap_item(o: &mut String, g: &Gap) {
    let controls: Vec<&str> = g.controls.iter().map(|c| c.id.as_str()).collect();
    let _ = write!(
        o,
        "<li id=\"gap-{}\"><b>{}</b> <span class=\"sev-{sev}\">{sev}</span> {} <code>{}</code> <span class=\"controls\">{}</span>",
        esc(&g.id),
        esc(&g.id),
        esc(&g.text),
        esc(&g.evidence.chars().take(200).collect::<String>()),
        esc(&controls.join(", ")),
        sev = g.severity.name()
    );
    if !g.items.is_empty() {
        let _ = write!(o, "<details><summary>the {}</summary><ul>", g.items.len());
        for item in &g.items {
            let _ = write!(o, "<li>{} <code>{}</code></li>", esc(&item.text), esc(&item.evidence));
        }
        o.push_str("</ul></details>");
    }
    o.push_str("</li>");
}

pub(super) fn matrix(o: &mut String, case: &Case) {
    section(o, "matrix", "Accountability matrix");
    let rows: Vec<Row> = case
        .accountability
        .iter()
        .map(|a| {
            let owners = if a.owners.is_empty() { "none known".to_string() } else { a.owners.join(", ") };
            let source = if a.owners_declared || a.owners.is_empty() { "" } else { " (named by the evidence)" };
            let ids: Vec<String> = a.gaps.iter().map(|g| g.id.clone()).collect();
            row(vec![
                Cell::Html(format!("<a href=\"#role-{0}\">{0}</a>", a.role.name())),
                format!("{owners}{source}").into(),
                a.decisions.len().to_string().into(),
                if ids.is_empty() { "none".into() } else { gap_links(&ids) },
            ])
        })
        .collect();
    table(o, "matrix", &["role", "owners", "decisions", "gaps"], &rows);
    for a in &case.accountability {
        let source = if a.owners_declared { "" } else { " (named by the evidence; no owners file)" };
        let owners = if a.owners.is_empty() { "none known".to_string() } else { a.owners.join(", ") };
        let _ = write!(
            o,
            "<h3 id=\"role-{}\">{}</h3><p><b>Owners:</b> {}{source}</p><h4>Decisions</h4>",
            a.role.name(),
            esc(a.role.title()),
            esc(&owners)
        );
        if a.decisions.is_empty() {
            o.push_str("<p class=\"none\">None on record.</p>");
        } else {
            o.push_str("<ul class=\"decisions\">");
            for d in &a.decisions {
                let _ = write!(
                    o,
                    "<li>{} — {} — {} <code>{}</code></li>",
                    esc(&t(&d.at)),
                    esc(&d.who),
                    esc(&d.what),
                    esc(&d.evidence)
                );
            }
            o.push_str("</ul>");
        }
        o.push_str("<h4>Gaps</h4>");
        if a.gaps.is_empty() {
            o.push_str("<p class=\"none\">None found.</p>");
            continue;
        }
        o.push_str("<ul class=\"gaps\">");
        for g in &a.gaps {
            gap_item(o, g);
        }
        o.push_str("</ul>\n");
    }
}

pub(super) fn controls(o: &mut String, case: &Case) {
    section(o, "controls", "Gaps by control");
    let table_rows = facts::by_control(case);
    if table_rows.is_empty() {
        o.push_str("<p class=\"none\">No gap, so no control falls short.</p>");
        return;
    }
    o.push_str("<p>The mapping is leakline's, from <code>src/correlate/controls.toml</code>; the frameworks' own texts govern.</p>");
    let rows: Vec<Row> = table_rows
        .iter()
        .map(|(c, gaps)| {
            let links: Vec<String> = gaps
                .iter()
                .map(|(role, g)| {
                    format!("<a href=\"#gap-{0}\">{0}</a> ({1}, {2})", esc(&g.id), role.name(), g.severity.name())
                })
                .collect();
            row(vec![
                c.framework.as_str().into(),
                c.id.as_str().into(),
                c.name.as_str().into(),
                Cell::Html(links.join(", ")),
            ])
        })
        .collect();
    table(o, "controls", &["framework", "control", "name", "gaps"], &rows);
}

pub(super) fn annotations(o: &mut String, case: &Case) {
    if case.annotations.is_empty() {
        return;
    }
    section(o, "annotations", "Annotations");
    let rows: Vec<Row> = case
        .annotations
        .iter()
        .map(|a| {
            row(vec![
                a.target.as_str().into(),
                a.verdict.name().into(),
                a.note.as_str().into(),
                a.by.as_str().into(),
                t(&a.at).into(),
            ])
        })
        .collect();
    table(o, "annotations", &["target", "verdict", "note", "by", "at"], &rows);
}

fn input_rows(list: &[&crate::model::InputSummary], prov: &Provenance) -> Vec<Row> {
    let mut rows = Vec::new();
    for i in list {
        rows.push(row(vec![
            i.kind.name().into(),
            prov.path(&i.path).into(),
            i.records.to_string().into(),
            i.relevant.to_string().into(),
            i.rejected.to_string().into(),
            Cell::Html(format!("<code class=\"hash\">{}</code>", esc(i.sha256.as_deref().unwrap_or("–")))),
        ]));
        for e in &i.errors {
            rows.push(row(vec!["".into(), format!("line {}: {}", e.line, e.message).into()]));
        }
    }
    rows
}

pub(super) fn inputs(o: &mut String, case: &Case, prov: &Provenance) {
    const HEADER: [&str; 6] = ["kind", "path", "records", "relevant", "rejected", "SHA-256"];
    section(o, "inputs", "Inputs");
    let (folders, single) = facts::inputs(case, prov);
    if !folders.is_empty() {
        let rows: Vec<Row> = folders
            .iter()
            .map(|f| {
                row(vec![
                    f.path.as_str().into(),
                    f.files.len().to_string().into(),
                    f.records.to_string().into(),
                    f.relevant.to_string().into(),
                    f.rejected.to_string().into(),
                ])
            })
            .collect();
        table(o, "folders", &["folder", "files", "records", "relevant", "rejected"], &rows);
    }
    if !single.is_empty() {
        table(o, "inputs", &HEADER, &input_rows(&single, prov));
    }
    for f in &folders {
        let _ = write!(o, "<details><summary>{} files under {}</summary>", f.files.len(), esc(&f.path));
        table(o, "inputs", &HEADER, &input_rows(&f.files, prov));
        o.push_str("</details>");
    }
    section(o, "provenance", "Provenance");
    let _ = write!(
        o,
        "<ul><li>generated at: {}</li><li>generated by: {}</li>",
        esc(&prov.generated_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        esc(&prov.generated_by)
    );
    if !prov.command.is_empty() {
        let _ = write!(o, "<li>command: <code>{}</code></li>", esc(&prov.command.join(" ")));
    }
    if prov.base.is_some() {
        o.push_str("<li>paths: relative to the case file's folder</li>");
    }
    o.push_str("<li>SHA-256 of each input as read (for gzip, of the compressed file)</li></ul>");
}
