#!/usr/bin/env bash
# The softphone's loopback SIP test bed: Kamailio (registrar/proxy: UDP/TCP/TLS/WS/WSS, digest
# auth), rtpengine (userspace, WebRTC <-> RTP), baresip far ends (auto-answer, remote-controlled,
# audio dumped to WAV), sipp scenarios, PulseAudio null sinks, gnome-keyring, optional coturn,
# JsSIP in headless Chromium. Debian 12. Everything binds to 127.0.0.1; `run` and `selftest`
# use a private network namespace that has nothing but loopback.
#
#   bed.sh install            apt packages + JsSIP bundle (idempotent; needs network)
#   bed.sh start              start the bed in the current netns (run dir: $BED_RUN or
#                             /tmp/softphone-bed-$UID); writes $RUN/env to source
#   bed.sh stop               stop exactly the processes `start` recorded
#   bed.sh status             list the recorded processes
#   bed.sh kamailio-stop      stop the bed's Kamailio (inside `run`: a registrar outage)
#   bed.sh kamailio-start     start it again (registrations are memory-only: the baresip far
#                             ends are restarted so they register again)
#   bed.sh run -- CMD...      private netns (lo only) + bed + D-Bus session with unlocked
#                             gnome-keyring; run CMD with BED_* env; stop; exit with CMD's code
#   bed.sh selftest           install (unless BED_NO_INSTALL=1), then the bed's own checks
#                             inside `run`; ends with "bed: N passed, M failed"
#
# Env: BED_RUN (run dir; `run`/`selftest` default to a fresh mktemp dir, removed afterwards
# unless the command failed or BED_KEEP=1), SOFTPHONE_CACHE (default ~/.cache/softphone),
# BED_COTURN=0 (skip coturn), BED_WEBRTC=0 (skip browser checks in selftest).
# See tests/bed/README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SELF="$HERE/bed.sh"
CACHE="${SOFTPHONE_CACHE:-$HOME/.cache/softphone}/bed"
BUNDLE="$CACHE/jssip.bundle.js"
RUN="${BED_RUN:-/tmp/softphone-bed-$UID}"
export DEBIAN_FRONTEND=noninteractive

log() { printf '[bed %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# users: name:password (the first three are for the softphone's own tests)
USERS=(softphone:softphonepw sp2:sp2pw sp3:sp3pw
  1000:secret1000 1001:secret1001 1002:secret1002 1003:secret1003 1004:secret1004
  alice:alicepw bob:bobpw carol:carolpw dave:davepw)
# baresip far ends: name sip_port ctrl_port cons_port rtp_ports tone_hz transport mediaenc
PEERS=("bob 5082 4444 5555 20000-20099 440 udp -"
  "alice 5084 4445 5556 20100-20199 1000 tcp -"
  "carol 5086 4446 5557 20200-20299 2000 tls srtp-mand"
  "dave 5088 4447 5558 20300-20399 3000 udp srtp-mand")

APT_PKGS=(kamailio kamailio-websocket-modules kamailio-tls-modules kamailio-extra-modules
  sip-tester baresip-core rtpengine-daemon sox pulseaudio pulseaudio-utils libasound2-plugins
  gnome-keyring libsecret-tools keyutils dbus dbus-bin openssl iproute2 util-linux procps
  python3 chromium coturn)

# ---------------------------------------------------------------------------- install
cmd_install() {
  local p missing=()
  for p in "${APT_PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
  done
  # node/npm only when absent (a NodeSource nodejs already bundles npm and conflicts with it)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]})); then
    local sudo=()
    ((EUID == 0)) || sudo=(sudo)
    log "apt installing: ${missing[*]}"
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
    "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
  if [[ ! -f "$ROOT/node_modules/jssip/lib/JsSIP.js" || ! -x "$ROOT/node_modules/.bin/esbuild" ||
    ! -d "$ROOT/node_modules/playwright-core" ]]; then
    log "npm ci (repo root)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --cache "$HOME/.npm" >/dev/null)
  fi
  local ver
  ver="$(node -p 'require(process.argv[1]).version' "$ROOT/node_modules/jssip/package.json")"
  if [[ ! -s "$BUNDLE" || "$(cat "$BUNDLE.version" 2>/dev/null)" != "$ver" ]]; then
    log "bundling JsSIP $ver -> $BUNDLE"
    mkdir -p "$CACHE"
    "$ROOT/node_modules/.bin/esbuild" "$ROOT/node_modules/jssip/lib/JsSIP.js" --bundle \
      --format=iife --global-name=JsSIP --platform=browser --log-level=warning \
      --outfile="$BUNDLE.$$.tmp"
    mv "$BUNDLE.$$.tmp" "$BUNDLE"
    echo "$ver" >"$BUNDLE.version"
  fi
}

