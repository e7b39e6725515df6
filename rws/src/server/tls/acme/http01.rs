//! http-01 (RFC 8555 §8.3): the key authorization at `/.well-known/acme-challenge/<token>`, on
//! the plain-HTTP port, before whatever that port does otherwise (the HTTPS redirect).

use std::future::Future;

use http::header::{self, HeaderValue};
use http::{Method, StatusCode};

use super::super::Certificates;
use super::super::challenges::HTTP01_PREFIX;
use crate::middleware::{Middleware, Next};
use crate::response::IntoResponse;
use crate::{Request, Response};

/// Answers the CA's http-01 requests for the challenges open now; any other request goes on.
/// Wrap the app of the plain-HTTP port in it (the `rws` binary wraps its HTTPS redirect):
///
/// ```no_run
/// use rws::config::{AcmeChallenge, AcmeConfig};
/// use rws::server::tls::{Tls, acme::Http01Layer, redirect_to_https_for};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let tls = Tls::acme(AcmeConfig::new(["example.com"]).challenge(AcmeChallenge::Http01))?;
/// let port80 = redirect_to_https_for(tls.certificates(), 443, false)
///     .wrap(Http01Layer::new(tls.certificates()));
/// tokio::spawn(port80.serve("0.0.0.0:80"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Http01Layer {
    certificates: Certificates,
}

impl Http01Layer {
    /// Answers the challenges the ACME manager of `certificates` opens.
    pub fn new(certificates: Certificates) -> Http01Layer {
        Http01Layer { certificates }
    }
}

impl Middleware for Http01Layer {
    fn handle(&self, req: Request, next: Next) -> impl Future<Output = Response> + Send {
        let answer = (req.method() == Method::GET || req.method() == Method::HEAD)
            .then(|| req.uri().path().strip_prefix(HTTP01_PREFIX))
            .flatten()
            .and_then(|token| self.certificates.challenges().http_answer(token));
        async move {
            match answer {
                Some(key_authorization) => {
                    let mut res = (StatusCode::OK, key_authorization).into_response();
                    res.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/octet-stream"),
                    );
                    res
                }
                None => next.run(req).await,
            }
        }
    }
}
