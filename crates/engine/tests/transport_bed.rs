//! Every transport against the real Kamailio of the test bed (bed tier: run inside
//! `tests/bed/bed.sh run`, which sets the BED_* variables).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::transport::{connect, LinkConfig, LinkEvent, LinkKind, TlsOptions};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::mpsc;

fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

fn options_request(kind: LinkKind, local: SocketAddr, n: u32) -> Vec<u8> {
    format!(
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\n\
         Via: SIP/2.0/{} {};branch=z9hG4bKtransporttest{n};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:softphone@127.0.0.1>;tag=t{n}\r\n\
         To: <sip:127.0.0.1>\r\n\
         Call-ID: transport-test-{n}@softphone\r\n\
         CSeq: 1 OPTIONS\r\n\
         Content-Length: 0\r\n\r\n",
        kind.via_token(),
        local
    )
    .into_bytes()
}

async fn first_response(rx: &mut mpsc::Receiver<LinkEvent>) -> String {
    let mut got = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
            .await
            .expect("no answer within 5 s")
            .expect("link ended");
        match event {
            LinkEvent::Data(bytes) => {
                got.extend_from_slice(&bytes);
                let text = String::from_utf8_lossy(&got).to_string();
                if text.trim_start().starts_with("SIP/2.0 ") && text.contains("\r\n\r\n") {
                    return text;
                }
            }
            LinkEvent::Closed(why) => panic!("closed: {why}"),
            LinkEvent::Pong => {}
        }
    }
}

fn config(kind: LinkKind, addr: &str, verify: bool, ca: Option<String>) -> LinkConfig {
    let hostport = addr
        .trim_start_matches("ws://")
        .trim_start_matches("wss://");
    LinkConfig {
        kind,
        remote: hostport.parse().expect("bed address"),
        server_name: "127.0.0.1".into(),
        ws_path: "/".into(),
        tls: TlsOptions {
            verify,
            extra_ca_file: ca.map(Into::into),
        },
    }
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn every_transport_reaches_kamailio() {
    let ca = bed("BED_TLS_CA");
    let cases = [
        (LinkKind::Udp, bed("BED_SIP_UDP")),
        (LinkKind::Tcp, bed("BED_SIP_TCP")),
        (LinkKind::Tls, bed("BED_SIP_TLS")),
        (LinkKind::Ws, bed("BED_SIP_WS")),
        (LinkKind::Wss, bed("BED_SIP_WSS")),
    ];
    for (n, (kind, addr)) in cases.into_iter().enumerate() {
        let (tx, mut rx) = mpsc::channel(16);
        let link = connect(&config(kind, &addr, true, Some(ca.clone())), tx)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        link.send(options_request(kind, link.local_addr(), n as u32))
            .await
            .unwrap();
        let response = first_response(&mut rx).await;
        assert!(
            response.contains(&format!("branch=z9hG4bKtransporttest{n}")),
            "{kind:?}: {response}"
        );
    }
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn untrusted_certificates_are_refused_with_a_clear_reason() {
    for (kind, addr) in [
        (LinkKind::Tls, bed("BED_SIP_TLS")),
        (LinkKind::Wss, bed("BED_SIP_WSS")),
    ] {
        let (tx, _rx) = mpsc::channel(16);
        let err = connect(&config(kind, &addr, true, None), tx)
            .await
            .expect_err("the bed's self-signed CA is not in the system roots");
        let text = err.to_string();
        assert!(
            text.contains("TLS") && text.to_lowercase().contains("certificate"),
            "{text}"
        );
    }
    // The same server with verification switched off connects (the account shows a warning).
    let (tx, _rx) = mpsc::channel(16);
    connect(&config(LinkKind::Tls, &bed("BED_SIP_TLS"), false, None), tx)
        .await
        .expect("verification off");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn keepalive_pings_are_answered_on_every_connection_transport() {
    let ca = bed("BED_TLS_CA");
    let cases = [
        (LinkKind::Tcp, bed("BED_SIP_TCP")),
        (LinkKind::Tls, bed("BED_SIP_TLS")),
        (LinkKind::Ws, bed("BED_SIP_WS")),
        (LinkKind::Wss, bed("BED_SIP_WSS")),
    ];
    for (kind, addr) in cases {
        let (tx, mut rx) = mpsc::channel(16);
        let link = connect(&config(kind, &addr, true, Some(ca.clone())), tx)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        for round in 0..2 {
            link.ping().await.unwrap();
            let event = tokio::time::timeout(Duration::from_secs(5), rx.recv())
                .await
                .unwrap_or_else(|_| panic!("{kind:?}: no pong to ping {round} within 5 s"))
                .expect("link ended");
            match (kind, event) {
                // RFC 5626 §4.4.1: CRLF CRLF is answered with CRLF
                (LinkKind::Tcp | LinkKind::Tls, LinkEvent::Data(bytes)) => {
                    assert_eq!(bytes, b"\r\n", "{kind:?}")
                }
                (LinkKind::Ws | LinkKind::Wss, LinkEvent::Pong) => {}
                (_, other) => panic!("{kind:?}: {other:?}"),
            }
        }
    }
}
