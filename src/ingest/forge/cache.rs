//! The forge's answers on disk, one file per URL (named by its SHA-256),
//! readable by the user alone: they name people and private repositories.
//! The token is never part of a URL, so never part of a name or an entry.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::http::Page;

/// One answer as it was kept.
pub struct Cached {
    /// The forge answered 404.
    pub missing: bool,
    pub etag: Option<String>,
    pub page: Page,
}

pub struct Cache {
    dir: Option<PathBuf>,
    /// An entry larger than this was not written by leakline under the same limits: not read.
    max_entry: u64,
}

impl Cache {
    pub fn new(dir: Option<PathBuf>, max_body: u64) -> Self {
        // An entry holds the body and a few short fields beside it.
        Cache { dir, max_entry: max_body.saturating_add(64 << 10) }
    }

    fn file(&self, url: &str) -> Option<PathBuf> {
        let digest = Sha256::digest(url.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.dir.as_ref().map(|dir| dir.join(format!("{name}.json")))
    }

    pub fn read(&self, url: &str) -> Option<Cached> {
        let path = self.file(url)?;
        let size = std::fs::metadata(&path).ok()?.len();
        if size > self.max_entry {
            return None;
        }
        let text = std::fs::read_to_string(path).ok()?;
        let v: Value = serde_json::from_str(&text).ok()?;
        // A hash collision, or a file written by something else: not this answer.
        if v.get("url").and_then(Value::as_str) != Some(url) {
            return None;
        }
        Some(Cached {
            missing: v.get("status").and_then(Value::as_u64) == Some(404),
            etag: v.get("etag").and_then(Value::as_str).map(str::to_string),
            page: Page {
                body: v.get("body").cloned().unwrap_or(Value::Null),
                next: v.get("next").and_then(Value::as_str).map(str::to_string),
                size,
            },
        })
    }

    pub fn write(&self, url: &str, page: &Page, etag: Option<&str>, missing: bool) {
        let Some(path) = self.file(url) else { return };
        let entry =
            Entry { url, status: if missing { 404 } else { 200 }, etag, next: page.next.as_deref(), body: &page.body };
        let Ok(bytes) = serde_json::to_vec(&entry) else { return };
        // The cache is an optimisation: a full disk loses speed, not answers.
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let partial = path.with_extension(format!("{}.partial", std::process::id()));
            if write_private(&partial, &bytes).is_ok() {
                let _ = std::fs::rename(&partial, &path);
            }
        }
    }
}

/// An entry as written: the body borrowed, not copied (an answer near the
/// limit costs several times its size as a tree of values already).
#[derive(serde::Serialize)]
struct Entry<'a> {
    url: &'a str,
    status: u16,
    etag: Option<&'a str>,
    next: Option<&'a str>,
    body: &'a Value,
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}
