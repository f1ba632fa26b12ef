//! The accountability matrix: for each of the four roles, its owners, the
//! decisions the evidence shows them making, and the gaps, each with evidence.

use std::collections::BTreeSet;

use crate::model::{
    CommitInfo, Decision, DependencyChange, ForgeCheck, Gap, GrantKind, Owners, Reach, Replay, Role, RoleAccount,
    Secret,
};

/// Credentials older than this at exposure were due for rotation.
const ROTATION_DAYS: i64 = 90;
/// Revocation slower than this after detection is a gap.
const REVOKE_HOURS: i64 = 24;

pub struct Inputs<'a> {
    pub secrets: &'a [Secret],
    pub approvals: &'a [DependencyChange],
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
                out.push(Gap { shape: g.shape.clone(), items: vec![g], ..Default::default() });
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

fn reachability(inp: &Inputs, appsec: &mut RoleAccount, platform: &mut RoleAccount) {
    for r in inp.reachability {
        let g = &r.grant;
        let row = if g.kind.is_platform() { &mut *platform } else { &mut *appsec };
        let place = match g.line {
            Some(l) => format!("{}:{l}", g.path),
            None => g.path.clone(),
        };
        let evidence = g.commit.as_ref().map_or_else(|| format!("event:{}", g.origin), |c| commit_evidence(&c.id));
        row.decisions.push(Decision {
            what: format!("made {} reachable ({}) at {place}", names(&g.secret_names), g.kind.name()),
            who: g.actor.short(),
            at: g.at,
            evidence: evidence.clone(),
        });
        let Some(commit) = &g.commit else { continue };
        // Tests, examples and docs stay visible in the tables, out of the gaps.
        if g.scope != crate::model::Scope::Runtime {
            continue;
        }
        let live_env_file = g.kind == GrantKind::EnvFile && !r.secrets.is_empty();
        if live_env_file {
            row.gaps.push(Gap {
                text: format!(
                    "{} holding {} was committed by {}{}",
                    g.path,
                    names(&g.secret_names),
                    g.actor.short(),
                    if r.approved { String::new() } else { format!(" {}", unapproved(commit)) }
                ),
                evidence: evidence.clone(),
                chain: true,
                ..Default::default()
            });
        } else if !r.approved {
            row.gaps.push(Gap {
                text: format!(
                    "{place} ({}) exposes {} and was written by {} {}",
                    g.kind.name(),
                    names(&g.secret_names),
                    g.actor.short(),
                    unapproved(commit)
                ),
                evidence: evidence.clone(),
                // Claims on the leaked secrets' own chain always stand alone, and first.
                shape: if r.secrets.is_empty() { unapproved_shape(commit) } else { String::new() },
                chain: !r.secrets.is_empty(),
                at: Some(commit.at),
                ..Default::default()
            });
        } else {
            row.decisions.push(Decision {
                what: format!("reviewed the {} change at {place}", g.kind.name()),
                who: approver_names(r),
                at: commit.at,
                evidence: evidence.clone(),
            });
        }
    }
}

fn change_text(c: &DependencyChange) -> String {
    let version = c.to.as_deref().or(c.from.as_deref()).unwrap_or("?");
    format!("{} {} {version} in {}", c.package, c.change_label(), c.manifest_label())
}

/// The changes one commit made, as one phrase: a lockfile refresh that moves
/// eight packages is one decision and at most one gap, not eight.
fn changes_text(changes: &[&DependencyChange]) -> String {
    const NAMED: usize = 3;
    let texts: Vec<String> = changes.iter().map(|c| change_text(c)).collect();
    if texts.len() <= NAMED {
        return texts.join("; ");
    }
    format!("{} framework changes ({}; and {} more)", texts.len(), texts[..NAMED].join("; "), texts.len() - NAMED)
}

/// The changes of each commit together, in the order they came, each commit
/// split by whether it was approved (it is per change: a self-approved
/// manifest and an approved one can share a commit only in odd histories).
fn by_commit(approvals: &[DependencyChange]) -> Vec<Vec<&DependencyChange>> {
    let mut groups: Vec<Vec<&DependencyChange>> = Vec::new();
    let mut at: std::collections::HashMap<(&str, bool), usize> = std::collections::HashMap::new();
    for c in approvals {
        match at.get(&(c.commit.id.as_str(), c.approved)) {
            Some(&i) => groups[i].push(c),
            None => {
                at.insert((c.commit.id.as_str(), c.approved), groups.len());
                groups.push(vec![c]);
            }
        }
    }
    groups
}

