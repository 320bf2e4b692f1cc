//! The one vocabulary every front end speaks: [`Command`] in, [`Event`] out, [`Snapshot`] for a
//! reload, [`CommandError`] when a command cannot be carried out.
//!
//! The Tauri shell maps each [`Command`] variant to one `#[tauri::command]`, the CLI parses its
//! arguments into the same values, and the tests drive the engine with them. The TypeScript
//! declarations in `ui/src/engine-types.ts` are generated from these types (see the
//! `typescript_bindings_are_current` test), so the UI and the engine cannot drift apart.

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;

/// Stable identifier of an account, chosen by the front end (for example `"work"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct AccountId(pub String);

/// Identifier of a call, unique for the life of the engine (for example `"call-3"`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
pub struct CallId(pub String);

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A secret (password, HA1 or token). Its `Debug` and `Serialize` forms never show the value,
/// so a secret can not leak through logs, traces, snapshots or events by accident.
#[derive(Clone, PartialEq, Eq, Deserialize, TS)]
#[ts(type = "string")]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret value, for the one place that needs it (digest computation, keyring).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("<redacted>")
    }
}

/// How an account authenticates. The value itself lives in the OS keyring, never in settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Credential {
    /// A plain password (digest auth; dropped once HA1 is known where the algorithm allows).
    Password(Secret),
    /// A precomputed digest HA1 (MD5 of `user:realm:password`).
    Ha1(Secret),
    /// A bearer token (JWT) for `Authorization: Bearer`.
    BearerToken(Secret),
}

/// The transport an account uses to reach its server.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Transport {
    /// Chosen from DNS NAPTR/SRV, falling back to UDP.
    #[default]
    Auto,
    /// SIP over UDP.
    Udp,
    /// SIP over TCP.
    Tcp,
    /// SIP over TLS.
    Tls,
    /// SIP over WebSocket (RFC 7118), WebRTC media.
    Ws,
    /// SIP over secure WebSocket (RFC 7118), WebRTC media.
    Wss,
}

/// Whether media is encrypted with SDES-SRTP on classic SIP accounts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SrtpMode {
    /// Plain RTP only.
    Off,
    /// Offer SRTP, accept plain RTP.
    #[default]
    Optional,
    /// Refuse calls without SRTP.
    Mandatory,
}

/// A header added to requests (registration or calls).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CustomHeader {
    /// Header name, for example `X-Tenant`.
    pub name: String,
    /// Header value.
    pub value: String,
}

/// A STUN or TURN server for WebRTC accounts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct IceServer {
    /// `stun:host:port` or `turn:host:port?transport=udp`.
    pub url: String,
    /// TURN user name.
    #[serde(default)]
    pub username: Option<String>,
}

fn default_true() -> bool {
    true
}
fn default_expires() -> u32 {
    600
}
fn default_no_answer() -> u32 {
    60
}
fn default_reconnect_min() -> u32 {
    2
}
fn default_reconnect_max() -> u32 {
    30
}
fn default_keepalive() -> u32 {
    30
}
fn default_keepalive_timeout() -> u32 {
    10
}
#[allow(
    clippy::unnecessary_wraps,
    reason = "a serde default for an Option field"
)]
fn default_session_expires() -> Option<u32> {
    Some(1800)
}
fn default_min_se() -> u32 {
    90
}

