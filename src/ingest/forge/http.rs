//! A well-mannered forge client: every answer cached on disk by URL and
//! revalidated with its ETag (a `304` costs no rate limit), `Link` and
//! `X-Next-Page` pagination, waits for a short rate-limit reset and stops on a
//! long one, retries with backoff on 5xx, resets and timeouts, and stops
//! everything after a `401`. The token goes into one header and nowhere else:
//! not the cache, not an error, not a log.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::blocking::Client;
use reqwest::header::{ACCEPT, ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER, USER_AGENT};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Tries of one request (the first and the retries).
const TRIES: u32 = 4;
const UNREACHABLE: &str = "the forge could not be reached";
/// Pages of one listing at most (100 items each).
pub const MAX_PAGES: usize = 100;

/// Why a request has no answer. Messages never carry the token or a header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("not in the cache, and --offline makes no request")]
    NotCached,
    #[error("not found (404)")]
    NotFound,
    /// No further request is made: the token was refused, or the rate limit resets too late.
    #[error("{0}")]
    Stopped(String),
    #[error("{0}")]
    Failed(String),
}

/// How the client behaves; the defaults suit the public APIs.
#[derive(Debug, Clone)]
pub struct Manners {
    pub offline: bool,
    /// The on-disk cache; `None`: nothing kept.
    pub cache: Option<PathBuf>,
    /// The longest rate-limit wait worth sitting out.
    pub max_wait: Duration,
    /// The first retry's delay; it doubles for each further try.
    pub backoff: Duration,
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
}

impl Default for Manners {
    fn default() -> Self {
        Manners {
            offline: false,
            cache: None,
            max_wait: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
        }
    }
}

/// One page of an answer, and where the next one is.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Value,
    pub next: Option<String>,
}

/// Counts of what the client did, for the input summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub requests: usize,
    pub revalidated: usize,
    pub from_cache: usize,
}

pub struct Http {
    client: Client,
    /// Header name and value carrying the token.
    auth: Option<(&'static str, String)>,
    accept: &'static str,
    manners: Manners,
    requests: AtomicUsize,
    revalidated: AtomicUsize,
    from_cache: AtomicUsize,
    stopped: Mutex<Option<String>>,
}

impl Http {
    pub fn new(
        auth: Option<(&'static str, String)>,
        accept: &'static str,
        manners: Manners,
    ) -> Result<Self, HttpError> {
        let client = Client::builder()
            .connect_timeout(manners.connect_timeout)
            .timeout(manners.read_timeout)
            .build()
            .map_err(|_| HttpError::Failed("could not set up an HTTP client".into()))?;
        Ok(Http {
            client,
            auth,
            accept,
            manners,
            requests: AtomicUsize::new(0),
            revalidated: AtomicUsize::new(0),
            from_cache: AtomicUsize::new(0),
            stopped: Mutex::new(None),
        })
    }

    pub fn counts(&self) -> Counts {
        Counts {
            requests: self.requests.load(Ordering::Relaxed),
            revalidated: self.revalidated.load(Ordering::Relaxed),
            from_cache: self.from_cache.load(Ordering::Relaxed),
        }
    }

    /// Why requests stopped, if they did.
    pub fn stopped(&self) -> Option<String> {
        self.stopped.lock().ok().and_then(|s| s.clone())
    }

    fn stop(&self, why: String) -> HttpError {
        if let Ok(mut s) = self.stopped.lock() {
            s.get_or_insert(why.clone());
        }
        HttpError::Stopped(why)
    }

    /// Every page of a listing, concatenated.
    pub fn get_all(&self, url: &str) -> Result<Vec<Value>, HttpError> {
        self.get_all_sealed(url, |_| {})
    }

    /// Every page of a listing, each answer passed through `seal` before it
    /// is cached or returned: what must never be written is gone by then.
    pub fn get_all_sealed(&self, url: &str, seal: fn(&mut Value)) -> Result<Vec<Value>, HttpError> {
        let mut out = Vec::new();
        let mut next = Some(url.to_string());
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let page = self.fetch(&url, seal)?;
            match page.body {
                Value::Array(items) => out.extend(items),
                other => out.push(other),
            }
            next = page.next;
        }
        Ok(out)
    }

    /// One answer: from the cache when offline or when the forge says it has
    /// not changed, else from the forge (and then cached).
    pub fn get(&self, url: &str) -> Result<Page, HttpError> {
        self.fetch(url, |_| {})
    }

