//! Links: what a row points at (its secrets, commits, people, addresses), and
//! where following one goes — a filter over every pane and the pane that
//! shows that thing best.

use super::app::Pane;
use super::filter::{Filter, facts};
use crate::model::Case;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    Secret(String),
    Commit(String),
    /// A person or a principal.
    Actor(String),
    Ip(String),
}

impl Link {
    /// `secret s1`, `commit 3bef6bb9`, as breadcrumbs and the detail show it.
    pub fn label(&self, case: Option<&Case>) -> String {
        match self {
            Link::Secret(id) => {
                let label = case.and_then(|c| c.secrets.iter().find(|s| s.id == *id)).map(|s| s.label.as_str());
                match label {
                    Some(l) => format!("secret {id} {l}"),
                    None => format!("secret {id}"),
                }
            }
            Link::Commit(c) => format!("commit {}", &c[..c.len().min(12)]),
            Link::Actor(a) => a.clone(),
            Link::Ip(ip) => format!("address {ip}"),
        }
    }

    /// The filter that shows only what this link is about.
    pub fn narrow(&self, filter: &mut Filter) {
        match self {
            Link::Secret(s) => filter.secret = Some(s.clone()),
            Link::Commit(c) => filter.commit = Some(c.clone()),
            Link::Actor(a) => filter.actor = Some(a.clone()),
            Link::Ip(ip) => filter.ip = Some(ip.clone()),
        }
    }

    /// The pane that shows it best: a secret's whole story is its timeline;
    /// a commit is an approval if it changed a framework, else a grant.
    pub fn pane(&self, case: &Case, filter: &Filter) -> Pane {
        match self {
            Link::Secret(_) | Link::Actor(_) => Pane::Timeline,
            Link::Ip(_) => Pane::Replays,
            Link::Commit(_) => [Pane::Approvals, Pane::Reachability]
                .into_iter()
                .find(|p| filter.any_row(case, *p))
                .unwrap_or(Pane::Timeline),
        }
    }
}

/// The links of case row `i` of `pane`, most specific first.
pub fn of_row(case: &Case, pane: Pane, i: usize) -> Vec<Link> {
    let f = facts(case, pane, i);
    let mut out: Vec<Link> = Vec::new();
    let mut add = |l: Link| {
        if !out.contains(&l) && out.len() < 16 {
            out.push(l);
        }
    };
    f.secrets.iter().for_each(|s| add(Link::Secret(s.to_string())));
    f.commits.iter().for_each(|c| add(Link::Commit(c.to_string())));
    f.ips.iter().for_each(|ip| add(Link::Ip(ip.to_string())));
    f.principals.iter().chain(&f.people).filter(|p| !p.is_empty()).for_each(|p| add(Link::Actor(p.to_string())));
    out
}

/// What an annotation of case row `i` of `pane` is about, as the report names it.
pub fn target(case: &Case, pane: Pane, i: usize) -> Option<String> {
    use crate::model::ItemRef;
    let of_item = |item: ItemRef| -> Option<String> {
        match item {
            ItemRef::Secret(i) => case.secrets.get(i).map(|s| format!("secret:{}", s.id)),
            ItemRef::Approval(i) => case.approvals.get(i).map(|c| format!("commit:{}", c.commit.id)),
            ItemRef::Reach(i) => case.reachability.get(i).map(|r| grant(&r.grant)),
            ItemRef::Unwiring(i) => case.unwirings.get(i).map(grant),
            ItemRef::Replay(i) => case.replays.get(i).map(|r| format!("replay:{}", r.access.event_id)),
        }
    };
    match pane {
        Pane::Overview => of_item(ItemRef::Secret(i)),
        Pane::Timeline => case.timeline.get(i).and_then(|e| of_item(e.item)),
        Pane::Approvals => of_item(ItemRef::Approval(i)),
        Pane::Reachability => of_item(ItemRef::Reach(i)),
        Pane::Replays => case.replay_groups.get(i).map(|g| format!("address:{}", g.ip)),
        Pane::Accountability => case.accountability.get(i).map(|a| format!("role:{}", a.role.name())),
    }
}

fn grant(g: &crate::model::Grant) -> String {
    match &g.commit {
        Some(c) => format!("commit:{}", c.id),
        None => format!("grant:{}", g.origin),
    }
}
