//! Advisories joined to the dependency history: which change adopted an
//! affected version, which one left the range, and how long the manifest
//! stood in it. Versions are ordered by each ecosystem's own rules (PEP 440
//! for PyPI, semver for npm, crates.io, Go and GitHub Actions; a segment
//! order for Maven and RubyGems, where pre-release words sort before the
//! release).

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::model::{
    Advisory, AdvisoryEffect, AdvisoryFinding, AdvisoryMark, Affected, AffectedWindow, DependencyChange, RangeEvent,
};

/// leakline's ecosystem name for an OSV one (`PyPI` → `pypi`); `None` for
/// ecosystems no manifest leakline reads belongs to.
pub fn ecosystem(osv: &str) -> Option<&'static str> {
    let base = osv.split(':').next().unwrap_or(osv);
    Some(match base {
        "PyPI" => "pypi",
        "npm" => "npm",
        "crates.io" => "crates",
        "Go" => "go",
        "RubyGems" => "rubygems",
        "Maven" => "maven",
        "GitHub Actions" => "github-actions",
        _ => return None,
    })
}

/// `a` against `b` in the ecosystem's order; `None` where either is unreadable.
pub fn compare(ecosystem: &str, a: &str, b: &str) -> Option<Ordering> {
    match ecosystem {
        "pypi" => {
            let (a, b) = (pep440_rs::Version::from_str(a).ok()?, pep440_rs::Version::from_str(b).ok()?);
            Some(a.cmp(&b))
        }
        "npm" | "crates" | "go" | "github-actions" => {
            let parse = |v: &str| nodejs_semver::Version::parse(v.trim().trim_start_matches('v')).ok();
            match (parse(a), parse(b)) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => Some(segments(a, b)),
            }
        }
        _ => Some(segments(a, b)),
    }
}

/// Maven's and RubyGems' order, as far as versions commonly go: numbers by
/// value, a word (`alpha`, `rc`, `beta`) before any number or the end, so
/// `1.0-rc1` < `1.0` < `1.0.1`; `final`, `ga` and `release` are the release itself.
fn segments(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let mut cur = String::new();
        for c in v.trim().trim_start_matches('v').chars() {
            let boundary = !cur.is_empty() && (cur.chars().all(|x| x.is_ascii_digit()) != c.is_ascii_digit());
            if !c.is_ascii_alphanumeric() || boundary {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
                if !c.is_ascii_alphanumeric() {
                    continue;
                }
            }
            cur.push(c.to_ascii_lowercase());
        }
        if !cur.is_empty() {
            out.push(cur);
        }
        out.retain(|s| !matches!(s.as_str(), "final" | "ga" | "release"));
        out
    }
    let (a, b) = (split(a), split(b));
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (a.get(i), b.get(i));
        let num = |s: Option<&String>| s.and_then(|s| s.parse::<u64>().ok());
        let order = match (x, y) {
            (None, None) => Ordering::Equal,
            (Some(x), Some(y)) => match (num(Some(x)), num(Some(y))) {
                (Some(p), Some(q)) => p.cmp(&q),
                (Some(_), None) => Ordering::Greater,
                (None, Some(_)) => Ordering::Less,
                (None, None) => x.cmp(y),
            },
            // The end against a number: 1.0 == 1.0.0, 1.0 < 1.0.1; against a word: the release is later.
            (None, Some(y)) => match num(Some(y)) {
                Some(0) => Ordering::Equal,
                Some(_) => Ordering::Less,
                None => Ordering::Greater,
            },
            (Some(x), None) => match num(Some(x)) {
                Some(0) => Ordering::Equal,
                Some(_) => Ordering::Greater,
                None => Ordering::Less,
            },
        };
        if order != Ordering::Equal {
            return order;
        }
    }
    Ordering::Equal
}