/// Everything about an account except its secret. Safe to store in the settings file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AccountConfig {
    /// Stable identifier.
    pub id: AccountId,
    /// Address of record, `sip:user@domain` (a bare `user@domain` is accepted).
    pub address: String,
    /// Display name shown to the people we call.
    #[serde(default)]
    pub display_name: Option<String>,
    /// User name for authentication when it differs from the address's user part.
    #[serde(default)]
    pub auth_user: Option<String>,
    /// Realm to answer; any realm when unset.
    #[serde(default)]
    pub realm: Option<String>,
    /// Registrar/proxy: `host[:port]`, a SIP URI, or `ws(s)://host[:port]/path`. The address's
    /// domain when unset.
    #[serde(default)]
    pub server: Option<String>,
    /// Transport to the server.
    #[serde(default)]
    pub transport: Transport,
    /// Outbound proxy (preloaded Route), a SIP URI.
    #[serde(default)]
    pub outbound_proxy: Option<String>,
    /// Register on start.
    #[serde(default = "default_true")]
    pub register: bool,
    /// Requested registration lifetime in seconds.
    #[serde(default = "default_expires")]
    pub register_expires: u32,
    /// User-Agent header; the product's own when unset.
    #[serde(default)]
    pub user_agent: Option<String>,
    /// Verify the server's TLS certificate (on by default; turning it off is shown to the user).
    #[serde(default = "default_true")]
    pub tls_verify: bool,
    /// An extra CA certificate file (PEM) trusted for this account.
    #[serde(default)]
    pub tls_ca_file: Option<String>,
    /// SDES-SRTP policy for classic SIP calls.
    #[serde(default)]
    pub srtp: SrtpMode,
    /// Codec preference, first preferred (`opus`, `pcmu`, `pcma`).
    #[serde(default)]
    pub codecs: Vec<String>,
    /// STUN/TURN servers for WebRTC media.
    #[serde(default)]
    pub ice_servers: Vec<IceServer>,
    /// WebRTC privacy: offer and use only TURN relay candidates (hides local addresses).
    #[serde(default)]
    pub ice_relay_only: bool,
    /// Clean the microphone of background noise (RNNoise) before it is sent.
    #[serde(default)]
    pub noise_suppression: bool,
    /// Headers added to REGISTER and INVITE.
    #[serde(default)]
    pub custom_headers: Vec<CustomHeader>,
    /// Seconds an unanswered incoming call rings before it is treated as missed.
    #[serde(default = "default_no_answer")]
    pub no_answer_timeout_secs: u32,
    /// Answer incoming calls at once.
    #[serde(default)]
    pub auto_answer: bool,
    /// First reconnection delay in seconds (doubles up to the maximum).
    #[serde(default = "default_reconnect_min")]
    pub reconnect_min_secs: u32,
    /// Longest reconnection delay in seconds.
    #[serde(default = "default_reconnect_max")]
    pub reconnect_max_secs: u32,
    /// Seconds between keepalives to the server: `CRLF CRLF` on TCP/TLS (RFC 5626), a
    /// WebSocket ping on WS/WSS, OPTIONS on UDP. 0 turns them off.
    #[serde(default = "default_keepalive")]
    pub keepalive_secs: u32,
    /// Seconds a keepalive may go unanswered before the connection counts as dead (the
    /// account then reconnects and registers again).
    #[serde(default = "default_keepalive_timeout")]
    pub keepalive_timeout_secs: u32,
    /// Session timer (RFC 4028) interval asked for on calls, in seconds; `None` or 0 turns
    /// session timers off (a peer that requires them is still honoured).
    #[serde(default = "default_session_expires")]
    pub session_expires_secs: Option<u32>,
    /// The smallest session interval accepted from a peer (`Min-SE`, at least 90).
    #[serde(default = "default_min_se")]
    pub min_se_secs: u32,
}

impl AccountConfig {
    /// A new account with every option at its default.
    pub fn new(id: impl Into<String>, address: impl Into<String>) -> Self {
        Self {
            id: AccountId(id.into()),
            address: address.into(),
            display_name: None,
            auth_user: None,
            realm: None,
            server: None,
            transport: Transport::Auto,
            outbound_proxy: None,
            register: true,
            register_expires: default_expires(),
            user_agent: None,
            tls_verify: true,
            tls_ca_file: None,
            srtp: SrtpMode::Optional,
            codecs: Vec::new(),
            ice_servers: Vec::new(),
            ice_relay_only: false,
            noise_suppression: false,
            custom_headers: Vec::new(),
            no_answer_timeout_secs: default_no_answer(),
            auto_answer: false,
            reconnect_min_secs: default_reconnect_min(),
            reconnect_max_secs: default_reconnect_max(),
            keepalive_secs: default_keepalive(),
            keepalive_timeout_secs: default_keepalive_timeout(),
            session_expires_secs: default_session_expires(),
            min_se_secs: default_min_se(),
        }
    }
}

/// Which role an audio device plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum DeviceRole {
    /// Capture for calls.
    Microphone,
    /// Playout for calls.
    Speaker,
    /// Playout of the ringtone.
    Ringer,
}

