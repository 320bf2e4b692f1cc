//! Parses and prints the benchmark INVITE `N` times (default 1), for instruction counting
//! with `valgrind --tool=callgrind` (see BENCHMARKS.md). `parse_once N typed` parses and
//! reads the six headers a transaction needs instead of printing.

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

#[inline(never)]
fn typed(input: &[u8]) -> usize {
    let Ok(m) = Message::parse(input) else {
        return 0;
    };
    let via = m.top_via().map(|v| v.host.len()).unwrap_or(0);
    let from = m.from().map(|f| f.uri.as_str().len()).unwrap_or(0);
    let to = m.to().map(|t| t.uri.as_str().len()).unwrap_or(0);
    let call_id = m.call_id().map(|c| c.0.len()).unwrap_or(0);
    let cseq = m.cseq().map(|c| c.seq as usize).unwrap_or(0);
    let contacts = m.contacts().map(|c| c.len()).unwrap_or(0);
    via + from + to + call_id + cseq + contacts
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    if std::env::args().nth(2).as_deref() == Some("typed") {
        let mut total = 0;
        for _ in 0..n {
            total += typed(std::hint::black_box(INVITE));
        }
        println!("{n} x parse + typed Via/From/To/Call-ID/CSeq/Contact ({total})");
        return;
    }
    let mut out = Vec::with_capacity(1024);
    let mut total = 0;
    for _ in 0..n {
        total += parse_and_print(std::hint::black_box(INVITE), &mut out);
    }
    assert_eq!(out, INVITE);
    println!("{n} x parse+print, {total} bytes");
}
