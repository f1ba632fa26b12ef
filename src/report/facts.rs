//! What every format lays out the same way: inputs per folder, the timeline's
//! events, the gaps by control. Arranged here once so the formats never
//! disagree; nothing is judged (that was correlate's work).

use chrono::{DateTime, Utc};

use super::Provenance;
use crate::model::{Case, Control, EntryKind, Gap, InputSummary, ItemRef, Role};

/// The files read under one folder given as an input.
pub struct Folder<'a> {
    pub path: String,
    pub files: Vec<&'a InputSummary>,
    pub records: usize,
    pub relevant: usize,
    pub rejected: usize,
}

/// The inputs: folders given as inputs summarised (their files behind them), the rest one by one.
pub fn inputs<'a>(case: &'a Case, prov: &Provenance) -> (Vec<Folder<'a>>, Vec<&'a InputSummary>) {
    let mut folders: Vec<Folder<'a>> = Vec::new();
    let mut single = Vec::new();
    for i in &case.inputs {
        // Input paths may already be localized (relative to the case), folders not.
        let inside = |f: &str| i.path.starts_with(&format!("{}/", f.trim_end_matches('/')));
        let under = prov.folders.iter().filter(|f| inside(f) || inside(&prov.path(f)));
        // The innermost folder named, when folders nest.
        match under.max_by_key(|f| f.len()) {
            Some(f) => {
                let path = prov.path(f);
                let at = match folders.iter().position(|x| x.path == path) {
                    Some(at) => at,
                    None => {
                        folders.push(Folder { path, files: Vec::new(), records: 0, relevant: 0, rejected: 0 });
                        folders.len() - 1
                    }
                };
                let folder = &mut folders[at];
                folder.files.push(i);
                folder.records += i.records;
                folder.relevant += i.relevant;
                folder.rejected += i.rejected;
            }
            None => single.push(i),
        }
    }
    (folders, single)
}

/// One dated event of the incident.
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: &'static str,
    pub secret: String,
    pub who: String,
    pub what: String,
    pub place: String,
    pub evidence: String,
}

fn event(case: &Case, e: &crate::model::TimelineEntry) -> Event {
    let (secret, place, evidence) = match e.item {
        ItemRef::Secret(i) => case.secrets.get(i).then_default(|s| {
            let ex = s.exposed.as_ref();
            let place = ex.and_then(|x| x.path.clone()).unwrap_or_default();
            let evidence = match e.kind {
                EntryKind::Exposure => ex.and_then(|x| x.commit.clone()).map(|c| format!("commit:{c}")),
                _ => None,
            };
            (s.id.clone(), place, evidence.unwrap_or_else(|| format!("secret:{}", s.id)))
        }),
        ItemRef::Approval(i) => case
            .approvals
            .get(i)
            .then_default(|c| (String::new(), c.manifest_label(), format!("commit:{}", c.commit.id))),
        ItemRef::Reach(i) => case.reachability.get(i).then_default(|r| {
            let g = &r.grant;
            let place = g.line.map_or(g.path.clone(), |l| format!("{}:{l}", g.path));
            let evidence = g.commit.as_ref().map_or(format!("event:{}", g.origin), |c| format!("commit:{}", c.id));
            (r.secrets.join(";"), place, evidence)
        }),
        ItemRef::Unwiring(i) => case.unwirings.get(i).then_default(|g| {
            let evidence = g.commit.as_ref().map_or(format!("event:{}", g.origin), |c| format!("commit:{}", c.id));
            (String::new(), g.path.clone(), evidence)
        }),
        ItemRef::Replay(i) => case.replays.get(i).then_default(|r| {
            (r.secret.clone(), r.access.ip.clone().unwrap_or_default(), format!("event:{}", r.access.event_id))
        }),
    };
    Event { at: e.at, kind: e.kind.name(), secret, who: e.who.clone(), what: e.summary.clone(), place, evidence }
}

trait OrDefault<T> {
    fn then_default<U: Default>(self, f: impl FnOnce(T) -> U) -> U;
}

impl<T> OrDefault<T> for Option<T> {
    fn then_default<U: Default>(self, f: impl FnOnce(T) -> U) -> U {
        self.map(f).unwrap_or_default()
    }
}

/// Every event, a replay each (for the CSV).
pub fn events(case: &Case) -> Vec<Event> {
    case.timeline.iter().map(|e| event(case, e)).collect()
}

/// The events a reader follows: replays folded into their group (address and
/// principal), at the group's first call, so a trail of thousands stays a page.
pub fn story(case: &Case) -> Vec<Event> {
    let mut out: Vec<Event> =
        case.timeline.iter().filter(|e| e.kind != EntryKind::Replay).map(|e| event(case, e)).collect();
    for (n, g) in case.replay_groups.iter().enumerate() {
        let calls = if g.count == 1 { "1 call".to_string() } else { format!("{} calls", g.count) };
        let until = if g.count > 1 { format!(" until {}", g.last.format("%Y-%m-%d %H:%M UTC")) } else { String::new() };
        let denied = if g.denied > 0 { format!(", {} denied", g.denied) } else { String::new() };
        out.push(Event {
            at: g.first,
            kind: "replay",
            secret: g.secret.clone(),
            who: g.principal.clone(),
            what: format!("{} replayed: {calls}{denied} from {}{until}", g.secret, g.ip),
            place: g.ip.clone(),
            evidence: format!("replay-group:{}", n + 1),
        });
    }
    out.sort_by(|a, b| (a.at, a.kind, &a.what).cmp(&(b.at, b.kind, &b.what)));
    out
}

/// The frameworks in the order the control table lists them.
const FRAMEWORK_ORDER: [&str; 3] = ["OWASP Non-Human Identities Top 10 (2025)", "NIST CSF 2.0", "NIST AI RMF 1.0"];

/// Each control a gap falls short of, with those gaps.
pub fn by_control(case: &Case) -> Vec<(Control, Vec<(Role, &Gap)>)> {
    let mut out: Vec<(Control, Vec<(Role, &Gap)>)> = Vec::new();
    for (role, gap) in case.gaps() {
        for c in &gap.controls {
            match out.iter_mut().find(|(x, _)| x == c) {
                Some((_, gaps)) => gaps.push((role, gap)),
                None => out.push((c.clone(), vec![(role, gap)])),
            }
        }
    }
    let rank = |c: &Control| FRAMEWORK_ORDER.iter().position(|f| *f == c.framework).unwrap_or(FRAMEWORK_ORDER.len());
    let number = |c: &Control| c.id.trim_start_matches("NHI").parse::<u32>().unwrap_or(0);
    out.sort_by(|(a, _), (b, _)| (rank(a), number(a), &a.id).cmp(&(rank(b), number(b), &b.id)));
    out
}

/// Seconds in words, for tables.
pub fn duration(s: Option<i64>) -> String {
    s.map_or_else(|| "unknown".to_string(), crate::correlate::summary::span)
}
