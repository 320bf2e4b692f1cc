//! Parses and prints the benchmark INVITE `N` times (default 1), for instruction counting
//! with `valgrind --tool=callgrind` (see BENCHMARKS.md).

use softphone_sip::Message;

const INVITE: &[u8] = include_bytes!("../tests/fixtures/invite.sip");

#[inline(never)]
fn parse_and_print(input: &[u8], out: &mut Vec<u8>) -> usize {
    out.clear();
    match Message::parse(input) {
        Ok(m) => {
            m.write_to(out);
            out.len()
        }
        Err(_) => 0,
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let mut out = Vec::with_capacity(1024);
    let mut total = 0;
    for _ in 0..n {
        total += parse_and_print(std::hint::black_box(INVITE), &mut out);
    }
    assert_eq!(out, INVITE);
    println!("{n} x parse+print, {total} bytes");
}
