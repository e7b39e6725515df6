//! `SignedCookieJar` and `PrivateCookieJar`: cookies under the app's `CookieKeys`.

use std::fmt;
use std::sync::Arc;

use http::StatusCode;
use http::request::Parts;

use super::{Cookie, Key, parse, set_cookies};
use crate::context::RequestContext;
use crate::extract::{FromRequestParts, Requirements};
use crate::response::{IntoResponse, IntoResponseParts};
use crate::{Error, Response};

/// The keys of signed and private cookies, in the app's state: the current key signs and
/// encrypts; previous keys still verify and decrypt, so that rotating the key does not log
/// everyone out. A cookie read with a previous key is re-issued under the current one when the
/// handler returns the jar.
///
/// ```
/// use rws::cookie::{CookieKeys, Key};
///
/// let old = Key::generate();
/// let keys = CookieKeys::new(Key::generate()).with_previous([old]);
/// # let _ = keys;
/// ```
#[derive(Clone)]
pub struct CookieKeys {
    current: Key,
    previous: Vec<Key>,
}

impl fmt::Debug for CookieKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieKeys")
            .field("previous", &self.previous.len())
            .finish_non_exhaustive()
    }
}

impl CookieKeys {
    /// Signs and encrypts with `current`.
    pub fn new(current: Key) -> Self {
        CookieKeys {
            current,
            previous: Vec::new(),
        }
    }

    /// A key derived from a secret of at least 32 bytes (HKDF-SHA256), for a secret kept in
    /// configuration. `None` if it is shorter.
    pub fn from_secret(secret: &[u8]) -> Option<Self> {
        (secret.len() >= 32).then(|| CookieKeys::new(Key::derive_from(secret)))
    }

    /// Also accepts cookies made with `keys` (newest first).
    #[must_use]
    pub fn with_previous(mut self, keys: impl IntoIterator<Item = Key>) -> Self {
        self.previous.extend(keys);
        self
    }
}

fn keys(parts: &Parts) -> Result<Arc<CookieKeys>, Error> {
    RequestContext::of(parts)
        .and_then(|ctx| ctx.state.get::<CookieKeys>())
        .ok_or_else(|| {
            Error::new(StatusCode::INTERNAL_SERVER_ERROR)
                .with_detail("the app has no `CookieKeys` in its state")
        })
}

macro_rules! keyed_jar {
    ($(#[$doc:meta])* $name:ident, $read:ident, $write:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            jar: cookie::CookieJar,
            keys: Arc<CookieKeys>,
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct(stringify!($name)).finish_non_exhaustive()
            }
        }

        impl FromRequestParts for $name {
            type Rejection = Error;

            async fn from_request_parts(parts: &mut Parts) -> Result<Self, Error> {
                Ok($name::from_headers(&parts.headers, keys(parts)?))
            }

            fn requirements(requirements: &mut Requirements) {
                requirements.state::<CookieKeys>();
            }
        }

        impl $name {
            /// The cookies of `headers`, under `keys`.
            pub fn from_headers(headers: &http::HeaderMap, keys: Arc<CookieKeys>) -> Self {
                let mut jar = cookie::CookieJar::new();
                let mut names = Vec::new();
                for cookie in parse(headers) {
                    names.push(cookie.name().to_owned());
                    jar.add_original(cookie);
                }
                // Cookies made under a previous key are re-issued under the current one, with
                // the attributes they were set with (kept in their protected value).
                for name in names {
                    if jar.$read(&keys.current).get(&name).is_some() {
                        continue;
                    }
                    let old = keys.previous.iter().find_map(|key| jar.$read(key).get(&name));
                    if let Some(cookie) = old.and_then(super::attributes::unwrap) {
                        jar.$write(&keys.current).add(super::attributes::wrap(cookie));
                    }
                }
                $name { jar, keys }
            }

            /// The cookie called `name`, verified: `None` if it is missing, or was changed or
            /// made with another key.
            pub fn get(&self, name: &str) -> Option<Cookie<'static>> {
                self.jar
                    .$read(&self.keys.current)
                    .get(name)
                    .and_then(super::attributes::unwrap)
            }

            /// Sets `cookie` on the response, protected by the current key.
            #[must_use]
            #[allow(clippy::should_implement_trait)] // the jar's verb, as in the `cookie` crate
    pub fn add(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
                let cookie = super::attributes::wrap(cookie.into());
                self.jar.$write(&self.keys.current).add(cookie);
                self
            }

            /// Tells the client to delete the cookie called `name`.
            #[must_use]
            pub fn remove(mut self, cookie: impl Into<Cookie<'static>>) -> Self {
                self.jar.$write(&self.keys.current).remove(cookie);
                self
            }
        }

        impl IntoResponseParts for $name {
            fn into_response_parts(self, res: &mut Response) -> Result<(), Error> {
                set_cookies(res, self.jar.delta())
            }
        }

        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                (self, ()).into_response()
            }
        }
    };
}

keyed_jar!(
    /// Cookies signed with HMAC-SHA256 under the app's [`CookieKeys`]: the client can read
    /// them but not change them. A cookie whose signature does not verify is not there.
    SignedCookieJar,
    signed,
    signed_mut
);

keyed_jar!(
    /// Cookies encrypted and authenticated with AES-256-GCM under the app's [`CookieKeys`]:
    /// the client can neither read nor change them. One that does not decrypt is not there.
    PrivateCookieJar,
    private,
    private_mut
);
