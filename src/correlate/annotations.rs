//! The analysts' verdicts joined to the case. A false positive on a secret, a
//! replay or an address sets aside the gaps that rest on it, and the role's
//! decisions say so, naming who judged it and why: nothing leaves the report silently.

use std::collections::HashSet;

use crate::model::{Annotation, Case, Decision, Replay, Verdict};

/// The evidence strings a gap resting on what `target` names would carry.
fn grounds(replays: &[Replay], target: &str) -> HashSet<String> {
    let events = |keep: &dyn Fn(&Replay) -> bool| -> Vec<String> {
        replays.iter().filter(|r| keep(r)).map(|r| format!("event:{}", r.access.event_id)).collect()
    };
    let mut out = HashSet::new();
    if let Some(id) = target.strip_prefix("secret:") {
        out.extend([format!("secret:{id}"), format!("event:issued {id}"), format!("event:revoked {id}")]);
        out.extend(events(&|r| r.secret == id));
    } else if let Some(event) = target.strip_prefix("replay:") {
        out.insert(format!("event:{event}"));
    } else if let Some(ip) = target.strip_prefix("address:") {
        out.extend(events(&|r| r.access.ip.as_deref() == Some(ip)));
    }
    out
}

/// Join `annotations` (oldest first; the latest on a target stands) to `case`.
/// Applying the same annotations twice changes nothing more.
pub fn apply(mut case: Case, annotations: &[Annotation]) -> Case {
    let standing = crate::store::standing(annotations);
    for a in standing.iter().filter(|a| a.verdict == Verdict::FalsePositive) {
        let marker = format!("annotation:{}", a.target);
        let grounds = grounds(&case.replays, &a.target);
        for role in &mut case.accountability {
            if role.decisions.iter().any(|d| d.evidence == marker) {
                continue;
            }
            let (aside, kept): (Vec<_>, Vec<_>) =
                std::mem::take(&mut role.gaps).into_iter().partition(|g| grounds.contains(&g.evidence));
            role.gaps = kept;
            if aside.is_empty() {
                continue;
            }
            let texts: Vec<&str> = aside.iter().map(|g| g.text.as_str()).collect();
            let note = if a.note.is_empty() { String::new() } else { format!(" ({})", a.note) };
            role.decisions.push(Decision {
                what: format!(
                    "judged {} a false positive{note}: {} gap{} set aside: {}",
                    a.target,
                    aside.len(),
                    if aside.len() == 1 { "" } else { "s" },
                    texts.join("; ")
                ),
                who: a.by.clone(),
                at: a.at,
                evidence: marker.clone(),
            });
        }
    }
    case.annotations = standing;
    super::settle(case)
}
