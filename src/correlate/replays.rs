//! Where a secret was replayed: each use after exposure, judged against the
//! secret's own use before exposure (its baseline).

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Access, Outcome, Replay, ReplayGroup, ReplayReason, Secret};

/// Calls an attacker makes first to learn what a credential can do.
const RECON: &[&str] = &[
    "GetCallerIdentity",
    "ListBuckets",
    "ListUsers",
    "GetAccountAuthorizationDetails",
    "ListSecrets",
    "DescribeInstances",
    "ListRoles",
    "ListAccessKeys",
    "GetUser",
    "ListAttachedUserPolicies",
    "ListUserPolicies",
    "DescribeRegions",
    "ListFunctions",
    "ListKeys",
    "ListGroupsForUser",
    "SecretList",
    "VaultGet",
    "ListSecretVersionIds",
];

/// Seconds by which audit clocks and commit times may disagree.
const CLOCK_SKEW_S: i64 = 60;

/// Calls that map what a credential can reach: cloud listing calls, and their
/// Kubernetes kin (listing secrets, asking what one may do).
fn is_recon(access: &Access) -> bool {
    let name = action_name(&access.action);
    if RECON.contains(&name) {
        return true;
    }
    let resource = access.resource.as_deref().unwrap_or("");
    match access.source {
        crate::model::SourceKind::K8s => {
            (name == "list" && (resource.starts_with("secrets") || resource.starts_with("namespaces")))
                || resource.starts_with("selfsubjectaccessreviews")
                || resource.starts_with("selfsubjectrulesreviews")
        }
        crate::model::SourceKind::Gcp => {
            name.ends_with("ListSecrets") || name.ends_with("GetIamPolicy") || name.ends_with("TestIamPermissions")
        }
        crate::model::SourceKind::Vault => name == "list",
        _ => false,
    }
}

