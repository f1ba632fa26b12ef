//! The gaps as governance reads them: an id each, a severity, and the
//! published controls they fall short of, from the one mapping file
//! `controls.toml` beside this one (documented there).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::model::{Case, Control, Gap, GapKind, Severity, Triage};

#[derive(Debug, Default, serde::Deserialize)]
struct Mapping {
    frameworks: BTreeMap<String, String>,
    controls: BTreeMap<String, ControlEntry>,
    gaps: BTreeMap<String, GapEntry>,
}

#[derive(Debug, serde::Deserialize)]
struct ControlEntry {
    framework: String,
    name: String,
}

#[derive(Debug, serde::Deserialize)]
struct GapEntry {
    severity: String,
    controls: Vec<String>,
    #[allow(dead_code)] // read by people checking the mapping, not by the code
    why: String,
}

const MAPPING: &str = include_str!("controls.toml");

fn mapping() -> &'static Mapping {
    static PARSED: OnceLock<Mapping> = OnceLock::new();
    // Compiled in and checked by a test: an empty mapping is never shipped.
    PARSED.get_or_init(|| toml::from_str(MAPPING).unwrap_or_default())
}

fn severity_named(name: &str) -> Severity {
    match name {
        "critical" => Severity::Critical,
        "high" => Severity::High,
        "low" => Severity::Low,
        _ => Severity::Medium,
    }
}

/// The controls a kind of gap falls short of, in the mapping's order.
pub fn controls_of(kind: GapKind) -> Vec<Control> {
    let m = mapping();
    let Some(entry) = m.gaps.get(kind.name()) else { return Vec::new() };
    entry
        .controls
        .iter()
        .filter_map(|id| {
            let c = m.controls.get(id)?;
            Some(Control {
                framework: m.frameworks.get(&c.framework).cloned().unwrap_or_else(|| c.framework.clone()),
                id: id.clone(),
                name: c.name.clone(),
            })
        })
        .collect()
}

fn base_severity(kind: GapKind) -> Severity {
    mapping().gaps.get(kind.name()).map_or(Severity::Medium, |g| severity_named(&g.severity))
}

/// A gap's severity: the mapping's base, raised for the leaked secrets' own
/// chain and for a live credential someone replayed, lowered when it bears
/// only on test, example or locale values, and one step when it bears only on
/// findings in no known credential format (a keyword match may be no key).
fn severity(gap: &Gap, case: &Case) -> Severity {
    let secrets: Vec<_> = case.secrets.iter().filter(|s| gap.secrets.contains(&s.id)).collect();
    if !secrets.is_empty()
        && secrets.iter().all(|s| matches!(s.triage, Triage::LikelyTest | Triage::Example | Triage::Locale))
    {
        return Severity::Low;
    }
    let base = base_severity(gap.kind);
    let replayed = secrets.iter().any(|s| case.replays.iter().any(|r| r.secret == s.id));
    let unsure = !secrets.is_empty() && secrets.iter().all(|s| s.triage == Triage::Unknown);
    match gap.kind {
        GapKind::NotRevoked if replayed => Severity::Critical,
        _ if unsure && !replayed && base == Severity::High => Severity::Medium,
        _ if gap.chain && base == Severity::Medium => Severity::High,
        _ => base,
    }
}

/// Ids (`g1`… in the matrix's order), severities and controls on every gap.
pub fn settle(mut case: Case) -> Case {
    let mut judged: Vec<Vec<Severity>> = Vec::new();
    for role in &case.accountability {
        judged.push(role.gaps.iter().map(|g| severity(g, &case)).collect());
    }
    let mut n = 0;
    for (role, severities) in case.accountability.iter_mut().zip(judged) {
        for (gap, sev) in role.gaps.iter_mut().zip(severities) {
            n += 1;
            gap.id = format!("g{n}");
            gap.severity = sev;
            gap.controls = controls_of(gap.kind);
        }
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_names_every_gap_kind_and_defines_every_id_it_uses() {
        let m: Mapping = toml::from_str(MAPPING).expect("controls.toml parses");
        for kind in GapKind::ALL {
            let entry = m.gaps.get(kind.name()).unwrap_or_else(|| panic!("no mapping for {}", kind.name()));
            assert!(!entry.controls.is_empty(), "{}", kind.name());
            assert!(["critical", "high", "medium", "low"].contains(&entry.severity.as_str()), "{}", kind.name());
            for id in &entry.controls {
                let c = m.controls.get(id).unwrap_or_else(|| panic!("{id} used by {} is not defined", kind.name()));
                assert!(m.frameworks.contains_key(&c.framework), "{id}: framework {}", c.framework);
            }
        }
        assert_eq!(m.gaps.len(), GapKind::ALL.len(), "a mapping for a gap kind leakline never raises");
    }

    #[test]
    fn ids_are_written_as_the_documents_publish_them() {
        let m: Mapping = toml::from_str(MAPPING).expect("controls.toml parses");
        for (id, c) in &m.controls {
            let ok = match c.framework.as_str() {
                "nhi" => {
                    id.strip_prefix("NHI").and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=10).contains(&n))
                }
                "csf" => {
                    let (category, number) = id.split_once('-').unwrap_or_default();
                    category.len() == 5 && category.as_bytes()[2] == b'.' && number.len() == 2
                }
                "ai_rmf" => ["GOVERN ", "MAP ", "MEASURE ", "MANAGE "].iter().any(|f| id.starts_with(f)),
                _ => false,
            };
            assert!(ok, "{id} is not written as {} publishes it", c.framework);
        }
    }

    #[test]
    /// An advisory on the framework is the supplier's flaw being the path, as a default is.
    fn the_ai_rmf_is_named_only_where_a_framework_default_was_the_path() {
        for kind in GapKind::ALL {
            let ai = controls_of(kind).iter().any(|c| c.framework == "NIST AI RMF 1.0");
            let framework_path =
                matches!(kind, GapKind::FrameworkDefault | GapKind::RiskySetting | GapKind::AffectedVersion);
            assert_eq!(ai, framework_path, "{}", kind.name());
        }
    }
}
