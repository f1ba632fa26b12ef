//! What a long read is doing, for whoever watches (the TUI's Sources pane):
//! told by the source's path, as often as the reader has news.

use std::sync::Arc;

type Tell = dyn Fn(&str, String) + Send + Sync;

/// A session's listener; the default tells no one.
#[derive(Clone, Default)]
pub struct Progress(Option<Arc<Tell>>);

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "Progress(listening)" } else { "Progress(none)" })
    }
}

impl Progress {
    pub fn new(tell: impl Fn(&str, String) + Send + Sync + 'static) -> Self {
        Progress(Some(Arc::new(tell)))
    }

    /// `note` about the source read from `path` (as `SourceSpec::path` shows it).
    pub fn tell(&self, path: &str, note: String) {
        if let Some(tell) = &self.0 {
            tell(path, note);
        }
    }
}
