//! Every text of the evidence through the masker, once all sources are
//! read: a secret a scanner found in one file is masked wherever another
//! file's text holds it (a user agent, an address field, an error message, a
//! commit message, a rejection). The walk is by type (`model::Texts`), so no
//! field can be left out; how a field reads decides the net: prose loses
//! anything that looks like a secret, identifiers and names the known values.

use super::mask::{Masker, Net};
use crate::model::{Evidence, TextKind, Texts};

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
    evidence.texts(&mut |s: &mut String, kind| {
        let net = match kind {
            TextKind::Prose => Net::Prose,
            TextKind::Name => Net::Known,
        };
        m.mask_string(s, net);
    });
    if forget {
        let forge_findings = evidence.forge.iter_mut().flat_map(|f| f.findings.iter_mut());
        for f in evidence.findings.iter_mut().chain(forge_findings) {
            f.raw = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Finding, InputSummary};

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