/// The user agent's family, versions folded: `Boto3/1.34.2 md/…` → `boto3`.
pub fn ua_family(ua: &str) -> String {
    ua.split(['/', ' ', '(']).next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The /24 (IPv4) or /48 (IPv6) network of an address; other tokens as they are.
pub fn network(ip: &str) -> String {
    let bare = ip.trim_start_matches('[').split(']').next().unwrap_or(ip);
    if let Ok(v4) = bare.split(':').next().unwrap_or(bare).parse::<std::net::Ipv4Addr>() {
        let o = v4.octets();
        return format!("{}.{}.{}.0/24", o[0], o[1], o[2]);
    }
    if let Ok(v6) = bare.parse::<std::net::Ipv6Addr>() {
        let s = v6.segments();
        return format!("{:x}:{:x}:{:x}::/48", s[0], s[1], s[2]);
    }
    ip.to_string()
}

fn action_name(action: &str) -> &str {
    action.rsplit(':').next().unwrap_or(action)
}

/// How many times its highest rate before exposure a usage bucket must reach
/// to be unusual, and how many requests an hour it must make besides: a quiet
/// key's one busy afternoon is not a replay.
const RATE_FACTOR: f64 = 3.0;
const RATE_FLOOR_PER_HOUR: f64 = 10.0;

/// Sources whose actions are few and each says what was done: an action the
/// credential never took before is itself a sign.
fn actions_are_telling(source: crate::model::SourceKind) -> bool {
    source == crate::model::SourceKind::GithubAudit
}

/// The action as a baseline compares it: GitHub's `git.clone (Personal access token)` is `git.clone`.
fn action_key(access: &Access) -> &str {
    let name = action_name(&access.action);
    name.split(" (").next().unwrap_or(name)
}

struct Baseline {
    networks: BTreeSet<String>,
    agents: BTreeSet<String>,
    principals: BTreeSet<String>,
    actions: BTreeSet<String>,
    models: BTreeSet<String>,
    /// The highest hourly rate of any usage bucket, where usage buckets were seen.
    peak_rate: Option<f64>,
}

impl Baseline {
    fn of(uses: &[&Access]) -> Self {
        let buckets = uses.iter().filter_map(|a| a.usage.as_ref()).filter(|u| u.period_s >= 60);
        Self {
            networks: uses.iter().filter_map(|a| a.ip.as_deref()).map(network).collect(),
            agents: uses.iter().filter_map(|a| a.user_agent.as_deref()).map(ua_family).collect(),
            principals: uses.iter().map(|a| a.principal.clone()).collect(),
            actions: uses.iter().map(|a| action_key(a).to_string()).collect(),
            models: uses.iter().filter_map(|a| a.usage.as_ref()?.model.clone()).collect(),
            peak_rate: buckets.map(crate::model::Usage::hourly_rate).reduce(f64::max),
        }
    }

    /// A usage bucket's rate well above every rate before exposure.
    fn unusual_rate(&self, usage: &crate::model::Usage) -> bool {
        let rate = usage.hourly_rate();
        usage.period_s >= 60
            && rate >= RATE_FLOOR_PER_HOUR
            && self.peak_rate.is_some_and(|peak| rate > peak * RATE_FACTOR)
    }
}

/// Every replay of every secret, in time order.
/// `uses` is each secret's uses (`secrets::uses_of`).
pub fn detect(secrets: &[Secret], uses: &[Vec<&Access>]) -> Vec<Replay> {
    let mut out = Vec::new();
    for (secret, uses) in secrets.iter().zip(uses) {
        let Some(exposed) = secret.exposed.as_ref().map(|e| e.at) else {
            continue;
        };
        let mut uses = uses.clone();
        uses.sort_by(|a, b| (a.at, &a.event_id).cmp(&(b.at, &b.event_id)));
        // Sources' clocks disagree by seconds: the minute around exposure is judged,
        // not trusted as the secret's own use.
        let judged_from = exposed - chrono::Duration::seconds(CLOCK_SKEW_S);
        // A usage bucket is before exposure only if it ended before it: one that spans
        // the exposure holds use after it and is judged.
        let before_exposure = |a: &&Access| match a.usage.as_ref().filter(|u| u.period_s > 0) {
            Some(u) => a.at + chrono::Duration::seconds(u.period_s) <= judged_from,
            None => a.at < judged_from,
        };
        let (before, judged): (Vec<&Access>, Vec<&Access>) = uses.into_iter().partition(before_exposure);
        let base = Baseline::of(&before);
        for access in judged {
            let mut reasons = Vec::new();
            if access.ip.as_deref().is_some_and(|ip| !base.networks.contains(&network(ip))) {
                reasons.push(ReplayReason::NewIp);
            }
            if access.user_agent.as_deref().is_some_and(|ua| !base.agents.contains(&ua_family(ua))) {
                reasons.push(ReplayReason::NewUserAgent);
            }
            if !base.principals.contains(&access.principal) {
                reasons.push(ReplayReason::NewPrincipal);
            }
            let name = action_key(access);
            if is_recon(access) && !base.actions.contains(name) {
                reasons.push(ReplayReason::ReconCall);
            }
            if let Some(usage) = &access.usage {
                if usage.model.as_ref().is_some_and(|m| !base.models.contains(m)) {
                    reasons.push(ReplayReason::NewModel);
                }
                if base.unusual_rate(usage) {
                    reasons.push(ReplayReason::UnusualRate);
                }
            }
            if actions_are_telling(access.source) && !base.actions.contains(name) && !is_recon(access) {
                reasons.push(ReplayReason::NewAction);
            }
            if secret.revoked_at.is_some_and(|r| access.at >= r) {
                reasons.push(ReplayReason::AfterRevocation);
            }
            if reasons.is_empty() {
                continue;
            }
            if secret.detected_at.is_some_and(|d| access.at >= d) {
                reasons.push(ReplayReason::AfterDetection);
            }
            reasons.sort();
            out.push(Replay { secret: secret.id.clone(), access: access.clone(), reasons });
        }
    }
    out.sort_by(|a, b| (a.access.at, &a.secret, &a.access.event_id).cmp(&(b.access.at, &b.secret, &b.access.event_id)));
    out
}

/// The address of a replay group whose records name none (usage buckets).
pub const NO_ADDRESS: &str = "(no address)";

/// Replays grouped by secret, address and principal, busiest first.
pub fn group(replays: &[Replay]) -> Vec<ReplayGroup> {
    let mut groups: BTreeMap<(String, String, String), ReplayGroup> = BTreeMap::new();
    for r in replays {
        let ip = r.access.ip.clone().unwrap_or_else(|| NO_ADDRESS.into());
        let key = (r.secret.clone(), ip.clone(), r.access.principal.clone());
        let g = groups.entry(key).or_insert_with(|| ReplayGroup {
            secret: r.secret.clone(),
            ip,
            principal: r.access.principal.clone(),
            first: r.access.at,
            last: r.access.at,
            count: 0,
            denied: 0,
            actions: Vec::new(),
            user_agents: Vec::new(),
            reasons: Vec::new(),
        });
        g.count += 1;
        g.first = g.first.min(r.access.at);
        g.last = g.last.max(r.access.at);
        if matches!(r.access.outcome, Outcome::Denied(_)) {
            g.denied += 1;
        }
        let push = |list: &mut Vec<String>, v: &str| {
            if !list.iter().any(|x| x == v) {
                list.push(v.to_string());
            }
        };
        push(&mut g.actions, &r.access.action);
        if let Some(ua) = &r.access.user_agent {
            push(&mut g.user_agents, ua);
        }
        for reason in &r.reasons {
            if !g.reasons.contains(reason) {
                g.reasons.push(*reason);
            }
        }
        g.reasons.sort();
    }
    let mut out: Vec<ReplayGroup> = groups.into_values().collect();
    out.sort_by(|a, b| (a.first, &a.secret, &a.ip).cmp(&(b.first, &b.secret, &b.ip)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_and_agents_fold() {
        assert_eq!(network("203.0.113.7"), "203.0.113.0/24");
        assert_eq!(network("203.0.113.7:443"), "203.0.113.0/24");
        assert_eq!(network("[2001:db8:1:2::1]:443"), "2001:db8:1::/48");
        assert_eq!(network("AWS Internal"), "AWS Internal");
        assert_eq!(ua_family("Boto3/1.34.2 md/Botocore#1.34.2 ua/2.0"), "boto3");
        assert_eq!(ua_family("aws-cli/2.15.0 Python/3.11"), "aws-cli");
    }
}
