//! `CookieJar`: the request's cookies, and the cookies to set.

use std::convert::Infallible;
use std::fmt;

use http::request::Parts;

use super::{Cookie, parse, set_cookies};
use crate::extract::FromRequestParts;
use crate::response::{IntoResponse, IntoResponseParts};
use crate::{Error, Response};

/// The request's cookies, as an extractor that never fails; returned from a handler (alone or
/// before the body in a tuple), what was added or removed becomes `Set-Cookie` headers.
#[derive(Clone, Default)]
pub struct CookieJar {
    jar: cookie::CookieJar,
}

impl fmt::Debug for CookieJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.jar.iter().map(Cookie::name).collect();
        f.debug_struct("CookieJar")
            .field("cookies", &names)
            .finish()
    }
}

impl FromRequestParts for CookieJar {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts) -> Result<Self, Infallible> {
        Ok(CookieJar::from_headers(&parts.headers))
    }
}

impl CookieJar {
    /// The cookies of `headers`' `Cookie` fields.
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let mut jar = cookie::CookieJar::new();
        for cookie in parse(headers) {
            jar.add_original(cookie);
        }
        CookieJar { jar }
    }

    /// The cookie called `name`, as sent or as added since.
    pub fn get(&self, name: &str) -> Option<&Cookie<'static>> {
        self.jar.get(name)
    }

    /// Sets `cookie` on the response (replacing one of the same name).
    #[must_use]
    #[allow(clippy::should_implement_trait)] // the jar's verb, as in the `cookie` crate
    pub fn add(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar.add(cookie);
        self
    }

    /// Tells the client to delete `cookie` (an expired `Set-Cookie`), if the request had it.
    /// Give the `path` and `domain` it was set with if they were not the defaults.
    #[must_use]
    pub fn remove(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
        self.jar.remove(cookie);
        self
    }

    /// Every cookie, as sent or as changed since.
    pub fn iter(&self) -> impl Iterator<Item = &Cookie<'static>> {
        self.jar.iter()
    }
}

impl IntoResponseParts for CookieJar {
    fn into_response_parts(self, res: &mut Response) -> Result<(), Error> {
        set_cookies(res, self.jar.delta())
    }
}

impl IntoResponse for CookieJar {
    fn into_response(self) -> Response {
        (self, ()).into_response()
    }
}
