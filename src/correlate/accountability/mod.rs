//! The accountability matrix: for each of the four roles, its owners, the
//! decisions the evidence shows them making, and the gaps, each with evidence.

use std::collections::BTreeSet;

mod advisories;
mod credentials;
mod frameworks;
mod reachability;

use advisories::advisories;
use credentials::credentials;
use frameworks::frameworks;
use reachability::reachability;

use crate::model::{
    CommitInfo, Decision, DependencyChange, ForgeCheck, Gap, GapKind, GrantKind, Owners, Reach, Replay, Role,
    RoleAccount, Secret,
};

/// Credentials older than this at exposure were due for rotation.
const ROTATION_DAYS: i64 = 90;
/// Revocation slower than this after detection is a gap.
const REVOKE_HOURS: i64 = 24;

pub struct Inputs<'a> {
    pub secrets: &'a [Secret],
    pub approvals: &'a [DependencyChange],
    pub advisories: &'a [crate::model::AdvisoryFinding],
    pub reachability: &'a [Reach],
    pub replays: &'a [Replay],
    pub owners: &'a Owners,
}

fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}

fn commit_evidence(id: &str) -> String {
    format!("commit:{}", short(id))
}

/// Why a commit shows no approval, by what the forge said.
fn unapproved(commit: &CommitInfo) -> String {
    match &commit.forge {
        ForgeCheck::Pull { number, .. } => {
            format!("in PR #{number}, merged{} with no approving review", forge_merger(commit))
        }
        ForgeCheck::NoPull => "with no pull request on the forge and no approval in git".into(),
        check => format!("with no approval in git ({})", forge_not_asked(check)),
    }
}

/// What unapproved reachability changes have in common, by what the forge said.
fn unapproved_shape(commit: &CommitInfo) -> String {
    match &commit.forge {
        ForgeCheck::Pull { .. } => "changes that made secrets readable, merged without an approving review".into(),
        ForgeCheck::NoPull => "changes that made secrets readable, pushed with no pull request on the forge".into(),
        check => format!("changes that made secrets readable, with no approval in git; {}", forge_not_asked(check)),
    }
}

/// Gaps of one shape, when there are this many, read as one line with the list behind it.
const GROUP_FROM: usize = 6;

/// Many gaps of one shape as one: "41 framework changes merged without an
/// approving review, 2023-01 … 2024-06", in the place of the first of them.
fn grouped(gaps: Vec<Gap>) -> Vec<Gap> {
    let mut counts: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for g in gaps.iter().filter(|g| !g.shape.is_empty()) {
        *counts.entry(g.shape.clone()).or_default() += 1;
    }
    let mut out: Vec<Gap> = Vec::new();
    let mut at: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for g in gaps {
        if g.shape.is_empty() || counts[&g.shape] < GROUP_FROM {
            out.push(g);
            continue;
        }
        match at.get(&g.shape) {
            Some(&i) => out[i].items.push(g),
            None => {
                at.insert(g.shape.clone(), out.len());
                out.push(Gap { shape: g.shape.clone(), kind: g.kind, items: vec![g], ..Default::default() });
            }
        }
    }
    for group in out.iter_mut().filter(|g| !g.items.is_empty()) {
        group.items.sort_by_key(|g| g.at);
        let month = |g: Option<&Gap>| g.and_then(|g| g.at).map(|t| t.format("%Y-%m").to_string()).unwrap_or_default();
        let (first, last) = (month(group.items.first()), month(group.items.last()));
        let span = if first == last { first } else { format!("{first} … {last}") };
        let changes: usize = group.items.iter().map(|g| g.changes.max(1)).sum();
        let commits = group.items.len();
        group.text = if changes == commits {
            format!("{changes} {}, {span}", group.shape)
        } else {
            format!("{changes} {} (in {commits} commits), {span}", group.shape)
        };
        group.evidence = group.items.iter().map(|g| g.evidence.as_str()).collect::<Vec<_>>().join(" ");
        group.at = group.items.first().and_then(|g| g.at);
        let secrets: BTreeSet<String> = group.items.iter().flat_map(|g| g.secrets.iter().cloned()).collect();
        group.secrets = secrets.into_iter().collect();
    }
    out
}

