#!/usr/bin/env bash
# Added one-way latency through a real call on loopback, device to device, with a chirp; the
# softphone and, in the same run and through the same rig, baresip.
#
#   cargo build -p softphone-cli        # first: the bed namespace has no network
#   bash tests/bed/bed.sh run -- bash tests/bench/audio_latency.sh [ROUNDS]
#   env: CODEC=opus|pcmu (default opus), PHONES="softphone baresip" (default both), KEEP=DIR
#
# Phone A captures the bed's virtual microphone (PulseAudio null sink `mic`, source
# `mic.monitor`) and calls phone B (auto-answer, silent microphone), which plays the call on
# the virtual speaker `spk`. A combine sink plays each chirp into `mic` and `spk` at the same
# instant; the recording of `spk.monitor` then holds every chirp twice: directly, and after the
# trip capture → encode → RTP → jitter buffer → decode → playout. The distance between the two
# is the added one-way latency (tests/bench/latency_analyze.py prints median and p90).
#
# - softphone: bed users softphone → sp2 through the bed's Kamailio, default settings; B's
#   end-of-call jitter buffer and device ring counters are printed after the numbers.
# - baresip (1.0, Debian 12): two extra instances calling each other directly (no registrar),
#   with the bed's far-end config (tests/bed/baresip/config.template: baresip's default
#   `audio_buffer 20-160` and `jitter_buffer_delay 5-10`) and the ALSA `pulse` PCM as
#   devices: A records `pulse:DEVICE=mic.monitor`, B plays `pulse:DEVICE=spk`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bed="$here/../bed"
target="${CARGO_TARGET_DIR:-$HOME/.cache/softphone/target}"
cli="$target/debug/softphone-cli"
py="$HOME/.cache/softphone/pesq-venv/bin/python"
rounds="${1:-8}"
phones="${PHONES:-softphone baresip}"
codec="${CODEC:-opus}"
: "${BED_SIP_UDP:?run inside tests/bed/bed.sh run}"
"$py" -c 'import numpy' 2>/dev/null || { echo "needs numpy in $py (see speech_quality.sh)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
module=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    [ -z "$module" ] || pactl unload-module "$module" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

sox -n -r 48000 -c 1 -b 16 "$work/chirp.wav" synth 0.25 sine 400-3000 vol 0.5
sox -n -r 48000 -c 1 -b 16 "$work/silence.wav" trim 0 60
sox -n -r 48000 -c 2 -b 16 "$work/silence2.wav" trim 0 60   # baresip's aufile wants stereo
module="$(pactl load-module module-combine-sink sink_name=both slaves=mic,spk)"

# Records spk.monitor to $1 while ROUNDS chirps are played into `both`, then analyses it.
measure() {
    local out="$1" rec
    parecord -d spk.monitor --rate=48000 --channels=1 --format=s16le --file-format=wav "$out" &
    rec=$!
    sleep 0.5
    for _ in $(seq "$rounds"); do
        # Low latency: with paplay's default 2 s buffer the null sink behind the microphone
        # renders ahead in large blocks (which the capture absorbs, but the chirp would then
        # reach `mic` and `spk` at different times).
        paplay --latency-msec=20 -d both "$work/chirp.wav"
        sleep 1.75
    done
    sleep 1
    kill -INT "$rec" 2>/dev/null || true
    wait "$rec" 2>/dev/null || true
    "$py" "$here/latency_analyze.py" "$work/chirp.wav" "$out" || true
}

softphone() {
    [ -x "$cli" ] || { echo "missing $cli: cargo build -p softphone-cli" >&2; return 2; }
    local who user callee caller call_secs
    for who in caller callee; do
        user=$([ $who = caller ] && echo "$BED_USER" || echo "$BED_USER2")
        cat >"$work/$who.toml" <<TOML
address = "sip:${user}@${BED_DOMAIN}"
transport = "udp"
server = "${BED_SIP_UDP#*://}"
codecs = ["$codec"]
TOML
    done
    SOFTPHONE_LOG="${SOFTPHONE_LOG:-warn,softphone_engine::media_path=debug}" SOFTPHONE_PASSWORD="$BED_PASS2" \
        "$cli" --account "$work/callee.toml" --auto-answer --wav-in "$work/silence.wav" \
        --timeout 120 listen >"$work/callee.log" 2>&1 &
    callee=$!
    pids+=("$callee")
    for _ in $(seq 100); do grep -q '"registered"' "$work/callee.log" && break; sleep 0.1; done
    call_secs=$((rounds * 2 + 6))
    SOFTPHONE_PASSWORD="$BED_PASS" "$cli" --account "$work/caller.toml" --wav-out "$work/a-heard.wav" \
        --timeout 60 call "sip:${BED_USER2}@${BED_DOMAIN}" --duration "$call_secs" >"$work/caller.log" 2>&1 &
    caller=$!
    pids+=("$caller")
    for _ in $(seq 100); do grep -q '"active"' "$work/caller.log" && break; sleep 0.1; done
    sleep 2   # devices open, playout settles
    local negotiated
    negotiated="$(grep -o '"codec":"[a-z0-9]*"' "$work/caller.log" | head -1 | cut -d'"' -f4 || true)"
    echo "== softphone (codec ${negotiated:-$codec})"
    measure "$work/spk-softphone.wav"
    # The caller hangs up after --duration; the callee then logs its counters.
    wait "$caller" 2>/dev/null || true
    for _ in $(seq 30); do grep -q 'device rings at the end' "$work/callee.log" && break; sleep 0.1; done
    sed 's/\x1b\[[0-9;]*m//g' "$work/callee.log" | grep -E 'at the end of the call' | sed 's/^.*DEBUG //' || true
    kill "$callee" 2>/dev/null || true
}

# A baresip instance in $work/bs-$1: sip port $2, ctrl port $3, cons port $4, RTP ports $5,
# source $6, player $7.
baresip_peer() {
    local d="$work/bs-$1" codecs
    case "$codec" in
        opus) codecs="opus/48000/2" ;;
        *) codecs="$codec" ;;
    esac
    mkdir -p "$d/snd"
    sed -e "s/@SIP_PORT@/$2/" -e "s/@CTRL_PORT@/$3/" -e "s/@CONS_PORT@/$4/" -e "s/@RTP_PORTS@/$5/" \
        -e "s|@AUSRC@|$6|" -e "s|@SND_PATH@|$d/snd|" -e "s|@CAFILE@|$BED_RUN/tls/ca.crt|" \
        -e "s|^audio_player.*|audio_player\t\t$7|" -e "/^module\t*sndfile.so/d" \
        "$bed/baresip/config.template" >"$d/config"
    echo "<sip:lat-$1@127.0.0.1:$2;transport=udp>;regint=0;audio_codecs=$codecs;answermode=auto" >"$d/accounts"
    : >"$d/contacts"
    baresip -f "$d" >"$d/baresip.log" 2>&1 &
    pids+=($!)
}

