//! Security advisories (OSV records) and what they say about the versions a
//! history adopted.

use super::texts::{Texts, Visit, walk};
use chrono::{DateTime, Utc};
use serde::Serialize;

/// One OSV record as read: the packages it names and the versions it affects.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Advisory {
    pub id: String,
    /// Other ids for the same flaw (`CVE-…`, `PYSEC-…`), as the record lists them.
    pub aliases: Vec<String>,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    /// A withdrawn record affects nothing.
    pub withdrawn: Option<DateTime<Utc>>,
    pub affected: Vec<Affected>,
    /// Reference addresses, advisory pages first as the record orders them.
    pub references: Vec<String>,
    /// The record's severity as given (`CVSS_V3 CVSS:3.1/AV:N/…`, or a database's word).
    pub severity: Option<String>,
    /// Where it was read: `advisories/GHSA-….json`, `pypi.zip:GHSA-….json`.
    pub origin: String,
}

impl Advisory {
    /// A malicious-package record (`MAL-…`): every listed version is the attack itself.
    pub fn malicious(&self) -> bool {
        self.id.starts_with("MAL-") || self.aliases.iter().any(|a| a.starts_with("MAL-"))
    }

    /// The id and its aliases, the id first.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.id).chain(&self.aliases)
    }
}

/// One package an advisory names, with the versions of it that are affected.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Affected {
    /// The OSV ecosystem as written (`PyPI`, `npm`, `crates.io`, `Go`, `Maven`, `RubyGems`, `GitHub Actions`).
    pub ecosystem: String,
    pub package: String,
    pub ranges: Vec<AffectedRange>,
    /// Versions listed one by one.
    pub versions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct AffectedRange {
    /// `SEMVER`, `ECOSYSTEM` or `GIT` (commit ranges: not versions, not matched).
    pub kind: String,
    pub events: Vec<RangeEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "event", content = "version")]
pub enum RangeEvent {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl AffectedRange {
    /// The range as a reader says it: `>=1.0.0, <1.2.5`.
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for e in &self.events {
            match e {
                RangeEvent::Introduced(v) if v == "0" => {}
                RangeEvent::Introduced(v) => parts.push(format!(">={v}")),
                RangeEvent::Fixed(v) => parts.push(format!("<{v}")),
                RangeEvent::LastAffected(v) => parts.push(format!("<={v}")),
                RangeEvent::Limit(v) => parts.push(format!("(limit {v})")),
            }
        }
        if parts.is_empty() { "every version".to_string() } else { parts.join(", ") }
    }
}

/// What one dependency change does with respect to one advisory (set by correlate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AdvisoryEffect {
    /// Adopts an affected version (or a range whose floor is one) where none was before.
    Adopts,
    /// Moves from one affected version to another: still affected.
    Keeps,
    /// Leaves the affected range (a fixed version, or the package removed).
    Clears,
}

impl AdvisoryEffect {
    pub fn name(self) -> &'static str {
        match self {
            AdvisoryEffect::Adopts => "adopts",
            AdvisoryEffect::Keeps => "keeps",
            AdvisoryEffect::Clears => "clears",
        }
    }
}

/// An advisory on one dependency change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryMark {
    pub id: String,
    pub aliases: Vec<String>,
    pub effect: AdvisoryEffect,
    /// The version judged: the pin, the lockfile's version, or a range's floor.
    pub version: Option<String>,
    /// The specifier is a range: `version` is its floor, not what was installed.
    pub range: bool,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    pub severity: Option<String>,
    /// The lowest fixed version above `version` (for `clears`: the one reached or passed).
    pub fixed: Option<String>,
    /// The stretch of this manifest in the range this change belongs to: from its
    /// adoption to the change that left it (`None`: still in it).
    pub affected_from: Option<DateTime<Utc>>,
    pub affected_until: Option<DateTime<Utc>>,
}

/// One stretch of a manifest in an advisory's affected range: from the change
/// that adopted an affected version to the one that left the range (or now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AffectedWindow {
    pub manifest: String,
    pub lockfile: bool,
    /// The adopting change's commit, its author and who approved it.
    pub adopted_commit: String,
    pub adopted_at: DateTime<Utc>,
    pub adopted_version: Option<String>,
    /// The specifier as written where it is a range (`>=1.0.0`): `adopted_version` is its floor.
    pub adopted_range: Option<String>,
    pub adopted_by: crate::model::Person,
    /// Approvers other than the author (empty: none recorded).
    pub approved_by: Vec<String>,
    pub pull_request: Option<u64>,
    /// The change that left the range; `None`: still in it.
    pub cleared_commit: Option<String>,
    pub cleared_at: Option<DateTime<Utc>>,
    pub cleared_version: Option<String>,
    /// Adoption to clearing, or to the case's `now`.
    pub window_s: i64,
    /// Adopted (or kept by a later change) after the advisory was published.
    pub adopted_after_publication: bool,
    /// Published → cleared, where clearing came after publication.
    pub time_to_patch_s: Option<i64>,
    /// The last change still inside the range after publication, if any.
    pub kept_after_publication: bool,
}

/// An advisory that bears on the history, with every affected stretch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdvisoryFinding {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    pub severity: Option<String>,
    pub malicious: bool,
    pub package: String,
    pub ecosystem: String,
    /// The affected ranges as text (`<0.3.81`, `>=1.0.0, <1.2.5`) and listed versions.
    pub ranges: Vec<String>,
    /// The versions the ranges name as fixed, lowest first.
    pub fixed: Vec<String>,
    pub references: Vec<String>,
    pub windows: Vec<AffectedWindow>,
    /// Where the record was read.
    pub origin: String,
}

impl AdvisoryFinding {
    /// Some manifest is in the affected range now.
    pub fn open(&self) -> bool {
        self.windows.iter().any(|w| w.cleared_commit.is_none())
    }
}

impl Texts for Advisory {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Advisory { id, aliases, summary, published, modified, withdrawn, affected, references, severity, origin } =
            self;
        walk!(visit; id, aliases, published, modified, withdrawn, affected, references, severity, origin);
        walk!(visit; prose summary);
    }
}

impl Texts for Affected {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Affected { ecosystem, package, ranges, versions } = self;
        walk!(visit; ecosystem, package, ranges, versions);
    }
}

impl Texts for AffectedRange {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let AffectedRange { kind, events } = self;
        walk!(visit; kind, events);
    }
}

impl Texts for RangeEvent {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        match self {
            RangeEvent::Introduced(v) | RangeEvent::Fixed(v) | RangeEvent::LastAffected(v) | RangeEvent::Limit(v) => {
                walk!(visit; v);
            }
        }
    }
}

impl Texts for AdvisoryMark {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let AdvisoryMark {
            id,
            aliases,
            effect,
            version,
            range,
            summary,
            published,
            severity,
            fixed,
            affected_from,
            affected_until,
        } = self;
        walk!(visit; id, aliases, effect, version, range, published, severity, fixed, affected_from, affected_until);
        walk!(visit; prose summary);
    }
}
