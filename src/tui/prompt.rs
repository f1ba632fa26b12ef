//! The one-line prompt under the panes (`/` search, `:` commands): editing,
//! history and completion. While it is open every key goes to it, none to the panes.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromptKind {
    Search,
    Command,
    /// A verdict and a note on the selected row.
    Annotate,
}

impl PromptKind {
    pub fn sigil(self) -> char {
        match self {
            PromptKind::Search => '/',
            PromptKind::Command => ':',
            PromptKind::Annotate => '✎',
        }
    }
}

/// What a key did to the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// The text changed (an incremental search follows it).
    Changed,
    /// Only the cursor moved, or nothing happened.
    Moved,
    Submitted(String),
    Cancelled,
    /// Tab: the caller offers completions of the text so far.
    Complete,
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub text: String,
    /// Cursor position in characters.
    pub cursor: usize,
    /// Position in the history while browsing it with Up/Down.
    browsing: Option<usize>,
    /// Completions offered for the text before the last Tab, and which is shown.
    pub completions: Vec<String>,
    completing: Option<(String, usize)>,
}

impl Prompt {
    pub fn new(kind: PromptKind, text: &str) -> Self {
        Self {
            kind,
            text: text.to_string(),
            cursor: text.chars().count(),
            browsing: None,
            completions: Vec::new(),
            completing: None,
        }
    }

    fn byte(&self, chars: usize) -> usize {
        self.text.char_indices().nth(chars).map_or(self.text.len(), |(b, _)| b)
    }

    fn set(&mut self, text: String) {
        self.cursor = text.chars().count();
        self.text = text;
    }

    /// Apply one key, with the history of earlier submissions (oldest first).
    pub fn key(&mut self, key: &KeyEvent, history: &[String]) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if key.code != KeyCode::Tab && key.code != KeyCode::BackTab {
            self.completing = None;
            self.completions.clear();
        }
        match key.code {
            KeyCode::Esc => Edit::Cancelled,
            KeyCode::Char('c' | 'g') if ctrl => Edit::Cancelled,
            KeyCode::Enter => Edit::Submitted(self.text.clone()),
            KeyCode::Tab => Edit::Complete,
            KeyCode::Char('u') if ctrl => {
                self.set(String::new());
                Edit::Changed
            }
            KeyCode::Char('a') if ctrl => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::Char('e') if ctrl => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            KeyCode::Char('w') if ctrl => {
                let at = self.byte(self.cursor);
                let kept = self.text[..at].trim_end();
                let start = kept.rfind(' ').map_or(0, |i| i + 1);
                self.text.replace_range(start..at, "");
                self.cursor = self.text[..start].chars().count();
                Edit::Changed
            }
            KeyCode::Char(c) if !ctrl => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
                Edit::Changed
            }
            KeyCode::Backspace => {
                if self.cursor == 0 {
                    // Backspace on an empty prompt leaves it, as in vim and less.
                    return if self.text.is_empty() { Edit::Cancelled } else { Edit::Moved };
                }
                let at = self.byte(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
                Edit::Changed
            }
            KeyCode::Delete => {
                if self.cursor < self.text.chars().count() {
                    let at = self.byte(self.cursor);
                    self.text.remove(at);
                    return Edit::Changed;
                }
                Edit::Moved
            }
            KeyCode::Left => {
                self.cursor = self.cursor.saturating_sub(1);
                Edit::Moved
            }
            KeyCode::Right => {
                self.cursor = (self.cursor + 1).min(self.text.chars().count());
                Edit::Moved
            }
            KeyCode::Home => {
                self.cursor = 0;
                Edit::Moved
            }
            KeyCode::End => {
                self.cursor = self.text.chars().count();
                Edit::Moved
            }
            KeyCode::Up if !history.is_empty() => {
                let at = self.browsing.map_or(history.len() - 1, |i| i.saturating_sub(1));
                self.browsing = Some(at);
                self.set(history[at].clone());
                Edit::Changed
            }
            KeyCode::Down => match self.browsing {
                Some(i) if i + 1 < history.len() => {
                    self.browsing = Some(i + 1);
                    self.set(history[i + 1].clone());
                    Edit::Changed
                }
                Some(_) => {
                    self.browsing = None;
                    self.set(String::new());
                    Edit::Changed
                }
                None => Edit::Moved,
            },
            _ => Edit::Moved,
        }
    }

    /// Tab: complete the last word from `candidates` (full texts of the prompt
    /// that would be offered); repeated Tabs cycle through them.
    pub fn complete(&mut self, candidates: impl FnOnce(&str) -> Vec<String>) {
        let (base, next) = match self.completing.take() {
            Some((base, i)) => (base, i + 1),
            None => {
                let base = self.text.clone();
                self.completions = candidates(&base);
                (base, 0)
            }
        };
        if self.completions.is_empty() {
            return;
        }
        let i = next % self.completions.len();
        let chosen = self.completions[i].clone();
        self.set(chosen);
        self.completing = Some((base, i));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::events;

    fn typed(p: &mut Prompt, keys: &str, history: &[String]) -> Vec<Edit> {
        events(keys).iter().map(|k| p.key(k, history)).collect()
    }

    #[test]
    fn editing_keys_edit_and_history_comes_back_with_up() {
        let mut p = Prompt::new(PromptKind::Search, "");
        typed(&mut p, "45.148", &[]);
        assert_eq!((p.text.as_str(), p.cursor), ("45.148", 6));
        typed(&mut p, "<left><left>x", &[]);
        assert_eq!(p.text, "45.1x48");
        typed(&mut p, "<ctrl-u>", &[]);
        assert_eq!(p.text, "");
        let history = vec!["first".to_string(), "second".to_string()];
        typed(&mut p, "<up>", &history);
        assert_eq!(p.text, "second");
        typed(&mut p, "<up><up>", &history);
        assert_eq!(p.text, "first");
        typed(&mut p, "<down>", &history);
        assert_eq!(p.text, "second");
        assert_eq!(typed(&mut p, "<enter>", &history), vec![Edit::Submitted("second".into())]);
        // q, j, G and the digits are text in a prompt, not pane keys.
        let mut p = Prompt::new(PromptKind::Command, "");
        assert!(typed(&mut p, "qjG5", &[]).iter().all(|e| *e == Edit::Changed));
        assert_eq!(p.text, "qjG5");
    }

    #[test]
    fn tab_cycles_through_the_completions_of_what_was_typed() {
        let mut p = Prompt::new(PromptKind::Command, "ex");
        let offer = |base: &str| {
            assert_eq!(base, "ex");
            vec!["export md".to_string(), "export json".to_string()]
        };
        p.complete(offer);
        assert_eq!(p.text, "export md");
        p.complete(|_| unreachable!("the first Tab's completions are kept"));
        assert_eq!(p.text, "export json");
        p.complete(|_| Vec::new());
        assert_eq!(p.text, "export md");
        assert_eq!(typed(&mut p, "<backspace><backspace><backspace><backspace><backspace>", &[]).len(), 5);
        assert_eq!(typed(&mut p, "<backspace><backspace><backspace><backspace><backspace>", &[])[4], Edit::Cancelled);
    }
}
