//! The reachability rows of the matrix: who made the secret reachable (appsec, platform).

use super::*;

pub(super) fn reachability(inp: &Inputs, appsec: &mut RoleAccount, platform: &mut RoleAccount) {
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
                kind: GapKind::CommittedEnvFile,
                secrets: r.secrets.clone(),
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
                kind: GapKind::UnapprovedReachability,
                secrets: r.secrets.clone(),
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
