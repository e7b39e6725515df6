//! IP addresses and ranges: CIDR lists, trusted proxies, and who the client really is.
//!
//! The client address is the socket's peer, unless that peer is a trusted proxy: then the one
//! header that proxy writes names it — `X-Forwarded-For` by default, `Forwarded` (RFC 7239) or
//! `X-Real-IP` when configured ([`ForwardedHeader`]) — read from the right, skipping the trusted
//! proxies on the way. The other two headers are ignored: a client could have sent them, and a
//! proxy that does not write them passes them on. A header from an untrusted peer is ignored, so
//! a client cannot claim another address.
//!
//! The proxy settings that match:
//!
//! | proxy | writes | `forwarded_header` |
//! |---|---|---|
//! | nginx `proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;` | appends the peer to `X-Forwarded-For` | `x-forwarded-for` |
//! | nginx `proxy_set_header X-Real-IP $remote_addr;` | replaces `X-Real-IP` | `x-real-ip` |
//! | AWS ALB, Google Cloud LB, `HAProxy` `option forwardfor` | append to `X-Forwarded-For` | `x-forwarded-for` |
//! | Envoy (`use_remote_address`), Caddy | append to `X-Forwarded-For` | `x-forwarded-for` |
//! | nginx `proxy_set_header Forwarded "for=$remote_addr;proto=$scheme";` | `Forwarded` | `forwarded` |
//!
//! With `x-real-ip`, the proxy must *set* the header (not pass on the client's): nginx's
//! `proxy_set_header` does.

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

/// The proxies whose forwarding header is believed, and which header that is; put in the app
/// with [`App::trusted_proxies`] and [`App::forwarded_header`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    pub(crate) ranges: IpRanges,
    pub(crate) header: ForwardedHeader,
}

/// The one header a trusted proxy writes the client's address (and scheme) into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedHeader {
    /// `X-Forwarded-For` (and `X-Forwarded-Proto`): nginx, `HAProxy`, cloud load balancers.
    #[default]
    XForwardedFor,
    /// `Forwarded` (RFC 7239): `for=` and `proto=`.
    Forwarded,
    /// `X-Real-IP` (and `X-Forwarded-Proto`): set, not appended, by the proxy.
    XRealIp,
}

impl ForwardedHeader {
    /// `x-forwarded-for`, `forwarded` or `x-real-ip`, as the `forwarded_header` setting spells it.
    pub fn parse(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ForwardedHeader::XForwardedFor),
            "forwarded" => Some(ForwardedHeader::Forwarded),
            "x-real-ip" => Some(ForwardedHeader::XRealIp),
            _ => None,
        }
    }
}

impl App {
    /// Believes the forwarding header (see [`App::forwarded_header`]; `X-Forwarded-For` unless
    /// set) from these peers (addresses or CIDR ranges) when finding the client's address
    /// ([`ClientIp`](crate::extract::ClientIp), the IP filter, the rate limiter, the access log)
    /// and whether the client used HTTPS (secure cookies, HSTS). An entry that does not parse is
    /// reported by [`App::build`].
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
            Ok(ranges) => {
                let header = self.trusted().header;
                self.state(TrustedProxies { ranges, header })
            }
            Err(e) => self.problem(format!("trusted proxies (at {location}): {e}")),
        }
    }

    /// Which header the trusted proxies write (default `X-Forwarded-For`); only that one is
    /// read, the others ignored. See the [module docs](crate::ip) for the proxy settings.
    ///
    /// ```
    /// # use rws::prelude::*;
    /// use rws::ip::ForwardedHeader;
    /// let app = App::new().trusted_proxies(["10.0.0.1"]).forwarded_header(ForwardedHeader::XRealIp);
    /// # let _ = app;
    /// ```
    pub fn forwarded_header(self, header: ForwardedHeader) -> Self {
        let ranges = self.trusted().ranges;
        self.state(TrustedProxies { ranges, header })
    }

    fn trusted(&self) -> TrustedProxies {
        self.state_value::<TrustedProxies>()
            .map(|t| TrustedProxies::clone(&t))
            .unwrap_or_default()
    }
}

