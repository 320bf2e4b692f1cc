//! Links to a SIP server: UDP, TCP, TLS, WebSocket and secure WebSocket (RFC 7118).
//!
//! A [`Link`] is one connection (or one connected UDP socket) to one server. Bytes to send go
//! in through [`Link::send`]; what arrives comes out as [`LinkEvent`]s on the channel given to
//! [`connect`]. Datagram and WebSocket links deliver whole messages; stream links (TCP, TLS)
//! deliver chunks that the caller frames (split and coalesced reads are normal).
//!
//! TLS verifies the server's certificate against the system roots plus an optional extra CA
//! file; verification can be switched off per account, which the UI shows.

use futures_util::{SinkExt, StreamExt};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

/// How long connecting (TCP + TLS + WebSocket handshake) may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest datagram we accept.
const MAX_DATAGRAM: usize = 65_535;
/// The largest WebSocket message we accept.
const MAX_WS_MESSAGE: usize = 256 * 1024;

/// The kind of link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// UDP datagrams.
    Udp,
    /// A TCP stream.
    Tcp,
    /// A TLS stream over TCP.
    Tls,
    /// WebSocket over TCP, subprotocol `sip`.
    Ws,
    /// WebSocket over TLS, subprotocol `sip`.
    Wss,
}

impl LinkKind {
    /// The `transport` parameter / Via token for this kind.
    pub fn via_token(self) -> &'static str {
        match self {
            LinkKind::Udp => "UDP",
            LinkKind::Tcp => "TCP",
            LinkKind::Tls => "TLS",
            LinkKind::Ws => "WS",
            LinkKind::Wss => "WSS",
        }
    }

    /// Whether received data are stream chunks that need Content-Length framing.
    pub fn is_stream(self) -> bool {
        matches!(self, LinkKind::Tcp | LinkKind::Tls)
    }

    /// Whether the link is reliable (no retransmissions of requests, RFC 3261 §17).
    pub fn is_reliable(self) -> bool {
        self != LinkKind::Udp
    }

    /// Whether the link is encrypted.
    pub fn is_secure(self) -> bool {
        matches!(self, LinkKind::Tls | LinkKind::Wss)
    }
}

/// TLS settings of an account.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// Verify the server certificate (default on).
    pub verify: bool,
    /// An extra trusted CA certificate file (PEM).
    pub extra_ca_file: Option<PathBuf>,
}

/// Where and how to connect.
#[derive(Clone, Debug)]
pub struct LinkConfig {
    /// Link kind.
    pub kind: LinkKind,
    /// The server's address (already resolved).
    pub remote: SocketAddr,
    /// The name the certificate must carry and the WebSocket `Host` (an IP literal is fine).
    pub server_name: String,
    /// WebSocket resource path, for example `/` or `/ws`.
    pub ws_path: String,
    /// TLS settings.
    pub tls: TlsOptions,
}

/// What a link reports.
#[derive(Debug)]
pub enum LinkEvent {
    /// Bytes arrived: a whole message (UDP, WS) or a chunk of a stream (TCP, TLS).
    Data(Vec<u8>),
    /// The link closed; the text says why.
    Closed(String),
    /// A WebSocket pong frame arrived (the answer to [`Link::ping`] on WS/WSS).
    Pong,
}

/// What the writer side of a link is asked to send.
#[derive(Debug)]
enum Outgoing {
    /// A whole message (or keepalive bytes).
    Bytes(Vec<u8>),
    /// A keepalive ping: `CRLF CRLF` on TCP/TLS, a ping frame on WS/WSS, nothing on UDP.
    Ping,
}

/// Why a link could not be set up or used.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// Connecting failed (refused, unreachable, timed out).
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// Where to.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
    /// TLS failed (certificate not trusted, wrong name, handshake error).
    #[error("TLS with {server} failed: {reason}")]
    Tls {
        /// The server name checked.
        server: String,
        /// Why.
        reason: String,
    },
    /// The WebSocket handshake failed.
    #[error("WebSocket handshake with {url} failed: {reason}")]
    WebSocket {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The link is closed.
    #[error("link closed")]
    Closed,
}