# ---------------------------------------------------------------------------- processes
# $RUN/pids: "name pid starttime" per process started; stop kills exactly those. The start time
# (and the PID namespace, part of the recorded value) guard against recycled or foreign PIDs.
stat_field() { # pid n: field n of /proc/pid/stat counted after "(comm)" (1 = state)
  local s
  s="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
  s="${s##*) }"
  awk -v n="$2" '{print $n}' <<<"$s"
}
starttime() {
  local st
  st="$(stat_field "$1" 20)"
  [[ -z "$st" ]] || echo "$st@$(readlink /proc/self/ns/pid 2>/dev/null | tr -dc 0-9)"
}
alive() { # pid starttime; a zombie leader whose other threads still run counts as alive
  local tasks
  [[ -r /proc/$1/stat ]] || return 1
  [[ -z "${2:-}" || "$(starttime "$1")" == "$2" ]] || return 1
  [[ "$(stat_field "$1" 1)" != Z ]] && return 0
  tasks=("/proc/$1/task/"*)
  ((${#tasks[@]} > 1))
}
record() { echo "$1 $2 $(starttime "$2")" >>"$RUN/pids"; }
start_bg() { # name logfile cmd...   (HOME in the run dir: nothing writes to the user's home)
  local name=$1 logf=$2
  shift 2
  HOME="$RUN/home" "$@" >"$logf" 2>&1 </dev/null &
  record "$name" $!
}
pid_of() { awk -v n="$1" '$1 == n {print $2}' "$RUN/pids" 2>/dev/null | tail -n1; }

wait_for() { # what timeout_s cmd...
  local what=$1 t=$2 i
  shift 2
  for ((i = 0; i < t * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  log "timeout waiting for $what"
  return 1
}
listening() { ss -H -ln"${1:0:1}" "sport = :$2" | grep -q .; }
wait_port() { wait_for "$1/$2" "${3:-10}" listening "$1" "$2"; }

cmd_stop() {
  [[ -f "$RUN/pids" ]] || return 0
  local name pid st p pids=() i n
  # baresip first (they de-REGISTER while kamailio is still up); a second TERM makes
  # baresip quit without waiting; KILL whatever is left after 5 s.
  while read -r name pid st; do
    alive "$pid" "$st" || continue
    if [[ $name == bs-* ]]; then kill "$pid" 2>/dev/null || true; pids+=("$pid:$st"); fi
  done <"$RUN/pids"
  ((${#pids[@]} == 0)) || sleep 0.3
  while read -r name pid st; do
    alive "$pid" "$st" || continue
    kill "$pid" 2>/dev/null || true
    [[ $name == bs-* ]] || pids+=("$pid:$st")
  done <"$RUN/pids"
  for ((i = 0; i < 50; i++)); do
    n=0
    for p in "${pids[@]}"; do alive "${p%%:*}" "${p#*:}" && n=1; done
    ((n)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    if alive "${p%%:*}" "${p#*:}"; then
      log "killing ${p%%:*} (did not stop on TERM)"
      kill -9 "${p%%:*}" 2>/dev/null || true
    fi
  done
  rm -f "$RUN/pids"
  [[ "${1:-}" == quiet ]] || log "stopped"
}

cmd_status() {
  [[ -f "$RUN/pids" ]] || { echo "bed: not running ($RUN)"; return 1; }
  local name pid st
  while read -r name pid st; do
    if alive "$pid" "$st"; then echo "up   $name $pid"; else echo "down $name $pid"; fi
  done <"$RUN/pids"
}

# ---------------------------------------------------------------------------- start
make_tls() { # self-signed CA + server cert signed by it, fresh at every start
  local T="$RUN/tls"
  mkdir -p "$T"
  openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj "/CN=softphone bed test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$T/ca.key" -out "$T/ca.crt" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
    -keyout "$T/server.key" -out "$T/server.csr" 2>/dev/null
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
    "extendedKeyUsage=serverAuth,clientAuth" "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost" \
    >"$T/server.ext"
  openssl x509 -req -in "$T/server.csr" -CA "$T/ca.crt" -CAkey "$T/ca.key" -CAcreateserial \
    -days 7 -extfile "$T/server.ext" -out "$T/server.crt" 2>/dev/null
  cat "$T/server.crt" "$T/ca.crt" >"$T/server-chain.crt"
  # SPKI pin of the server key: lets Chromium accept exactly this cert (WSS) and nothing else
  openssl x509 -in "$T/server.crt" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64 >"$T/server.spki"
}

mk_baresip() { # name sip_port ctrl_port cons_port rtp_ports tone transport mediaenc
  local d="$RUN/bs-$1" acc
  mkdir -p "$d/snd"
  sed -e "s/@SIP_PORT@/$2/" -e "s/@CTRL_PORT@/$3/" -e "s/@CONS_PORT@/$4/" -e "s/@RTP_PORTS@/$5/" \
    -e "s|@AUSRC@|ausine,$6|" -e "s|@SND_PATH@|$d/snd|" -e "s|@CAFILE@|$RUN/tls/ca.crt|" \
    "$HERE/baresip/config.template" >"$d/config"
  acc="<sip:$1@127.0.0.1;transport=$7>;auth_pass=$1pw;audio_codecs=opus/48000/2,pcmu,pcma"
  acc+=";answermode=auto;regint=600"
  [[ $8 == - ]] || acc+=";mediaenc=$8"
  echo "$acc" >"$d/accounts"
  : >"$d/contacts"
}

kamailio_defs() { # sets the caller's kdefs
  kdefs=(-A WITH_TLS -A WITH_WS -A WITH_RTPENGINE)
  # [::1]:5060 UDP/TCP too when the netns has IPv6 loopback (the `run` netns does)
  if ip -6 addr show dev lo 2>/dev/null | grep -q '::1/128'; then kdefs+=(-A WITH_IPV6); fi
}

start_kamailio() { # logfile; the config in $RUN/kamailio is ready
  local K="$RUN/kamailio" kdefs
  kamailio_defs
  KAM_DBURL="text://$K/dbtext" start_bg kamailio "$1" \
    kamailio -f "$K/kamailio.cfg" -DD -E -Y "$K/run" -P "$K/run/kamailio.pid" -w "$K/run" "${kdefs[@]}"
}

# kamailio-stop / kamailio-start: a registrar restart, from inside `run` (tests of recovery).
# Registrations are in memory only: every binding (baresip's too) is gone after a restart.
cmd_kamailio_stop() {
  local pid st i
  read -r _ pid st < <(awk '$1 == "kamailio"' "$RUN/pids" | tail -n1) || die "kamailio not recorded in $RUN/pids"
  alive "$pid" "$st" || die "kamailio ($pid) is not running"
  kill "$pid"
  for ((i = 0; i < 100; i++)); do
    alive "$pid" "$st" || break
    sleep 0.1
  done
  if alive "$pid" "$st"; then kill -9 "$pid" 2>/dev/null || true; sleep 0.2; fi
  for i in udp:5060 tcp:5060; do
    wait_for "kamailio gone from ${i}" 10 bash -c "! ss -H -ln${i:0:1} 'sport = :${i#*:}' | grep -q ." || true
  done
  log "kamailio stopped"
}

cmd_kamailio_start() {
  [[ -d "$RUN/kamailio" ]] || die "no bed in $RUN"
  start_kamailio "$RUN/kamailio/kamailio.restart.log"
  wait_port udp 5060
  wait_port tcp 5060
  wait_port tcp 5061
  wait_port tcp 8080
  restart_peers
  log "kamailio started, baresip far ends registered again"
}

restart_peers() { # the restart lost their bindings and baresip 1.0 has no re-register command
  local peer name pid st i n pids=()
  for peer in "${PEERS[@]}"; do
    name=${peer%% *}
    read -r _ pid st < <(awk -v n="bs-$name" '$1 == n' "$RUN/pids" | tail -n1) || continue
    alive "$pid" "$st" || continue
    # a second TERM makes baresip quit without waiting for its de-REGISTER
    kill "$pid" 2>/dev/null || true
    pids+=("$pid:$st")
  done
  sleep 0.2
  for p in "${pids[@]}"; do kill "${p%%:*}" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    n=0
    for p in "${pids[@]}"; do alive "${p%%:*}" "${p#*:}" && n=1; done
    ((n)) || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    if alive "${p%%:*}" "${p#*:}"; then kill -9 "${p%%:*}" 2>/dev/null || true; fi
  done
  for peer in "${PEERS[@]}"; do
    name=${peer%% *}
    start_bg "bs-$name" "$RUN/bs-$name/baresip.restart.log" baresip -f "$RUN/bs-$name"
  done
  for peer in "${PEERS[@]}"; do
    name=${peer%% *}
    wait_for "baresip $name registered" 15 registered "$name"
  done
  wait_port tcp 4447
}

registered() { kamcmd -s tcp:127.0.0.1:2049 ul.lookup location "$1" 2>/dev/null | grep -q Contact; }

cmd_start() {
  mkdir -p "$RUN"
  cmd_stop quiet
  local port
  for port in udp:5060 tcp:5060 tcp:5061 tcp:8080 tcp:8443 udp:2223 tcp:4444 tcp:8088; do
    ! listening "${port%%:*}" "${port#*:}" ||
      die "${port%%:*} port ${port#*:} already in use (another bed running? use 'bed.sh run')"
  done
  for port in kamailio rtpengine pulseaudio baresip python3; do
    command -v "$port" >/dev/null || die "$port not installed: run 'bed.sh install'"
  done
  rm -rf "$RUN/kamailio" "$RUN/tls" "$RUN/www" "$RUN"/bs-* "$RUN/xdg" "$RUN/checks"
  mkdir -p "$RUN/home"
  : >"$RUN/pids"
  make_tls
  # --- kamailio ---------------------------------------------------------------------
  local K="$RUN/kamailio"
  mkdir -p "$K/run"
  cp "$HERE/kamailio/kamailio.cfg" "$K/"
  cp -r "$HERE/kamailio/dbtext" "$K/dbtext"
  printf '%s\n' "[server:default]" "method = TLSv1.2+" "verify_certificate = no" \
    "require_certificate = no" "private_key = $RUN/tls/server.key" \
    "certificate = $RUN/tls/server-chain.crt" "" "[client:default]" "method = TLSv1.2+" \
    "verify_certificate = no" "require_certificate = no" >"$K/tls.cfg"
  local kdefs
  kamailio_defs
  if ! KAM_DBURL="text://$K/dbtext" kamailio -c -f "$K/kamailio.cfg" "${kdefs[@]}" >"$K/check.log" 2>&1; then
    cat "$K/check.log" >&2
    die "kamailio config check failed"
  fi
  start_kamailio "$K/kamailio.log"
  # --- rtpengine (userspace only: table=-1) ---------------------------------------------
  start_bg rtpengine "$RUN/rtpengine.log" rtpengine --config-file="$HERE/rtpengine/rtpengine.conf" \
    --config-section=rtpengine --pidfile="$RUN/rtpengine.pid"
  # --- PulseAudio: null sinks spk (default sink) and mic (its monitor = default source) --
  mkdir -p "$RUN/xdg" "$RUN/home"
  chmod 700 "$RUN/xdg"
  XDG_RUNTIME_DIR="$RUN/xdg" start_bg pulseaudio "$RUN/pulse.log" \
    pulseaudio -n -F "$HERE/pulse/null.pa" --daemonize=no --exit-idle-time=-1 \
    --disallow-exit --use-pid-file=no --log-target=stderr
  # --- coturn (optional) ------------------------------------------------------------------
  if [[ "${BED_COTURN:-1}" == 1 ]] && command -v turnserver >/dev/null; then
    if listening udp 3478; then
      log "port 3478 already in use (a system coturn?): bed runs without coturn"
    else
      start_bg coturn "$RUN/coturn.log" turnserver -c "$HERE/coturn/turnserver.conf" \
        --pidfile="$RUN/coturn.pid" --userdb="$RUN/turndb"
    fi
  fi
  # --- page server for the JsSIP phone (only 127.0.0.1) --------------------------------------
  mkdir -p "$RUN/www"
  cp "$HERE/webrtc/index.html" "$RUN/www/"
  if [[ -s "$BUNDLE" ]]; then cp "$BUNDLE" "$RUN/www/jssip.bundle.js"; else log "no JsSIP bundle (run install)"; fi
  start_bg http "$RUN/http.log" python3 -m http.server 8088 --bind 127.0.0.1 --directory "$RUN/www"
  wait_port udp 5060
  wait_port tcp 5061
  wait_port tcp 8080
  wait_port tcp 8443
  wait_port udp 2223
  wait_port tcp 8088
  if [[ -n "$(pid_of coturn)" ]]; then wait_port udp 3478 || log "coturn did not come up (see $RUN/coturn.log)"; fi
  wait_for "pulseaudio" 10 env XDG_RUNTIME_DIR="$RUN/xdg" PULSE_SERVER="unix:$RUN/xdg/pulse/native" pactl info
  # --- baresip far ends ------------------------------------------------------------------------
  local peer name
  for peer in "${PEERS[@]}"; do
    # shellcheck disable=SC2086
    mk_baresip $peer
    name=${peer%% *}
    start_bg "bs-$name" "$RUN/bs-$name/baresip.log" baresip -f "$RUN/bs-$name"
  done
  for peer in "${PEERS[@]}"; do
    name=${peer%% *}
    wait_for "baresip $name registered" 15 registered "$name"
  done
  wait_port tcp 4447
  if [[ " ${kdefs[*]} " == *" WITH_IPV6 "* ]]; then echo "[::1]:5060" >"$RUN/ipv6"; else rm -f "$RUN/ipv6"; fi
  write_env
  log "bed up in $RUN: $(awk '{printf "%s ", $1}' "$RUN/pids")"
}

write_env() {
  local T="$RUN/tls" u name ctl tone
  {
    printf 'export %s=%q\n' BED_RUN "$RUN" XDG_RUNTIME_DIR "$RUN/xdg" \
      PULSE_SERVER "unix:$RUN/xdg/pulse/native" BED_PULSE_SINK spk BED_PULSE_MIC_SINK mic \
      BED_PULSE_SOURCE mic.monitor BED_DOMAIN 127.0.0.1 \
      BED_SIP_UDP 127.0.0.1:5060 BED_SIP_TCP 127.0.0.1:5060 BED_SIP_TLS 127.0.0.1:5061 \
      BED_SIP_WS ws://127.0.0.1:8080 BED_SIP_WSS wss://127.0.0.1:8443 \
      BED_TLS_CA "$T/ca.crt" BED_TLS_SPKI "$(cat "$T/server.spki")" \
      BED_JSSIP_BUNDLE "$BUNDLE" BED_WEB http://127.0.0.1:8088 \
      BED_CTL "$HERE/baresip/ctl.py" BED_WEBRTC_DRIVER "$HERE/webrtc/webrtc-call.mjs" BED_TONE "$HERE/tools/tone.py" BED_SIPP_DIR "$HERE/sipp" \
      BED_USER softphone BED_PASS softphonepw BED_USER2 sp2 BED_PASS2 sp2pw \
      BED_USER3 sp3 BED_PASS3 sp3pw BED_USERS "${USERS[*]}"
    for u in "${PEERS[@]}"; do
      read -r name _ ctl _ _ tone _ <<<"$u"
      u=${name^^}
      printf 'export %s=%q\n' "BED_${u}_URI" "sip:$name@127.0.0.1" "BED_${u}_CTL_PORT" "$ctl" \
        "BED_${u}_TONE_HZ" "$tone" "BED_${u}_WAV_DIR" "$RUN/bs-$name/snd"
    done
    if [[ -s "$RUN/ipv6" ]]; then
      printf 'export %s=%q\n' BED_SIP_UDP6 "[::1]:5060" BED_SIP_TCP6 "[::1]:5060"
    fi
    if [[ -n "$(pid_of coturn)" ]] && listening udp 3478; then
      printf 'export %s=%q\n' BED_STUN stun:127.0.0.1:3478 BED_TURN turn:127.0.0.1:3478 \
        BED_TURN_USER turnuser BED_TURN_PASS turnpass
    fi
  } >"$RUN/env"
}

# ---------------------------------------------------------------------------- run
NS_FLAGS=(-n -p -f --mount-proc)
((EUID == 0)) || NS_FLAGS=(-r "${NS_FLAGS[@]}")

cmd_run() {
  [[ "${1:-}" == -- ]] && shift
  (($#)) || die "usage: bed.sh run -- CMD..."
  command -v unshare >/dev/null || die "unshare missing (util-linux)"
  # A new network namespace (only lo) and PID namespace: if anything survives `stop`, the
  # kernel kills it when the namespace's init (_run_inner) exits. unshare itself ignores
  # TERM/INT while it waits, so they are forwarded to _run_inner, which stops the bed.
  local up rc=0
  unshare --kill-child=TERM "${NS_FLAGS[@]}" -- bash "$SELF" _run_inner "$@" <&0 &
  up=$!
  trap 'forward_term "$up"' TERM INT HUP
  while :; do
    rc=0
    wait "$up" || rc=$?
    if [[ -e /proc/$up ]] && ((rc > 128)); then continue; fi # a trapped signal interrupted wait
    break
  done
  return "$rc"
}
forward_term() { # unshare's pid: TERM its child (the netns' init)
  local c
  c="$(cat "/proc/$1/task/$1/children" 2>/dev/null || true)"
  # shellcheck disable=SC2086
  [[ -z "$c" ]] || kill -TERM $c 2>/dev/null || true
}

cmd_run_inner() {
  ip link set lo up
  local own=0 rc=0 sess
  if [[ -z "${BED_RUN:-}" ]]; then
    RUN="$(mktemp -d "/tmp/softphone-bed-$UID.XXXXXX")"
    own=1
  elif [[ -s "$RUN/pids" ]]; then
    # e.g. BED_RUN still set from `source $RUN/env` of a bed started with `start`
    die "a bed is already using $RUN (unset BED_RUN, or 'bed.sh stop' it first)"
  fi
  trap 'cmd_stop quiet' EXIT
  trap 'trap "" TERM INT HUP; log "interrupted: stopping the bed"; exit 143' TERM INT HUP
  cmd_start
  # shellcheck disable=SC1091
  source "$RUN/env"
  export CARGO_NET_OFFLINE=true
  # in the background + wait, so that a TERM is handled at once, not after CMD ends
  dbus-run-session -- bash "$SELF" _session "$@" <&0 &
  sess=$!
  wait "$sess" || rc=$?
  cmd_stop quiet
  if ((own)); then
    if ((rc == 0)) && [[ "${BED_KEEP:-0}" != 1 ]]; then rm -rf "$RUN"; else log "run dir kept: $RUN"; fi
  fi
  return "$rc"
}

# inside dbus-run-session: an unlocked gnome-keyring (Secret Service) + fresh session keyring
cmd_session() {
  local kr rc=0
  mkdir -p "$RUN/keyrings"
  printf %s bed | XDG_DATA_HOME="$RUN/keyrings" gnome-keyring-daemon --foreground --unlock \
    --components=secrets >"$RUN/keyring.log" 2>&1 &
  kr=$!
  record keyring "$kr"
  wait_for "gnome-keyring on D-Bus" 10 sh -c 'dbus-send --session --print-reply \
    --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \
    string:org.freedesktop.secrets | grep -q "boolean true"' || true
  command -v "$1" >/dev/null || { log "command not found: $1"; return 127; }
  keyctl session - "$@" || rc=$?
  kill "$kr" 2>/dev/null || true
  return "$rc"
}

# ---------------------------------------------------------------------------- selftest
PASS=0
FAIL=0
check() { # name timeout_s cmd...
  local name=$1 t=$2 out
  shift 2
  out="$RUN/checks/$(echo "$name" | tr -c 'A-Za-z0-9\n' _).log"
  # shell functions of this script run in a child bash so that timeout can bound them
  if declare -F "$1" >/dev/null; then set -- bash "$SELF" _fn "$@"; fi
  if timeout -k 3 "$t" "$@" >"$out" 2>&1 </dev/null; then
    echo "PASS $name"
    PASS=$((PASS + 1))
  else
    echo "FAIL $name"
    FAIL=$((FAIL + 1))
    sed 's/^/    /' "$out" | tail -n 15 >&2
  fi
}

sipp_ok() { # sipp args...; success iff sipp exits 0
  sipp "$@" -nostdin -timeout 15s -trace_err -error_file "$RUN/checks/sipp-err.log"
}
sipp_fails() { ! sipp_ok "$@"; }

newest_wav() { # dir suffix: newest "*-dec.wav" (what the peer received and decoded)
  find "$1" -name "*$2" -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n1 | cut -d' ' -f2-
}
wav_tone() { # peer expected_hz
  local w
  w="$(newest_wav "$RUN/bs-$1/snd" -dec.wav)"
  [[ -n "$w" ]] || { echo "no WAV dump in $RUN/bs-$1/snd"; return 1; }
  echo "$w"
  python3 "$BED_TONE" "$w" --expect "$2" --tol 0.05 --skip 0.5
}

chk_sipp_call() { # 1001's contact is a Record-Route aware sipp UAS; 1000 calls 1001
  local S="$HERE/sipp" uas rc=0
  sipp_ok -sf "$S/reg_auth.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5075 -au 1001 -ap secret1001 \
    -s 1001 -set contact_port 5072 -set expires 120 -m 1
  sipp -sf "$S/uas_rr.xml" -i 127.0.0.1 -p 5072 -mp 6200 -rtp_echo -nostdin -m 3 \
    -timeout 20s >"$RUN/checks/uas.log" 2>&1 </dev/null &
  uas=$!
  sleep 0.3
  sipp_ok -sf "$S/uac_auth.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5074 -mp 6300 \
    -au 1000 -ap secret1000 -s 1001 -set caller 1000 -m 3 -d 500 -trace_msg \
    -message_file "$RUN/checks/uac-msgs.log" || rc=1
  kill "$uas" 2>/dev/null || true
  wait "$uas" 2>/dev/null || true
  grep -q '407 Proxy Authentication Required' "$RUN/checks/uac-msgs.log" || { echo "no 407 seen"; rc=1; }
  grep -qi '^Record-Route:' "$RUN/checks/uac-msgs.log" || { echo "no Record-Route seen"; rc=1; }
  grep -q '^BYE ' "$RUN/checks/uac-msgs.log" || { echo "no BYE sent"; rc=1; }
  return "$rc"
}

chk_sipp_bob() { # sipp (PCMU) calls bob, echoes bob's RTP back; bob's dump must hold 440 Hz
  sipp_ok -sf "$HERE/sipp/uac_auth.xml" 127.0.0.1:5060 -i 127.0.0.1 -p 5076 -mp 6400 \
    -au 1000 -ap secret1000 -s bob -set caller 1000 -m 1 -d 2500 -rtp_echo
  sleep 0.5
  wav_tone bob 440
}

chk_baresip() { # caller callee callee_tone caller_tone
  python3 "$BED_CTL" --call "$1" "$2" "sip:$2@127.0.0.1"
  sleep 0.5
  wav_tone "$2" "$4"
  wav_tone "$1" "$3"
}

chk_opus() { # the last alice -> bob call used Opus
  grep -Ei 'opus' "$RUN/bs-bob/baresip.log" | tail -n 3
  grep -Eiq 'audio.*(opus|48000/2)' "$RUN/bs-bob/baresip.log"
}

chk_tls() { # port
  local out
  out="$(openssl s_client -connect "127.0.0.1:$1" -CAfile "$BED_TLS_CA" -verify_return_error \
    -verify_ip 127.0.0.1 -servername localhost </dev/null 2>&1)" || { echo "$out"; return 1; }
  echo "$out" | grep -E 'Verify return code|subject=|issuer='
  echo "$out" | grep -q 'Verify return code: 0 (ok)' || return 1
  # and the same server must NOT verify against the system CAs
  ! openssl s_client -connect "127.0.0.1:$1" -verify_return_error </dev/null >/dev/null 2>&1
}

chk_keyring() {
  local v
  v="bed-$RANDOM-$$"
  printf %s "$v" | secret-tool store --label="bed selftest" service softphone-bed account selftest
  [[ "$(secret-tool lookup service softphone-bed account selftest)" == "$v" ]]
  secret-tool clear service softphone-bed account selftest
  ! secret-tool lookup service softphone-bed account selftest
}

chk_pulse_devices() {
  pactl list short sinks
  pactl list short sources
  pactl list short sinks | awk '{print $2}' | grep -qx spk
  pactl list short sinks | awk '{print $2}' | grep -qx mic
  pactl list short sources | awk '{print $2}' | grep -qx mic.monitor
  pactl info | grep -E 'Default (Sink|Source)'
  pactl info | grep -qx 'Default Sink: spk'
  pactl info | grep -qx 'Default Source: mic.monitor'
}

chk_pulse_tone() { # sink source hz: play a sine into the sink, record its monitor, measure
  local raw="$RUN/checks/rec-$1.raw" wav="$RUN/checks/tone-$3.wav" rec
  sox -n -r 48000 -c 1 -b 16 "$wav" synth 2.5 sine "$3" vol 0.5
  parec -d "$2" --raw --format=s16le --rate=48000 --channels=1 >"$raw" &
  rec=$!
  sleep 0.3
  paplay --latency-msec=20 -d "$1" "$wav"
  sleep 0.2
  kill -INT "$rec" 2>/dev/null || true
  wait "$rec" 2>/dev/null || true
  python3 "$BED_TONE" "$raw" --raw 48000 1 --expect "$3" --tol 0.03 --skip 0.5
}

chk_stun() { turnutils_stunclient -p 3478 127.0.0.1 2>&1 | tee /dev/stderr | grep -qi 'reflexive'; }
chk_turn() { # two TURN allocations (long-term credentials) relaying to each other
  local out
  out="$(turnutils_uclient -u "$BED_TURN_USER" -w "$BED_TURN_PASS" -p 3478 -n 2 -m 1 -l 170 \
    -e 127.0.0.1 -r 3479 -y 127.0.0.1 2>&1)"
  echo "$out" | tail -n 6
  echo "$out" | grep -Eq 'tot_recv_msgs=[1-9]' && echo "$out" | grep -q 'Total lost packets 0 '
}

chk_webrtc() {
  local out="$RUN/checks/webrtc.log" line
  (cd "$RUN" && timeout -k 5 120 node "$HERE/webrtc/webrtc-call.mjs" "$@") >"$out" 2>&1 || true
  for s in "$@"; do
    line="$(grep -E "^(PASS|FAIL) webrtc $s\$" "$out" || true)"
    if [[ $line == PASS* ]]; then
      echo "PASS webrtc $s"
      PASS=$((PASS + 1))
    else
      echo "FAIL webrtc $s"
      FAIL=$((FAIL + 1))
    fi
  done
  if grep -q '^FAIL' "$out" || ! grep -q '^PASS' "$out"; then tail -n 40 "$out" | sed 's/^/    /' >&2; fi
}

cmd_checks() { # runs as the command of `run`
  local S="$HERE/sipp" t0=$SECONDS
  mkdir -p "$RUN/checks"
  cd "$RUN/checks"
  check "rtpengine ng ping" 10 python3 "$HERE/rtpengine/ng.py" ping
  check "sipp REGISTER digest (UDP)" 20 sipp_ok -sf "$S/reg_auth.xml" 127.0.0.1:5060 \
    -i 127.0.0.1 -p 5073 -au 1001 -ap secret1001 -s 1001 -set contact_port 5073 -set expires 60 -m 1
  check "sipp REGISTER digest (TCP)" 20 sipp_ok -sf "$S/reg_auth.xml" 127.0.0.1:5060 -t t1 \
    -i 127.0.0.1 -p 5077 -au 1001 -ap secret1001 -s 1001 -set contact_port 5077 -set expires 0 -m 1
  if [[ -n "${BED_SIP_UDP6:-}" ]]; then
    check "sipp REGISTER digest (UDP, IPv6 [::1])" 20 sipp_ok -sf "$S/reg_auth.xml" "[::1]:5060" \
      -i ::1 -p 5079 -au 1001 -ap secret1001 -s 1001 -set contact_port 5079 -set expires 0 -m 1
  fi
  check "sipp REGISTER wrong password rejected" 20 sipp_fails -sf "$S/reg_auth.xml" 127.0.0.1:5060 \
    -i 127.0.0.1 -p 5078 -au 1001 -ap WRONG -s 1001 -set contact_port 5078 -set expires 60 -m 1
  check "sipp call via proxy (407, Record-Route, BYE)" 40 chk_sipp_call
  check "sipp -> baresip bob (RTP echo, 440 Hz back)" 30 chk_sipp_bob
  check "baresip alice(TCP) -> bob(UDP) Opus + RFC 4733 DTMF" 40 chk_baresip alice bob 440 1000
  check "baresip alice -> bob negotiated Opus" 5 chk_opus
  check "baresip carol(TLS, SRTP) -> dave(UDP, SRTP)" 40 chk_baresip carol dave 3000 2000
  check "TLS 5061 cert verifies against BED_TLS_CA" 15 chk_tls 5061
  check "WSS 8443 cert verifies against BED_TLS_CA" 15 chk_tls 8443
  check "gnome-keyring Secret Service round trip" 20 chk_keyring
  check "PulseAudio null sinks spk/mic + default devices" 10 chk_pulse_devices
  check "PulseAudio tone into mic recorded from mic.monitor" 15 chk_pulse_tone mic mic.monitor 1000
  check "PulseAudio tone into spk recorded from spk.monitor" 15 chk_pulse_tone spk spk.monitor 700
  if [[ -n "${BED_STUN:-}" ]]; then
    check "coturn STUN binding" 10 chk_stun
    check "coturn TURN relay (allocate, relay both ways)" 20 chk_turn
  fi
  if [[ "${BED_WEBRTC:-1}" == 1 ]]; then
    if [[ -s "$RUN/www/jssip.bundle.js" ]]; then
      chk_webrtc ws-baresip wss-baresip jssip-jssip
    else
      echo "FAIL webrtc (no JsSIP bundle: run bed.sh install)"
      FAIL=$((FAIL + 1))
    fi
  fi
  log "checks took $((SECONDS - t0)) s"
  echo "bed: $PASS passed, $FAIL failed"
  ((FAIL == 0))
}

cmd_selftest() {
  [[ "${BED_NO_INSTALL:-0}" == 1 ]] || cmd_install
  cmd_run -- bash "$SELF" _checks
}

case "${1:-}" in
  install) cmd_install ;;
  start)
    trap 'rc=$?; ((rc == 0)) || cmd_stop quiet' EXIT
    cmd_start
    echo "bed up: source $RUN/env"
    ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  kamailio-stop) cmd_kamailio_stop ;;
  kamailio-start) cmd_kamailio_start ;;
  run)
    shift
    cmd_run "$@"
    ;;
  selftest) cmd_selftest ;;
  _run_inner)
    shift
    cmd_run_inner "$@"
    ;;
  _session)
    shift
    cmd_session "$@"
    ;;
  _checks)
    cmd_checks
    ;;
  _fn)
    shift
    "$@"
    ;;
  *)
    sed -n '2,24p' "$SELF"
    exit 2
    ;;
esac
