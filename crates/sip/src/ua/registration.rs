//! Registration client (RFC 3261 §10): REGISTER with refresh before expiry, digest or bearer
//! authentication, `423 Interval Too Brief`, unregistering one binding or all, and failures
//! that say whether retrying can help.
//!
//! ```text
//!   Unregistered --register--> Registering --2xx--> Registered --refresh due--> Registering
//!        ^                       |   ^  401/407 (answer once per nonce)              |
//!        |                       |   +----------+                                    |
//!        +----2xx-- Unregistering <--unregister-- (any) --final error/timeout--> Failed
//! ```
//!
//! The Call-ID stays the same for every REGISTER of one binding and the CSeq grows, as §10.2.4
//! asks. Authentication answers each nonce once: a second challenge for a nonce we already
//! answered (and that is not `stale`) means the credentials are wrong, which is final, so a
//! wrong password never loops.

use super::random::RandomSource;
use super::transaction::{ClientNonInvite, TimerConfig, TransactionOutput};
use crate::digest::{self, Algorithm, Challenge, DigestInput};
use crate::headers::HeaderName;
use crate::message::Message;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// How the account proves who it is.
#[derive(Clone, PartialEq, Eq)]
pub enum AuthSecret {
    /// A plain password; replaced by its HA1 after the first successful registration when the
    /// algorithm allows, so the password itself does not stay in memory.
    Password(String),
    /// `H(user:realm:password)` in hex, for the realm and algorithm the server uses.
    Ha1(String),
    /// A bearer token sent as `Authorization: Bearer …`.
    Bearer(String),
}

impl std::fmt::Debug for AuthSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self {
            AuthSecret::Password(_) => "Password",
            AuthSecret::Ha1(_) => "Ha1",
            AuthSecret::Bearer(_) => "Bearer",
        };
        write!(f, "{kind}(<redacted>)")
    }
}

/// Everything a registration needs to know.
#[derive(Clone, Debug)]
pub struct RegistrationConfig {
    /// Address of record, `sip:user@domain`.
    pub aor: String,
    /// The Request-URI, `sip:domain` (or the registrar override).
    pub registrar: String,
    /// Display name for the From/To headers.
    pub display_name: Option<String>,
    /// Authentication user name when it differs from the AOR's user.
    pub auth_user: Option<String>,
    /// Only answer challenges for this realm.
    pub realm: Option<String>,
    /// The secret.
    pub secret: Option<AuthSecret>,
    /// Requested lifetime in seconds.
    pub expires: u32,
    /// Our Contact URI, `sip:user@host:port;transport=…`.
    pub contact: String,
    /// `+sip.instance` value (`urn:uuid:…`) identifying this device.
    pub instance_id: Option<String>,
    /// Via transport token (`UDP`, `TCP`, `TLS`, `WS`, `WSS`).
    pub via_transport: String,
    /// Via sent-by, `host:port` (or the `.invalid` host of a WebSocket client).
    pub via_sent_by: String,
    /// Whether the transport is reliable (no retransmissions).
    pub reliable: bool,
    /// A preloaded Route (outbound proxy), `<sip:proxy;lr>`.
    pub route: Option<String>,
    /// The User-Agent header.
    pub user_agent: String,
    /// Extra headers, already validated as single-line name/value pairs.
    pub custom_headers: Vec<(String, String)>,
    /// Transaction timers.
    pub timers: TimerConfig,
}

/// Where a registration stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegistrationState {
    /// No binding.
    Unregistered,
    /// A REGISTER is in flight.
    Registering,
    /// Bound; refreshed before it expires.
    Registered,
    /// A REGISTER with `Expires: 0` is in flight.
    Unregistering,
    /// Gave up; see the last [`RegistrationEvent::Failed`].
    Failed,
}

