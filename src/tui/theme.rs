//! Colour themes: TOML files in `themes/`, embedded, overridable by a user file,
//! resolved once into a typed `Theme`. A bad theme is an error naming the file
//! and key, never a silent fallback. `NO_COLOR` is honoured.

use std::collections::BTreeMap;
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The themes shipped with leakline.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ThemeError {
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: [styles] {key}: unknown colour `{value}`")]
    Colour { file: String, key: String, value: String },
    #[error("unknown theme `{0}` (built in: default, high-contrast; or a path to a .toml file)")]
    Unknown(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    #[serde(default)]
    palette: BTreeMap<String, String>,
    #[serde(default)]
    styles: BTreeMap<String, RawStyle>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

/// Every style the UI uses, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub title: Style,
    pub header: Style,
    pub tab: Style,
    pub tab_active: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub critical: Style,
    pub gap: Style,
    pub key: Style,
    /// Search matches inside cells.
    pub matched: Style,
    styles: BTreeMap<String, Style>,
}

impl Theme {
    /// Parse a theme file's text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Self, ThemeError> {
        let raw: RawTheme = toml::from_str(text)
            .map_err(|e| ThemeError::Parse { file: file.into(), message: e.message().to_string() })?;
        let mut styles = BTreeMap::new();
        for (key, s) in &raw.styles {
            let colour = |v: &Option<String>| -> Result<Option<Color>, ThemeError> {
                let Some(v) = v else { return Ok(None) };
                let name = raw.palette.get(v).unwrap_or(v);
                Color::from_str(name).map(Some).map_err(|_| ThemeError::Colour {
                    file: file.into(),
                    key: key.clone(),
                    value: v.clone(),
                })
            };
            let mut style = Style::default();
            if let Some(c) = colour(&s.fg)? {
                style = style.fg(c);
            }
            if let Some(c) = colour(&s.bg)? {
                style = style.bg(c);
            }
            for (on, m) in [
                (s.bold, Modifier::BOLD),
                (s.italic, Modifier::ITALIC),
                (s.underlined, Modifier::UNDERLINED),
                (s.reversed, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(m);
                }
            }
            styles.insert(key.clone(), style);
        }
        Ok(Self::from_styles(styles))
    }

    fn from_styles(styles: BTreeMap<String, Style>) -> Self {
        let get = |k: &str| lookup(&styles, k);
        Theme {
            text: get("text"),
            muted: get("muted"),
            border: get("border"),
            title: get("title"),
            header: get("header"),
            tab: get("tab"),
            tab_active: get("tab.active"),
            selected: get("row.selected"),
            ok: get("ok"),
            warn: get("severity"),
            critical: get("severity.critical"),
            gap: get("gap"),
            key: get("key"),
            matched: get("match"),
            styles: styles.clone(),
        }
    }

    /// A style by semantic key, falling back along the dots to `text`.
    pub fn style(&self, key: &str) -> Style {
        lookup(&self.styles, key)
    }

    /// No colours at all, only emphasis (for `NO_COLOR`).
    pub fn monochrome() -> Self {
        let mut styles = BTreeMap::new();
        let bold = Style::default().add_modifier(Modifier::BOLD);
        for k in ["title", "header", "tab.active", "severity.critical", "key", "kind.exposed"] {
            styles.insert(k.to_string(), bold);
        }
        styles.insert("row.selected".into(), Style::default().add_modifier(Modifier::REVERSED));
        styles.insert("gap".into(), bold);
        styles.insert("match".into(), Style::default().add_modifier(Modifier::UNDERLINED | Modifier::BOLD));
        Self::from_styles(styles)
    }

    /// The embedded default.
    pub fn default_theme() -> Self {
        Self::named("default").unwrap_or_else(|_| Self::monochrome())
    }

    /// A built-in theme by name, or a theme file by path.
    pub fn named(name: &str) -> Result<Self, ThemeError> {
        if let Some((n, text)) = BUILT_IN.iter().find(|(n, _)| *n == name) {
            return Self::parse(&format!("themes/{n}.toml"), text);
        }
        match std::fs::read_to_string(name) {
            Ok(text) => Self::parse(name, &text),
            Err(_) => Err(ThemeError::Unknown(name.to_string())),
        }
    }

    /// The theme for this run: `NO_COLOR`, else `LEAKLINE_THEME` (a name or a path), else default.
    pub fn from_env() -> Result<Self, ThemeError> {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return Ok(Self::monochrome());
        }
        match std::env::var("LEAKLINE_THEME") {
            Ok(name) if !name.is_empty() => Self::named(&name),
            _ => Ok(Self::default_theme()),
        }
    }
}

fn lookup(styles: &BTreeMap<String, Style>, key: &str) -> Style {
    let mut k = key;
    loop {
        if let Some(s) = styles.get(k) {
            return *s;
        }
        match k.rsplit_once('.') {
            Some((parent, _)) => k = parent,
            None => return styles.get("text").copied().unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_themes_parse_and_fall_back() {
        for (name, text) in BUILT_IN {
            assert!(Theme::parse(name, text).is_ok(), "{name}");
        }
        let t = Theme::default_theme();
        assert_eq!(t.style("kind.unknown"), t.text);
        assert_eq!(t.style("severity.critical.extra"), t.critical);
    }

    #[test]
    fn a_bad_colour_names_file_and_key() {
        let err = Theme::parse("mine.toml", "[styles]\ntitle = { fg = \"ultraviolet\" }\n");
        assert_eq!(
            err.err().map(|e| e.to_string()),
            Some("mine.toml: [styles] title: unknown colour `ultraviolet`".to_string())
        );
    }
}
