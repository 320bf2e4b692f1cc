//! Any text as a WWW-Authenticate value: parse, answer, print and re-parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_sip::digest::{respond, Challenge, Credentials, DigestInput, Secret};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = Credentials::parse(text);
    let Ok(c) = Challenge::parse(text) else {
        return;
    };
    let printed = c.to_string();
    assert_eq!(
        Challenge::parse(&printed).as_ref(),
        Ok(&c),
        "print -> parse"
    );
    let input = DigestInput {
        username: "alice",
        secret: Secret::Password("secret"),
        method: "REGISTER",
        uri: "sip:example.com",
        body: b"",
        cnonce: "0a4f113b",
        nc: 1,
    };
    if let Ok(cred) = respond(&c, &input) {
        let again = Credentials::parse(&cred.to_string()).expect("our credentials parse");
        assert_eq!(again, cred);
    }
});
