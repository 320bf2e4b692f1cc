//! A thin std-thread driver around one `WebRtcSession` and one real UDP socket, for the
//! browser interop test (`tests/webrtc/`). SDP goes over stdin/stdout as JSON lines; no SIP.
//!
//! ```text
//! browser_peer offer  [--secs N] [--bind 127.0.0.1]   prints {"offer": sdp}, reads {"answer": sdp}
//! browser_peer answer [--secs N] [--bind 127.0.0.1]   reads {"offer": sdp}, prints {"answer": sdp}
//! ```
//! Optional `--turn turn:host:port --turn-user U --turn-pass P --relay-only`.
//!
//! It sends a 440 Hz Opus tone (20 ms packets) once connected, decodes what it receives, and
//! prints JSON lines: `{"event": ..., "ms": ...}` (milliseconds since the offer) and, at the
//! end, `{"result": {...}}` with packet counts, payload sizes and the received audio's RMS.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test driver: a panic is a failed test"
)]

use std::io::{BufRead, Write};
use std::net::UdpSocket;
use std::time::{Duration, Instant};

use serde_json::json;
use softphone_webrtc::{IceServer, SessionEvent, TransportState, WebRtcConfig, WebRtcSession};

fn out(v: serde_json::Value) {
    let mut o = std::io::stdout().lock();
    writeln!(o, "{v}").unwrap();
    o.flush().unwrap();
}

