//! Framing SIP over stream transports (TCP, TLS): bytes in, whole messages out.
//!
//! Feed every chunk read from the connection to [`StreamFramer::push`], then call
//! [`StreamFramer::poll`] until it returns `None`. Chunks may split or coalesce messages
//! anywhere.
//!
//! # Keepalives (RFC 5626 §4.4.1)
//!
//! Between messages, `CRLF CRLF` is a ping ([`FramerEvent::Ping`]: answer with `CRLF`) and
//! a lone `CRLF` a pong ([`FramerEvent::Pong`]). A lone CRLF at the end of the buffer is
//! reported as a pong at once; when the next bytes start with another CRLF the pair is
//! reported as a ping as well, so a ping split across two reads is still answered.
//!
//! # Limits and recovery
//!
//! Memory stays bounded by `max_header_bytes + max_body_bytes` plus the size of one pushed
//! chunk (call `poll` until `None` after each `push`):
//!
//! - A header section longer than `max_header_bytes` is fatal ([`SipError::HeadersTooLarge`]).
//! - A Content-Length above `max_body_bytes` is *not* fatal: the framer returns
//!   [`FramerEvent::Rejected`] with the parsed head (so the engine may answer 413 or 513), then
//!   skips exactly that many body bytes without storing them and carries on with the next
//!   message.
//! - A header section that does not parse, or a message without a usable Content-Length
//!   (RFC 3261 §18.3 makes it mandatory on streams), is fatal: there is no reliable way to
//!   find the next message boundary in garbage, so the framer stops, returns the error once
//!   and [`SipError::StreamFailed`] afterwards, and discards further input. The engine should
//!   close the connection (after answering 400 if it wants to, using the parsed head in
//!   [`FramerEvent::Rejected`] when available).

use crate::error::SipError;
use crate::message::{BodyFraming, Message};

/// Limits of a [`StreamFramer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FramerConfig {
    /// Largest accepted start line + header section, in bytes (default 64 KiB).
    pub max_header_bytes: usize,
    /// Largest accepted Content-Length, in bytes (default 1 MiB).
    pub max_body_bytes: usize,
}

impl Default for FramerConfig {
    fn default() -> FramerConfig {
        FramerConfig {
            max_header_bytes: 64 * 1024,
            max_body_bytes: 1024 * 1024,
        }
    }
}

/// Something the framer found in the stream.
// Messages are the common case: boxing them would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FramerEvent {
    /// A complete message.
    Message(Message),
    /// `CRLF CRLF` keepalive ping: answer with a single `CRLF`.
    Ping,
    /// A single `CRLF` (keepalive pong).
    Pong,
    /// A message refused without breaking the stream: its body was (or will be) skipped.
    Rejected {
        /// Why (e.g. [`SipError::BodyTooLarge`]).
        error: SipError,
        /// The parsed start line and headers (body empty), for an error response.
        head: Box<Message>,
    },
}

/// Counters, for diagnostics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FramerStats {
    /// Messages delivered.
    pub messages: u64,
    /// Pings seen.
    pub pings: u64,
    /// Pongs seen.
    pub pongs: u64,
    /// Messages rejected (body too large).
    pub rejected: u64,
    /// Bytes thrown away (skipped bodies, input after a fatal error).
    pub discarded_bytes: u64,
}

/// The stream framer. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct StreamFramer {
    config: FramerConfig,
    /// Received bytes; those before `start` are already consumed.
    storage: Vec<u8>,
    /// Read position in `storage`: consuming a message moves it instead of shifting the
    /// buffer, so many small messages in one chunk cost linear time.
    start: usize,
    /// Where to resume searching for the end of the header section.
    scan_from: usize,
    /// `(body_start, content_length)` of a head already parsed, waiting for its body.
    pending: Option<(usize, usize)>,
    /// Body bytes of a rejected message still to skip.
    skip: usize,
    /// The last event was a pong from a CRLF at the end of the buffer.
    after_lone_crlf: bool,
    failed: bool,
    stats: FramerStats,
}

impl StreamFramer {
    /// A framer with the given limits.
    pub fn new(config: FramerConfig) -> StreamFramer {
        StreamFramer {
            config,
            ..StreamFramer::default()
        }
    }

    /// Appends bytes read from the connection.
    pub fn push(&mut self, mut bytes: &[u8]) {
        if self.failed {
            self.stats.discarded_bytes += bytes.len() as u64;
            return;
        }
        if self.start > 0 {
            self.storage.drain(..self.start.min(self.storage.len()));
            self.start = 0;
        }
        if self.skip > 0 && self.data().is_empty() {
            let n = self.skip.min(bytes.len());
            self.skip -= n;
            self.stats.discarded_bytes += n as u64;
            bytes = bytes.get(n..).unwrap_or(&[]);
        }
        self.storage.extend_from_slice(bytes);
    }

