//! Any bytes as a datagram: parse, validate, read every typed header, print and re-parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_sip::headers::{Contact, RecordRoute, Route, Via};
use softphone_sip::{
    multipart, validate_request, validate_response, BodyFraming, Message, UasPolicy,
};

fuzz_target!(|data: &[u8]| {
    let _ = Message::parse_prefix(data);
    let Ok(m) = Message::parse(data) else { return };
    let _ = validate_request(&m, &UasPolicy::default());
    let _ = validate_response(&m);
    let _ = m.get_all::<Via>();
    let _ = m.get_all::<Contact>();
    let _ = m.get_all::<Route>();
    let _ = m.get_all::<RecordRoute>();
    let _ = (m.from(), m.to(), m.cseq(), m.call_id(), m.max_forwards());
    let _ = multipart::parse_message_body(&m);
    let printed = m.to_bytes();
    let again = Message::parse(&printed).expect("a printed message parses");
    if matches!(
        m.framing(),
        BodyFraming::ContentLength | BodyFraming::Implicit
    ) {
        assert_eq!(again, m, "print -> parse is the identity");
    }
    assert_eq!(again.to_bytes(), printed);
});
