//! RFC 4475 torture messages: every file gets the verdict the RFC asks for.

use softphone_sip::headers::{Accept, Contact, HeaderName, Via};
use softphone_sip::multipart;
use softphone_sip::{
    validate_request, validate_response, BodyFraming, Message, Method, SipError, UasPolicy, Uri,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/rfc4475/TC_{name}.dat",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Parses, and validation accepts it.
    Valid,
    /// Refused by the parser.
    ParseError,
    /// Parses; validation answers this status.
    Reject(u16),
    /// A response that parses and must be dropped.
    DropResponse,
}

use Verdict::*;

const TABLE: &[(&str, Verdict)] = &[
    // 3.1.1 valid
    ("WSINV", Valid),
    ("INTMETH", Valid),
    ("ESC01_V", Valid),
    ("ESCNULL_V", Valid),
    ("ESC02_V", Valid),
    ("LWSDISP_V", Valid),
    ("LONGREQ_V", Valid),
    ("DBLREQ", Valid),
    ("SEMIURI_V", Valid),
    ("TRANSPORTS_V", Valid),
    ("MPART01", Valid),
    ("UNREASON_V", Valid),
    ("NOREASON_V", Valid),
    // 3.1.2 invalid
    ("BADINV01_I", Reject(400)),
    ("CLERR_I", Reject(400)),
    ("NCL_I", Reject(400)),
    ("SCALAR02_V", Reject(400)),
    ("SCALARLG_V", DropResponse),
    ("QUOTBAL_I", Reject(400)),
    ("LTGTRURI_I", ParseError),
    ("LWSRURI_I", ParseError),
    ("LWSSTART_V", ParseError),
    ("TRWS_I", ParseError),
    ("ESCRURI_V", Reject(400)),
    ("BADDATE_V", Reject(400)),
    ("REGBADCT_I", Reject(400)),
    ("BADASPEC_I", Reject(400)),
    ("BADDN_I", Reject(400)),
    ("BADVERS_V", Reject(505)),
    ("MISMATCH01_V", Reject(400)),
    ("MISMATCH02_V", Reject(400)),
    ("BIGCODE_V", ParseError),
    // 3.2 transaction layer
    ("BADBRANCH_V", Valid),
    // 3.3 application layer
    ("INSUF_I", Reject(400)),
    ("UNKSCM_V", Reject(416)),
    ("NOVELSC_V", Reject(416)),
    ("UNKSM2_V", Reject(416)),
    ("BEXT01_V", Reject(420)),
    ("INVUT_V", Reject(415)),
    ("REGAUT01_V", Valid),
    ("MULTI01_I", Reject(400)),
    ("MCL01_I", Reject(400)),
    ("BCAST_V", Valid),
    ("ZEROMF_V", Valid),
    ("CPARAM01_V", Valid),
    ("CPARAM02_V", Valid),
    ("REGESCRT_V", Valid),
    ("SDP01_V", Reject(406)),
    // 3.4 backward compatibility
    ("INV2543_I", Valid),
    // not from RFC 4475
    ("TEST_I", ParseError),
];

fn verdict(bytes: &[u8]) -> (Verdict, String) {
    let m = match Message::parse(bytes) {
        Ok(m) => m,
        Err(e) => return (ParseError, e.to_string()),
    };
    if m.is_request() {
        match validate_request(&m, &UasPolicy::default()) {
            Ok(()) => (Valid, String::new()),
            Err(r) => (Reject(r.code), r.reason),
        }
    } else {
        match validate_response(&m) {
            Ok(()) => (Valid, String::new()),
            Err(e) => (DropResponse, e.to_string()),
        }
    }
}

#[test]
fn every_file_has_a_verdict() {
    let dir = format!("{}/tests/fixtures/rfc4475", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".dat"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 50);
    for f in &files {
        let stem = f.trim_start_matches("TC_").trim_end_matches(".dat");
        assert!(
            TABLE.iter().any(|(n, _)| *n == stem),
            "{f} missing from the table"
        );
    }
    assert_eq!(TABLE.len(), 50);
}