/// What the registration reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistrationEvent {
    /// A REGISTER went out (first, refresh, or after a challenge).
    Registering,
    /// The registrar accepted the binding for this many seconds.
    Registered {
        /// Granted lifetime.
        expires: u32,
    },
    /// The binding is about to expire and is being refreshed.
    Expiring {
        /// Seconds before it expires.
        seconds_left: u32,
    },
    /// The binding was removed (or `Contact: *` removed all of them).
    Unregistered,
    /// The registration failed.
    Failed {
        /// The SIP status, when a response said so.
        code: Option<u16>,
        /// Reason phrase or local cause.
        reason: String,
        /// Whether retrying later can help (false for wrong credentials or a refusal).
        retry: bool,
    },
}

/// At most this many challenges are answered for one REGISTER cycle.
const MAX_AUTH_ROUNDS: u32 = 3;

/// The registration client state machine.
pub struct Registration {
    config: RegistrationConfig,
    rng: Box<dyn RandomSource>,
    state: RegistrationState,
    call_id: String,
    from_tag: String,
    cseq: u32,
    expires: u32,
    unregister_all: bool,
    transaction: Option<ClientNonInvite>,
    /// The last challenge and how often we used its nonce.
    challenge: Option<(Challenge, bool, u32)>,
    /// The nonce our last request answered, if any.
    answered_nonce: Option<String>,
    auth_rounds: u32,
    interval_retry: bool,
    refresh_at: Option<Instant>,
    expires_at: Option<Instant>,
    events: Vec<RegistrationEvent>,
    transmits: Vec<Vec<u8>>,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("aor", &self.config.aor)
            .field("state", &self.state)
            .field("cseq", &self.cseq)
            .finish_non_exhaustive()
    }
}

impl Registration {
    /// A new, unregistered binding.
    pub fn new(config: RegistrationConfig, mut rng: Box<dyn RandomSource>) -> Self {
        let call_id = rng.token(24);
        let from_tag = rng.token(10);
        let expires = config.expires;
        Self {
            config,
            rng,
            state: RegistrationState::Unregistered,
            call_id,
            from_tag,
            cseq: 0,
            expires,
            unregister_all: false,
            transaction: None,
            challenge: None,
            answered_nonce: None,
            auth_rounds: 0,
            interval_retry: false,
            refresh_at: None,
            expires_at: None,
            events: Vec::new(),
            transmits: Vec::new(),
        }
    }

    /// The current state.
    pub fn state(&self) -> RegistrationState {
        self.state
    }

