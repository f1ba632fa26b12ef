//! The CSV report: one row a fact (framework change, grant, replay, decision,
//! gap), for spreadsheets and tickets. Cells that a spreadsheet would take for
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
    row(&mut o, &["section", "at", "secret", "kind", "who", "what", "where", "evidence"]);
    for s in &case.secrets {
        if let Some(e) = &s.exposed {
            let place = format!("{}:{}", e.path.as_deref().unwrap_or(""), e.line.unwrap_or(0));
            let who = e.author.as_ref().map(|a| a.display()).unwrap_or_default();
            row(
                &mut o,
                &["exposure", &time(&e.at), &s.id, &s.kind, &who, &s.label, &place, e.commit.as_deref().unwrap_or("")],
            );
        }
    }
    for c in &case.approvals {
        let approvers: Vec<String> = c.commit.approvers.iter().map(|a| a.name.clone()).collect();
        let what = format!(
            "{} {} {}→{} approved by {}",
            c.package,
            c.change_label(),
            c.from.as_deref().unwrap_or("–"),
            c.to.as_deref().unwrap_or("–"),
            match (approvers.is_empty(), c.approved) {
                (true, _) => "nobody on record".into(),
                (false, true) => approvers.join("; "),
                (false, false) => format!("nobody but its author ({})", approvers.join("; ")),
            }
        );
        row(
            &mut o,
            &[
                "framework",
                &time(&c.commit.at),
                "",
                &c.ecosystem,
                &c.commit.author.display(),
                &what,
                &c.manifest_label(),
                &c.commit.id,
            ],
        );
    }
    for r in &case.reachability {
        let g = &r.grant;
        let place = format!("{}{}", g.path, g.line.map(|l| format!(":{l}")).unwrap_or_default());
        let evidence = g.commit.as_ref().map_or(g.origin.clone(), |c| c.id.clone());
        row(
            &mut o,
            &[
                "reachability",
                &time(&g.at),
                &r.secrets.join(";"),
                g.kind.name(),
                &g.actor.display(),
                &g.reaches(";"),
                &place,
                &evidence,
            ],
        );
    }
    for r in &case.replays {
        let a = &r.access;
        let why: Vec<&str> = r.reasons.iter().map(|x| x.name()).collect();
        let what = format!("{} [{}]", a.action, why.join(";"));
        row(
            &mut o,
            &[
                "replay",
                &time(&a.at),
                &r.secret,
                a.source.name(),
                &a.principal,
                &what,
                a.ip.as_deref().unwrap_or(""),
                &a.event_id,
            ],
        );
    }
    for a in &case.accountability {
        for d in &a.decisions {
            row(&mut o, &["decision", &time(&d.at), "", a.role.name(), &d.who, &d.what, "", &d.evidence]);
        }
        // A row a fact: a group's gaps each on their own row.
        for g in a.gaps.iter().flat_map(|g| if g.items.is_empty() { std::slice::from_ref(g) } else { &g.items[..] }) {
            row(&mut o, &["gap", "", "", a.role.name(), "", &g.text, "", &g.evidence]);
        }
    }
    for a in &case.annotations {
        let what = format!("{}: {}", a.verdict.name(), a.note);
        row(&mut o, &["annotation", &time(&a.at), "", "", &a.by, &what, &a.target, ""]);
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
