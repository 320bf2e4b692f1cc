//! TURN (RFC 8656) over UDP for relay candidates: one allocation on one TURN server, the
//! permissions the ICE agent's peers need, and the wrapping of every relayed datagram.
//!
//! Sans-IO like the rest: the session routes datagrams from the TURN server here, and what the
//! ICE/DTLS/SRTP stack sends from the relayed address goes out through [`Turn::send`].

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::Instant;

use bytes::BytesMut;
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use rtc::stun::message::TransactionId;
use rtc::turn::client::{Client, ClientConfig, Event};
use tracing::{debug, info, warn};

use crate::Error;
use crate::config::IceServer;

/// The first server of a configuration with the `scheme:` URL (`turn` or `stun`; UDP, literal
/// IP address: the session does no DNS).
pub fn ice_server<'a>(
    servers: &'a [IceServer],
    scheme: &str,
) -> Result<Option<(SocketAddr, &'a IceServer)>, Error> {
    for s in servers {
        for url in &s.urls {
            let Some(rest) = url.strip_prefix(scheme).and_then(|r| r.strip_prefix(':')) else {
                continue;
            };
            let (hostport, query) = rest.split_once('?').unwrap_or((rest, ""));
            if query.contains("transport=tcp") {
                continue;
            }
            let addr = hostport
                .parse::<SocketAddr>()
                .or_else(|_| format!("{hostport}:3478").parse::<SocketAddr>())
                .map_err(|_| {
                    Error::Config(format!(
                        "{scheme} server {hostport}: need an IP address (resolve names first)"
                    ))
                })?;
            return Ok(Some((addr, s)));
        }
    }
    Ok(None)
}

/// What the TURN side has to tell the session.
pub enum TurnOutput {
    /// The allocation succeeded: the relayed address.
    Allocated(SocketAddr),
    /// The allocation failed (credentials, server unreachable).
    AllocationFailed(String),
    /// The STUN binding succeeded: our server-reflexive address.
    Reflexive(SocketAddr),
    /// The STUN binding failed or timed out.
    BindingFailed(String),
    /// A datagram from `peer` arrived through the relay.
    Data {
        /// The peer that sent it.
        peer: SocketAddr,
        /// The datagram.
        data: BytesMut,
    },
}

/// The client of one STUN/TURN server: an optional TURN allocation and an optional STUN
/// binding (server-reflexive address).
pub struct Turn {
    client: Client,
    /// The TURN server.
    pub server: SocketAddr,
    /// Our local address the allocation is made from.
    pub local: SocketAddr,
    allocate_tid: Option<TransactionId>,
    binding_tid: Option<TransactionId>,
    /// The relayed address once allocated.
    pub relayed: Option<SocketAddr>,
    permitted: HashSet<SocketAddr>,
    pending: HashMap<TransactionId, SocketAddr>,
    /// Datagrams waiting for a permission, per peer (bounded).
    queued: HashMap<SocketAddr, Vec<Vec<u8>>>,
}

const MAX_QUEUED_PER_PEER: usize = 16;

impl Turn {
    /// Starts a TURN allocation (with `creds`) and/or a STUN binding on `server` from `local`.
    pub fn start(
        now: Instant,
        server: SocketAddr,
        local: SocketAddr,
        creds: Option<&IceServer>,
        bind: bool,
    ) -> Result<Self, Error> {
        let cfg = ClientConfig {
            stun_serv_addr: if bind {
                server.to_string()
            } else {
                String::new()
            },
            turn_serv_addr: if creds.is_some() {
                server.to_string()
            } else {
                String::new()
            },
            local_addr: local,
            transport_protocol: TransportProtocol::UDP,
            username: creds.map(|c| c.username.clone()).unwrap_or_default(),
            password: creds.map(|c| c.credential.clone()).unwrap_or_default(),
            realm: String::new(),
            software: String::new(),
            rto_in_ms: 0,
            allocation_refresh_interval_cap: None,
        };
        let provider = rtc::crypto::default_provider()
            .map_err(|e| Error::Config(format!("crypto provider: {e}")))?;
        let mut client = Client::new(cfg, provider)?;
        let allocate_tid = match creds {
            Some(_) => Some(client.allocate(now)?),
            None => None,
        };
        let binding_tid = if bind {
            Some(client.send_binding_request(now)?)
        } else {
            None
        };
        debug!(%server, %local, turn = allocate_tid.is_some(), stun = bind, "gathering");
        Ok(Self {
            client,
            server,
            local,
            allocate_tid,
            binding_tid,
            relayed: None,
            permitted: HashSet::new(),
            pending: HashMap::new(),
            queued: HashMap::new(),
        })
    }