    /// Bytes buffered and not yet returned.
    pub fn buffered(&self) -> usize {
        self.data().len()
    }

    /// True after a fatal error: the connection should be closed.
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// Counters.
    pub fn stats(&self) -> FramerStats {
        self.stats
    }

    fn data(&self) -> &[u8] {
        self.storage.get(self.start..).unwrap_or(&[])
    }

    fn consume(&mut self, n: usize) {
        self.start = self.start.saturating_add(n).min(self.storage.len());
        if self.start == self.storage.len() {
            self.storage.clear();
            self.start = 0;
        }
        self.scan_from = 0;
        self.pending = None;
    }

    fn fail(&mut self, e: SipError) -> Option<Result<FramerEvent, SipError>> {
        self.failed = true;
        self.stats.discarded_bytes += self.data().len() as u64;
        self.storage = Vec::new();
        self.start = 0;
        Some(Err(e))
    }

    /// The next event, `None` when more bytes are needed. After an `Err` the framer is
    /// failed and every later call returns `Err(SipError::StreamFailed)`.
    pub fn poll(&mut self) -> Option<Result<FramerEvent, SipError>> {
        if self.failed {
            return Some(Err(SipError::StreamFailed));
        }
        if self.skip > 0 {
            let n = self.skip.min(self.data().len());
            self.skip -= n;
            self.stats.discarded_bytes += n as u64;
            self.consume(n);
            if self.skip > 0 {
                return None;
            }
        }
        if let Some((body_start, len)) = self.pending {
            return self.finish(body_start, len);
        }
        // keepalives between messages
        if self.data().starts_with(b"\r\n") {
            if self.after_lone_crlf {
                self.after_lone_crlf = false;
                self.consume(2);
                self.stats.pings += 1;
                return Some(Ok(FramerEvent::Ping));
            }
            if self.data().starts_with(b"\r\n\r\n") {
                self.consume(4);
                self.stats.pings += 1;
                return Some(Ok(FramerEvent::Ping));
            }
            if self.data().len() == 2 {
                self.after_lone_crlf = true;
            }
            self.consume(2);
            self.stats.pongs += 1;
            return Some(Ok(FramerEvent::Pong));
        }
        if self.data().is_empty() {
            return None;
        }
        let stray = self.data().iter().take_while(|&&b| b == b'\n').count();
        if stray > 0 {
            // bare LFs between messages: tolerated and dropped
            self.stats.discarded_bytes += stray as u64;
            self.consume(stray);
            if self.data().is_empty() {
                return None;
            }
        }
        if self.data() == b"\r" {
            return None;
        }
        self.after_lone_crlf = false;
        // find the end of the header section: LF followed by LF or CRLF
        let limit = self.config.max_header_bytes;
        let mut from = self.scan_from;
        let body_start = loop {
            match self
                .data()
                .get(from..)
                .and_then(|b| memchr::memchr(b'\n', b))
            {
                None => {
                    self.scan_from = self.data().len().saturating_sub(2);
                    if self.data().len() > limit {
                        return self.fail(SipError::HeadersTooLarge { limit });
                    }
                    return None;
                }
                Some(p) => {
                    let nl = from + p;
                    match (
                        self.data().get(nl + 1).copied(),
                        self.data().get(nl + 2).copied(),
                    ) {
                        (Some(b'\n'), _) => break nl + 2,
                        (Some(b'\r'), Some(b'\n')) => break nl + 3,
                        (Some(b'\r'), None) | (None, _) => {
                            self.scan_from = nl;
                            if self.data().len() > limit {
                                return self.fail(SipError::HeadersTooLarge { limit });
                            }
                            return None;
                        }
                        _ => from = nl + 1,
                    }
                }
            }
        };
        if body_start > limit {
            return self.fail(SipError::HeadersTooLarge { limit });
        }
        let head = match Message::parse(self.data().get(..body_start).unwrap_or(&[])) {
            Ok(m) => m,
            Err(e) => return self.fail(e),
        };
        match head.framing() {
            BodyFraming::ContentLength => {
                self.consume(body_start);
                self.stats.messages += 1;
                Some(Ok(FramerEvent::Message(head)))
            }
            BodyFraming::Truncated { declared } if declared > self.config.max_body_bytes => {
                self.consume(body_start);
                self.skip = declared;
                self.stats.rejected += 1;
                let error = SipError::BodyTooLarge {
                    declared,
                    limit: self.config.max_body_bytes,
                };
                Some(Ok(FramerEvent::Rejected {
                    error,
                    head: Box::new(head),
                }))
            }
            BodyFraming::Truncated { declared } => {
                self.pending = Some((body_start, declared));
                self.finish(body_start, declared)
            }
            BodyFraming::Implicit | BodyFraming::Invalid | BodyFraming::Conflicting => {
                self.fail(SipError::MissingContentLength)
            }
        }
    }

