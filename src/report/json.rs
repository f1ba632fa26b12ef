//! The JSON report, version 1: every top-level key of the contract, lists in a
//! stable order, times in RFC 3339 UTC, `null` for what is not known.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::model::{Approver, Case, InputSummary, Outcome, Person};

fn time(t: &DateTime<Utc>) -> Value {
    json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

fn opt_time(t: Option<DateTime<Utc>>) -> Value {
    t.as_ref().map_or(Value::Null, time)
}

fn person(p: &Person) -> Value {
    json!({"name": p.name, "email": p.email})
}

fn introduced(i: &crate::model::Introduced) -> Value {
    json!({"commit": i.commit, "author": person(&i.author), "at": time(&i.at), "pull_request": i.pull_request})
}

fn approver(a: &Approver) -> Value {
    let mut v = json!({"name": a.name, "email": a.email, "via": a.via});
    if let Some(login) = &a.login {
        v["login"] = json!(login);
    }
    if a.own {
        v["own_review"] = json!(true);
    }
    v
}

/// What the forge said, where it was asked (`null` without `--forge`).
fn forge_check(check: &crate::model::ForgeCheck) -> Option<Value> {
    match check {
        crate::model::ForgeCheck::NotConsulted => None,
        other => serde_json::to_value(other).ok(),
    }
}

fn inputs(list: &[InputSummary], prov: &super::Provenance) -> Value {
    json!(
        list.iter()
            .map(|i| json!({
                "kind": i.kind.name(), "path": prov.path(&i.path), "records": i.records, "relevant": i.relevant, "rejected": i.rejected,
                "sha256": i.sha256,
                "errors": i.errors.iter().map(|e| json!({"line": e.line, "message": e.message})).collect::<Vec<_>>(),
                "notes": i.notes,
            }))
            .collect::<Vec<_>>()
    )
}

/// `{"inputs": [...]}`, as `check --format json` prints it.
pub fn inputs_document(list: &[InputSummary]) -> String {
    let doc = json!({ "inputs": inputs(list, &super::Provenance { base: None, ..super::Provenance::default() }) });
    crate::text::json_escape_invisible(serde_json::to_string_pretty(&doc).unwrap_or_default()) + "\n"
}

fn control(c: &crate::model::Control) -> Value {
    json!({"framework": c.framework, "id": c.id, "name": c.name})
}

fn gaps(case: &Case) -> Value {
    json!(
        case.gaps()
            .map(|(role, g)| {
                let evidence: Vec<&str> = if g.items.is_empty() {
                    vec![g.evidence.as_str()]
                } else {
                    g.items.iter().map(|i| i.evidence.as_str()).collect()
                };
                json!({
                    "id": g.id, "role": role.name(), "kind": g.kind.name(), "text": g.text, "severity": g.severity.name(),
                    "secrets": g.secrets, "evidence": evidence,
                    "controls": g.controls.iter().map(control).collect::<Vec<_>>(),
                    "items": g.items.len(),
                })
            })
            .collect::<Vec<_>>()
    )
}

fn provenance_fields(doc: &mut Value, case: &Case, prov: &super::Provenance) {
    let (folders, _) = super::facts::inputs(case, prov);
    doc["generated_at"] = time(&prov.generated_at);
    doc["command"] = json!(prov.command);
    doc["input_folders"] = json!(
        folders
            .iter()
            .map(|f| json!({"path": f.path, "files": f.files.len(), "records": f.records, "relevant": f.relevant, "rejected": f.rejected}))
            .collect::<Vec<_>>()
    );
    doc["gaps"] = gaps(case);
    doc["recommendations"] = json!(
        case.recommendations
            .iter()
            .map(|r| json!({
                "id": r.id, "priority": r.priority, "role": r.role.name(), "secret": r.secret, "text": r.text,
                "gaps": r.gaps, "controls": r.controls.iter().map(control).collect::<Vec<_>>(),
            }))
            .collect::<Vec<_>>()
    );
    doc["summary"] = json!(case.summary.iter().map(|s| json!({"text": s.text, "facts": s.facts})).collect::<Vec<_>>());
    doc["timeline"] = json!(
        super::facts::story(case)
            .iter()
            .map(|e| json!({
                "at": time(&e.at), "kind": e.kind, "secret": e.secret, "who": e.who, "what": e.what,
                "where": e.place, "evidence": e.evidence,
            }))
            .collect::<Vec<_>>()
    );
}

pub fn render(case: &Case, prov: &super::Provenance) -> String {
    let secrets: Vec<Value> = case.secrets.iter().map(|s| json!({
        "id": s.id, "kind": s.kind, "label": s.label, "identifiers": s.identifiers, "fingerprint": s.fingerprint,
        "exposed": s.exposed.as_ref().map(|e| json!({
            "at": time(&e.at), "commit": e.commit, "path": e.path, "line": e.line,
            "author": e.author.as_ref().map(person), "detected_by": e.detected_by,
        })),
        "detected_at": opt_time(s.detected_at),
        "revoked_at": opt_time(s.revoked_at),
        "locations": s.findings.iter().map(|f| json!({
            "scanner": f.scanner.name(), "file": f.file, "line": f.line, "commit": f.commit,
            "alert": f.alert,
        })).collect::<Vec<_>>(),
        "triage": s.triage.name(), "triage_reason": s.triage_reason, "revocation": s.revocation.name(),
        "env_names": s.env_names,
        "issued_at": opt_time(s.issued.as_ref().map(|i| i.0)),
        "last_used_at": opt_time(s.last_used),
        "baseline_uses": s.baseline_uses,
        "audit_uses": s.uses,
        "replays_known": s.uses_unknown.is_none(),
        "uses_unknown": s.uses_unknown,
        "provider_key": s.provider_key.as_ref().map(|k| json!({
            "id": k.id, "source": k.source.name(), "name": k.name, "owner": k.owner, "status": k.status,
            "created_at": opt_time(k.created_at), "last_used_at": opt_time(k.last_used_at), "scope": k.scope,
        })),
        "first_replay_at": opt_time(s.first_replay_at),
        "time_to_first_replay_s": s.first_replay_at.zip(s.exposed.as_ref().map(|e| e.at)).map(|(r, e)| (r - e).num_seconds()),
        "replays_before_detection": s.replays_before_detection,
        "replays_after_detection": s.replays_after_detection,
        "findings": s.findings.len(),
        "exposure_window_s": s.window_s, "window_open": s.window_open,
    })).collect();
    let approvals: Vec<Value> = case.approvals.iter().map(|c| json!({
        "package": c.package, "ecosystem": c.ecosystem, "manifest": c.manifest, "change": c.change.name(),
        "moved_from": c.moved_from, "net_change": c.net_change.map(|k| k.name()),
        "from": c.from, "to": c.to, "commit": c.commit.id, "at": time(&c.commit.at),
        "author": person(&c.commit.author), "merged_by": c.commit.merged_by.as_ref().map(person),
        "pull_request": c.commit.pull_request, "approvers": c.commit.approvers.iter().map(approver).collect::<Vec<_>>(),
        "introduced_by": c.introduced_by.as_ref().map(introduced),
        "approved": c.approved, "approval_source": c.commit.forge.approval_source(),
        "forge": forge_check(&c.commit.forge),
        "owners": c.owners, "bot": c.commit.bot,
        "lockfile": c.lockfile, "transitive": c.transitive, "touches_secret_wiring": c.touches_wiring,
        "recorded_not_approvals": c.commit.other_trailers.iter().map(|(k, p)| json!({"trailer": k, "name": p.name, "email": p.email})).collect::<Vec<_>>(),
        "from_version": c.from_version, "to_version": c.to_version,
        "advisories": c.advisories.iter().map(|m| json!({
            "id": m.id, "aliases": m.aliases, "effect": m.effect.name(), "version": m.version, "range": m.range,
            "summary": m.summary, "published": opt_time(m.published), "severity": m.severity, "fixed": m.fixed,
            "affected_from": opt_time(m.affected_from), "affected_until": opt_time(m.affected_until),
        })).collect::<Vec<_>>(),
    })).collect();
    let advisories: Vec<Value> = case.advisories.iter().map(|f| json!({
        "id": f.id, "aliases": f.aliases, "summary": f.summary, "published": opt_time(f.published),
        "severity": f.severity, "malicious": f.malicious, "package": f.package, "ecosystem": f.ecosystem,
        "ranges": f.ranges, "fixed": f.fixed, "references": f.references, "open": f.open(), "origin": f.origin,
        "windows": f.windows.iter().map(|w| json!({
            "manifest": w.manifest, "lockfile": w.lockfile,
            "adopted": { "commit": w.adopted_commit, "at": time(&w.adopted_at), "version": w.adopted_version, "range": w.adopted_range,
                "author": person(&w.adopted_by), "approved_by": w.approved_by, "pull_request": w.pull_request },
            "cleared": w.cleared_commit.as_ref().map(|c| json!({ "commit": c, "at": opt_time(w.cleared_at), "version": w.cleared_version })),
            "window_s": w.window_s, "adopted_after_publication": w.adopted_after_publication,
            "kept_after_publication": w.kept_after_publication, "time_to_patch_s": w.time_to_patch_s,
        })).collect::<Vec<_>>(),
    })).collect();
    let reachability: Vec<Value> = case
        .reachability
        .iter()
        .map(|r| {
            json!({
                "kind": r.grant.kind.name(), "at": time(&r.grant.at), "commit": r.grant.commit.as_ref().map(|c| &c.id),
                "path": r.grant.path, "line": r.grant.line, "actor": person(&r.grant.actor),
                "introduced_by": r.grant.introduced_by.as_ref().map(introduced),
                "scope": r.grant.scope.name(), "scope_reason": r.grant.scope_reason,
                "approvers": r.approvers.iter().map(approver).collect::<Vec<_>>(),
                "approved": r.grant.commit.as_ref().map(|_| r.approved), "approval_source": r.grant.commit.as_ref().map(|c| c.forge.approval_source()),
                "forge": r.grant.commit.as_ref().and_then(|c| forge_check(&c.forge)),
                "secret_names": r.grant.secret_names, "settings": r.grant.settings, "secrets": r.secrets, "excerpt": r.grant.excerpt,
        "linked": !r.secrets.is_empty(), "origin": r.grant.origin,
            })
        })
        .collect();
    let replays: Vec<Value> = case.replays.iter().map(|r| json!({
        "secret": r.secret, "at": time(&r.access.at), "source": r.access.source.name(), "principal": r.access.principal,
        "ip": r.access.ip, "user_agent": r.access.user_agent, "action": r.access.action,
        "reasons": r.reasons.iter().map(|x| x.name()).collect::<Vec<_>>(),
        "outcome": match &r.access.outcome { Outcome::Allowed => "allowed", Outcome::Denied(_) => "denied" },
        "error": match &r.access.outcome { Outcome::Allowed => None, Outcome::Denied(e) => Some(e) },
        "event_id": r.access.event_id,
    })).collect();
    let accountability: Vec<Value> = case.accountability.iter().map(|a| json!({
        "role": a.role.name(), "owners": a.owners,
        "decisions": a.decisions.iter().map(|d| json!({"what": d.what, "who": d.who, "at": time(&d.at), "evidence": d.evidence})).collect::<Vec<_>>(),
        "gaps": a.gaps.iter().map(|g| g.text.clone()).collect::<Vec<_>>(),
        "gap_evidence": a.gaps.iter().map(|g| g.evidence.clone()).collect::<Vec<_>>(),
        "gap_groups": a.gaps.iter().filter(|g| !g.items.is_empty()).map(|g| json!({
            "text": g.text,
            "items": g.items.iter().map(|i| json!({"text": i.text, "evidence": i.evidence})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })).collect();
    let m = &case.metrics;
    let mut doc = json!({
        "schema": "leakline.report/v1",
        "generated_by": prov.generated_by,
        "incident": {
            "title": case.title,
            "window": { "from": opt_time(case.window.map(|w| w.0)), "to": opt_time(case.window.map(|w| w.1)) },
        },
        "inputs": inputs(&case.inputs, prov),
        "secrets": secrets,
        "approvals": approvals,
        "advisories": advisories,
        "reachability": reachability,
        "replays": replays,
        "accountability": accountability,
        "annotations": case.annotations.iter().map(|a| json!({
            "target": a.target, "verdict": a.verdict.name(), "note": a.note, "by": a.by, "at": time(&a.at),
        })).collect::<Vec<_>>(),
        "metrics": {
            "exposure_window_s": m.exposure_window_s, "time_to_detect_s": m.time_to_detect_s,
            "time_to_revoke_s": m.time_to_revoke_s, "replay_count": m.replay_count,
            "distinct_replay_ips": m.distinct_replay_ips, "primary_secret": m.primary_secret,
        },
    });
    provenance_fields(&mut doc, case, prov);
    crate::text::json_escape_invisible(serde_json::to_string_pretty(&doc).unwrap_or_default()) + "\n"
}
