//! HTTP Digest authentication for SIP (RFC 2617, RFC 7616, RFC 8760; RFC 3261 §22).
//!
//! Parse a [`Challenge`] from `WWW-Authenticate`/`Proxy-Authenticate`, then
//! [`respond`] with the user's password or a precomputed HA1 to get the [`Credentials`] for
//! `Authorization`/`Proxy-Authorization`. Sans-IO: the caller supplies the `cnonce` and the
//! nonce count.
//!
//! Algorithms: `MD5`, `MD5-sess`, `SHA-256`, `SHA-256-sess`, `SHA-512-256`,
//! `SHA-512-256-sess` (the real SHA-512/256 of FIPS 180-4, not truncated SHA-512).
//! Quality of protection: `auth`, `auth-int`, and the legacy RFC 2069 form with no qop.
//!
//! ```
//! use softphone_sip::digest::{respond, Challenge, DigestInput, Secret};
//! use softphone_sip::headers::Authorization;
//! use softphone_sip::{Message, Method, Uri};
//!
//! // the value of the 401's WWW-Authenticate header
//! let challenge = Challenge::parse(
//!     "Digest realm=\"example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", \
//!      algorithm=SHA-256, qop=\"auth\"",
//! )?;
//! let credentials = respond(&challenge, &DigestInput {
//!     username: "alice",
//!     secret: Secret::Password("secret"),
//!     method: "REGISTER",
//!     uri: "sip:example.com",
//!     body: b"",
//!     cnonce: "0a4f113b", // from the caller's random source
//!     nc: 1,
//! })?;
//! let mut register = Message::request(Method::Register, Uri::parse("sip:example.com")?);
//! register.push_typed(&Authorization(credentials));
//! assert!(register.value(softphone_sip::HeaderName::Authorization).unwrap()
//!     .starts_with("Digest username=\"alice\", realm=\"example.com\""));
//! # Ok::<(), softphone_sip::SipError>(())
//! ```

use std::fmt;

use md5::Md5;
use sha2::{Digest, Sha256, Sha512_256};

use crate::error::{Result, SipError};
use crate::grammar::{is_lws, is_token_char, quote, quoted_end, skip_lws, unquote};

/// One `auth-param`: `name = token / quoted-string`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParam {
    /// Parameter name as written.
    pub name: String,
    /// Value, unquoted.
    pub value: String,
    /// Whether the value is printed quoted.
    pub quoted: bool,
}

impl AuthParam {
    fn new(name: &str, value: &str, quoted: bool) -> AuthParam {
        AuthParam {
            name: name.into(),
            value: value.into(),
            quoted,
        }
    }
}

/// Parses `scheme LWS auth-param *(COMMA auth-param)`.
fn parse_auth(value: &str) -> Result<(String, Vec<AuthParam>)> {
    let err = SipError::InvalidDigest;
    let b = value.as_bytes();
    let mut i = skip_lws(b, 0);
    let s0 = i;
    while b.get(i).is_some_and(|&c| is_token_char(c)) {
        i += 1;
    }
    if i == s0 {
        return Err(err("missing scheme"));
    }
    let scheme = value.get(s0..i).unwrap_or("").to_owned();
    let mut params = Vec::new();
    loop {
        i = skip_lws(b, i);
        match b.get(i) {
            None => break,
            Some(b',') => {
                i += 1;
                continue;
            }
            _ => {}
        }
        let ns = i;
        while b.get(i).is_some_and(|&c| is_token_char(c)) {
            i += 1;
        }
        if i == ns {
            return Err(err("bad parameter name"));
        }
        let name = value.get(ns..i).unwrap_or("");
        i = skip_lws(b, i);
        if b.get(i) != Some(&b'=') {
            return Err(err("parameter without value"));
        }
        i = skip_lws(b, i + 1);
        if b.get(i) == Some(&b'"') {
            let end = quoted_end(b, i).ok_or(err("unterminated quoted string"))?;
            let inner = value.get(i + 1..end - 1).ok_or(err("bad quoted string"))?;
            params.push(AuthParam::new(name, &unquote(inner), true));
            i = end;
        } else {
            let vs = i;
            while b
                .get(i)
                .is_some_and(|&c| is_token_char(c) || c == b'/' || c == b':')
            {
                i += 1;
            }
            if i == vs {
                return Err(err("empty parameter value"));
            }
            params.push(AuthParam::new(name, value.get(vs..i).unwrap_or(""), false));
        }
        let j = skip_lws(b, i);
        match b.get(j) {
            None => break,
            Some(b',') => i = j + 1,
            Some(_) => return Err(err("expected comma")),
        }
    }
    if b.get(i..)
        .unwrap_or(&[])
        .iter()
        .any(|&c| !is_lws(c) && c != b',')
    {
        return Err(err("trailing characters"));
    }
    Ok((scheme, params))
}

