//! `name-addr` / `addr-spec` values: From, To, Contact, Route, Record-Route, Refer-To,
//! Referred-By (RFC 3261 §20.10, §20.20, §20.39; RFC 3515; RFC 3892).

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::{HeaderName, TypedHeader};
use crate::error::{Result, SipError};
use crate::grammar::{is_lws, is_token_char, quote, quoted_end, skip_lws, trim_lws, unquote};
use crate::params::{parse_params_to_end, Params};
use crate::uri::Uri;

/// `( name-addr / addr-spec ) *( SEMI param )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameAddr {
    /// The display name, unquoted (quoted-pairs decoded). Unquoted multi-token names keep
    /// their inner whitespace as written.
    pub display_name: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters (after the URI, outside `<>`), e.g. `tag`, `expires`, `q`.
    pub params: Params,
}

impl NameAddr {
    /// A name-addr with no display name and no parameters.
    pub fn new(uri: Uri) -> NameAddr {
        NameAddr {
            display_name: None,
            uri,
            params: Params::new(),
        }
    }

    /// Parses a value; `header` names the header in errors.
    pub fn parse_for(value: &str, header: &'static str) -> Result<NameAddr> {
        let err = |reason| SipError::InvalidHeader { header, reason };
        let s = trim_lws(value);
        let b = s.as_bytes();
        let mut display_name = None;
        let lt = match b.first() {
            Some(b'"') => {
                let end = quoted_end(b, 0).ok_or(err("unterminated quoted display name"))?;
                let inner = s.get(1..end - 1).ok_or(err("bad display name"))?;
                display_name = Some(unquote(inner).into_owned());
                let i = skip_lws(b, end);
                if b.get(i) != Some(&b'<') {
                    return Err(err("display name not followed by <URI>"));
                }
                Some(i)
            }
            Some(b'<') => Some(0),
            _ => {
                // Either `*(token LWS) <uri>` or an addr-spec.
                let mut j = 0;
                while b.get(j).is_some_and(|&c| is_token_char(c) || is_lws(c)) {
                    j += 1;
                }
                if b.get(j) == Some(&b'<') {
                    let name = trim_lws(s.get(..j).unwrap_or(""));
                    if !name.is_empty() {
                        display_name = Some(name.to_owned());
                    }
                    Some(j)
                } else {
                    None
                }
            }
        };
        match lt {
            Some(lt) => {
                let gt = b
                    .get(lt..)
                    .and_then(|r| r.iter().position(|&c| c == b'>'))
                    .map(|p| p + lt)
                    .ok_or(err("missing >"))?;
                let uri_text = s.get(lt + 1..gt).ok_or(err("bad URI"))?;
                let uri = Uri::parse(uri_text).map_err(|_| err("invalid URI"))?;
                let params = parse_params_to_end(s, gt + 1, header)?;
                Ok(NameAddr {
                    display_name,
                    uri,
                    params,
                })
            }
            None => {
                let end = b
                    .iter()
                    .position(|&c| c == b';' || is_lws(c))
                    .unwrap_or(b.len());
                let uri_text = s.get(..end).ok_or(err("bad URI"))?;
                if uri_text.contains(['?', ',']) {
                    return Err(err("addr-spec with ? or , must be in <>"));
                }
                let uri = Uri::parse(uri_text).map_err(|_| err("invalid URI"))?;
                let params = parse_params_to_end(s, end, header)?;
                Ok(NameAddr {
                    display_name: None,
                    uri,
                    params,
                })
            }
        }
    }

    /// The `tag` parameter.
    pub fn tag(&self) -> Option<&str> {
        self.params.value("tag")
    }

    /// Sets the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }
}

impl fmt::Display for NameAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(d) = &self.display_name {
            write!(f, "{} ", quote(d))?;
        }
        write!(f, "<{}>{}", self.uri, self.params)
    }
}

macro_rules! name_addr_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub NameAddr);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &str) -> Result<Self> {
                NameAddr::parse_for(value, HeaderName::$name.as_str()).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Deref for $ty {
            type Target = NameAddr;
            fn deref(&self) -> &NameAddr {
                &self.0
            }
        }

        impl DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut NameAddr {
                &mut self.0
            }
        }
    };
}

name_addr_header!(
    /// `From` (compact `f`).
    FromHeader, From
);
name_addr_header!(
    /// `To` (compact `t`).
    ToHeader, To
);
name_addr_header!(
    /// One `Route` element.
    Route, Route
);
name_addr_header!(
    /// One `Record-Route` element.
    RecordRoute, RecordRoute
);
name_addr_header!(
    /// `Refer-To` (compact `r`, RFC 3515).
    ReferTo, ReferTo
);
name_addr_header!(
    /// `Referred-By` (compact `b`, RFC 3892).
    ReferredBy, ReferredBy
);