fn frameworks(inp: &Inputs, appsec: &mut RoleAccount, governance: &mut RoleAccount) {
    for group in by_commit(inp.approvals) {
        let c = group[0];
        let what = changes_text(&group);
        let evidence = commit_evidence(&c.commit.id);
        governance.decisions.push(Decision {
            what: what.clone(),
            who: c.commit.author.short(),
            at: c.commit.at,
            evidence: evidence.clone(),
        });
        if c.approved {
            let who: Vec<String> = c
                .commit
                .approvers
                .iter()
                .filter(|a| !a.own)
                .map(|a| format!("{} ({})", if a.name.is_empty() { &a.email } else { &a.name }, a.role))
                .collect();
            appsec.decisions.push(Decision {
                what: format!("approved {what}"),
                who: who.join(", "),
                at: c.commit.at,
                evidence: evidence.clone(),
            });
            if let ForgeCheck::Pull { number, stale, .. } = &c.commit.forge
                && !stale.is_empty()
                && !approved_at_head(&c.commit)
            {
                governance.gaps.push(Gap {
                    text: format!(
                        "{what}: PR #{number} was approved by {} at an older head than the one merged; the last commits had no approving review",
                        stale.join(", ")
                    ),
                    evidence: evidence.clone(), ..Default::default()
                });
            }
        } else {
            let writer = if c.commit.bot { "a bot, " } else { "" };
            let author = c.commit.author.short();
            let pr = c.commit.pull_request.map(|n| format!(" (PR #{n})")).unwrap_or_default();
            let named: BTreeSet<&String> = group.iter().flat_map(|c| c.owners.iter()).collect();
            let owners = if named.is_empty() {
                String::new()
            } else {
                format!("; CODEOWNERS named {}", named.into_iter().cloned().collect::<Vec<_>>().join(" "))
            };
            let own = if c.commit.approvers.is_empty() { "" } else { " (its only approval is its author's own)" };
            let merger = forge_merger(&c.commit);
            let direct = c.commit.pull_request.is_none() && c.commit.merged_by.is_none();
            let shape = match &c.commit.forge {
                ForgeCheck::Pull { .. } => "framework changes merged without an approving review".to_string(),
                ForgeCheck::NoPull if !direct => {
                    "framework changes merged outside a pull request (the forge shows none)".to_string()
                }
                ForgeCheck::NoPull => {
                    "framework changes pushed directly, with no pull request on the forge".to_string()
                }
                check if direct => format!(
                    "framework changes pushed directly with no pull request and no approval in git; {}",
                    forge_not_asked(check)
                ),
                check => format!("framework changes with no approval in git; {}", forge_not_asked(check)),
            };
            let text = match &c.commit.forge {
                ForgeCheck::Pull { number, .. } => format!(
                    "{what}, written by {writer}{author}: PR #{number} was merged{merger} with no approving review{own}{owners}"
                ),
                // A merge made outside the forge (`git pull`, a local merge): the merger is known, the pusher is not.
                ForgeCheck::NoPull if !direct => format!(
                    "{what}, written by {writer}{author}, came in a merge{merger} that the forge shows no pull request for, and git records no approval{own}{owners}"
                ),
                ForgeCheck::NoPull => format!(
                    "{what} was pushed directly by {writer}{author}: the forge shows no pull request for it and git records no approval{own}{owners}"
                ),
                // No pull request named and no merge commit: it went straight onto the branch.
                check if direct => format!(
                    "{what} was pushed directly by {writer}{author}, with no pull request and no approval in git{own}; {}{owners}",
                    forge_not_asked(check)
                ),
                check => format!(
                    "{what}{pr}, written by {writer}{author}{}, has no approval in git{own}; {}{owners}",
                    if merger.is_empty() { String::new() } else { format!(", merged{merger}") },
                    forge_not_asked(check)
                ),
            };
            // A change in the same pull request as the leaked secrets' wiring is on their chain.
            let chain = group.iter().any(|c| c.touches_wiring);
            let shape = if chain { String::new() } else { shape };
            governance.gaps.push(Gap {
                text,
                evidence,
                shape,
                at: Some(c.commit.at),
                chain,
                changes: group.len(),
                ..Default::default()
            });
        }
    }
    let mut defaults: BTreeSet<String> = BTreeSet::new();
    let implicit = |k: GrantKind| matches!(k, GrantKind::FrameworkDefault | GrantKind::WideningSetting);
    let runtime = |r: &&Reach| r.grant.scope == crate::model::Scope::Runtime;
    for r in inp.reachability.iter().filter(|r| implicit(r.grant.kind)).filter(runtime) {
        let key = format!("{}|{}|{}", r.grant.path, r.grant.secret_names.join(","), r.grant.settings.join(","));
        if !defaults.insert(key) {
            continue;
        }
        let place = format!("{}:{}", r.grant.path, r.grant.line.unwrap_or(0));
        let text = if r.grant.kind == GrantKind::FrameworkDefault {
            format!(
                "{place} builds a framework client that reads {} from the environment implicitly; no recorded exception or compensating control",
                names(&r.grant.secret_names)
            )
        } else {
            format!(
                "{place} turns on {}: prompts, tool calls or code execution can carry the framework's keys out; no recorded exception",
                r.grant.settings.join(", ")
            )
        };
        governance.gaps.push(Gap {
            text,
            evidence: r.grant.commit.as_ref().map_or_else(|| r.grant.origin.clone(), |c| commit_evidence(&c.id)),
            chain: !r.secrets.is_empty(),
            ..Default::default()
        });
    }
}