fn find<'a>(params: &'a [AuthParam], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|p| p.name.eq_ignore_ascii_case(name))
        .map(|p| p.value.as_str())
}

fn write_auth(f: &mut fmt::Formatter<'_>, scheme: &str, params: &[AuthParam]) -> fmt::Result {
    f.write_str(scheme)?;
    for (i, p) in params.iter().enumerate() {
        f.write_str(if i == 0 { " " } else { ", " })?;
        if p.quoted {
            write!(f, "{}={}", p.name, quote(&p.value))?;
        } else {
            write!(f, "{}={}", p.name, p.value)?;
        }
    }
    Ok(())
}

/// A digest algorithm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5` (the default when the parameter is absent).
    Md5,
    /// `MD5-sess`
    Md5Sess,
    /// `SHA-256` (RFC 7616/8760)
    Sha256,
    /// `SHA-256-sess`
    Sha256Sess,
    /// `SHA-512-256`
    Sha512_256,
    /// `SHA-512-256-sess`
    Sha512_256Sess,
    /// Anything else (cannot be computed).
    Other(String),
}

impl Algorithm {
    /// Parses an algorithm token (case-insensitive).
    pub fn parse(s: &str) -> Algorithm {
        match s.to_ascii_uppercase().as_str() {
            "MD5" => Algorithm::Md5,
            "MD5-SESS" => Algorithm::Md5Sess,
            "SHA-256" => Algorithm::Sha256,
            "SHA-256-SESS" => Algorithm::Sha256Sess,
            "SHA-512-256" => Algorithm::Sha512_256,
            "SHA-512-256-SESS" => Algorithm::Sha512_256Sess,
            _ => Algorithm::Other(s.into()),
        }
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Md5Sess => "MD5-sess",
            Algorithm::Sha256 => "SHA-256",
            Algorithm::Sha256Sess => "SHA-256-sess",
            Algorithm::Sha512_256 => "SHA-512-256",
            Algorithm::Sha512_256Sess => "SHA-512-256-sess",
            Algorithm::Other(s) => s,
        }
    }

    /// True for the `-sess` variants.
    pub fn is_session(&self) -> bool {
        matches!(
            self,
            Algorithm::Md5Sess | Algorithm::Sha256Sess | Algorithm::Sha512_256Sess
        )
    }

    /// Hex digest of `data` with this algorithm's hash function.
    pub fn hash_hex(&self, data: &[u8]) -> Result<String> {
        Ok(match self {
            Algorithm::Md5 | Algorithm::Md5Sess => hex::encode(Md5::digest(data)),
            Algorithm::Sha256 | Algorithm::Sha256Sess => hex::encode(Sha256::digest(data)),
            Algorithm::Sha512_256 | Algorithm::Sha512_256Sess => {
                hex::encode(Sha512_256::digest(data))
            }
            Algorithm::Other(_) => return Err(SipError::UnsupportedDigest("algorithm")),
        })
    }
}

/// A quality-of-protection value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qop {
    /// `auth`
    Auth,
    /// `auth-int` (the body is hashed into HA2)
    AuthInt,
    /// Anything else.
    Other(String),
}

impl Qop {
    fn parse(s: &str) -> Qop {
        if s.eq_ignore_ascii_case("auth") {
            Qop::Auth
        } else if s.eq_ignore_ascii_case("auth-int") {
            Qop::AuthInt
        } else {
            Qop::Other(s.into())
        }
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        match self {
            Qop::Auth => "auth",
            Qop::AuthInt => "auth-int",
            Qop::Other(s) => s,
        }
    }
}

/// A challenge from `WWW-Authenticate` or `Proxy-Authenticate`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme (`Digest`, or anything else).
    pub scheme: String,
    /// All parameters in order.
    pub params: Vec<AuthParam>,
}

