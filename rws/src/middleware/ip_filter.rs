//! Allow and deny lists of IP addresses and ranges.

use super::{Middleware, Next};
use crate::extract::ClientIp;
use crate::ip::IpRanges;
use crate::response::IntoResponse;
use crate::{Error, Request, Response};

/// Refuses clients by address with 403: a client in a deny range is refused; when there are
/// allow ranges, a client in none of them is refused too. The address is the
/// [`ClientIp`]: the peer, or what a trusted proxy forwarded. IPv4 and IPv6 both match, and an
/// IPv4 address mapped into IPv6 matches the IPv4 ranges.
///
/// ```
/// use rws::prelude::*;
/// use rws::middleware::IpFilterLayer;
///
/// let admin = App::new()
///     .get("/stats", || async { "…" })
///     .wrap(IpFilterLayer::new().allow(["10.0.0.0/8", "::1", "127.0.0.1"]).deny(["10.6.6.0/24"]));
/// let app = App::new().nest("/admin", admin);
/// # let _ = app;
/// ```
///
/// An entry that is not an address or range is reported by `App::build`, naming it.
#[derive(Debug, Clone, Default)]
pub struct IpFilterLayer {
    allow: IpRanges,
    deny: IpRanges,
    problems: Vec<String>,
}

impl IpFilterLayer {
    /// A filter that lets everyone through until told otherwise.
    pub fn new() -> Self {
        IpFilterLayer::default()
    }

    /// Only these addresses and ranges may pass (adds to the list).
    pub fn allow<'a>(mut self, ranges: impl IntoIterator<Item = &'a str>) -> Self {
        match IpRanges::parse(ranges) {
            Ok(r) => self.allow.extend(r),
            Err(e) => self.problems.push(format!("IP filter allow list: {e}")),
        }
        self
    }

    /// These addresses and ranges are refused, even when allowed (adds to the list).
    pub fn deny<'a>(mut self, ranges: impl IntoIterator<Item = &'a str>) -> Self {
        match IpRanges::parse(ranges) {
            Ok(r) => self.deny.extend(r),
            Err(e) => self.problems.push(format!("IP filter deny list: {e}")),
        }
        self
    }

    fn admits(&self, req: &Request) -> bool {
        let Some(ip) = ClientIp::of(req.extensions(), req.headers()) else {
            // No connection (an in-process call): nothing to filter on.
            return true;
        };
        !self.deny.contains(ip) && (self.allow.is_empty() || self.allow.contains(ip))
    }
}

impl Middleware for IpFilterLayer {
    async fn handle(&self, req: Request, next: Next) -> Response {
        if self.admits(&req) {
            next.run(req).await
        } else {
            Error::forbidden("your address may not use this resource").into_response()
        }
    }

    fn problems(&self) -> Vec<String> {
        self.problems.clone()
    }
}