/// One open link. Dropping it closes the connection.
#[derive(Debug)]
pub struct Link {
    kind: LinkKind,
    local: SocketAddr,
    remote: SocketAddr,
    outgoing: mpsc::Sender<Outgoing>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for Link {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Link {
    /// The link kind.
    pub fn kind(&self) -> LinkKind {
        self.kind
    }

    /// Our address as the server sees it before NAT (for Via and Contact).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The server's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote
    }

    /// Queues bytes for sending (one whole message).
    pub async fn send(&self, bytes: Vec<u8>) -> Result<(), TransportError> {
        self.outgoing
            .send(Outgoing::Bytes(bytes))
            .await
            .map_err(|_| TransportError::Closed)
    }

    /// Sends a keepalive ping (RFC 5626 §4.4.1 `CRLF CRLF` on TCP/TLS, a ping frame on
    /// WS/WSS; nothing on UDP, where the account sends OPTIONS instead). The answer comes
    /// back as a `CRLF` pong in the stream (TCP/TLS) or as [`LinkEvent::Pong`] (WS/WSS).
    pub async fn ping(&self) -> Result<(), TransportError> {
        if self.kind == LinkKind::Udp {
            return Ok(());
        }
        self.outgoing
            .send(Outgoing::Ping)
            .await
            .map_err(|_| TransportError::Closed)
    }
}

/// Opens a link and starts delivering its events to `events`.
pub async fn connect(
    config: &LinkConfig,
    events: mpsc::Sender<LinkEvent>,
) -> Result<Link, TransportError> {
    let fut = connect_inner(config, events);
    match tokio::time::timeout(CONNECT_TIMEOUT, fut).await {
        Ok(result) => result,
        Err(_) => Err(TransportError::Connect {
            addr: config.remote,
            reason: "timed out".into(),
        }),
    }
}

async fn connect_inner(
    config: &LinkConfig,
    events: mpsc::Sender<LinkEvent>,
) -> Result<Link, TransportError> {
    let remote = config.remote;
    let conn_err = |e: std::io::Error| TransportError::Connect {
        addr: remote,
        reason: e.to_string(),
    };
    let (tx, rx) = mpsc::channel::<Outgoing>(256);
    match config.kind {
        LinkKind::Udp => {
            let bind: SocketAddr = if remote.is_ipv6() {
                "[::]:0".parse().map_err(|_| TransportError::Closed)?
            } else {
                "0.0.0.0:0".parse().map_err(|_| TransportError::Closed)?
            };
            let socket = UdpSocket::bind(bind).await.map_err(conn_err)?;
            socket.connect(remote).await.map_err(conn_err)?;
            let local = socket.local_addr().map_err(conn_err)?;
            let socket = Arc::new(socket);
            let tasks = vec![
                tokio::spawn(udp_reader(socket.clone(), events.clone())),
                tokio::spawn(udp_writer(socket, rx, events)),
            ];
            Ok(Link {
                kind: config.kind,
                local,
                remote,
                outgoing: tx,
                tasks,
            })
        }
        LinkKind::Tcp | LinkKind::Tls | LinkKind::Ws | LinkKind::Wss => {
            let tcp = TcpStream::connect(remote).await.map_err(conn_err)?;
            let _ = tcp.set_nodelay(true);
            let local = tcp.local_addr().map_err(conn_err)?;
            let task = match config.kind {
                LinkKind::Tcp => tokio::spawn(stream_pump(tcp, rx, events)),
                LinkKind::Tls => {
                    let tls = tls_handshake(config, tcp).await?;
                    tokio::spawn(stream_pump(tls, rx, events))
                }
                LinkKind::Ws => {
                    let ws = ws_handshake(config, tcp).await?;
                    tokio::spawn(ws_pump(ws, rx, events))
                }
                LinkKind::Wss => {
                    let tls = tls_handshake(config, tcp).await?;
                    let ws = ws_handshake(config, tls).await?;
                    tokio::spawn(ws_pump(ws, rx, events))
                }
                LinkKind::Udp => unreachable_kind(),
            };
            Ok(Link {
                kind: config.kind,
                local,
                remote,
                outgoing: tx,
                tasks: vec![task],
            })
        }
    }
}

fn unreachable_kind() -> tokio::task::JoinHandle<()> {
    // UDP is handled above; keep the match exhaustive without a panic.
    tokio::spawn(async {})
}

async fn udp_reader(socket: Arc<UdpSocket>, events: mpsc::Sender<LinkEvent>) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        match socket.recv(&mut buf).await {
            Ok(n) => {
                let data = buf.get(..n).unwrap_or_default().to_vec();
                if events.send(LinkEvent::Data(data)).await.is_err() {
                    return;
                }
            }
            // ICMP port unreachable shows up as ECONNREFUSED on a connected UDP socket: the
            // server is not there right now. Report it; the account decides to retry.
            Err(e) => {
                let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                return;
            }
        }
    }
}

