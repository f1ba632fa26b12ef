//! Correlate: every judgement leakline makes, as pure functions from `Evidence`
//! to a `Case`. No I/O and no clock reads (the caller passes `now`), so all of it
//! is tested without files or a terminal.

mod accountability;
pub mod advisories;
pub mod annotations;
mod approvals;
mod controls;
mod coverage;
mod exceptions;
mod forge;
mod reach;
mod recommend;
mod replays;
pub use replays::NO_ADDRESS;
mod scope;
mod secrets;
pub mod summary;
mod timeline;
mod triage;

use chrono::{DateTime, Utc};

use crate::model::{Case, Evidence, Metrics, Owners, Secret};

/// What correlation needs besides the evidence.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub title: Option<String>,
    pub owners: Owners,
    /// Known Vault values' labels and the HMACs the audit log carries for them.
    pub vault_hashes: Vec<(String, String)>,
    /// The analysts' verdicts from the case store.
    pub annotations: Vec<crate::model::Annotation>,
    /// The case file's `[[secret]]` mappings.
    pub mappings: Vec<crate::model::SecretMapping>,
    /// The time the case is judged at (ages, open windows).
    pub now: DateTime<Utc>,
}

/// Turn evidence into answers.
pub fn correlate(evidence: &Evidence, ctx: &Context) -> Case {
    let secrets = secrets::with_vault_hashes(secrets::merge(evidence), &ctx.vault_hashes);
    let secrets = secrets::with_derived_credentials(secrets, &evidence.accesses);
    let (approvals, advisories) =
        advisories::join(&evidence.advisories, approvals::framework_changes(evidence), &evidence.locked, ctx.now);
    let mut grants = scope::settle(&evidence.grants, &evidence.run_roots);
    for g in &mut grants {
        if let Some(c) = g.commit.as_mut() {
            forge::review(c, evidence.forge.as_ref());
        }
    }
    let reachability = reach::link(&grants, &secrets, &ctx.mappings);
    let mut unwirings = evidence.unwirings.clone();
    unwirings.sort_by(|a, b| (a.at, &a.path, a.line).cmp(&(b.at, &b.path, b.line)));
    let uses = secrets::uses_of(&secrets, &evidence.accesses);
    let replays = replays::detect(&secrets, &uses);
    let replay_groups = replays::group(&replays);
    let secrets = secrets::with_usage(secrets, &uses);
    let secrets = secrets::with_replay_figures(secrets, &replays);
    let secrets = triage::apply(secrets, &evidence.inputs);
    let secrets = coverage::with_uses_unknown(secrets, &evidence.inputs);
    let secrets = summary::with_windows(secrets, ctx.now);
    let metrics = metrics(&secrets, &replays);
    let accountability = accountability::matrix(&accountability::Inputs {
        secrets: &secrets,
        approvals: &approvals,
        advisories: &advisories,
        reachability: &reachability,
        replays: &replays,
        owners: &ctx.owners,
    });
    let timeline = timeline::build(&secrets, &approvals, &reachability, &unwirings, &replays);
    let window = timeline.first().zip(timeline.last()).map(|(a, b)| (a.at, b.at));
    let scanned = evidence.inputs.iter().any(|i| crate::model::SourceKind::SCAN.contains(&i.kind));
    let title = ctx.title.clone().unwrap_or_else(|| default_title(&secrets, scanned));
    let mut inputs = evidence.inputs.clone();
    inputs.sort_by(|a, b| (a.kind.name(), &a.path).cmp(&(b.kind.name(), &b.path)));
    let case = Case {
        title,
        window,
        inputs,
        secrets,
        approvals,
        advisories,
        reachability,
        unwirings,
        replays,
        replay_groups,
        accountability,
        metrics,
        timeline,
        annotations: Vec::new(),
        recommendations: Vec::new(),
        summary: Vec::new(),
    };
    annotations::apply(case, &ctx.annotations)
}

