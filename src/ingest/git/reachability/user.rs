//! The user's own rules (TOML, in the case file or `--rules FILE`):
//!
//! ```toml
//! [[rule]]
//! kind = "env_read"
//! files = "**/*.py"
//! regex = 'settings\.secret\("(?P<name>[A-Z_]+)"\)'
//! ```

use globset::{Glob, GlobMatcher};
use regex::Regex;
use serde::Deserialize;

use crate::model::GrantKind;

/// A compiled user rule.
#[derive(Debug, Clone)]
pub struct UserRule {
    pub kind: GrantKind,
    files: GlobMatcher,
    regex: Regex,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: GrantKind,
    files: String,
    regex: String,
}

#[derive(Deserialize)]
struct RawRules {
    #[serde(default)]
    rule: Vec<toml::Value>,
}

impl UserRule {
    pub fn matches(&self, path: &str) -> bool {
        self.files.is_match(path)
    }

    /// The names a line gives (the `name` group, else the first group), or `None`.
    pub fn apply(&self, text: &str) -> Option<Vec<String>> {
        let c = self.regex.captures(text)?;
        let name = c.name("name").or_else(|| c.get(1)).map(|m| m.as_str().to_string());
        Some(name.into_iter().collect())
    }
}

/// Parse `[[rule]]` tables; an error names the rule (1-based) and what is wrong.
pub fn parse_rules(text: &str) -> Result<Vec<UserRule>, String> {
    let raw: RawRules = toml::from_str(text).map_err(|e| e.message().to_string())?;
    compile_rules(raw.rule)
}

/// Compile `[[rule]]` tables already read from a TOML document.
pub fn compile_rules(tables: Vec<toml::Value>) -> Result<Vec<UserRule>, String> {
    tables
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let which = format!("rule {}", i + 1);
            let r: RawRule = value.try_into().map_err(|e: toml::de::Error| format!("{which}: {}", e.message()))?;
            let files = Glob::new(&r.files).map_err(|e| format!("{which}: files: {e}"))?.compile_matcher();
            let regex = Regex::new(&r.regex).map_err(|e| format!("{which}: regex: {e}"))?;
            Ok(UserRule { kind: r.kind, files, regex })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_rules_compile_and_apply() {
        let rules = parse_rules(
            "[[rule]]\nkind = \"env_read\"\nfiles = \"**/*.py\"\nregex = 'vault_read\\(\"(?P<name>[a-z/]+)\"\\)'\n",
        )
        .unwrap();
        assert!(rules[0].matches("svc/app/config.py"));
        assert_eq!(rules[0].apply("x = vault_read(\"secret/openai\")"), Some(vec!["secret/openai".to_string()]));
        let bad = parse_rules("[[rule]]\nkind = \"env_read\"\nfiles = \"*\"\nregex = '('\n").err().unwrap();
        assert!(bad.starts_with("rule 1: regex"), "{bad}");
        assert!(parse_rules("[[rule]]\nkind = \"nonsense\"\nfiles = \"*\"\nregex = 'x'\n").is_err());
    }
}
