# Softphone — English (the reference catalogue; every other language has exactly these keys).

app-title = Softphone
skip-to-content = Skip to the dialer
close = Close
cancel = Cancel
save = Save
saved = Saved
loading = Loading…

## Navigation

nav-label = Main
nav-phone = Phone
nav-recents = Recents
nav-settings = Settings
nav-debug = Debug

## Account status (libwebphone labels: agentstart, agentstop, register, unregister)

status-heading = Accounts
status-none = No account yet. Add one in Settings — or test your audio right away.
status-add-account = Add an account
status-actions = Actions for { $account }
account-state-stopped = Stopped
account-state-connecting = Connecting…
account-state-connected = Connected
account-state-registering = Registering…
account-state-registered = Registered
account-state-ready = Ready
account-state-unregistering = Unregistering…
account-state-failed = Failed
account-state-failed-reason = Failed ({ $reason })
account-state-auth-failed = Wrong user name or password ({ $code })
account-started = Started
agentstart = Start
agentstop = Stop
register = Register
unregister = Unregister
debug = Debug
debugstart = Start debugging
debugstop = Stop debugging
debug-on = Debugging is on
dnd = Do not disturb
dnd-on = Do not disturb is on: incoming calls are rejected.

## Dialer

dialer-heading = Dialer
dialer-label = Number or SIP address
dialer-placeholder = Number, name or sip:user@example.com
dialer-call = Call
dialer-call-target = Call { $target }
dialer-redial = Redial
dialer-redial-target = Redial { $target }
dialer-anonymous = Hide my number
dialer-backspace = Delete last character
dialer-paste = Paste
dialer-keypad = Dial pad
dialer-from = Call from
dialer-from-auto = First ready account
dialer-normalised = Will dial { $target }
dialer-invalid = This doesn't look like a number or SIP address.
dialer-echo-hint = Test your audio: call the echo line
dialer-echo-detail = The echo line plays back what you say. It needs no account.
dialer-echo-call = Call the echo line
recent-heading = Recent numbers
recent-empty = No recent numbers yet.
recent-call = Call { $number }
recent-clear = Clear recent numbers
call-log-heading = Calls this session
call-log-empty = No calls yet.
call-log-incoming = Incoming
call-log-outgoing = Outgoing
call-log-missed = Missed
call-log-declined = Declined
call-log-forwarded = Forwarded
call-log-not_answered = Not answered
call-log-call-back = Call back { $name }
key-1 = 1
key-2 = 2 ABC
key-3 = 3 DEF
key-4 = 4 GHI
key-5 = 5 JKL
key-6 = 6 MNO
key-7 = 7 PQRS
key-8 = 8 TUV
key-9 = 9 WXYZ
key-star = Star
key-0 = 0 plus
key-hash = Hash

## Calls

calls-heading = Calls
call-state-dialing = Calling…
call-state-ringing = Ringing…
call-state-early_media = Ringing (early media)
call-state-incoming = Incoming call
call-state-active = Connected
call-state-held = On hold
call-state-ended = Call ended
call-held-remote = On hold by the other side
call-echo-name = Echo test
call-unknown-caller = Unknown caller
call-reason-sip = { $code } { $text }
call-on-account = via { $account }
call-timer = Call duration
call-mute = Mute
call-unmute = Unmute
call-muted = Microphone muted
call-hold = Hold
call-resume = Resume
call-keypad = Keypad
call-keypad-hide = Hide keypad
call-hangup = Hang up
call-answer = Answer
call-reject = Decline
call-silence = Silence
call-forward = Forward…
call-forward-target = Forward to
call-forward-submit = Forward
call-switch = Switch to this call
call-waiting = Call waiting
call-waiting-body = { $caller } is calling while you are on a call.
call-hold-and-answer = Hold and answer
call-dtmf-label = Tones sent
call-dtmf-received = Received tone { $digit }
call-mic-level = Microphone level
call-speaker-level = Speaker level
call-level-dbfs = { $value } dBFS
call-level-silent = Silent
call-quality = Call quality
call-quality-waiting = Measuring…
call-quality-good = Good
call-quality-fair = Fair
call-quality-poor = Poor
quality-codec = Codec
quality-jitter = Jitter
quality-loss = Loss
quality-rtt = Round trip
quality-mos = MOS
quality-ms = { $value } ms
quality-percent = { $value } %

## Incoming calls and notifications

incoming-title = Incoming call
incoming-from = { $caller } is calling
incoming-on-account = on { $account }
missed-calls =
    { $count ->
        [one] One missed call
       *[other] { $count } missed calls
    }
missed-from = Missed: { $caller }
missed-dismiss = Dismiss
notification-incoming-title = Incoming call
notification-incoming-body = { $caller } is calling
notification-answer = Answer
notification-decline = Decline
notification-missed-title = Missed call
notification-missed-body = { $caller } called

## Links (sip:, tel:, callto:)

link-confirm-title = Call this number?
link-confirm-body = A link asks to call { $target }.
link-confirm-call = Call
link-confirm-cancel = Don't call

## Settings: accounts

