//! Filters and the facts they read: what each pane row is about (its secrets,
//! commit, people, address, source, outcome, role, time), taken from the case
//! as correlate decided it. A filter narrows every pane at once.

use chrono::{DateTime, Utc};

use super::app::Pane;
use crate::model::{Case, ItemRef, Outcome};

/// A short list kept inline: most rows name one or two of each thing, and a
/// filter over a million rows should not allocate for each.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Few<'c> {
    inline: [&'c str; 3],
    len: usize,
    more: Vec<&'c str>,
}

impl<'c> Few<'c> {
    pub fn push(&mut self, value: &'c str) {
        match self.inline.get_mut(self.len) {
            Some(slot) => {
                *slot = value;
                self.len += 1;
            }
            None => self.more.push(value),
        }
    }

    pub fn extend(&mut self, values: impl IntoIterator<Item = &'c str>) {
        for v in values {
            self.push(v);
        }
    }

    pub fn iter(&self) -> std::iter::Chain<std::slice::Iter<'_, &'c str>, std::slice::Iter<'_, &'c str>> {
        self.inline[..self.len].iter().chain(self.more.iter())
    }

    pub fn contains(&self, value: &&str) -> bool {
        self.iter().any(|v| v == value)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<'a, 'c> IntoIterator for &'a Few<'c> {
    type Item = &'a &'c str;
    type IntoIter = std::iter::Chain<std::slice::Iter<'a, &'c str>, std::slice::Iter<'a, &'c str>>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// What a row is about.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Facts<'c> {
    /// When it happened: one moment, or the first and last of a group.
    pub at: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub secrets: Few<'c>,
    pub commits: Few<'c>,
    /// People by name: authors, approvers, mergers, grant actors.
    pub people: Few<'c>,
    pub principals: Few<'c>,
    pub ips: Few<'c>,
    /// Which inputs say so: `git`, the audit log's kind, the scanners.
    pub sources: Few<'c>,
    pub outcomes: Few<'c>,
    pub roles: Few<'c>,
}

fn point(at: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
    Some((at, at))
}

fn outcome(o: &Outcome) -> &'static str {
    match o {
        Outcome::Allowed => "allowed",
        Outcome::Denied(_) => "denied",
    }
}

fn commit_facts<'c>(f: &mut Facts<'c>, c: &'c crate::model::CommitInfo) {
    f.commits.push(&c.id);
    f.people.push(&c.author.name);
    f.people.extend(c.approvers.iter().map(|a| a.name.as_str()));
    f.people.extend(c.merged_by.iter().map(|p| p.name.as_str()));
    f.sources.push("git");
}

fn item<'c>(case: &'c Case, item: ItemRef) -> Facts<'c> {
    let mut f = Facts::default();
    match item {
        ItemRef::Secret(i) => {
            if let Some(s) = case.secrets.get(i) {
                f.secrets.push(&s.id);
                f.at = s.exposed.as_ref().and_then(|e| point(e.at));
                if let Some(e) = &s.exposed {
                    f.sources.extend(e.detected_by.iter().map(String::as_str));
                    f.commits.extend(e.commit.as_deref());
                    f.people.extend(e.author.iter().map(|a| a.name.as_str()));
                }
            }
        }
        ItemRef::Approval(i) => {
            if let Some(c) = case.approvals.get(i) {
                commit_facts(&mut f, &c.commit);
                f.at = point(c.commit.at);
            }
        }
        ItemRef::Reach(i) => {
            if let Some(r) = case.reachability.get(i) {
                grant(&mut f, &r.grant);
                f.secrets.extend(r.secrets.iter().map(String::as_str));
                f.people.extend(r.approvers.iter().map(|a| a.name.as_str()));
            }
        }
        ItemRef::Unwiring(i) => {
            if let Some(g) = case.unwirings.get(i) {
                grant(&mut f, g);
            }
        }
        ItemRef::Replay(i) => {
            if let Some(r) = case.replays.get(i) {
                let a = &r.access;
                f.secrets.push(&r.secret);
                f.at = point(a.at);
                f.principals.push(&a.principal);
                f.ips.extend(a.ip.as_deref());
                f.sources.push(a.source.name());
                f.outcomes.push(outcome(&a.outcome));
            }
        }
    }
    f
}

fn grant<'c>(f: &mut Facts<'c>, g: &'c crate::model::Grant) {
    f.at = point(g.at);
    f.people.push(&g.actor.name);
    match &g.commit {
        Some(c) => commit_facts(f, c),
        None => {
            // Each audit-log grant kind is read from one kind of log.
            f.sources.push("audit");
            f.sources.extend(match g.kind {
                crate::model::GrantKind::VaultPolicy => Some("vault"),
                crate::model::GrantKind::K8sRbac => Some("k8s"),
                crate::model::GrantKind::IamPolicy => Some("cloudtrail"),
                _ => None,
            });
        }
    }
}