/// Something the user (or a script) asks the engine to do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Command {
    /// Add or replace an account; the secret, when given, replaces the stored one.
    SetAccount {
        /// The account's settings.
        account: Box<AccountConfig>,
        /// Its secret, when the user entered one.
        #[serde(default)]
        credential: Option<Credential>,
    },
    /// Stop and forget an account.
    RemoveAccount {
        /// Which account.
        account_id: AccountId,
    },
    /// Start an account's connection (and registration if enabled).
    StartAccount {
        /// Which account.
        account_id: AccountId,
    },
    /// Stop an account: unregister and close its connection.
    StopAccount {
        /// Which account.
        account_id: AccountId,
    },
    /// Register (or refresh the registration) now.
    Register {
        /// Which account.
        account_id: AccountId,
    },
    /// Remove this device's binding (or all bindings with `all`).
    Unregister {
        /// Which account.
        account_id: AccountId,
        /// Remove every binding of the address (`Contact: *`).
        #[serde(default)]
        all: bool,
    },
    /// Place a call. `echo` dials the built-in echo-test line, which needs no account.
    Dial {
        /// The account to call from; the first registered one when unset.
        #[serde(default)]
        account_id: Option<AccountId>,
        /// A number or SIP URI as the user typed it.
        target: String,
        /// Hide our identity (Privacy: id, anonymous From).
        #[serde(default)]
        anonymous: bool,
        /// Extra headers for this call.
        #[serde(default)]
        headers: Vec<CustomHeader>,
    },
    /// Answer a ringing incoming call.
    Answer {
        /// Which call.
        call_id: CallId,
    },
    /// Reject an incoming call (486 Busy Here by default, 603 Decline).
    Reject {
        /// Which call.
        call_id: CallId,
        /// The SIP status to answer with.
        #[serde(default)]
        code: Option<u16>,
    },
    /// Stop ringing locally without answering the caller.
    Silence {
        /// Which call.
        call_id: CallId,
    },
    /// Redirect an incoming call elsewhere (302).
    Forward {
        /// Which call.
        call_id: CallId,
        /// Where to.
        target: String,
    },
    /// End a call in any state (CANCEL, BYE or reject as fits).
    Hangup {
        /// Which call.
        call_id: CallId,
    },
    /// Put a call on hold.
    Hold {
        /// Which call.
        call_id: CallId,
    },
    /// Take a call off hold.
    Resume {
        /// Which call.
        call_id: CallId,
    },
    /// Mute or unmute the microphone for a call.
    SetMute {
        /// Which call.
        call_id: CallId,
        /// Muted or not.
        muted: bool,
    },
    /// Send DTMF digits (`0-9*#A-D`).
    SendDtmf {
        /// Which call.
        call_id: CallId,
        /// The digits.
        digits: String,
    },
    /// Blind transfer (REFER).
    Transfer {
        /// Which call.
        call_id: CallId,
        /// Where to.
        target: String,
    },
    /// Choose the device for a role; `None` follows the system default.
    SelectDevice {
        /// Microphone, speaker or ringer.
        role: DeviceRole,
        /// Device name as listed in [`Snapshot::devices`].
        #[serde(default)]
        device: Option<String>,
    },
    /// Turn SIP tracing and debug logging on or off.
    SetDebug {
        /// On or off.
        enabled: bool,
    },
    /// Reject incoming calls while on.
    SetDoNotDisturb {
        /// On or off.
        enabled: bool,
    },
}

impl Command {
    /// The command's name as it appears in the IPC layer and in logs.
    pub fn name(&self) -> &'static str {
        match self {
            Command::SetAccount { .. } => "set_account",
            Command::RemoveAccount { .. } => "remove_account",
            Command::StartAccount { .. } => "start_account",
            Command::StopAccount { .. } => "stop_account",
            Command::Register { .. } => "register",
            Command::Unregister { .. } => "unregister",
            Command::Dial { .. } => "dial",
            Command::Answer { .. } => "answer",
            Command::Reject { .. } => "reject",
            Command::Silence { .. } => "silence",
            Command::Forward { .. } => "forward",
            Command::Hangup { .. } => "hangup",
            Command::Hold { .. } => "hold",
            Command::Resume { .. } => "resume",
            Command::SetMute { .. } => "set_mute",
            Command::SendDtmf { .. } => "send_dtmf",
            Command::Transfer { .. } => "transfer",
            Command::SelectDevice { .. } => "select_device",
            Command::SetDebug { .. } => "set_debug",
            Command::SetDoNotDisturb { .. } => "set_do_not_disturb",
        }
    }
}

