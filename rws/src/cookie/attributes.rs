//! The attributes a signed or private cookie was set with, kept inside its protected value, so
//! that a cookie re-issued under a new key (after rotation) gets them back: the request's
//! `Cookie` header carries names and values only.
//!
//! The protected value is `rws1!` + the attributes (`p=/path`, `d=domain`, `h` `HttpOnly`, `s`
//! `Secure`, `ss=Lax`, `x=` expiry in Unix seconds, `pt` `Partitioned`, each ended by `!`) + `|` +
//! the value. Cookies set before (without the envelope) read as they are.

use std::fmt::Write as _;

use cookie::SameSite;
use cookie::time::{Duration, OffsetDateTime};

use super::Cookie;

const TAG: &str = "rws1!";

/// Characters an attribute may hold inside a cookie value.
fn safe(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_graphic() && !matches!(b, b'!' | b'|' | b';' | b',' | b'"' | b'\\'))
}

/// `cookie` with its attributes folded into its value, for a keyed jar to protect.
pub(super) fn wrap(mut cookie: Cookie<'static>) -> Cookie<'static> {
    let mut meta = String::from(TAG);
    if let Some(path) = cookie.path().filter(|p| safe(p)) {
        let _ = write!(meta, "p={path}!");
    }
    if let Some(domain) = cookie.domain().filter(|d| safe(d)) {
        let _ = write!(meta, "d={domain}!");
    }
    if cookie.http_only() == Some(true) {
        meta.push_str("h!");
    }
    if cookie.secure() == Some(true) {
        meta.push_str("s!");
    }
    if let Some(same_site) = cookie.same_site() {
        let _ = write!(meta, "ss={same_site}!");
    }
    if cookie.partitioned() == Some(true) {
        meta.push_str("pt!");
    }
    let expiry = cookie
        .max_age()
        .map(|age| OffsetDateTime::now_utc() + age)
        .or_else(|| cookie.expires_datetime());
    if let Some(at) = expiry {
        let _ = write!(meta, "x={}!", at.unix_timestamp());
    }
    let value = format!("{meta}|{}", cookie.value());
    cookie.set_value(value);
    cookie
}

/// A protected cookie as read: its own value, and the attributes it was set with (when it
/// carries them). `None` when it expired since.
pub(super) fn unwrap(mut cookie: Cookie<'static>) -> Option<Cookie<'static>> {
    let Some((meta, value)) = cookie
        .value()
        .strip_prefix(TAG)
        .and_then(|rest| rest.split_once('|'))
        .map(|(meta, value)| (meta.to_owned(), value.to_owned()))
    else {
        return Some(cookie);
    };
    cookie.set_value(value);
    for item in meta.split('!').filter(|i| !i.is_empty()) {
        match item.split_once('=') {
            Some(("p", path)) => cookie.set_path(path.to_owned()),
            Some(("d", domain)) => cookie.set_domain(domain.to_owned()),
            Some(("ss", same_site)) => cookie.set_same_site(match same_site {
                "Strict" => SameSite::Strict,
                "None" => SameSite::None,
                _ => SameSite::Lax,
            }),
            Some(("x", at)) => {
                let at = at.parse::<i64>().ok()?;
                let left = at - OffsetDateTime::now_utc().unix_timestamp();
                if left <= 0 {
                    return None;
                }
                cookie.set_max_age(Duration::seconds(left));
            }
            None if item == "h" => cookie.set_http_only(true),
            None if item == "s" => cookie.set_secure(true),
            None if item == "pt" => cookie.set_partitioned(true),
            _ => {}
        }
    }
    Some(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_survive_the_round_trip() {
        let set = Cookie::build(("sid", "abc"))
            .path("/app")
            .domain("example.com")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(Duration::hours(1))
            .build();
        let wrapped = wrap(set);
        assert!(
            wrapped
                .value()
                .starts_with("rws1!p=/app!d=example.com!h!s!ss=Strict!x=")
        );
        let back = unwrap(wrapped).unwrap();
        assert_eq!(back.value(), "abc");
        assert_eq!(back.path(), Some("/app"));
        assert_eq!(back.domain(), Some("example.com"));
        assert_eq!((back.http_only(), back.secure()), (Some(true), Some(true)));
        assert_eq!(back.same_site(), Some(SameSite::Strict));
        let left = back.max_age().unwrap().whole_seconds();
        assert!((3590..=3600).contains(&left), "{left}");
        // A cookie from before the envelope reads as it is.
        let plain = Cookie::new("old", "value");
        assert_eq!(unwrap(plain).unwrap().value(), "value");
        // One whose expiry passed is gone.
        let mut expired = Cookie::new("e", "rws1!x=1000!|v");
        expired.set_path("/");
        assert!(unwrap(expired).is_none());
    }
}
