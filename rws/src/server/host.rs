//! RFC 9112 §3.2: an HTTP/1.1 request names its host exactly once, and consistently.
//!
//! A request without `Host`, with two, with one that is not a host, or whose absolute-form target
//! names another host is refused with 400 before the app sees it: two parties reading the host
//! differently (a cache, a proxy, the app) is how cache poisoning and routing confusion start.

use http::header::HOST;
use http::request::Parts;
use http::uri::Authority;
use http::{HeaderValue, Version};

use crate::error::Error;

/// Checks the host of an HTTP/1.1 request; other versions carry it elsewhere (`:authority`) or
/// may omit it (HTTP/1.0).
pub(super) fn check(parts: &Parts) -> Result<(), Error> {
    if parts.version != Version::HTTP_11 {
        return Ok(());
    }
    let mut hosts = parts.headers.get_all(HOST).iter();
    let (Some(host), None) = (hosts.next(), hosts.next()) else {
        let detail = if parts.headers.contains_key(HOST) {
            "an HTTP/1.1 request must have one `Host` header, not several"
        } else {
            "an HTTP/1.1 request must have a `Host` header"
        };
        return Err(refuse(detail));
    };
    let Some(host) = authority(host) else {
        return Err(refuse("the `Host` header is not a host and optional port"));
    };
    if let Some(target) = parts.uri.authority() {
        let default = match parts.uri.scheme_str() {
            Some("https") => 443,
            _ => 80,
        };
        let same = target.host().eq_ignore_ascii_case(host.host())
            && target.port_u16().unwrap_or(default) == host.port_u16().unwrap_or(default);
        if !same {
            return Err(refuse(
                "the request target names another host than the `Host` header",
            ));
        }
    }
    Ok(())
}

/// `uri-host [ ":" port ]`, without user information; an empty `Host` is no host.
fn authority(value: &HeaderValue) -> Option<Authority> {
    let text = value.to_str().ok()?;
    if text.is_empty() || text.contains('@') {
        return None;
    }
    text.parse().ok()
}

fn refuse(detail: &'static str) -> Error {
    Error::bad_request(detail)
        .with_header(http::header::CONNECTION, HeaderValue::from_static("close"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(target: &str, version: Version, hosts: &[&str]) -> Parts {
        let mut req = http::Request::builder().uri(target).version(version);
        for h in hosts {
            req = req.header(HOST, *h);
        }
        req.body(()).unwrap().into_parts().0
    }

    #[test]
    fn one_consistent_host_for_http_1_1() {
        let ok = |t, hosts: &[&str]| check(&parts(t, Version::HTTP_11, hosts)).is_ok();
        assert!(ok("/", &["example.com"]));
        assert!(ok("/", &["example.com:8080"]));
        assert!(ok("/", &["[::1]:7878"]));
        assert!(ok("http://Example.com/a", &["example.com"]));
        assert!(ok("http://example.com:80/a", &["example.com"]));
        assert!(!ok("/", &[]));
        assert!(!ok("/", &["a.example", "b.example"]));
        assert!(!ok("/", &[""]));
        assert!(!ok("/", &["user@example.com"]));
        assert!(!ok("/", &["exa mple.com"]));
        assert!(!ok("http://a.example/", &["b.example"]));
        assert!(!ok("http://a.example:81/", &["a.example"]));
        // HTTP/1.0 may omit it; HTTP/2 carries `:authority`.
        assert!(check(&parts("/", Version::HTTP_10, &[])).is_ok());
        assert!(check(&parts("/", Version::HTTP_2, &[])).is_ok());
    }
}
