// Generated from crates/engine/src/api.rs by the `typescript_bindings_are_current` test.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p softphone-engine typescript` instead.

export type AccountId = string;

export type CallId = string;

export type Secret = string;

export type Credential = { "type": "password", "value": Secret } | { "type": "ha1", "value": Secret } | { "type": "bearer_token", "value": Secret };

export type Transport = "auto" | "udp" | "tcp" | "tls" | "ws" | "wss";

export type SrtpMode = "off" | "optional" | "mandatory";

export type CustomHeader = { 
/**
 * Header name, for example `X-Tenant`.
 */
name: string, 
/**
 * Header value.
 */
value: string, };

export type IceServer = { 
/**
 * `stun:host:port` or `turn:host:port?transport=udp`.
 */
url: string, 
/**
 * TURN user name.
 */
username: string | null, };

export type AccountConfig = { 
/**
 * Stable identifier.
 */
id: AccountId, 
/**
 * Address of record, `sip:user@domain` (a bare `user@domain` is accepted).
 */
address: string, 
/**
 * Display name shown to the people we call.
 */
display_name: string | null, 
/**
 * User name for authentication when it differs from the address's user part.
 */
auth_user: string | null, 
/**
 * Realm to answer; any realm when unset.
 */
realm: string | null, 
/**
 * Registrar/proxy: `host[:port]`, a SIP URI, or `ws(s)://host[:port]/path`. The address's
 * domain when unset.
 */
server: string | null, 
/**
 * Transport to the server.
 */
transport: Transport, 
/**
 * Outbound proxy (preloaded Route), a SIP URI.
 */
outbound_proxy: string | null, 
/**
 * Register on start.
 */
register: boolean, 
/**
 * Requested registration lifetime in seconds.
 */
register_expires: number, 
/**
 * User-Agent header; the product's own when unset.
 */
user_agent: string | null, 
/**
 * Verify the server's TLS certificate (on by default; turning it off is shown to the user).
 */
tls_verify: boolean, 
/**
 * An extra CA certificate file (PEM) trusted for this account.
 */
tls_ca_file: string | null, 
/**
 * SDES-SRTP policy for classic SIP calls.
 */
srtp: SrtpMode, 
/**
 * Codec preference, first preferred (`opus`, `pcmu`, `pcma`).
 */
codecs: Array<string>, 
/**
 * STUN/TURN servers for WebRTC media.
 */
ice_servers: Array<IceServer>, 
/**
 * WebRTC privacy: offer and use only TURN relay candidates (hides local addresses).
 */
ice_relay_only: boolean, 
/**
 * Clean the microphone of background noise (RNNoise) before it is sent.
 */
noise_suppression: boolean, 
/**
 * Headers added to REGISTER and INVITE.
 */
custom_headers: Array<CustomHeader>, 
/**
 * Seconds an unanswered incoming call rings before it is treated as missed.
 */
no_answer_timeout_secs: number, 
/**
 * Answer incoming calls at once.
 */
auto_answer: boolean, 
/**
 * First reconnection delay in seconds (doubles up to the maximum).
 */
reconnect_min_secs: number, 
/**
 * Longest reconnection delay in seconds.
 */
reconnect_max_secs: number, 
/**
 * Seconds between keepalives to the server: `CRLF CRLF` on TCP/TLS (RFC 5626), a
 * WebSocket ping on WS/WSS, OPTIONS on UDP. 0 turns them off.
 */
keepalive_secs: number, 
/**
 * Seconds a keepalive may go unanswered before the connection counts as dead (the
 * account then reconnects and registers again).
 */
keepalive_timeout_secs: number, 
/**
 * Session timer (RFC 4028) interval asked for on calls, in seconds; `None` or 0 turns
 * session timers off (a peer that requires them is still honoured).
 */
session_expires_secs: number | null, 
/**
 * The smallest session interval accepted from a peer (`Min-SE`, at least 90).
 */
min_se_secs: number, };

export type DeviceRole = "microphone" | "speaker" | "ringer";