    /// The Call-ID used by this binding's REGISTERs.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    fn set_state(&mut self, new: RegistrationState, reason: &str) {
        if self.state != new {
            tracing::debug!(aor = %self.config.aor, old = ?self.state, new = ?new, reason, "registration");
            self.state = new;
        }
    }

    /// Registers (or refreshes) now.
    pub fn register(&mut self, now: Instant) {
        self.auth_rounds = 0;
        self.interval_retry = false;
        self.expires = self.config.expires;
        self.set_state(RegistrationState::Registering, "register");
        self.events.push(RegistrationEvent::Registering);
        self.send(now);
    }

    /// Removes our binding, or every binding of the AOR with `all`.
    pub fn unregister(&mut self, now: Instant, all: bool) {
        self.refresh_at = None;
        self.auth_rounds = 0;
        self.unregister_all = all;
        self.set_state(RegistrationState::Unregistering, "unregister");
        self.send(now);
    }

    /// The transport under this registration failed.
    pub fn on_transport_error(&mut self, reason: &str) {
        if let Some(t) = &mut self.transaction {
            t.on_transport_error();
        }
        self.transaction = None;
        self.refresh_at = None;
        self.fail(None, format!("transport error: {reason}"), true);
    }

    fn fail(&mut self, code: Option<u16>, reason: String, retry: bool) {
        self.refresh_at = None;
        self.expires_at = None;
        self.set_state(RegistrationState::Failed, &reason);
        self.events.push(RegistrationEvent::Failed {
            code,
            reason,
            retry,
        });
    }

    fn username(&self) -> String {
        if let Some(u) = &self.config.auth_user {
            return u.clone();
        }
        let rest = self
            .config
            .aor
            .split_once(':')
            .map_or(self.config.aor.as_str(), |(_, r)| r);
        rest.split('@').next().unwrap_or_default().to_string()
    }

    fn authorization(&mut self) -> Option<(HeaderName, String)> {
        match self.config.secret.clone()? {
            AuthSecret::Bearer(token) => {
                return Some((HeaderName::Authorization, format!("Bearer {token}")));
            }
            AuthSecret::Password(_) | AuthSecret::Ha1(_) => {}
        }
        let username = self.username();
        let cnonce = self.rng.token(16);
        let registrar = self.config.registrar.clone();
        let (challenge, proxy, nc) = self.challenge.as_mut()?;
        *nc += 1;
        let secret = match self.config.secret.as_ref()? {
            AuthSecret::Password(p) => digest::Secret::Password(p),
            AuthSecret::Ha1(h) => digest::Secret::Ha1(h),
            AuthSecret::Bearer(_) => return None,
        };
        let input = DigestInput {
            username: &username,
            secret,
            method: "REGISTER",
            uri: &registrar,
            body: b"",
            cnonce: &cnonce,
            nc: *nc,
        };
        let name = if *proxy {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        };
        match digest::respond(challenge, &input) {
            Ok(credentials) => {
                self.answered_nonce = challenge.nonce().map(str::to_string);
                Some((name, credentials.to_string()))
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot answer the digest challenge");
                None
            }
        }
    }

    fn build_request(&mut self, branch: &str) -> Vec<u8> {
        let c = &self.config;
        let unregistering = self.state == RegistrationState::Unregistering;
        let mut s = String::with_capacity(640);
        let name = c
            .display_name
            .as_deref()
            .map(|d| format!("\"{}\" ", d.replace(['"', '\\', '\r', '\n'], "")))
            .unwrap_or_default();
        let _ = write!(
            s,
            "REGISTER {} SIP/2.0\r\nVia: SIP/2.0/{} {};branch={branch};rport\r\nMax-Forwards: 70\r\n",
            c.registrar, c.via_transport, c.via_sent_by
        );
        if let Some(route) = &c.route {
            let _ = write!(s, "Route: {route}\r\n");
        }
        let _ = write!(
            s,
            "From: {name}<{aor}>;tag={tag}\r\nTo: {name}<{aor}>\r\nCall-ID: {cid}\r\nCSeq: {cseq} REGISTER\r\n",
            aor = c.aor,
            tag = self.from_tag,
            cid = self.call_id,
            cseq = self.cseq
        );
        let expires = if unregistering { 0 } else { self.expires };
        if unregistering && self.unregister_all {
            s.push_str("Contact: *\r\n");
        } else {
            let _ = write!(s, "Contact: <{}>", c.contact);
            if let Some(instance) = &c.instance_id {
                let _ = write!(s, ";+sip.instance=\"<{instance}>\"");
            }
            let _ = write!(s, ";expires={expires}\r\n");
        }
        let _ = write!(
            s,
            "Expires: {expires}\r\nAllow: INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,UPDATE,REFER,NOTIFY,MESSAGE\r\nSupported: path,outbound,gruu\r\nUser-Agent: {}\r\n",
            c.user_agent
        );
        for (n, v) in &c.custom_headers {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        if let Some((header, value)) = self.authorization() {
            let _ = write!(s, "{}: {value}\r\n", header.as_str());
        }
        s.push_str("Content-Length: 0\r\n\r\n");
        s.into_bytes()
    }

    fn send(&mut self, now: Instant) {
        self.cseq += 1;
        let branch = format!("z9hG4bK{}", self.rng.token(20));
        let request = self.build_request(&branch);
        let t = ClientNonInvite::start(
            now,
            branch,
            request,
            self.config.reliable,
            self.config.timers,
        );
        self.transaction = Some(t);
        self.drain_transaction();
    }

    fn drain_transaction(&mut self) {
        let mut timed_out = false;
        if let Some(t) = &mut self.transaction {
            while let Some(out) = t.poll_output() {
                match out {
                    TransactionOutput::Transmit(bytes) => self.transmits.push(bytes),
                    TransactionOutput::TimedOut => timed_out = true,
                }
            }
        }
        if timed_out {
            self.transaction = None;
            if self.state == RegistrationState::Unregistering {
                // Nobody answered; the binding will expire on its own.
                self.set_state(RegistrationState::Unregistered, "unregister timed out");
                self.events.push(RegistrationEvent::Unregistered);
            } else {
                self.fail(
                    Some(408),
                    "Request Timeout (no answer from the registrar)".into(),
                    true,
                );
            }
        }
    }

    /// Offers a response. Returns `false` when it does not belong to this registration.
    pub fn on_response(&mut self, now: Instant, response: &Message) -> bool {
        let Some(status) = response.status() else {
            return false;
        };
        let Ok(via) = response.top_via() else {
            return false;
        };
        let Some(t) = &mut self.transaction else {
            return false;
        };
        if via.branch() != Some(t.branch()) {
            return false;
        }
        if !t.on_response(now, status) || status < 200 {
            return true;
        }
        let reason = response.reason().unwrap_or_default().to_string();
        match status {
            200..=299 => self.on_success(now, response),
            401 | 407 => self.on_challenge(now, response, status, reason),
            423 => {
                let min = response
                    .get::<crate::headers::MinExpires>()
                    .ok()
                    .flatten()
                    .map(|m| m.0);
                match min {
                    Some(min) if !self.interval_retry && min > self.expires => {
                        self.interval_retry = true;
                        self.expires = min;
                        self.send(now);
                    }
                    _ => self.fail(Some(423), reason, false),
                }
            }
            _ => {
                let retry = !matches!(status, 403 | 404 | 405 | 420 | 484 | 603);
                if self.state == RegistrationState::Unregistering {
                    self.set_state(RegistrationState::Unregistered, "unregister refused");
                    self.events.push(RegistrationEvent::Unregistered);
                } else {
                    self.fail(Some(status), reason, retry);
                }
            }
        }
        true
    }

    fn granted_expires(&self, response: &Message) -> u32 {
        if let Ok(contacts) = response.contacts() {
            let ours = self
                .config
                .contact
                .trim_start_matches("sip:")
                .trim_start_matches("sips:");
            for contact in contacts {
                let Some(addr) = contact.address() else {
                    continue;
                };
                let uri = addr.uri.as_str();
                let same_instance =
                    self.config.instance_id.as_ref().is_some_and(|i| {
                        contact.instance().is_some_and(|ci| ci.contains(i.as_str()))
                    });
                let same_uri = uri.trim_start_matches("sip:").trim_start_matches("sips:") == ours;
                if same_instance || same_uri {
                    if let Ok(Some(e)) = contact.expires() {
                        return e;
                    }
                }
            }
        }
        if let Ok(Some(e)) = response.get::<crate::headers::Expires>() {
            return e.0;
        }
        self.expires
    }

    fn on_success(&mut self, now: Instant, response: &Message) {
        self.auth_rounds = 0;
        if self.state == RegistrationState::Unregistering {
            self.expires_at = None;
            self.set_state(RegistrationState::Unregistered, "200 to unregister");
            self.events.push(RegistrationEvent::Unregistered);
            return;
        }
        let expires = self.granted_expires(response);
        if expires == 0 {
            self.fail(Some(200), "the registrar granted no lifetime".into(), true);
            return;
        }
        self.forget_password();
        let margin = (expires / 2).min(32);
        self.refresh_at = Some(now + Duration::from_secs(u64::from(expires - margin)));
        self.expires_at = Some(now + Duration::from_secs(u64::from(expires)));
        self.set_state(RegistrationState::Registered, "2xx");
        self.events.push(RegistrationEvent::Registered { expires });
    }

    /// Keeps HA1 instead of the password once the realm and algorithm are known (plain MD5,
    /// SHA-256 or SHA-512-256, where HA1 is all the digest needs).
    fn forget_password(&mut self) {
        let Some(AuthSecret::Password(password)) = &self.config.secret else {
            return;
        };
        let Some((challenge, _, _)) = &self.challenge else {
            return;
        };
        let algorithm = challenge.algorithm();
        if !matches!(
            algorithm,
            Algorithm::Md5 | Algorithm::Sha256 | Algorithm::Sha512_256
        ) || challenge.userhash()
        {
            return;
        }
        let Some(realm) = challenge.realm() else {
            return;
        };
        if let Ok(ha1) = digest::ha1(&algorithm, &self.username(), realm, password) {
            self.config.secret = Some(AuthSecret::Ha1(ha1));
        }
    }

    fn on_challenge(&mut self, now: Instant, response: &Message, status: u16, reason: String) {
        let header = if status == 407 {
            HeaderName::ProxyAuthenticate
        } else {
            HeaderName::WwwAuthenticate
        };
        let challenge = response
            .values(header)
            .filter_map(|v| Challenge::parse(v).ok())
            .filter(|c| c.is_digest())
            .find(|c| {
                self.config
                    .realm
                    .as_deref()
                    .is_none_or(|r| c.realm() == Some(r))
            });
        let Some(challenge) = challenge else {
            let why = if matches!(self.config.secret, Some(AuthSecret::Bearer(_))) {
                "the bearer token was refused"
            } else {
                "no usable Digest challenge (wrong realm or scheme)"
            };
            self.fail(Some(status), format!("{reason}: {why}"), false);
            return;
        };
        if self.config.secret.is_none() {
            self.fail(
                Some(status),
                "authentication required but no password is set".into(),
                false,
            );
            return;
        }
        let repeated = self
            .answered_nonce
            .as_deref()
            .is_some_and(|n| challenge.nonce() == Some(n));
        if (repeated && !challenge.stale()) || self.auth_rounds >= MAX_AUTH_ROUNDS {
            self.fail(Some(status), "wrong user name or password".into(), false);
            return;
        }
        if let (Some(AuthSecret::Ha1(_)), Some((old, _, _))) =
            (&self.config.secret, &self.challenge)
        {
            if old.realm() != challenge.realm() || old.algorithm() != challenge.algorithm() {
                self.fail(
                    Some(status),
                    "the server changed its realm or algorithm: enter the password again".into(),
                    false,
                );
                return;
            }
        }
        self.auth_rounds += 1;
        self.challenge = Some((challenge, status == 407, 0));
        self.send(now);
    }

    /// Fires whatever is due at `now`.
    pub fn on_timeout(&mut self, now: Instant) {
        if let Some(t) = &mut self.transaction {
            t.on_timeout(now);
        }
        self.drain_transaction();
        if self.transaction.as_ref().is_some_and(|t| t.is_terminated()) {
            self.transaction = None;
        }
        if self.refresh_at.is_some_and(|t| now >= t) {
            self.refresh_at = None;
            let left = self
                .expires_at
                .map_or(0, |e| e.saturating_duration_since(now).as_secs());
            self.events.push(RegistrationEvent::Expiring {
                seconds_left: u32::try_from(left).unwrap_or(u32::MAX),
            });
            self.auth_rounds = 0;
            self.interval_retry = false;
            self.send(now);
        }
    }

    /// When [`Registration::on_timeout`] should run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let t = self
            .transaction
            .as_ref()
            .and_then(ClientNonInvite::poll_timeout);
        [t, self.refresh_at].into_iter().flatten().min()
    }

    /// The next message to send to the registrar.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.transmits.is_empty()).then(|| self.transmits.remove(0))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<RegistrationEvent> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }
}
