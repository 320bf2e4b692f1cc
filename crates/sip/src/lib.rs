//! Sans-IO SIP for the softphone.
//!
//! Owns: the SIP message parser and printer, URIs, headers (including compact forms),
//! transactions (RFC 3261 §17, RFC 6026), dialogs, registration, digest authentication, INVITE
//! sessions and the other request methods a phone needs.
//!
//! Must never depend on: sockets, threads, clocks, global randomness, tokio, or the `media` and
//! `audio` crates. Time and bytes go in, bytes and events come out.
//!
//! # The message layer (this part)
//!
//! - [`Message`]: parse a datagram ([`Message::parse`]) or a stream prefix
//!   ([`Message::parse_prefix`]), read headers raw ([`Message::headers`]) or typed
//!   ([`Message::get`], [`Message::get_all`], [`headers`]), build and print
//!   ([`Message::request`], [`Message::push_typed`], [`Message::to_bytes`]).
//! - [`Uri`]: `sip:`/`sips:`/`tel:` and opaque URIs, RFC 3261 §19.1.4 comparison.
//! - [`framer::StreamFramer`]: whole messages out of TCP/TLS byte chunks, keepalives, limits.
//! - [`validate::validate_request`]: what a UAS must answer to a malformed-but-parsable
//!   request (400/416/420/415/505/483...).
//! - [`digest`]: Digest challenges and responses (MD5, SHA-256, SHA-512-256, `-sess`).
//! - [`multipart`]: `multipart/*` bodies.
//!
//! Nothing here panics on network input: every parser returns [`SipError`].

pub mod digest;
pub mod error;
pub mod framer;
pub mod grammar;
pub mod headers;
pub mod message;
pub mod method;
pub mod multipart;
pub mod params;
pub mod ua;
pub mod uri;
pub mod validate;

pub use error::{Result, SipError};
pub use framer::{FramerConfig, FramerEvent, StreamFramer};
pub use headers::{HeaderName, TypedHeader};
pub use message::{BodyFraming, Header, Message, RequestLine, StartLine, StatusLine};
pub use method::{Method, Version};
pub use params::{Param, Params};
pub use uri::{Host, Scheme, Uri};
pub use validate::{validate_request, validate_response, Rejection, UasPolicy};
