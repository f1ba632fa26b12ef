//! Keys are data: `keymap.toml` maps key names to actions with a description
//! that the help overlay shows.

use std::collections::BTreeMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    NextPane,
    PrevPane,
    #[serde(rename = "pane_1")]
    Pane1,
    #[serde(rename = "pane_2")]
    Pane2,
    #[serde(rename = "pane_3")]
    Pane3,
    #[serde(rename = "pane_4")]
    Pane4,
    #[serde(rename = "pane_5")]
    Pane5,
    #[serde(rename = "pane_6")]
    Pane6,
    Down,
    Up,
    Top,
    Bottom,
    PageDown,
    PageUp,
    Open,
    Back,
    Help,
    Search,
    Command,
    NextMatch,
    PrevMatch,
    Filter,
    ClearFilter,
    Export,
    Copy,
    Annotate,
}

#[derive(Deserialize)]
struct RawKeymap {
    keys: BTreeMap<String, (Action, String)>,
}

/// One binding: the key as written, what it does, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub key: String,
    pub action: Action,
    pub desc: String,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

const DEFAULT: &str = include_str!("keymap.toml");

impl Keymap {
    pub fn parse(text: &str) -> Result<Self, String> {
        let raw: RawKeymap = toml::from_str(text).map_err(|e| e.message().to_string())?;
        let mut bindings: Vec<Binding> =
            raw.keys.into_iter().map(|(key, (action, desc))| Binding { key, action, desc }).collect();
        for b in &bindings {
            if parse_key(&b.key).is_none() {
                return Err(format!("unknown key `{}`", b.key));
            }
        }
        bindings.sort_by_key(|b| order(b.action));
        Ok(Self { bindings })
    }

    pub fn default_keys() -> Self {
        Self::parse(DEFAULT).unwrap_or(Self { bindings: Vec::new() })
    }

    /// The user's bindings over the defaults: a key the user binds replaces the
    /// default binding of that key. A bad file is an error naming it.
    pub fn merged(mut self, file: &str, text: &str) -> Result<Self, String> {
        let user = Self::parse(text).map_err(|e| format!("{file}: {e}"))?;
        self.bindings.retain(|b| !user.bindings.iter().any(|u| u.key == b.key));
        self.bindings.extend(user.bindings);
        self.bindings.sort_by_key(|b| order(b.action));
        Ok(self)
    }

    /// The defaults, merged with `$XDG_CONFIG_HOME/leakline/keymap.toml` (or
    /// `~/.config/leakline/keymap.toml`) when it exists.
    pub fn from_config() -> Result<Self, String> {
        let Some(path) = crate::session::user_folder("XDG_CONFIG_HOME", ".config").map(|d| d.join("keymap.toml"))
        else {
            return Ok(Self::default_keys());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::default_keys().merged(&path.display().to_string(), &text),
            Err(_) => Ok(Self::default_keys()),
        }
    }

    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        self.bindings.iter().find(|b| parse_key(&b.key).is_some_and(|k| matches(k, event))).map(|b| b.action)
    }
}

fn order(a: Action) -> usize {
    a as usize
}

fn matches((code, mods): (KeyCode, KeyModifiers), event: &KeyEvent) -> bool {
    let relevant = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
    code == event.code && (mods == relevant || (mods.is_empty() && relevant.is_empty()))
}

/// `q`, `G`, `?`, `tab`, `backtab`, `enter`, `esc`, `up`, `ctrl-c`, …
pub fn parse_key(s: &str) -> Option<(KeyCode, KeyModifiers)> {
    let (mods, name) = match s.strip_prefix("ctrl-") {
        Some(rest) => (KeyModifiers::CONTROL, rest),
        None => (KeyModifiers::NONE, s),
    };
    let code = match name {
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "enter" => KeyCode::Enter,
        "esc" => KeyCode::Esc,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "backspace" => KeyCode::Backspace,
        "delete" => KeyCode::Delete,
        "space" => KeyCode::Char(' '),
        one if one.chars().count() == 1 => KeyCode::Char(one.chars().next()?),
        _ => return None,
    };
    Some((code, mods))
}

/// Turn a key string as tests write it (`"jj<enter><esc>3"`) into events.
pub fn events(keys: &str) -> Vec<KeyEvent> {
    let mut out = Vec::new();
    let mut rest = keys;
    while let Some(c) = rest.chars().next() {
        if c == '<'
            && let Some(end) = rest.find('>')
            && let Some((code, mods)) = parse_key(&rest[1..end])
        {
            out.push(KeyEvent::new(code, mods));
            rest = &rest[end + 1..];
            continue;
        }
        out.push(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_keymap_binds_every_documented_key() {
        let k = Keymap::default_keys();
        let act = |s: &str| events(s).first().and_then(|e| k.action(e));
        assert_eq!(act("q"), Some(Action::Quit));
        assert_eq!(act("<tab>"), Some(Action::NextPane));
        assert_eq!(act("<backtab>"), Some(Action::PrevPane));
        assert_eq!(act("G"), Some(Action::Bottom));
        assert_eq!(act("<ctrl-c>"), Some(Action::Quit));
        assert_eq!(act("x"), None);
        assert!(Keymap::parse("[keys]\n\"f13\" = [\"quit\", \"x\"]\n").is_err());
        let user = Keymap::default_keys()
            .merged("mine.toml", "[keys]\n\"x\" = [\"quit\", \"leave\"]\n\"q\" = [\"help\", \"help on q\"]\n")
            .unwrap();
        let act = |s: &str| events(s).first().and_then(|e| user.action(e));
        assert_eq!(
            (act("x"), act("q"), act("<tab>")),
            (Some(Action::Quit), Some(Action::Help), Some(Action::NextPane))
        );
        let bad = Keymap::default_keys().merged("mine.toml", "[keys]\n\"x\" = [\"fly\", \"?\"]\n").err().unwrap();
        assert!(bad.starts_with("mine.toml:"), "{bad}");
    }
}