/// One `Contact` element (compact `m`): `*` or an address with `expires`, `q`,
/// `+sip.instance`...
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contact {
    /// `Contact: *` (REGISTER removal of all bindings).
    Wildcard,
    /// An address.
    Address(NameAddr),
}

impl Contact {
    /// The address, unless this is `*`.
    pub fn address(&self) -> Option<&NameAddr> {
        match self {
            Contact::Wildcard => None,
            Contact::Address(a) => Some(a),
        }
    }

    /// The `expires` parameter: `None` when absent, an error when not a 32-bit number.
    pub fn expires(&self) -> Result<Option<u32>> {
        match self.address().and_then(|a| a.params.get("expires")) {
            None => Ok(None),
            Some(v) => {
                v.and_then(crate::grammar::parse_u32)
                    .map(Some)
                    .ok_or(SipError::InvalidHeader {
                        header: "Contact",
                        reason: "bad expires",
                    })
            }
        }
    }

    /// The `q` parameter (0.0..=1.0) in thousandths: `q=0.33` gives 330.
    pub fn q(&self) -> Result<Option<u16>> {
        let bad = SipError::InvalidHeader {
            header: "Contact",
            reason: "bad q",
        };
        let Some(v) = self.address().and_then(|a| a.params.get("q")) else {
            return Ok(None);
        };
        let v = v.ok_or(bad.clone())?;
        let (int, frac) = v.split_once('.').unwrap_or((v, ""));
        if frac.len() > 3 || !frac.bytes().all(|c| c.is_ascii_digit()) {
            return Err(bad);
        }
        let thousandths = match int {
            "0" => {
                let mut f = 0u16;
                for i in 0..3 {
                    f = f * 10
                        + frac
                            .as_bytes()
                            .get(i)
                            .map(|c| u16::from(c - b'0'))
                            .unwrap_or(0);
                }
                f
            }
            "1" if frac.bytes().all(|c| c == b'0') => 1000,
            _ => return Err(bad),
        };
        Ok(Some(thousandths))
    }

    /// The `+sip.instance` parameter without its quotes (RFC 5626), e.g. `<urn:uuid:...>`.
    pub fn instance(&self) -> Option<&str> {
        self.address().and_then(|a| a.params.value("+sip.instance"))
    }
}

impl TypedHeader for Contact {
    const NAME: HeaderName = HeaderName::Contact;
    fn parse(value: &str) -> Result<Contact> {
        if trim_lws(value) == "*" {
            return Ok(Contact::Wildcard);
        }
        NameAddr::parse_for(value, "Contact").map(Contact::Address)
    }
}

impl fmt::Display for Contact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contact::Wildcard => f.write_str("*"),
            Contact::Address(a) => a.fmt(f),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let a = NameAddr::parse_for(
            "\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8",
            "From",
        )
        .unwrap();
        assert_eq!(a.display_name.as_deref(), Some("J Rosenberg \\\""));
        assert_eq!(a.tag(), Some("98asjd8"));
        let a = NameAddr::parse_for("caller<sip:caller@example.com>;tag=323", "From").unwrap();
        assert_eq!(a.display_name.as_deref(), Some("caller"));
        let a = NameAddr::parse_for("sip:user@example.com;tag=1", "To").unwrap();
        assert_eq!(a.uri.as_str(), "sip:user@example.com");
        assert_eq!(a.tag(), Some("1"));
        assert_eq!(a.to_string(), "<sip:user@example.com>;tag=1");
        let b = NameAddr::parse_for(&a.to_string(), "To").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn invalid_forms() {
        for bad in [
            "\"Mr. J. User <sip:j.user@example.com>",
            "\"Watson, Thomas\" < sip:t.watson@example.org >",
            "Bell, Alexander <sip:a.g.bell@example.com>;tag=43",
            "sip:user@example.com?Route=%3Csip:sip.example.com%3E",
            "\"Joe\" <sip:joe@example.org>;;;;",
            "<sip:a@b",
            "",
        ] {
            assert!(NameAddr::parse_for(bad, "To").is_err(), "{bad}");
        }
    }

    #[test]
    fn contact_params() {
        let c =
            Contact::parse("<sip:a@b>;expires=60;q=0.33;+sip.instance=\"<urn:uuid:1>\"").unwrap();
        assert_eq!(c.expires().unwrap(), Some(60));
        assert_eq!(c.q().unwrap(), Some(330));
        assert_eq!(c.instance(), Some("<urn:uuid:1>"));
        assert_eq!(Contact::parse(" * ").unwrap(), Contact::Wildcard);
        let big = Contact::parse("<sip:a@b>;expires=280297596632815").unwrap();
        assert!(big.expires().is_err());
    }
}