    /// A datagram from the TURN server.
    pub fn handle_datagram(&mut self, now: Instant, data: &[u8]) -> Result<(), Error> {
        self.client.handle_read(TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: self.local,
                peer_addr: self.server,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
            },
            message: BytesMut::from(data),
        })?;
        Ok(())
    }

    /// Sends `data` to `peer` through the relay (asks for a permission first if needed).
    pub fn send(&mut self, now: Instant, peer: SocketAddr, data: &[u8]) {
        let Some(relayed) = self.relayed else {
            return;
        };
        if self.permitted.contains(&peer) {
            match self.client.relay(relayed) {
                Ok(mut r) => {
                    if let Err(e) = r.send_to(now, data, peer) {
                        debug!(%peer, error = %e, "TURN send");
                    }
                }
                Err(e) => debug!(error = %e, "TURN relay gone"),
            }
            return;
        }
        let q = self.queued.entry(peer).or_default();
        if q.len() < MAX_QUEUED_PER_PEER {
            q.push(data.to_vec());
        }
        if self.pending.values().any(|p| *p == peer) {
            return;
        }
        match self
            .client
            .relay(relayed)
            .and_then(|mut r| r.create_permission(now, peer))
        {
            Ok(Some(tid)) => {
                self.pending.insert(tid, peer);
            }
            Ok(None) => {}
            Err(e) => debug!(%peer, error = %e, "TURN CreatePermission"),
        }
    }

    /// How many results (allocation, binding) gathering waits for from this server.
    pub fn expected_results(&self) -> usize {
        usize::from(self.allocate_tid.is_some()) + usize::from(self.binding_tid.is_some())
    }

    /// The next datagram to the TURN server.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, SocketAddr, Vec<u8>)> {
        let m = self.client.poll_write()?;
        Some((
            m.transport.local_addr,
            m.transport.peer_addr,
            m.message.to_vec(),
        ))
    }

    /// The client's next timer.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        self.client.poll_timeout()
    }

    /// Drives the client's timers (retransmissions, refreshes).
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Err(e) = self.client.handle_timeout(now) {
            debug!(error = %e, "TURN timeout");
        }
    }

    /// The client's events, turned into what the session needs.
    pub fn poll_output(&mut self, now: Instant) -> Option<TurnOutput> {
        loop {
            match self.client.poll_event()? {
                Event::AllocateResponse(tid, addr) if Some(tid) == self.allocate_tid => {
                    info!(relayed = %addr, "TURN allocation");
                    self.relayed = Some(addr);
                    return Some(TurnOutput::Allocated(addr));
                }
                Event::AllocateError(tid, e) if Some(tid) == self.allocate_tid => {
                    return Some(TurnOutput::AllocationFailed(e.to_string()));
                }
                Event::TransactionTimeout(tid) if Some(tid) == self.allocate_tid => {
                    return Some(TurnOutput::AllocationFailed("no response".into()));
                }
                Event::BindingResponse(tid, addr) if Some(tid) == self.binding_tid => {
                    debug!(reflexive = %addr, "STUN binding");
                    return Some(TurnOutput::Reflexive(addr));
                }
                Event::BindingError(tid, e) if Some(tid) == self.binding_tid => {
                    return Some(TurnOutput::BindingFailed(e.to_string()));
                }
                Event::TransactionTimeout(tid) if Some(tid) == self.binding_tid => {
                    return Some(TurnOutput::BindingFailed("no response".into()));
                }
                Event::CreatePermissionResponse(tid, peer) => {
                    self.pending.remove(&tid);
                    self.permitted.insert(peer);
                    for d in self.queued.remove(&peer).unwrap_or_default() {
                        self.send(now, peer, &d);
                    }
                }
                Event::CreatePermissionError(tid, e) => {
                    if let Some(peer) = self.pending.remove(&tid) {
                        warn!(%peer, error = %e, "TURN permission refused");
                        self.queued.remove(&peer);
                    }
                }
                Event::DataIndicationOrChannelData(_, peer, data) => {
                    return Some(TurnOutput::Data { peer, data });
                }
                _ => {}
            }
        }
    }

    /// Releases the allocation (a Refresh with lifetime 0 is queued).
    pub fn close(&mut self, now: Instant) {
        if let Some(relayed) = self.relayed {
            if let Ok(mut r) = self.client.relay(relayed) {
                let _ = r.close(now);
            }
        }
    }
}