/// What follows from the final matrix (run again whenever a verdict changes
/// it): gap ids, severities and controls, the recommendations, the summary.
fn settle(case: Case) -> Case {
    let mut case = controls::settle(case);
    case.recommendations = recommend::recommend(&case);
    case.summary = summary::summarise(&case);
    case
}

/// The incident's title names the secrets that matter: likely real ones, then
/// unjudged ones; test, example and locale findings are counted, not named.
fn default_title(secrets: &[Secret], scanned: bool) -> String {
    use crate::model::Triage;
    let matters = |s: &&Secret| matches!(s.triage, Triage::LikelyReal | Triage::Unknown);
    let mut main: Vec<&Secret> = secrets.iter().filter(matters).collect();
    main.sort_by_key(|s| s.triage != Triage::LikelyReal);
    let minor = secrets.len() - main.len();
    let aside = match minor {
        0 => String::new(),
        n => format!(" ({n} test, example or locale finding{} aside)", if n == 1 { "" } else { "s" }),
    };
    match main.as_slice() {
        // Without scanner output nothing looked for secrets: not the same as finding none.
        [] if minor == 0 && !scanned => "Credential leak review (no scanner output read)".to_string(),
        [] if minor == 0 => "Credential leak review (no leaked secret found in the inputs)".to_string(),
        [] => format!("Credential leak review: no secret found outside tests, examples and locales{aside}"),
        [one] => format!("Leak of {} ({}){aside}", one.label, one.kind),
        [first, rest @ ..] => format!("Leak of {} ({}) and {} more{aside}", first.label, first.kind, rest.len()),
    }
}

fn seconds(from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Option<i64> {
    Some((to? - from?).num_seconds())
}

/// Headline figures about the primary secret: the one with the most replays,
/// ties going to the earliest exposed.
fn metrics(secrets: &[Secret], replays: &[crate::model::Replay]) -> Metrics {
    let count = |s: &Secret| replays.iter().filter(|r| r.secret == s.id).count();
    let primary = secrets.iter().max_by(|a, b| {
        count(a).cmp(&count(b)).then_with(|| b.exposed.as_ref().map(|e| e.at).cmp(&a.exposed.as_ref().map(|e| e.at)))
    });
    let mut ips: Vec<&str> = replays.iter().filter_map(|r| r.access.ip.as_deref()).collect();
    ips.sort_unstable();
    ips.dedup();
    let exposed = primary.and_then(|s| s.exposed.as_ref().map(|e| e.at));
    Metrics {
        primary_secret: primary.map(|s| s.id.clone()),
        exposure_window_s: seconds(exposed, primary.and_then(|s| s.revoked_at)),
        time_to_detect_s: seconds(exposed, primary.and_then(|s| s.detected_at)),
        time_to_revoke_s: seconds(primary.and_then(|s| s.detected_at), primary.and_then(|s| s.revoked_at)),
        replay_count: replays.len(),
        distinct_replay_ips: ips.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Triage;

    fn secret(label: &str, triage: Triage) -> Secret {
        Secret { label: label.into(), kind: "openai_key".into(), triage, ..Default::default() }
    }

    #[test]
    fn the_title_names_the_secrets_that_matter() {
        let locale = |n: usize| (0..n).map(|i| secret(&format!("loc{i}"), Triage::Locale)).collect::<Vec<_>>();
        let mut all = locale(188);
        all.push(secret("sk-…real", Triage::LikelyReal));
        assert_eq!(
            default_title(&all, true),
            "Leak of sk-…real (openai_key) (188 test, example or locale findings aside)"
        );
        assert!(default_title(&locale(2), true).starts_with("Credential leak review: no secret found outside tests"));
        assert_eq!(default_title(&[], true), "Credential leak review (no leaked secret found in the inputs)");
        assert_eq!(default_title(&[], false), "Credential leak review (no scanner output read)");
    }
}
