//! The identity rows of the matrix: the credentials' age, rotation, revocation and replays.

use super::*;

pub(super) fn credentials(inp: &Inputs, identity: &mut RoleAccount) {
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
                        kind: GapKind::NotRotated,
                        secrets: vec![s.id.clone()],
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
                            kind: GapKind::SlowRevocation,
                            secrets: vec![s.id.clone()],
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
                identity.gaps.push(Gap {
                    text,
                    evidence: format!("secret:{}", s.id),
                    kind: GapKind::NotRevoked,
                    secrets: vec![s.id.clone()],
                    ..Default::default()
                });
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
                kind: GapKind::ReplayedAfterDetection,
                secrets: vec![s.id.clone()],
                ..Default::default()
            });
        }
    }
}