baresip_rig() {
    command -v baresip >/dev/null || { echo "baresip not installed: skipped"; return 0; }
    baresip_peer a 5192 4450 5570 20600-20699 "alsa,pulse:DEVICE=mic.monitor" "alsa,null"
    baresip_peer b 5194 4451 5571 20700-20799 "aufile,$work/silence2.wav" "alsa,pulse:DEVICE=spk"
    for port in 4450 4451; do
        for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    done
    python3 "$bed/baresip/ctl.py" 4450 dial "sip:lat-b@127.0.0.1:5194" --wait 3 >"$work/bs-dial.log" || true
    if ! grep -q CALL_ESTABLISHED "$work/bs-dial.log"; then
        echo "baresip call not established:"; cat "$work/bs-dial.log"; tail -n 20 "$work/bs-a/baresip.log"
        return 1
    fi
    echo "== baresip $(baresip -h 2>&1 | grep -o 'baresip v[0-9.]*' | head -1) (codec $codec, config: tests/bed/baresip/config.template)"
    measure "$work/spk-baresip.wav"
    python3 "$bed/baresip/ctl.py" 4450 hangup --wait 0.5 >/dev/null || true
}

for phone in $phones; do
    case "$phone" in
        softphone) softphone ;;
        baresip) baresip_rig ;;
        *) echo "unknown phone $phone" >&2; exit 2 ;;
    esac
done
[ -z "${KEEP:-}" ] || cp "$work"/spk-*.wav "$KEEP/"
