//! The headers of a proxied request and response: hop-by-hop ones removed (RFC 9110 §7.6.1),
//! the client's address, scheme and host passed on (`X-Forwarded-*`, RFC 7239 `Forwarded`).

use std::net::IpAddr;

use http::header::{self, Entry, HeaderMap, HeaderName, HeaderValue};

const HOPS: usize = 8;

/// The hop-by-hop fields RFC 9110 §7.6.1 names, and the ones older software sends.
const HOP_BY_HOP: [HeaderName; HOPS] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
];

/// An upgrade the client asked for (`Connection: keep-alive, Upgrade` plus `Upgrade: …`), to be
/// passed on; `None` for an ordinary request.
pub(super) fn upgrade(headers: &HeaderMap) -> Option<HeaderValue> {
    let asked = crate::header_list::contains(headers, &header::CONNECTION, "upgrade");
    asked
        .then(|| headers.get(header::UPGRADE).cloned())
        .flatten()
}

/// Removes the hop-by-hop fields: the fixed ones, `Upgrade`, and every name `Connection` lists.
pub(super) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // One pass over the names (standard ones compare as integers) notes which fixed fields
    // are there, so that only those are removed: most messages carry none, or only
    // `Connection: keep-alive`, and each removal is a hashed lookup.
    const UPGRADE_BIT: u16 = 1 << HOPS;
    let mut present = 0u16;
    for name in headers.keys() {
        if *name == header::UPGRADE {
            present |= UPGRADE_BIT;
        } else if let Some(i) = HOP_BY_HOP.iter().position(|fixed| fixed == name) {
            present |= 1 << i;
        }
    }
    if present == 0 {
        return;
    }
    // `Connection` is HOP_BY_HOP[0]; the names it lists that are fixed ones are gone below.
    let listed: Vec<HeaderName> = if present & 1 == 0 {
        Vec::new()
    } else {
        crate::header_list::elements(headers, &header::CONNECTION)
            .map(str::trim)
            .filter(|token| {
                !token.eq_ignore_ascii_case("keep-alive") && !token.eq_ignore_ascii_case("upgrade")
            })
            .filter_map(|token| HeaderName::from_bytes(token.as_bytes()).ok())
            .collect()
    };
    for name in listed {
        headers.remove(name);
    }
    for (i, name) in HOP_BY_HOP.iter().enumerate() {
        if present & (1 << i) != 0 {
            headers.remove(name);
        }
    }
    if present & UPGRADE_BIT != 0 {
        headers.remove(header::UPGRADE);
    }
}

/// Marks the request for an upgrade again, after [`strip_hop_by_hop`].
pub(super) fn keep_upgrade(headers: &mut HeaderMap, protocol: HeaderValue) {
    headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(header::UPGRADE, protocol);
}

/// What the proxy knows of the client, for the forwarding headers.
pub(super) struct Client<'a> {
    /// The socket's peer.
    pub(super) peer: Option<IpAddr>,
    /// Whether the peer is a proxy we trust (its forwarding headers are kept and added to).
    pub(super) trusted: bool,
    /// `https` or `http`, as the client used it (a trusted proxy's word included).
    pub(super) proto: &'static str,
    /// The `Host` the client asked for.
    pub(super) host: Option<&'a HeaderValue>,
}

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");

/// Appends this hop to `X-Forwarded-For` and `Forwarded`, and sets `X-Forwarded-Proto` and
/// `-Host` unless a trusted proxy set them. From a peer we do not trust, whatever forwarding
/// headers it sent are dropped first: a client cannot pass itself off as someone else.
pub(super) fn add_forwarded(headers: &mut HeaderMap, client: &Client<'_>) {
    if !client.trusted {
        let forwarding = [
            &X_FORWARDED_FOR,
            &X_FORWARDED_PROTO,
            &X_FORWARDED_HOST,
            &header::FORWARDED,
        ];
        if headers.keys().any(|name| forwarding.contains(&name)) {
            for name in forwarding {
                headers.remove(name);
            }
        }
    }
    let Some(peer) = client.peer.map(|ip| ip.to_canonical()) else {
        return;
    };
    let mut address = String::with_capacity(48);
    crate::ip::push_ip(&mut address, peer);
    append(headers, X_FORWARDED_FOR, &address);
    let mut element = String::with_capacity(64);
    element.push_str("for=");
    match peer {
        IpAddr::V4(_) => element.push_str(&address),
        // RFC 7239 §6: an IPv6 node is bracketed, and then quoted.
        IpAddr::V6(_) => {
            element.push_str("\"[");
            element.push_str(&address);
            element.push_str("]\"");
        }
    }
    element.push_str(";proto=");
    element.push_str(client.proto);
    // A host that is not a plain name or address is left out rather than quoted wrongly.
    if let Some(host) = client.host.and_then(|h| h.to_str().ok())
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
    {
        element.push_str(";host=");
        if host.contains(':') {
            element.push('"');
            element.push_str(host);
            element.push('"');
        } else {
            element.push_str(host);
        }
    }
    append(headers, header::FORWARDED, &element);
    if let Entry::Vacant(entry) = headers.entry(X_FORWARDED_PROTO) {
        entry.insert(HeaderValue::from_static(client.proto));
    }
    if let Some(host) = client.host
        && let Entry::Vacant(entry) = headers.entry(X_FORWARDED_HOST)
    {
        entry.insert(host.clone());
    }
}

