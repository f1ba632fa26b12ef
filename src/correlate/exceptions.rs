//! The exception process as the forge's secret-scanning alerts record it:
//! pushes that went past push protection and who reviewed those bypasses,
//! and alerts closed as something other than revoked.

use std::collections::BTreeSet;

use crate::model::{Decision, Gap, GapKind, RoleAccount, Secret};

pub fn judge(secrets: &[Secret], governance: &mut RoleAccount, identity: &mut RoleAccount) {
    for s in secrets {
        // An alert found at several places is one alert.
        let mut seen = BTreeSet::new();
        for f in &s.findings {
            let Some(alert) = &f.alert else { continue };
            if !seen.insert((f.origin.clone(), alert.number)) {
                continue;
            }
            let evidence = format!("event:{}", f.origin);
            let secret = s.called();
            if let Some(b) = &alert.bypass
                && let Some(at) = b.at.or(f.detected_at)
            {
                let who = b.by.clone().unwrap_or_else(|| "(the alert names no one)".into());
                governance.decisions.push(Decision {
                    what: format!("pushed {secret} past push protection ({})", alert.name()),
                    who: who.clone(),
                    at,
                    evidence: evidence.clone(),
                });
                match &b.reviewer {
                    Some(reviewer) => governance.decisions.push(Decision {
                        what: format!("approved the push-protection bypass for {secret} ({})", alert.name()),
                        who: reviewer.clone(),
                        at,
                        evidence: evidence.clone(),
                    }),
                    None => governance.gaps.push(Gap {
                        text: format!(
                            "{secret} was pushed past push protection by {who} with no reviewed bypass request ({})",
                            alert.name()
                        ),
                        evidence: evidence.clone(),
                        at: Some(at),
                        chain: true,
                        kind: GapKind::UnreviewedBypass,
                        secrets: vec![s.id.clone()],
                        ..Default::default()
                    }),
                }
            }
            if alert.dismissed() {
                let resolution = alert.resolution.as_deref().unwrap_or("resolved");
                if let (Some(by), Some(at)) = (&alert.resolved_by, alert.resolved_at) {
                    identity.decisions.push(Decision {
                        what: format!("closed {} for {secret} as {resolution}", alert.name()),
                        who: by.clone(),
                        at,
                        evidence: evidence.clone(),
                    });
                }
                // The audit logs saw the credential at work: it was real, and it stayed valid.
                if s.uses > 0 {
                    let by = alert.resolved_by.as_ref().map(|b| format!(" by {b}")).unwrap_or_default();
                    identity.gaps.push(Gap {
                        text: format!(
                            "{} for {secret} was closed as {resolution}{by}, yet the audit logs show {} of it",
                            alert.name(),
                            if s.uses == 1 { "one use".to_string() } else { format!("{} uses", s.uses) }
                        ),
                        evidence,
                        at: alert.resolved_at,
                        kind: GapKind::AlertClosedWhileUsed,
                        secrets: vec![s.id.clone()],
                        ..Default::default()
                    });
                }
            }
        }
    }
}
