//! `Via` (compact `v`, RFC 3261 §20.42, RFC 3581 `rport`).

use std::fmt;

use super::{HeaderName, TypedHeader};
use crate::error::{Result, SipError};
use crate::grammar::{is_token_char, skip_lws};
use crate::params::{parse_params_to_end, Params};

/// One `via-parm`: `sent-protocol LWS sent-by *( SEMI via-params )`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Via {
    /// Protocol name, normally `SIP`.
    pub protocol: String,
    /// Protocol version, normally `2.0`.
    pub version: String,
    /// Transport token as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS`, or others).
    pub transport: String,
    /// The sent-by host (IPv6 references keep their brackets).
    pub host: String,
    /// The sent-by port.
    pub port: Option<u16>,
    /// Parameters: `branch`, `received`, `rport`, `maddr`, `ttl`, extensions.
    pub params: Params,
}

const ERR: fn(&'static str) -> SipError = |reason| SipError::InvalidHeader {
    header: "Via",
    reason,
};

fn token_at(s: &str, i: usize) -> Result<(&str, usize)> {
    let b = s.as_bytes();
    let start = skip_lws(b, i);
    let mut j = start;
    while b.get(j).is_some_and(|&c| is_token_char(c)) {
        j += 1;
    }
    if j == start {
        return Err(ERR("expected token"));
    }
    Ok((s.get(start..j).unwrap_or(""), j))
}

fn expect(s: &str, i: usize, c: u8) -> Result<usize> {
    let j = skip_lws(s.as_bytes(), i);
    if s.as_bytes().get(j) == Some(&c) {
        Ok(j + 1)
    } else {
        Err(ERR("malformed sent-protocol"))
    }
}

impl Via {
    /// A `SIP/2.0/<transport> host[:port];branch=<branch>` value.
    pub fn new(transport: &str, host: &str, port: Option<u16>, branch: &str) -> Via {
        let mut params = Params::new();
        params.set("branch", Some(branch));
        Via {
            protocol: "SIP".into(),
            version: "2.0".into(),
            transport: transport.into(),
            host: host.into(),
            port,
            params,
        }
    }

    /// The `branch` parameter.
    pub fn branch(&self) -> Option<&str> {
        self.params.value("branch")
    }

    /// True when the branch carries the RFC 3261 magic cookie `z9hG4bK`.
    pub fn has_rfc3261_branch(&self) -> bool {
        self.branch().is_some_and(|b| b.starts_with("z9hG4bK"))
    }

    /// The `received` parameter.
    pub fn received(&self) -> Option<&str> {
        self.params.value("received")
    }

    /// `rport`: `None` when absent, `Some(None)` when present without value (a request for
    /// it), `Some(Some(port))` when filled in.
    pub fn rport(&self) -> Option<Option<u16>> {
        self.params
            .get("rport")
            .map(|v| v.and_then(|p| p.parse().ok()))
    }

    /// The `maddr` parameter.
    pub fn maddr(&self) -> Option<&str> {
        self.params.value("maddr")
    }

    /// The `ttl` parameter.
    pub fn ttl(&self) -> Option<u8> {
        self.params.value("ttl").and_then(|t| t.parse().ok())
    }
}

impl TypedHeader for Via {
    const NAME: HeaderName = HeaderName::Via;

    fn parse(value: &str) -> Result<Via> {
        let (protocol, i) = token_at(value, 0)?;
        let i = expect(value, i, b'/')?;
        let (version, i) = token_at(value, i)?;
        let i = expect(value, i, b'/')?;
        let (transport, i) = token_at(value, i)?;
        let b = value.as_bytes();
        let hs = skip_lws(b, i);
        if hs == i {
            return Err(ERR("missing LWS before sent-by"));
        }
        let mut j = hs;
        if b.get(j) == Some(&b'[') {
            while b.get(j).is_some_and(|&c| c != b']') {
                j += 1;
            }
            if b.get(j) != Some(&b']') {
                return Err(ERR("unterminated IPv6 reference"));
            }
            j += 1;
        } else {
            while b
                .get(j)
                .is_some_and(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_'))
            {
                j += 1;
            }
        }
        if j == hs {
            return Err(ERR("missing sent-by host"));
        }
        let host = value.get(hs..j).unwrap_or("");
        if host.starts_with('[') {
            let inner = host.get(1..host.len() - 1).unwrap_or("");
            if inner.parse::<std::net::Ipv6Addr>().is_err() {
                return Err(ERR("bad IPv6 reference"));
            }
        }
        let mut port = None;
        let k = skip_lws(b, j);
        if b.get(k) == Some(&b':') {
            let ps = skip_lws(b, k + 1);
            let mut pe = ps;
            while b.get(pe).is_some_and(u8::is_ascii_digit) {
                pe += 1;
            }
            port = Some(
                value
                    .get(ps..pe)
                    .and_then(|p| p.parse::<u16>().ok())
                    .ok_or(ERR("bad port"))?,
            );
            j = pe;
        }
        let params = parse_params_to_end(value, j, "Via")?;
        if let Some(v) = params.find("branch") {
            if v.value.is_none() {
                return Err(ERR("branch without value"));
            }
        }
        Ok(Via {
            protocol: protocol.to_owned(),
            version: version.to_owned(),
            transport: transport.to_owned(),
            host: host.to_owned(),
            port,
            params,
        })
    }
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{} {}",
            self.protocol, self.version, self.transport, self.host
        )?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        write!(f, "{}", self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_via() {
        let v = Via::parse("SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw").unwrap();
        assert_eq!(
            (
                v.protocol.as_str(),
                v.version.as_str(),
                v.transport.as_str()
            ),
            ("SIP", "2.0", "UDP")
        );
        assert_eq!(v.host, "192.0.2.2");
        assert_eq!(v.branch(), Some("390skdjuw"));
        assert_eq!(v.to_string(), "SIP/2.0/UDP 192.0.2.2;branch=390skdjuw");
    }

    #[test]
    fn params_and_ports() {
        let v =
            Via::parse("SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK1;rport;received=10.0.0.1")
                .unwrap();
        assert_eq!(v.host, "[2001:db8::1]");
        assert_eq!(v.port, Some(5070));
        assert_eq!(v.rport(), Some(None));
        assert_eq!(v.received(), Some("10.0.0.1"));
        assert!(v.has_rfc3261_branch());
        assert_eq!(Via::parse(&v.to_string()).unwrap(), v);
    }

    #[test]
    fn bad_vias() {
        for bad in [
            "SIP/2.0/UDP 192.0.2.15;;",
            "SIP/2.0/UDP",
            "SIP/2.0 host",
            "SIP/2.0/UDP host:x",
            ";;",
        ] {
            assert!(Via::parse(bad).is_err(), "{bad}");
        }
    }
}
