//! The advisory rows of the matrix (governance): a framework version a
//! published advisory names, adopted or kept after publication, with who
//! approved it and who owns the upgrade cadence.

use super::*;
use crate::correlate::summary::span;
use crate::model::{AdvisoryFinding, AffectedWindow};

fn day(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

fn named(f: &AdvisoryFinding) -> String {
    let also: Vec<&String> = f.aliases.iter().filter(|a| a.starts_with("CVE-")).take(2).collect();
    if also.is_empty() {
        f.id.clone()
    } else {
        format!("{} ({})", f.id, also.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", "))
    }
}

/// Who approved the adopting change, as git or the forge recorded it.
fn approval(w: &AffectedWindow, change: Option<&DependencyChange>) -> String {
    if !w.approved_by.is_empty() {
        return format!("approved by {}", w.approved_by.join(", "));
    }
    match change {
        Some(c) => unapproved(&c.commit),
        None => "with no approval recorded".to_string(),
    }
}

/// The upgrade cadence's owner, as the owners file or CODEOWNERS declares it.
fn cadence_owner(inp: &Inputs, change: Option<&DependencyChange>) -> String {
    if let Some(declared) = inp.owners.roles.get(Role::Governance.name()).filter(|d| !d.is_empty()) {
        return format!("the upgrade cadence falls to governance ({})", declared.join(", "));
    }
    match change.map(|c| c.owners.as_slice()).filter(|o| !o.is_empty()) {
        Some(owners) => format!("CODEOWNERS name {} for the manifest", owners.join(" ")),
        None => {
            "no owner of the upgrade cadence is declared (no owners file role, no CODEOWNERS entry for the manifest)"
                .to_string()
        }
    }
}

pub(super) fn advisories(inp: &Inputs, governance: &mut RoleAccount) {
    for f in inp.advisories {
        let Some(published) = f.published else { continue };
        for w in &f.windows {
            if !(w.adopted_after_publication || w.kept_after_publication) {
                continue;
            }
            let change = inp
                .approvals
                .iter()
                .find(|c| c.commit.id == w.adopted_commit && c.manifest == w.manifest && c.package == f.package)
                .or_else(|| inp.approvals.iter().find(|c| c.commit.id == w.adopted_commit && c.package == f.package));
            let version = match (&w.adopted_range, w.adopted_version.as_deref()) {
                (Some(spec), Some(floor)) => format!("{spec} (its floor, {floor},"),
                (_, v) => v.unwrap_or("?").to_string(),
            };
            let is = if w.adopted_range.is_some() { "is" } else { "is a version" };
            let what = if f.malicious { "names as malicious" } else { "names" };
            let adopted = format!(
                "adopted in commit {} on {} by {}, {}",
                short(&w.adopted_commit),
                day(&w.adopted_at),
                w.adopted_by.short(),
                approval(w, change)
            );
            let timing = if w.adopted_after_publication {
                format!("{} after the advisory was published", span((w.adopted_at - published).num_seconds()))
            } else {
                "before the advisory".to_string()
            };
            let now = match (&w.cleared_commit, w.time_to_patch_s) {
                (Some(c), Some(t)) => format!(
                    "left the range in commit {} ({}), {} after publication",
                    short(c),
                    w.cleared_version.as_deref().unwrap_or("removed"),
                    span(t)
                ),
                (Some(c), None) => format!("left the range in commit {}", short(c)),
                (None, _) => format!("still in the affected range after {}", span(w.window_s)),
            };
            let open = w.cleared_commit.is_none();
            governance.decisions.push(Decision {
                what: format!("adopted {} {version}, which {} {what}", f.package, named(f)),
                who: w.adopted_by.short(),
                at: w.adopted_at,
                evidence: commit_evidence(&w.adopted_commit),
            });
            governance.gaps.push(Gap {
                text: format!(
                    "{} {version} in {} {is} {} {what}{} (published {}): {adopted}, {timing}; {now}; {}",
                    f.package,
                    w.manifest,
                    named(f),
                    if w.adopted_range.is_some() { ")" } else { "" },
                    day(&published),
                    cadence_owner(inp, change)
                ),
                evidence: format!("advisory:{}", f.id),
                at: Some(w.adopted_at),
                // Still in the range now: the case's own framework is affected.
                chain: open,
                kind: GapKind::AffectedVersion,
                ..Default::default()
            });
        }
    }
}
