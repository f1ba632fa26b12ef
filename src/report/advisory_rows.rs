//! The advisories section as rows of text, shared by the Markdown and HTML
//! reports: what was checked, and each affected stretch of a manifest.

use crate::correlate::summary::span;
use crate::model::{Case, DependencyChange, SourceKind};

fn day(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// What the section says before (or instead of) its tables.
pub fn preface(case: &Case) -> String {
    let read: Vec<_> = case.inputs.iter().filter(|i| i.kind == SourceKind::Osv).collect();
    if read.is_empty() {
        return "No advisories were given (--advisories): the versions the history adopted were not checked against any."
            .to_string();
    }
    let records: usize = read.iter().map(|i| i.records).sum();
    let kept: usize = read.iter().map(|i| i.relevant).sum();
    let scope = if kept < records { format!(" ({kept} of them name a watched package)") } else { String::new() };
    let records =
        if records == 1 { "1 advisory record read".to_string() } else { format!("{records} advisory records read") };
    match case.advisories.len() {
        0 => format!("{records}{scope}: none names a version this history adopted."),
        1 => format!("{records}{scope}: one names versions this history adopted."),
        n => format!("{records}{scope}: {n} name versions this history adopted."),
    }
}

/// A heading line for one advisory: id, aliases, package, ranges, fix, publication.
pub fn heading(f: &crate::model::AdvisoryFinding) -> String {
    let aliases = if f.aliases.is_empty() { String::new() } else { format!(" ({})", f.aliases.join(", ")) };
    let fixed =
        if f.fixed.is_empty() { "no fix named".to_string() } else { format!("fixed in {}", f.fixed.join(", ")) };
    let published = f.published.map_or("publication date not given".to_string(), |p| format!("published {}", day(&p)));
    let severity = f.severity.as_deref().map_or(String::new(), |s| format!(", severity {s}"));
    let malicious = if f.malicious { " — a malicious package record" } else { "" };
    format!(
        "{}{aliases}: {} {} affected {}; {fixed}; {published}{severity}{malicious}",
        f.id,
        f.ecosystem,
        f.package,
        f.ranges.join(" or "),
    )
}

pub const HEADER: [&str; 7] =
    ["manifest", "adopted", "by", "approved by", "left the range", "in the range", "after publication"];

/// One row per affected stretch; commit ids are cells 1 and 4 (`(id, text)`), for linking.
pub struct WindowRow {
    pub manifest: String,
    pub adopted_commit: String,
    pub adopted: String,
    pub by: String,
    pub approved_by: String,
    pub cleared_commit: Option<String>,
    pub cleared: String,
    pub in_range: String,
    pub after_publication: String,
}

pub fn windows(f: &crate::model::AdvisoryFinding) -> Vec<WindowRow> {
    f.windows
        .iter()
        .map(|w| WindowRow {
            manifest: w.manifest.clone(),
            adopted_commit: w.adopted_commit.clone(),
            adopted: format!("{} on {}", w.adopted_version.as_deref().unwrap_or("?"), day(&w.adopted_at)),
            by: w.adopted_by.display(),
            approved_by: if w.approved_by.is_empty() { "none recorded".to_string() } else { w.approved_by.join(", ") },
            cleared_commit: w.cleared_commit.clone(),
            cleared: match (&w.cleared_commit, w.cleared_at) {
                (Some(_), Some(at)) => {
                    format!("{} on {}", w.cleared_version.as_deref().unwrap_or("removed"), day(&at))
                }
                _ => "still in it".to_string(),
            },
            in_range: span(w.window_s),
            after_publication: match (w.adopted_after_publication, w.time_to_patch_s, w.cleared_commit.is_some()) {
                (true, _, _) => "adopted after publication".to_string(),
                (false, Some(t), _) => format!("patched {} after", span(t)),
                (false, None, false) if w.kept_after_publication => "kept: not patched".to_string(),
                (false, None, true) => "left before publication".to_string(),
                _ => "–".to_string(),
            },
        })
        .collect()
}

/// `· adopts GHSA-…` after a change's text, for the approvals tables.
pub fn marks(c: &DependencyChange) -> String {
    c.advisories.iter().map(|m| format!(" · {} {}", m.effect.name(), m.id)).collect()
}
