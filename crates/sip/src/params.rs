//! Generic `;name=value` parameters shared by URIs' header fields and header values.

use std::fmt;

use crate::error::{Result, SipError};
use crate::grammar::{is_lws, is_token_char, quote, quoted_end, skip_lws, unquote};

/// One `generic-param`: `token [ "=" ( token / host / quoted-string ) ]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// Parameter name as written.
    pub name: String,
    /// Value, without quotes (quoted-pairs decoded) when it was a quoted string.
    pub value: Option<String>,
    /// Whether the value is printed as a quoted string.
    pub quoted: bool,
}

impl Param {
    /// A parameter with a token value (or none).
    pub fn new(name: impl Into<String>, value: Option<&str>) -> Param {
        Param {
            name: name.into(),
            value: value.map(str::to_owned),
            quoted: false,
        }
    }

    /// A parameter whose value is printed as a quoted string.
    pub fn quoted(name: impl Into<String>, value: impl Into<String>) -> Param {
        Param {
            name: name.into(),
            value: Some(value.into()),
            quoted: true,
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        match &self.value {
            Some(v) if self.quoted => write!(f, "={}", quote(v)),
            Some(v) => write!(f, "={v}"),
            None => Ok(()),
        }
    }
}

/// An ordered list of parameters; names compare case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(pub Vec<Param>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params(Vec::new())
    }

    /// The first parameter called `name`.
    pub fn find(&self, name: &str) -> Option<&Param> {
        self.0.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// `Some(Some(value))` / `Some(None)` (present without value) / `None` (absent).
    pub fn get(&self, name: &str) -> Option<Option<&str>> {
        self.find(name).map(|p| p.value.as_deref())
    }

    /// The value of `name` when present with a value.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).flatten()
    }

    /// True when `name` is present (with or without value).
    pub fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Replaces (or appends) `name` with a token value.
    pub fn set(&mut self, name: &str, value: Option<&str>) {
        match self
            .0
            .iter_mut()
            .find(|p| p.name.eq_ignore_ascii_case(name))
        {
            Some(p) => {
                p.value = value.map(str::to_owned);
                p.quoted = false;
            }
            None => self.0.push(Param::new(name, value)),
        }
    }

    /// Removes every parameter called `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|p| !p.name.eq_ignore_ascii_case(name));
    }

    /// Iterates the parameters in order.
    pub fn iter(&self) -> std::slice::Iter<'_, Param> {
        self.0.iter()
    }

    /// True when there is no parameter.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.0 {
            write!(f, ";{p}")?;
        }
        Ok(())
    }
}

/// Characters accepted in an unquoted parameter value: token characters plus those of
/// `host` (IPv6 references) — `:[]` — and `/` seen in the wild.
fn is_value_char(b: u8) -> bool {
    is_token_char(b) || matches!(b, b':' | b'[' | b']' | b'/')
}

/// Parses `*( SEMI generic-param )` starting at byte `i` of `s` (which must point at `;`,
/// LWS, or the end). Stops at the first byte that is not part of the parameter list and
/// returns the parameters with that index. `header` names the header for errors.
pub fn parse_params(s: &str, mut i: usize, header: &'static str) -> Result<(Params, usize)> {
    let b = s.as_bytes();
    let err = |reason| SipError::InvalidHeader { header, reason };
    let mut params = Vec::new();
    loop {
        let j = skip_lws(b, i);
        if b.get(j) != Some(&b';') {
            return Ok((Params(params), i));
        }
        let mut k = skip_lws(b, j + 1);
        let name_start = k;
        while b.get(k).is_some_and(|&c| is_token_char(c)) {
            k += 1;
        }
        if k == name_start {
            return Err(err("empty parameter name"));
        }
        let name = s.get(name_start..k).ok_or(err("bad parameter"))?.to_owned();
        let after_name = k;
        k = skip_lws(b, k);
        if b.get(k) == Some(&b'=') {
            k = skip_lws(b, k + 1);
            if b.get(k) == Some(&b'"') {
                let end = quoted_end(b, k).ok_or(err("unterminated quoted string"))?;
                let inner = s.get(k + 1..end - 1).ok_or(err("bad quoted string"))?;
                params.push(Param {
                    name,
                    value: Some(unquote(inner).into_owned()),
                    quoted: true,
                });
                i = end;
            } else {
                let v_start = k;
                while b.get(k).is_some_and(|&c| is_value_char(c)) {
                    k += 1;
                }
                if k == v_start {
                    return Err(err("empty parameter value"));
                }
                let value = s.get(v_start..k).ok_or(err("bad parameter value"))?;
                params.push(Param {
                    name,
                    value: Some(value.to_owned()),
                    quoted: false,
                });
                i = k;
            }
        } else {
            params.push(Param {
                name,
                value: None,
                quoted: false,
            });
            i = after_name;
        }
    }
}

/// Parses a complete parameter list: like [`parse_params`] but the whole of `s[i..]` must be
/// consumed (only trailing LWS allowed).
pub fn parse_params_to_end(s: &str, i: usize, header: &'static str) -> Result<Params> {
    let (params, end) = parse_params(s, i, header)?;
    if s.as_bytes()
        .get(end..)
        .is_some_and(|rest| rest.iter().all(|&c| is_lws(c)))
    {
        Ok(params)
    } else {
        Err(SipError::InvalidHeader {
            header,
            reason: "unexpected characters after parameters",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_params_with_lws_and_quotes() {
        let s = " ;   tag    = 1918181833n ; x=\"a\\\"b\" ;lr";
        let p = parse_params_to_end(s, 0, "To").unwrap();
        assert_eq!(p.value("tag"), Some("1918181833n"));
        assert_eq!(p.value("x"), Some("a\"b"));
        assert_eq!(p.get("lr"), Some(None));
        assert_eq!(p.to_string(), ";tag=1918181833n;x=\"a\\\"b\";lr");
    }

    #[test]
    fn refuses_empty_names() {
        assert!(parse_params_to_end(";;", 0, "Via").is_err());
        assert!(parse_params_to_end(";a=", 0, "Via").is_err());
    }
}
