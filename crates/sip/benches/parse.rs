//! Parse and print a typical INVITE with an SDP body (see BENCHMARKS.md).

// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use softphone_sip::Message;

const INVITE: &[u8] = include_bytes!("../tests/fixtures/invite.sip");

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("invite");
    g.throughput(Throughput::Elements(1));
    g.bench_function("parse", |b| {
        b.iter(|| Message::parse(black_box(INVITE)).ok())
    });
    let mut out = Vec::with_capacity(1024);
    g.bench_function("parse+print", |b| {
        b.iter(|| {
            out.clear();
            if let Ok(m) = Message::parse(black_box(INVITE)) {
                m.write_to(&mut out);
            }
            black_box(out.len())
        })
    });
    let m = Message::parse(INVITE).ok();
    g.bench_function("typed (Via, From, To, Call-ID, CSeq, Contact)", |b| {
        b.iter(|| {
            let m = black_box(m.as_ref())?;
            Some((
                m.top_via().ok()?,
                m.from().ok()?,
                m.to().ok()?,
                m.call_id().ok()?,
                m.cseq().ok()?,
                m.contacts().ok()?,
            ))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
