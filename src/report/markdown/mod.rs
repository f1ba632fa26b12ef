//! The Markdown report: what governance reads, from the same `Case` as the JSON.

use std::fmt::Write;

use chrono::{DateTime, Utc};

mod governance;
mod summary;

use summary::{recommendations, secrets, summary};

use super::Provenance;
use crate::model::{Case, Outcome, approval_text};
use crate::text::clean;

/// Untrusted text as Markdown: no control characters, no table breaks, no
/// markup, no link. Metacharacters are backslash-escaped (GitHub shows them
/// as typed; no HTML entity ever reaches the page), and what GitHub would turn
/// into a link by itself (`https://`, `www.`, an e-mail address) is broken up
/// the same way, so `[x](javascript:…)` in an author's name stays text.
fn cell(s: &str) -> String {
    let s = clean(s).replace(['\n', '\r'], " ");
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let rest = |t: &str| chars[i..].iter().take(t.chars().count()).copied().eq(t.chars());
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '#' | '&' | '@' | '!' | '(' | ')' | '{'
            | '}' => {
                out.push('\\');
                out.push(c);
            }
            ':' if rest("://") => out.push_str("\\:"),
            '.' if i >= 3 && chars[i - 3..i].iter().collect::<String>().eq_ignore_ascii_case("www") => {
                out.push_str("\\.")
            }
            c => out.push(c),
        }
    }
    out
}

/// Appended where the only approver on record wrote the change.
const OWN_REVIEW: &str = " (own review: no approval)";

fn t(at: &DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

fn short(id: &str) -> &str {
    &id[..id.len().min(10)]
}

/// A commit id, linked where the repository's web address is known.
fn commit(prov: &Provenance, id: &str) -> String {
    match prov.links.as_ref().and_then(|l| l.commit(id)) {
        Some(url) => format!("[{}]({url})", short(id)),
        None => cell(short(id)),
    }
}

fn pull(prov: &Provenance, n: Option<u64>) -> String {
    match (n, &prov.links) {
        (Some(n), Some(l)) => format!("[#{n}]({})", l.pull(n)),
        (Some(n), None) => format!("#{n}"),
        (None, _) => "–".into(),
    }
}

pub fn render(case: &Case, prov: &Provenance) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# {}\n", cell(&case.title));
    let _ = writeln!(
        o,
        "Generated {} by {}{}.\n",
        t(&prov.generated_at),
        cell(&prov.generated_by),
        if prov.command.is_empty() { String::new() } else { format!(" from {}", cell(&prov.command.join(" "))) }
    );
    if let Some((from, to)) = case.window {
        let _ = writeln!(o, "Evidence from {} to {}.\n", t(&from), t(&to));
    }
    summary(&mut o, case);
    recommendations(&mut o, case);
    secrets(&mut o, case, prov);
    let _ = writeln!(o, "## Who approved the framework\n");
    if case.approvals.is_empty() {
        let _ = writeln!(o, "No change to a watched framework package was found.\n");
    } else {
        let _ = writeln!(
            o,
            "| when | package | change | manifest | commit | author | PR | approved by | merged by | CODEOWNERS |\n|---|---|---|---|---|---|---|---|---|---|"
        );
        for c in &case.approvals {
            let approvers: Vec<String> =
                c.commit.approvers.iter().map(|a| format!("{} ({})", a.name, a.role)).collect();
            let change = format!(
                "{} {}→{}{}",
                c.change_label(),
                c.from.as_deref().unwrap_or("–"),
                c.to.as_deref().unwrap_or("–"),
                super::advisory_rows::marks(c)
            );
            let author =
                if c.commit.bot { format!("{} (bot)", c.commit.author.display()) } else { c.commit.author.display() };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                t(&c.commit.at),
                cell(&c.package),
                cell(&change),
                cell(&c.manifest_label()),
                commit(prov, &c.commit.id),
                cell(&author),
                pull(prov, c.commit.pull_request),
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

    advisories(&mut o, case, prov);

    let _ = writeln!(o, "## Who allowed reachability\n");
    if case.reachability.is_empty() {
        let _ = writeln!(o, "No change that makes a secret reachable was found.\n");
    } else {
        let _ =
            writeln!(o, "| when | kind | where | names | by | approved by | reaches |\n|---|---|---|---|---|---|---|");
        for r in &case.reachability {
            let g = &r.grant;
            let place = match (&g.commit, g.line) {
                (Some(c), Some(l)) => format!("{}:{l} @ {}", cell(&g.path), commit(prov, &c.id)),
                (Some(c), None) => format!("{} @ {}", cell(&g.path), commit(prov, &c.id)),
                _ => cell(&g.path),
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
                place,
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
            "| group | secret | address | principal | first | last | calls | denied | actions | user agents | why |\n|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for (n, g) in case.replay_groups.iter().enumerate() {
            let reasons: Vec<&str> = g.reasons.iter().map(|r| r.name()).collect();
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                n + 1,
                g.secret,
                cell(&g.ip),
                cell(&g.principal),
                t(&g.first),
                t(&g.last),
                g.count,
                g.denied,
                cell(&g.actions.join(", ")),
                cell(&g.user_agents.join("; ")),
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
                "- {} {} {} from {} as {} — {outcome} — {}",
                t(&r.access.at),
                r.secret,
                cell(&r.access.what()),
                cell(r.access.from_where()),
                cell(&r.access.principal),
                reasons.join(", ")
            );
        }
        let _ = writeln!(o, "\n</details>\n");
    }

    governance::timeline(&mut o, case);
    governance::matrix(&mut o, case);
    governance::controls(&mut o, case);
    governance::annotations(&mut o, &case.annotations);
    governance::inputs(&mut o, case, prov);
    o
}

/// The advisories on the versions the history adopted, or what was not checked.
fn advisories(o: &mut String, case: &Case, prov: &Provenance) {
    use super::advisory_rows::{HEADER, heading, preface, windows};
    let _ = writeln!(o, "### Advisories\n\n{}\n", cell(&preface(case)));
    for f in &case.advisories {
        let _ = writeln!(o, "**{}**\n", cell(&heading(f)));
        if !f.summary.is_empty() {
            let _ = writeln!(o, "{}\n", cell(&f.summary));
        }
        let _ = writeln!(o, "| {} |\n|{}", HEADER.join(" | "), "---|".repeat(HEADER.len()));
        for w in windows(f) {
            let left = match &w.cleared_commit {
                Some(c) => format!("{} in {}", cell(&w.cleared), commit(prov, c)),
                None => format!("**{}**", cell(&w.cleared)),
            };
            let _ = writeln!(
                o,
                "| {} | {} in {} | {} | {} | {left} | {} | {} |",
                cell(&w.manifest),
                cell(&w.adopted),
                commit(prov, &w.adopted_commit),
                cell(&w.by),
                cell(&w.approved_by),
                cell(&w.in_range),
                cell(&w.after_publication)
            );
        }
        if let Some(r) = f.references.first() {
            let _ = writeln!(o, "\nReference: {}", cell(r));
        }
        o.push('\n');
    }
}
