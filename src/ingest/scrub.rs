//! Every text field of the evidence through the masker, once all sources
//! are read: a secret a scanner found in one file is masked wherever another
//! file's free text holds it (a user agent, an error message, a commit
//! message, a rejection). Each field is named here, with how much of it is
//! masked: prose loses anything that looks like a secret, identifiers and
//! names only the known values.

use super::mask::{Masker, Net};
use crate::model::{Access, CommitInfo, Evidence, Finding, Grant, InputSummary, Outcome, Person};

/// The masker for this evidence: the values and digests its findings hold.
pub fn masker(evidence: &Evidence) -> Masker {
    let mut m = Masker::default();
    let forge = evidence.forge.iter().flat_map(|f| f.findings.iter());
    for f in evidence.findings.iter().chain(forge) {
        match &f.raw {
            Some(raw) => m.add_value(raw, &f.label),
            // Known only by digest (a sealed alert, detect-secrets, ggshield): each
            // token is hashed to find it, so only these pay for that.
            None => f.digests.iter().for_each(|d| m.add_digest(d)),
        }
    }
    m
}

/// Mask every text of the evidence, and drop the raw values when `forget`
/// (the evidence is complete: nothing more will need them).
pub fn scrub(evidence: &mut Evidence, forget: bool) {
    let m = masker(evidence);
    scrub_with(evidence, &m, forget);
}

/// Mask every text of the evidence with a masker made elsewhere (the
/// scanners' findings, for audit evidence kept in the case store).
pub fn scrub_with(evidence: &mut Evidence, m: &Masker, forget: bool) {
    let prose = |s: &mut String| m.mask_string(s, Net::Prose);
    let known = |s: &mut String| m.mask_string(s, Net::Known);
    for i in &mut evidence.inputs {
        input(i, &prose, &known);
    }
    let forge_findings = evidence.forge.iter_mut().flat_map(|f| f.findings.iter_mut());
    for f in evidence.findings.iter_mut().chain(forge_findings) {
        finding(f, &prose, &known);
        if forget {
            f.raw = None;
        }
    }
    for c in &mut evidence.dependency_changes {
        commit(&mut c.commit, &prose, &known);
        for line in &mut c.diff {
            prose(line);
        }
        for s in [&mut c.package, &mut c.manifest] {
            known(s);
        }
        for s in c.from.iter_mut().chain(c.to.iter_mut()).chain(c.moved_from.iter_mut()) {
            known(s);
        }
        if let Some(i) = &mut c.introduced_by {
            person(&mut i.author, &known);
        }
    }
    for g in evidence.grants.iter_mut().chain(evidence.unwirings.iter_mut()) {
        grant(g, &prose, &known);
    }
    for a in &mut evidence.accesses {
        access(a, &prose, &known);
    }
    for c in &mut evidence.commits {
        commit(c, &prose, &known);
    }
    for k in &mut evidence.keys {
        for s in k.name.iter_mut() {
            prose(s);
        }
        for s in k.owner.iter_mut().chain(k.scope.iter_mut()).chain(std::iter::once(&mut k.origin)) {
            known(s);
        }
    }
    for r in &mut evidence.run_roots {
        known(&mut r.path);
        prose(&mut r.source);
    }
    if let Some(f) = &mut evidence.forge {
        for reason in f.unanswered.values_mut().chain(f.alerts_unread.iter_mut()).chain(f.stopped.iter_mut()) {
            prose(reason);
        }
    }
}

type Mask<'a> = &'a dyn Fn(&mut String);

fn input(i: &mut InputSummary, prose: Mask, known: Mask) {
    known(&mut i.path);
    for e in &mut i.errors {
        prose(&mut e.message);
    }
    for n in &mut i.notes {
        prose(n);
    }
}

fn person(p: &mut Person, known: Mask) {
    known(&mut p.name);
    known(&mut p.email);
}

fn finding(f: &mut Finding, prose: Mask, known: Mask) {
    known(&mut f.rule);
    known(&mut f.origin);
    for s in f.file.iter_mut().chain(f.env_names.iter_mut()) {
        known(s);
    }
    for n in &mut f.notes {
        prose(n);
    }
    if let Some(a) = &mut f.author {
        person(a, known);
    }
    if let Some(alert) = &mut f.alert {
        for s in alert.resolution.iter_mut().chain(alert.resolved_by.iter_mut()) {
            prose(s);
        }
        if let Some(b) = &mut alert.bypass {
            for s in b.by.iter_mut().chain(b.reviewer.iter_mut()) {
                known(s);
            }
        }
    }
}

fn commit(c: &mut CommitInfo, prose: Mask, known: Mask) {
    prose(&mut c.summary);
    person(&mut c.author, known);
    person(&mut c.committer, known);
    if let Some(m) = &mut c.merged_by {
        person(m, known);
    }
    for a in &mut c.approvers {
        known(&mut a.name);
        known(&mut a.email);
    }
    for (_, p) in &mut c.other_trailers {
        person(p, known);
    }
}

fn grant(g: &mut Grant, prose: Mask, known: Mask) {
    if let Some(c) = &mut g.commit {
        commit(c, prose, known);
    }
    if let Some(i) = &mut g.introduced_by {
        person(&mut i.author, known);
    }
    person(&mut g.actor, known);
    known(&mut g.path);
    known(&mut g.origin);
    prose(&mut g.excerpt);
    prose(&mut g.scope_reason);
    for line in &mut g.context {
        prose(&mut line.text);
    }
}

fn access(a: &mut Access, prose: Mask, known: Mask) {
    known(&mut a.principal);
    known(&mut a.action);
    known(&mut a.origin);
    known(&mut a.event_id);
    for s in a.resource.iter_mut().chain(a.user_agent.iter_mut()).chain(a.region.iter_mut()) {
        prose(s);
    }
    if let Outcome::Denied(why) = &mut a.outcome {
        prose(why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_one_scanner_found_is_masked_in_another_files_text() {
        let value = "plain-words-password-1";
        let mut ev = Evidence::default();
        ev.findings.push(Finding {
            raw: Some(crate::model::RawValue::new(value)),
            label: "…rd-1".into(),
            ..Finding::default()
        });
        let mut summary = InputSummary::new(crate::model::SourceKind::Vault, "vault.log");
        summary.reject(3, format!("unreadable time `{value}`"));
        ev.inputs.push(summary);
        scrub(&mut ev, true);
        assert_eq!(ev.inputs[0].errors[0].message, "unreadable time `…rd-1`");
        assert!(ev.findings[0].raw.is_none(), "the raw value is dropped once masked");
    }
}