async fn udp_writer(
    socket: Arc<UdpSocket>,
    mut rx: mpsc::Receiver<Outgoing>,
    events: mpsc::Sender<LinkEvent>,
) {
    while let Some(outgoing) = rx.recv().await {
        let Outgoing::Bytes(bytes) = outgoing else {
            continue;
        };
        if let Err(e) = socket.send(&bytes).await {
            tracing::debug!(error = %e, "UDP send failed");
            if e.kind() == std::io::ErrorKind::ConnectionRefused {
                let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                return;
            }
        }
    }
}

async fn stream_pump<S>(
    stream: S,
    mut rx: mpsc::Receiver<Outgoing>,
    events: mpsc::Sender<LinkEvent>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut reader, mut writer) = tokio::io::split(stream);
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = reader.read(&mut buf) => match read {
                Ok(0) => {
                    let _ = events.send(LinkEvent::Closed("connection closed by the server".into())).await;
                    return;
                }
                Ok(n) => {
                    let data = buf.get(..n).unwrap_or_default().to_vec();
                    if events.send(LinkEvent::Data(data)).await.is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                    return;
                }
            },
            outgoing = rx.recv() => match outgoing {
                Some(outgoing) => {
                    let bytes: &[u8] = match &outgoing {
                        Outgoing::Bytes(b) => b,
                        Outgoing::Ping => b"\r\n\r\n",
                    };
                    if let Err(e) = writer.write_all(bytes).await {
                        let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                        return;
                    }
                }
                None => {
                    let _ = writer.shutdown().await;
                    return;
                }
            },
        }
    }
}

async fn ws_pump<S>(
    mut ws: tokio_tungstenite::WebSocketStream<S>,
    mut rx: mpsc::Receiver<Outgoing>,
    events: mpsc::Sender<LinkEvent>,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if events.send(LinkEvent::Data(text.as_bytes().to_vec())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Binary(data))) => {
                    if events.send(LinkEvent::Data(data.to_vec())).await.is_err() {
                        return;
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    let why = frame.map_or_else(|| "WebSocket closed by the server".to_string(), |f| format!("WebSocket closed: {} {}", f.code, f.reason));
                    let _ = events.send(LinkEvent::Closed(why)).await;
                    return;
                }
                Some(Ok(Message::Pong(_))) => {
                    if events.send(LinkEvent::Pong).await.is_err() {
                        return;
                    }
                }
                // Pings are answered by tungstenite itself.
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                    return;
                }
                None => {
                    let _ = events.send(LinkEvent::Closed("WebSocket ended".into())).await;
                    return;
                }
            },
            outgoing = rx.recv() => match outgoing {
                Some(Outgoing::Ping) => {
                    if let Err(e) = ws.send(Message::Ping(Vec::new().into())).await {
                        let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                        return;
                    }
                }
                Some(Outgoing::Bytes(bytes)) => {
                    // SIP over WebSocket uses text frames for UTF-8 messages (RFC 7118 §5.2).
                    let message = match String::from_utf8(bytes) {
                        Ok(text) => Message::text(text),
                        Err(e) => Message::binary(e.into_bytes()),
                    };
                    if let Err(e) = ws.send(message).await {
                        let _ = events.send(LinkEvent::Closed(e.to_string())).await;
                        return;
                    }
                }
                None => {
                    let _ = ws.close(None).await;
                    return;
                }
            },
        }
    }
}