export type Command = { "type": "set_account", 
/**
 * The account's settings.
 */
account: AccountConfig, 
/**
 * Its secret, when the user entered one.
 */
credential: Credential | null, } | { "type": "remove_account", 
/**
 * Which account.
 */
account_id: AccountId, } | { "type": "start_account", 
/**
 * Which account.
 */
account_id: AccountId, } | { "type": "stop_account", 
/**
 * Which account.
 */
account_id: AccountId, } | { "type": "register", 
/**
 * Which account.
 */
account_id: AccountId, } | { "type": "unregister", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * Remove every binding of the address (`Contact: *`).
 */
all: boolean, } | { "type": "dial", 
/**
 * The account to call from; the first registered one when unset.
 */
account_id: AccountId | null, 
/**
 * A number or SIP URI as the user typed it.
 */
target: string, 
/**
 * Hide our identity (Privacy: id, anonymous From).
 */
anonymous: boolean, 
/**
 * Extra headers for this call.
 */
headers: Array<CustomHeader>, } | { "type": "answer", 
/**
 * Which call.
 */
call_id: CallId, } | { "type": "reject", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The SIP status to answer with.
 */
code: number | null, } | { "type": "silence", 
/**
 * Which call.
 */
call_id: CallId, } | { "type": "forward", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * Where to.
 */
target: string, } | { "type": "hangup", 
/**
 * Which call.
 */
call_id: CallId, } | { "type": "hold", 
/**
 * Which call.
 */
call_id: CallId, } | { "type": "resume", 
/**
 * Which call.
 */
call_id: CallId, } | { "type": "set_mute", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * Muted or not.
 */
muted: boolean, } | { "type": "send_dtmf", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The digits.
 */
digits: string, } | { "type": "transfer", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * Where to.
 */
target: string, } | { "type": "select_device", 
/**
 * Microphone, speaker or ringer.
 */
role: DeviceRole, 
/**
 * Device name as listed in [`Snapshot::devices`].
 */
device: string | null, } | { "type": "set_debug", 
/**
 * On or off.
 */
enabled: boolean, } | { "type": "set_do_not_disturb", 
/**
 * On or off.
 */
enabled: boolean, };

export type CommandOutcome = { "type": "done" } | { "type": "call_started", 
/**
 * The new call.
 */
call_id: CallId, };

export type ErrorCode = "invalid_argument" | "invalid_target" | "unknown_account" | "unknown_call" | "no_account" | "invalid_state" | "keyring_unavailable" | "device_unavailable" | "network" | "unsupported" | "engine_stopped";

export type CommandError = { 
/**
 * Stable code.
 */
code: ErrorCode, 
/**
 * Human-readable detail (English; never contains secrets).
 */
detail: string, };

export type Reason = { 
/**
 * SIP status code, when the outcome came from a SIP response.
 */
code: number | null, 
/**
 * Reason phrase or local cause (for example `timeout`, `network unreachable`).
 */
text: string, };

export type AccountState = "stopped" | "connecting" | "connected" | "registering" | "registered" | "ready" | "unregistering" | "failed";

export type Direction = "outgoing" | "incoming";

export type CallState = "dialing" | "ringing" | "early_media" | "incoming" | "active" | "held" | "ended";

export type MediaState = "new" | "checking" | "connected" | "disconnected" | "failed" | "closed";

export type Party = { 
/**
 * Their SIP URI.
 */
uri: string, 
/**
 * Their display name, when given.
 */
display_name: string | null, };

export type AudioDevice = { 
/**
 * Name, used to remember the choice.
 */
name: string, 
/**
 * Capture (`true`) or playout device.
 */
is_input: boolean, 
/**
 * The system default for its direction.
 */
is_default: boolean, };

export type CallStats = { 
/**
 * Codec in use.
 */
codec: string, 
/**
 * Interarrival jitter in milliseconds.
 */
jitter_ms: number, 
/**
 * Fraction of packets lost, 0–1.
 */
loss: number, 
/**
 * Round-trip time in milliseconds, when RTCP measured it.
 */
rtt_ms: number | null, 
/**
 * Jitter-buffer delay in milliseconds.
 */
buffer_ms: number, 
/**
 * E-model MOS estimate, 1–4.5.
 */
mos: number, 
/**
 * RTP packets sent.
 */
packets_sent: number, 
/**
 * RTP packets received and accepted.
 */
packets_received: number, 
/**
 * Datagrams dropped before playout: malformed, from a foreign SSRC, failing SRTP
 * authentication or replayed.
 */
packets_dropped: number, 
/**
 * Media is encrypted (SRTP).
 */
encrypted: boolean, 
/**
 * The call's final figures, sent once when its media stops.
 */
summary: boolean, };

export type TraceDirection = "sent" | "received";

export type Event = { "type": "account_changed", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * Its settings, or `None` once removed.
 */
config: AccountConfig | null, } | { "type": "account_state_changed", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * The new state.
 */
state: AccountState, 
/**
 * Why (SIP status for failures).
 */
reason: Reason | null, } | { "type": "registration_expiring", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * Seconds left.
 */
expires_in_secs: number, } | { "type": "call_state_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The account it belongs to (`None` for the echo-test line).
 */
account_id: AccountId | null, 
/**
 * The new state.
 */
state: CallState, 
/**
 * Why (SIP status and reason for every outcome).
 */
reason: Reason | null, } | { "type": "incoming_call", 
/**
 * The new call.
 */
call_id: CallId, 
/**
 * The account it came in on.
 */
account_id: AccountId, 
/**
 * Who calls.
 */
remote: Party, } | { "type": "call_flags_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * We hold the call.
 */
local_hold: boolean, 
/**
 * They hold the call.
 */
remote_hold: boolean, 
/**
 * Our microphone is muted.
 */
muted: boolean, } | { "type": "dtmf_received", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The digit.
 */
digit: string, } | { "type": "call_stats_updated", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The figures.
 */
stats: CallStats, } | { "type": "media_state_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The new state.
 */
state: MediaState, 
/**
 * Why, when it failed.
 */
reason: string | null, } | { "type": "audio_levels", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * What the microphone sends (after mute), RMS over the last 100 ms, dBFS.
 */
input_dbfs: number, 
/**
 * What the speaker plays, RMS over the last 100 ms, dBFS.
 */
output_dbfs: number, } | { "type": "devices_changed", 
/**
 * Every device now present.
 */
devices: Array<AudioDevice>, } | { "type": "sip_trace", 
/**
 * The account whose transport carried it.
 */
account_id: AccountId | null, 
/**
 * Sent or received.
 */
direction: TraceDirection, 
/**
 * The peer address.
 */
remote: string, 
/**
 * The message with `Authorization` values redacted.
 */
message: string, } | { "type": "debug_changed", 
/**
 * On or off.
 */
enabled: boolean, } | { "type": "do_not_disturb_changed", 
/**
 * On or off.
 */
enabled: boolean, };

