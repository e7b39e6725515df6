//! A guard in front of the parser: the bytes before the first part and each part's header
//! section are bounded (multer buffers both until it finds their end, with no limit of its own).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_core::Stream;

use super::MultipartError;
use super::error::Carried;
use crate::extract::BodyStream;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for the next delimiter (`\r\n--boundary`); `preamble` before the first part.
    Data { preamble: bool },
    /// Inside a part's header section, `len` bytes in; `window` the last four bytes.
    Header { len: usize, window: u32 },
    /// After the close delimiter: the rest is not the parser's.
    Epilogue,
}

/// The body, checked as it streams past.
#[derive(Debug)]
pub(super) struct Guarded {
    inner: BodyStream,
    scanner: Scanner,
    failed: bool,
}

impl Guarded {
    pub(super) fn new(inner: BodyStream, boundary: &str, header_limit: usize) -> Self {
        Guarded {
            inner,
            scanner: Scanner::new(boundary, header_limit),
            failed: false,
        }
    }
}

/// Where in the body the bytes seen so far end, chunk after chunk.
#[derive(Debug)]
struct Scanner {
    /// Searches for `\r\n--boundary`; built once, as building one is most of a short search.
    finder: memchr::memmem::Finder<'static>,
    /// The carry and the next chunk's head, joined to find a delimiter across them (reused).
    scratch: Vec<u8>,
    /// The end of the previous chunk, at most `delimiter.len() - 1` bytes: a delimiter may span two chunks.
    carry: Vec<u8>,
    state: State,
    preamble_seen: usize,
    header_limit: usize,
}

const CRLF_CRLF: u32 = u32::from_be_bytes(*b"\r\n\r\n");

impl Scanner {
    fn new(boundary: &str, header_limit: usize) -> Self {
        let delimiter = [b"\r\n--", boundary.as_bytes()].concat();
        Scanner {
            finder: memchr::memmem::Finder::new(&delimiter).into_owned(),
            scratch: Vec::with_capacity(2 * delimiter.len()),
            // The body may open with the delimiter without its CRLF (RFC 2046 §5.1.1).
            carry: b"\r\n".to_vec(),
            state: State::Data { preamble: true },
            preamble_seen: 0,
            header_limit,
        }
    }

    /// Walks `chunk` through the states.
    fn check(&mut self, mut chunk: &[u8]) -> Result<(), MultipartError> {
        while !chunk.is_empty() {
            match self.state {
                State::Epilogue => return Ok(()),
                State::Data { preamble } => match self.find_delimiter(chunk) {
                    Some(end) => {
                        if preamble {
                            self.count_preamble(end)?;
                        }
                        self.carry.clear();
                        self.state = State::Header { len: 0, window: 0 };
                        chunk = &chunk[end..];
                    }
                    None => {
                        if preamble {
                            self.count_preamble(chunk.len())?;
                        }
                        self.keep_tail(chunk);
                        return Ok(());
                    }
                },
                State::Header {
                    mut len,
                    mut window,
                } => {
                    let mut taken = 0;
                    for &b in chunk {
                        taken += 1;
                        len += 1;
                        window = (window << 8) | u32::from(b);
                        if len == 2 && window & 0xffff == u32::from(u16::from_be_bytes(*b"--")) {
                            self.state = State::Epilogue;
                            return Ok(());
                        }
                        if len > self.header_limit {
                            return Err(MultipartError::PartHeaderTooLarge {
                                limit: self.header_limit,
                            });
                        }
                        if len >= 4 && window == CRLF_CRLF {
                            self.state = State::Data { preamble: false };
                            break;
                        }
                    }
                    if let State::Header { .. } = self.state {
                        self.state = State::Header { len, window };
                    }
                    chunk = &chunk[taken..];
                }
            }
        }
        Ok(())
    }

    fn count_preamble(&mut self, n: usize) -> Result<(), MultipartError> {
        self.preamble_seen = self.preamble_seen.saturating_add(n);
        if self.preamble_seen > self.header_limit {
            return Err(MultipartError::PartHeaderTooLarge {
                limit: self.header_limit,
            });
        }
        Ok(())
    }

    /// Where in `chunk` the first delimiter ends, counting one that began in the carry.
    fn find_delimiter(&mut self, chunk: &[u8]) -> Option<usize> {
        let len = self.finder.needle().len();
        if !self.carry.is_empty() {
            let head = &chunk[..chunk.len().min(len - 1)];
            self.scratch.clear();
            self.scratch.extend_from_slice(&self.carry);
            self.scratch.extend_from_slice(head);
            if let Some(at) = self.finder.find(&self.scratch)
                && at < self.carry.len()
            {
                return Some(at + len - self.carry.len());
            }
        }
        self.finder.find(chunk).map(|at| at + len)
    }

    fn keep_tail(&mut self, chunk: &[u8]) {
        let keep = self.finder.needle().len() - 1;
        self.carry.extend_from_slice(chunk);
        let excess = self.carry.len().saturating_sub(keep);
        self.carry.drain(..excess);
    }
}

impl Stream for Guarded {
    type Item = Result<Bytes, Carried>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        Poll::Ready(match ready!(Pin::new(&mut self.inner).poll_next(cx)) {
            Some(Ok(chunk)) => match self.scanner.check(&chunk) {
                Ok(()) => Some(Ok(chunk)),
                Err(e) => {
                    self.failed = true;
                    Some(Err(Carried(e)))
                }
            },
            Some(Err(e)) => {
                self.failed = true;
                Some(Err(Carried(MultipartError::Body(e))))
            }
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = b"--b0undary\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue with \r\n-- inside\r\n--b0undary\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n\r\n--b0undary--\r\nepilogue";

    fn scan(chunks: &[&[u8]], limit: usize) -> Result<State, MultipartError> {
        let mut scanner = Scanner::new("b0undary", limit);
        for chunk in chunks {
            scanner.check(chunk)?;
        }
        Ok(scanner.state)
    }

    #[test]
    fn every_split_into_two_chunks_reaches_the_epilogue() {
        for at in 0..=BODY.len() {
            let (a, b) = BODY.split_at(at);
            assert_eq!(scan(&[a, b], 64).unwrap(), State::Epilogue, "split at {at}");
        }
    }

    #[test]
    fn byte_by_byte_too() {
        let bytes: Vec<&[u8]> = BODY.chunks(1).collect();
        assert_eq!(scan(&bytes, 64).unwrap(), State::Epilogue);
    }

    #[test]
    fn a_header_over_the_limit_fails_wherever_the_chunks_split() {
        // The first part's header section is 44 bytes from the delimiter's end to its CRLFCRLF.
        for at in 0..BODY.len() {
            let (a, b) = BODY.split_at(at);
            assert!(
                matches!(
                    scan(&[a, b], 40),
                    Err(MultipartError::PartHeaderTooLarge { limit: 40 })
                ),
                "split at {at}"
            );
        }
    }

    #[test]
    fn a_long_preamble_is_bounded_like_a_header() {
        let mut body = vec![b'p'; 100];
        body.extend_from_slice(BODY);
        assert!(scan(&[&body], 64).is_err());
        assert_eq!(
            scan(&[&body[..50], &body[50..]], 200).unwrap(),
            State::Epilogue
        );
    }
}
