//! `softphone-impair`: a seeded UDP impairment proxy for speech-quality benchmarks on loopback.
//!
//! It sits between one SIP client (the phone under test, whose account `server` points here) and
//! the registrar/proxy (`--upstream`). SIP passes through untouched except that SDP bodies the
//! client sends get their audio address replaced by a relay socket of this proxy, so the far end
//! sends its RTP here; the relay forwards it to the client after a seeded loss model (independent
//! or bursty). What the client sends goes straight to the far end. RTCP is never dropped.
//!
//! ```text
//! softphone-impair --listen 127.0.0.1:5070 --upstream 127.0.0.1:5060 --loss 10 --burst 4 --seed 1
//! ```
//! Every second with traffic it prints `rtp forwarded=N dropped=M` to standard error.

mod loss;
mod sdp;

use loss::{LossModel, Rng};
use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Options {
    listen: SocketAddr,
    upstream: SocketAddr,
    loss_percent: f64,
    burst: f64,
    seed: u64,
}

fn parse_options() -> Result<Options, String> {
    let mut o = Options {
        listen: "127.0.0.1:5070".parse().map_err(|e| format!("{e}"))?,
        upstream: "127.0.0.1:5060".parse().map_err(|e| format!("{e}"))?,
        loss_percent: 0.0,
        burst: 1.0,
        seed: 1,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag.as_str() {
            "--listen" => o.listen = value.parse().map_err(|e| bad(&e))?,
            "--upstream" => o.upstream = value.parse().map_err(|e| bad(&e))?,
            "--loss" => o.loss_percent = value.parse().map_err(|e| bad(&e))?,
            "--burst" => o.burst = value.parse().map_err(|e| bad(&e))?,
            "--seed" => o.seed = value.parse().map_err(|e| bad(&e))?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    Ok(o)
}

#[derive(Default)]
struct Counters {
    forwarded: AtomicU64,
    dropped: AtomicU64,
}

fn main() {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("softphone-impair: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&options) {
        eprintln!("softphone-impair: {e}");
        std::process::exit(1);
    }
}

fn run(o: &Options) -> std::io::Result<()> {
    let sip = UdpSocket::bind(o.listen)?;
    let counters = Arc::new(Counters::default());
    let mut client: Option<SocketAddr> = None;
    // Relay sockets by the client's original RTP address (re-INVITEs reuse them).
    let mut relays: HashMap<SocketAddr, SocketAddr> = HashMap::new();
    let mut call = 0u64;
    let mut buf = vec![0u8; 65_536];
    {
        let counters = counters.clone();
        std::thread::spawn(move || report(&counters));
    }
    eprintln!(
        "softphone-impair: SIP on {} -> {}, loss {} % (mean burst {})",
        o.listen, o.upstream, o.loss_percent, o.burst
    );
    loop {
        let (n, from) = sip.recv_from(&mut buf)?;
        let packet = &buf[..n];
        if from == o.upstream {
            if let Some(c) = client {
                sip.send_to(packet, c)?;
            }
            continue;
        }
        client = Some(from);
        let body_at = packet.windows(4).position(|w| w == b"\r\n\r\n");
        let original = body_at
            .and_then(|at| std::str::from_utf8(&packet[at + 4..]).ok())
            .and_then(sdp::audio_address);
        let Some(original) = original else {
            sip.send_to(packet, o.upstream)?;
            continue;
        };
        let relay = match relays.get(&original) {
            Some(r) => *r,
            None => {
                call += 1;
                let model = LossModel::new(o.loss_percent / 100.0, o.burst);
                let r = start_relay(original, model, Rng::new(o.seed ^ call), counters.clone())?;
                relays.insert(original, r);
                r
            }
        };
        match sdp::rewrite(packet, relay) {
            Some(rewritten) => sip.send_to(&rewritten, o.upstream)?,
            None => sip.send_to(packet, o.upstream)?,
        };
    }
}

/// Binds an even/odd port pair on the client's IP and relays RTP (lossy) and RTCP (clean).
fn start_relay(
    client_rtp: SocketAddr,
    model: LossModel,
    rng: Rng,
    counters: Arc<Counters>,
) -> std::io::Result<SocketAddr> {
    let ip = client_rtp.ip();
    let (rtp, rtcp) = loop {
        let rtp = UdpSocket::bind(SocketAddr::new(ip, 0))?;
        let port = rtp.local_addr()?.port();
        if port % 2 == 1 || port == u16::MAX {
            continue;
        }
        if let Ok(rtcp) = UdpSocket::bind(SocketAddr::new(ip, port + 1)) {
            break (rtp, rtcp);
        }
    };
    let relay = rtp.local_addr()?;
    let client_rtcp = SocketAddr::new(ip, client_rtp.port().wrapping_add(1));
    std::thread::spawn(move || relay_loop(rtp, client_rtp, Some((model, rng)), counters));
    std::thread::spawn(move || relay_loop(rtcp, client_rtcp, None, Arc::default()));
    Ok(relay)
}

fn relay_loop(
    socket: UdpSocket,
    client: SocketAddr,
    mut impair: Option<(LossModel, Rng)>,
    counters: Arc<Counters>,
) {
    let mut peer: Option<SocketAddr> = None;
    let mut buf = vec![0u8; 65_536];
    while let Ok((n, from)) = socket.recv_from(&mut buf) {
        let packet = &buf[..n];
        if from == client {
            if let Some(p) = peer {
                let _ = socket.send_to(packet, p);
            }
            continue;
        }
        peer = Some(from);
        // RTCP (payload types 200–204 in the second byte) multiplexed on RTP is never dropped.
        let is_rtcp = packet.len() > 1 && (200..=204).contains(&packet[1]);
        if let (Some((model, rng)), false) = (impair.as_mut(), is_rtcp) {
            if model.lose(rng) {
                counters.dropped.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            counters.forwarded.fetch_add(1, Ordering::Relaxed);
        }
        let _ = socket.send_to(packet, client);
    }
}

fn report(counters: &Counters) {
    let mut last = (0, 0);
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_secs(1));
        let now = (
            counters.forwarded.load(Ordering::Relaxed),
            counters.dropped.load(Ordering::Relaxed),
        );
        if now != last {
            let total = (now.0 + now.1).max(1);
            eprintln!(
                "rtp forwarded={} dropped={} loss={:.1}% t={}s",
                now.0,
                now.1,
                100.0 * now.1 as f64 / total as f64,
                start.elapsed().as_secs()
            );
            last = now;
        }
    }
}
