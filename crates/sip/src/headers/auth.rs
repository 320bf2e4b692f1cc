//! Authentication headers, typed with the [`crate::digest`] values.

use std::fmt;
use std::ops::Deref;

use super::{HeaderName, TypedHeader};
use crate::digest::{Challenge, Credentials};
use crate::error::Result;

macro_rules! auth_header {
    ($(#[$doc:meta])* $ty:ident, $inner:ident, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $ty(pub $inner);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &str) -> Result<$ty> {
                $inner::parse(value).map($ty)
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl Deref for $ty {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }
    };
}

auth_header!(
    /// `WWW-Authenticate` (a 401 challenge).
    WwwAuthenticate, Challenge, WwwAuthenticate
);
auth_header!(
    /// `Proxy-Authenticate` (a 407 challenge).
    ProxyAuthenticate, Challenge, ProxyAuthenticate
);
auth_header!(
    /// `Authorization` credentials.
    Authorization, Credentials, Authorization
);
auth_header!(
    /// `Proxy-Authorization` credentials.
    ProxyAuthorization, Credentials, ProxyAuthorization
);
