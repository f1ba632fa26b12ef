//! A well-mannered forge client: every answer cached on disk by URL and
//! revalidated with its ETag (a `304` costs no rate limit), `Link` and
//! `X-Next-Page` pagination, waits for a short rate-limit reset and stops on a
//! long one, retries with backoff on 5xx, resets and timeouts, and stops
//! everything after a `401`. The token goes into one header and nowhere else:
//! not the cache, not an error, not a log; and only to the origin of the API
//! address (`same_origin`): a next page or a redirect elsewhere is refused.
//! Every answer is bounded in size (`--max-input`) and in time (a deadline
//! for each request, its tries together).

use std::io::Read;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use reqwest::Url;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, ETAG, HeaderMap, IF_NONE_MATCH, RETRY_AFTER, USER_AGENT};
use serde_json::Value;

use super::cache::Cache;
use crate::ingest::limits;
use crate::ingest::same_origin;

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
    /// The rate-limit waits worth sitting out, every request's together.
    pub max_wait: Duration,
    /// The first retry's delay; it doubles for each further try.
    pub backoff: Duration,
    pub connect_timeout: Duration,
    /// One try, from sending it to the answer's last byte.
    pub read_timeout: Duration,
    /// One request, its tries and pauses together (rate-limit waits apart):
    /// a forge that trickles its answer costs this, not the tries' sum.
    pub deadline: Duration,
    /// The largest answer read, as for a file read whole (`--max-input`).
    pub max_body: u64,
}

impl Default for Manners {
    fn default() -> Self {
        Manners {
            offline: false,
            cache: None,
            max_wait: Duration::from_secs(60),
            backoff: Duration::from_millis(500),
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(20),
            deadline: Duration::from_secs(45),
            max_body: limits::Limits::default().max_input,
        }
    }
}

/// One page of an answer, and where the next one is.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Value,
    pub next: Option<String>,
    /// Bytes the answer took (as sent, or as cached): a listing's pages count together.
    pub size: u64,
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
    /// The API address the user named (or the public forge's): the only origin asked.
    home: Url,
    /// Header name and value carrying the token.
    auth: Option<(&'static str, String)>,
    accept: &'static str,
    manners: Manners,
    cache: Cache,
    requests: AtomicUsize,
    revalidated: AtomicUsize,
    from_cache: AtomicUsize,
    stopped: Mutex<Option<String>>,
    /// Rate-limit waits sat out so far (or being sat out), every request's together.
    waited: Mutex<Duration>,
}

/// Why an answer's body was not taken.
enum Body {
    TooLarge,
    Cut,
}