/// Appends `value` to the `name` list, folding its field lines into one (they are one list,
/// RFC 9110 §5.3). A line that is not text is dropped rather than passed on garbled.
fn append(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    match headers.entry(name) {
        Entry::Vacant(entry) => {
            if let Ok(value) = HeaderValue::from_str(value) {
                entry.insert(value);
            }
        }
        Entry::Occupied(mut entry) => {
            let mut list = String::new();
            for line in entry.iter().filter_map(|v| v.to_str().ok()) {
                if !line.trim().is_empty() {
                    list.push_str(line.trim());
                    list.push_str(", ");
                }
            }
            list.push_str(value);
            if let Ok(list) = HeaderValue::from_str(&list) {
                // Replaces every line with the one list.
                entry.insert(list);
            }
        }
    }
}

/// Adds this proxy to `Via` (RFC 9110 §7.6.3): `1.1 name`.
pub(super) fn add_via(headers: &mut HeaderMap, version: http::Version, name: &str) {
    let protocol = match version {
        http::Version::HTTP_10 => "1.0",
        http::Version::HTTP_2 => "2",
        http::Version::HTTP_3 => "3",
        _ => "1.1",
    };
    append(headers, header::VIA, &format!("{protocol} {name}"));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        map
    }

    #[test]
    fn hop_by_hop_fields_and_those_connection_lists_go() {
        let mut h = headers(&[
            ("connection", "keep-alive, X-Secret"),
            ("connection", "close"),
            ("x-secret", "1"),
            ("keep-alive", "timeout=5"),
            ("te", "trailers"),
            ("proxy-authorization", "Basic x"),
            ("accept", "*/*"),
        ]);
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1, "{h:?}");
        assert!(h.contains_key("accept"));
    }

    #[test]
    fn an_upgrade_is_seen_in_a_token_list() {
        let h = headers(&[
            ("connection", "keep-alive, Upgrade"),
            ("upgrade", "websocket"),
        ]);
        assert_eq!(upgrade(&h).unwrap(), "websocket");
        assert!(upgrade(&headers(&[("upgrade", "websocket")])).is_none());
    }

    #[test]
    fn an_untrusted_peer_cannot_pass_off_a_client_address() {
        let host = HeaderValue::from_static("example.com");
        let mut h = headers(&[("x-forwarded-for", "6.6.6.6"), ("forwarded", "for=6.6.6.6")]);
        let client = Client {
            peer: Some("192.0.2.7".parse().unwrap()),
            trusted: false,
            proto: "https",
            host: Some(&host),
        };
        add_forwarded(&mut h, &client);
        assert_eq!(h["x-forwarded-for"], "192.0.2.7");
        assert_eq!(h["forwarded"], "for=192.0.2.7;proto=https;host=example.com");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["x-forwarded-host"], "example.com");
    }

    #[test]
    fn a_trusted_proxy_chain_is_kept_and_extended() {
        let mut h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-for", "10.0.0.2"),
            ("x-forwarded-proto", "https"),
        ]);
        let client = Client {
            peer: Some("::ffff:10.0.0.3".parse().unwrap()),
            trusted: true,
            proto: "http",
            host: None,
        };
        add_forwarded(&mut h, &client);
        assert_eq!(h["x-forwarded-for"], "203.0.113.9, 10.0.0.2, 10.0.0.3");
        assert_eq!(h["x-forwarded-proto"], "https");
        let client = Client {
            peer: Some("2001:db8::1".parse().unwrap()),
            ..client
        };
        add_forwarded(&mut h, &client);
        assert!(
            h["forwarded"]
                .to_str()
                .unwrap()
                .ends_with("for=\"[2001:db8::1]\";proto=http")
        );
    }
}