/// What a successful command produced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CommandOutcome {
    /// Accepted; its effects arrive as events.
    Done,
    /// A call was started; its progress arrives as [`Event::CallStateChanged`].
    CallStarted {
        /// The new call.
        call_id: CallId,
    },
}

/// A stable error code; the UI translates it (`error-<code>` in `locales/`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// An argument is malformed (the detail says which).
    InvalidArgument,
    /// The number or address can not be dialled.
    InvalidTarget,
    /// No account with that id.
    UnknownAccount,
    /// No call with that id.
    UnknownCall,
    /// Dialling needs an account and none is ready.
    NoAccount,
    /// The command does not fit the current state (answering a call that is not ringing…).
    InvalidState,
    /// The OS keyring is not available or refused access.
    KeyringUnavailable,
    /// An audio device could not be opened.
    DeviceUnavailable,
    /// The network or transport failed.
    Network,
    /// This engine build does not support the request yet.
    Unsupported,
    /// The engine is shutting down or has stopped.
    EngineStopped,
}

/// Why a command failed: a stable code for the UI plus a detail for logs and tooltips.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{code:?}: {detail}")]
pub struct CommandError {
    /// Stable code.
    pub code: ErrorCode,
    /// Human-readable detail (English; never contains secrets).
    pub detail: String,
}

impl CommandError {
    /// Builds an error.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            code,
            detail: detail.into(),
        }
    }
}

/// A SIP status (when there was one) and a reason phrase or local cause.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Reason {
    /// SIP status code, when the outcome came from a SIP response.
    pub code: Option<u16>,
    /// Reason phrase or local cause (for example `timeout`, `network unreachable`).
    pub text: String,
}

impl Reason {
    /// A reason from a SIP response.
    pub fn sip(code: u16, text: impl Into<String>) -> Self {
        Self {
            code: Some(code),
            text: text.into(),
        }
    }

    /// A local reason with no SIP status.
    pub fn local(text: impl Into<String>) -> Self {
        Self {
            code: None,
            text: text.into(),
        }
    }
}

/// The life of an account's connection and registration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Configured but not started.
    Stopped,
    /// Started: resolving and connecting.
    Connecting,
    /// The transport is up (registration not asked for, or not yet done).
    Connected,
    /// A REGISTER is in flight.
    Registering,
    /// Registered: incoming calls reach us.
    Registered,
    /// Ready to call: registered, or connected with registration off.
    Ready,
    /// Unregistering.
    Unregistering,
    /// Failed with a reason; retried with backoff unless the reason is final (wrong password).
    Failed,
}

/// Which way a call goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// We called.
    Outgoing,
    /// They called.
    Incoming,
}

/// The life of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum CallState {
    /// INVITE sent, nothing heard yet.
    Dialing,
    /// The far end is ringing (180).
    Ringing,
    /// Early media is playing (183 with SDP).
    EarlyMedia,
    /// An incoming call is ringing here.
    Incoming,
    /// Media flows both ways.
    Active,
    /// Held by us, by them, or both (see [`CallView::local_hold`]/[`CallView::remote_hold`]).
    Held,
    /// Over; the reason says why.
    Ended,
}

/// The state of a WebRTC call's media connection (ICE and DTLS), the W3C
/// `RTCPeerConnectionState` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MediaState {
    /// Not started.
    New,
    /// ICE connectivity checks or the DTLS handshake are running.
    Checking,
    /// ICE found a path and DTLS is done: media flows.
    Connected,
    /// The path was lost for a while; it may come back.
    Disconnected,
    /// No path, or the DTLS handshake or fingerprint check failed.
    Failed,
    /// Closed.
    Closed,
}

/// The remote party of a call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Party {
    /// Their SIP URI.
    pub uri: String,
    /// Their display name, when given.
    pub display_name: Option<String>,
}

/// An audio device as listed by the system.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct AudioDevice {
    /// Name, used to remember the choice.
    pub name: String,
    /// Capture (`true`) or playout device.
    pub is_input: bool,
    /// The system default for its direction.
    pub is_default: bool,
}