    fn fetch(&self, url: &str, seal: fn(&mut Value)) -> Result<Page, HttpError> {
        let cached = self.read_cache(url);
        if self.manners.offline {
            self.from_cache.fetch_add(usize::from(cached.is_some()), Ordering::Relaxed);
            return match cached {
                Some(c) if c.missing => Err(HttpError::NotFound),
                Some(c) => Ok(c.page),
                None => Err(HttpError::NotCached),
            };
        }
        if let Some(why) = self.stopped() {
            return Err(HttpError::Stopped(why));
        }
        let mut last = String::new();
        for attempt in 0..TRIES {
            let mut request = self
                .client
                .get(url)
                .header(ACCEPT, self.accept)
                .header(USER_AGENT, concat!("leakline/", env!("CARGO_PKG_VERSION")));
            if self.accept.contains("github") {
                request = request.header("X-GitHub-Api-Version", "2022-11-28");
            }
            if let Some(etag) = cached.as_ref().and_then(|c| c.etag.as_deref()) {
                request = request.header(IF_NONE_MATCH, etag);
            }
            if let Some((name, value)) = &self.auth {
                request = request.header(*name, value);
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let response = match request.send() {
                Ok(r) => r,
                Err(e) => {
                    last = if e.is_timeout() { "timed out".into() } else { UNREACHABLE.into() };
                    self.pause(attempt);
                    continue;
                }
            };
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            match status {
                304 => {
                    if let Some(c) = cached {
                        self.revalidated.fetch_add(1, Ordering::Relaxed);
                        return Ok(c.page);
                    }
                    return Err(HttpError::Failed("304 for an answer not in the cache".into()));
                }
                200..=299 => {
                    let text = response.text().map_err(|_| HttpError::Failed("the answer was cut off".into()));
                    let mut body: Value = match text {
                        Ok(t) => {
                            serde_json::from_str(&t).map_err(|_| HttpError::Failed("the answer is not JSON".into()))?
                        }
                        Err(e) => {
                            last = e.to_string();
                            self.pause(attempt);
                            continue;
                        }
                    };
                    seal(&mut body);
                    let page = Page { body, next: next_page(url, &headers) };
                    let etag = headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
                    self.write_cache(url, &page, etag.as_deref(), false);
                    return Ok(page);
                }
                401 => return Err(self.stop("the forge refused the token (401); no further request was made".into())),
                403 | 429 => match rate_limit_wait(&headers) {
                    Some(wait) if wait <= self.manners.max_wait && attempt + 1 < TRIES => {
                        std::thread::sleep(wait);
                        last = format!("rate limited ({status})");
                    }
                    Some(wait) => {
                        return Err(self.stop(format!(
                            "the forge's rate limit ({status}) resets in {}s, longer than leakline waits; no further request was made",
                            wait.as_secs()
                        )));
                    }
                    None if status == 429 => {
                        last = "rate limited (429)".into();
                        self.pause(attempt);
                    }
                    None => return Err(HttpError::Failed("forbidden (403): the token may lack access".into())),
                },
                404 | 410 => {
                    // Kept so that --offline gives the same answer; asked again when online.
                    self.write_cache(url, &Page { body: Value::Null, next: None }, None, true);
                    return Err(HttpError::NotFound);
                }
                500..=599 => {
                    last = format!("the forge answered {status}");
                    self.pause(attempt);
                }
                other => return Err(HttpError::Failed(format!("the forge answered {other}"))),
            }
        }
        if last == UNREACHABLE {
            // No network, or the wrong address: every other request would wait the same way.
            return Err(self.stop(format!("{UNREACHABLE} ({TRIES} tries); no further request was made")));
        }
        Err(HttpError::Failed(format!("{last}, {TRIES} tries")))
    }

    fn pause(&self, attempt: u32) {
        if attempt + 1 < TRIES {
            std::thread::sleep(self.manners.backoff * 2u32.pow(attempt));
        }
    }

    fn cache_file(&self, url: &str) -> Option<PathBuf> {
        let digest = Sha256::digest(url.as_bytes());
        let name: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        self.manners.cache.as_ref().map(|dir| dir.join(format!("{name}.json")))
    }

    fn read_cache(&self, url: &str) -> Option<Cached> {
        let text = std::fs::read_to_string(self.cache_file(url)?).ok()?;
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
            },
        })
    }

    fn write_cache(&self, url: &str, page: &Page, etag: Option<&str>, missing: bool) {
        let Some(path) = self.cache_file(url) else { return };
        let status = if missing { 404 } else { 200 };
        let entry =
            serde_json::json!({ "url": url, "status": status, "etag": etag, "next": page.next, "body": page.body });
        // The cache is an optimisation: a full disk loses speed, not answers.
        if let Some(dir) = path.parent()
            && std::fs::create_dir_all(dir).is_ok()
        {
            let partial = path.with_extension(format!("{}.partial", std::process::id()));
            if write_private(&partial, entry.to_string().as_bytes()).is_ok() {
                let _ = std::fs::rename(&partial, &path);
            }
        }
    }
}