/// `, merged by X` from the forge (or git), or nothing.
fn forge_merger(commit: &CommitInfo) -> String {
    commit.merged_by.as_ref().map(|m| format!(" by {}", m.short())).unwrap_or_default()
}

fn forge_not_asked(check: &ForgeCheck) -> String {
    match check {
        ForgeCheck::Unanswered { why } if why == crate::model::FORGE_PENDING => why.clone(),
        ForgeCheck::Unanswered { why } => format!("the forge could not answer for it: {why}"),
        _ => "the forge was not consulted".into(),
    }
}

/// Whether someone other than the author approved the head that was merged.
fn approved_at_head(commit: &CommitInfo) -> bool {
    let ForgeCheck::Pull { stale, .. } = &commit.forge else { return true };
    commit.approvers.iter().any(|a| !a.own && a.login.as_ref().is_none_or(|l| !stale.contains(l)))
}

fn names(list: &[String]) -> String {
    if list.is_empty() { "secrets".to_string() } else { list.join(", ") }
}

fn approver_names(r: &Reach) -> String {
    r.approvers
        .iter()
        .map(|a| if a.name.is_empty() { a.email.clone() } else { a.name.clone() })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn matrix(inp: &Inputs) -> Vec<RoleAccount> {
    let mut rows: Vec<RoleAccount> = Role::ALL
        .iter()
        .map(|&role| RoleAccount {
            role,
            owners: Vec::new(),
            owners_declared: false,
            decisions: Vec::new(),
            gaps: Vec::new(),
        })
        .collect();
    let [appsec, platform, identity, governance] = &mut rows[..] else {
        return Vec::new();
    };
    reachability(inp, appsec, platform);
    frameworks(inp, appsec, governance);
    advisories(inp, governance);
    credentials(inp, identity);
    super::exceptions::judge(inp.secrets, governance, identity);
    for row in rows.iter_mut() {
        row.decisions.sort_by(|a, b| (a.at, &a.what).cmp(&(b.at, &b.what)));
        row.owners = owners(inp, row);
        // The gaps that bear on the leaked secrets' own chain first (identity's all do).
        let all_chain = row.role == Role::Identity;
        row.gaps.sort_by_key(|g| !(g.chain || all_chain));
        row.gaps = grouped(std::mem::take(&mut row.gaps));
    }
    rows
}

/// Declared owners (expanded by team), else CODEOWNERS of the framework
/// manifests, else the people the evidence names.
fn owners(inp: &Inputs, row: &mut RoleAccount) -> Vec<String> {
    if let Some(declared) = inp.owners.roles.get(row.role.name()) {
        row.owners_declared = true;
        return declared
            .iter()
            .map(|o| match inp.owners.teams.get(o) {
                Some(members) if !members.is_empty() => format!("{o} ({})", members.join(", ")),
                _ => o.clone(),
            })
            .collect();
    }
    if matches!(row.role, Role::Appsec | Role::Governance) {
        let code: BTreeSet<String> = inp.approvals.iter().flat_map(|c| c.owners.iter().cloned()).collect();
        if !code.is_empty() {
            row.owners_declared = true;
            return code.into_iter().collect();
        }
    }
    let mut seen = BTreeSet::new();
    row.decisions
        .iter()
        .flat_map(|d| d.who.split(", ").map(|s| s.split(" (").next().unwrap_or(s).to_string()).collect::<Vec<_>>())
        .filter(|w| !w.starts_with('(') && seen.insert(w.clone()))
        .collect()
}

fn times(n: usize) -> String {
    if n == 1 { "once".to_string() } else { format!("{n} times") }
}

#[cfg(test)]
mod tests;
