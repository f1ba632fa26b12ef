//! Where a credential may go: only to the origin (scheme, host and port) the
//! user named. A forge token, a Vault token and a ClickHouse password travel
//! in headers that HTTP clients carry along a redirect to any host, so no
//! client that sends one follows a redirect out of that origin, and no
//! next-page link out of it is asked for.

use reqwest::Url;
use reqwest::header::{HeaderMap, LOCATION};

/// Redirects within the first request's origin are followed (ten at most);
/// any other comes back as the 3xx answer itself, for the caller to refuse
/// and say why.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let home = attempt.previous().first().map(Url::origin);
        if attempt.previous().len() > 10 {
            attempt.error("more than 10 redirects")
        } else if home.is_some_and(|h| h == attempt.url().origin()) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    })
}

/// Whether `url` is on `home`'s origin.
pub fn same(home: &Url, url: &Url) -> bool {
    home.origin() == url.origin()
}

/// `scheme://host:port` and nothing more: what a message may show of an
/// address a server gave (its path and query may carry anything).
pub fn shown(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// Where a redirect answer points, shown by its origin.
pub fn redirect_target(from: &Url, headers: &HeaderMap) -> String {
    headers
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| from.join(location).ok())
        .map_or_else(|| "an address it did not give".to_string(), |u| shown(&u))
}

/// Why a redirect was not followed, in one line.
pub fn refused_redirect(what: &str, status: u16, from: &Url, headers: &HeaderMap, secret: &str) -> String {
    format!(
        "{what} answered {status}, a redirect to {} (another origin): not followed, since {secret} goes only to {}",
        redirect_target(from, headers),
        shown(from)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn origins_are_scheme_host_and_port() {
        let parse = |u: &str| Url::parse(u).unwrap_or_else(|e| panic!("{u}: {e}"));
        let home = parse("https://api.github.com/repos/o/r");
        assert!(same(&home, &parse("https://api.github.com:443/x?page=2")));
        for other in ["http://api.github.com/x", "https://api.github.com:8443/x", "https://attacker.example/x"] {
            assert!(!same(&home, &parse(other)), "{other}");
        }
        let mut headers = HeaderMap::new();
        headers.insert(LOCATION, HeaderValue::from_static("https://evil.example:8443/steal?token=x"));
        assert_eq!(redirect_target(&home, &headers), "https://evil.example:8443");
        headers.insert(LOCATION, HeaderValue::from_static("/v2/x"));
        assert_eq!(redirect_target(&home, &headers), "https://api.github.com");
    }
}
