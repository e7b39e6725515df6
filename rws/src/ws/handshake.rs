//! The HTTP side of the opening handshake (RFC 6455 §4, RFC 8441): header checks and the
//! accept key, usable on their own.

use http::header::{CONNECTION, HeaderMap, SEC_WEBSOCKET_KEY, SEC_WEBSOCKET_VERSION, UPGRADE};
use http::{Method, Request, Version};

use crate::header_list;

/// Whether `req` asks to open a WebSocket: an HTTP/1.1 `GET` with `Connection: upgrade`,
/// `Upgrade: websocket` and a `Sec-WebSocket-Key`, or an HTTP/2 extended `CONNECT` with
/// `:protocol websocket` (RFC 8441). It does not check that the key or version are valid;
/// [`WebSocketUpgrade`](super::WebSocketUpgrade) does.
///
/// ```
/// let req = rws::http::Request::get("/chat")
///     .header("connection", "keep-alive, Upgrade")
///     .header("upgrade", "websocket")
///     .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
///     .body(())
///     .unwrap();
/// assert!(rws::ws::is_upgrade_request(&req));
/// assert!(!rws::ws::is_upgrade_request(&rws::http::Request::get("/chat").body(()).unwrap()));
/// ```
pub fn is_upgrade_request<B>(req: &Request<B>) -> bool {
    if req.method() == Method::CONNECT {
        return req
            .extensions()
            .get::<hyper::ext::Protocol>()
            .is_some_and(|p| p.as_str().eq_ignore_ascii_case("websocket"));
    }
    req.method() == Method::GET
        && req.version() <= Version::HTTP_11
        && is_h1_upgrade(req.headers())
        && req.headers().contains_key(SEC_WEBSOCKET_KEY)
}

/// `Connection` lists `upgrade` and `Upgrade` lists `websocket` (both case-insensitive).
pub(crate) fn is_h1_upgrade(headers: &HeaderMap) -> bool {
    header_list::contains(headers, &CONNECTION, "upgrade")
        && header_list::contains(headers, &UPGRADE, "websocket")
}

/// Whether the request speaks WebSocket version 13, the only one there is.
pub(crate) fn is_version_13(headers: &HeaderMap) -> bool {
    headers
        .get(SEC_WEBSOCKET_VERSION)
        .is_some_and(|v| v.as_bytes() == b"13")
}

/// Whether `key` is a valid `Sec-WebSocket-Key`: base64 of 16 bytes (RFC 6455 §4.1), which is
/// 24 characters ending in `==`.
pub(crate) fn is_valid_key(key: &[u8]) -> bool {
    key.len() == 24
        && key.ends_with(b"==")
        && key[..22]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        // The 22nd character carries the last 2 bits of the 16th byte; the 4 below must be 0.
        && b"AQgw".contains(&key[21])
}

/// The `Sec-WebSocket-Accept` value answering a client's `Sec-WebSocket-Key`: the base64 SHA-1
/// of the key and RFC 6455's GUID.
///
/// ```
/// // The example of RFC 6455 §1.3.
/// assert_eq!(rws::ws::accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
/// ```
pub fn accept_key(key: &[u8]) -> String {
    tokio_tungstenite::tungstenite::handshake::derive_accept_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_must_be_sixteen_bytes_of_base64() {
        assert!(is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZQ="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25jZR=="));
        assert!(!is_valid_key(b"dGhlIHNhbXBsZSBub25j*Q=="));
        assert!(!is_valid_key(b""));
    }

    #[test]
    fn tokens_are_found_in_lists_case_insensitively() {
        let mut headers = HeaderMap::new();
        headers.append(CONNECTION, "keep-alive".parse().unwrap());
        headers.append(CONNECTION, "Upgrade, foo".parse().unwrap());
        headers.insert(UPGRADE, "WebSocket".parse().unwrap());
        assert!(is_h1_upgrade(&headers));
        headers.insert(UPGRADE, "h2c".parse().unwrap());
        assert!(!is_h1_upgrade(&headers));
    }
}
