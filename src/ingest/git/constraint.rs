//! What a change of a dependency's specifier means, by the ecosystem's own
//! rules: PEP 440 for Python (`pep440_rs`, which orders `1.0.0rc1` before
//! `1.0.0` and reads `~=`), npm ranges for JavaScript and Cargo
//! (`nodejs-semver`: caret, tilde, x-ranges, hyphens), plain versions
//! elsewhere. A pin that moves is an upgrade or a downgrade; a range whose
//! floor moves is too; a cap raised or dropped widens it, a cap added or
//! lowered narrows it; a spelling change of the same range is no change.

use std::cmp::Ordering;
use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};

use super::manifests::compare_versions;
use crate::model::ChangeKind;

/// Which rules read an ecosystem's specifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    Pep440,
    Npm,
    /// Cargo: a bare `1.2` is `^1.2`.
    Cargo,
    /// Exact versions (lockfiles, Go, Maven, Gemfile as read).
    Plain,
}

pub fn rules(ecosystem: &str, lockfile: bool) -> Rules {
    match (ecosystem, lockfile) {
        (_, true) => Rules::Plain,
        ("pypi", _) => Rules::Pep440,
        ("npm", _) => Rules::Npm,
        ("crates", _) => Rules::Cargo,
        _ => Rules::Plain,
    }
}

/// The bounds a specifier allows, in a version type that orders as the ecosystem does.
struct Bounds<V> {
    lower: Option<V>,
    /// `None`: no cap.
    upper: Option<V>,
    /// Exactly one version.
    pin: Option<V>,
}

/// The kind of change from `from` to `to` (specifiers as written, `""` for
/// none), or `None` where both allow the same versions.
pub fn change_kind(rules: Rules, from: Option<&str>, to: Option<&str>) -> Option<ChangeKind> {
    let (from, to) = match (from, to) {
        (None, Some(_)) => return Some(ChangeKind::Added),
        (Some(_), None) => return Some(ChangeKind::Removed),
        (Some(a), Some(b)) => (a.trim(), b.trim()),
        (None, None) => return None,
    };
    if from == to {
        return None;
    }
    let judged = match rules {
        Rules::Pep440 => pep440(from).zip(pep440(to)).map(|(a, b)| judge(&a, &b, from, to)),
        Rules::Npm | Rules::Cargo => npm(rules, from).zip(npm(rules, to)).map(|(a, b)| judge(&a, &b, from, to)),
        Rules::Plain => None,
    };
    match judged {
        Some(kind) => kind,
        // Unreadable by the rules (a git URL, a workspace reference): compare the numbers.
        None => match compare_versions(to, from) {
            Ordering::Less => Some(ChangeKind::Downgraded),
            Ordering::Greater => Some(ChangeKind::Upgraded),
            Ordering::Equal => Some(ChangeKind::Upgraded).filter(|_| numbers(from) != numbers(to)),
        },
    }
}

fn numbers(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_digit() || *c == '.').collect()
}

fn unconstrained(spec: &str) -> bool {
    matches!(spec, "" | "*" | "latest" | "x")
}

fn judge<V: Ord>(a: &Bounds<V>, b: &Bounds<V>, from: &str, to: &str) -> Option<ChangeKind> {
    use ChangeKind::*;
    match (unconstrained(from), unconstrained(to)) {
        (true, true) => return None,
        (false, true) => return Some(Unpinned),
        (true, false) => return Some(if b.pin.is_some() { Pinned } else { ConstraintNarrowed }),
        (false, false) => {}
    }
    match (&a.pin, &b.pin) {
        (Some(x), Some(y)) => {
            return match y.cmp(x) {
                Ordering::Greater => Some(Upgraded),
                Ordering::Less => Some(Downgraded),
                Ordering::Equal => None,
            };
        }
        // Pinned at the old floor; a pin above or below it moved the version too.
        (None, Some(y)) => {
            return Some(match a.lower.as_ref().map(|l| y.cmp(l)) {
                Some(Ordering::Greater) => Upgraded,
                Some(Ordering::Less) => Downgraded,
                _ => Pinned,
            });
        }
        (Some(x), None) if allows(b, x) => return Some(ConstraintWidened),
        _ => {}
    }
    match cmp_bound(&b.lower, &a.lower, Ordering::Less) {
        Ordering::Greater => return Some(Upgraded),
        Ordering::Less => return Some(Downgraded),
        Ordering::Equal => {}
    }
    match cmp_bound(&b.upper, &a.upper, Ordering::Greater) {
        Ordering::Greater => Some(ConstraintWidened),
        Ordering::Less => Some(ConstraintNarrowed),
        Ordering::Equal => None,
    }
}