    fn finish(&mut self, body_start: usize, len: usize) -> Option<Result<FramerEvent, SipError>> {
        let end = body_start.saturating_add(len);
        if self.data().len() < end {
            return None;
        }
        match Message::parse_prefix(self.data().get(..end).unwrap_or(&[])) {
            Ok((m, used)) => {
                self.consume(used);
                self.stats.messages += 1;
                Some(Ok(FramerEvent::Message(m)))
            }
            Err(e) => self.fail(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MSG: &[u8] = b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nContent-Length: 5\r\n\r\nhello";

    fn drain(f: &mut StreamFramer) -> Vec<Result<FramerEvent, SipError>> {
        let mut out = Vec::new();
        while let Some(e) = f.poll() {
            let stop = e.is_err();
            out.push(e);
            if stop {
                break;
            }
        }
        out
    }

    #[test]
    fn byte_by_byte_and_coalesced() {
        let mut stream = b"\r\n\r\n".to_vec();
        stream.extend_from_slice(MSG);
        stream.extend_from_slice(b"\r\n");
        stream.extend_from_slice(MSG);
        let mut f = StreamFramer::new(FramerConfig::default());
        let mut events = Vec::new();
        for b in &stream {
            f.push(std::slice::from_ref(b));
            events.extend(drain(&mut f));
        }
        let msgs = events
            .iter()
            .filter(|e| matches!(e, Ok(FramerEvent::Message(_))))
            .count();
        assert_eq!(msgs, 2);
        assert!(events.iter().any(|e| matches!(e, Ok(FramerEvent::Ping))));
        let mut g = StreamFramer::new(FramerConfig::default());
        g.push(&stream);
        let ev = drain(&mut g);
        assert_eq!(ev.len(), 4, "{ev:?}");
        assert_eq!(ev[0], Ok(FramerEvent::Ping));
        assert_eq!(ev[2], Ok(FramerEvent::Pong));
    }

    #[test]
    fn oversized_body_is_skipped() {
        let mut f = StreamFramer::new(FramerConfig {
            max_header_bytes: 1024,
            max_body_bytes: 4,
        });
        f.push(MSG);
        let ev = drain(&mut f);
        assert!(matches!(
            ev.first(),
            Some(Ok(FramerEvent::Rejected {
                error: SipError::BodyTooLarge { declared: 5, .. },
                ..
            }))
        ));
        let mut small = MSG.to_vec();
        small.truncate(small.len() - 5);
        let s = String::from_utf8(small)
            .unwrap()
            .replace("Content-Length: 5", "Content-Length: 0");
        f.push(s.as_bytes());
        let ev = drain(&mut f);
        assert!(
            matches!(ev.as_slice(), [Ok(FramerEvent::Message(_))]),
            "{ev:?}"
        );
        assert_eq!(f.stats().discarded_bytes, 5);
    }

    #[test]
    fn header_limit_and_garbage_are_fatal() {
        let mut f = StreamFramer::new(FramerConfig {
            max_header_bytes: 100,
            max_body_bytes: 10,
        });
        f.push(&[b'a'; 300]);
        assert_eq!(
            f.poll(),
            Some(Err(SipError::HeadersTooLarge { limit: 100 }))
        );
        assert_eq!(f.poll(), Some(Err(SipError::StreamFailed)));
        assert_eq!(f.buffered(), 0);
        let mut g = StreamFramer::new(FramerConfig::default());
        g.push(b"garbage\r\n\r\n");
        assert!(matches!(g.poll(), Some(Err(_))));
        assert!(g.is_failed());
        let mut h = StreamFramer::new(FramerConfig::default());
        h.push(b"OPTIONS sip:a@b SIP/2.0\r\nVia: x\r\n\r\n");
        assert_eq!(h.poll(), Some(Err(SipError::MissingContentLength)));
    }

    #[test]
    fn many_small_messages_in_one_chunk_are_linear() {
        // 200,000 pings in one push: consuming must not shift the buffer each time.
        let mut f = StreamFramer::new(FramerConfig::default());
        f.push(&b"\r\n\r\n".repeat(200_000));
        let mut pings = 0;
        while let Some(Ok(FramerEvent::Ping)) = f.poll() {
            pings += 1;
        }
        assert_eq!(pings, 200_000);
        assert_eq!(f.buffered(), 0);
        f.push(MSG);
        assert!(matches!(f.poll(), Some(Ok(FramerEvent::Message(_)))));
    }

    #[test]
    fn split_ping() {
        let mut f = StreamFramer::new(FramerConfig::default());
        f.push(b"\r\n");
        assert_eq!(f.poll(), Some(Ok(FramerEvent::Pong)));
        f.push(b"\r\n");
        assert_eq!(f.poll(), Some(Ok(FramerEvent::Ping)));
        assert_eq!(f.poll(), None);
    }
}