impl Http {
    pub fn new(
        api: &str,
        auth: Option<(&'static str, String)>,
        accept: &'static str,
        manners: Manners,
    ) -> Result<Self, HttpError> {
        let home = Url::parse(api).map_err(|_| HttpError::Failed("the forge's API address is no URL".into()))?;
        let client = Client::builder()
            .connect_timeout(manners.connect_timeout)
            .timeout(manners.read_timeout)
            .redirect(same_origin::redirect_policy())
            .build()
            .map_err(|_| HttpError::Failed("could not set up an HTTP client".into()))?;
        Ok(Http {
            client,
            home,
            auth,
            accept,
            cache: Cache::new(manners.cache.clone(), manners.max_body),
            manners,
            requests: AtomicUsize::new(0),
            revalidated: AtomicUsize::new(0),
            from_cache: AtomicUsize::new(0),
            stopped: Mutex::new(None),
            waited: Mutex::new(Duration::ZERO),
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
    /// is cached or returned: what must never be written is gone by then. The
    /// pages together are bounded as one answer is (`max_body`).
    pub fn get_all_sealed(&self, url: &str, seal: fn(&mut Value)) -> Result<Vec<Value>, HttpError> {
        let mut out = Vec::new();
        let mut next = Some(url.to_string());
        let mut total = 0u64;
        for _ in 0..MAX_PAGES {
            let Some(url) = next.take() else { break };
            let page = self.fetch(&url, seal)?;
            total = total.saturating_add(page.size);
            if total > self.manners.max_body {
                return Err(HttpError::Failed(format!(
                    "the listing's pages are larger than {} together (--max-input): not read on",
                    limits::shown(self.manners.max_body)
                )));
            }
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

    /// `url` parsed, if it is on the forge's own origin: nothing else is asked.
    fn at_home(&self, url: &str) -> Result<Url, HttpError> {
        match Url::parse(url) {
            Ok(u) if same_origin::same(&self.home, &u) => Ok(u),
            Ok(u) => Err(HttpError::Failed(format!(
                "{} is not the forge's address ({}): not asked, the token goes only there",
                same_origin::shown(&u),
                same_origin::shown(&self.home)
            ))),
            Err(_) => Err(HttpError::Failed("not an address: not asked".into())),
        }
    }

    fn fetch(&self, url: &str, seal: fn(&mut Value)) -> Result<Page, HttpError> {
        let cached = self.cache.read(url);
        if self.manners.offline {
            self.from_cache.fetch_add(usize::from(cached.is_some()), Ordering::Relaxed);
            return match cached {
                Some(c) if c.missing => Err(HttpError::NotFound),
                Some(c) => Ok(c.page),
                None => Err(HttpError::NotCached),
            };
        }
        let target = self.at_home(url)?;
        if let Some(why) = self.stopped() {
            return Err(HttpError::Stopped(why));
        }
        let mut started = Instant::now();
        let mut last = String::new();
        let mut tries = 0;
        for attempt in 0..TRIES {
            let left = self.manners.deadline.saturating_sub(started.elapsed());
            if left.is_zero() {
                break;
            }
            let limit = left.min(self.manners.read_timeout);
            let mut request = self
                .client
                .get(target.clone())
                .timeout(limit)
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
            tries += 1;
            let this_try = Instant::now();
            let timed_out = || this_try.elapsed() >= limit;
            let response = match request.send() {
                Ok(r) => r,
                Err(e) => {
                    last = if e.is_timeout() || timed_out() { "timed out".into() } else { UNREACHABLE.into() };
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
                    let bytes = match self.body(response) {
                        Ok(bytes) => bytes,
                        Err(Body::TooLarge) => {
                            return Err(HttpError::Failed(format!(
                                "the answer is larger than {} (--max-input, as for a file read whole): not read",
                                limits::shown(self.manners.max_body)
                            )));
                        }
                        Err(Body::Cut) => {
                            last = if timed_out() { "timed out".into() } else { "the answer was cut off".into() };
                            self.pause(attempt);
                            continue;
                        }
                    };
                    let size = bytes.len();
                    let mut body: Value = serde_json::from_slice(&bytes)
                        .map_err(|_| HttpError::Failed("the answer is not JSON".into()))?;
                    drop(bytes);
                    seal(&mut body);
                    let next = next_page(url, &headers);
                    if let Some(next) = next.as_deref().filter(|n| self.at_home(n).is_err()) {
                        return Err(self.elsewhere(next));
                    }
                    let page = Page { body, next, size: size as u64 };
                    let etag = headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_string);
                    self.cache.write(url, &page, etag.as_deref(), false);
                    return Ok(page);
                }
                300..=399 => {
                    return Err(HttpError::Failed(same_origin::refused_redirect(
                        "the forge",
                        status,
                        &target,
                        &headers,
                        "the token",
                    )));
                }
                401 => return Err(self.stop("the forge refused the token (401); no further request was made".into())),
                403 | 429 => match rate_limit_wait(&headers) {
                    Some(wait) => {
                        self.sit_out(wait, status, attempt + 1 == TRIES)?;
                        // The wait is the forge's, not this request's time.
                        started += wait;
                        last = format!("rate limited ({status})");
                    }
                    None if status == 429 => {
                        last = "rate limited (429)".into();
                        self.pause(attempt);
                    }
                    None => return Err(HttpError::Failed("forbidden (403): the token may lack access".into())),
                },
                404 | 410 => {
                    // Kept so that --offline gives the same answer; asked again when online.
                    self.cache.write(url, &Page { body: Value::Null, next: None, size: 0 }, None, true);
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
            return Err(self.stop(format!("{UNREACHABLE} ({tries} tries); no further request was made")));
        }
        if started.elapsed() >= self.manners.deadline {
            // A forge this slow (or trickling on purpose) would take as long for every request.
            return Err(self.stop(format!(
                "the forge gave no whole answer within {}s ({last}, {tries} tries); no further request was made",
                self.manners.deadline.as_secs_f32()
            )));
        }
        Err(HttpError::Failed(format!("{last}, {tries} tries")))
    }

    /// The body, at most `max_body` bytes of it; a longer one is not read on.
    fn body(&self, mut response: Response) -> Result<Vec<u8>, Body> {
        let max = self.manners.max_body;
        if response.content_length().is_some_and(|n| n > max) {
            return Err(Body::TooLarge);
        }
        let mut bytes = Vec::new();
        match (&mut response).take(max.saturating_add(1)).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > max => Err(Body::TooLarge),
            Ok(_) => Ok(bytes),
            Err(_) => Err(Body::Cut),
        }
    }

    /// A next page on another origin: the listing stops, incomplete, and says so.
    fn elsewhere(&self, next: &str) -> HttpError {
        let there = Url::parse(next).map_or_else(|_| "an address that is no URL".into(), |u| same_origin::shown(&u));
        HttpError::Failed(format!(
            "the next page is on {there} (another origin): not asked, since the token goes only to {}; the list is incomplete",
            same_origin::shown(&self.home)
        ))
    }

    /// Sit out a rate-limit wait if the run's waits stay within `max_wait`,
    /// else stop every request, saying how long was asked and was waited.
    fn sit_out(&self, wait: Duration, status: u16, last_try: bool) -> Result<(), HttpError> {
        let waited = {
            let Ok(mut waited) = self.waited.lock() else { return Err(HttpError::Failed("rate limited".into())) };
            let before = *waited;
            if before + wait <= self.manners.max_wait && !last_try {
                *waited += wait;
                None
            } else {
                Some(before)
            }
        };
        match waited {
            None => {
                std::thread::sleep(wait);
                Ok(())
            }
            Some(before) => {
                let spent = if before.is_zero() {
                    String::new()
                } else {
                    format!(", {}s of it waited already", before.as_secs())
                };
                Err(self.stop(format!(
                    "the forge's rate limit ({status}) resets in {}s; leakline waits {}s at most in all{spent}; no further request was made",
                    wait.as_secs(),
                    self.manners.max_wait.as_secs()
                )))
            }
        }
    }

    fn pause(&self, attempt: u32) {
        if attempt + 1 < TRIES {
            std::thread::sleep(self.manners.backoff * 2u32.pow(attempt));
        }
    }
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
            params.split(';').any(|p| p.trim() == "rel=\"next\"").then(|| target.trim().trim_matches(['<', '>']))
        });
        // Relative to the page it came with; where it leads is judged by the caller.
        let next = next.map(|t| Url::parse(url).and_then(|u| u.join(t)).map_or_else(|_| t.to_string(), String::from));
        if next.is_some() {
            return next;
        }
    }
    let page = headers
        .get("x-next-page")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))?;
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