fn allows<V: Ord>(b: &Bounds<V>, v: &V) -> bool {
    b.lower.as_ref().is_none_or(|l| l <= v) && b.upper.as_ref().is_none_or(|u| v <= u)
}

/// Two bounds, where a missing one is the furthest out: `missing` is how a
/// missing bound compares to a present one (less for floors, greater for caps).
fn cmp_bound<V: Ord>(a: &Option<V>, b: &Option<V>, missing: Ordering) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => missing,
        (Some(_), None) => missing.reverse(),
        (Some(x), Some(y)) => x.cmp(y),
    }
}

/// `1.4` → `2`: the first version past a `~=1.4` or `==1.4.*`, by its release numbers.
fn bump(release: &[u64], keep: usize) -> Version {
    let mut next: Vec<u64> = release.iter().take(keep.max(1)).copied().collect();
    if let Some(last) = next.last_mut() {
        *last += 1;
    }
    Version::new(next)
}

fn pep440(spec: &str) -> Option<Bounds<Version>> {
    let mut bounds = Bounds { lower: None, upper: None, pin: None };
    let spec = &poetry_to_pep440(spec);
    if unconstrained(spec) {
        return Some(bounds);
    }
    // A bare version (as some tools write) is a pin.
    let spec = if spec.starts_with(|c: char| c.is_ascii_digit()) { format!("=={spec}") } else { spec.to_string() };
    let specifiers = VersionSpecifiers::from_str(&spec).ok()?;
    let mut pins = 0;
    for s in specifiers.iter() {
        let v = s.version().clone();
        let release = v.release().to_vec();
        let (lower, upper) = match s.operator() {
            Operator::Equal | Operator::ExactEqual => {
                pins += 1;
                bounds.pin = Some(v.clone());
                (Some(v.clone()), Some(v))
            }
            Operator::EqualStar => (Some(v), Some(bump(&release, release.len()))),
            Operator::TildeEqual => (Some(v), Some(bump(&release, release.len().saturating_sub(1)))),
            Operator::GreaterThan | Operator::GreaterThanEqual => (Some(v), None),
            Operator::LessThan | Operator::LessThanEqual => (None, Some(v)),
            Operator::NotEqual | Operator::NotEqualStar => (None, None),
        };
        if let Some(l) = lower {
            bounds.lower = Some(bounds.lower.map_or(l.clone(), |b: Version| b.max(l)));
        }
        if let Some(u) = upper {
            bounds.upper = Some(bounds.upper.map_or(u.clone(), |b: Version| b.min(u)));
        }
    }
    if pins != 1 || specifiers.len() != 1 {
        bounds.pin = None;
    }
    Some(bounds)
}

fn npm(rules: Rules, spec: &str) -> Option<Bounds<nodejs_semver::Version>> {
    let mut bounds = Bounds { lower: None, upper: None, pin: None };
    if unconstrained(spec) {
        return Some(bounds);
    }
    let bare = spec.starts_with(|c: char| c.is_ascii_digit());
    if rules == Rules::Npm || !bare {
        let exact = spec.trim_start_matches(['=', 'v']);
        if let Ok(v) = nodejs_semver::Version::parse(exact)
            && (rules == Rules::Npm || spec.starts_with('='))
        {
            bounds.lower = Some(v.clone());
            bounds.upper = Some(v.clone());
            bounds.pin = Some(v);
            return Some(bounds);
        }
    }
    // Cargo's bare requirement is a caret; its comma-separated list is npm's spaces.
    let spec = if rules == Rules::Cargo && bare { format!("^{spec}") } else { spec.replace(',', " ") };
    let range = nodejs_semver::Range::parse(&spec).ok()?;
    bounds.lower = range.min_version();
    bounds.upper = npm_cap(&range);
    Some(bounds)
}