impl Challenge {
    /// Parses a challenge header value: one challenge per value, as SIP servers send one
    /// `WWW-Authenticate` line per realm/algorithm (RFC 8760 §2.4).
    pub fn parse(value: &str) -> Result<Challenge> {
        let (scheme, params) = parse_auth(value)?;
        Ok(Challenge { scheme, params })
    }

    /// A parameter by name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }

    /// True for the `Digest` scheme.
    pub fn is_digest(&self) -> bool {
        self.scheme.eq_ignore_ascii_case("Digest")
    }

    /// `realm`
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// `nonce`
    pub fn nonce(&self) -> Option<&str> {
        self.param("nonce")
    }

    /// `opaque`
    pub fn opaque(&self) -> Option<&str> {
        self.param("opaque")
    }

    /// `domain` (space-separated URIs, as written)
    pub fn domain(&self) -> Option<&str> {
        self.param("domain")
    }

    /// `stale=true`: the credentials were right, the nonce expired; retry without asking
    /// the user.
    pub fn stale(&self) -> bool {
        self.param("stale")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }

    /// `userhash=true` (RFC 7616 §3.4.4).
    pub fn userhash(&self) -> bool {
        self.param("userhash")
            .is_some_and(|s| s.eq_ignore_ascii_case("true"))
    }

    /// `algorithm`, MD5 when absent.
    pub fn algorithm(&self) -> Algorithm {
        self.param("algorithm")
            .map(Algorithm::parse)
            .unwrap_or(Algorithm::Md5)
    }

    /// The `qop` options offered (empty for a legacy RFC 2069 challenge).
    pub fn qop_options(&self) -> Vec<Qop> {
        self.param("qop")
            .map(|q| {
                q.split(',')
                    .map(|t| t.trim_matches(|c: char| c.is_ascii_whitespace()))
                    .filter(|t| !t.is_empty())
                    .map(Qop::parse)
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_auth(f, &self.scheme, &self.params)
    }
}

/// Credentials for `Authorization` or `Proxy-Authorization`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// The scheme (`Digest`, or anything else).
    pub scheme: String,
    /// All parameters in order.
    pub params: Vec<AuthParam>,
}

impl Credentials {
    /// Parses a credentials header value.
    pub fn parse(value: &str) -> Result<Credentials> {
        let (scheme, params) = parse_auth(value)?;
        Ok(Credentials { scheme, params })
    }

    /// A parameter by name (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }

    /// `username`
    pub fn username(&self) -> Option<&str> {
        self.param("username")
    }

    /// `realm`
    pub fn realm(&self) -> Option<&str> {
        self.param("realm")
    }

