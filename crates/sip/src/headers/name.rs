//! Header names: the known set, compact forms (RFC 3261 §7.3.3 and extensions), and the
//! case-insensitive lookup used by the parser.

use std::fmt;

macro_rules! header_names {
    ($( $variant:ident => $text:literal, list: $list:literal; )*) => {
        /// A header name. Known names are matched case-insensitively, and compact forms map
        /// to their full name; anything else is [`HeaderName::Other`] (its text stays in the
        /// message).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum HeaderName {
            $(
                #[doc = concat!("`", $text, "`")]
                $variant,
            )*
            /// Any header this crate has no name for.
            Other,
        }

        impl HeaderName {
            /// The canonical spelling (`"Other"` for [`HeaderName::Other`]).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( HeaderName::$variant => $text, )*
                    HeaderName::Other => "Other",
                }
            }

            /// True when the header's grammar is a comma-separated list (`1#element`), so
            /// several values may share one line and lines may be combined.
            pub fn is_list(self) -> bool {
                match self {
                    $( HeaderName::$variant => $list, )*
                    HeaderName::Other => false,
                }
            }

            #[cfg(test)]
            const ALL: &'static [(HeaderName, &'static str)] = &[
                $( (HeaderName::$variant, $text), )*
            ];
        }
    };
}

header_names! {
    Accept => "Accept", list: true;
    AcceptEncoding => "Accept-Encoding", list: true;
    AcceptLanguage => "Accept-Language", list: true;
    AlertInfo => "Alert-Info", list: true;
    Allow => "Allow", list: true;
    AllowEvents => "Allow-Events", list: true;
    AuthenticationInfo => "Authentication-Info", list: false;
    Authorization => "Authorization", list: false;
    CallId => "Call-ID", list: false;
    CallInfo => "Call-Info", list: true;
    Contact => "Contact", list: true;
    ContentDisposition => "Content-Disposition", list: false;
    ContentEncoding => "Content-Encoding", list: true;
    ContentLanguage => "Content-Language", list: true;
    ContentLength => "Content-Length", list: false;
    ContentType => "Content-Type", list: false;
    CSeq => "CSeq", list: false;
    Date => "Date", list: false;
    ErrorInfo => "Error-Info", list: true;
    Event => "Event", list: false;
    Expires => "Expires", list: false;
    From => "From", list: false;
    Identity => "Identity", list: false;
    InReplyTo => "In-Reply-To", list: true;
    MaxForwards => "Max-Forwards", list: false;
    MimeVersion => "MIME-Version", list: false;
    MinExpires => "Min-Expires", list: false;
    MinSe => "Min-SE", list: false;
    Organization => "Organization", list: false;
    PAssertedIdentity => "P-Asserted-Identity", list: true;
    PPreferredIdentity => "P-Preferred-Identity", list: true;
    Path => "Path", list: true;
    Priority => "Priority", list: false;
    ProxyAuthenticate => "Proxy-Authenticate", list: false;
    ProxyAuthorization => "Proxy-Authorization", list: false;
    ProxyRequire => "Proxy-Require", list: true;
    RAck => "RAck", list: false;
    Reason => "Reason", list: true;
    RecordRoute => "Record-Route", list: true;
    ReferTo => "Refer-To", list: false;
    ReferredBy => "Referred-By", list: false;
    Replaces => "Replaces", list: false;
    ReplyTo => "Reply-To", list: false;
    Require => "Require", list: true;
    RetryAfter => "Retry-After", list: false;
    Route => "Route", list: true;
    RSeq => "RSeq", list: false;
    Server => "Server", list: false;
    ServiceRoute => "Service-Route", list: true;
    SessionExpires => "Session-Expires", list: false;
    Subject => "Subject", list: false;
    SubscriptionState => "Subscription-State", list: false;
    Supported => "Supported", list: true;
    Timestamp => "Timestamp", list: false;
    To => "To", list: false;
    Unsupported => "Unsupported", list: true;
    UserAgent => "User-Agent", list: false;
    Via => "Via", list: true;
    Warning => "Warning", list: true;
    WwwAuthenticate => "WWW-Authenticate", list: false;
}