/// The facts of row `i` of `pane` (a case row, not a display position).
pub fn facts(case: &Case, pane: Pane, i: usize) -> Facts<'_> {
    match pane {
        Pane::Overview => item(case, ItemRef::Secret(i)),
        Pane::Timeline => match case.timeline.get(i) {
            Some(e) => {
                // The entry's own who and when: an issuance or a revocation is
                // someone else's act on the same secret.
                let mut f = item(case, e.item);
                if !e.who.is_empty() && !f.people.contains(&e.who.as_str()) && !f.principals.contains(&e.who.as_str()) {
                    f.people.push(&e.who);
                }
                f.at = point(e.at);
                f
            }
            None => Facts::default(),
        },
        Pane::Approvals => item(case, ItemRef::Approval(i)),
        Pane::Reachability => item(case, ItemRef::Reach(i)),
        Pane::Replays => {
            let mut f = Facts::default();
            if let Some(g) = case.replay_groups.get(i) {
                f.secrets.push(&g.secret);
                f.ips.push(&g.ip);
                f.principals.push(&g.principal);
                f.at = Some((g.first, g.last));
                f.outcomes.push(if g.denied == g.count { "denied" } else { "allowed" });
                if g.denied > 0 && g.denied < g.count {
                    f.outcomes.push("denied");
                }
                for r in case.replays.iter().filter(|r| r.secret == g.secret && r.access.principal == g.principal) {
                    if !f.sources.contains(&r.access.source.name()) {
                        f.sources.push(r.access.source.name());
                    }
                }
            }
            f
        }
        Pane::Accountability => {
            let mut f = Facts::default();
            if let Some(a) = case.accountability.get(i) {
                f.roles.push(a.role.name());
                f.people.extend(a.owners.iter().map(String::as_str));
            }
            f
        }
    }
}

/// What narrows the panes; each part set must hold.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Filter {
    pub secret: Option<String>,
    pub commit: Option<String>,
    /// A person or a principal, by part of its name.
    pub actor: Option<String>,
    pub ip: Option<String>,
    pub source: Option<String>,
    pub outcome: Option<String>,
    pub role: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

/// The keys `:filter KEY=VALUE` takes.
pub const KEYS: [&str; 9] = ["secret", "commit", "actor", "ip", "source", "outcome", "role", "since", "until"];

/// Whether `hay` holds `needle` whatever the case; without allocating where both are ASCII
/// (a filter asks this of a million rows).
fn contains(hay: &str, needle: &str) -> bool {
    if hay.is_ascii() && needle.is_ascii() {
        let (h, n) = (hay.as_bytes(), needle.as_bytes());
        return n.is_empty() || h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n));
    }
    hay.to_lowercase().contains(&needle.to_lowercase())
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// Set one part from `KEY=VALUE` words; an empty value clears it.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let v = (!value.is_empty()).then(|| value.to_string());
        match key {
            "secret" => self.secret = v,
            "commit" => self.commit = v,
            "actor" | "person" | "principal" => self.actor = v,
            "ip" | "address" => self.ip = v,
            "source" => self.source = v,
            "outcome" => self.outcome = v,
            "role" => self.role = v,
            "since" => self.since = v.as_deref().map(parse_time).transpose()?,
            "until" => self.until = v.as_deref().map(|t| parse_time(t).map(|t| end_of_day(value, t))).transpose()?,
            other => return Err(format!("no filter `{other}` (one of {})", KEYS.join(", "))),
        }
        Ok(())
    }

    /// The values alone (`s1 45.148.10.62`), for breadcrumbs.
    pub fn values(&self) -> String {
        self.describe().split(' ').map(|p| p.split_once('=').map_or(p, |(_, v)| v)).collect::<Vec<_>>().join(" ")
    }

    /// `secret=s1 ip=45.148.10.62 since=2026-03-01`, for the status line.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let fields = [
            ("secret", &self.secret),
            ("commit", &self.commit),
            ("actor", &self.actor),
            ("ip", &self.ip),
            ("source", &self.source),
            ("outcome", &self.outcome),
            ("role", &self.role),
        ];
        for (k, v) in fields {
            if let Some(v) = v {
                parts.push(format!("{k}={}", crate::text::clean(v)));
            }
        }
        if let Some(t) = self.since {
            parts.push(format!("since={}", t.format("%Y-%m-%d %H:%M")));
        }
        if let Some(t) = self.until {
            parts.push(format!("until={}", t.format("%Y-%m-%d %H:%M")));
        }
        parts.join(" ")
    }

    /// Whether the row with these facts stays. A part that a row has no facts
    /// of hides it (a role filter hides every commit), except time: an undated
    /// row stays in a time window.
    pub fn keeps(&self, case: &Case, f: &Facts) -> bool {
        self.keeps_among(&self.secret_ids(case), f)
    }

    /// The ids of the secrets the filter names (by id or label), resolved once per filtering.
    fn secret_ids<'c>(&self, case: &'c Case) -> Option<Vec<&'c str>> {
        let s = self.secret.as_ref()?;
        Some(
            case.secrets
                .iter()
                .filter(|x| x.id.eq_ignore_ascii_case(s) || x.label.eq_ignore_ascii_case(s))
                .map(|x| x.id.as_str())
                .collect(),
        )
    }

    fn keeps_among(&self, secret_ids: &Option<Vec<&str>>, f: &Facts) -> bool {
        if let Some(ids) = secret_ids
            && !f.secrets.iter().any(|x| ids.contains(x))
        {
            return false;
        }
        if let Some(c) = &self.commit
            && !f.commits.iter().any(|x| x.len() >= c.len() && x[..c.len()].eq_ignore_ascii_case(c))
        {
            return false;
        }
        if let Some(a) = &self.actor
            && !f.people.iter().chain(&f.principals).any(|x| contains(x, a))
        {
            return false;
        }
        if let Some(ip) = &self.ip
            && !f.ips.iter().any(|x| x.starts_with(ip.as_str()))
        {
            return false;
        }
        let named = |want: &Option<String>, have: &Few| {
            want.as_ref().is_none_or(|w| have.iter().any(|h| h.eq_ignore_ascii_case(w)))
        };
        if !named(&self.source, &f.sources) || !named(&self.outcome, &f.outcomes) || !named(&self.role, &f.roles) {
            return false;
        }
        match f.at {
            Some((first, last)) => self.since.is_none_or(|s| last >= s) && self.until.is_none_or(|u| first <= u),
            None => true,
        }
    }

    /// The case rows of `pane` this filter keeps, in order.
    pub fn rows(&self, case: &Case, pane: Pane) -> Vec<u32> {
        self.rows_until(case, pane, &|| false).unwrap_or_default()
    }

    /// Whether `pane` has any row this filter keeps (stops at the first).
    pub fn any_row(&self, case: &Case, pane: Pane) -> bool {
        let ids = self.secret_ids(case);
        (0..super::panes::row_count(pane, case)).any(|i| self.keeps_among(&ids, &facts(case, pane, i)))
    }

    /// As `rows`, giving up (`None`) as soon as `cancelled` says so; it is asked
    /// every few thousand rows.
    pub fn rows_until(&self, case: &Case, pane: Pane, cancelled: &dyn Fn() -> bool) -> Option<Vec<u32>> {
        let count = super::panes::row_count(pane, case);
        if self.is_empty() {
            return Some((0..count as u32).collect());
        }
        let ids = self.secret_ids(case);
        let mut out = Vec::new();
        for i in 0..count {
            if i % 8192 == 0 && cancelled() {
                return None;
            }
            if self.keeps_among(&ids, &facts(case, pane, i)) {
                out.push(i as u32);
            }
        }
        Some(out)
    }
}