#[test]
fn verdicts_match_the_rfc() {
    let mut failures = Vec::new();
    for (name, expected) in TABLE {
        let (got, why) = verdict(&fixture(name));
        if got != *expected {
            failures.push(format!(
                "{name}: expected {expected:?}, got {got:?} ({why})"
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn reasons_are_precise() {
    let reason = |name: &str| verdict(&fixture(name)).1;
    assert_eq!(reason("BADINV01_I"), "Malformed Via header");
    assert_eq!(reason("CLERR_I"), "Content-Length larger than message");
    assert_eq!(reason("NCL_I"), "Malformed Content-Length");
    assert_eq!(reason("SCALAR02_V"), "CSeq number out of range");
    assert_eq!(reason("QUOTBAL_I"), "Malformed To header");
    assert_eq!(reason("ESCRURI_V"), "Headers not allowed in Request-URI");
    assert_eq!(reason("BADDATE_V"), "Malformed Date header");
    assert_eq!(reason("REGBADCT_I"), "Malformed Contact header");
    assert_eq!(reason("BADASPEC_I"), "Malformed To header");
    assert_eq!(reason("BADDN_I"), "Malformed From header");
    assert_eq!(
        reason("MISMATCH01_V"),
        "CSeq method does not match request method"
    );
    assert_eq!(
        reason("MISMATCH02_V"),
        "CSeq method does not match request method"
    );
    assert_eq!(reason("INSUF_I"), "Missing From, To, Call-ID header");
    assert_eq!(reason("MULTI01_I"), "Duplicate Max-Forwards header");
    assert_eq!(reason("MCL01_I"), "Conflicting Content-Length headers");
    assert!(reason("SCALARLG_V").contains("CSeq number out of range"));
    assert!(matches!(
        Message::parse(&fixture("BIGCODE_V")),
        Err(SipError::InvalidStatusCode)
    ));
    assert!(matches!(
        Message::parse(&fixture("LTGTRURI_I")),
        Err(SipError::InvalidUri(_))
    ));
    assert!(matches!(
        Message::parse(&fixture("LWSRURI_I")),
        Err(SipError::InvalidUri(_))
    ));
    assert!(matches!(
        Message::parse(&fixture("LWSSTART_V")),
        Err(SipError::InvalidUri(_))
    ));
    assert!(matches!(
        Message::parse(&fixture("TRWS_I")),
        Err(SipError::InvalidStartLine(_))
    ));
    assert!(matches!(
        Message::parse(&fixture("TEST_I")),
        Err(SipError::InvalidStartLine(_))
    ));
}

#[test]
fn rejection_responses_carry_the_right_headers() {
    let m = Message::parse(&fixture("BEXT01_V")).unwrap();
    let r = validate_request(&m, &UasPolicy::default()).unwrap_err();
    assert_eq!(
        r.headers,
        vec![(
            HeaderName::Unsupported,
            "nothingSupportsThis, nothingSupportsThisEither".into()
        )]
    );
    let resp = r.to_response(&m);
    let printed = resp.to_bytes();
    let back = Message::parse(&printed).unwrap();
    assert_eq!(back.status(), Some(420));
    assert_eq!(
        back.value(HeaderName::Unsupported),
        Some("nothingSupportsThis, nothingSupportsThisEither")
    );
    assert_eq!(back.cseq().unwrap().seq, 8);
    assert_eq!(back.call_id().unwrap().0, "bext01.0ha0isndaksdj");

    let m = Message::parse(&fixture("INVUT_V")).unwrap();
    let r = validate_request(&m, &UasPolicy::default()).unwrap_err();
    assert_eq!(r.headers[0].0, HeaderName::Accept);
    assert!(r.headers[0].1.contains("application/sdp"));

    // A proxy answers 483 to Max-Forwards: 0; a UAS processes the request.
    let m = Message::parse(&fixture("ZEROMF_V")).unwrap();
    let proxy = UasPolicy {
        proxy: true,
        ..UasPolicy::default()
    };
    assert_eq!(validate_request(&m, &proxy).unwrap_err().code, 483);
}

#[test]
fn wsinv_is_typed_correctly() {
    let m = Message::parse(&fixture("WSINV")).unwrap();
    assert_eq!(m.method(), Some(&Method::Invite));
    let uri = m.request_uri().unwrap();
    assert_eq!(uri.param("unknownparam"), Some(None));
    let to = m.to().unwrap();
    assert_eq!(to.uri.as_str(), "sip:vivekg@chair-dnrc.example.com");
    assert_eq!(to.tag(), Some("1918181833n"));
    let from = m.from().unwrap();
    assert_eq!(from.display_name.as_deref(), Some("J Rosenberg \\\""));
    assert_eq!(from.tag(), Some("98asjd8"));
    assert_eq!(m.max_forwards().unwrap(), Some(68));
    assert_eq!(m.call_id().unwrap().0, "wsinv.ndaksdj@192.0.2.1");
    assert_eq!(m.content_length().unwrap(), Some(150));
    let cseq = m.cseq().unwrap();
    assert_eq!((cseq.seq, cseq.method), (9, Method::Invite));
    let vias = m.vias().unwrap();
    assert_eq!(vias.len(), 3);
    assert_eq!(
        (vias[0].transport.as_str(), vias[0].host.as_str()),
        ("UDP", "192.0.2.2")
    );
    assert_eq!(vias[0].branch(), Some("390skdjuw"));
    assert_eq!(
        (vias[1].transport.as_str(), vias[1].host.as_str()),
        ("TCP", "spindle.example.com")
    );
    assert_eq!(vias[1].branch(), Some("z9hG4bK9ikj8"));
    assert_eq!(
        (vias[2].host.as_str(), vias[2].branch()),
        ("192.168.255.111", Some("z9hG4bK30239"))
    );
    assert_eq!(m.value(HeaderName::Subject), Some(""));
    assert_eq!(
        m.values_named("NewFangledHeader").next(),
        Some("newfangled value\r\n continued newfangled value")
    );
    assert_eq!(
        m.values_named("UnknownHeaderWithUnusualValue").next(),
        Some(";;,,;;,;")
    );
    let ct = m.content_type().unwrap().unwrap();
    assert!(ct.0.is("application", "sdp"));
    let routes = m.routes().unwrap();
    assert_eq!(routes.len(), 1);
    assert!(routes[0].uri.is_loose_route());
    assert_eq!(routes[0].uri.param("unknownwith"), Some(Some("value")));
    let contacts = m.contacts().unwrap();
    assert_eq!(contacts.len(), 1);
    let c = contacts[0].address().unwrap();
    assert_eq!(c.display_name.as_deref(), Some("Quoted string \"\""));
    assert_eq!(c.params.value("newparam"), Some("newvalue"));
    assert_eq!(c.params.get("secondparam"), Some(None));
    assert_eq!(contacts[0].q().unwrap(), Some(330));
    assert_eq!(m.body().len(), 150);
    // header order and names as written are kept
    let names: Vec<&str> = m.headers().map(|h| h.name_text).collect();
    assert_eq!(&names[..4], &["TO", "from", "MaX-fOrWaRdS", "Call-ID"]);
}

#[test]
fn intmeth_keeps_the_weird_parts() {
    let m = Message::parse(&fixture("INTMETH")).unwrap();
    let method = "!interesting-Method0123456789_*+`.%indeed'~";
    assert_eq!(m.method().unwrap().as_str(), method);
    assert_eq!(m.cseq().unwrap().method.as_str(), method);
    assert_eq!(m.cseq().unwrap().seq, 139122385);
    let uri = m.request_uri().unwrap();
    assert_eq!(
        uri.user(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    assert_eq!(
        uri.password(),
        Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    );
    assert_eq!(uri.host(), "example.com");
    let to = m.to().unwrap();
    assert_eq!(to.display_name.as_deref(), Some("BEL:\x07 NUL:\0 DEL:\x7f"));
    assert_eq!(
        to.uri.user(),
        Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    );
    let from = m.from().unwrap();
    assert_eq!(
        from.display_name.as_deref(),
        Some("token1~` token2'+_ token3*%!.-")
    );
    assert_eq!(from.tag(), Some("_token~1'+`*%!-."));
    assert_eq!(
        from.params.value("fromParam''~+*_!.-%"),
        Some("\u{440}\u{430}\u{431}\u{43e}\u{442}\u{430}\u{44e}\u{449}\u{438}\u{439}")
    );
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK-.!%66*_+`'~"));
    assert_eq!(
        m.call_id().unwrap().0,
        "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{"
    );
    assert_eq!(m.max_forwards().unwrap(), Some(255));
    assert_eq!(
        m.values_named("extensionHeader-!.%*+_`'~").next(),
        Some("\u{feff}\u{5927}\u{505c}\u{96fb}")
    );
}

#[test]
fn escapes() {
    let m = Message::parse(&fixture("ESC01_V")).unwrap();
    let ruri = m.request_uri().unwrap();
    assert_eq!(ruri.user(), Some("sips%3Auser%40example.com"));
    assert_eq!(
        ruri.user_unescaped().unwrap().as_ref(),
        b"sips:user@example.com"
    );
    assert_eq!(ruri.host(), "example.net");
    assert_eq!(
        m.to().unwrap().uri.user_unescaped().unwrap().as_ref(),
        b"user"
    );
    assert!(m
        .to()
        .unwrap()
        .uri
        .equivalent(&Uri::parse("sip:user@example.com").unwrap()));
    assert_eq!(
        m.from().unwrap().uri.user_unescaped().unwrap().as_ref(),
        b"I have spaces"
    );
    assert_eq!(m.call_id().unwrap().0, "esc01.239409asdfakjkn23onasd0-3234");
    assert!(m
        .content_type()
        .unwrap()
        .unwrap()
        .0
        .is("application", "sdp"));
    let contact = m.contacts().unwrap().remove(0);
    let uri = &contact.address().unwrap().uri;
    assert_eq!(
        uri.as_str(),
        "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31"
    );
    assert!(uri.equivalent(&Uri::parse("sip:caller@host5.example.net;lr;name=value%2541").unwrap()));

    let m = Message::parse(&fixture("ESCNULL_V")).unwrap();
    assert_eq!(
        m.to().unwrap().uri.user_unescaped().unwrap().as_ref(),
        b"null-\0-null"
    );
    let contacts = m.contacts().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(
        contacts[1]
            .address()
            .unwrap()
            .uri
            .user_unescaped()
            .unwrap()
            .as_ref(),
        b"\0\0"
    );

    let m = Message::parse(&fixture("ESC02_V")).unwrap();
    assert_eq!(m.method(), Some(&Method::Extension("RE%47IST%45R".into())));
    assert_eq!(m.to().unwrap().display_name.as_deref(), Some("%Z%45"));
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK209%fzsnel234"));
    assert_eq!(m.contacts().unwrap().len(), 2, "C%6Fntact is not Contact");
    assert_eq!(
        m.values_named("C%6Fntact").next(),
        Some("<sip:alias2@host2.example.com>")
    );
}

#[test]
fn lwsdisp_semiuri_transports() {
    let m = Message::parse(&fixture("LWSDISP_V")).unwrap();
    assert_eq!(m.from().unwrap().display_name.as_deref(), Some("caller"));
    assert_eq!(m.from().unwrap().uri.as_str(), "sip:caller@example.com");

    let m = Message::parse(&fixture("SEMIURI_V")).unwrap();
    let uri = m.request_uri().unwrap();
    assert_eq!(uri.user(), Some("user;par=u%40example.net"));
    assert_eq!(uri.host(), "example.com");
    assert_eq!(uri.params().count(), 0);
    let accept = m.get_all::<Accept>().unwrap();
    assert_eq!(accept.len(), 6);
    assert!(accept[5].0.is("message", "sipfrag"));

    let m = Message::parse(&fixture("TRANSPORTS_V")).unwrap();
    let t: Vec<String> = m.vias().unwrap().into_iter().map(|v| v.transport).collect();
    assert_eq!(t, ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"]);
    assert_eq!(m.call_id().unwrap().0, "transports.kijh4akdnaqjkwendsasfdj");
}

#[test]
fn longreq() {
    let m = Message::parse(&fixture("LONGREQ_V")).unwrap();
    let to = m.to().unwrap();
    assert!(to
        .display_name
        .as_deref()
        .unwrap()
        .starts_with("I have a user name of extremeextreme"));
    assert_eq!(to.uri.port(), Some(6000));
    assert!(to.uri.param("verylonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglonglongParameterNameWithNoValue").is_some());
    let vias = m.vias().unwrap();
    assert_eq!(vias.len(), 34);
    assert_eq!(vias[0].host, "sip33.example.com");
    assert_eq!(vias[33].received(), Some("192.0.2.5"));
    assert!(m
        .from()
        .unwrap()
        .uri
        .user()
        .unwrap()
        .starts_with("amazinglylongcallername"));
    assert_eq!(m.cseq().unwrap().seq, 3882340);
    assert_eq!(
        m.body().len(),
        m.content_length().unwrap().unwrap() as usize
    );
}

#[test]
fn dblreq_is_one_message_with_trailing_bytes() {
    let bytes = fixture("DBLREQ");
    let (m, used) = Message::parse_datagram(&bytes).unwrap();
    assert_eq!(m.method(), Some(&Method::Register));
    assert!(m.body().is_empty());
    assert!(used < bytes.len());
    assert!(bytes[used..].starts_with(b"\r\nINVITE sip:joe@example.com"));
    assert_eq!(
        m.call_id().unwrap().0,
        "dblreq.0ha0isndaksdj99sdfafnl3lk233412"
    );
    assert_eq!(
        m.contacts().unwrap()[0].address().unwrap().uri.as_str(),
        "sip:j.user@host.example.com"
    );
}

#[test]
fn mpart01_parts() {
    let m = Message::parse(&fixture("MPART01")).unwrap();
    assert_eq!(m.body().len(), 553);
    let parts = multipart::parse_message_body(&m).unwrap().unwrap();
    assert_eq!(parts.len(), 2);
    assert!(parts[0].content_type().unwrap().is("text", "plain"));
    assert_eq!(parts[0].body, b"Hello");
    assert!(parts[1]
        .content_type()
        .unwrap()
        .is("application", "octet-stream"));
    assert_eq!(parts[1].header("Content-Transfer-Encoding"), Some("binary"));
    assert_eq!(parts[1].body.first(), Some(&0x30));
    assert!(m
        .value(HeaderName::Identity)
        .unwrap()
        .starts_with("r5mwreLuyDRYBi"));
    assert_eq!(m.top_via().unwrap().rport(), Some(None));
    assert_eq!(m.top_via().unwrap().port, Some(5070));
}

#[test]
fn responses() {
    let m = Message::parse(&fixture("UNREASON_V")).unwrap();
    assert_eq!(m.status(), Some(200));
    assert!(m.reason().unwrap().starts_with("= 2**3 * 5**2 "));
    assert_eq!(m.body().len(), 154);
    let m = Message::parse(&fixture("NOREASON_V")).unwrap();
    assert_eq!((m.status(), m.reason()), (Some(100), Some("")));
    let m = Message::parse(&fixture("BCAST_V")).unwrap();
    assert_eq!(m.vias().unwrap()[1].host, "255.255.255.255");
}

#[test]
fn application_layer_details() {
    let m = Message::parse(&fixture("CPARAM01_V")).unwrap();
    let c = m.contacts().unwrap().remove(0);
    let a = c.address().unwrap();
    assert_eq!(a.uri.as_str(), "sip:+19725552222@gw1.example.net");
    assert_eq!(a.params.get("unknownparam"), Some(None));
    let m = Message::parse(&fixture("CPARAM02_V")).unwrap();
    let c = m.contacts().unwrap().remove(0);
    let a = c.address().unwrap();
    assert_eq!(a.uri.param("unknownparam"), Some(None));
    assert!(a.params.is_empty());

    let m = Message::parse(&fixture("REGESCRT_V")).unwrap();
    let c = m.contacts().unwrap().remove(0);
    let uri = &c.address().unwrap().uri;
    assert_eq!(
        uri.headers().collect::<Vec<_>>(),
        vec![("Route", "%3Csip:sip.example.com%3E")]
    );
    assert_eq!(uri.without_headers().as_str(), "sip:user@example.com");

    let m = Message::parse(&fixture("REGAUT01_V")).unwrap();
    let auth = m
        .get::<softphone_sip::headers::Authorization>()
        .unwrap()
        .unwrap();
    assert_eq!(auth.scheme, "NoOneKnowsThisScheme");
    assert_eq!(auth.param("opaque-data"), Some("here"));

    let m = Message::parse(&fixture("INV2543_I")).unwrap();
    assert_eq!(m.framing(), BodyFraming::Implicit);
    assert!(!m.top_via().unwrap().has_rfc3261_branch());
    assert_eq!(m.from().unwrap().tag(), None);
    assert_eq!(m.max_forwards().unwrap(), None);

    let m = Message::parse(&fixture("BADBRANCH_V")).unwrap();
    assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK"));

    let m = Message::parse(&fixture("UNKSM2_V")).unwrap();
    assert_eq!(m.to().unwrap().uri.scheme_str(), "isbn");
    assert_eq!(m.from().unwrap().uri.scheme_str(), "http");
    assert_eq!(
        m.contacts().unwrap()[0].address().unwrap().uri.as_str(),
        "name:John_Smith"
    );
}

#[test]
fn every_parsable_fixture_roundtrips() {
    for (name, _) in TABLE {
        let bytes = fixture(name);
        let Ok(m) = Message::parse(&bytes) else {
            continue;
        };
        let printed = m.to_bytes();
        let again = Message::parse(&printed).unwrap_or_else(|e| panic!("{name}: {e}"));
        if matches!(
            m.framing(),
            BodyFraming::ContentLength | BodyFraming::Implicit
        ) {
            assert_eq!(again, m, "{name}");
        }
        assert_eq!(again.to_bytes(), printed, "{name}");
        // typed values survive printing too
        if let (Ok(a), Ok(b)) = (m.get_all::<Via>(), again.get_all::<Via>()) {
            assert_eq!(a, b, "{name}");
        }
        if let (Ok(a), Ok(b)) = (m.get_all::<Contact>(), again.get_all::<Contact>()) {
            assert_eq!(a, b, "{name}");
        }
    }
}
