//! The three answers in HTML: the secrets, who approved the framework, who
//! allowed reachability, where the secret was replayed.

use std::fmt::Write;

use super::{Cell, Provenance, Row, commit, esc, pull, row, section, t, table};
use crate::model::{Case, Outcome};
use crate::report::facts::duration;

pub(super) fn secrets(o: &mut String, case: &Case, prov: &Provenance) {
    section(o, "secrets", "Leaked secrets");
    if case.secrets.is_empty() {
        o.push_str("<p class=\"none\">No scanner finding was read.</p>");
        return;
    }
    let rows: Vec<Row> = case
        .secrets
        .iter()
        .map(|s| {
            let e = s.exposed.as_ref();
            let window = match (s.window_s, s.window_open) {
                (None, _) => "unknown".to_string(),
                (w, false) => duration(w),
                (w, true) => format!("{} and open", duration(w)),
            };
            let replays = if let Some(why) = &s.uses_unknown {
                format!("unknown: {why}")
            } else if s.uses == 0 {
                "none (the audit logs read show no use of it)".to_string()
            } else {
                format!(
                    "{} ({} after detection)",
                    s.replays_before_detection + s.replays_after_detection,
                    s.replays_after_detection
                )
            };
            Row {
                id: Some(format!("secret-{}", s.id)),
                cells: vec![
                    s.id.as_str().into(),
                    s.kind.as_str().into(),
                    Cell::Html(format!("<code>{}</code>", esc(&s.label))),
                    e.map_or("unknown".into(), |e| t(&e.at)).into(),
                    s.place().into(),
                    e.and_then(|e| e.commit.as_deref()).map_or(Cell::Text(String::new()), |c| commit(prov, c, None)),
                    e.and_then(|e| e.author.as_ref()).map(|a| a.display()).unwrap_or_default().into(),
                    s.detected_at.map_or("unknown".into(), |d| t(&d)).into(),
                    s.revoked_at.map_or_else(|| s.revocation.name().replace('_', " "), |d| t(&d)).into(),
                    window.into(),
                    replays.into(),
                ],
            }
        })
        .collect();
    table(
        o,
        "secrets",
        &["id", "kind", "label", "exposed", "where", "commit", "by", "detected", "revoked", "window", "replays"],
        &rows,
    );
    let m = &case.metrics;
    table(
        o,
        "metrics",
        &[
            "exposure window",
            "time to detect",
            "time to revoke",
            "replays (all secrets)",
            "replay addresses (all secrets)",
        ],
        &[row(vec![
            duration(m.exposure_window_s).into(),
            duration(m.time_to_detect_s).into(),
            duration(m.time_to_revoke_s).into(),
            m.replay_count.to_string().into(),
            m.distinct_replay_ips.to_string().into(),
        ])],
    );
    if let Some(p) = m.primary_secret.as_ref().and_then(|id| case.secrets.iter().find(|s| &s.id == id)) {
        let _ = write!(
            o,
            "<p>The window and times above describe <a href=\"#secret-{0}\">{0}</a> (<code>{1}</code>), the secret with the most replays; the replay counts are of every secret. Each secret's own window is in its row.</p>",
            esc(&p.id),
            esc(&p.label)
        );
    }
}

pub(super) fn approvals(o: &mut String, case: &Case, prov: &Provenance) {
    section(o, "approvals", "Who approved the framework");
    if case.approvals.is_empty() {
        o.push_str("<p class=\"none\">No change to a watched framework package was found.</p>");
        return;
    }
    let rows: Vec<Row> = case
        .approvals
        .iter()
        .map(|c| {
            let approvers: Vec<String> =
                c.commit.approvers.iter().map(|a| format!("{} ({})", a.name, a.role)).collect();
            let author =
                if c.commit.bot { format!("{} (bot)", c.commit.author.display()) } else { c.commit.author.display() };
            row(vec![
                t(&c.commit.at).into(),
                c.package.as_str().into(),
                format!(
                    "{} {}→{}{}",
                    c.change_label(),
                    c.from.as_deref().unwrap_or("–"),
                    c.to.as_deref().unwrap_or("–"),
                    crate::report::advisory_rows::marks(c)
                )
                .into(),
                c.manifest_label().into(),
                commit(prov, &c.commit.id, Some(&c.commit.summary)),
                author.into(),
                pull(prov, c.commit.pull_request),
                match (approvers.is_empty(), c.approved) {
                    (true, _) => Cell::Html("<b>none recorded</b>".into()),
                    (false, true) => approvers.join(", ").into(),
                    (false, false) => {
                        Cell::Html(format!("<b>none</b>: {} (own review: no approval)", esc(&approvers.join(", "))))
                    }
                },
                c.commit.merged_by.as_ref().map_or("–".into(), |p| p.display()).into(),
                c.owners.join(" ").into(),
            ])
        })
        .collect();
    table(
        o,
        "approvals",
        &["when", "package", "change", "manifest", "commit", "author", "PR", "approved by", "merged by", "CODEOWNERS"],
        &rows,
    );
}

