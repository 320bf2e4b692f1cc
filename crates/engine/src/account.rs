//! One account's connection and registration: a tokio task that owns the link to the server,
//! drives the sans-IO [`Registration`], answers what arrives, and reconnects with backoff.

use crate::account_calls::{CallUpdate, Calls, MediaPolicy};
use crate::api::{
    AccountConfig, AccountId, AccountState, CallId, CallState as ApiCallState, Credential, Reason,
    TraceDirection,
};
use crate::dns::{resolve_targets, SystemDns, Target};
use crate::keepalive::{KeepAlive, KeepAliveAction};
use crate::media_path::{AudioRoute, MediaEnded};
use crate::server::{aor_domain, server_address};
use crate::transport::{connect, Link, LinkConfig, LinkEvent, LinkKind, TlsOptions};
use rand::{RngCore, SeedableRng};
use softphone_sip::ua::{
    AuthSecret, CallConfig, RandomSource, Registration, RegistrationConfig, RegistrationEvent,
    RegistrationState, TimerConfig,
};
use softphone_sip::{FramerConfig, FramerEvent, HeaderName, Message, StreamFramer};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tracing::Instrument;

/// What the engine asks an account task to do.
#[derive(Debug)]
pub(crate) enum AccountCommand {
    Dial {
        call_id: CallId,
        target: String,
        anonymous: bool,
        headers: Vec<(String, String)>,
        devices: AudioRoute,
    },
    Answer {
        call_id: CallId,
        devices: AudioRoute,
    },
    /// An incoming call rings: open its devices now.
    PrepareMedia {
        call_id: CallId,
        devices: AudioRoute,
    },
    Reject {
        call_id: CallId,
        code: u16,
    },
    Hangup {
        call_id: CallId,
    },
    SetMute {
        call_id: CallId,
        muted: bool,
    },
    SendDtmf {
        call_id: CallId,
        digits: String,
    },
    /// Hold (`true`) or resume a connected call.
    Hold {
        call_id: CallId,
        hold: bool,
    },
    /// Forward a ringing incoming call (302).
    Forward {
        call_id: CallId,
        target: String,
    },
    Register,
    Unregister {
        all: bool,
    },
    SetDebug(bool),
    Stop,
}

/// What an account task tells the engine.
#[derive(Debug)]
pub(crate) enum AccountReport {
    State {
        generation: u64,
        account_id: AccountId,
        state: AccountState,
        reason: Option<Reason>,
    },
    Expiring {
        generation: u64,
        account_id: AccountId,
        seconds_left: u32,
    },
    Trace {
        account_id: AccountId,
        direction: TraceDirection,
        remote: String,
        message: String,
    },
    Call {
        generation: u64,
        account_id: AccountId,
        update: CallUpdate,
    },
    Stopped {
        generation: u64,
        account_id: AccountId,
    },
}

/// The engine's handle on a running account task.
#[derive(Debug)]
pub(crate) struct AccountHandle {
    pub(crate) generation: u64,
    pub(crate) commands: mpsc::Sender<AccountCommand>,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

/// OS-seeded randomness for tags, branches and nonces.
struct OsRandom(rand::rngs::StdRng);

impl RandomSource for OsRandom {
    fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }
}

fn os_random() -> Box<dyn RandomSource> {
    Box::new(OsRandom(rand::rngs::StdRng::from_entropy()))
}

/// Starts an account task.
pub(crate) fn spawn(
    generation: u64,
    config: AccountConfig,
    credential: Option<Credential>,
    user_agent: String,
    debug: bool,
    reports: mpsc::Sender<AccountReport>,
    call_counter: Arc<AtomicU64>,
) -> AccountHandle {
    let (tx, rx) = mpsc::channel(16);
    let (media_tx, media_rx) = mpsc::channel(16);
    let span = tracing::info_span!("account", id = %config.id);
    let media_policy = MediaPolicy::of(&config);
    let task = AccountTask {
        generation,
        config,
        credential,
        user_agent,
        debug,
        reports,
        commands: rx,
        instance_id: format!("urn:uuid:{}", uuid_v4()),
        calls: Calls::new(media_tx, media_policy),
        media_ended: media_rx,
        call_counter,
        targets: Vec::new(),
        next_target: 0,
        net: crate::netwatch::subscribe(),
    };
    let task = tokio::spawn(task.run().instrument(span));
    AccountHandle {
        generation,
        commands: tx,
        task,
    }
}

