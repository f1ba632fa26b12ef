//! The HTML report: one self-contained page (no scripts, no external assets),
//! every piece of untrusted text escaped.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::model::{Case, Outcome};
use crate::text::clean;

/// Text as HTML: control characters neutralised, markup characters escaped.
fn esc(s: &str) -> String {
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

fn table(o: &mut String, header: &[&str], rows: &[Vec<String>]) {
    o.push_str("<table><thead><tr>");
    for h in header {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr></thead><tbody>");
    for row in rows {
        o.push_str("<tr>");
        for cell in row {
            let _ = write!(o, "<td>{}</td>", esc(cell));
        }
        o.push_str("</tr>");
    }
    o.push_str("</tbody></table>\n");
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:2rem;color:#1d2330}table{border-collapse:collapse;margin:.5rem 0 1.5rem;width:100%}th,td{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}th{background:#eef}li.gap{color:#a11}code{font-size:90%}";

pub fn render(case: &Case) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"><title>{}</title><style>{STYLE}</style></head><body>",
        esc(&case.title)
    );
    let _ = writeln!(o, "<h1>{}</h1><p>{}</p>", esc(&case.title), esc(&super::generated_by()));
    let m = &case.metrics;
    let secs = |s: Option<i64>| s.map_or("unknown".to_string(), |s| format!("{:.1} h", s as f64 / 3600.0));
    o.push_str("<h2>Summary</h2>");
    table(
        &mut o,
        &["exposure window", "time to detect", "time to revoke", "replays", "replay addresses"],
        &[vec![
            secs(m.exposure_window_s),
            secs(m.time_to_detect_s),
            secs(m.time_to_revoke_s),
            m.replay_count.to_string(),
            m.distinct_replay_ips.to_string(),
        ]],
    );
    o.push_str("<h2>Leaked secrets</h2>");
    let rows: Vec<Vec<String>> = case
        .secrets
        .iter()
        .map(|s| {
            let e = s.exposed.as_ref();
            vec![
                s.id.clone(),
                s.kind.clone(),
                s.label.clone(),
                e.map_or("unknown".into(), |e| t(&e.at)),
                e.and_then(|e| e.path.clone()).unwrap_or_default(),
                s.detected_at.map_or("unknown".into(), |d| t(&d)),
                s.revoked_at.map_or_else(|| s.revocation.name().replace('_', " "), |d| t(&d)),
            ]
        })
        .collect();
    table(&mut o, &["id", "kind", "label", "exposed", "where", "detected", "revoked"], &rows);
    o.push_str("<h2>Who approved the framework</h2>");
    let rows: Vec<Vec<String>> = case
        .approvals
        .iter()
        .map(|c| {
            let approvers: Vec<String> =
                c.commit.approvers.iter().map(|a| format!("{} ({})", a.name, a.role)).collect();
            vec![
                t(&c.commit.at),
                c.package.clone(),
                format!("{} {}→{}", c.change_label(), c.from.as_deref().unwrap_or("–"), c.to.as_deref().unwrap_or("–")),
                c.manifest_label(),
                c.commit.author.display(),
                c.commit.pull_request.map_or("–".into(), |n| format!("#{n}")),
                match (approvers.is_empty(), c.approved) {
                    (true, _) => "none recorded".into(),
                    (false, true) => approvers.join(", "),
                    (false, false) => format!("none: {} (own review: no approval)", approvers.join(", ")),
                },
                c.owners.join(" "),
            ]
        })
        .collect();
    table(&mut o, &["when", "package", "change", "manifest", "author", "PR", "approved by", "CODEOWNERS"], &rows);
    o.push_str("<h2>Who allowed reachability</h2>");
    let rows: Vec<Vec<String>> = case
        .reachability
        .iter()
        .map(|r| {
            let g = &r.grant;
            vec![
                t(&g.at),
                g.kind.name().to_string(),
                format!("{}{}", g.path, g.line.map(|l| format!(":{l}")).unwrap_or_default()),
                g.reaches(", "),
                g.actor.display(),
                crate::model::approval_text(r.approved, &r.approvers).unwrap_or_default(),
                if r.secrets.is_empty() { "unlinked".into() } else { r.secrets.join(", ") },
            ]
        })
        .collect();
    table(&mut o, &["when", "kind", "where", "names", "by", "approved by", "reaches"], &rows);
    o.push_str("<h2>Where the secret was replayed</h2>");
    let rows: Vec<Vec<String>> = case
        .replays
        .iter()
        .map(|r| {
            let a = &r.access;
            vec![
                t(&a.at),
                r.secret.clone(),
                a.action.clone(),
                a.ip.clone().unwrap_or_default(),
                a.principal.clone(),
                a.user_agent.clone().unwrap_or_default(),
                match &a.outcome {
                    Outcome::Allowed => "allowed".into(),
                    Outcome::Denied(e) => format!("denied: {e}"),
                },
                r.reasons.iter().map(|x| x.name()).collect::<Vec<_>>().join(", "),
            ]
        })
        .collect();
    table(&mut o, &["when", "secret", "action", "address", "principal", "user agent", "outcome", "why"], &rows);
    o.push_str("<h2>Accountability</h2>");
    for a in &case.accountability {
        let _ = write!(o, "<h3>{}</h3><p><b>Owners:</b> {}</p><ul>", esc(a.role.title()), esc(&a.owners.join(", ")));
        for g in &a.gaps {
            if g.items.is_empty() {
                let _ = write!(o, "<li class=\"gap\">{} <code>{}</code></li>", esc(&g.text), esc(&g.evidence));
                continue;
            }
            let _ = write!(o, "<li class=\"gap\"><details><summary>{}</summary><ul>", esc(&g.text));
            for item in &g.items {
                let _ = write!(o, "<li>{} <code>{}</code></li>", esc(&item.text), esc(&item.evidence));
            }
            o.push_str("</ul></details></li>");
        }
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
        o.push_str("</ul>\n");
    }
    if !case.annotations.is_empty() {
        o.push_str("<h2>Annotations</h2>");
        let rows: Vec<Vec<String>> = case
            .annotations
            .iter()
            .map(|a| {
                vec![
                    a.target.clone(),
                    a.verdict.name().to_string(),
                    a.note.clone(),
                    a.by.clone(),
                    a.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ]
            })
            .collect();
        table(&mut o, &["target", "verdict", "note", "by", "at"], &rows);
    }
    o.push_str("<h2>Inputs</h2>");
    let rows: Vec<Vec<String>> = case
        .inputs
        .iter()
        .map(|i| vec![i.kind.name().to_string(), i.path.clone(), i.records.to_string(), i.rejected.to_string()])
        .collect();
    table(&mut o, &["kind", "path", "records", "rejected"], &rows);
    o.push_str("</body></html>\n");
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