/// The client's address behind `trusted` proxies, `peer` being the socket's peer.
pub(crate) fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.ranges.contains(peer) {
        return peer;
    }
    let chain = match trusted.header {
        ForwardedHeader::XForwardedFor => list(headers, "x-forwarded-for")
            .map(|hop| parse_node(hop.trim()))
            .collect(),
        ForwardedHeader::Forwarded => list(headers, "forwarded")
            .map(|element| parameter(element, "for").and_then(|v| parse_node(&v)))
            .collect(),
        // One value, set by the proxy: the last one, should a client's have been passed on too.
        ForwardedHeader::XRealIp => {
            let last = headers.get_all("x-real-ip").iter().next_back();
            vec![
                last.and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_node(v.trim())),
            ]
        }
    };
    let mut client = peer;
    for hop in chain.iter().rev() {
        match hop {
            // Unknown or obfuscated: the chain cannot be followed further.
            None => break,
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.ranges.contains(client) {
                    break;
                }
            }
        }
    }
    client
}

/// Whether the client used HTTPS to reach the trusted proxy in front of us: the proxy's
/// `X-Forwarded-Proto` (or `Forwarded: proto=`, with that header), read only from a trusted
/// peer, the last value winning (the one the proxy nearest to us wrote).
pub(crate) fn forwarded_https(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> bool {
    forwarded_value(peer, headers, trusted, "proto", "x-forwarded-proto")
        .is_some_and(|p| p.eq_ignore_ascii_case("https"))
}

/// The host the client asked the trusted proxy in front of us for: its `X-Forwarded-Host` (or
/// `Forwarded: host=`, with that header), read only from a trusted peer, the last value winning.
pub(crate) fn forwarded_host(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
) -> Option<String> {
    forwarded_value(peer, headers, trusted, "host", "x-forwarded-host").filter(|h| !h.is_empty())
}

/// What a trusted proxy in front of us said of the client: the `Forwarded` header's `param`
/// when the proxies are said to write that header, else the `x_name` header; the last value
/// (the nearest proxy's). Nothing from a peer we do not trust.
fn forwarded_value(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
    param: &str,
    x_name: &'static str,
) -> Option<String> {
    if !trusted.ranges.contains(peer.to_canonical()) {
        return None;
    }
    match trusted.header {
        ForwardedHeader::Forwarded => list(headers, "forwarded")
            .filter_map(|e| parameter(e, param))
            .last(),
        _ => list(headers, x_name).last().map(|v| v.trim().to_owned()),
    }
}

/// Writes `ip` as text. IPv4 by hand: `Display` goes through the formatting machinery once
/// per octet, and the proxy writes the client's address into two headers of every request.
#[cfg(any(feature = "proxy", feature = "otel"))]
pub(crate) fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(v4) => {
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    out.push('.');
                }
                if octet >= 100 {
                    out.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    out.push(char::from(b'0' + octet / 10 % 10));
                }
                out.push(char::from(b'0' + octet % 10));
            }
        }
        IpAddr::V6(v6) => {
            use std::fmt::Write as _;
            let _ = write!(out, "{v6}");
        }
    }
}

/// The comma-separated elements of every `name` header, in order.
fn list<'a>(headers: &'a HeaderMap, name: &'static str) -> impl Iterator<Item = &'a str> {
    crate::header_list::elements(headers, &http::header::HeaderName::from_static(name))
}