fn read_json_line() -> serde_json::Value {
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).unwrap();
    serde_json::from_str(&line).expect("a JSON line on stdin")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mode = args.first().cloned().unwrap_or_else(|| "offer".into());
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let secs: u64 = opt("--secs").map(|s| s.parse().unwrap()).unwrap_or(5);
    let bind = opt("--bind").unwrap_or_else(|| "127.0.0.1".into());
    let socket = UdpSocket::bind((bind.as_str(), 0)).unwrap();
    let local = socket.local_addr().unwrap();
    let mut config = WebRtcConfig {
        local_addrs: vec![local],
        ..Default::default()
    };
    if let Some(turn) = opt("--turn") {
        config.ice_servers.push(IceServer {
            urls: vec![turn],
            username: opt("--turn-user").unwrap_or_default(),
            credential: opt("--turn-pass").unwrap_or_default(),
        });
    }
    config.relay_only = args.iter().any(|a| a == "--relay-only");

    // t0: when the offer is made (offer mode) or arrives (answer mode)
    let mut t0 = Instant::now();
    let mut s = WebRtcSession::new(t0, config).unwrap();
    // non-trickle: all candidates (the TURN relay one too) before the SDP
    let mut buf = vec![0u8; 2048];
    while !s.gathering_complete() {
        io_step(&mut s, &socket, local, &mut buf, None);
    }
    let gathering_ms = t0.elapsed().as_secs_f64() * 1000.0;
    while let Some(e) = s.poll_event() {
        out(json!({ "event": format!("{e:?}"), "gathering_ms": gathering_ms }));
    }
    if mode == "offer" {
        t0 = Instant::now();
        let offer = s.create_offer(t0).unwrap();
        out(json!({ "offer": offer }));
        let answer = read_json_line();
        s.accept_answer(Instant::now(), answer["answer"].as_str().unwrap())
            .unwrap();
    } else {
        let offer = read_json_line();
        t0 = Instant::now();
        let answer = s
            .accept_offer(Instant::now(), offer["offer"].as_str().unwrap())
            .unwrap();
        out(json!({ "answer": answer }));
    }
    let t0 = t0;
    let ms = |t: Instant| t.duration_since(t0).as_secs_f64() * 1000.0;

    let mut encoder =
        opus::Encoder::new(48000, opus::Channels::Mono, opus::Application::Voip).unwrap();
    let mut decoder = opus::Decoder::new(48000, opus::Channels::Stereo).unwrap();
    let mut pcm_out = vec![0i16; 5760 * 2];
    let (mut sum_sq, mut samples) = (0f64, 0u64);
    let (mut rtp_in, mut bytes_in, mut decode_errors) = (0u64, 0u64, 0u64);
    let mut payload_types = std::collections::BTreeMap::<u8, u64>::new();
    let (mut rtp_out, mut bytes_out) = (0u64, 0u64);
    let mut phase = 0f64;
    let mut rtp_ts = 0u32;
    let mut next_send: Option<Instant> = None;
    let mut connected_at: Option<Instant> = None;
    let mut failed = None;

    loop {
        let now = Instant::now();
        if connected_at.is_some_and(|c| now >= c + Duration::from_secs(secs))
            || now >= t0 + Duration::from_secs(secs + 20)
            || failed.is_some()
        {
            break;
        }
        // media: a 440 Hz tone in 20 ms Opus frames
        if let Some(t) = next_send {
            if now >= t {
                let frame: Vec<i16> = (0..960)
                    .map(|_| {
                        phase += 2.0 * std::f64::consts::PI * 440.0 / 48000.0;
                        (phase.sin() * 8000.0) as i16
                    })
                    .collect();
                let mut packet = vec![0u8; 1500];
                let n = encoder.encode(&frame, &mut packet).unwrap();
                if s.send_rtp(now, 111, rtp_ts, &packet[..n], rtp_out == 0)
                    .is_ok()
                {
                    rtp_out += 1;
                    bytes_out += n as u64;
                }
                rtp_ts = rtp_ts.wrapping_add(960);
                next_send = Some(t + Duration::from_millis(20));
            }
        }
        while let Some(t) = s.poll_transmit() {
            let _ = socket.send_to(&t.payload, t.to);
        }
        while let Some(e) = s.poll_event() {
            out(json!({ "event": format!("{e:?}"), "ms": ms(Instant::now()) }));
            match e {
                SessionEvent::Transport(TransportState::Connected) if connected_at.is_none() => {
                    connected_at = Some(Instant::now());
                    next_send = Some(Instant::now());
                }
                SessionEvent::Failed(r) => failed = Some(r.to_string()),
                _ => {}
            }
        }
        while let Some(p) = s.poll_rtp() {
            rtp_in += 1;
            bytes_in += p.payload.len() as u64;
            *payload_types.entry(p.payload_type).or_default() += 1;
            if p.payload_type == 111 {
                match decoder.decode(&p.payload, &mut pcm_out, false) {
                    Ok(n) => {
                        for v in &pcm_out[..n * 2] {
                            sum_sq += f64::from(*v) * f64::from(*v);
                        }
                        samples += n as u64 * 2;
                    }
                    Err(_) => decode_errors += 1,
                }
            }
        }
        io_step(&mut s, &socket, local, &mut buf, next_send);
    }
    let rms = if samples > 0 {
        (sum_sq / samples as f64).sqrt()
    } else {
        0.0
    };
    s.close(Instant::now());
    while let Some(t) = s.poll_transmit() {
        let _ = socket.send_to(&t.payload, t.to);
    }
    out(json!({ "result": {
        "connected": connected_at.is_some(),
        "failed": failed,
        "rtp_in": rtp_in, "bytes_in": bytes_in, "payload_types": payload_types,
        "decode_errors": decode_errors, "rms": rms,
        "rtp_out": rtp_out, "bytes_out": bytes_out,
        "stats": format!("{:?}", s.stats()),
    }}));
}

/// Sends what the session has, waits for one datagram until its next timer (or `tick`), feeds
/// it, and runs due timers.
fn io_step(
    s: &mut WebRtcSession,
    socket: &UdpSocket,
    local: std::net::SocketAddr,
    buf: &mut [u8],
    tick: Option<Instant>,
) {
    while let Some(t) = s.poll_transmit() {
        let _ = socket.send_to(&t.payload, t.to);
    }
    let now = Instant::now();
    let mut wake = s.poll_timeout().unwrap_or(now + Duration::from_millis(50));
    if let Some(t) = tick {
        wake = wake.min(t);
    }
    let wait = wake
        .saturating_duration_since(now)
        .clamp(Duration::from_millis(1), Duration::from_millis(50));
    socket.set_read_timeout(Some(wait)).unwrap();
    match socket.recv_from(buf) {
        Ok((n, from)) => s.handle_datagram(Instant::now(), from, local, &buf[..n]),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        Err(e) => panic!("recv: {e}"),
    }
    let now = Instant::now();
    if s.poll_timeout().is_some_and(|t| t <= now) {
        s.handle_timeout(now);
    }
}