    /// `response`
    pub fn response(&self) -> Option<&str> {
        self.param("response")
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_auth(f, &self.scheme, &self.params)
    }
}

/// The user's secret.
#[derive(Debug, Clone, Copy)]
pub enum Secret<'a> {
    /// The plain password.
    Password(&'a str),
    /// `H(username:realm:password)` in lowercase hex, computed with the challenge's hash.
    Ha1(&'a str),
}

/// Everything [`respond`] needs besides the challenge.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    /// The username.
    pub username: &'a str,
    /// Password or HA1.
    pub secret: Secret<'a>,
    /// The request method (`REGISTER`, `INVITE`...).
    pub method: &'a str,
    /// The digest-uri: the Request-URI as sent.
    pub uri: &'a str,
    /// The request body (hashed only for `auth-int`).
    pub body: &'a [u8],
    /// Client nonce chosen by the caller (unused without qop).
    pub cnonce: &'a str,
    /// Nonce count: 1 for the first request with this nonce, then 2, 3...
    pub nc: u32,
}

/// Computes `H(username:realm:password)`.
pub fn ha1(algorithm: &Algorithm, username: &str, realm: &str, password: &str) -> Result<String> {
    algorithm.hash_hex(format!("{username}:{realm}:{password}").as_bytes())
}

/// Answers a Digest challenge. Chooses `qop=auth` when offered, else `auth-int`, else the
/// legacy no-qop form.
pub fn respond(challenge: &Challenge, input: &DigestInput<'_>) -> Result<Credentials> {
    if !challenge.is_digest() {
        return Err(SipError::UnsupportedDigest("scheme"));
    }
    let alg = challenge.algorithm();
    let realm = challenge
        .realm()
        .ok_or(SipError::InvalidDigest("missing realm"))?;
    let nonce = challenge
        .nonce()
        .ok_or(SipError::InvalidDigest("missing nonce"))?;
    let offered = challenge.qop_options();
    let qop = if offered.contains(&Qop::Auth) {
        Some(Qop::Auth)
    } else if offered.contains(&Qop::AuthInt) {
        Some(Qop::AuthInt)
    } else if offered.is_empty() {
        None
    } else {
        return Err(SipError::UnsupportedDigest("qop"));
    };
    let base_ha1 = match input.secret {
        Secret::Password(p) => ha1(&alg, input.username, realm, p)?,
        Secret::Ha1(h) => h.to_ascii_lowercase(),
    };
    let ha1 = if alg.is_session() {
        alg.hash_hex(format!("{base_ha1}:{nonce}:{}", input.cnonce).as_bytes())?
    } else {
        base_ha1
    };
    let ha2 = match qop {
        Some(Qop::AuthInt) => {
            let hbody = alg.hash_hex(input.body)?;
            alg.hash_hex(format!("{}:{}:{hbody}", input.method, input.uri).as_bytes())?
        }
        _ => alg.hash_hex(format!("{}:{}", input.method, input.uri).as_bytes())?,
    };
    let nc = format!("{:08x}", input.nc);
    let response = match &qop {
        Some(q) => alg.hash_hex(
            format!("{ha1}:{nonce}:{nc}:{}:{}:{ha2}", input.cnonce, q.as_str()).as_bytes(),
        )?,
        None => alg.hash_hex(format!("{ha1}:{nonce}:{ha2}").as_bytes())?,
    };
    let username = if challenge.userhash() {
        alg.hash_hex(format!("{}:{realm}", input.username).as_bytes())?
    } else {
        input.username.to_owned()
    };
    let mut params = vec![
        AuthParam::new("username", &username, true),
        AuthParam::new("realm", realm, true),
        AuthParam::new("nonce", nonce, true),
        AuthParam::new("uri", input.uri, true),
        AuthParam::new("response", &response, true),
    ];
    if challenge.param("algorithm").is_some() {
        params.push(AuthParam::new("algorithm", alg.as_str(), false));
    }
    if let Some(q) = &qop {
        params.push(AuthParam::new("cnonce", input.cnonce, true));
        if let Some(o) = challenge.opaque() {
            params.push(AuthParam::new("opaque", o, true));
        }
        params.push(AuthParam::new("qop", q.as_str(), false));
        params.push(AuthParam::new("nc", &nc, false));
    } else if let Some(o) = challenge.opaque() {
        params.push(AuthParam::new("opaque", o, true));
    }
    if challenge.userhash() {
        params.push(AuthParam::new("userhash", "true", false));
    }
    Ok(Credentials {
        scheme: "Digest".into(),
        params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(user: &'a str, pass: &'a str, uri: &'a str, cnonce: &'a str) -> DigestInput<'a> {
        DigestInput {
            username: user,
            secret: Secret::Password(pass),
            method: "GET",
            uri,
            body: b"",
            cnonce,
            nc: 1,
        }
    }

    #[test]
    fn rfc2617_section_3_5() {
        let c = Challenge::parse(
            "Digest\r\n realm=\"testrealm@host.com\",\r\n qop=\"auth,auth-int\",\r\n nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
        )
        .unwrap();
        assert_eq!(c.qop_options(), vec![Qop::Auth, Qop::AuthInt]);
        let cred = respond(
            &c,
            &input("Mufasa", "Circle Of Life", "/dir/index.html", "0a4f113b"),
        )
        .unwrap();
        assert_eq!(cred.response(), Some("6629fae49393a05397450978507c4ef1"));
        let printed = cred.to_string();
        assert!(printed.starts_with("Digest username=\"Mufasa\", realm=\"testrealm@host.com\""));
        assert!(printed.contains("nc=00000001"));
        assert!(printed.contains("qop=auth,") || printed.contains("qop=auth, "));
        assert_eq!(Credentials::parse(&printed).unwrap(), cred);
    }

    const RFC7616_NONCE: &str = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v";
    const RFC7616_CNONCE: &str = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
    const RFC7616_OPAQUE: &str = "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS";

    fn rfc7616(alg: &str) -> Challenge {
        Challenge::parse(&format!(
            "Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm={alg}, nonce=\"{RFC7616_NONCE}\", opaque=\"{RFC7616_OPAQUE}\""
        ))
        .unwrap()
    }

    #[test]
    fn rfc7616_md5() {
        let c = rfc7616("MD5");
        let cred = respond(
            &c,
            &input(
                "Mufasa",
                "Circle of Life",
                "/dir/index.html",
                RFC7616_CNONCE,
            ),
        )
        .unwrap();
        assert_eq!(cred.response(), Some("8ca523f5e9506fed4657c9700eebdbec"));
        assert_eq!(cred.param("opaque"), Some(RFC7616_OPAQUE));
        assert_eq!(cred.param("algorithm"), Some("MD5"));
    }

    #[test]
    fn rfc7616_sha256() {
        let c = rfc7616("SHA-256");
        assert_eq!(c.algorithm(), Algorithm::Sha256);
        let cred = respond(
            &c,
            &input(
                "Mufasa",
                "Circle of Life",
                "/dir/index.html",
                RFC7616_CNONCE,
            ),
        )
        .unwrap();
        assert_eq!(
            cred.response(),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
    }

    #[test]
    fn precomputed_ha1_gives_same_answer() {
        let c = rfc7616("SHA-256");
        let h = ha1(
            &Algorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
        )
        .unwrap();
        let mut i = input("Mufasa", "", "/dir/index.html", RFC7616_CNONCE);
        i.secret = Secret::Ha1(&h);
        let cred = respond(&c, &i).unwrap();
        assert_eq!(
            cred.response(),
            Some("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")
        );
    }

    #[test]
    fn sha512_256_is_the_real_one() {
        // FIPS 180-4 example: SHA-512/256("abc")
        assert_eq!(
            Algorithm::Sha512_256.hash_hex(b"abc").unwrap(),
            "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23"
        );
        let c = rfc7616("SHA-512-256");
        let cred = respond(
            &c,
            &input(
                "Mufasa",
                "Circle of Life",
                "/dir/index.html",
                RFC7616_CNONCE,
            ),
        )
        .unwrap();
        // Independently computed with Python hashlib.new("sha512_256").
        assert_eq!(cred.response(), Some(SHA512_256_EXPECTED));
    }

    const SHA512_256_EXPECTED: &str =
        "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0";

    #[test]
    fn legacy_no_qop_and_sess() {
        // RFC 2069 style: response = H(HA1:nonce:HA2)
        let c = Challenge::parse("Digest realm=\"r\", nonce=\"n\"").unwrap();
        let cred = respond(&c, &input("u", "p", "sip:r", "")).unwrap();
        let ha1 = Algorithm::Md5.hash_hex(b"u:r:p").unwrap();
        let ha2 = Algorithm::Md5.hash_hex(b"GET:sip:r").unwrap();
        let expected = Algorithm::Md5
            .hash_hex(format!("{ha1}:n:{ha2}").as_bytes())
            .unwrap();
        assert_eq!(cred.response(), Some(expected.as_str()));
        assert!(cred.param("qop").is_none() && cred.param("nc").is_none());

        let c = Challenge::parse(
            "Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\", algorithm=MD5-sess, stale=TRUE",
        )
        .unwrap();
        assert!(c.stale());
        let mut i = input("u", "p", "sip:r", "cn");
        i.body = b"v=0\r\n";
        let cred = respond(&c, &i).unwrap();
        let ha1 = Algorithm::Md5
            .hash_hex(format!("{}:n:cn", Algorithm::Md5.hash_hex(b"u:r:p").unwrap()).as_bytes())
            .unwrap();
        let hb = Algorithm::Md5.hash_hex(b"v=0\r\n").unwrap();
        let ha2 = Algorithm::Md5
            .hash_hex(format!("GET:sip:r:{hb}").as_bytes())
            .unwrap();
        let expected = Algorithm::Md5
            .hash_hex(format!("{ha1}:n:00000001:cn:auth-int:{ha2}").as_bytes())
            .unwrap();
        assert_eq!(cred.response(), Some(expected.as_str()));
    }

    #[test]
    fn bad_challenges() {
        for bad in [
            "",
            "Digest realm",
            "Digest realm=\"x",
            "Digest =x",
            "Digest a=b c=d",
        ] {
            assert!(Challenge::parse(bad).is_err(), "{bad}");
        }
        let unknown = Challenge::parse("NoOneKnowsThisScheme opaque-data=here").unwrap();
        assert!(!unknown.is_digest());
        assert!(respond(&unknown, &input("u", "p", "x", "c")).is_err());
        let other = Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=SHA-1").unwrap();
        assert!(respond(&other, &input("u", "p", "x", "c")).is_err());
    }
}