fn uuid_v4() -> String {
    let mut rng = rand::rngs::StdRng::from_entropy();
    let mut b = [0u8; 16];
    rng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex_lower(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces credentials in a SIP message so traces never carry them.
pub(crate) fn redact(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let name = line.split(':').next().unwrap_or_default().trim();
        if name.eq_ignore_ascii_case("authorization")
            || name.eq_ignore_ascii_case("proxy-authorization")
        {
            let scheme = line
                .split_once(':')
                .map(|(_, v)| v.trim_start().split(' ').next().unwrap_or_default())
                .unwrap_or_default();
            out.push_str(name);
            out.push_str(": ");
            out.push_str(scheme);
            out.push_str(" <redacted>\r\n");
        } else {
            out.push_str(line);
        }
    }
    out
}

/// How the task left its connected phase.
enum Exit {
    /// Reconnect after the backoff delay.
    Reconnect,
    /// A final failure: wait for the user.
    Idle,
    /// Stop the task.
    Stop,
    /// The network changed or the machine resumed: connect and register again at once.
    Renew,
}

struct AccountTask {
    generation: u64,
    config: AccountConfig,
    credential: Option<Credential>,
    user_agent: String,
    debug: bool,
    reports: mpsc::Sender<AccountReport>,
    commands: mpsc::Receiver<AccountCommand>,
    instance_id: String,
    calls: Calls,
    media_ended: mpsc::Receiver<MediaEnded>,
    call_counter: Arc<AtomicU64>,
    /// Where the server is (RFC 3263), kept while it works; re-resolved once every target
    /// has failed.
    targets: Vec<Target>,
    /// The target in use or to try next.
    next_target: usize,
    /// Counts network changes and resumes ([`crate::netwatch`]).
    net: tokio::sync::watch::Receiver<crate::netwatch::Latest>,
}

struct Connected {
    call_config: CallConfig,
    link: Link,
    events: mpsc::Receiver<LinkEvent>,
    framer: Option<StreamFramer>,
    registration: Registration,
    keepalive: KeepAlive,
    /// The OPTIONS keepalive in flight on UDP: its Call-ID and bytes (for retransmission).
    options_ping: Option<(String, Vec<u8>)>,
    pings_sent: u32,
}

impl AccountTask {
    async fn report(&self, state: AccountState, reason: Option<Reason>) {
        let _ = self
            .reports
            .send(AccountReport::State {
                generation: self.generation,
                account_id: self.config.id.clone(),
                state,
                reason,
            })
            .await;
    }

    async fn run(mut self) {
        let min = Duration::from_secs(u64::from(self.config.reconnect_min_secs.max(1)));
        let max = Duration::from_secs(u64::from(self.config.reconnect_max_secs.max(1))).max(min);
        let mut backoff = min;
        loop {
            self.report(AccountState::Connecting, None).await;
            let exit = match self.connect().await {
                Ok(connected) => {
                    self.report(AccountState::Connected, None).await;
                    self.connected(connected, &mut backoff, min).await
                }
                Err(reason) => {
                    tracing::warn!(%reason, "connect failed");
                    self.report(AccountState::Failed, Some(Reason::local(reason)))
                        .await;
                    Exit::Reconnect
                }
            };
            let wait = match exit {
                Exit::Stop => break,
                // Failover: the next target at once while the resolved list lasts.
                Exit::Reconnect if self.advance_target() => continue,
                Exit::Renew => {
                    backoff = min;
                    self.targets.clear();
                    self.next_target = 0;
                    continue;
                }
                Exit::Reconnect => {
                    let wait = backoff;
                    backoff = (backoff * 2).min(max);
                    Some(wait)
                }
                Exit::Idle => {
                    self.targets.clear();
                    self.next_target = 0;
                    None
                }
            };
            // Wait for the backoff (or, after a final failure, for the user), obeying commands.
            let deadline = wait.map(|w| Instant::now() + w);
            let stop = loop {
                let sleep = async {
                    match deadline {
                        Some(d) => tokio::time::sleep_until(d).await,
                        None => std::future::pending().await,
                    }
                };
                let command = tokio::select! {
                    c = self.commands.recv() => c,
                    () = sleep => break false,
                    Ok(()) = self.net.changed(), if deadline.is_some() => {
                        tracing::info!("network changed: reconnecting now");
                        backoff = min;
                        break false;
                    }
                };
                match command {
                    None | Some(AccountCommand::Stop) => break true,
                    Some(AccountCommand::Register) => {
                        backoff = min;
                        break false;
                    }
                    Some(AccountCommand::SetDebug(on)) => self.debug = on,
                    Some(AccountCommand::Dial { call_id, .. }) => {
                        let update = CallUpdate::State {
                            call_id,
                            state: ApiCallState::Ended,
                            reason: Some(Reason::local("the account is not connected")),
                        };
                        self.report_call(update).await;
                    }
                    Some(_) => {}
                }
            };
            if stop {
                break;
            }
        }
        self.report(AccountState::Stopped, None).await;
        let _ = self
            .reports
            .send(AccountReport::Stopped {
                generation: self.generation,
                account_id: self.config.id.clone(),
            })
            .await;
    }

    /// Moves to the next resolved target; false (and the list forgotten, so the next connect
    /// resolves again) when there is none.
    fn advance_target(&mut self) -> bool {
        self.next_target += 1;
        if self.next_target < self.targets.len() {
            tracing::info!(next = ?self.targets.get(self.next_target), "failing over to the next target");
            true
        } else {
            self.targets.clear();
            self.next_target = 0;
            false
        }
    }

    async fn connect(&mut self) -> Result<Connected, String> {
        let server = server_address(&self.config).map_err(|e| e.detail)?;
        if self.next_target >= self.targets.len() {
            let dns = SystemDns::new();
            let mut rng = OsRandom(rand::rngs::StdRng::from_entropy());
            self.targets = resolve_targets(&server, &dns, &mut rng).await?;
            self.next_target = 0;
        }
        let mut last_error = String::from("no address to try");
        while let Some(target) = self.targets.get(self.next_target).cloned() {
            let addr = target.addr;
            let (tx, rx) = mpsc::channel(256);
            let link_config = LinkConfig {
                kind: target.kind,
                remote: addr,
                server_name: server.host.clone(),
                ws_path: server.ws_path.clone(),
                tls: TlsOptions {
                    verify: self.config.tls_verify,
                    extra_ca_file: self.config.tls_ca_file.clone().map(Into::into),
                },
            };
            match connect(&link_config, tx).await {
                Ok(link) => {
                    tracing::info!(kind = ?target.kind, remote = %addr, local = %link.local_addr(), "connected");
                    let (registration, call_config) = self.registration(&link, &server.host);
                    let framer = target
                        .kind
                        .is_stream()
                        .then(|| StreamFramer::new(FramerConfig::default()));
                    // An account that does not register keeps no binding alive: a peer that
                    // ignores OPTIONS (sipp, a plain SIP trunk) must not end its calls.
                    let keepalive_secs = if self.config.register {
                        self.config.keepalive_secs
                    } else {
                        0
                    };
                    let keepalive = KeepAlive::new(
                        Instant::now().into_std(),
                        Duration::from_secs(u64::from(keepalive_secs)),
                        Duration::from_secs(u64::from(self.config.keepalive_timeout_secs.max(1))),
                        target.kind == LinkKind::Udp,
                    );
                    return Ok(Connected {
                        call_config,
                        link,
                        events: rx,
                        framer,
                        registration,
                        keepalive,
                        options_ping: None,
                        pings_sent: 0,
                    });
                }
                Err(e) => {
                    tracing::info!(remote = %addr, error = %e, "target failed");
                    last_error = e.to_string();
                    self.next_target += 1;
                }
            }
        }
        self.targets.clear();
        self.next_target = 0;
        Err(last_error)
    }

    fn registration(&self, link: &Link, server_host: &str) -> (Registration, CallConfig) {
        let c = &self.config;
        let aor = if c.address.to_ascii_lowercase().starts_with("sip") {
            c.address.clone()
        } else {
            format!("sip:{}", c.address)
        };
        let domain = aor_domain(&aor).unwrap_or_else(|| server_host.to_string());
        let user = aor
            .split_once(':')
            .map_or("", |(_, r)| r)
            .split('@')
            .next()
            .unwrap_or_default()
            .to_string();
        let kind = link.kind();
        let transport = kind.via_token().to_ascii_lowercase();
        let local = link.local_addr();
        let (sent_by, contact) = match kind {
            // RFC 7118 §5: a WebSocket client has no reachable address of its own.
            LinkKind::Ws | LinkKind::Wss => {
                let host = format!("{}.invalid", &self.instance_id[9..21]);
                (
                    host.clone(),
                    format!("sip:{user}@{host};transport={transport}"),
                )
            }
            _ => (
                local.to_string(),
                format!("sip:{user}@{local};transport={transport}"),
            ),
        };
        let secret = self.credential.as_ref().map(|c| match c {
            Credential::Password(s) => AuthSecret::Password(s.expose().to_string()),
            Credential::Ha1(s) => AuthSecret::Ha1(s.expose().to_string()),
            Credential::BearerToken(s) => AuthSecret::Bearer(s.expose().to_string()),
        });
        let config = RegistrationConfig {
            aor,
            registrar: format!("sip:{domain}"),
            display_name: c.display_name.clone(),
            auth_user: c.auth_user.clone(),
            realm: c.realm.clone(),
            secret,
            expires: c.register_expires,
            contact,
            instance_id: Some(self.instance_id.clone()),
            via_transport: kind.via_token().to_string(),
            via_sent_by: sent_by,
            reliable: kind.is_reliable(),
            route: c.outbound_proxy.as_ref().map(|p| {
                let p = p.trim().trim_start_matches('<').trim_end_matches('>');
                if p.contains(";lr") {
                    format!("<{p}>")
                } else {
                    format!("<{p};lr>")
                }
            }),
            user_agent: c
                .user_agent
                .clone()
                .unwrap_or_else(|| self.user_agent.clone()),
            custom_headers: c
                .custom_headers
                .iter()
                .map(|h| (h.name.clone(), h.value.clone()))
                .collect(),
            timers: TimerConfig::default(),
        };
        let call_config = CallConfig {
            local_uri: config.aor.clone(),
            display_name: config.display_name.clone(),
            anonymous: false,
            contact: config.contact.clone(),
            via_transport: config.via_transport.clone(),
            via_sent_by: config.via_sent_by.clone(),
            reliable: config.reliable,
            route: config.route.clone().into_iter().collect(),
            user_agent: config.user_agent.clone(),
            secret: config.secret.clone(),
            auth_user: config.auth_user.clone(),
            custom_headers: config.custom_headers.clone(),
            timers: config.timers,
            // RFC 4028: Min-SE is at least 90 s and the interval at least Min-SE.
            session_expires: c
                .session_expires_secs
                .filter(|&s| s > 0)
                .map(|s| s.max(c.min_se_secs.max(CallConfig::DEFAULT_MIN_SE))),
            min_se: c.min_se_secs.max(CallConfig::DEFAULT_MIN_SE),
            no_answer_timeout: CallConfig::DEFAULT_NO_ANSWER,
        };
        (Registration::new(config, os_random()), call_config)
    }

    async fn report_call(&self, update: CallUpdate) {
        let _ = self
            .reports
            .send(AccountReport::Call {
                generation: self.generation,
                account_id: self.config.id.clone(),
                update,
            })
            .await;
    }

    fn next_call_id(&self) -> CallId {
        CallId(format!(
            "call-{}",
            self.call_counter.fetch_add(1, Ordering::Relaxed) + 1
        ))
    }

    async fn send(&self, link: &Link, bytes: Vec<u8>) {
        if self.debug {
            let _ = self
                .reports
                .send(AccountReport::Trace {
                    account_id: self.config.id.clone(),
                    direction: TraceDirection::Sent,
                    remote: link.remote_addr().to_string(),
                    message: redact(&bytes),
                })
                .await;
        }
        if let Err(e) = link.send(bytes).await {
            tracing::debug!(error = %e, "send failed");
        }
    }

    /// Sends what the registration queued and turns its events into reports. Returns how
    /// the connected phase should end, if it should.
    async fn flush(
        &mut self,
        c: &mut Connected,
        backoff: &mut Duration,
        min: Duration,
    ) -> Option<Exit> {
        while let Some(bytes) = c.registration.poll_transmit() {
            self.send(&c.link, bytes).await;
        }
        let mut transmits = Vec::new();
        let updates = self.calls.drain(&mut transmits);
        for bytes in transmits {
            self.send(&c.link, bytes).await;
        }
        for update in updates {
            self.report_call(update).await;
        }
        let mut exit = None;
        while let Some(event) = c.registration.poll_event() {
            match event {
                RegistrationEvent::Registering => {
                    self.report(AccountState::Registering, None).await;
                }
                RegistrationEvent::Registered { expires } => {
                    *backoff = min;
                    tracing::info!(expires, "registered");
                    self.report(AccountState::Registered, None).await;
                }
                RegistrationEvent::Expiring { seconds_left } => {
                    let _ = self
                        .reports
                        .send(AccountReport::Expiring {
                            generation: self.generation,
                            account_id: self.config.id.clone(),
                            seconds_left,
                        })
                        .await;
                }
                RegistrationEvent::Unregistered => {
                    self.report(AccountState::Connected, Some(Reason::local("unregistered")))
                        .await;
                }
                RegistrationEvent::Failed {
                    code,
                    reason,
                    retry,
                } => {
                    tracing::warn!(?code, %reason, retry, "registration failed");
                    let reason = match code {
                        Some(code) => Reason::sip(code, reason),
                        None => Reason::local(reason),
                    };
                    self.report(AccountState::Failed, Some(reason)).await;
                    exit = Some(if retry { Exit::Reconnect } else { Exit::Idle });
                }
            }
        }
        exit
    }

    async fn on_message(&mut self, c: &mut Connected, message: Message) {
        let now = Instant::now().into_std();
        if message.is_request() {
            if self.calls.on_message(now, &message) {
                return;
            }
            let is_invite = message.method().is_some_and(|m| m.as_str() == "INVITE");
            if is_invite && self.calls.is_new(&message) {
                if let Err(rejection) =
                    softphone_sip::validate_request(&message, &softphone_sip::UasPolicy::default())
                {
                    let response = rejection.to_response(&message);
                    self.send(&c.link, response.to_bytes()).await;
                    return;
                }
                let id = self.next_call_id();
                let ip = c.link.local_addr().ip();
                let mut config = c.call_config.clone();
                config.custom_headers.clear();
                if let Some(refusal) =
                    self.calls
                        .incoming(now, id, config, &message, ip, os_random())
                {
                    self.send(&c.link, refusal).await;
                }
                return;
            }
            self.answer_request(c, &message).await;
        } else if c
            .options_ping
            .as_ref()
            .is_some_and(|(id, _)| message.call_id().is_ok_and(|got| got.to_string() == *id))
        {
            // Any answer to the OPTIONS keepalive means the server is there.
            c.options_ping = None;
            c.keepalive.on_pong(now);
        } else if self.calls.on_message(now, &message) {
        } else if !c.registration.on_response(now, &message) {
            tracing::debug!(status = ?message.status(), "response matches no transaction; dropped");
        }
    }

    /// Answers requests that belong to no call: OPTIONS (keepalive probes) get 200, requests
    /// for dialogs we do not know get 481, anything else 501. New INVITEs never get here: they
    /// become calls first.
    async fn answer_request(&mut self, c: &mut Connected, request: &Message) {
        let method = request
            .method()
            .map(|m| m.as_str().to_string())
            .unwrap_or_default();
        let (code, reason) = match method.as_str() {
            "ACK" => return,
            "OPTIONS" => (200, "OK"),
            "INVITE" => (480, "Temporarily Unavailable"),
            "BYE" | "CANCEL" => (481, "Call/Transaction Does Not Exist"),
            _ => (501, "Not Implemented"),
        };
        let mut response = Message::response_to(request, code, reason);
        if let Ok(to) = request.to() {
            if to.0.tag().is_none() {
                let tag = uuid_v4().replace('-', "");
                let mut to = to;
                to.0.set_tag(&tag[..12]);
                response.set_typed(&to);
            }
        }
        response.push_header(HeaderName::UserAgent, &self.user_agent);
        self.send(&c.link, response.to_bytes()).await;
    }

    async fn on_data(&mut self, c: &mut Connected, bytes: Vec<u8>) {
        if self.debug {
            let _ = self
                .reports
                .send(AccountReport::Trace {
                    account_id: self.config.id.clone(),
                    direction: TraceDirection::Received,
                    remote: c.link.remote_addr().to_string(),
                    message: redact(&bytes),
                })
                .await;
        }
        let mut messages = Vec::new();
        match &mut c.framer {
            None => {
                // UDP keepalives and stray CRLFs are not messages.
                if bytes.iter().all(|b| b.is_ascii_whitespace()) {
                    return;
                }
                match Message::parse(&bytes) {
                    Ok(m) => messages.push(m),
                    Err(e) => {
                        tracing::debug!(error = %e, len = bytes.len(), "malformed datagram dropped")
                    }
                }
            }
            Some(framer) => {
                framer.push(&bytes);
                while let Some(event) = framer.poll() {
                    match event {
                        Ok(FramerEvent::Message(m)) => messages.push(m),
                        Ok(FramerEvent::Ping) => {
                            // Two pongs in two reads look like a ping split across them
                            // (the framer reports it as one): while our ping is out, take it
                            // as the pong too. Answering it is harmless either way.
                            if c.keepalive.is_waiting() {
                                c.keepalive.on_pong(Instant::now().into_std());
                            }
                            let _ = c.link.send(b"\r\n".to_vec()).await;
                        }
                        Ok(FramerEvent::Pong) => c.keepalive.on_pong(Instant::now().into_std()),
                        Ok(FramerEvent::Rejected { error, .. }) => {
                            tracing::debug!(%error, "oversized message skipped");
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "stream framing failed; reconnecting");
                            break;
                        }
                    }
                }
            }
        }
        for m in messages {
            self.on_message(c, m).await;
        }
    }

    /// Sends a keepalive, or gives up on a flow whose keepalive went unanswered.
    async fn on_keepalive(&mut self, c: &mut Connected, action: KeepAliveAction) {
        match action {
            KeepAliveAction::Ping if c.link.kind() == LinkKind::Udp => {
                c.pings_sent += 1;
                let (call_id, bytes) = self.options_keepalive(c);
                self.send(&c.link, bytes.clone()).await;
                c.options_ping = Some((call_id, bytes));
            }
            KeepAliveAction::Ping => {
                if let Err(e) = c.link.ping().await {
                    tracing::debug!(error = %e, "keepalive ping not sent");
                }
            }
            KeepAliveAction::Retransmit => {
                if let Some((_, bytes)) = &c.options_ping {
                    self.send(&c.link, bytes.clone()).await;
                }
            }
            KeepAliveAction::Dead => {
                let why = format!(
                    "no answer to the keepalive within {} s",
                    self.config.keepalive_timeout_secs.max(1)
                );
                tracing::warn!(%why, "connection is dead");
                c.registration.on_transport_error(&why);
                self.calls.on_transport_error(&why);
            }
        }
    }

    /// An OPTIONS request to the registrar's domain (RFC 3261 §11; any answer will do).
    fn options_keepalive(&self, c: &Connected) -> (String, Vec<u8>) {
        let cc = &c.call_config;
        let domain = aor_domain(&cc.local_uri).unwrap_or_else(|| c.link.remote_addr().to_string());
        let token = uuid_v4().replace('-', "");
        let call_id = format!("ka-{}", &token[..20]);
        let mut text = format!(
            "OPTIONS sip:{domain} SIP/2.0\r\n\
             Via: SIP/2.0/{} {};branch=z9hG4bK{};rport\r\n\
             Max-Forwards: 70\r\n\
             From: <{}>;tag={}\r\n\
             To: <sip:{domain}>\r\n\
             Call-ID: {call_id}\r\n\
             CSeq: {} OPTIONS\r\n",
            cc.via_transport,
            cc.via_sent_by,
            &token[..16],
            cc.local_uri,
            &token[16..26],
            c.pings_sent,
        );
        for route in &cc.route {
            text.push_str(&format!("Route: {route}\r\n"));
        }
        text.push_str(&format!(
            "User-Agent: {}\r\nContent-Length: 0\r\n\r\n",
            cc.user_agent
        ));
        (call_id, text.into_bytes())
    }

    async fn connected(&mut self, mut c: Connected, backoff: &mut Duration, min: Duration) -> Exit {
        if self.config.register {
            c.registration.register(Instant::now().into_std());
        } else {
            self.report(AccountState::Ready, None).await;
        }
        let mut stopping = false;
        loop {
            if let Some(exit) = self.flush(&mut c, backoff, min).await {
                return if stopping { Exit::Stop } else { exit };
            }
            // Stopping: wait for the unregistration and for every call's BYE to be answered
            // (bounded by their transaction timers; the engine's shutdown bounds it too).
            if stopping
                && self.calls.is_idle()
                && !matches!(c.registration.state(), RegistrationState::Unregistering)
            {
                return Exit::Stop;
            }
            if c.framer.as_ref().is_some_and(StreamFramer::is_failed) {
                c.registration.on_transport_error("unparsable stream");
                continue;
            }
            let wake = [
                c.registration.poll_timeout(),
                self.calls.poll_timeout(),
                c.keepalive.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min()
            .map(Instant::from_std);
            let sleep = async {
                match wake {
                    Some(t) => tokio::time::sleep_until(t).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                event = c.events.recv() => {
                    let why = match event {
                        Some(LinkEvent::Data(bytes)) => {
                            self.on_data(&mut c, bytes).await;
                            continue;
                        }
                        Some(LinkEvent::Pong) => {
                            c.keepalive.on_pong(Instant::now().into_std());
                            continue;
                        }
                        Some(LinkEvent::Closed(why)) => why,
                        None => "link ended".to_string(),
                    };
                    tracing::warn!(%why, "link closed");
                    c.registration.on_transport_error(&why);
                    self.calls.on_transport_error(&why);
                    if stopping {
                        return Exit::Stop;
                    }
                }
                command = self.commands.recv() => match command {
                    Some(AccountCommand::Register) => c.registration.register(Instant::now().into_std()),
                    Some(AccountCommand::Unregister { all }) => {
                        c.registration.unregister(Instant::now().into_std(), all);
                        self.report(AccountState::Unregistering, None).await;
                    }
                    Some(AccountCommand::SetDebug(on)) => self.debug = on,
                    Some(AccountCommand::Dial { call_id, target, anonymous, headers, devices }) => {
                        let mut config = c.call_config.clone();
                        config.anonymous = anonymous;
                        config.custom_headers.extend(headers);
                        let ip = c.link.local_addr().ip();
                        self.calls.dial(Instant::now().into_std(), call_id, config, &target, ip, os_random(), devices);
                    }
                    Some(AccountCommand::PrepareMedia { call_id, devices }) => {
                        self.calls.prepare_media(&call_id, devices);
                    }
                    Some(AccountCommand::Answer { call_id, devices }) => {
                        if !self.calls.answer(Instant::now().into_std(), &call_id, devices) {
                            tracing::info!(call = %call_id, "answer: the call is not ringing");
                        }
                    }
                    Some(AccountCommand::Reject { call_id, code }) => {
                        self.calls.reject(Instant::now().into_std(), &call_id, code);
                    }
                    Some(AccountCommand::Hangup { call_id }) => {
                        self.calls.hangup(Instant::now().into_std(), &call_id);
                    }
                    Some(AccountCommand::SetMute { call_id, muted }) => self.calls.set_muted(&call_id, muted),
                    Some(AccountCommand::SendDtmf { call_id, digits }) => {
                        if !self.calls.send_dtmf(&call_id, &digits) {
                            tracing::info!(call = %call_id, "DTMF on a call without media; dropped");
                        }
                    }
                    Some(AccountCommand::Hold { call_id, hold }) => {
                        if let Err(why) = self.calls.hold(Instant::now().into_std(), &call_id, hold) {
                            tracing::info!(call = %call_id, hold, %why, "hold/resume not sent");
                        }
                    }
                    Some(AccountCommand::Forward { call_id, target }) => {
                        if !self.calls.forward(Instant::now().into_std(), &call_id, &target) {
                            tracing::info!(call = %call_id, "forward: the call is not ringing");
                        }
                    }
                    Some(AccountCommand::Stop) | None => {
                        self.calls.hangup_all(Instant::now().into_std());
                        if matches!(c.registration.state(), RegistrationState::Registered | RegistrationState::Registering) {
                            c.registration.unregister(Instant::now().into_std(), false);
                            self.report(AccountState::Unregistering, None).await;
                            stopping = true;
                        } else if self.calls.is_idle() {
                            return Exit::Stop;
                        } else {
                            stopping = true;
                        }
                    }
                },
                () = sleep => {
                    let now = Instant::now().into_std();
                    c.registration.on_timeout(now);
                    self.calls.on_timeout(now);
                    if let Some(action) = c.keepalive.on_timeout(now) {
                        self.on_keepalive(&mut c, action).await;
                    }
                }
                Ok(()) = self.net.changed() => {
                    let change = self.net.borrow_and_update().clone();
                    let local = c.link.local_addr().ip();
                    if !self.calls.is_idle() && !change.as_ref().is_some_and(|ch| ch.breaks(local)) {
                        // A call is up and its flow's address is still here: keep both.
                        tracing::info!(?change, "network changed; the flow still works, keeping it during the call");
                        continue;
                    }
                    tracing::info!(?change, "network changed or resumed: registering again on a new connection");
                    self.calls.on_transport_error("the network changed");
                    if !stopping {
                        self.report(AccountState::Connecting, Some(Reason::local("the network changed"))).await;
                        return Exit::Renew;
                    }
                }
                Some(ended) = self.media_ended.recv() => {
                    self.calls.on_media_ended(Instant::now().into_std(), ended);
                }
            }
        }
    }
}
