//! Entries as bytes, for stores outside the process (Redis): a small versioned binary layout,
//! decoded defensively (a value another version wrote, or garbage, is a miss, never a panic).
//!
//! ```text
//! "rwsc" 1 | 0 | count:u16 (len:u16 name)*                    a variant list
//! "rwsc" 1 | 1 | status:u16 stored_at_ms:u64 age_ms:u64 fresh_ms:u64 swr_ms:u64 sie_ms:u64
//!              validator:u8 policy_len:u32 policy(JSON) headers:u16 (len:u16 name len:u32 value)*
//!              body(the rest)                                  a response
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{BufMut, Bytes, BytesMut};
use http::header::HeaderName;
use http::{HeaderMap, HeaderValue, StatusCode};

use super::entry::{CacheEntry, CachedResponse, Stored};
use super::policy::Freshness;

const MAGIC: &[u8; 5] = b"rwsc\x01";

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl CacheEntry {
    /// The entry as bytes, for a store outside the process.
    pub fn to_bytes(&self) -> Bytes {
        let mut out = BytesMut::new();
        out.put_slice(MAGIC);
        match &self.0 {
            Stored::Variants(names) => {
                out.put_u8(0);
                out.put_u16(u16::try_from(names.len()).unwrap_or(u16::MAX));
                for name in names.iter().take(usize::from(u16::MAX)) {
                    put_short(&mut out, name.as_str().as_bytes());
                }
            }
            Stored::Response(res) => {
                let policy = serde_json::to_vec(&res.freshness.policy).unwrap_or_default();
                out.put_u8(1);
                out.put_u16(res.status.as_u16());
                out.put_u64(millis(
                    res.stored_at.duration_since(UNIX_EPOCH).unwrap_or_default(),
                ));
                out.put_u64(millis(res.initial_age));
                out.put_u64(millis(res.freshness.fresh_for));
                out.put_u64(millis(res.freshness.stale_while_revalidate));
                out.put_u64(millis(res.freshness.stale_if_error));
                out.put_u8(u8::from(res.freshness.has_validator));
                out.put_u32(u32::try_from(policy.len()).unwrap_or(0));
                out.put_slice(&policy);
                out.put_u16(u16::try_from(res.headers.len()).unwrap_or(u16::MAX));
                for (name, value) in res.headers.iter().take(usize::from(u16::MAX)) {
                    put_short(&mut out, name.as_str().as_bytes());
                    out.put_u32(u32::try_from(value.len()).unwrap_or(0));
                    out.put_slice(value.as_bytes());
                }
                out.put_slice(&res.body);
            }
        }
        out.freeze()
    }

    /// An entry from [`to_bytes`](Self::to_bytes)'s output; `None` for anything else.
    pub fn from_bytes(bytes: Bytes) -> Option<Self> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(MAGIC.len())? != MAGIC[..] {
            return None;
        }
        match r.u8()? {
            0 => {
                let count = r.u16()?;
                let names = (0..count)
                    .map(|_| {
                        let len = usize::from(r.u16()?);
                        HeaderName::from_bytes(&r.take(len)?).ok()
                    })
                    .collect::<Option<Vec<_>>>()?;
                Some(CacheEntry(Stored::Variants(names.into())))
            }
            1 => {
                let status = StatusCode::from_u16(r.u16()?).ok()?;
                let stored_at = UNIX_EPOCH + Duration::from_millis(r.u64()?);
                let initial_age = Duration::from_millis(r.u64()?);
                let fresh_for = Duration::from_millis(r.u64()?);
                let stale_while_revalidate = Duration::from_millis(r.u64()?);
                let stale_if_error = Duration::from_millis(r.u64()?);
                let has_validator = r.u8()? == 1;
                let len = usize::try_from(r.u32()?).ok()?;
                let policy = serde_json::from_slice(&r.take(len)?).ok()?;
                let mut headers = HeaderMap::new();
                for _ in 0..r.u16()? {
                    let len = usize::from(r.u16()?);
                    let name = HeaderName::from_bytes(&r.take(len)?).ok()?;
                    let len = usize::try_from(r.u32()?).ok()?;
                    let value = HeaderValue::from_maybe_shared(r.take(len)?).ok()?;
                    headers.append(name, value);
                }
                let body = r.rest();
                Some(CacheEntry(Stored::Response(Box::new(CachedResponse {
                    status,
                    headers,
                    body,
                    freshness: Freshness {
                        policy,
                        fresh_for,
                        stale_while_revalidate,
                        stale_if_error,
                        has_validator,
                    },
                    stored_at: stored_at.min(SystemTime::now()),
                    initial_age,
                }))))
            }
            _ => None,
        }
    }
}