/// Whether `version` is affected by one package entry of an advisory: listed
/// in `versions`, or inside a SEMVER or ECOSYSTEM range (events taken in
/// version order, as the OSV schema evaluates them; GIT ranges name commits).
pub fn affects(ecosystem: &str, entry: &Affected, version: &str) -> bool {
    let eq = |v: &String| v == version || compare(ecosystem, v, version) == Some(Ordering::Equal);
    if entry.versions.iter().any(eq) {
        return true;
    }
    for range in entry.ranges.iter().filter(|r| r.kind != "GIT") {
        let key = |e: &RangeEvent| match e {
            RangeEvent::Introduced(v) | RangeEvent::Fixed(v) | RangeEvent::LastAffected(v) | RangeEvent::Limit(v) => {
                v.clone()
            }
        };
        let mut events: Vec<&RangeEvent> = range.events.iter().filter(|e| !matches!(e, RangeEvent::Limit(_))).collect();
        events.sort_by(|a, b| {
            let (x, y) = (key(a), key(b));
            match (x.as_str(), y.as_str()) {
                ("0", "0") => Ordering::Equal,
                ("0", _) => Ordering::Less,
                (_, "0") => Ordering::Greater,
                _ => compare(ecosystem, &x, &y).unwrap_or(Ordering::Equal),
            }
        });
        let mut affected = false;
        for e in events {
            let at = |v: &str| if v == "0" { Some(Ordering::Greater) } else { compare(ecosystem, version, v) };
            match e {
                RangeEvent::Introduced(v) if at(v).is_some_and(|o| o != Ordering::Less) => affected = true,
                RangeEvent::Fixed(v) if at(v).is_some_and(|o| o != Ordering::Less) => affected = false,
                RangeEvent::LastAffected(v) if at(v) == Some(Ordering::Greater) => affected = false,
                _ => {}
            }
        }
        if affected {
            return true;
        }
    }
    false
}