/// Full-name lookup: candidates with the same length and first letter, compared
/// case-insensitively.
fn lookup_full(b: &[u8]) -> HeaderName {
    let first = b.first().map_or(0, u8::to_ascii_lowercase);
    let candidates: &[(HeaderName, &[u8])] = match (b.len(), first) {
        (2, b't') => &[(HeaderName::To, b"To")],
        (3, b'v') => &[(HeaderName::Via, b"Via")],
        (4, b'c') => &[(HeaderName::CSeq, b"CSeq")],
        (4, b'd') => &[(HeaderName::Date, b"Date")],
        (4, b'f') => &[(HeaderName::From, b"From")],
        (4, b'p') => &[(HeaderName::Path, b"Path")],
        (4, b'r') => &[(HeaderName::RAck, b"RAck"), (HeaderName::RSeq, b"RSeq")],
        (5, b'a') => &[(HeaderName::Allow, b"Allow")],
        (5, b'e') => &[(HeaderName::Event, b"Event")],
        (5, b'r') => &[(HeaderName::Route, b"Route")],
        (6, b'a') => &[(HeaderName::Accept, b"Accept")],
        (6, b'm') => &[(HeaderName::MinSe, b"Min-SE")],
        (6, b'r') => &[(HeaderName::Reason, b"Reason")],
        (6, b's') => &[(HeaderName::Server, b"Server")],
        (7, b'c') => &[
            (HeaderName::CallId, b"Call-ID"),
            (HeaderName::Contact, b"Contact"),
        ],
        (7, b'e') => &[(HeaderName::Expires, b"Expires")],
        (7, b'r') => &[(HeaderName::Require, b"Require")],
        (7, b's') => &[(HeaderName::Subject, b"Subject")],
        (7, b'w') => &[(HeaderName::Warning, b"Warning")],
        (8, b'i') => &[(HeaderName::Identity, b"Identity")],
        (8, b'p') => &[(HeaderName::Priority, b"Priority")],
        (8, b'r') => &[
            (HeaderName::ReferTo, b"Refer-To"),
            (HeaderName::Replaces, b"Replaces"),
            (HeaderName::ReplyTo, b"Reply-To"),
        ],
        (9, b'c') => &[(HeaderName::CallInfo, b"Call-Info")],
        (9, b's') => &[(HeaderName::Supported, b"Supported")],
        (9, b't') => &[(HeaderName::Timestamp, b"Timestamp")],
        (10, b'a') => &[(HeaderName::AlertInfo, b"Alert-Info")],
        (10, b'e') => &[(HeaderName::ErrorInfo, b"Error-Info")],
        (10, b'u') => &[(HeaderName::UserAgent, b"User-Agent")],
        (11, b'i') => &[(HeaderName::InReplyTo, b"In-Reply-To")],
        (11, b'm') => &[(HeaderName::MinExpires, b"Min-Expires")],
        (11, b'r') => &[
            (HeaderName::ReferredBy, b"Referred-By"),
            (HeaderName::RetryAfter, b"Retry-After"),
        ],
        (11, b'u') => &[(HeaderName::Unsupported, b"Unsupported")],
        (12, b'a') => &[(HeaderName::AllowEvents, b"Allow-Events")],
        (12, b'c') => &[(HeaderName::ContentType, b"Content-Type")],
        (12, b'm') => &[
            (HeaderName::MaxForwards, b"Max-Forwards"),
            (HeaderName::MimeVersion, b"MIME-Version"),
        ],
        (12, b'o') => &[(HeaderName::Organization, b"Organization")],
        (12, b'r') => &[(HeaderName::RecordRoute, b"Record-Route")],
        (13, b'a') => &[(HeaderName::Authorization, b"Authorization")],
        (13, b'p') => &[(HeaderName::ProxyRequire, b"Proxy-Require")],
        (13, b's') => &[(HeaderName::ServiceRoute, b"Service-Route")],
        (14, b'c') => &[(HeaderName::ContentLength, b"Content-Length")],
        (15, b'a') => &[
            (HeaderName::AcceptEncoding, b"Accept-Encoding"),
            (HeaderName::AcceptLanguage, b"Accept-Language"),
        ],
        (15, b's') => &[(HeaderName::SessionExpires, b"Session-Expires")],
        (16, b'c') => &[
            (HeaderName::ContentEncoding, b"Content-Encoding"),
            (HeaderName::ContentLanguage, b"Content-Language"),
        ],
        (16, b'w') => &[(HeaderName::WwwAuthenticate, b"WWW-Authenticate")],
        (18, b'p') => &[(HeaderName::ProxyAuthenticate, b"Proxy-Authenticate")],
        (18, b's') => &[(HeaderName::SubscriptionState, b"Subscription-State")],
        (19, b'a') => &[(HeaderName::AuthenticationInfo, b"Authentication-Info")],
        (19, b'c') => &[(HeaderName::ContentDisposition, b"Content-Disposition")],
        (19, b'p') => &[
            (HeaderName::PAssertedIdentity, b"P-Asserted-Identity"),
            (HeaderName::ProxyAuthorization, b"Proxy-Authorization"),
        ],
        (20, b'p') => &[(HeaderName::PPreferredIdentity, b"P-Preferred-Identity")],
        _ => return HeaderName::Other,
    };
    for &(h, text) in candidates {
        // The parser only hands over token characters, for which setting bit 0x20 folds
        // exactly the letters' case.
        if text.len() == b.len() && text.iter().zip(b).all(|(x, y)| x | 0x20 == y | 0x20) {
            return h;
        }
    }
    HeaderName::Other
}

