//! The Markdown report: what governance reads, from the same `Case` as the JSON.

use std::fmt::Write;

use chrono::{DateTime, Utc};

use crate::model::{Case, Outcome, approval_text};
use crate::text::clean;

/// Untrusted text as a Markdown table cell: no control characters, no table
/// breaks, no raw HTML.
fn cell(s: &str) -> String {
    clean(s).replace('\\', "\\\\").replace('|', "\\|").replace('<', "&lt;").replace('>', "&gt;").replace('`', "'")
}

/// Appended where the only approver on record wrote the change.
const OWN_REVIEW: &str = " (own review: no approval)";

fn t(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn duration(s: Option<i64>) -> String {
    match s {
        None => "unknown".to_string(),
        Some(s) if s.abs() < 3600 => format!("{} min", s / 60),
        Some(s) if s.abs() < 172_800 => format!("{:.1} h", s as f64 / 3600.0),
        Some(s) => format!("{:.1} days", s as f64 / 86400.0),
    }
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

pub fn render(case: &Case) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", cell(&case.title));
    let _ = writeln!(o, "_{}_\n", super::generated_by());
    if let Some((from, to)) = case.window {
        let _ = writeln!(o, "Evidence from {} to {}.\n", t(&from), t(&to));
    }
    let m = &case.metrics;
    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(
        o,
        "| exposure window | time to detect | time to revoke | replays | replay addresses |\n|---|---|---|---|---|"
    );
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} |\n",
        duration(m.exposure_window_s),
        duration(m.time_to_detect_s),
        duration(m.time_to_revoke_s),
        m.replay_count,
        m.distinct_replay_ips
    );

    let _ = writeln!(o, "## Leaked secrets\n");
    if case.secrets.is_empty() {
        let _ = writeln!(o, "No scanner finding was read.\n");
    } else {
        let _ = writeln!(
            o,
            "| id | kind | label | exposed | where | by | detected | revoked | replays |\n|---|---|---|---|---|---|---|---|---|"
        );
        for s in &case.secrets {
            let (at, place, by) = match &s.exposed {
                Some(e) => (
                    t(&e.at),
                    format!(
                        "{}:{} @ {}",
                        e.path.as_deref().unwrap_or("?"),
                        e.line.unwrap_or(0),
                        short(e.commit.as_deref().unwrap_or(""))
                    ),
                    e.author.as_ref().map(|a| a.display()).unwrap_or_default(),
                ),
                None => ("unknown".into(), String::new(), String::new()),
            };
            let _ = writeln!(
                o,
                "| {} | {} | `{}` | {} | {} | {} | {} | {} | {} |",
                s.id,
                s.kind,
                cell(&s.label),
                at,
                cell(&place),
                cell(&by),
                s.detected_at.map_or("unknown".into(), |d| t(&d)),
                s.revoked_at.map_or_else(|| format!("**{}**", s.revocation.name().replace('_', " ")), |d| t(&d)),
                if s.uses == 0 {
                    "unknown (no audit record used it)".to_string()
                } else {
                    format!(
                        "{} ({} after detection)",
                        s.replays_before_detection + s.replays_after_detection,
                        s.replays_after_detection
                    )
                }
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Who approved the framework\n");
    if case.approvals.is_empty() {
        let _ = writeln!(o, "No change to a watched framework package was found.\n");
    } else {
        let _ = writeln!(
            o,
            "| when | package | change | manifest | author | PR | approved by | merged by | CODEOWNERS |\n|---|---|---|---|---|---|---|---|---|"
        );
        for c in &case.approvals {
            let approvers: Vec<String> =
                c.commit.approvers.iter().map(|a| format!("{} ({})", a.name, a.role)).collect();
            let change =
                format!("{} {}→{}", c.change_label(), c.from.as_deref().unwrap_or("–"), c.to.as_deref().unwrap_or("–"));
            let author =
                if c.commit.bot { format!("{} (bot)", c.commit.author.display()) } else { c.commit.author.display() };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                t(&c.commit.at),
                cell(&c.package),
                cell(&change),
                cell(&c.manifest_label()),
                cell(&author),
                c.commit.pull_request.map_or("–".into(), |n| format!("#{n}")),
                match (approvers.is_empty(), c.approved) {
                    (true, _) => "**none recorded**".into(),
                    (false, true) => cell(&approvers.join(", ")),
                    (false, false) => format!("**none**: {}{OWN_REVIEW}", cell(&approvers.join(", "))),
                },
                c.commit.merged_by.as_ref().map_or("–".into(), |p| cell(&p.display())),
                cell(&c.owners.join(" "))
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Who allowed reachability\n");
    if case.reachability.is_empty() {
        let _ = writeln!(o, "No change that makes a secret reachable was found.\n");
    } else {
        let _ =
            writeln!(o, "| when | kind | where | names | by | approved by | reaches |\n|---|---|---|---|---|---|---|");
        for r in &case.reachability {
            let g = &r.grant;
            let place = match (&g.commit, g.line) {
                (Some(c), Some(l)) => format!("{}:{l} @ {}", g.path, short(&c.id)),
                _ => g.path.clone(),
            };
            // Not runtime code: shown, and said so, but no gap is raised for it.
            let place = match g.scope {
                crate::model::Scope::Runtime => place,
                other => format!("{place} ({})", other.name()),
            };
            let approved = match (&g.commit, approval_text(r.approved, &r.approvers)) {
                (None, _) => "(audit log)".to_string(),
                (Some(_), None) => "**none recorded**".to_string(),
                (Some(_), Some(text)) => cell(&text),
            };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                t(&g.at),
                g.kind.name(),
                cell(&place),
                cell(&g.reaches(", ")),
                cell(&g.actor.display()),
                approved,
                r.secrets.join(", ")
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Where the secret was replayed\n");
    if case.replay_groups.is_empty() {
        let _ = writeln!(o, "No use after exposure differs from the secrets' own use before it.\n");
    } else {
        let _ = writeln!(
            o,
            "| secret | address | principal | first | last | calls | denied | actions | why |\n|---|---|---|---|---|---|---|---|---|"
        );
        for g in &case.replay_groups {
            let reasons: Vec<&str> = g.reasons.iter().map(|r| r.name()).collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                g.secret,
                cell(&g.ip),
                cell(&g.principal),
                t(&g.first),
                t(&g.last),
                g.count,
                g.denied,
                cell(&g.actions.join(", ")),
                reasons.join(", ")
            );
        }
        let _ = writeln!(o, "\n<details><summary>Every replay ({})</summary>\n", case.replays.len());
        for r in &case.replays {
            let outcome = match &r.access.outcome {
                Outcome::Allowed => "allowed".to_string(),
                Outcome::Denied(e) => format!("denied: {}", cell(e)),
            };
            let reasons: Vec<&str> = r.reasons.iter().map(|x| x.name()).collect();
            let _ = writeln!(
                o,
                "- {} {} `{}` from {} ({}) — {outcome} — {}",
                t(&r.access.at),
                r.secret,
                cell(&r.access.action),
                cell(r.access.ip.as_deref().unwrap_or("?")),
                cell(r.access.user_agent.as_deref().unwrap_or("?")),
                reasons.join(", ")
            );
        }
        let _ = writeln!(o, "\n</details>\n");
    }

    let _ = writeln!(o, "## Accountability\n");
    for a in &case.accountability {
        let _ = writeln!(o, "### {}\n", a.role.title());
        let source = if a.owners_declared { "" } else { " (named by the evidence; no owners file)" };
        let _ = writeln!(
            o,
            "**Owners:** {}{source}\n",
            if a.owners.is_empty() { "none known".into() } else { cell(&a.owners.join(", ")) }
        );
        if !a.decisions.is_empty() {
            let _ = writeln!(o, "Decisions:\n");
            for d in &a.decisions {
                let _ = writeln!(o, "- {} — {} — {} (`{}`)", t(&d.at), cell(&d.who), cell(&d.what), cell(&d.evidence));
            }
            o.push('\n');
        }
        if a.gaps.is_empty() {
            let _ = writeln!(o, "Gaps: none found.\n");
        } else {
            let _ = writeln!(o, "Gaps:\n");
            for g in &a.gaps {
                if g.items.is_empty() {
                    let _ = writeln!(o, "- {} (`{}`)", cell(&g.text), cell(&g.evidence));
                    continue;
                }
                // A group: one line, the list folded behind it.
                let _ = writeln!(o, "- {}\n  <details><summary>the {}</summary>\n", cell(&g.text), g.items.len());
                for item in &g.items {
                    let _ = writeln!(o, "  - {} (`{}`)", cell(&item.text), cell(&item.evidence));
                }
                let _ = writeln!(o, "\n  </details>");
            }
            o.push('\n');
        }
    }

    annotations(&mut o, &case.annotations);
    inputs(&mut o, &case.inputs);
    o
}

/// The analysts' standing verdicts, as the case store held them.
fn annotations(o: &mut String, list: &[crate::model::Annotation]) {
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

/// The inputs, a line a file; many clean files of one kind (a CloudTrail bucket)
/// fold into one line under their common folder. Files with rejections always show.
fn inputs(o: &mut String, list: &[crate::model::InputSummary]) {
    let _ = writeln!(o, "## Inputs\n\n| kind | path | records | relevant | rejected |\n|---|---|---|---|---|");
    let mut kinds: Vec<crate::model::SourceKind> = list.iter().map(|i| i.kind).collect();
    kinds.dedup();
    for kind in kinds {
        let files: Vec<&crate::model::InputSummary> = list.iter().filter(|i| i.kind == kind).collect();
        let (clean, rejected): (Vec<_>, Vec<_>) = files.into_iter().partition(|i| i.rejected == 0);
        if clean.len() > 5 {
            let prefix = crate::text::common_folder(clean.iter().map(|i| i.path.as_str()));
            let sum = |f: fn(&crate::model::InputSummary) -> usize| clean.iter().map(|i| f(i)).sum::<usize>();
            let _ = writeln!(
                o,
                "| {} | {} files under {} | {} | {} | 0 |",
                kind.name(),
                clean.len(),
                cell(&prefix),
                sum(|i| i.records),
                sum(|i| i.relevant)
            );
        } else {
            for i in clean {
                let _ = writeln!(o, "| {} | {} | {} | {} | 0 |", i.kind.name(), cell(&i.path), i.records, i.relevant);
            }
        }
        for i in rejected {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | **{}** |",
                i.kind.name(),
                cell(&i.path),
                i.records,
                i.relevant,
                i.rejected
            );
            for e in &i.errors {
                let _ = writeln!(o, "|  | line {}: {} |  |  |  |", e.line, cell(&e.message));
            }
        }
    }
}
