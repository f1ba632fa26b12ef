//! The Markdown report's opening: the executive summary, what to do, and the
//! secrets with each one's own window.

use std::fmt::Write;

use super::{Provenance, cell, commit, t};
use crate::model::Case;
use crate::report::facts::duration;

/// The facts a sentence rests on, as the reader finds them in the report.
fn facts(list: &[String]) -> String {
    let named: Vec<String> = list
        .iter()
        .map(|f| match f.split_once(':') {
            Some(("commit", id)) => format!("commit {}", cell(&id[..id.len().min(10)])),
            Some(("replays", id)) => format!("replays of {}", cell(id)),
            Some((_, id)) => cell(id),
            None => cell(f),
        })
        .collect();
    if named.is_empty() { String::new() } else { format!(" _({})_", named.join(", ")) }
}

pub fn summary(o: &mut String, case: &Case) {
    let _ = writeln!(o, "## Executive summary\n");
    for s in &case.summary {
        let _ = writeln!(o, "- {}{}", cell(&s.text), facts(&s.facts));
    }
    o.push('\n');
}

pub fn recommendations(o: &mut String, case: &Case) {
    let _ = writeln!(o, "## What to do\n");
    if case.recommendations.is_empty() {
        let _ = writeln!(o, "No gap calls for action.\n");
        return;
    }
    let _ = writeln!(o, "| # | role | recommendation | answers | controls |\n|---|---|---|---|---|");
    for r in &case.recommendations {
        let controls: Vec<&str> = r.controls.iter().map(|c| c.id.as_str()).collect();
        let _ = writeln!(
            o,
            "| {} ({}) | {} | {} | {} | {} |",
            r.priority,
            r.id,
            r.role.name(),
            cell(&r.text),
            r.gaps.join(", "),
            cell(&controls.join(", "))
        );
    }
    o.push('\n');
}

pub fn secrets(o: &mut String, case: &Case, prov: &Provenance) {
    let m = &case.metrics;
    let _ = writeln!(o, "## Leaked secrets\n");
    if case.secrets.is_empty() {
        let _ = writeln!(o, "No scanner finding was read.\n");
        return;
    }
    let _ = writeln!(
        o,
        "| id | kind | label | exposed | where | by | detected | revoked | window | replays |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for s in &case.secrets {
        let (at, place, by) = match &s.exposed {
            Some(e) => {
                let file = s.place();
                let at_commit = e.commit.as_deref().map(|c| format!(" @ {}", commit(prov, c))).unwrap_or_default();
                (
                    t(&e.at),
                    format!("{}{at_commit}", cell(&file)),
                    e.author.as_ref().map(|a| a.display()).unwrap_or_default(),
                )
            }
            None => ("unknown".into(), cell(&s.place()), String::new()),
        };
        let window = match (s.window_s, s.window_open) {
            (None, _) => "unknown".to_string(),
            (w, false) => duration(w),
            (w, true) => format!("{} and open", duration(w)),
        };
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            s.id,
            cell(&s.kind),
            cell(&s.label),
            at,
            place,
            cell(&by),
            s.detected_at.map_or("unknown".into(), |d| t(&d)),
            s.revoked_at.map_or_else(|| format!("**{}**", s.revocation.name().replace('_', " ")), |d| t(&d)),
            window,
            if let Some(why) = &s.uses_unknown {
                format!("unknown: {why}")
            } else if s.uses == 0 {
                "none (the audit logs read show no use of it)".to_string()
            } else {
                format!(
                    "{} ({} after detection)",
                    s.replays_before_detection + s.replays_after_detection,
                    s.replays_after_detection
                )
            }
        );
    }
    let _ = writeln!(
        o,
        "\n| exposure window | time to detect | time to revoke | replays (all secrets) | replay addresses (all secrets) |\n|---|---|---|---|---|"
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
    if let Some(p) = m.primary_secret.as_ref().and_then(|id| case.secrets.iter().find(|s| &s.id == id)) {
        let _ = writeln!(
            o,
            "The window and times above describe {} ({}), the secret with the most replays; the replay counts are of every secret. Each secret's own window is in its row.\n",
            p.id,
            cell(&p.label)
        );
    }
}
