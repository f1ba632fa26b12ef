//! The executive summary: what leaked, since when, whether it is revoked,
//! whether someone else used it, what to do now — each sentence with the facts
//! behind it, which the reports link to. Every sentence restates a field the
//! case already holds; nothing is judged here that correlate did not judge.

use chrono::{DateTime, Utc};

use crate::model::{Case, Revocation, Secret, Sentence, Severity, Triage};

/// A span of seconds in words: `40 min`, `5.2 h`, `12 days`.
pub fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{} days", s / 86_400),
    }
}

fn day(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Each secret's own window: exposure to revocation, or to `now` (open).
pub fn with_windows(mut secrets: Vec<Secret>, now: DateTime<Utc>) -> Vec<Secret> {
    for s in &mut secrets {
        let Some(exposed) = s.exposed.as_ref().map(|e| e.at) else { continue };
        let (end, open) = match s.revoked_at {
            Some(r) => (r, false),
            None => (now, true),
        };
        s.window_s = Some((end - exposed).num_seconds().max(0));
        s.window_open = open;
    }
    secrets
}

fn what_leaked(case: &Case, p: &Secret, out: &mut Vec<Sentence>) {
    let mut facts = vec![format!("secret:{}", p.id)];
    let place = match &p.exposed {
        Some(e) => {
            let file = match (&e.path, e.line) {
                (Some(path), Some(line)) => format!(" in {path}:{line}"),
                (Some(path), None) => format!(" in {path}"),
                _ => String::new(),
            };
            let commit = match (&e.commit, &e.author) {
                (Some(c), Some(a)) => {
                    facts.push(format!("commit:{c}"));
                    format!(", committed by {} ({})", a.short(), &c[..c.len().min(10)])
                }
                (Some(c), None) => {
                    facts.push(format!("commit:{c}"));
                    format!(", in commit {}", &c[..c.len().min(10)])
                }
                _ => String::new(),
            };
            format!(" was exposed{file}{commit} on {}", day(&e.at))
        }
        None => match p.place() {
            place if place.is_empty() => " was found by a scanner; no commit dates its exposure".to_string(),
            place => format!(" was found by a scanner at {place}; no commit dates its exposure"),
        },
    };
    let others = case.secrets.iter().filter(|s| s.id != p.id).count();
    let also = match others {
        0 => String::new(),
        1 => " One other secret was found.".to_string(),
        n => format!(" {n} other secrets were found."),
    };
    let name = if p.label.starts_with('(') {
        format!("A {} finding ({})", p.kind, p.id)
    } else {
        format!("{} ({}, {})", p.label, p.kind, p.id)
    };
    out.push(Sentence { text: format!("{name}{place}.{also}"), facts });
}

fn since_when(p: &Secret, out: &mut Vec<Sentence>) {
    let facts = vec![format!("secret:{}", p.id)];
    let text = match (p.window_s, p.window_open, p.revocation) {
        (Some(w), false, _) => format!("It stayed usable for {} after exposure, until it was revoked.", span(w)),
        (Some(w), true, Revocation::NotRevoked) => {
            format!("It has been exposed for {} and, by the audit logs read, still works.", span(w))
        }
        (Some(w), true, _) => format!("It has been exposed for {}; its revocation is not on record.", span(w)),
        (None, ..) => return,
    };
    out.push(Sentence { text, facts });
}

fn revoked(p: &Secret, out: &mut Vec<Sentence>) {
    let facts = vec![format!("secret:{}", p.id)];
    let text = match (p.revoked_at, p.revocation) {
        (Some(at), _) => {
            let by = p.revoked_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default();
            let after = match p.detected_at {
                Some(d) => format!(", {} after it was detected", span((at - d).num_seconds())),
                None => String::new(),
            };
            format!("It was revoked on {}{by}{after}.", day(&at))
        }
        (None, Revocation::NotRevoked) => {
            "There is no revocation of it in the audit logs read: treat it as live until its issuer confirms otherwise."
                .to_string()
        }
        (None, _) => format!(
            "Whether it was revoked is unknown: no audit log that would record it was read ({} would).",
            super::coverage::answering_source(&p.kind)
        ),
    };
    out.push(Sentence { text, facts });
}

fn used_by_others(case: &Case, p: &Secret, out: &mut Vec<Sentence>) {
    let replays: Vec<_> = case.replays.iter().filter(|r| r.secret == p.id).collect();
    let facts = vec![format!("replays:{}", p.id)];
    let text = if let Some(why) = &p.uses_unknown {
        format!("Whether anyone else used it is unknown: {why}.")
    } else if p.uses == 0 {
        "The audit logs read that would show its use show none.".to_string()
    } else if replays.is_empty() {
        format!(
            "The audit logs show {} use{} of it; every use after exposure matches its use before it, so no replay was found.",
            p.uses,
            if p.uses == 1 { "" } else { "s" }
        )
    } else {
        let mut ips: Vec<&str> = replays.iter().filter_map(|r| r.access.ip.as_deref()).collect();
        ips.sort_unstable();
        ips.dedup();
        let first = p
            .first_replay_at
            .zip(p.exposed.as_ref().map(|e| e.at))
            .map(|(r, e)| format!(", the first {} after exposure", span((r - e).num_seconds())))
            .unwrap_or_default();
        let after = if p.replays_after_detection > 0 {
            format!(", {} of them after it was detected", p.replays_after_detection)
        } else {
            String::new()
        };
        // Usage buckets count use per period: they carry no address to name.
        let buckets = replays.iter().filter(|r| r.access.ip.is_none() && r.access.usage.is_some()).count();
        let from = match (ips.len(), buckets) {
            (n, 0) => format!("from {n} address{}", if n == 1 { "" } else { "es" }),
            (0, _) => "in usage buckets, which record no address".to_string(),
            (n, b) => format!(
                "from {n} address{} and in {b} usage bucket{} (which record no address)",
                if n == 1 { "" } else { "es" },
                if b == 1 { "" } else { "s" }
            ),
        };
        format!(
            "Someone other than its usual callers used it: {} replay{} {from}{first}{after}.",
            replays.len(),
            if replays.len() == 1 { "" } else { "s" },
        )
    };
    out.push(Sentence { text, facts });
}

fn others_live(case: &Case, p: &Secret, out: &mut Vec<Sentence>) {
    let live: Vec<&Secret> = case
        .secrets
        .iter()
        .filter(|s| s.id != p.id)
        .filter(|s| matches!(s.triage, Triage::LikelyReal | Triage::Unknown) && s.revocation != Revocation::Revoked)
        .collect();
    if live.is_empty() {
        return;
    }
    let labels: Vec<String> = live.iter().take(3).map(|s| s.called()).collect();
    let more = if live.len() > 3 { format!(" and {} more", live.len() - 3) } else { String::new() };
    out.push(Sentence {
        text: format!(
            "{} other secret{} no revocation on record: {}{more}.",
            live.len(),
            if live.len() == 1 { " has" } else { "s have" },
            labels.join(", ")
        ),
        facts: live.iter().map(|s| format!("secret:{}", s.id)).collect(),
    });
}

fn gaps_and_actions(case: &Case, out: &mut Vec<Sentence>) {
    let gaps: Vec<_> = case.gaps().map(|(_, g)| g).collect();
    if !gaps.is_empty() {
        let count = |s: Severity| gaps.iter().filter(|g| g.severity == s).count();
        let (critical, high) = (count(Severity::Critical), count(Severity::High));
        out.push(Sentence {
            text: format!(
                "The review found {} gap{} ({critical} critical, {high} high), each with its evidence and the controls it falls short of.",
                gaps.len(),
                if gaps.len() == 1 { "" } else { "s" }
            ),
            facts: gaps.iter().filter(|g| g.severity <= Severity::High).map(|g| format!("gap:{}", g.id)).collect(),
        });
    }
    for r in case.recommendations.iter().take(2) {
        let lead = if r.priority == 1 { "Now" } else { "Then" };
        out.push(Sentence { text: format!("{lead}: {}.", r.text), facts: vec![format!("rec:{}", r.id)] });
    }
}

/// The summary of a settled case (gaps with ids, recommendations made).
/// Why there is no secret to follow: no scanner output was given (nothing was looked for),
/// or what was given holds no finding — never "no leak" when nobody looked.
fn no_secret(case: &Case) -> Sentence {
    let scans: Vec<&crate::model::InputSummary> =
        case.inputs.iter().filter(|i| crate::model::SourceKind::SCAN.contains(&i.kind)).collect();
    if scans.is_empty() {
        return Sentence {
            text:
                "No scanner output was read, so there is no leaked secret to follow: the secrets were not looked for \
                   (give the scanner's findings with --scan)."
                    .to_string(),
            facts: Vec::new(),
        };
    }
    let files = if scans.len() == 1 { "1 file".to_string() } else { format!("{} files", scans.len()) };
    Sentence {
        text: format!("The scanner output read ({files}) holds no finding leakline could follow."),
        facts: scans.iter().map(|i| format!("input:{}", i.path)).collect(),
    }
}

pub fn summarise(case: &Case) -> Vec<Sentence> {
    let mut out = Vec::new();
    let primary = case.metrics.primary_secret.as_ref().and_then(|id| case.secrets.iter().find(|s| &s.id == id));
    match primary {
        None => out.push(no_secret(case)),
        Some(p) => {
            what_leaked(case, p, &mut out);
            since_when(p, &mut out);
            revoked(p, &mut out);
            used_by_others(case, p, &mut out);
            others_live(case, p, &mut out);
        }
    }
    gaps_and_actions(case, &mut out);
    out
}
