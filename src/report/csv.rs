//! The CSV report: the timeline, a row an event (every replay its own row),
//! for spreadsheets and tickets. Cells that a spreadsheet would take for
//! a formula are prefixed so that they stay text.

use std::fmt::Write;

use crate::model::Case;
use crate::text::clean;

fn cell(s: &str) -> String {
    let s = clean(s);
    // `=cmd|…` from an attacker-controlled commit message must not run in Excel.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s };
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

fn row(o: &mut String, fields: &[&str]) {
    let line: Vec<String> = fields.iter().map(|f| cell(f)).collect();
    let _ = writeln!(o, "{}", line.join(","));
}

fn time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn render(case: &Case) -> String {
    let mut o = String::new();
    row(&mut o, &["at", "event", "secret", "who", "what", "where", "evidence"]);
    let mut events = super::facts::events(case);
    // The analysts' verdicts are events of the review too.
    for a in &case.annotations {
        events.push(super::facts::Event {
            at: a.at,
            kind: "annotation",
            secret: a.target.strip_prefix("secret:").unwrap_or("").to_string(),
            who: a.by.clone(),
            what: format!("{}: {}", a.verdict.name(), a.note),
            place: String::new(),
            evidence: a.target.clone(),
        });
    }
    events.sort_by(|a, b| (a.at, a.kind, &a.what).cmp(&(b.at, b.kind, &b.what)));
    for e in &events {
        row(&mut o, &[&time(&e.at), e.kind, &e.secret, &e.who, &e.what, &e.place, &e.evidence]);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_stay_text_and_quotes_are_doubled() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("plain"), "plain");
    }
}