impl HeaderName {
    /// Looks a name up case-insensitively, including the one-letter compact forms
    /// (`v i m f t l c k s e o r u b x y`). Unknown names give [`HeaderName::Other`].
    pub fn from_name(name: &str) -> HeaderName {
        if !crate::grammar::is_token(name) {
            return HeaderName::Other;
        }
        HeaderName::from_bytes(name.as_bytes())
    }

    /// Like [`HeaderName::from_name`], on bytes that are already known to be `token`
    /// characters (the message parser checks them first).
    pub fn from_bytes(b: &[u8]) -> HeaderName {
        if let [c] = b {
            return match c.to_ascii_lowercase() {
                b'v' => HeaderName::Via,
                b'i' => HeaderName::CallId,
                b'm' => HeaderName::Contact,
                b'f' => HeaderName::From,
                b't' => HeaderName::To,
                b'l' => HeaderName::ContentLength,
                b'c' => HeaderName::ContentType,
                b'k' => HeaderName::Supported,
                b's' => HeaderName::Subject,
                b'e' => HeaderName::ContentEncoding,
                b'o' => HeaderName::Event,
                b'r' => HeaderName::ReferTo,
                b'u' => HeaderName::AllowEvents,
                b'b' => HeaderName::ReferredBy,
                b'x' => HeaderName::SessionExpires,
                b'y' => HeaderName::Identity,
                _ => HeaderName::Other,
            };
        }
        lookup_full(b)
    }

    /// The compact form, when RFC 3261 or an extension defines one.
    pub fn compact(self) -> Option<char> {
        Some(match self {
            HeaderName::Via => 'v',
            HeaderName::CallId => 'i',
            HeaderName::Contact => 'm',
            HeaderName::From => 'f',
            HeaderName::To => 't',
            HeaderName::ContentLength => 'l',
            HeaderName::ContentType => 'c',
            HeaderName::Supported => 'k',
            HeaderName::Subject => 's',
            HeaderName::ContentEncoding => 'e',
            HeaderName::Event => 'o',
            HeaderName::ReferTo => 'r',
            HeaderName::AllowEvents => 'u',
            HeaderName::ReferredBy => 'b',
            HeaderName::SessionExpires => 'x',
            HeaderName::Identity => 'y',
            _ => return None,
        })
    }
}

impl fmt::Display for HeaderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup() {
        assert_eq!(
            HeaderName::from_name("MaX-fOrWaRdS"),
            HeaderName::MaxForwards
        );
        assert_eq!(HeaderName::from_name("v"), HeaderName::Via);
        assert_eq!(HeaderName::from_name("L"), HeaderName::ContentLength);
        assert_eq!(HeaderName::from_name("call-id"), HeaderName::CallId);
        assert_eq!(HeaderName::from_name("C%6Fntact"), HeaderName::Other);
        assert_eq!(HeaderName::from_name(""), HeaderName::Other);
        for &(h, t) in HeaderName::ALL {
            assert_eq!(HeaderName::from_name(t), h);
            assert_eq!(HeaderName::from_name(&t.to_lowercase()), h);
            if let Some(c) = h.compact() {
                assert_eq!(HeaderName::from_name(&c.to_string()), h);
            }
        }
    }
}
