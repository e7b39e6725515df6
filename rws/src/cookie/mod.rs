//! Cookies (feature `cookies`, the `cookie` crate): a [`CookieJar`] to read the request's
//! cookies and set response cookies, and [`SignedCookieJar`] (HMAC-SHA256, readable but
//! tamper-evident) and [`PrivateCookieJar`] (AES-256-GCM, unreadable and tamper-evident) keyed
//! by the app's [`CookieKeys`], which rotate.
//!
//! Every jar is both an extractor and a response part: take it, change it, return it with the
//! body, and the changes become `Set-Cookie` headers.
//!
//! ```
//! use rws::prelude::*;
//! use rws::cookie::{Cookie, CookieJar, CookieKeys, Key, SameSite, SignedCookieJar};
//!
//! async fn visit(jar: CookieJar) -> (CookieJar, String) {
//!     let n = jar.get("visits").and_then(|c| c.value().parse::<u32>().ok()).unwrap_or(0) + 1;
//!     let cookie = Cookie::build(("visits", n.to_string()))
//!         .http_only(true)
//!         .same_site(SameSite::Lax)
//!         .path("/");
//!     (jar.add(cookie), format!("visit number {n}"))
//! }
//!
//! async fn who(jar: SignedCookieJar) -> String {
//!     // `None` for a missing cookie and for one whose signature does not verify.
//!     jar.get("user").map_or("nobody".into(), |c| c.value().to_owned())
//! }
//!
//! let app = App::new()
//!     .state(CookieKeys::new(Key::generate()))
//!     .get("/visit", visit)
//!     .get("/who", who);
//! # let _ = app;
//! ```

mod attributes;
mod jar;
mod keyed;

/// The `time` crate the cookie types use (`Max-Age` is a `time::Duration`, `Expires` a
/// `time::OffsetDateTime`).
pub use cookie::time;
pub use cookie::{Cookie, CookieBuilder, Expiration, Key, SameSite};
pub use jar::CookieJar;
pub use keyed::{CookieKeys, PrivateCookieJar, SignedCookieJar};

use http::HeaderMap;
use http::header::COOKIE;

/// Every well-formed cookie of the request's `Cookie` headers. A pair that does not parse, or
/// a header that is not text, is skipped: a request that does not need it must not fail.
pub(crate) fn parse(headers: &HeaderMap) -> impl Iterator<Item = Cookie<'static>> + '_ {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| Cookie::split_parse_encoded(value.to_owned()))
        .filter_map(Result::ok)
}

/// The value of the request's cookie `name`, the first if it was sent twice.
pub(crate) fn value(headers: &HeaderMap, name: &str) -> Option<String> {
    parse(headers)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// Appends a `Set-Cookie` header for each cookie of `delta`.
pub(crate) fn set_cookies<'a>(
    res: &mut crate::Response,
    delta: impl Iterator<Item = &'a Cookie<'static>>,
) -> Result<(), crate::Error> {
    for cookie in delta {
        let value = http::HeaderValue::try_from(cookie.encoded().to_string()).map_err(|e| {
            crate::Error::internal(format!(
                "cookie `{}` is not a valid header: {e}",
                cookie.name()
            ))
        })?;
        res.headers_mut().append(http::header::SET_COOKIE, value);
    }
    Ok(())
}