/// The records that describe one flaw, as one: grouped by shared ids and
/// aliases, and by a reference that names another record's id (a `PYSEC-`
/// record pointing at its GHSA page). Withdrawn records affect nothing.
pub fn deduplicate(advisories: &[Advisory]) -> Vec<Advisory> {
    let live: Vec<&Advisory> = advisories.iter().filter(|a| a.withdrawn.is_none()).collect();
    let mut parent: Vec<usize> = (0..live.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut by_id: HashMap<String, usize> = HashMap::new();
    for (i, a) in live.iter().enumerate() {
        for id in a.ids() {
            match by_id.get(&id.to_ascii_uppercase()) {
                Some(&j) => {
                    let (x, y) = (root(&mut parent, i), root(&mut parent, j));
                    parent[x] = y;
                }
                None => {
                    by_id.insert(id.to_ascii_uppercase(), i);
                }
            }
        }
    }
    for (i, a) in live.iter().enumerate() {
        for url in &a.references {
            let tail = url.trim_end_matches('/').rsplit('/').next().unwrap_or_default().to_ascii_uppercase();
            if let Some(&j) = by_id.get(&tail) {
                let (x, y) = (root(&mut parent, i), root(&mut parent, j));
                parent[x] = y;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<&Advisory>> = BTreeMap::new();
    for (i, a) in live.iter().enumerate() {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(a);
    }
    groups.into_values().map(merged).collect()
}

/// GitHub's record first (its ranges are reviewed), then the ecosystems' own, then the rest.
fn rank(id: &str) -> u8 {
    match id.split('-').next().unwrap_or_default() {
        "GHSA" => 0,
        "PYSEC" | "RUSTSEC" | "GO" | "MAL" => 1,
        "CVE" => 3,
        _ => 2,
    }
}

fn merged(mut group: Vec<&Advisory>) -> Advisory {
    group.sort_by(|a, b| (rank(&a.id), &a.id).cmp(&(rank(&b.id), &b.id)));
    let mut out = group[0].clone();
    for other in &group[1..] {
        for id in other.ids() {
            if *id != out.id && !out.aliases.contains(id) {
                out.aliases.push(id.clone());
            }
        }
        out.published = match (out.published, other.published) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        // A package the first record does not name is taken from the others.
        for entry in &other.affected {
            if !out.affected.iter().any(|e| e.ecosystem == entry.ecosystem && e.package == entry.package) {
                out.affected.push(entry.clone());
            }
        }
        for r in &other.references {
            if !out.references.contains(r) {
                out.references.push(r.clone());
            }
        }
        if out.summary.is_empty() {
            out.summary.clone_from(&other.summary);
        }
        out.severity = out.severity.take().or_else(|| other.severity.clone());
    }
    out.aliases.retain(|a| *a != out.id);
    out
}

/// Marks on the changes and the findings with their windows, judged at `now`.
/// `locked` are the lockfile moves reported through their manifest: they
/// carry no mark, but say what was installed, so windows follow them too.
pub fn join(
    advisories: &[Advisory],
    mut changes: Vec<DependencyChange>,
    locked: &[DependencyChange],
    now: DateTime<Utc>,
) -> (Vec<DependencyChange>, Vec<AdvisoryFinding>) {
    let advisories = deduplicate(advisories);
    let mut findings = Vec::new();
    for advisory in &advisories {
        for entry in &per_package(&advisory.affected) {
            let Some(eco) = ecosystem(&entry.ecosystem) else { continue };
            let hit = |v: &Option<String>| v.as_deref().is_some_and(|v| affects(eco, entry, v));
            let concerns = |c: &DependencyChange| c.ecosystem == eco && c.package == entry.package;
            // Both lists in time order: (shown, index).
            let mut order: Vec<(bool, usize)> = changes
                .iter()
                .enumerate()
                .filter(|(_, c)| concerns(c))
                .map(|(i, _)| (true, i))
                .chain(locked.iter().enumerate().filter(|(_, c)| concerns(c)).map(|(i, _)| (false, i)))
                .collect();
            let at = |&(shown, i): &(bool, usize)| if shown { changes[i].commit.at } else { locked[i].commit.at };
            order.sort_by_key(|k| at(k));
            let fixed_events: Vec<String> = entry
                .ranges
                .iter()
                .filter(|r| r.kind != "GIT")
                .flat_map(|r| &r.events)
                .filter_map(|e| match e {
                    RangeEvent::Fixed(v) => Some(v.clone()),
                    _ => None,
                })
                .collect();
            let fix_above = |v: Option<&str>| -> Option<String> {
                let v = v?;
                let mut above: Vec<&String> =
                    fixed_events.iter().filter(|f| compare(eco, f, v).is_some_and(|o| o != Ordering::Less)).collect();
                above.sort_by(|a, b| compare(eco, a, b).unwrap_or(Ordering::Equal));
                above.first().map(|f| (*f).clone())
            };
            // Per manifest: the change that adopted, while the range holds, and the marks it holds.
            let mut open: HashMap<String, AffectedWindow> = HashMap::new();
            let mut members: HashMap<String, Vec<usize>> = HashMap::new();
            let mut settled: Vec<(usize, DateTime<Utc>, Option<DateTime<Utc>>)> = Vec::new();
            let mut windows = Vec::new();
            let published = advisory.published;
            for (shown, i) in order {
                let change = if shown { &changes[i] } else { &locked[i] };
                let (before, after) = (hit(&change.from_version), hit(&change.to_version));
                let key = change.manifest.clone();
                // A move carries the window from the manifest it left.
                if let Some(mut w) = change.moved_from.as_ref().and_then(|m| open.remove(m)) {
                    w.manifest.clone_from(&key);
                    open.insert(key.clone(), w);
                    if let Some(m) = change.moved_from.as_ref().and_then(|m| members.remove(m)) {
                        members.insert(key.clone(), m);
                    }
                }
                let effect = match (before, after) {
                    (false, true) => AdvisoryEffect::Adopts,
                    (true, true) => AdvisoryEffect::Keeps,
                    (true, false) => AdvisoryEffect::Clears,
                    (false, false) => {
                        // Out of the range before this change though a window is open: it was
                        // left at a change not recorded here; this is the first that shows it.
                        if let Some(mut w) = open.remove(&key) {
                            close(&mut w, change, published);
                            w.cleared_version.clone_from(&change.from_version);
                            for i in members.remove(&key).unwrap_or_default() {
                                settled.push((i, w.adopted_at, w.cleared_at));
                            }
                            windows.push(w);
                        }
                        continue;
                    }
                };
                let fixed = fix_above(if effect == AdvisoryEffect::Clears {
                    change.from_version.as_deref()
                } else {
                    change.to_version.as_deref()
                });
                if shown {
                    members.entry(key.clone()).or_default().push(i);
                }
                match effect {
                    AdvisoryEffect::Adopts | AdvisoryEffect::Keeps => {
                        let w = open.entry(key).or_insert_with(|| window_from(change, &changes, published));
                        if effect == AdvisoryEffect::Keeps && published.is_some_and(|p| change.commit.at > p) {
                            w.kept_after_publication = true;
                        }
                    }
                    AdvisoryEffect::Clears => {
                        if let Some(mut w) = open.remove(&key) {
                            close(&mut w, change, published);
                            for i in members.remove(&key).unwrap_or_default() {
                                settled.push((i, w.adopted_at, w.cleared_at));
                            }
                            windows.push(w);
                        }
                    }
                }
                if shown {
                    let change = &mut changes[i];
                    change.advisories.push(AdvisoryMark {
                        id: advisory.id.clone(),
                        aliases: advisory.aliases.clone(),
                        effect,
                        version: change.to_version.clone(),
                        range: change.to.is_some() && change.to != change.to_version,
                        summary: advisory.summary.clone(),
                        published,
                        severity: advisory.severity.clone(),
                        fixed,
                        affected_from: None,
                        affected_until: None,
                    });
                }
            }
            for (key, w) in &open {
                for &i in members.get(key).into_iter().flatten() {
                    settled.push((i, w.adopted_at, None));
                }
            }
            for (i, from, until) in settled {
                if let Some(m) = changes[i].advisories.iter_mut().rev().find(|m| m.id == advisory.id) {
                    m.affected_from = Some(from);
                    m.affected_until = until;
                }
            }
            for (_, mut w) in open {
                w.window_s = (now - w.adopted_at).num_seconds().max(0);
                w.kept_after_publication |= advisory.published.is_some_and(|p| p < now && w.adopted_at <= p);
                windows.push(w);
            }
            if windows.is_empty() {
                continue;
            }
            windows.sort_by(|a, b| (a.adopted_at, &a.manifest).cmp(&(b.adopted_at, &b.manifest)));
            let mut ranges: Vec<String> = entry.ranges.iter().filter(|r| r.kind != "GIT").map(|r| r.text()).collect();
            if !entry.versions.is_empty() && ranges.is_empty() {
                ranges.push(listed(&entry.versions));
            }
            let mut fixed = fixed_events.clone();
            fixed.sort_by(|a, b| compare(eco, a, b).unwrap_or(Ordering::Equal));
            fixed.dedup();
            findings.push(AdvisoryFinding {
                fixed,
                id: advisory.id.clone(),
                aliases: advisory.aliases.clone(),
                summary: advisory.summary.clone(),
                published: advisory.published,
                severity: advisory.severity.clone(),
                malicious: advisory.malicious(),
                package: entry.package.clone(),
                ecosystem: eco.to_string(),
                ranges,
                references: advisory.references.iter().take(8).cloned().collect(),
                windows,
                origin: advisory.origin.clone(),
            });
        }
    }
    findings.sort_by(|a, b| (!a.open(), a.published, &a.id).cmp(&(!b.open(), b.published, &b.id)));
    (changes, findings)
}

/// A record may name one package in several entries (GitHub's give each range its own): one entry per package.
fn per_package(affected: &[Affected]) -> Vec<Affected> {
    let mut out: Vec<Affected> = Vec::new();
    for a in affected {
        match out.iter_mut().find(|o| o.ecosystem == a.ecosystem && o.package == a.package) {
            Some(o) => {
                o.ranges.extend(a.ranges.iter().cloned());
                o.versions.extend(a.versions.iter().cloned());
            }
            None => out.push(a.clone()),
        }
    }
    out
}

fn listed(versions: &[String]) -> String {
    const SHOWN: usize = 6;
    if versions.len() <= SHOWN {
        return format!("versions {}", versions.join(", "));
    }
    format!("versions {} … ({} listed)", versions[..SHOWN].join(", "), versions.len())
}

fn window_from(
    change: &DependencyChange,
    shown: &[DependencyChange],
    published: Option<DateTime<Utc>>,
) -> AffectedWindow {
    let author = change.introduced_by.as_ref().map_or(&change.commit.author, |i| &i.author);
    // A lockfile move reported through its manifest: the manifest's change holds the approval.
    let judged =
        shown.iter().find(|c| c.commit.id == change.commit.id && c.package == change.package).unwrap_or(change);
    let approved_by = if judged.approved {
        judged.commit.approvers.iter().filter(|a| !a.own).map(crate::model::Approver::label).collect()
    } else {
        Vec::new()
    };
    AffectedWindow {
        manifest: change.manifest.clone(),
        lockfile: change.lockfile,
        adopted_commit: change.commit.id.clone(),
        adopted_at: change.commit.at,
        adopted_version: change.to_version.clone(),
        adopted_range: change.to.clone().filter(|to| change.to_version.as_ref() != Some(to)),
        adopted_by: author.clone(),
        approved_by,
        pull_request: change.commit.pull_request,
        cleared_commit: None,
        cleared_at: None,
        cleared_version: None,
        window_s: 0,
        adopted_after_publication: published.is_some_and(|p| change.commit.at > p),
        time_to_patch_s: None,
        kept_after_publication: false,
    }
}

fn close(w: &mut AffectedWindow, change: &DependencyChange, published: Option<DateTime<Utc>>) {
    let at = change.commit.at;
    w.cleared_commit = Some(change.commit.id.clone());
    w.cleared_at = Some(at);
    w.cleared_version.clone_from(&change.to_version);
    w.window_s = (at - w.adopted_at).num_seconds().max(0);
    if let Some(p) = published.filter(|p| at > *p) {
        w.time_to_patch_s = Some((at - p).num_seconds());
        w.kept_after_publication |= w.adopted_at <= p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AffectedRange;

    fn entry(eco: &str, events: Vec<RangeEvent>, versions: &[&str]) -> Affected {
        Affected {
            ecosystem: eco.into(),
            package: "p".into(),
            ranges: vec![AffectedRange { kind: "ECOSYSTEM".into(), events }],
            versions: versions.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn two_ranges_of_langchain_core_by_pep_440() {
        use RangeEvent::*;
        let e = entry(
            "PyPI",
            vec![Introduced("0".into()), Fixed("0.3.81".into()), Introduced("1.0.0".into()), Fixed("1.2.5".into())],
            &[],
        );
        for (v, hit) in [
            ("0.3.50", true),
            ("0.3.81", false),
            ("0.3.90", false),
            ("1.0.0rc1", false),
            ("1.0.0", true),
            ("1.2.4", true),
            ("1.2.5", false),
            ("0.1.0", true),
        ] {
            assert_eq!(affects("pypi", &e, v), hit, "{v}");
        }
        // The same events listed out of order are evaluated in version order.
        let shuffled = entry(
            "PyPI",
            vec![Fixed("1.2.5".into()), Introduced("1.0.0".into()), Fixed("0.3.81".into()), Introduced("0".into())],
            &[],
        );
        assert!(affects("pypi", &shuffled, "1.1.0") && !affects("pypi", &shuffled, "0.3.90"));
    }

    #[test]
    fn last_affected_and_listed_versions_and_semver_prereleases() {
        use RangeEvent::*;
        let e = entry("npm", vec![Introduced("1.0.0".into()), LastAffected("1.4.2".into())], &[]);
        assert!(affects("npm", &e, "1.4.2") && !affects("npm", &e, "1.4.3") && !affects("npm", &e, "0.9.0"));
        assert!(!affects("npm", &e, "1.0.0-beta.1"), "a pre-release sorts before its release");
        let listed = entry("npm", vec![], &["0.0.1", "0.0.2"]);
        assert!(affects("npm", &listed, "0.0.2") && !affects("npm", &listed, "0.0.3"));
        let go = entry("Go", vec![Introduced("0".into()), Fixed("1.2.3".into())], &[]);
        assert!(affects("go", &go, "v1.2.2") && !affects("go", &go, "v1.2.3"), "Go's v prefix");
    }

    #[test]
    fn maven_and_rubygems_segment_order() {
        assert_eq!(segments("1.0-rc1", "1.0"), Ordering::Less);
        assert_eq!(segments("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(segments("1.10", "1.9"), Ordering::Greater);
        assert_eq!(segments("2.0.0.Final", "2.0.0"), Ordering::Equal);
        assert_eq!(segments("1.0.a", "1.0"), Ordering::Less, "RubyGems: a letter is a pre-release");
        assert_eq!(segments("1.0.1", "1.0"), Ordering::Greater);
    }

    fn record(id: &str, aliases: &[&str], refs: &[&str]) -> Advisory {
        Advisory {
            id: id.into(),
            aliases: aliases.iter().map(|s| s.to_string()).collect(),
            references: refs.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn records_of_one_flaw_are_one_by_aliases_and_by_references() {
        let got = deduplicate(&[
            record("PYSEC-2025-1", &[], &["https://github.com/advisories/GHSA-aaaa-bbbb-cccc"]),
            record("GHSA-aaaa-bbbb-cccc", &["CVE-2025-1"], &[]),
            record("CVE-2025-1", &[], &[]),
            record("GHSA-zzzz-yyyy-xxxx", &[], &["https://example.com/security"]),
        ]);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].id, "GHSA-aaaa-bbbb-cccc", "GitHub's record stands for the group");
        assert!(
            got[0].aliases.contains(&"PYSEC-2025-1".to_string()) && got[0].aliases.contains(&"CVE-2025-1".to_string())
        );
        let mut withdrawn = record("GHSA-wwww-wwww-wwww", &[], &[]);
        withdrawn.withdrawn = chrono::DateTime::from_timestamp(1_700_000_000, 0);
        assert!(deduplicate(&[withdrawn]).is_empty(), "a withdrawn record affects nothing");
    }
}