/// Readable by the user alone: the answers name people and private repositories.
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(bytes)
}

struct Cached {
    /// The forge answered 404.
    missing: bool,
    etag: Option<String>,
    page: Page,
}

/// How long the forge asks to wait: `Retry-After` (seconds), else the reset
/// time of an exhausted limit (`X-RateLimit-Reset`, GitLab's `RateLimit-Reset`).
fn rate_limit_wait(headers: &HeaderMap) -> Option<Duration> {
    let number =
        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    if let Some(seconds) =
        headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(Duration::from_secs(seconds));
    }
    let exhausted = number("x-ratelimit-remaining") == Some(0) || number("ratelimit-remaining") == Some(0);
    let reset = number("x-ratelimit-reset").or_else(|| number("ratelimit-reset"))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    exhausted.then(|| Duration::from_secs(reset.saturating_sub(now)))
}

/// The next page: the `Link` header's `rel="next"`, else GitLab's
/// `X-Next-Page` put into the URL's `page` parameter.
fn next_page(url: &str, headers: &HeaderMap) -> Option<String> {
    if let Some(link) = headers.get("link").and_then(|v| v.to_str().ok()) {
        let next = link.split(',').find_map(|part| {
            let (target, params) = part.split_once(';')?;
            params
                .split(';')
                .any(|p| p.trim() == "rel=\"next\"")
                .then(|| target.trim().trim_matches(['<', '>']).to_string())
        });
        if next.is_some() {
            return next;
        }
    }
    let page = headers.get("x-next-page").and_then(|v| v.to_str().ok()).map(str::trim).filter(|p| !p.is_empty())?;
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut params: Vec<String> =
        query.split('&').filter(|p| !p.is_empty() && !p.starts_with("page=")).map(str::to_string).collect();
    params.push(format!("page={page}"));
    Some(format!("{base}?{}", params.join("&")))
}

/// Run `work` over `items` on a few threads (the forge limits concurrency).
pub fn each_parallel<T: Sync, R: Send>(items: &[T], threads: usize, work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::with_capacity(items.len()));
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = work(item);
                    if let Ok(mut out) = results.lock() {
                        out.push((i, r));
                    }
                }
            });
        }
    });
    let mut out = results.into_inner().unwrap_or_default();
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn pages_follow_link_headers_and_gitlab_next_page() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://api.github.com/repositories/1/pulls/2/reviews?per_page=100&page=2>; rel=\"next\", <https://api.github.com/repositories/1/pulls/2/reviews?per_page=100&page=3>; rel=\"last\"",
            ),
        );
        assert_eq!(
            next_page("https://api.github.com/repos/o/r/pulls/2/reviews?per_page=100", &h).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/reviews?per_page=100&page=2")
        );
        let mut g = HeaderMap::new();
        g.insert("x-next-page", HeaderValue::from_static("3"));
        assert_eq!(
            next_page("http://h/api/v4/x?per_page=100&page=2", &g).as_deref(),
            Some("http://h/api/v4/x?per_page=100&page=3")
        );
        g.insert("x-next-page", HeaderValue::from_static(""));
        assert_eq!(next_page("http://h/api/v4/x", &g), None, "the last page");
    }

    #[test]
    fn waits_come_from_retry_after_or_an_exhausted_limit() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("7"));
        assert_eq!(rate_limit_wait(&h), Some(Duration::from_secs(7)));
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("12"));
        h.insert("x-ratelimit-reset", HeaderValue::from_static("1"));
        assert_eq!(rate_limit_wait(&h), None, "a limit not exhausted is no reason to wait");
        h.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        assert_eq!(rate_limit_wait(&h), Some(Duration::ZERO), "a reset in the past");
    }
}
