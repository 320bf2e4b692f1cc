//! Request methods and the SIP version.

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, SipError};
use crate::grammar::is_token;

/// A request method. Methods are case-sensitive (RFC 3261 §7.1); anything that is a `token`
/// but not a method known here is kept as [`Method::Extension`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Method {
    /// `INVITE`
    Invite,
    /// `ACK`
    Ack,
    /// `BYE`
    Bye,
    /// `CANCEL`
    Cancel,
    /// `REGISTER`
    Register,
    /// `OPTIONS`
    Options,
    /// `INFO` (RFC 6086)
    Info,
    /// `UPDATE` (RFC 3311)
    Update,
    /// `PRACK` (RFC 3262)
    Prack,
    /// `SUBSCRIBE` (RFC 6665)
    Subscribe,
    /// `NOTIFY` (RFC 6665)
    Notify,
    /// `REFER` (RFC 3515)
    Refer,
    /// `MESSAGE` (RFC 3428)
    Message,
    /// `PUBLISH` (RFC 3903)
    Publish,
    /// Any other token.
    Extension(Box<str>),
}

impl Method {
    /// Parses a method token.
    pub fn parse(s: &str) -> Result<Method> {
        Ok(match s {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "BYE" => Method::Bye,
            "CANCEL" => Method::Cancel,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "INFO" => Method::Info,
            "UPDATE" => Method::Update,
            "PRACK" => Method::Prack,
            "SUBSCRIBE" => Method::Subscribe,
            "NOTIFY" => Method::Notify,
            "REFER" => Method::Refer,
            "MESSAGE" => Method::Message,
            "PUBLISH" => Method::Publish,
            other if is_token(other) => Method::Extension(other.into()),
            _ => return Err(SipError::InvalidMethod),
        })
    }

    /// The method token.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Bye => "BYE",
            Method::Cancel => "CANCEL",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Info => "INFO",
            Method::Update => "UPDATE",
            Method::Prack => "PRACK",
            Method::Subscribe => "SUBSCRIBE",
            Method::Notify => "NOTIFY",
            Method::Refer => "REFER",
            Method::Message => "MESSAGE",
            Method::Publish => "PUBLISH",
            Method::Extension(s) => s,
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = SipError;
    fn from_str(s: &str) -> Result<Method> {
        Method::parse(s)
    }
}

/// `SIP-Version`: `SIP/major.minor` (the `SIP` literal is case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Version {
    /// Major number (2 for SIP/2.0).
    pub major: u32,
    /// Minor number.
    pub minor: u32,
}

impl Version {
    /// SIP/2.0, the only version this crate speaks.
    pub const SIP_2_0: Version = Version { major: 2, minor: 0 };

    /// Parses `SIP/x.y`.
    pub fn parse(s: &str) -> Result<Version> {
        let rest = match (s.get(..4), s.get(4..)) {
            (Some(p), Some(r)) if p.eq_ignore_ascii_case("SIP/") => r,
            _ => return Err(SipError::InvalidVersion),
        };
        let (ma, mi) = rest.split_once('.').ok_or(SipError::InvalidVersion)?;
        let num = |t: &str| crate::grammar::parse_u32(t).ok_or(SipError::InvalidVersion);
        Ok(Version {
            major: num(ma)?,
            minor: num(mi)?,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SIP/{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods() {
        assert_eq!(Method::parse("INVITE").unwrap(), Method::Invite);
        assert_eq!(
            Method::parse("invite").unwrap(),
            Method::Extension("invite".into())
        );
        let weird = "!interesting-Method0123456789_*+`.%indeed'~";
        assert_eq!(Method::parse(weird).unwrap().as_str(), weird);
        assert!(Method::parse("IN VITE").is_err());
        assert!(Method::parse("").is_err());
    }

    #[test]
    fn versions() {
        assert_eq!(Version::parse("SIP/2.0").unwrap(), Version::SIP_2_0);
        assert_eq!(
            Version::parse("sip/7.0").unwrap(),
            Version { major: 7, minor: 0 }
        );
        assert!(Version::parse("SIP/2").is_err());
        assert!(Version::parse("HTTP/1.1").is_err());
        assert!(Version::parse("SIP/2.0 ").is_err());
    }
}