/// Call-quality figures, once a second during a call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CallStats {
    /// Codec in use.
    pub codec: String,
    /// Interarrival jitter in milliseconds.
    pub jitter_ms: f32,
    /// Fraction of packets lost, 0–1.
    pub loss: f32,
    /// Round-trip time in milliseconds, when RTCP measured it.
    pub rtt_ms: Option<f32>,
    /// Jitter-buffer delay in milliseconds.
    pub buffer_ms: f32,
    /// E-model MOS estimate, 1–4.5.
    pub mos: f32,
    /// RTP packets sent.
    #[ts(type = "number")]
    pub packets_sent: u64,
    /// RTP packets received and accepted.
    #[ts(type = "number")]
    pub packets_received: u64,
    /// Datagrams dropped before playout: malformed, from a foreign SSRC, failing SRTP
    /// authentication or replayed.
    #[ts(type = "number")]
    pub packets_dropped: u64,
    /// Media is encrypted (SRTP).
    pub encrypted: bool,
    /// The call's final figures, sent once when its media stops.
    pub summary: bool,
}

/// Which way a traced SIP message went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum TraceDirection {
    /// Sent by us.
    Sent,
    /// Received by us.
    Received,
}

/// A fact the engine reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// An account was added, changed or removed (`config` is `None` when removed).
    AccountChanged {
        /// Which account.
        account_id: AccountId,
        /// Its settings, or `None` once removed.
        config: Option<Box<AccountConfig>>,
    },
    /// An account's connection or registration changed.
    AccountStateChanged {
        /// Which account.
        account_id: AccountId,
        /// The new state.
        state: AccountState,
        /// Why (SIP status for failures).
        reason: Option<Reason>,
    },
    /// The registration will expire soon and is being refreshed.
    RegistrationExpiring {
        /// Which account.
        account_id: AccountId,
        /// Seconds left.
        expires_in_secs: u32,
    },
    /// A call changed state.
    CallStateChanged {
        /// Which call.
        call_id: CallId,
        /// The account it belongs to (`None` for the echo-test line).
        account_id: Option<AccountId>,
        /// The new state.
        state: CallState,
        /// Why (SIP status and reason for every outcome).
        reason: Option<Reason>,
    },
    /// A new incoming call is ringing.
    IncomingCall {
        /// The new call.
        call_id: CallId,
        /// The account it came in on.
        account_id: AccountId,
        /// Who calls.
        remote: Party,
    },
    /// Hold or mute changed on a call.
    CallFlagsChanged {
        /// Which call.
        call_id: CallId,
        /// We hold the call.
        local_hold: bool,
        /// They hold the call.
        remote_hold: bool,
        /// Our microphone is muted.
        muted: bool,
    },
    /// A DTMF digit arrived.
    DtmfReceived {
        /// Which call.
        call_id: CallId,
        /// The digit.
        digit: String,
    },
    /// Live call quality.
    CallStatsUpdated {
        /// Which call.
        call_id: CallId,
        /// The figures.
        stats: CallStats,
    },
    /// A WebRTC call's media connection (ICE, DTLS) changed state.
    MediaStateChanged {
        /// Which call.
        call_id: CallId,
        /// The new state.
        state: MediaState,
        /// Why, when it failed.
        reason: Option<String>,
    },
    /// Microphone and speaker levels of a call with media (also the echo line), about ten
    /// times a second.
    AudioLevels {
        /// Which call.
        call_id: CallId,
        /// What the microphone sends (after mute), RMS over the last 100 ms, dBFS.
        input_dbfs: f32,
        /// What the speaker plays, RMS over the last 100 ms, dBFS.
        output_dbfs: f32,
    },
    /// The device list changed (hot-plug) or a selection changed.
    DevicesChanged {
        /// Every device now present.
        devices: Vec<AudioDevice>,
    },
    /// A SIP message was sent or received (only while debug is on; secrets redacted).
    SipTrace {
        /// The account whose transport carried it.
        account_id: Option<AccountId>,
        /// Sent or received.
        direction: TraceDirection,
        /// The peer address.
        remote: String,
        /// The message with `Authorization` values redacted.
        message: String,
    },
    /// Debug tracing was turned on or off.
    DebugChanged {
        /// On or off.
        enabled: bool,
    },
    /// Do-not-disturb was turned on or off.
    DoNotDisturbChanged {
        /// On or off.
        enabled: bool,
    },
}

