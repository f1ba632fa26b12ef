//! The HTML report: one self-contained page — inline CSS, no script (the
//! Content-Security-Policy forbids any), no external asset — readable on
//! screen and on paper, the timeline as inline SVG, evidence one click away
//! through anchors. Every piece of untrusted text is escaped.

mod answers;
mod governance;
mod svg;

use std::fmt::Write;

use chrono::{DateTime, Utc};

use super::Provenance;
use crate::model::Case;
use crate::text::clean;

/// Text as HTML: control characters neutralised, markup characters escaped.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn t(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// A table cell: text to escape, or markup this module built (links, anchors).
enum Cell {
    Text(String),
    Html(String),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

/// A row, with the anchor it can be linked at.
struct Row {
    id: Option<String>,
    cells: Vec<Cell>,
}

fn row(cells: Vec<Cell>) -> Row {
    Row { id: None, cells }
}

fn table(o: &mut String, class: &str, header: &[&str], rows: &[Row]) {
    let _ = write!(o, "<table class=\"{class}\"><thead><tr>");
    for h in header {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for r in rows {
        match &r.id {
            Some(id) => {
                let _ = write!(o, "<tr id=\"{}\">", esc(id));
            }
            None => o.push_str("<tr>"),
        }
        for cell in &r.cells {
            match cell {
                Cell::Text(s) => {
                    let _ = write!(o, "<td>{}</td>", esc(s));
                }
                Cell::Html(s) => {
                    let _ = write!(o, "<td>{s}</td>");
                }
            }
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>\n");
}

/// A commit id, linked to the forge when the repository's web address is known; its
/// subject line (the author's text, escaped) shows on hover.
fn commit(prov: &Provenance, id: &str, subject: Option<&str>) -> Cell {
    let short = esc(&id[..id.len().min(10)]);
    let title = subject.map_or(String::new(), |s| format!(" title=\"{}\"", esc(s)));
    match prov.links.as_ref().and_then(|l| l.commit(id)) {
        Some(url) => Cell::Html(format!("<a href=\"{}\"{title}><code>{short}</code></a>", esc(&url))),
        None => Cell::Html(format!("<code{title}>{short}</code>")),
    }
}

fn pull(prov: &Provenance, n: Option<u64>) -> Cell {
    match (n, &prov.links) {
        (Some(n), Some(l)) => Cell::Html(format!("<a href=\"{}\">#{n}</a>", esc(&l.pull(n)))),
        (Some(n), None) => Cell::Text(format!("#{n}")),
        (None, _) => Cell::Text("–".into()),
    }
}

/// A link to a fact of the report (`secret:s1` → `#secret-s1`).
fn fact_link(fact: &str) -> String {
    let (kind, id) = fact.split_once(':').unwrap_or(("", fact));
    let short = if kind == "commit" { &id[..id.len().min(10)] } else { id };
    let target = match kind {
        "secret" | "gap" | "rec" => format!("{kind}-{id}"),
        "replays" => "replays".to_string(),
        "commit" => "approvals".to_string(),
        "input" => "inputs".to_string(),
        "advisory" => format!("advisory-{id}"),
        _ => "summary".to_string(),
    };
    let label = match kind {
        "replays" => format!("replays of {id}"),
        "commit" => format!("commit {short}"),
        _ => short.to_string(),
    };
    format!("<a href=\"#{}\">{}</a>", esc(&target), esc(&label))
}

const STYLE: &str = include_str!("report.css");

/// A section with its anchor and heading.
fn section(o: &mut String, id: &str, title: &str) {
    let _ = write!(o, "</section>\n<section id=\"{id}\"><h2>{}</h2>", esc(title));
}

pub fn render(case: &Case, prov: &Provenance) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'\"><meta name=\"referrer\" content=\"no-referrer\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(&case.title)
    );
    let _ = write!(
        o,
        "<header><h1>{}</h1><p class=\"meta\">Generated {} by {}</p>",
        esc(&case.title),
        esc(&t(&prov.generated_at)),
        esc(&prov.generated_by)
    );
    if let Some((from, to)) = case.window {
        let _ = write!(o, "<p class=\"meta\">Evidence from {} to {}.</p>", esc(&t(&from)), esc(&t(&to)));
    }
    o.push_str("<nav><a href=\"#summary\">Summary</a> <a href=\"#actions\">What to do</a> <a href=\"#secrets\">Secrets</a> <a href=\"#approvals\">Approvals</a> <a href=\"#reachability\">Reachability</a> <a href=\"#replays\">Replays</a> <a href=\"#timeline\">Timeline</a> <a href=\"#matrix\">Accountability</a> <a href=\"#controls\">Controls</a> <a href=\"#inputs\">Inputs</a></nav></header>\n<section id=\"summary\"><h2>Executive summary</h2><ul class=\"summary\">");
    for s in &case.summary {
        let facts: Vec<String> = s.facts.iter().map(|f| fact_link(f)).collect();
        let facts = if facts.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"facts\">({})</span>", facts.join(", "))
        };
        let _ = write!(o, "<li>{}{facts}</li>", esc(&s.text));
    }
    o.push_str("</ul>");
    governance::recommendations(&mut o, case);
    answers::secrets(&mut o, case, prov);
    answers::approvals(&mut o, case, prov);
    answers::advisories(&mut o, case, prov);
    answers::reachability(&mut o, case, prov);
    answers::replays(&mut o, case);
    section(&mut o, "timeline", "Timeline");
    o.push_str(&svg::timeline(case));
    governance::timeline(&mut o, case);
    governance::matrix(&mut o, case);
    governance::controls(&mut o, case);
    governance::annotations(&mut o, case);
    governance::inputs(&mut o, case, prov);
    o.push_str("</section>\n</body></html>\n");
    o
}

#[cfg(test)]
mod tests {
    use super::esc;

    #[test]
    fn markup_and_escapes_are_inert() {
        assert_eq!(esc("<script>alert('x')</script>&"), "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;");
        assert_eq!(esc("a\u{1b}[31mb"), "a\u{fffd}[31mb");
    }
}