/// The advisories on the versions the history adopted, or what was not checked.
pub(super) fn advisories(o: &mut String, case: &Case, prov: &Provenance) {
    use crate::report::advisory_rows::{HEADER, heading, preface, windows};
    let _ = write!(o, "<h3 id=\"advisories\">Advisories</h3><p>{}</p>", esc(&preface(case)));
    for f in &case.advisories {
        let _ = write!(o, "<p id=\"advisory-{}\"><b>{}</b></p>", esc(&f.id), esc(&heading(f)));
        if !f.summary.is_empty() {
            let _ = write!(o, "<p>{}</p>", esc(&f.summary));
        }
        let rows: Vec<Row> = windows(f)
            .into_iter()
            .map(|w| {
                let adopted = match commit(prov, &w.adopted_commit, None) {
                    Cell::Html(c) => Cell::Html(format!("{} in {c}", esc(&w.adopted))),
                    Cell::Text(c) => Cell::Text(format!("{} in {c}", w.adopted)),
                };
                let left = match &w.cleared_commit {
                    Some(id) => match commit(prov, id, None) {
                        Cell::Html(c) => Cell::Html(format!("{} in {c}", esc(&w.cleared))),
                        Cell::Text(c) => Cell::Text(format!("{} in {c}", w.cleared)),
                    },
                    None => Cell::Html(format!("<b>{}</b>", esc(&w.cleared))),
                };
                row(vec![
                    w.manifest.into(),
                    adopted,
                    w.by.into(),
                    w.approved_by.into(),
                    left,
                    w.in_range.into(),
                    w.after_publication.into(),
                ])
            })
            .collect();
        table(o, "advisories", &HEADER, &rows);
        if let Some(r) = f.references.first() {
            // A reference is the record's text: shown, never linked.
            let _ = write!(o, "<p>Reference: <code>{}</code></p>", esc(r));
        }
    }
}

pub(super) fn reachability(o: &mut String, case: &Case, prov: &Provenance) {
    section(o, "reachability", "Who allowed reachability");
    if case.reachability.is_empty() {
        o.push_str("<p class=\"none\">No change that makes a secret reachable was found.</p>");
        return;
    }
    let rows: Vec<Row> = case
        .reachability
        .iter()
        .map(|r| {
            let g = &r.grant;
            let place = format!("{}{}", g.path, g.line.map(|l| format!(":{l}")).unwrap_or_default());
            let place = match g.scope {
                crate::model::Scope::Runtime => place,
                other => format!("{place} ({})", other.name()),
            };
            let approved = match (&g.commit, crate::model::approval_text(r.approved, &r.approvers)) {
                (None, _) => "(audit log)".into(),
                (Some(_), None) => Cell::Html("<b>none recorded</b>".into()),
                (Some(_), Some(text)) => text.into(),
            };
            let reaches = if r.secrets.is_empty() {
                Cell::Text("unlinked".into())
            } else {
                let links: Vec<String> =
                    r.secrets.iter().map(|s| format!("<a href=\"#secret-{0}\">{0}</a>", esc(s))).collect();
                Cell::Html(links.join(", "))
            };
            row(vec![
                t(&g.at).into(),
                g.kind.name().into(),
                place.into(),
                g.commit.as_ref().map_or(Cell::Text(String::new()), |c| commit(prov, &c.id, Some(&c.summary))),
                g.reaches(", ").into(),
                g.actor.display().into(),
                approved,
                reaches,
            ])
        })
        .collect();
    table(o, "reachability", &["when", "kind", "where", "commit", "names", "by", "approved by", "reaches"], &rows);
}

pub(super) fn replays(o: &mut String, case: &Case) {
    section(o, "replays", "Where the secret was replayed");
    if case.replay_groups.is_empty() {
        o.push_str("<p class=\"none\">No use after exposure differs from the secrets' own use before it.</p>");
        return;
    }
    let rows: Vec<Row> = case
        .replay_groups
        .iter()
        .enumerate()
        .map(|(n, g)| Row {
            id: Some(format!("replay-group-{}", n + 1)),
            cells: vec![
                (n + 1).to_string().into(),
                Cell::Html(format!("<a href=\"#secret-{0}\">{0}</a>", esc(&g.secret))),
                g.ip.as_str().into(),
                g.principal.as_str().into(),
                t(&g.first).into(),
                t(&g.last).into(),
                g.count.to_string().into(),
                g.denied.to_string().into(),
                g.actions.join(", ").into(),
                g.user_agents.join("; ").into(),
                g.reasons.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ").into(),
            ],
        })
        .collect();
    table(
        o,
        "replay-groups",
        &[
            "group",
            "secret",
            "address",
            "principal",
            "first",
            "last",
            "calls",
            "denied",
            "actions",
            "user agents",
            "why",
        ],
        &rows,
    );
    let _ = write!(o, "<details><summary>Every replay ({})</summary>", case.replays.len());
    let rows: Vec<Row> = case
        .replays
        .iter()
        .map(|r| {
            let a = &r.access;
            Row {
                id: Some(format!("event-{}", a.event_id)),
                cells: vec![
                    t(&a.at).into(),
                    r.secret.as_str().into(),
                    a.what().into(),
                    a.ip.clone().unwrap_or_default().into(),
                    a.principal.as_str().into(),
                    match &a.outcome {
                        Outcome::Allowed => "allowed".into(),
                        Outcome::Denied(e) => format!("denied: {e}").into(),
                    },
                    r.reasons.iter().map(|x| x.name()).collect::<Vec<_>>().join(", ").into(),
                ],
            }
        })
        .collect();
    table(o, "replays", &["when", "secret", "action", "address", "principal", "outcome", "why"], &rows);
    o.push_str("</details>");
}