settings-heading = Settings
settings-accounts = Accounts
settings-account-new = New account
settings-account-edit = Edit { $account }
settings-account-add = Add account
settings-account-remove = Remove
settings-account-edit-short = Edit
settings-account-remove-named = Remove { $account }
settings-account-remove-confirm = Remove { $account }? Its password is deleted from the keyring.
settings-account-saved = Account saved
settings-account-removed = Account removed
settings-account-simple = Most accounts need only these three fields.
address = SIP address
address-hint = For example alice@example.com
password = Password
password-stored = A secret is stored in the keyring. Leave empty to keep it.
password-session = Used for this session only (not remembered).
password-show = Show password
registrar = Server
registrar-hint = Registrar or proxy: host, host:port, a SIP URI or wss://host/path. Empty: the address's domain.
settings-advanced = Advanced
account-id = Account name
account-id-hint = A short name for this account, for example "work".
display-name = Display name
username = Username
username-hint = Authentication user, when it differs from the address.
realm = Realm
realm-hint = Empty: answer any realm.
credential-type = Secret type
credential-password = Password
credential-ha1 = Digest HA1
credential-bearer_token = Bearer token (JWT)
transport = Transport
transport-auto = Automatic (DNS)
transport-udp = UDP
transport-tcp = TCP
transport-tls = TLS
transport-ws = WebSocket (WS)
transport-wss = Secure WebSocket (WSS)
outbound-proxy = Outbound proxy
register-on-start = Register when the app starts
register-expires = Registration expiry (seconds)
user-agent = User-Agent
tls-verify = Verify the server's TLS certificate
tls-verify-off = Certificate checks are off: anyone on the network could listen in.
tls-ca-file = Extra CA certificate (PEM file)
srtp = Media encryption (SRTP)
srtp-off = Off
srtp-optional = When possible
srtp-mandatory = Required
codecs = Codecs, preferred first
codecs-hint = Comma separated: opus, pcmu, pcma. Empty: the defaults.
ice-servers = STUN/TURN servers
ice-servers-hint = One per line: stun:host:port or turn:host:port?transport=udp
custom-headers = Custom headers
custom-headers-hint = One per line: Name: value
no-answer-timeout = Ring for (seconds)
auto-answer = Answer calls automatically
reconnect-min = First reconnection delay (seconds)
reconnect-max = Longest reconnection delay (seconds)
remember-secret = Remember the password in the system keyring
keyring-unavailable-title = No keyring available
keyring-unavailable-body = The system keyring (Secret Service) can't be reached, so the password can't be stored safely. You can use it for this session only; you'll be asked again next time.
keyring-unavailable-detail = Details: { $detail }
keyring-dont-remember = Use without remembering
keyring-missing-note = No system keyring: passwords are used for the session only.
field-required = Required
field-number = Enter a whole number.

## Settings: audio, appearance, start-up

settings-audio = Audio devices
device-microphone = Microphone
device-speaker = Speaker
device-ringer = Ringer
device-default = System default
device-default-named = System default ({ $name })
device-missing = { $name } (disconnected)
devices-none = No audio devices found.
settings-appearance = Appearance
settings-language = Language
settings-language-system = System language
settings-theme = Theme
theme-system = System
theme-light = Light
theme-dark = Dark
settings-startup = Start-up
settings-start-minimised = Start minimised to the tray
settings-start-at-login = Start at login
settings-files = Files
settings-file-location = Settings file: { $path }

## Debug

debug-heading = Debug
debug-toggle = Debug mode (SIP trace and detailed logs)
debug-log-level = Log level
log-level-error = Errors
log-level-warn = Warnings
log-level-info = Information
log-level-debug = Debugging
log-level-trace = Everything
debug-open-logs = Open the log folder
debug-log-location = Logs: { $path }
debug-trace = SIP trace
debug-trace-empty = No SIP messages yet. Turn debug mode on to trace them.
debug-trace-clear = Clear trace
debug-trace-sent = Sent to { $remote }
debug-trace-received = Received from { $remote }
debug-trace-filter = Filter messages

## Tray

tray-status-none = No account
tray-status = { $account }: { $state }
tray-dial = Dial…
tray-recent = Recent numbers
tray-recent-empty = No recent numbers
tray-mute = Mute
tray-dnd = Do not disturb
tray-show = Show window
tray-hide = Hide window
tray-quit = Quit

## Errors (one per engine error code: error-<code>)

error-invalid_argument = Some of these settings aren't valid.
error-invalid_target = That number or address can't be dialled.
error-unknown_account = That account doesn't exist any more.
error-unknown_call = That call has already ended.
error-no_account = Set up an account first — or call the echo line to test your audio.
error-invalid_state = That isn't possible right now.
error-keyring_unavailable = The system keyring isn't available.
error-device_unavailable = The audio device couldn't be opened.
error-network = The network or the server can't be reached.
error-unsupported = This isn't available in this version yet.
error-engine_stopped = The phone engine has stopped. Please restart the app.
error-unknown = Something went wrong.
error-detail = Details: { $detail }
error-dismiss = Dismiss