/// The system's trusted roots, read once per process (reading them costs tens of
/// milliseconds, which every TLS and WSS connection would otherwise pay).
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: std::sync::OnceLock<Vec<CertificateDer<'static>>> = std::sync::OnceLock::new();
    ROOTS.get_or_init(|| {
        let native = rustls_native_certs::load_native_certs();
        for error in &native.errors {
            tracing::warn!(%error, "while loading the system's trusted certificates");
        }
        native.certs
    })
}

/// Builds the rustls client configuration for an account.
pub fn tls_client_config(options: &TlsOptions) -> Result<rustls::ClientConfig, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    if !options.verify {
        tracing::warn!("TLS certificate verification is OFF for this account");
        return Ok(builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth());
    }
    let mut roots = rustls::RootCertStore::empty();
    for cert in system_roots() {
        let _ = roots.add(cert.clone());
    }
    if let Some(path) = &options.extra_ca_file {
        let certs = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
        let mut added = 0;
        for cert in certs {
            let cert = cert.map_err(|e| format!("bad CA file {}: {e}", path.display()))?;
            roots
                .add(cert)
                .map_err(|e| format!("bad CA certificate in {}: {e}", path.display()))?;
            added += 1;
        }
        if added == 0 {
            return Err(format!("no certificate in CA file {}", path.display()));
        }
    }
    Ok(builder.with_root_certificates(roots).with_no_client_auth())
}

async fn tls_handshake(
    config: &LinkConfig,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TransportError> {
    let server = config.server_name.clone();
    let tls_err = |reason: String| TransportError::Tls {
        server: server.clone(),
        reason,
    };
    let client = tls_client_config(&config.tls).map_err(&tls_err)?;
    let name = ServerName::try_from(config.server_name.clone())
        .map_err(|e| tls_err(format!("bad server name: {e}")))?;
    tokio_rustls::TlsConnector::from(Arc::new(client))
        .connect(name, tcp)
        .await
        .map_err(|e| tls_err(e.to_string()))
}

async fn ws_handshake<S>(
    config: &LinkConfig,
    stream: S,
) -> Result<tokio_tungstenite::WebSocketStream<S>, TransportError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let scheme = if config.kind == LinkKind::Wss {
        "wss"
    } else {
        "ws"
    };
    let host = if config.server_name.contains(':') && !config.server_name.starts_with('[') {
        format!("[{}]", config.server_name)
    } else {
        config.server_name.clone()
    };
    let path = if config.ws_path.starts_with('/') {
        config.ws_path.clone()
    } else {
        format!("/{}", config.ws_path)
    };
    let url = format!("{scheme}://{host}:{}{path}", config.remote.port());
    let ws_err = |reason: String| TransportError::WebSocket {
        url: url.clone(),
        reason,
    };
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| ws_err(e.to_string()))?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static("sip"));
    let ws_config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(MAX_WS_MESSAGE))
        .max_frame_size(Some(MAX_WS_MESSAGE));
    let (ws, response) =
        tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config))
            .await
            .map_err(|e| ws_err(e.to_string()))?;
    let proto = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .and_then(|v| v.to_str().ok());
    if !proto.is_some_and(|p| p.eq_ignore_ascii_case("sip")) {
        return Err(ws_err(
            "the server did not accept the `sip` subprotocol".into(),
        ));
    }
    Ok(ws)
}

/// Accepts any certificate: only when the user switched verification off for an account.
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls_pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