/// A parameter of one `Forwarded` element (`for=`, `proto=`), unquoted.
fn parameter(element: &str, key: &str) -> Option<String> {
    element
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(key))
        .map(|(_, v)| v.trim().trim_matches('"').to_owned())
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

    #[cfg(any(feature = "proxy", feature = "otel"))]
    #[test]
    fn push_ip_writes_what_display_writes() {
        for ip in [
            "0.0.0.0",
            "255.255.255.255",
            "10.0.100.9",
            "127.0.0.1",
            "192.168.1.20",
            "2001:db8::1",
            "::ffff:10.1.2.3",
        ] {
            let ip: IpAddr = ip.parse().unwrap();
            let mut out = String::from("for=");
            push_ip(&mut out, ip);
            assert_eq!(out, format!("for={ip}"));
        }
    }

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

    fn proxies(ranges: &str, header: ForwardedHeader) -> TrustedProxies {
        TrustedProxies {
            ranges: IpRanges::parse([ranges]).unwrap(),
            header,
        }
    }

    #[test]
    fn headers_from_an_untrusted_peer_are_ignored() {
        for header in [
            ForwardedHeader::XForwardedFor,
            ForwardedHeader::Forwarded,
            ForwardedHeader::XRealIp,
        ] {
            let trusted = proxies("10.0.0.0/8", header);
            let h = headers(&[
                ("x-forwarded-for", "6.6.6.6"),
                ("x-real-ip", "6.6.6.6"),
                ("forwarded", "for=6.6.6.6;proto=https"),
                ("x-forwarded-proto", "https"),
            ]);
            let peer = ip("203.0.113.9");
            assert_eq!(client_ip(peer, &h, &trusted), peer);
            assert!(!forwarded_https(peer, &h, &trusted));
        }
    }

    #[test]
    fn the_chain_is_read_from_the_right_past_trusted_proxies() {
        let xff = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        let peer = ip("10.0.0.1");
        // A client-supplied first hop is not believed: the rightmost untrusted hop is the client.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.2")]);
        assert_eq!(client_ip(peer, &h, &xff), ip("203.0.113.9"));
        let forwarded = proxies("10.0.0.0/8", ForwardedHeader::Forwarded);
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, for=10.0.0.3",
        )]);
        assert_eq!(client_ip(peer, &h, &forwarded), ip("2001:db8::7"));
        let real = proxies("10.0.0.0/8", ForwardedHeader::XRealIp);
        let h = headers(&[("x-real-ip", "198.51.100.4")]);
        assert_eq!(client_ip(peer, &h, &real), ip("198.51.100.4"));
        let h = headers(&[("x-forwarded-for", "unknown, 10.0.0.2")]);
        assert_eq!(client_ip(peer, &h, &xff), ip("10.0.0.2"));
        assert_eq!(client_ip(peer, &HeaderMap::new(), &xff), peer);
    }

    /// Only the configured header is read: a client-supplied `Forwarded` does not beat the
    /// proxy's `X-Forwarded-For`, nor a client's `X-Forwarded-For` the proxy's `X-Real-IP`.
    #[test]
    fn only_the_configured_header_is_believed() {
        let peer = ip("10.0.0.1");
        let h = headers(&[
            ("forwarded", "for=6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9"),
        ]);
        let xff = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        assert_eq!(client_ip(peer, &h, &xff), ip("203.0.113.9"));
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-real-ip", "198.51.100.4"),
        ]);
        let real = proxies("10.0.0.0/8", ForwardedHeader::XRealIp);
        assert_eq!(client_ip(peer, &h, &real), ip("198.51.100.4"));
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("forwarded", "for=192.0.2.8"),
        ]);
        let forwarded = proxies("10.0.0.0/8", ForwardedHeader::Forwarded);
        assert_eq!(client_ip(peer, &h, &forwarded), ip("192.0.2.8"));
        assert_eq!(
            ForwardedHeader::parse("X-Real-IP"),
            Some(ForwardedHeader::XRealIp)
        );
        assert_eq!(ForwardedHeader::parse("via"), None);
    }

    #[test]
    fn https_behind_a_trusted_proxy_is_its_forwarded_proto() {
        let peer = ip("10.0.0.1");
        let xff = proxies("10.0.0.0/8", ForwardedHeader::XForwardedFor);
        assert!(forwarded_https(
            peer,
            &headers(&[("x-forwarded-proto", "https")]),
            &xff
        ));
        assert!(!forwarded_https(
            peer,
            &headers(&[("x-forwarded-proto", "http")]),
            &xff
        ));
        let forwarded = proxies("10.0.0.0/8", ForwardedHeader::Forwarded);
        let h = headers(&[("forwarded", "for=192.0.2.8;proto=https")]);
        assert!(forwarded_https(peer, &h, &forwarded));
        assert!(!forwarded_https(
            peer,
            &headers(&[("x-forwarded-proto", "https")]),
            &forwarded
        ));
    }
}
