//! The framework rows of the matrix: who approved each change to it (appsec, governance).

use super::*;

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

pub(super) fn frameworks(inp: &Inputs, appsec: &mut RoleAccount, governance: &mut RoleAccount) {
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
            let who: Vec<String> =
                c.commit.approvers.iter().filter(|a| !a.own).map(crate::model::Approver::label).collect();
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
                    evidence: evidence.clone(),
                    kind: GapKind::StaleApproval,
                    ..Default::default()
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
                kind: GapKind::UnapprovedFrameworkChange,
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
            kind: if r.grant.kind == GrantKind::FrameworkDefault {
                GapKind::FrameworkDefault
            } else {
                GapKind::RiskySetting
            },
            secrets: r.secrets.clone(),
            ..Default::default()
        });
    }
}
