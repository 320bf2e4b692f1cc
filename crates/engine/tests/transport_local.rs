//! Transport behaviour against local sockets: framing-agnostic delivery, closing, refusals.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::transport::{connect, LinkConfig, LinkEvent, LinkKind, TlsOptions};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::mpsc;

fn cfg(kind: LinkKind, remote: std::net::SocketAddr) -> LinkConfig {
    LinkConfig {
        kind,
        remote,
        server_name: "127.0.0.1".into(),
        ws_path: "/".into(),
        tls: TlsOptions {
            verify: true,
            extra_ca_file: None,
        },
    }
}

async fn next(rx: &mut mpsc::Receiver<LinkEvent>) -> LinkEvent {
    tokio::time::timeout(Duration::from_secs(5), rx.recv())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn udp_round_trip() {
    let server = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (tx, mut rx) = mpsc::channel(4);
    let link = connect(&cfg(LinkKind::Udp, server.local_addr().unwrap()), tx)
        .await
        .unwrap();
    assert_eq!(link.local_addr().ip().to_string(), "127.0.0.1");
    link.send(b"ping".to_vec()).await.unwrap();
    let mut buf = [0u8; 16];
    let (n, from) = server.recv_from(&mut buf).await.unwrap();
    assert_eq!(&buf[..n], b"ping");
    server.send_to(b"pong", from).await.unwrap();
    assert!(matches!(next(&mut rx).await, LinkEvent::Data(d) if d == b"pong"));
}

#[tokio::test]
async fn tcp_delivers_chunks_and_reports_close() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, mut rx) = mpsc::channel(4);
    let link = connect(&cfg(LinkKind::Tcp, addr), tx).await.unwrap();
    let (mut peer, _) = listener.accept().await.unwrap();
    link.send(b"hello".to_vec()).await.unwrap();
    let mut buf = [0u8; 5];
    peer.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"hello");
    peer.write_all(b"world").await.unwrap();
    assert!(matches!(next(&mut rx).await, LinkEvent::Data(d) if d == b"world"));
    drop(peer);
    assert!(matches!(next(&mut rx).await, LinkEvent::Closed(_)));
}

#[tokio::test]
async fn refused_connections_are_errors_not_hangs() {
    // Bind then drop to get a port with nobody listening.
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    for kind in [LinkKind::Tcp, LinkKind::Tls, LinkKind::Ws, LinkKind::Wss] {
        let (tx, _rx) = mpsc::channel(4);
        let err = connect(&cfg(kind, addr), tx).await.unwrap_err();
        assert!(
            err.to_string().contains("cannot connect"),
            "{kind:?}: {err}"
        );
    }
}

#[tokio::test]
async fn a_server_speaking_garbage_fails_the_handshake() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = s.write_all(b"\x00\xffgarbage garbage\r\n\r\n").await;
        }
    });
    for kind in [LinkKind::Tls, LinkKind::Ws, LinkKind::Wss] {
        let (tx, _rx) = mpsc::channel(4);
        let err = connect(&cfg(kind, addr), tx).await.unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("TLS") || text.contains("WebSocket"),
            "{kind:?}: {text}"
        );
    }
}
