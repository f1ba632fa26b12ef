//! Recommendations: what to do, ranked, each answering gaps of the matrix and
//! falling to a role. Written from the settled gaps (ids, kinds, controls), so
//! a recommendation never claims more than its gaps show.

use std::collections::BTreeSet;

use crate::model::{Case, Control, Gap, GapKind, Recommendation, Revocation, Role, Secret, Triage};

/// At most this many places or names spelled out in one recommendation.
const NAMED: usize = 3;

fn listed(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        n if n <= NAMED => items.join(", "),
        n => format!("{} and {} more", items[..NAMED].join(", "), n - NAMED),
    }
}

/// A secret as a recommendation spells it: label, kind and id, or, where the scanner gave
/// no value to label, its kind, id and where it was found.
fn spelled(s: &Secret) -> String {
    if !s.label.starts_with('(') {
        return format!("{} ({}, {})", s.label, s.kind, s.id);
    }
    match s.place() {
        p if p.is_empty() => format!("the {} {}", s.kind, s.id),
        p => format!("the {} {} (at {p})", s.kind, s.id),
    }
}

fn matters(s: &Secret) -> bool {
    matches!(s.triage, Triage::LikelyReal | Triage::Unknown)
}

/// A draft: the gaps it answers (by kind and secret), its controls from them.
struct Draft<'a> {
    role: Role,
    secret: Option<String>,
    text: String,
    gaps: Vec<&'a Gap>,
}

fn gaps_of<'a>(case: &'a Case, kinds: &[GapKind], secret: Option<&str>) -> Vec<&'a Gap> {
    case.gaps()
        .map(|(_, g)| g)
        .filter(|g| kinds.contains(&g.kind) && secret.is_none_or(|s| g.secrets.iter().any(|x| x == s)))
        .collect()
}

/// Places a gap's group or single evidence names (`path:line` in its text is not parsed: the grants are).
fn places(case: &Case, keep: &dyn Fn(&crate::model::Reach) -> bool) -> Vec<String> {
    let mut seen = BTreeSet::new();
    case.reachability
        .iter()
        .filter(|r| r.grant.scope == crate::model::Scope::Runtime && keep(r))
        .map(|r| match r.grant.line {
            Some(l) => format!("{}:{l}", r.grant.path),
            None => r.grant.path.clone(),
        })
        .filter(|p| seen.insert(p.clone()))
        .collect()
}

/// At most this many secrets get a "revoke" of their own; the rest are one recommendation.
const SINGLY: usize = 5;

fn revoke<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    let replays = |s: &Secret| case.replays.iter().filter(|r| r.secret == s.id).count();
    let mut live: Vec<&Secret> =
        case.secrets.iter().filter(|s| matters(s) && s.revocation != Revocation::Revoked).collect();
    // The replayed ones first, then the oldest exposure.
    live.sort_by_key(|s| (std::cmp::Reverse(replays(s)), s.exposed.as_ref().map(|e| e.at)));
    // A replayed secret, or one in a known credential format, is named on its own; keyword and
    // entropy matches (triage unknown) may not be credentials at all: one "confirm, then revoke".
    let (mut singly, mut unsure): (Vec<&Secret>, Vec<&Secret>) =
        live.into_iter().partition(|s| replays(s) > 0 || s.triage == Triage::LikelyReal);
    if singly.len() > SINGLY {
        let rest = singly.split_off(SINGLY);
        unsure.splice(0..0, rest);
    }
    for s in singly {
        let why = match (replays(s), s.revocation) {
            (n, _) if n > 0 => format!("it was replayed {n} time{} after exposure", if n == 1 { "" } else { "s" }),
            (_, Revocation::NotRevoked) => "the audit logs read show no revocation".to_string(),
            _ => "no audit log that would record its revocation was read: confirm with its issuer".to_string(),
        };
        out.push(Draft {
            role: Role::Identity,
            secret: Some(s.id.clone()),
            text: format!("Revoke {} now and issue a replacement: {why}", spelled(s)),
            gaps: gaps_of(case, &[GapKind::NotRevoked, GapKind::ReplayedAfterDetection], Some(&s.id)),
        });
    }
    if unsure.is_empty() {
        return;
    }
    let named: Vec<String> = unsure
        .iter()
        .map(|s| {
            let at = s.findings.iter().find_map(|f| f.file.as_ref().map(|p| (p, f.line)));
            match at {
                Some((p, Some(l))) => format!("{} at {p}:{l}", s.id),
                Some((p, None)) => format!("{} at {p}", s.id),
                None => s.id.clone(),
            }
        })
        .collect();
    let ids: Vec<&str> = unsure.iter().map(|s| s.id.as_str()).collect();
    let mut gaps: Vec<&Gap> = Vec::new();
    for id in &ids {
        for g in gaps_of(case, &[GapKind::NotRevoked, GapKind::ReplayedAfterDetection], Some(id)) {
            if !gaps.iter().any(|x| x.id == g.id) {
                gaps.push(g);
            }
        }
    }
    let n = unsure.len();
    out.push(Draft {
        role: Role::Identity,
        secret: (n == 1).then(|| unsure[0].id.clone()),
        text: format!(
            "Confirm whether {} is a live credential ({}), and revoke and replace {}: no audit log that would record a revocation was read",
            if n == 1 { "this finding".to_string() } else { format!("each of these {n} findings") },
            listed(&named),
            if n == 1 { "it if so" } else { "those that are" },
        ),
        gaps,
    });
}

