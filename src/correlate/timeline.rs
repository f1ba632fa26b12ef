//! The incident timeline: every dated fact of the case, in order.

use crate::model::{DependencyChange, EntryKind, Grant, ItemRef, Reach, Replay, Secret, TimelineEntry};

pub fn build(
    secrets: &[Secret],
    approvals: &[DependencyChange],
    reachability: &[Reach],
    unwirings: &[Grant],
    replays: &[Replay],
) -> Vec<TimelineEntry> {
    let mut out = Vec::new();
    for (i, c) in approvals.iter().enumerate() {
        let version = c.to.as_deref().or(c.from.as_deref()).unwrap_or("");
        out.push(TimelineEntry {
            at: c.commit.at,
            kind: EntryKind::Framework,
            summary: format!(
                "{} {} {version} ({}){}",
                c.package,
                c.change_label(),
                c.manifest_label(),
                c.advisories.iter().map(|m| format!(" · {} {}", m.effect.name(), m.id)).collect::<String>()
            ),
            who: c.commit.author.short(),
            item: ItemRef::Approval(i),
        });
    }
    for (i, r) in reachability.iter().enumerate() {
        out.push(TimelineEntry {
            at: r.grant.at,
            kind: EntryKind::Reachability,
            summary: format!("{} {} in {}", r.grant.kind.name(), r.grant.secret_names.join(", "), r.grant.path),
            who: r.grant.actor.short(),
            item: ItemRef::Reach(i),
        });
    }
    for (i, g) in unwirings.iter().enumerate() {
        out.push(TimelineEntry {
            at: g.at,
            kind: EntryKind::Unwiring,
            summary: format!("removed {} {} from {}", g.kind.name(), g.secret_names.join(", "), g.path),
            who: g.actor.short(),
            item: ItemRef::Unwiring(i),
        });
    }
    for (i, s) in secrets.iter().enumerate() {
        if let Some((at, who)) = &s.issued {
            out.push(TimelineEntry {
                at: *at,
                kind: EntryKind::Issued,
                summary: format!("{} issued", s.label),
                who: who.clone(),
                item: ItemRef::Secret(i),
            });
        }
        if let Some(e) = &s.exposed {
            let place = e.path.clone().unwrap_or_default();
            out.push(TimelineEntry {
                at: e.at,
                kind: EntryKind::Exposure,
                summary: format!("{} ({}) exposed in {place}", s.label, s.id),
                who: e.author.as_ref().map(|a| a.short()).unwrap_or_default(),
                item: ItemRef::Secret(i),
            });
        }
        if let Some(at) = s.detected_at {
            out.push(TimelineEntry {
                at,
                kind: EntryKind::Detection,
                summary: format!("{} detected", s.label),
                who: String::new(),
                item: ItemRef::Secret(i),
            });
        }
        if let Some(at) = s.revoked_at {
            out.push(TimelineEntry {
                at,
                kind: EntryKind::Revocation,
                summary: format!("{} revoked", s.label),
                who: s.revoked_by.clone().unwrap_or_default(),
                item: ItemRef::Secret(i),
            });
        }
    }
    for (i, r) in replays.iter().enumerate() {
        let reasons: Vec<&str> = r.reasons.iter().map(|x| x.name()).collect();
        out.push(TimelineEntry {
            at: r.access.at,
            kind: EntryKind::Replay,
            summary: format!("{} {} from {} [{}]", r.secret, r.access.what(), r.access.from_where(), reasons.join(",")),
            who: r.access.principal.clone(),
            item: ItemRef::Replay(i),
        });
    }
    out.sort_by(|a, b| (a.at, a.kind, &a.summary).cmp(&(b.at, b.kind, &b.summary)));
    out
}
