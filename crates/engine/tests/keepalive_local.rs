//! Keepalives through the engine against a scripted registrar on 127.0.0.1 (unit tier: no
//! bed). The registrar answers REGISTER with 200 and then either answers the keepalives
//! (CRLF CRLF → CRLF on TCP, OPTIONS → 200 on UDP) or stays silent, which must make the
//! account drop the flow and report why.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::*;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::broadcast;

/// A 200 OK to a request, copying the headers a response needs.
fn ok_to(request: &str) -> String {
    let mut out = String::from("SIP/2.0 200 OK\r\n");
    for line in request.lines() {
        let lower = line.to_ascii_lowercase();
        if lower.starts_with("to:") && !lower.contains("tag=") {
            out.push_str(line);
            out.push_str(";tag=scripted\r\n");
        } else if ["via:", "from:", "to:", "call-id:", "cseq:", "contact:"]
            .iter()
            .any(|h| lower.starts_with(h))
        {
            out.push_str(line);
            if lower.starts_with("contact:") {
                out.push_str(";expires=120");
            }
            out.push_str("\r\n");
        }
    }
    out.push_str("Content-Length: 0\r\n\r\n");
    out
}

/// A TCP registrar; counts the pings it saw and answers them when `answer_pings`.
async fn tcp_registrar(answer_pings: bool) -> (u16, Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let pings = Arc::new(AtomicU32::new(0));
    let counter = pings.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let Ok(n) = conn.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    loop {
                        if buf.starts_with(b"\r\n\r\n") {
                            buf.drain(..4);
                            counter.fetch_add(1, Ordering::SeqCst);
                            if answer_pings {
                                let _ = conn.write_all(b"\r\n").await;
                            }
                            continue;
                        }
                        let text = String::from_utf8_lossy(&buf).to_string();
                        let Some(end) = text.find("\r\n\r\n") else {
                            break;
                        };
                        let request = text[..end + 4].to_string();
                        buf.drain(..end + 4);
                        let _ = conn.write_all(ok_to(&request).as_bytes()).await;
                    }
                }
            });
        }
    });
    (port, pings)
}

/// A UDP registrar; answers REGISTER always and OPTIONS when `answer_options`.
async fn udp_registrar(answer_options: bool) -> (u16, Arc<AtomicU32>) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let port = socket.local_addr().unwrap().port();
    let options = Arc::new(AtomicU32::new(0));
    let counter = options.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_535];
        while let Ok((n, from)) = socket.recv_from(&mut buf).await {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if text.starts_with("OPTIONS") {
                counter.fetch_add(1, Ordering::SeqCst);
                if !answer_options {
                    continue;
                }
            }
            let _ = socket.send_to(ok_to(&text).as_bytes(), from).await;
        }
    });
    (port, options)
}

async fn start(transport: Transport, port: u16) -> (Engine, broadcast::Receiver<EventEnvelope>) {
    let engine = Engine::start(EngineConfig {
        poll_devices: false,
        ..EngineConfig::default()
    });
    let events = engine.subscribe();
    let mut config = AccountConfig::new("ka", "sip:alice@127.0.0.1");
    config.server = Some(format!("127.0.0.1:{port}"));
    config.transport = transport;
    config.keepalive_secs = 1;
    config.keepalive_timeout_secs = 2;
    engine
        .execute(Command::SetAccount {
            account: Box::new(config),
            credential: None,
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: AccountId("ka".into()),
        })
        .await
        .unwrap();
    (engine, events)
}

/// The account's states until `stop` says so (hang guard: 20 s).
async fn states_until(
    events: &mut broadcast::Receiver<EventEnvelope>,
    stop: impl Fn(&[(AccountState, Option<Reason>)]) -> bool,
) -> Vec<(AccountState, Option<Reason>)> {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !stop(&seen) {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("hang guard; saw {seen:?}"))
            .unwrap();
        if let Event::AccountStateChanged { state, reason, .. } = env.event {
            seen.push((state, reason));
        }
    }
    seen
}

fn failed_for_keepalive(seen: &[(AccountState, Option<Reason>)]) -> bool {
    seen.iter().any(|(s, r)| {
        *s == AccountState::Failed && r.as_ref().is_some_and(|r| r.text.contains("keepalive"))
    })
}

#[tokio::test]
async fn an_unanswered_crlf_ping_on_tcp_drops_the_flow_and_says_why() {
    let (port, pings) = tcp_registrar(false).await;
    let (engine, mut events) = start(Transport::Tcp, port).await;
    let seen = states_until(&mut events, failed_for_keepalive).await;
    assert!(
        seen.iter().any(|(s, _)| *s == AccountState::Registered),
        "{seen:?}"
    );
    assert_eq!(
        pings.load(Ordering::SeqCst),
        1,
        "one ping, then the timeout"
    );
    // and it connects and registers again
    states_until(&mut events, |s| {
        s.last()
            .is_some_and(|(st, _)| *st == AccountState::Registered)
    })
    .await;
    engine.shutdown().await;
}

#[tokio::test]
async fn answered_crlf_pings_keep_the_tcp_flow() {
    let (port, pings) = tcp_registrar(true).await;
    let (engine, mut events) = start(Transport::Tcp, port).await;
    states_until(&mut events, |s| {
        s.last()
            .is_some_and(|(st, _)| *st == AccountState::Registered)
    })
    .await;
    // keep watching until three pings were answered: no other state on the way
    while pings.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut later = Vec::new();
    while let Ok(env) = events.try_recv() {
        if let Event::AccountStateChanged { state, .. } = env.event {
            later.push(state);
        }
    }
    assert!(later.is_empty(), "{later:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn unanswered_options_on_udp_drop_the_flow_and_answered_ones_keep_it() {
    let (port, options) = udp_registrar(false).await;
    let (engine, mut events) = start(Transport::Udp, port).await;
    let seen = states_until(&mut events, failed_for_keepalive).await;
    assert!(
        seen.iter().any(|(s, _)| *s == AccountState::Registered),
        "{seen:?}"
    );
    // one OPTIONS and its retransmissions (T1 doubling within the 2 s timeout)
    assert!(options.load(Ordering::SeqCst) >= 3, "{options:?}");
    engine.shutdown().await;

    let (port, options) = udp_registrar(true).await;
    let (engine, mut events) = start(Transport::Udp, port).await;
    states_until(&mut events, |s| {
        s.last()
            .is_some_and(|(st, _)| *st == AccountState::Registered)
    })
    .await;
    while options.load(Ordering::SeqCst) < 3 {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut later = Vec::new();
    while let Ok(env) = events.try_recv() {
        if let Event::AccountStateChanged { state, .. } = env.event {
            later.push(state);
        }
    }
    assert!(later.is_empty(), "{later:?}");
    engine.shutdown().await;
}
