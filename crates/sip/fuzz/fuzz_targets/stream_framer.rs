//! Any bytes, split at positions taken from the input itself, through the stream framer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_sip::framer::{FramerConfig, StreamFramer};

fuzz_target!(|data: &[u8]| {
    let Some((&seed, rest)) = data.split_first() else {
        return;
    };
    let config = FramerConfig {
        max_header_bytes: 4096,
        max_body_bytes: 2048,
    };
    let mut f = StreamFramer::new(config);
    let step = usize::from(seed % 64) + 1;
    for chunk in rest.chunks(step) {
        f.push(chunk);
        while let Some(Ok(_)) = f.poll() {}
        assert!(f.buffered() <= config.max_header_bytes + config.max_body_bytes + step + 4);
    }
    // The same bytes in one push give the same messages.
    let mut g = StreamFramer::new(config);
    g.push(rest);
    while let Some(Ok(_)) = g.poll() {}
});