/// `2026-03-01`, `2026-03-01T10:00`, `2026-03-01 10:00:00`, RFC 3339; UTC.
pub fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"] {
        if let Ok(t) = chrono::NaiveDateTime::parse_from_str(s, format) {
            return Ok(t.and_utc());
        }
    }
    match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        Err(_) => Err(format!("not a date: `{}` (2026-03-01, 2026-03-01T10:00, RFC 3339)", crate::text::clip(s, 40))),
    }
}

/// `until=2026-03-01` means through the end of that day.
fn end_of_day(typed: &str, t: DateTime<Utc>) -> DateTime<Utc> {
    if typed.trim().len() == 10 { t + chrono::Duration::seconds(86_399) } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_utc_and_a_bare_until_date_covers_its_day() {
        let mut f = Filter::default();
        f.set("since", "2026-03-01").unwrap();
        f.set("until", "2026-03-01").unwrap();
        assert_eq!(f.describe(), "since=2026-03-01 00:00 until=2026-03-01 23:59");
        assert!(f.set("since", "yesterday").is_err());
        assert!(f.set("colour", "red").is_err());
        f.set("since", "").unwrap();
        assert_eq!(f.since, None);
        assert_eq!(parse_time("2026-03-01T10:00:00+02:00").unwrap().to_rfc3339(), "2026-03-01T08:00:00+00:00");
    }

    fn few<'c>(values: &[&'c str]) -> Few<'c> {
        let mut f = Few::default();
        f.extend(values.iter().copied());
        f
    }

    #[test]
    fn a_few_keeps_what_overflows_its_inline_room() {
        let f = few(&["a", "b", "c", "d", "e"]);
        assert_eq!(f.iter().copied().collect::<Vec<_>>(), ["a", "b", "c", "d", "e"]);
        assert!(f.contains(&"e") && !f.contains(&"z"));
    }

    #[test]
    fn each_part_must_hold_and_undated_rows_stay_in_a_window() {
        let case = crate::correlate::correlate(&Default::default(), &Default::default());
        let facts = Facts {
            at: None,
            ips: few(&["45.148.10.62"]),
            principals: few(&["arn:aws:iam::1:user/hannah"]),
            sources: few(&["cloudtrail"]),
            ..Default::default()
        };
        let with = |k: &str, v: &str| {
            let mut f = Filter::default();
            f.set(k, v).unwrap();
            f.keeps(&case, &facts)
        };
        assert!(with("ip", "45.148."));
        assert!(!with("ip", "10.0"));
        assert!(with("actor", "Hannah"));
        assert!(with("source", "CloudTrail"));
        assert!(!with("outcome", "denied"));
        assert!(with("since", "2030-01-01"), "an undated row stays");
        assert!(!with("secret", "s1"), "a row about no secret is not about s1");
    }
}