/// How a replay group without an address is keyed (`replays::group`).
const NO_ADDRESS: &str = super::replays::NO_ADDRESS;

fn investigate<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    if case.replay_groups.is_empty() {
        return;
    }
    let mut addresses: Vec<String> = Vec::new();
    // Usage buckets and other records without an address: counted, never listed as one.
    let mut unaddressed = 0usize;
    for g in &case.replay_groups {
        if g.ip == NO_ADDRESS {
            unaddressed += g.count;
        } else if !addresses.contains(&g.ip) {
            addresses.push(g.ip.clone());
        }
    }
    let secrets: BTreeSet<&str> = case.replay_groups.iter().map(|g| g.secret.as_str()).collect();
    let calls: usize = case.replay_groups.iter().map(|g| g.count).sum();
    let secrets: Vec<String> = secrets.into_iter().map(str::to_string).collect();
    let mut gaps = gaps_of(case, &[GapKind::ReplayedAfterDetection, GapKind::AlertClosedWhileUsed], None);
    gaps.retain(|g| g.secrets.iter().any(|s| secrets.contains(s)));
    let from = match (addresses.len(), unaddressed) {
        (0, _) => {
            "in records that name no address (usage buckets): ask the provider for the requests behind them".to_string()
        }
        (n, u) => {
            let places = if n == 1 { "one address".to_string() } else { format!("{n} addresses") };
            let rest = if u == 0 {
                String::new()
            } else {
                format!(" and {u} in records that name no address (usage buckets)")
            };
            format!("from {places} ({}){rest}: block the addresses", listed(&addresses))
        }
    };
    out.push(Draft {
        role: Role::Platform,
        secret: None,
        text: format!(
            "Investigate the {calls} replayed call{} {from}, and establish what each call read or changed with {}",
            if calls == 1 { "" } else { "s" },
            secrets.join(", ")
        ),
        gaps,
    });
}

fn short_lived<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    let kinds = [GapKind::NotRotated, GapKind::SlowRevocation, GapKind::NotRevoked];
    // Vault tokens are short-lived by design; the rest of the kinds leakline names are static keys.
    // Only credentials in a known format: a keyword match may be no key at all.
    let static_keys: Vec<&Secret> =
        case.secrets.iter().filter(|s| s.triage == Triage::LikelyReal && s.kind != "vault_token").collect();
    if static_keys.is_empty() {
        return;
    }
    let labels: Vec<String> = static_keys.iter().map(|s| s.called()).collect();
    let gaps = gaps_of(case, &kinds, None)
        .into_iter()
        .filter(|g| g.secrets.iter().any(|id| static_keys.iter().any(|s| &s.id == id)))
        .collect();
    out.push(Draft {
        role: Role::Identity,
        secret: None,
        text: format!(
            "Replace the long-lived static keys ({}) with short-lived, task-scoped credentials: workload identity or STS role sessions for cloud access, Vault dynamic secrets for stores and services, OIDC federation in CI; where a provider offers only static keys, one key per service, least privilege, rotated on a schedule",
            listed(&labels)
        ),
        gaps,
    });
}

fn framework_paths<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    use crate::model::GrantKind;
    let defaults = places(case, &|r| r.grant.kind == GrantKind::FrameworkDefault);
    if !defaults.is_empty() {
        out.push(Draft {
            role: Role::Appsec,
            secret: None,
            text: format!(
                "Stop the framework's implicit environment reads at {}: pass each credential explicitly from the secret store where the client is built, and turn off defaults that load secrets from the environment or from serialized input",
                listed(&defaults)
            ),
            gaps: gaps_of(case, &[GapKind::FrameworkDefault], None),
        });
    }
    let risky = places(case, &|r| r.grant.kind == GrantKind::WideningSetting);
    if !risky.is_empty() {
        out.push(Draft {
            role: Role::Appsec,
            secret: None,
            text: format!(
                "Turn off the settings that let prompts, tools or generated code act with the framework's keys at {}, or run that code where those keys are not reachable",
                listed(&risky)
            ),
            gaps: gaps_of(case, &[GapKind::RiskySetting], None),
        });
    }
}

