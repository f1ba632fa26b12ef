//! The detail of one item of the case: every field, with the record it came from.

use ratatui::text::{Line, Span};

use crate::model::{Case, CommitInfo, Grant, ItemRef, Outcome, Replay};
use crate::text::clean;
use crate::tui::theme::Theme;

type Detail = (String, Vec<Line<'static>>);

struct Lines<'t> {
    theme: &'t Theme,
    out: Vec<Line<'static>>,
}

impl Lines<'_> {
    fn field(&mut self, key: &str, value: impl AsRef<str>) {
        self.out.push(Line::from(vec![
            Span::styled(format!("{key:>14}  "), self.theme.header),
            Span::styled(clean(value.as_ref()), self.theme.text),
        ]));
    }

    fn styled(&mut self, key: &str, value: impl AsRef<str>, style: ratatui::style::Style) {
        self.out.push(Line::from(vec![
            Span::styled(format!("{key:>14}  "), self.theme.header),
            Span::styled(clean(value.as_ref()), style),
        ]));
    }

    fn heading(&mut self, text: &str) {
        self.out.push(Line::from(""));
        self.out.push(Line::styled(text.to_string(), self.theme.title));
    }

    fn item(&mut self, text: impl AsRef<str>) {
        self.out.push(Line::styled(format!("  • {}", clean(text.as_ref())), self.theme.text));
    }

    fn commit(&mut self, c: &CommitInfo, approved: bool) {
        self.field("commit", format!("{} {}", c.id, c.summary));
        self.field("author", c.author.display());
        if c.committer != c.author {
            self.field("committer", c.committer.display());
        }
        if let Some(m) = &c.merged_by {
            self.field("merged by", m.display());
        }
        self.field("pull request", c.pull_request.map_or("none named".into(), |n| format!("#{n}")));
        if c.approvers.is_empty() {
            self.styled("approved by", "no recorded approval", self.theme.gap);
        } else if !approved {
            self.styled("approved", "no: the only review on record is by who wrote it", self.theme.gap);
        }
        for a in &c.approvers {
            self.styled("approved by", format!("{} <{}> ({} {})", a.name, a.email, a.via, a.role), self.theme.ok);
        }
        for (k, p) in &c.other_trailers {
            self.field(k, format!("{} (recorded, not an approval)", p.display()));
        }
        if c.bot {
            self.styled("bot", "authored by a dependency bot", self.theme.warn);
        }
    }
}

