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
    delimiter: Box<[u8]>,
    /// The end of the previous chunk, at most `delimiter.len() - 1` bytes: a delimiter may span two chunks.
    carry: Vec<u8>,
    state: State,
    preamble_seen: usize,
    header_limit: usize,
    failed: bool,
}

const CRLF_CRLF: u32 = u32::from_be_bytes(*b"\r\n\r\n");

impl Guarded {
    pub(super) fn new(inner: BodyStream, boundary: &str, header_limit: usize) -> Self {
        let delimiter: Box<[u8]> = [b"\r\n--", boundary.as_bytes()].concat().into();
        Guarded {
            inner,
            delimiter,
            // The body may open with the delimiter without its CRLF (RFC 2046 §5.1.1).
            carry: b"\r\n".to_vec(),
            state: State::Data { preamble: true },
            preamble_seen: 0,
            header_limit,
            failed: false,
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
    fn find_delimiter(&self, chunk: &[u8]) -> Option<usize> {
        let d = &self.delimiter;
        if !self.carry.is_empty() {
            let head = &chunk[..chunk.len().min(d.len() - 1)];
            let joined = [self.carry.as_slice(), head].concat();
            if let Some(at) = memchr::memmem::find(&joined, d)
                && at < self.carry.len()
            {
                return Some(at + d.len() - self.carry.len());
            }
        }
        memchr::memmem::find(chunk, d).map(|at| at + d.len())
    }

    fn keep_tail(&mut self, chunk: &[u8]) {
        let keep = self.delimiter.len() - 1;
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
            Some(Ok(chunk)) => match self.check(&chunk) {
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
