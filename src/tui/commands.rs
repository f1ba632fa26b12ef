//! The `:` command line: what each command means, and what Tab offers.

use crate::model::Case;
use crate::report::Format;

/// A parsed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Quit,
    /// Go to what a link names (the same as following it from a detail).
    Go(super::links::Link),
    /// `:filter KEY=VALUE…`, `:since`, `:until`.
    Filter(Vec<(String, String)>),
    Clear,
    Export {
        format: Format,
        path: Option<String>,
    },
    Theme(String),
    /// `:group ip|principal|none`: the timeline's rows by address or principal.
    Group(Option<Group>),
    /// `:grep TEXT`: the audit logs searched on disk, beyond what the case keeps.
    Grep(String),
    Help,
}

/// What the timeline can be grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Address,
    Principal,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Address => "address",
            Group::Principal => "principal",
        }
    }
}

/// Every command word, as Tab offers them.
pub const WORDS: [&str; 15] = [
    "secret", "commit", "actor", "ip", "filter", "since", "until", "clear", "export", "theme", "group", "grep", "help",
    "q", "quit",
];

const FORMATS: [&str; 4] = ["md", "json", "html", "csv"];

fn format(word: &str) -> Option<Format> {
    match word.to_ascii_lowercase().as_str() {
        "md" | "markdown" => Some(Format::Md),
        "json" => Some(Format::Json),
        "html" => Some(Format::Html),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Parse what was typed after `:`.
pub fn parse(text: &str) -> Result<Command, String> {
    use super::links::Link;
    let text = text.trim();
    let (word, rest) = text.split_once(char::is_whitespace).map_or((text, ""), |(w, r)| (w, r.trim()));
    let needs = |what: &str| -> Result<String, String> {
        if rest.is_empty() { Err(format!(":{word} needs {what}")) } else { Ok(rest.to_string()) }
    };
    match word {
        "q" | "quit" | "q!" => Ok(Command::Quit),
        "secret" => Ok(Command::Go(Link::Secret(needs("a secret id or label")?))),
        "commit" => Ok(Command::Go(Link::Commit(needs("a commit id (or its start)")?))),
        "actor" | "person" | "principal" => Ok(Command::Go(Link::Actor(needs("a name")?))),
        "ip" | "address" => Ok(Command::Go(Link::Ip(needs("an address")?))),
        "since" | "until" => Ok(Command::Filter(vec![(word.to_string(), needs("a date")?)])),
        "filter" => {
            let mut parts = Vec::new();
            for pair in
                needs("KEY=VALUE (secret, commit, actor, ip, source, outcome, role, since, until)")?.split_whitespace()
            {
                let (k, v) = pair.split_once('=').ok_or_else(|| format!("`{pair}` is not KEY=VALUE"))?;
                parts.push((k.to_string(), v.to_string()));
            }
            Ok(Command::Filter(parts))
        }
        "clear" | "nofilter" => Ok(Command::Clear),
        "export" | "e" | "w" => {
            let (f, path) = rest.split_once(char::is_whitespace).map_or((rest, ""), |(f, p)| (f, p.trim()));
            let format = format(if f.is_empty() { "md" } else { f })
                .ok_or_else(|| format!("no report format `{f}` (md, json, html, csv)"))?;
            Ok(Command::Export { format, path: (!path.is_empty()).then(|| path.to_string()) })
        }
        "theme" => Ok(Command::Theme(needs("a theme name (default, high-contrast) or a file")?)),
        "group" => match rest {
            "ip" | "address" => Ok(Command::Group(Some(Group::Address))),
            "principal" | "actor" => Ok(Command::Group(Some(Group::Principal))),
            "none" | "" | "time" => Ok(Command::Group(None)),
            other => Err(format!("cannot group by `{}` (ip, principal or none)", crate::text::clip(other, 24))),
        },
        "grep" | "disk" => Ok(Command::Grep(needs("text to look for in the audit logs on disk")?)),
        "help" | "h" => Ok(Command::Help),
        "" => Err("no command".into()),
        other => Err(format!("no command `:{}` (Tab lists them)", crate::text::clip(other, 24))),
    }
}

/// What Tab offers for `typed`: whole prompt texts, in a useful order.
pub fn completions(typed: &str, case: Option<&Case>) -> Vec<String> {
    let (word, rest) = match typed.split_once(' ') {
        Some((w, r)) => (w, Some(r)),
        None => (typed, None),
    };
    let Some(rest) = rest else {
        return WORDS.iter().filter(|w| w.starts_with(word)).map(|w| w.to_string()).collect();
    };
    let mut values: Vec<String> = match (word, case) {
        ("export", _) => FORMATS.iter().map(|f| f.to_string()).collect(),
        ("theme", _) => super::theme::BUILT_IN.iter().map(|(n, _)| n.to_string()).collect(),
        ("group", _) => ["ip", "principal", "none"].iter().map(|g| g.to_string()).collect(),
        ("filter", _) if !rest.contains('=') => super::filter::KEYS.iter().map(|k| format!("{k}=")).collect(),
        ("secret", Some(c)) => c.secrets.iter().flat_map(|s| [s.id.clone(), s.label.clone()]).collect(),
        ("commit", Some(c)) => {
            let mut ids: Vec<String> =
                c.approvals.iter().map(|a| a.commit.id[..a.commit.id.len().min(12)].to_string()).collect();
            ids.extend(
                c.reachability
                    .iter()
                    .filter_map(|r| r.grant.commit.as_ref())
                    .map(|k| k.id[..k.id.len().min(12)].to_string()),
            );
            ids
        }
        ("actor", Some(c)) => {
            let mut names: Vec<String> = c.timeline.iter().map(|e| e.who.clone()).filter(|w| !w.is_empty()).collect();
            names.extend(c.replay_groups.iter().map(|g| g.principal.clone()));
            names
        }
        ("ip", Some(c)) => c.replay_groups.iter().map(|g| g.ip.clone()).collect(),
        _ => Vec::new(),
    };
    let mut seen = std::collections::HashSet::new();
    values.retain(|v| seen.insert(v.clone()));
    let lower = rest.to_lowercase();
    values
        .into_iter()
        .filter(|v| v.to_lowercase().starts_with(&lower))
        .take(200)
        .map(|v| format!("{word} {v}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::links::Link;

    #[test]
    fn commands_parse_and_bad_ones_say_why() {
        assert_eq!(parse("q"), Ok(Command::Quit));
        assert_eq!(parse("secret s1"), Ok(Command::Go(Link::Secret("s1".into()))));
        assert_eq!(parse("  ip 45.148.10.62 "), Ok(Command::Go(Link::Ip("45.148.10.62".into()))));
        assert_eq!(
            parse("export md /tmp/r.md"),
            Ok(Command::Export { format: Format::Md, path: Some("/tmp/r.md".into()) })
        );
        assert_eq!(parse("export"), Ok(Command::Export { format: Format::Md, path: None }));
        assert_eq!(
            parse("filter source=cloudtrail outcome=denied"),
            Ok(Command::Filter(vec![("source".into(), "cloudtrail".into()), ("outcome".into(), "denied".into())]))
        );
        assert_eq!(parse("export pdf"), Err("no report format `pdf` (md, json, html, csv)".into()));
        assert!(parse("secret").is_err_and(|e| e.contains("needs")));
        assert!(parse("frobnicate").is_err_and(|e| e.contains("no command")));
        assert!(parse("filter ip").is_err_and(|e| e.contains("KEY=VALUE")));
    }

    #[test]
    fn tab_offers_commands_then_their_values() {
        assert_eq!(completions("ex", None), vec!["export"]);
        assert_eq!(completions("export ", None), vec!["export md", "export json", "export html", "export csv"]);
        assert_eq!(completions("export j", None), vec!["export json"]);
        assert!(completions("filter ", None).contains(&"filter since=".to_string()));
        assert_eq!(completions("theme h", None), vec!["theme high-contrast"]);
    }
}