fn credentials(inp: &Inputs, identity: &mut RoleAccount) {
    for s in inp.secrets {
        let exposed = s.exposed.as_ref().map(|e| e.at);
        if let Some((at, who)) = &s.issued {
            identity.decisions.push(Decision {
                what: format!("issued {} ({})", s.label, s.id),
                who: who.clone(),
                at: *at,
                evidence: format!("event:issued {}", s.id),
            });
            if let Some(e) = exposed {
                let age = (e - *at).num_days();
                if age > ROTATION_DAYS {
                    identity.gaps.push(Gap {
                        text: format!("{} was {age} days old when exposed and had never been rotated", s.label),
                        evidence: format!("event:issued {}", s.id),
                        ..Default::default()
                    });
                }
            }
        }
        match (s.revoked_at, &s.revoked_by) {
            (Some(at), who) => {
                identity.decisions.push(Decision {
                    what: format!("revoked {} ({})", s.label, s.id),
                    who: who.clone().unwrap_or_else(|| "(per scanner alert)".into()),
                    at,
                    evidence: format!("event:revoked {}", s.id),
                });
                if let Some(d) = s.detected_at {
                    let hours = (at - d).num_hours();
                    if hours > REVOKE_HOURS {
                        identity.gaps.push(Gap {
                            text: format!("{} was revoked {hours} hours after detection", s.label),
                            evidence: format!("event:revoked {}", s.id),
                            ..Default::default()
                        });
                    }
                }
            }
            (None, _) => {
                let open =
                    exposed.map(|e| format!(", exposed since {}", e.format("%Y-%m-%d %H:%M UTC"))).unwrap_or_default();
                let text = match s.revocation {
                    crate::model::Revocation::NotRevoked => {
                        format!("no evidence that {} ({}) was revoked in the audit logs read{open}", s.label, s.id)
                    }
                    _ => format!(
                        "no evidence that {} ({}) was revoked{open}; no audit log that would record its revocation was read",
                        s.label, s.id
                    ),
                };
                identity.gaps.push(Gap { text, evidence: format!("secret:{}", s.id), ..Default::default() });
            }
        }
        let after_detection: Vec<&Replay> = inp
            .replays
            .iter()
            .filter(|r| {
                r.secret == s.id
                    && s.detected_at.is_some_and(|d| r.access.at >= d)
                    && s.revoked_at.is_none_or(|v| r.access.at < v)
            })
            .collect();
        if let Some(first) = after_detection.first() {
            identity.gaps.push(Gap {
                text: format!(
                    "{} was replayed {} after detection and before revocation",
                    s.label,
                    times(after_detection.len())
                ),
                evidence: format!("event:{}", first.access.event_id),
                ..Default::default()
            });
        }
    }
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
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn gap(n: u32, shape: &str) -> Gap {
        let at = chrono::Utc.with_ymd_and_hms(2023, n, 1, 0, 0, 0).single();
        Gap {
            text: format!("change {n}"),
            evidence: format!("commit:{n}"),
            shape: shape.into(),
            at,
            ..Default::default()
        }
    }

    #[test]
    fn many_gaps_of_one_shape_read_as_one_line_with_the_list_behind_it() {
        let shape = "framework changes merged without an approving review";
        let mut gaps = vec![gap(1, "")];
        gaps.extend((2..=8).rev().map(|n| gap(n, shape)));
        gaps.extend((9..=10).map(|n| gap(n, "framework changes pushed directly, with no pull request on the forge")));
        let out = grouped(gaps);
        let texts: Vec<&str> = out.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(
            texts,
            [
                "change 1",
                "7 framework changes merged without an approving review, 2023-02 … 2023-08",
                "change 9",
                "change 10"
            ],
            "five or fewer stay as they are"
        );
        assert_eq!(out[1].items.first().map(|g| g.text.as_str()), Some("change 2"), "oldest first");
        assert_eq!(out[1].items.len(), 7);
    }

    fn change(n: i64, package: &str, wiring: bool) -> DependencyChange {
        let at = chrono::Utc.timestamp_opt(1_700_000_000 + n * 86_400, 0).single().unwrap_or_default();
        let ana = crate::model::Person::new("Ana Ruiz", "ana@example.com");
        DependencyChange {
            package: package.into(),
            ecosystem: "pypi".into(),
            manifest: "requirements.txt".into(),
            change: crate::model::ChangeKind::Added,
            from: None,
            to: Some("1.0".into()),
            commit: CommitInfo {
                id: format!("{n:040}"),
                at,
                summary: "deps".into(),
                author: ana.clone(),
                committer: ana,
                merged_by: None,
                pull_request: None,
                approvers: Vec::new(),
                other_trailers: Vec::new(),
                bot: false,
                forge: ForgeCheck::NotConsulted,
            },
            owners: Vec::new(),
            lockfile: false,
            transitive: false,
            diff: Vec::new(),
            touches_wiring: wiring,
            introduced_by: None,
            approved: false,
            moved_from: None,
            net_change: None,
        }
    }

    #[test]
    fn gaps_on_the_leaked_secrets_chain_come_first_and_stand_alone() {
        let mut approvals: Vec<DependencyChange> = (1..=7).map(|n| change(n, &format!("pkg{n}"), false)).collect();
        approvals.push(change(8, "langchain", true));
        let owners = Owners::default();
        let rows =
            matrix(&Inputs { secrets: &[], approvals: &approvals, reachability: &[], replays: &[], owners: &owners });
        let governance = rows.iter().find(|r| r.role == Role::Governance).map(|r| &r.gaps[..]).unwrap_or_default();
        let texts: Vec<&str> = governance.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(texts.len(), 2, "{texts:#?}");
        assert!(texts[0].starts_with("langchain added 1.0"), "the change that came with the wiring first: {texts:#?}");
        assert!(texts[1].starts_with("7 framework changes pushed directly"), "{texts:#?}");
    }

    #[test]
    fn the_changes_of_one_commit_are_one_decision_and_one_gap() {
        // A lockfile refresh: one commit moves five packages; six other commits move one each.
        let mut approvals: Vec<DependencyChange> = (1..=5).map(|i| change(1, &format!("lock{i}"), false)).collect();
        approvals.extend((2..=7).map(|n| change(n, &format!("pkg{n}"), false)));
        let owners = Owners::default();
        let rows =
            matrix(&Inputs { secrets: &[], approvals: &approvals, reachability: &[], replays: &[], owners: &owners });
        let governance = rows.iter().find(|r| r.role == Role::Governance).unwrap_or_else(|| unreachable!());
        assert_eq!(governance.decisions.len(), 7, "one a commit");
        assert!(
            governance.decisions[0].what.starts_with("5 framework changes (lock1 added 1.0 in requirements.txt; lock2"),
            "{:#?}",
            governance.decisions[0]
        );
        assert!(governance.decisions[0].what.ends_with("; and 2 more)"));
        let texts: Vec<&str> = governance.gaps.iter().map(|g| g.text.as_str()).collect();
        assert_eq!(texts.len(), 1, "{texts:#?}");
        assert!(
            texts[0].starts_with("11 framework changes pushed directly with no pull request and no approval in git; the forge was not consulted (in 7 commits), "),
            "{texts:#?}"
        );
        assert_eq!(governance.gaps[0].items.len(), 7);
    }

    #[test]
    fn a_local_merge_the_forge_shows_no_pull_request_for_names_the_merger_not_a_pusher() {
        let mut c = change(1, "openai", false);
        c.commit.forge = ForgeCheck::NoPull;
        c.commit.merged_by = Some(crate::model::Person::new("Assaf Elovic", "assaf@example.com"));
        let owners = Owners::default();
        let approvals = [c];
        let rows =
            matrix(&Inputs { secrets: &[], approvals: &approvals, reachability: &[], replays: &[], owners: &owners });
        let governance = rows.iter().find(|r| r.role == Role::Governance).unwrap_or_else(|| unreachable!());
        let text = &governance.gaps[0].text;
        assert!(
            text.contains(
                "written by Ana Ruiz, came in a merge by Assaf Elovic that the forge shows no pull request for"
            ),
            "{text}"
        );
        assert!(!text.contains("pushed directly"), "{text}");
    }
}
