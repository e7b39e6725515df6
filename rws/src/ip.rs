//! IP addresses and ranges: CIDR lists, trusted proxies, and who the client really is.
//!
//! The client address is the socket's peer, unless that peer is a trusted proxy: then the
//! `Forwarded` (RFC 7239), `X-Forwarded-For` or `X-Real-IP` header names it, read from the right
//! and skipping the trusted proxies on the way. A header from an untrusted peer is ignored, so a
//! client cannot claim another address.

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;
use ipnet::IpNet;

use crate::app::App;

/// A list of IPv4 and IPv6 addresses and CIDR ranges (`10.0.0.0/8`, `2001:db8::/32`,
/// `192.168.1.7`, `::1`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpRanges(Vec<IpNet>);

impl IpRanges {
    /// Parses each entry; the error names the first that is neither an address nor a range.
    pub fn parse<'a>(entries: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        entries
            .into_iter()
            .map(|e| {
                let e = e.trim();
                e.parse::<IpNet>()
                    .or_else(|_| e.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{e:?} is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(IpRanges)
    }

    /// Whether `ip` is in one of the ranges; an IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`)
    /// matches as IPv4.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Adds the ranges of `other`.
    pub fn extend(&mut self, other: IpRanges) {
        self.0.extend(other.0);
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for IpRanges {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&list.join(", "))
    }
}

/// The proxies whose forwarding headers are believed; put in the app with
/// [`App::trusted_proxies`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub(crate) IpRanges);

impl App {
    /// Believes `Forwarded` / `X-Forwarded-For` / `X-Real-IP` from these peers (addresses or CIDR
    /// ranges) when finding the client's address ([`ClientIp`](crate::extract::ClientIp), the
    /// IP filter, the rate limiter, the access log). An entry that does not parse is reported by
    /// [`App::build`].
    ///
    /// ```
    /// # use rws::prelude::*;
    /// let app = App::new().trusted_proxies(["10.0.0.0/8", "fd00::/8"]);
    /// # let _ = app;
    /// ```
    #[track_caller]
    pub fn trusted_proxies<'a>(self, proxies: impl IntoIterator<Item = &'a str>) -> Self {
        let location = std::panic::Location::caller();
        match IpRanges::parse(proxies) {
            Ok(ranges) => self.state(TrustedProxies(ranges)),
            Err(e) => self.problem(format!("trusted proxies (at {location}): {e}")),
        }
    }
}

/// The client's address behind `trusted` proxies, `peer` being the socket's peer.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &IpRanges) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.contains(peer) {
        return peer;
    }
    let chain = forwarded_chain(headers);
    let Some(chain) = chain else {
        return real_ip(headers).unwrap_or(peer);
    };
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            // Unknown or obfuscated: the chain cannot be followed further.
            None => break,
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.contains(client) {
                    break;
                }
            }
        }
    }
    client
}

/// The hops of `Forwarded` (preferred) or `X-Forwarded-For`, left to right; `None` for a hop
/// that is not an address.
fn forwarded_chain(headers: &HeaderMap) -> Option<Vec<Option<IpAddr>>> {
    let values = |name| {
        let parts: Vec<&str> = crate::header_list::elements(headers, &name).collect();
        (!parts.is_empty()).then_some(parts)
    };
    if let Some(elements) = values(http::header::FORWARDED) {
        return Some(
            elements
                .iter()
                .map(|element| {
                    element
                        .split(';')
                        .filter_map(|pair| pair.trim().split_once('='))
                        .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                        .and_then(|(_, v)| parse_node(v.trim().trim_matches('"')))
                })
                .collect(),
        );
    }
    values(http::header::HeaderName::from_static("x-forwarded-for"))
        .map(|hops| hops.iter().map(|h| parse_node(h.trim())).collect())
}

fn real_ip(headers: &HeaderMap) -> Option<IpAddr> {
    headers
        .get("x-real-ip")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_node(v.trim()))
}

/// `192.0.2.1`, `192.0.2.1:4711`, `[2001:db8::1]`, `[2001:db8::1]:4711`, `2001:db8::1`.
fn parse_node(node: &str) -> Option<IpAddr> {
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            node.strip_prefix('[')
                .and_then(|n| n.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ranges_match_v4_v6_and_mapped_addresses() {
        let r = IpRanges::parse(["10.0.0.0/8", "2001:db8::/32", "192.168.1.7", "::1"]).unwrap();
        assert!(r.contains(ip("10.1.2.3")));
        assert!(!r.contains(ip("11.0.0.1")));
        assert!(r.contains(ip("2001:db8:1::5")));
        assert!(!r.contains(ip("2001:db9::1")));
        assert!(r.contains(ip("192.168.1.7")) && !r.contains(ip("192.168.1.8")));
        assert!(r.contains(ip("::1")));
        assert!(r.contains(ip("::ffff:10.9.9.9")), "mapped v4");
        assert_eq!(
            IpRanges::parse(["10.0.0.0/8", "10.0.0.300/8"]).unwrap_err(),
            "\"10.0.0.300/8\" is not an IP address or CIDR range"
        );
        assert!(IpRanges::parse(["::1/129"]).is_err());
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        let trusted = IpRanges::parse(["10.0.0.0/8"]).unwrap();
        let h = headers(&[("x-forwarded-for", "6.6.6.6"), ("x-real-ip", "6.6.6.6")]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &h, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_chain_is_read_from_the_right_past_trusted_proxies() {
        let trusted = IpRanges::parse(["10.0.0.0/8"]).unwrap();
        let peer = ip("10.0.0.1");
        // A client-supplied first hop is not believed: the rightmost untrusted hop is the client.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_ip(peer, &h, &trusted), ip("203.0.113.9"));
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.3",
        )]);
        assert_eq!(client_ip(peer, &h, &trusted), ip("2001:db8::7"));
        let h = headers(&[("x-real-ip", "198.51.100.4")]);
        assert_eq!(client_ip(peer, &h, &trusted), ip("198.51.100.4"));
        let h = headers(&[("x-forwarded-for", "unknown, 10.0.0.2")]);
        assert_eq!(client_ip(peer, &h, &trusted), ip("10.0.0.2"));
        assert_eq!(client_ip(peer, &HeaderMap::new(), &trusted), peer);
    }
}