fn put_short(out: &mut BytesMut, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.put_u16(len);
    out.put_slice(&bytes[..usize::from(len)]);
}

struct Reader {
    bytes: Bytes,
    at: usize,
}

impl Reader {
    fn take(&mut self, n: usize) -> Option<Bytes> {
        let end = self.at.checked_add(n)?;
        if end > self.bytes.len() {
            return None;
        }
        let out = self.bytes.slice(self.at..end);
        self.at = end;
        Some(out)
    }

    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.as_ref().try_into().ok()
    }

    fn u8(&mut self) -> Option<u8> {
        Some(self.array::<1>()?[0])
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_be_bytes(self.array()?))
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.array()?))
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.array()?))
    }

    fn rest(self) -> Bytes {
        self.bytes.slice(self.at.min(self.bytes.len())..)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use bytes::Bytes;
    use http::header::{self, HeaderName};
    use http::{HeaderMap, StatusCode, Uri};

    use super::super::entry::{CacheEntry, CachedResponse, Stored};
    use super::super::policy::{Rules, View};

    fn response() -> CacheEntry {
        let rules = Rules {
            ttl: Duration::from_secs(60),
            statuses: None,
            allow_authorization: false,
            allow_cookies: false,
        };
        let uri = Uri::from_static("/page?x=1");
        let request = HeaderMap::new();
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "text/plain".parse().unwrap());
        headers.insert(header::ETAG, "\"v1\"".parse().unwrap());
        headers.append(header::VARY, "Accept".parse().unwrap());
        let now = SystemTime::now();
        let view = View {
            uri: &uri,
            headers: &request,
        };
        let freshness = rules
            .storable(&view, StatusCode::OK, &headers, now)
            .unwrap();
        CacheEntry(Stored::Response(Box::new(CachedResponse::new(
            StatusCode::NOT_FOUND,
            headers,
            Bytes::from_static(b"body \x00\xff"),
            freshness,
            now,
        ))))
    }

    #[test]
    fn entries_round_trip() {
        let entry = response();
        let back = CacheEntry::from_bytes(entry.to_bytes()).unwrap();
        let (Stored::Response(a), Stored::Response(b)) = (&entry.0, &back.0) else {
            panic!("a response comes back a response");
        };
        assert_eq!(a.status, b.status);
        assert_eq!(a.headers, b.headers);
        assert_eq!(a.body, b.body);
        assert_eq!(
            a.freshness.fresh_for.as_secs(),
            b.freshness.fresh_for.as_secs()
        );
        assert!(b.freshness.has_validator);
        let list = CacheEntry(Stored::Variants(
            vec![header::ACCEPT, HeaderName::from_static("x-tenant")].into(),
        ));
        let Stored::Variants(names) = CacheEntry::from_bytes(list.to_bytes()).unwrap().0 else {
            panic!("a list comes back a list");
        };
        assert_eq!(
            &*names,
            [header::ACCEPT, HeaderName::from_static("x-tenant")]
        );
    }

    #[test]
    fn anything_else_is_none() {
        let bytes = response().to_bytes();
        for cut in [0, 3, 5, 6, 20, 60] {
            assert!(
                CacheEntry::from_bytes(bytes.slice(..cut)).is_none(),
                "cut at {cut}"
            );
        }
        assert!(CacheEntry::from_bytes(Bytes::from_static(b"rwsc\x02\x01")).is_none());
        assert!(CacheEntry::from_bytes(Bytes::from_static(b"GIF89a")).is_none());
    }
}
