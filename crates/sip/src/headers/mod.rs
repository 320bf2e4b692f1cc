//! Header names and typed header values.
//!
//! Messages keep every header as text ([`crate::Message`] stores name and value verbatim, in
//! order). The types here parse one value on demand through [`TypedHeader`], and print back
//! with `Display`, so building a message is `msg.push_typed(&via)`.
//!
//! Values given to [`TypedHeader::parse`] may contain folding (`CRLF` + whitespace): every
//! parser treats it as linear white space.

mod address;
mod auth;
mod name;
mod values;
mod via;

pub use address::{
    Contact, FromHeader, NameAddr, RecordRoute, ReferTo, ReferredBy, Route, ToHeader,
};
pub use auth::{Authorization, ProxyAuthenticate, ProxyAuthorization, WwwAuthenticate};
pub use name::HeaderName;
pub use values::{
    Accept, AcceptEncoding, Allow, AllowEvents, CSeq, CallId, ContentEncoding, ContentLength,
    ContentType, Date, Event, Expires, MaxForwards, MediaType, MinExpires, MinSe, ProxyRequire,
    RAck, RSeq, Require, SessionExpires, SubscriptionState, Supported, Unsupported,
};
pub use via::Via;

use crate::error::Result;

/// A header value type that can be parsed from, and printed to, header text.
///
/// For list headers ([`HeaderName::is_list`]) one value is one comma-separated element;
/// [`crate::Message::get_all`] does the splitting.
pub trait TypedHeader: Sized + std::fmt::Display {
    /// The header this type reads and writes.
    const NAME: HeaderName;

    /// Parses one value.
    fn parse(value: &str) -> Result<Self>;
}