fn review_paths<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    let env_files = gaps_of(case, &[GapKind::CommittedEnvFile], None);
    if !env_files.is_empty() {
        let files: BTreeSet<String> = case
            .reachability
            .iter()
            .filter(|r| r.grant.kind == crate::model::GrantKind::EnvFile && !r.secrets.is_empty())
            .map(|r| r.grant.path.clone())
            .collect();
        out.push(Draft {
            role: Role::Platform,
            secret: None,
            text: format!(
                "Remove {} from the repository (and from its published history), rotate every value it held, and keep environment files out of version control",
                listed(&files.into_iter().collect::<Vec<_>>())
            ),
            gaps: env_files,
        });
    }
    let unapproved = gaps_of(case, &[GapKind::UnapprovedReachability], None);
    if !unapproved.is_empty() {
        let platform = case.gaps().any(|(r, g)| r == Role::Platform && g.kind == GapKind::UnapprovedReachability);
        out.push(Draft {
            role: if platform { Role::Platform } else { Role::Appsec },
            secret: None,
            text: "Require an approving review, by someone other than the author, for changes that make secrets readable: CODEOWNERS and branch protection on environment, compose, Kubernetes, Dockerfile and CI files and on the code that reads credentials".to_string(),
            gaps: unapproved,
        });
    }
}

/// Out of an advisory's range where a manifest still is in it.
fn patch<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    for f in case.advisories.iter().filter(|f| f.open()) {
        let gaps: Vec<&Gap> = gaps_of(case, &[GapKind::AffectedVersion], None)
            .into_iter()
            .filter(|g| g.evidence == format!("advisory:{}", f.id))
            .collect();
        let manifests: Vec<String> = f
            .windows
            .iter()
            .filter(|w| w.cleared_commit.is_none())
            .map(|w| w.manifest.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let to = match f.fixed.as_slice() {
            [] => "a version outside the affected range (the advisory names no fix)".to_string(),
            [one] => format!("{one} or later"),
            many => format!("a version the advisory gives as fixed ({}, or later in their lines)", many.join(", ")),
        };
        out.push(Draft {
            role: Role::Appsec,
            secret: None,
            text: format!(
                "Move {} in {} to {to}: {} ({}) affects the version in use",
                f.package,
                listed(&manifests),
                f.id,
                if f.summary.is_empty() { "no summary given".to_string() } else { f.summary.clone() }
            ),
            gaps,
        });
    }
}

fn ownership<'a>(case: &'a Case, out: &mut Vec<Draft<'a>>) {
    let changes =
        gaps_of(case, &[GapKind::UnapprovedFrameworkChange, GapKind::StaleApproval, GapKind::AffectedVersion], None);
    if !changes.is_empty() {
        let packages: BTreeSet<String> =
            case.approvals.iter().filter(|c| !c.approved).map(|c| c.package.clone()).collect();
        out.push(Draft {
            role: Role::Governance,
            secret: None,
            text: format!(
                "Name an owner for each library-level trust boundary ({}) and for the framework's upgrade cadence, and require their approving review on those manifests",
                listed(&packages.into_iter().collect::<Vec<_>>())
            ),
            gaps: changes,
        });
    }
    let exceptions = gaps_of(case, &[GapKind::UnreviewedBypass, GapKind::AlertClosedWhileUsed], None);
    if !exceptions.is_empty() {
        out.push(Draft {
            role: Role::Governance,
            secret: None,
            text: "Route every push-protection bypass and every alert closed as not a risk through a reviewed exception, with an owner and an expiry".to_string(),
            gaps: exceptions,
        });
    }
    if !case.reachability.is_empty() {
        let mut names: Vec<String> = Vec::new();
        for r in case.reachability.iter().filter(|r| r.grant.scope == crate::model::Scope::Runtime) {
            for n in &r.grant.secret_names {
                if !names.contains(n) {
                    names.push(n.clone());
                }
            }
        }
        let runtime = places(case, &|_| true).len();
        if runtime > 0 {
            out.push(Draft {
                role: Role::Governance,
                secret: None,
                text: format!(
                    "Keep an inventory of the framework's secret paths ({} read at {runtime} place{} in runtime code), each with an owner and a rotation period, reviewed when the framework is upgraded",
                    if names.is_empty() { "secrets".to_string() } else { listed(&names) },
                    if runtime == 1 { "" } else { "s" }
                ),
                gaps: gaps_of(case, &[GapKind::FrameworkDefault, GapKind::UnapprovedReachability], None),
            });
        }
    }
}

/// The recommendations, most urgent first.
pub fn recommend(case: &Case) -> Vec<Recommendation> {
    let mut drafts = Vec::new();
    revoke(case, &mut drafts);
    investigate(case, &mut drafts);
    short_lived(case, &mut drafts);
    patch(case, &mut drafts);
    framework_paths(case, &mut drafts);
    review_paths(case, &mut drafts);
    ownership(case, &mut drafts);
    drafts
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            let mut controls: Vec<Control> = Vec::new();
            for c in d.gaps.iter().flat_map(|g| g.controls.iter()) {
                if !controls.contains(c) {
                    controls.push(c.clone());
                }
            }
            Recommendation {
                id: format!("r{}", i + 1),
                priority: i + 1,
                role: d.role,
                secret: d.secret,
                text: d.text,
                gaps: d.gaps.iter().map(|g| g.id.clone()).collect(),
                controls,
            }
        })
        .collect()
}