export type EventEnvelope = { 
/**
 * Sequence number, starting at 1, without gaps. A front end that sees a gap reloads the
 * [`Snapshot`].
 */
seq: number, } & ({ "type": "account_changed", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * Its settings, or `None` once removed.
 */
config: AccountConfig | null, } | { "type": "account_state_changed", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * The new state.
 */
state: AccountState, 
/**
 * Why (SIP status for failures).
 */
reason: Reason | null, } | { "type": "registration_expiring", 
/**
 * Which account.
 */
account_id: AccountId, 
/**
 * Seconds left.
 */
expires_in_secs: number, } | { "type": "call_state_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The account it belongs to (`None` for the echo-test line).
 */
account_id: AccountId | null, 
/**
 * The new state.
 */
state: CallState, 
/**
 * Why (SIP status and reason for every outcome).
 */
reason: Reason | null, } | { "type": "incoming_call", 
/**
 * The new call.
 */
call_id: CallId, 
/**
 * The account it came in on.
 */
account_id: AccountId, 
/**
 * Who calls.
 */
remote: Party, } | { "type": "call_flags_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * We hold the call.
 */
local_hold: boolean, 
/**
 * They hold the call.
 */
remote_hold: boolean, 
/**
 * Our microphone is muted.
 */
muted: boolean, } | { "type": "dtmf_received", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The digit.
 */
digit: string, } | { "type": "call_stats_updated", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The figures.
 */
stats: CallStats, } | { "type": "media_state_changed", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The new state.
 */
state: MediaState, 
/**
 * Why, when it failed.
 */
reason: string | null, } | { "type": "audio_levels", 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * What the microphone sends (after mute), RMS over the last 100 ms, dBFS.
 */
input_dbfs: number, 
/**
 * What the speaker plays, RMS over the last 100 ms, dBFS.
 */
output_dbfs: number, } | { "type": "devices_changed", 
/**
 * Every device now present.
 */
devices: Array<AudioDevice>, } | { "type": "sip_trace", 
/**
 * The account whose transport carried it.
 */
account_id: AccountId | null, 
/**
 * Sent or received.
 */
direction: TraceDirection, 
/**
 * The peer address.
 */
remote: string, 
/**
 * The message with `Authorization` values redacted.
 */
message: string, } | { "type": "debug_changed", 
/**
 * On or off.
 */
enabled: boolean, } | { "type": "do_not_disturb_changed", 
/**
 * On or off.
 */
enabled: boolean, });

export type AccountView = { 
/**
 * Its settings.
 */
config: AccountConfig, 
/**
 * Its state.
 */
state: AccountState, 
/**
 * Why it is in that state.
 */
reason: Reason | null, 
/**
 * A secret is stored for it.
 */
has_credential: boolean, };

export type CallView = { 
/**
 * Which call.
 */
call_id: CallId, 
/**
 * The account it belongs to (`None` for the echo-test line).
 */
account_id: AccountId | null, 
/**
 * Outgoing or incoming.
 */
direction: Direction, 
/**
 * The far end.
 */
remote: Party, 
/**
 * State.
 */
state: CallState, 
/**
 * Why it is in that state.
 */
reason: Reason | null, 
/**
 * We hold it.
 */
local_hold: boolean, 
/**
 * They hold it.
 */
remote_hold: boolean, 
/**
 * Our microphone is muted.
 */
muted: boolean, 
/**
 * Milliseconds since the engine started at which the call became active.
 */
answered_at_ms: number | null, };

export type Snapshot = { 
/**
 * The sequence number of the last event included.
 */
seq: number, 
/**
 * Accounts.
 */
accounts: Array<AccountView>, 
/**
 * Calls that have not ended.
 */
calls: Array<CallView>, 
/**
 * Audio devices.
 */
devices: Array<AudioDevice>, 
/**
 * Chosen microphone (`None`: system default).
 */
microphone: string | null, 
/**
 * Chosen speaker.
 */
speaker: string | null, 
/**
 * Chosen ringer.
 */
ringer: string | null, 
/**
 * Debug tracing on.
 */
debug: boolean, 
/**
 * Do-not-disturb on.
 */
do_not_disturb: boolean, };