/// An [`Event`] with its place in the engine's ordered event stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct EventEnvelope {
    /// Sequence number, starting at 1, without gaps. A front end that sees a gap reloads the
    /// [`Snapshot`].
    #[ts(type = "number")]
    pub seq: u64,
    /// The event.
    #[serde(flatten)]
    pub event: Event,
}

/// An account as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct AccountView {
    /// Its settings.
    pub config: AccountConfig,
    /// Its state.
    pub state: AccountState,
    /// Why it is in that state.
    pub reason: Option<Reason>,
    /// A secret is stored for it.
    pub has_credential: bool,
}

/// A call as the UI shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct CallView {
    /// Which call.
    pub call_id: CallId,
    /// The account it belongs to (`None` for the echo-test line).
    pub account_id: Option<AccountId>,
    /// Outgoing or incoming.
    pub direction: Direction,
    /// The far end.
    pub remote: Party,
    /// State.
    pub state: CallState,
    /// Why it is in that state.
    pub reason: Option<Reason>,
    /// We hold it.
    pub local_hold: bool,
    /// They hold it.
    pub remote_hold: bool,
    /// Our microphone is muted.
    pub muted: bool,
    /// Milliseconds since the engine started at which the call became active.
    #[ts(type = "number | null")]
    pub answered_at_ms: Option<u64>,
}

/// The engine's whole state, for a UI (re)load. Events with `seq` greater than
/// [`Snapshot::seq`] apply on top of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, TS)]
pub struct Snapshot {
    /// The sequence number of the last event included.
    #[ts(type = "number")]
    pub seq: u64,
    /// Accounts.
    pub accounts: Vec<AccountView>,
    /// Calls that have not ended.
    pub calls: Vec<CallView>,
    /// Audio devices.
    pub devices: Vec<AudioDevice>,
    /// Chosen microphone (`None`: system default).
    pub microphone: Option<String>,
    /// Chosen speaker.
    pub speaker: Option<String>,
    /// Chosen ringer.
    pub ringer: Option<String>,
    /// Debug tracing on.
    pub debug: bool,
    /// Do-not-disturb on.
    pub do_not_disturb: bool,
}

/// Every type exported to TypeScript, in dependency order.
pub fn typescript_declarations() -> String {
    let cfg = ts_rs::Config::default();
    let decls = [
        AccountId::decl(&cfg),
        CallId::decl(&cfg),
        Secret::decl(&cfg),
        Credential::decl(&cfg),
        Transport::decl(&cfg),
        SrtpMode::decl(&cfg),
        CustomHeader::decl(&cfg),
        IceServer::decl(&cfg),
        AccountConfig::decl(&cfg),
        DeviceRole::decl(&cfg),
        Command::decl(&cfg),
        CommandOutcome::decl(&cfg),
        ErrorCode::decl(&cfg),
        CommandError::decl(&cfg),
        Reason::decl(&cfg),
        AccountState::decl(&cfg),
        Direction::decl(&cfg),
        CallState::decl(&cfg),
        MediaState::decl(&cfg),
        Party::decl(&cfg),
        AudioDevice::decl(&cfg),
        CallStats::decl(&cfg),
        TraceDirection::decl(&cfg),
        Event::decl(&cfg),
        EventEnvelope::decl(&cfg),
        AccountView::decl(&cfg),
        CallView::decl(&cfg),
        Snapshot::decl(&cfg),
    ];
    let mut out = String::from(
        "// Generated from crates/engine/src/api.rs by the `typescript_bindings_are_current` test.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p softphone-engine typescript` instead.\n\n",
    );
    for d in decls {
        out.push_str("export ");
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.trim_end().to_string() + "\n"
}

#[cfg(test)]
mod account_config_tests {
    use super::*;

    #[test]
    fn an_account_saved_before_session_timer_settings_still_loads() {
        let old = r#"{"id":"a1","address":"sip:alice@example.com","register":true}"#;
        let account: AccountConfig = serde_json::from_str(old).unwrap();
        assert_eq!(account.session_expires_secs, Some(1800));
        assert_eq!(account.min_se_secs, 90);
        assert_eq!(account, AccountConfig::new("a1", "sip:alice@example.com"));
        let off: AccountConfig = serde_json::from_str(
            r#"{"id":"a1","address":"sip:a@b","session_expires_secs":null,"min_se_secs":120}"#,
        )
        .unwrap();
        assert_eq!((off.session_expires_secs, off.min_se_secs), (None, 120));
    }
}