/// The lowest version a range no longer allows, probed on the version grid
/// just above its floor: enough to tell a raised, dropped or lowered cap.
fn npm_cap(range: &nodejs_semver::Range) -> Option<nodejs_semver::Version> {
    let floor = range.min_version()?;
    let mut cap = None;
    // Walk major, then minor, then patch steps up from the floor.
    for (major, minor, patch) in grid(&floor) {
        let v = nodejs_semver::Version::parse(format!("{major}.{minor}.{patch}")).ok()?;
        if !range.satisfies(&v) {
            cap = Some(v);
            break;
        }
    }
    cap
}

fn grid(floor: &nodejs_semver::Version) -> Vec<(u64, u64, u64)> {
    let (ma, mi, pa) = (floor.major(), floor.minor(), floor.patch());
    let mut out = Vec::new();
    for p in 1..=20 {
        out.push((ma, mi, pa + p));
    }
    for m in 1..=50 {
        out.push((ma, mi + m, 0));
    }
    for m in 1..=100 {
        out.push((ma + m, 0, 0));
    }
    out
}

/// A Poetry requirement in PEP 440 terms, so that a Poetry → PEP 621
/// migration of the same ranges is no change: `^0.2.3` is `>=0.2.3,<0.3.0`,
/// `~1.2` is `>=1.2,<1.3`, a bare `1.2.3` is `==1.2.3`, `*` is none.
fn poetry_to_pep440(spec: &str) -> String {
    let spec: String = spec.chars().filter(|c| !c.is_whitespace()).collect();
    let numbers = |v: &str| -> Option<Vec<u64>> { v.split('.').map(|p| p.parse().ok()).collect() };
    let bump = |parts: &[u64], at: usize| -> String {
        let mut next: Vec<u64> = parts.iter().take(at + 1).copied().collect();
        next.resize(at + 1, 0);
        next[at] += 1;
        next.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
    };
    if spec == "*" {
        return String::new();
    }
    if let Some(v) = spec.strip_prefix('^')
        && let Some(parts) = numbers(v)
    {
        // The first non-zero part is the one a caret keeps.
        let at = parts.iter().position(|p| *p != 0).unwrap_or(parts.len().saturating_sub(1)).min(parts.len() - 1);
        return format!(">={v},<{}", bump(&parts, at));
    }
    if let Some(v) = spec.strip_prefix('~').filter(|v| !v.starts_with('='))
        && let Some(parts) = numbers(v)
    {
        let at = if parts.len() > 1 { 1 } else { 0 };
        return format!(">={v},<{}", bump(&parts, at));
    }
    if spec.starts_with(|c: char| c.is_ascii_digit()) && !spec.contains(',') {
        return format!("=={spec}");
    }
    spec
}

/// The version a specifier pins, or the lowest one its range admits: what an
/// advisory's ranges are matched against. `None` for no constraint or an
/// unreadable one (a git URL, a workspace reference).
pub fn floor(rules: Rules, spec: &str) -> Option<String> {
    let spec = spec.trim();
    match rules {
        Rules::Pep440 => pep440(spec).and_then(|b| b.pin.or(b.lower)).map(|v| v.to_string()),
        Rules::Npm | Rules::Cargo => npm(rules, spec).and_then(|b| b.pin.or(b.lower)).map(|v| v.to_string()),
        Rules::Plain => {
            let v = spec.trim_start_matches(['=', 'v', '~', '^', ' ']);
            (!unconstrained(v) && v.starts_with(|c: char| c.is_ascii_digit())).then(|| v.to_string())
        }
    }
}

