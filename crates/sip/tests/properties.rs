//! Property tests: print→parse→print is the identity, and nothing panics on any input.

use proptest::prelude::*;
use softphone_sip::digest::{Challenge, Credentials};
use softphone_sip::framer::{FramerConfig, FramerEvent, StreamFramer};
use softphone_sip::headers::{
    CSeq, CallId, Contact, FromHeader, HeaderName, MaxForwards, NameAddr, ToHeader, Via,
};
use softphone_sip::{
    multipart, validate_request, validate_response, Message, Method, UasPolicy, Uri,
};

const INVITE: &[u8] = include_bytes!("fixtures/invite.sip");

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9][A-Za-z0-9.!%*_+`'~-]{0,11}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z][a-z0-9]{0,5}){0,2}",
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        Just("[2001:db8::1]".to_owned()),
    ]
}

fn uri() -> impl Strategy<Value = Uri> {
    (
        prop::bool::ANY,
        prop::option::of("[a-zA-Z0-9_.!~*'()&=+$,;?/-]{1,10}|%[0-9A-F]{2}[a-z]{1,4}"),
        host(),
        prop::option::of(any::<u16>()),
        prop::collection::vec((token(), prop::option::of(token())), 0..3),
    )
        .prop_filter_map("valid uri", |(secure, user, host, port, params)| {
            let mut s = String::from(if secure { "sips:" } else { "sip:" });
            if let Some(u) = user {
                s.push_str(&u);
                s.push('@');
            }
            s.push_str(&host);
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            for (n, v) in params {
                s.push(';');
                s.push_str(&n);
                if let Some(v) = v {
                    s.push('=');
                    s.push_str(&v);
                }
            }
            Uri::parse(&s).ok()
        })
}

fn name_addr() -> impl Strategy<Value = NameAddr> {
    (
        prop::option::of("[ -~]{0,12}"),
        uri(),
        prop::option::of(token()),
    )
        .prop_map(|(d, u, tag)| {
            let mut a = NameAddr::new(u);
            a.display_name = d;
            if let Some(t) = tag {
                a.set_tag(&t);
            }
            a
        })
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::Invite),
        Just(Method::Register),
        Just(Method::Options),
        Just(Method::Bye),
        token().prop_map(|t| Method::parse(&t).expect("tokens are methods")),
    ]
}

#[derive(Debug, Clone)]
enum H {
    Via(Via),
    From(FromHeader),
    To(ToHeader),
    CSeq(CSeq),
    CallId(CallId),
    Contact(Contact),
    MaxForwards(MaxForwards),
    Unknown(String, String),
}

fn header() -> impl Strategy<Value = H> {
    prop_oneof![
        (token(), host(), prop::option::of(any::<u16>()), token())
            .prop_map(|(t, h, p, b)| H::Via(Via::new(&t, &h, p, &b))),
        name_addr().prop_map(|a| H::From(FromHeader(a))),
        name_addr().prop_map(|a| H::To(ToHeader(a))),
        (0u32..(1 << 31), method()).prop_map(|(seq, method)| H::CSeq(CSeq { seq, method })),
        "[a-zA-Z0-9.!%*_+`'~-]{1,20}(@[a-z0-9.]{1,10})?".prop_map(|c| H::CallId(CallId(c))),
        prop_oneof![
            Just(Contact::Wildcard),
            name_addr().prop_map(Contact::Address)
        ]
        .prop_map(H::Contact),
        any::<u8>().prop_map(|m| H::MaxForwards(MaxForwards(m))),
        ("X-[A-Za-z0-9-]{1,10}", "[!-~]([ -~]{0,30}[!-~])?").prop_map(|(n, v)| H::Unknown(n, v)),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop_oneof![
            (method(), uri()).prop_map(|(m, u)| Message::request(m, u)),
            (100u16..700, "[ -~]{0,20}").prop_map(|(c, r)| Message::response(c, &r)),
        ],
        prop::collection::vec(header(), 0..12),
        prop::option::of(prop::collection::vec(any::<u8>(), 0..200)),
    )
        .prop_map(|(mut m, headers, body)| {
            for h in headers {
                match h {
                    H::Via(v) => m.push_typed(&v),
                    H::From(v) => m.push_typed(&v),
                    H::To(v) => m.push_typed(&v),
                    H::CSeq(v) => m.push_typed(&v),
                    H::CallId(v) => m.push_typed(&v),
                    H::Contact(v) => m.push_typed(&v),
                    H::MaxForwards(v) => m.push_typed(&v),
                    H::Unknown(n, v) => m.push_header_named(&n, &v).expect("token name"),
                }
            }
            m.set_body(Some("application/octet-stream"), body.unwrap_or_default());
            m
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn print_parse_print_is_identity(m in message()) {
        let printed = m.to_bytes();
        let parsed = Message::parse(&printed).unwrap();
        prop_assert_eq!(&parsed, &m);
        prop_assert_eq!(parsed.to_bytes(), printed.clone());
        // typed values survive too
        prop_assert_eq!(parsed.get_all::<Via>().ok(), m.get_all::<Via>().ok());
        prop_assert_eq!(parsed.get_all::<Contact>().ok(), m.get_all::<Contact>().ok());
        prop_assert_eq!(parsed.get_all::<FromHeader>().ok(), m.get_all::<FromHeader>().ok());
        // and the stream form frames it exactly
        let (again, used) = Message::parse_prefix(&printed).unwrap();
        prop_assert_eq!(used, printed.len());
        prop_assert_eq!(again, m);
    }

    #[test]
    fn typed_values_roundtrip(a in name_addr(), u in uri()) {
        let printed = a.to_string();
        prop_assert_eq!(NameAddr::parse_for(&printed, "To").unwrap(), a);
        prop_assert_eq!(Uri::parse(u.as_str()).unwrap(), u.clone());
        prop_assert!(u.equivalent(&u));
    }

    #[test]
    fn parser_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        exercise(&bytes);
    }

    #[test]
    fn parser_never_panics_on_mutated_messages(
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut bytes = INVITE.to_vec();
        for (i, b) in edits {
            let i = i.index(bytes.len());
            bytes[i] = b;
        }
        exercise(&bytes);
        exercise(&bytes[..cut.index(bytes.len() + 1)]);
    }

    #[test]
    fn text_parsers_never_panic(s in "\\PC{0,80}") {
        let _ = Uri::parse(&s);
        let _ = Challenge::parse(&s);
        let _ = Credentials::parse(&s);
        let _ = NameAddr::parse_for(&s, "To");
        let _ = multipart::parse(s.as_bytes(), "b");
    }

    #[test]
    fn framer_is_split_independent(
        count in 1usize..4,
        splits in prop::collection::vec(1usize..200, 0..20),
    ) {
        let mut stream = Vec::new();
        for _ in 0..count {
            stream.extend_from_slice(b"\r\n\r\n");
            stream.extend_from_slice(INVITE);
        }
        let mut one = StreamFramer::new(FramerConfig::default());
        one.push(&stream);
        let expected = drain(&mut one);
        prop_assert_eq!(expected.iter().filter(|e| matches!(e, FramerEvent::Message(_))).count(), count);
        let mut f = StreamFramer::new(FramerConfig::default());
        let mut got = Vec::new();
        let mut rest: &[u8] = &stream;
        for s in splits {
            let (a, b) = rest.split_at(s.min(rest.len()));
            f.push(a);
            got.extend(drain(&mut f));
            rest = b;
        }
        f.push(rest);
        got.extend(drain(&mut f));
        let msgs = |v: &[FramerEvent]| v.iter().filter_map(|e| match e {
            FramerEvent::Message(m) => Some(m.clone()),
            _ => None,
        }).collect::<Vec<_>>();
        prop_assert_eq!(msgs(&got), msgs(&expected));
    }

    #[test]
    fn framer_never_panics(chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..10)) {
        let mut f = StreamFramer::new(FramerConfig { max_header_bytes: 512, max_body_bytes: 256 });
        for c in chunks {
            f.push(&c);
            for _ in 0..1000 {
                match f.poll() {
                    None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            prop_assert!(f.buffered() <= 512 + 256 + 300 + 4);
        }
    }
}

fn drain(f: &mut StreamFramer) -> Vec<FramerEvent> {
    let mut out = Vec::new();
    while let Some(Ok(e)) = f.poll() {
        out.push(e);
    }
    out
}

fn exercise(bytes: &[u8]) {
    let _ = Message::parse_prefix(bytes);
    if let Ok(m) = Message::parse(bytes) {
        let _ = validate_request(&m, &UasPolicy::default());
        let _ = validate_response(&m);
        let _ = m.vias();
        let _ = m.contacts();
        let _ = m.routes();
        let _ = m.from();
        let _ = m.to();
        let _ = m.cseq();
        let _ = multipart::parse_message_body(&m);
        for h in m.headers() {
            let _ = Challenge::parse(h.value);
            let _ = h.name == HeaderName::Other;
        }
        let printed = m.to_bytes();
        let _ = Message::parse(&printed);
    }
}
