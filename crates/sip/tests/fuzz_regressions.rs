//! Inputs the fuzzers once broke on (tests/fixtures/fuzz/), replayed with the fuzz targets'
//! checks.

use softphone_sip::framer::{FramerConfig, StreamFramer};
use softphone_sip::{validate_request, validate_response, BodyFraming, Message, UasPolicy};

#[test]
fn replay_fuzz_findings() {
    let dir = format!("{}/tests/fixtures/fuzz", env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        count += 1;
        if let Ok(m) = Message::parse(&data) {
            let _ = validate_request(&m, &UasPolicy::default());
            let _ = validate_response(&m);
            let printed = m.to_bytes();
            let again = Message::parse(&printed).unwrap();
            if matches!(
                m.framing(),
                BodyFraming::ContentLength | BodyFraming::Implicit
            ) {
                assert_eq!(again, m, "{}", path.display());
            }
            assert_eq!(again.to_bytes(), printed, "{}", path.display());
        }
        let mut f = StreamFramer::new(FramerConfig::default());
        f.push(&data);
        while let Some(Ok(_)) = f.poll() {}
    }
    assert!(count > 0);
}