/// A specifier as the report shows it: a single pin as its version.
pub fn shown(spec: &str) -> String {
    let s = spec.trim();
    match s.strip_prefix("==").or_else(|| s.strip_prefix('=')) {
        Some(v) if !v.contains([',', ' ', '<', '>', '*', '|']) => v.trim().to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChangeKind::*;

    fn kind(rules: Rules, from: &str, to: &str) -> Option<ChangeKind> {
        change_kind(rules, Some(from), Some(to))
    }

    #[test]
    fn python_specifiers_by_pep_440() {
        assert_eq!(kind(Rules::Pep440, ">=0.2,<0.4", ""), Some(Unpinned), "dropping the range is no downgrade");
        assert_eq!(kind(Rules::Pep440, "==0.0.350", ">=0.0.350"), Some(ConstraintWidened));
        assert_eq!(kind(Rules::Pep440, ">=0.2,<0.3", ">=0.2,<0.4"), Some(ConstraintWidened), "a cap raised");
        assert_eq!(kind(Rules::Pep440, ">=0.2", ">=0.2,<0.3"), Some(ConstraintNarrowed), "a cap added");
        assert_eq!(kind(Rules::Pep440, "~=1.3.3", "~=1.6.1"), Some(Upgraded));
        assert_eq!(kind(Rules::Pep440, "~=1.6.1", "~=1.3.3"), Some(Downgraded));
        assert_eq!(kind(Rules::Pep440, "==1.0.0", "==1.0.0rc1"), Some(Downgraded), "rc1 comes before the release");
        assert_eq!(kind(Rules::Pep440, "==0.1.15rc1", "==0.1.15rc2"), Some(Upgraded));
        assert_eq!(kind(Rules::Pep440, ">=1.0", ">=1.0.0"), None, "the same floor spelled twice");
        assert_eq!(kind(Rules::Pep440, "", "==0.2.1"), Some(Pinned));
        assert_eq!(kind(Rules::Pep440, ">=0.2", "==0.2.5"), Some(Upgraded), "the floor moved up to the pin");
        assert_eq!(kind(Rules::Pep440, ">=0.2.5", "==0.2.5"), Some(Pinned));
        assert_eq!(kind(Rules::Pep440, ">=0.0.38,<0.0.39", "==0.2.45"), Some(Upgraded), "pinned past the old cap");
        assert_eq!(kind(Rules::Pep440, "~=1.30", ">=1.30,<2"), None, "~= is a floor and a cap");
        assert_eq!(kind(Rules::Pep440, "^0.2.3", ">=0.2.3,<0.3"), None, "a Poetry caret moved to PEP 621");
        assert_eq!(kind(Rules::Pep440, "~0.30", ">=0.30,<0.31"), None, "a Poetry tilde is a floor and a minor cap");
        assert_eq!(kind(Rules::Pep440, "^0.1.45", "^0.2.0"), Some(Upgraded));
        assert_eq!(kind(Rules::Pep440, "1.3.5", "==1.3.5"), None, "a bare Poetry version is a pin");
    }

    #[test]
    fn npm_and_cargo_ranges() {
        assert_eq!(kind(Rules::Npm, "^0.0.27", ">=0.0.27 <0.0.28"), None, "the caret spelled out");
        assert_eq!(kind(Rules::Npm, "^0.0.27", ">=0.0.27 <0.1.0"), Some(ConstraintWidened));
        assert_eq!(kind(Rules::Npm, "^0.2.3", "^0.3.0"), Some(Upgraded));
        assert_eq!(kind(Rules::Npm, "0.1.15-rc.1", "0.1.15-rc.2"), Some(Upgraded));
        assert_eq!(kind(Rules::Npm, "^1.2.0", "~1.2.0"), Some(ConstraintNarrowed));
        assert_eq!(kind(Rules::Npm, "^1.2.0", "*"), Some(Unpinned));
        assert_eq!(kind(Rules::Npm, "latest", "3.1.0"), Some(Pinned));
        assert_eq!(kind(Rules::Cargo, "0.20", "^0.20"), None, "Cargo's bare version is a caret");
        assert_eq!(kind(Rules::Cargo, "0.20", "0.21"), Some(Upgraded));
        assert_eq!(kind(Rules::Cargo, "1.2", "=1.2.0"), Some(Pinned));
        assert_eq!(kind(Rules::Npm, "^3.3.17", "3.4.9"), Some(Upgraded));
        assert_eq!(change_kind(Rules::Npm, None, Some("1.0.0")), Some(Added));
        assert_eq!(kind(Rules::Plain, "1.2.3", "1.2.4"), Some(Upgraded));
        assert_eq!(shown("==0.1.7"), "0.1.7");
        assert_eq!(shown(">=0.2,<0.4"), ">=0.2,<0.4");
    }
}