fn t(at: &chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn item(case: &Case, item: ItemRef, theme: &Theme) -> Detail {
    match item {
        ItemRef::Secret(i) => secret(case, i, theme),
        ItemRef::Approval(i) => approval(case, i, theme),
        ItemRef::Reach(i) => reach(case, i, theme),
        ItemRef::Unwiring(i) => match case.unwirings.get(i) {
            Some(g) => grant("Removed reachability", g, Shown::Removed, &[], theme),
            None => Default::default(),
        },
        ItemRef::Replay(i) => match case.replays.get(i) {
            Some(r) => {
                let mut l = Lines { theme, out: Vec::new() };
                replay(&mut l, r);
                (format!("Replay of {}", r.secret), l.out)
            }
            None => Default::default(),
        },
    }
}

pub fn secret(case: &Case, i: usize, theme: &Theme) -> Detail {
    let Some(s) = case.secrets.get(i) else {
        return Default::default();
    };
    let mut l = Lines { theme, out: Vec::new() };
    l.field("id", &s.id);
    l.field("kind", &s.kind);
    l.styled("label", &s.label, theme.key);
    l.field("fingerprint", s.fingerprint.as_deref().unwrap_or("(scanner redacted the value)"));
    l.field("identifiers", s.identifiers.join(", "));
    l.field("variables", s.env_names.join(", "));
    if let Some(e) = &s.exposed {
        l.styled("exposed", t(&e.at), theme.critical);
        l.field(
            "where",
            format!(
                "{}:{} @ {}",
                e.path.as_deref().unwrap_or("?"),
                e.line.unwrap_or(0),
                e.commit.as_deref().unwrap_or("?")
            ),
        );
        l.field("by", e.author.as_ref().map(|a| a.display()).unwrap_or_default());
        l.field("found by", e.detected_by.join(", "));
    } else {
        l.field("exposed", "unknown");
    }
    l.field("detected", s.detected_at.map_or("unknown".into(), |d| t(&d)));
    match s.revoked_at {
        Some(r) => l.styled(
            "revoked",
            format!("{} by {}", t(&r), s.revoked_by.as_deref().unwrap_or("(alert resolution)")),
            theme.ok,
        ),
        None if s.revocation == crate::model::Revocation::NotRevoked => {
            l.styled("revoked", "not in the audit logs read — the window is open", theme.critical)
        }
        None => l.styled(
            "revoked",
            "unknown: no log that would record its revocation was read — treat the window as open",
            theme.critical,
        ),
    }
    if let Some((at, who)) = &s.issued {
        l.field("issued", format!("{} by {who}", t(at)));
    }
    l.field(
        "last used",
        s.last_used.map_or("no use in the audit logs: replays are unknown, not zero".into(), |d| t(&d)),
    );
    l.field("baseline", format!("{} uses before exposure", s.baseline_uses));
    l.heading(&format!("Findings ({})", s.findings.len()));
    for f in &s.findings {
        let verified = match f.verified {
            Some(true) => " verified",
            Some(false) => " unverified",
            None => "",
        };
        l.item(format!(
            "{} {}{verified} — {}:{} @ {} — {}",
            f.scanner.name(),
            f.rule,
            f.file.as_deref().unwrap_or("?"),
            f.line.unwrap_or(0),
            f.commit.as_deref().map_or("?", |c| &c[..c.len().min(12)]),
            f.origin
        ));
        for note in &f.notes {
            l.out.push(Line::styled(format!("      {}", clean(note)), theme.warn));
        }
    }
    l.heading("Reachable through");
    for r in case.reachability.iter().filter(|r| r.secrets.contains(&s.id)) {
        l.item(format!(
            "{} {} at {}{} by {}",
            r.grant.at.format("%Y-%m-%d"),
            r.grant.kind.name(),
            r.grant.path,
            r.grant.line.map(|n| format!(":{n}")).unwrap_or_default(),
            r.grant.actor.display()
        ));
    }
    let replays: Vec<&Replay> = case.replays.iter().filter(|r| r.secret == s.id).collect();
    l.heading(&format!("Replays ({})", replays.len()));
    for r in replays {
        replay(&mut l, r);
    }
    (format!("Secret {} {}", s.id, clean(&s.label)), l.out)
}

fn replay(l: &mut Lines, r: &Replay) {
    let a = &r.access;
    let outcome = match &a.outcome {
        Outcome::Allowed => "allowed".to_string(),
        Outcome::Denied(e) => format!("denied ({e})"),
    };
    let reasons: Vec<&str> = r.reasons.iter().map(|x| x.name()).collect();
    l.item(format!(
        "{} {} {} from {} as {} — {outcome} — [{}]",
        t(&a.at),
        a.source.name(),
        a.what(),
        a.from_where(),
        a.principal,
        reasons.join(", ")
    ));
    l.out.push(Line::styled(
        format!("      user agent: {}   record: {}", clean(a.user_agent.as_deref().unwrap_or("?")), clean(&a.origin)),
        l.theme.muted,
    ));
}

pub fn approval(case: &Case, i: usize, theme: &Theme) -> Detail {
    let Some(c) = case.approvals.get(i) else {
        return Default::default();
    };
    let mut l = Lines { theme, out: Vec::new() };
    l.field("package", format!("{} ({})", c.package, c.ecosystem));
    l.field(
        "change",
        format!("{} {} → {}", c.change_label(), c.from.as_deref().unwrap_or("–"), c.to.as_deref().unwrap_or("–")),
    );
    l.field("manifest", c.manifest_label());
    l.field("when", t(&c.commit.at));
    l.commit(&c.commit, c.approved);
    if let Some(by) = c.introduced_by.as_ref().filter(|i| i.commit != c.commit.id) {
        l.field(
            "written in",
            format!("{} by {} (on the merged branch)", &by.commit[..12.min(by.commit.len())], by.author.display()),
        );
    }
    l.field(
        "CODEOWNERS",
        if c.owners.is_empty() {
            "none for this path".into()
        } else {
            format!("{} (should have reviewed)", c.owners.join(" "))
        },
    );
    if c.transitive {
        l.styled("transitive", "only the lockfile moved it: no manifest beside it declares the package", theme.warn);
    }
    if c.touches_wiring {
        l.styled("wiring", "the same commit or pull request also changed secret wiring (see Reachability)", theme.warn);
    }
    for m in &c.advisories {
        let aliases = if m.aliases.is_empty() { String::new() } else { format!(" ({})", m.aliases.join(", ")) };
        l.heading(&format!("Advisory {}{aliases}", m.id));
        let floor = if m.range { " (the floor of the range: what is installed may be later)" } else { "" };
        let version = m.version.as_deref().unwrap_or("removed");
        let style = if m.effect == crate::model::AdvisoryEffect::Clears { theme.ok } else { theme.gap };
        l.styled("effect", format!("{} — version {version}{floor}", m.effect.name()), style);
        l.field("summary", if m.summary.is_empty() { "none given".to_string() } else { m.summary.clone() });
        l.field("published", m.published.as_ref().map_or("not given".to_string(), t));
        if let Some(f) = case.advisories.iter().find(|f| f.id == m.id && f.package == c.package) {
            l.field("affected", f.ranges.join(" or "));
            l.field("fixed in", if f.fixed.is_empty() { "no fix named".to_string() } else { f.fixed.join(", ") });
            for w in f.windows.iter().filter(|w| w.manifest == c.manifest) {
                let end = match &w.cleared_at {
                    Some(at) => format!("left the range {}", t(at)),
                    None => "still in the range".to_string(),
                };
                l.field(
                    "in range",
                    format!("{} → {end} ({})", t(&w.adopted_at), crate::correlate::summary::span(w.window_s)),
                );
            }
            for r in f.references.iter().take(4) {
                l.field("reference", clean(r));
            }
            l.field("read from", f.origin.clone());
        }
    }
    if !c.diff.is_empty() {
        l.heading(&format!("Manifest diff ({})", c.manifest));
        for line in &c.diff {
            let style = if line.starts_with('+') { theme.ok } else { theme.gap };
            l.out.push(Line::styled(format!("  {}", clean(line)), style));
        }
    }
    (format!("{} {}", c.package, c.change.name()), l.out)
}

/// A grant as the commit added it (with its approval), or as one removed it.
enum Shown<'c> {
    Added { approvers: &'c [crate::model::Approver], approved: bool },
    Removed,
}

fn grant(title: &str, g: &Grant, shown: Shown, secrets: &[String], theme: &Theme) -> Detail {
    let (approvers, approved, removed) = match shown {
        Shown::Added { approvers, approved } => (approvers, approved, false),
        Shown::Removed => (&[][..], false, true),
    };
    let mut l = Lines { theme, out: Vec::new() };
    l.field("kind", g.kind.name());
    l.field("when", t(&g.at));
    l.field("where", format!("{}{}", g.path, g.line.map(|n| format!(":{n}")).unwrap_or_default()));
    l.field("by", g.actor.display());
    l.field("scope", format!("{} ({})", g.scope.name(), g.scope_reason));
    l.field("names", g.reaches(", "));
    l.styled("line", &g.excerpt, theme.muted);
    if secrets.is_empty() {
        l.styled(
            "reaches",
            "unlinked: no leaked secret is known by these names (map one with [[secret]] in the case file)",
            theme.muted,
        );
    } else {
        l.styled("reaches", secrets.join(", "), theme.warn);
    }
    if !g.context.is_empty() {
        let audit = g.commit.is_none();
        // An unwiring's lines are the file before the commit: what it took out.
        let (sign, heading) = match (audit, removed) {
            (true, _) => ("", "Audit record"),
            (false, true) => ("- ", "In the file before (- marks lines this commit removed)"),
            (false, false) => ("+ ", "In the file (+ marks lines this commit added)"),
        };
        l.heading(heading);
        for c in &g.context {
            let mark = if audit {
                ""
            } else if c.marked {
                sign
            } else {
                "  "
            };
            let number = c.number.map(|n| format!("{n:>5} ")).unwrap_or_default();
            let style = if c.marked && !audit { theme.ok } else { theme.text };
            l.out.push(Line::styled(format!("  {number}{mark}{}", clean(&c.text)), style));
        }
    }
    match &g.commit {
        Some(c) => {
            l.heading("Commit");
            let mut c = c.clone();
            c.approvers = approvers.to_vec();
            l.commit(&c, approved);
            if let Some(by) = g.introduced_by.as_ref().filter(|i| i.commit != c.id) {
                l.field(
                    "line written in",
                    format!("{} by {}", &by.commit[..12.min(by.commit.len())], by.author.display()),
                );
            }
        }
        None => l.field("record", &g.origin),
    }
    (title.to_string(), l.out)
}

pub fn reach(case: &Case, i: usize, theme: &Theme) -> Detail {
    match case.reachability.get(i) {
        Some(r) => {
            let shown = Shown::Added { approvers: &r.approvers, approved: r.approved };
            grant(&format!("Reachability: {}", r.grant.kind.name()), &r.grant, shown, &r.secrets, theme)
        }
        None => Default::default(),
    }
}

pub fn replay_group(case: &Case, i: usize, theme: &Theme) -> Detail {
    let Some(g) = case.replay_groups.get(i) else {
        return Default::default();
    };
    let mut l = Lines { theme, out: Vec::new() };
    l.field("secret", &g.secret);
    l.styled("address", &g.ip, theme.critical);
    l.field("principal", &g.principal);
    l.field("first", t(&g.first));
    l.field("last", t(&g.last));
    l.field("calls", format!("{} ({} denied)", g.count, g.denied));
    l.field("actions", g.actions.join(", "));
    l.field("user agents", g.user_agents.join(" | "));
    l.heading("Calls");
    for r in case.replays.iter().filter(|r| {
        r.secret == g.secret
            && r.access.ip.as_deref().unwrap_or("(no address)") == g.ip
            && r.access.principal == g.principal
    }) {
        replay(&mut l, r);
    }
    (format!("Replays from {}", clean(&g.ip)), l.out)
}

pub fn role(case: &Case, i: usize, theme: &Theme) -> Detail {
    let Some(a) = case.accountability.get(i) else {
        return Default::default();
    };
    let mut l = Lines { theme, out: Vec::new() };
    l.field("owners", if a.owners.is_empty() { "none known".into() } else { a.owners.join(", ") });
    l.field(
        "owners from",
        if a.owners_declared { "owners file or CODEOWNERS" } else { "the people the evidence names" },
    );
    l.heading(&format!("Gaps ({})", a.gaps.len()));
    for g in &a.gaps {
        l.out.push(Line::styled(format!("  • {}", clean(&g.text)), theme.gap));
        l.out.push(Line::styled(format!("      evidence: {}", clean(&g.evidence)), theme.muted));
    }
    l.heading(&format!("Decisions ({})", a.decisions.len()));
    for d in &a.decisions {
        l.item(format!("{} — {} — {}", t(&d.at), d.who, d.what));
        l.out.push(Line::styled(format!("      evidence: {}", clean(&d.evidence)), theme.muted));
    }
    (a.role.title().to_string(), l.out)
}
