#!/usr/bin/env bash
# Added one-way latency through a real call on loopback, device to device, with a chirp.
#
#   cargo build -p softphone-cli        # first: the bed namespace has no network
#   bash tests/bed/bed.sh run -- bash tests/bench/audio_latency.sh [ROUNDS]
#
# Phone A (bed user softphone) captures the bed's virtual microphone (PulseAudio null sink `mic`,
# source `mic.monitor`) and calls phone B (bed user sp2, auto-answer, silent WAV as its
# microphone), which plays the call on the virtual speaker `spk`. A combine sink plays each chirp
# into `mic` and `spk` at the same instant; the recording of `spk.monitor` then holds every chirp
# twice: directly, and after the trip capture → encode → RTP → jitter buffer → decode → playout.
# The distance between the two is the added one-way latency (tests/bench/latency_analyze.py).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/softphone/target}"
cli="$target/debug/softphone-cli"
py="$HOME/.cache/softphone/pesq-venv/bin/python"
rounds="${1:-8}"
: "${BED_SIP_UDP:?run inside tests/bed/bed.sh run}"
[ -x "$cli" ] || { echo "missing $cli: cargo build -p softphone-cli" >&2; exit 2; }
"$py" -c 'import numpy' 2>/dev/null || { echo "needs numpy in $py (see speech_quality.sh)" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
module=""
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [ -z "$module" ] || pactl unload-module "$module" 2>/dev/null || true
    [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

sox -n -r 48000 -c 1 -b 16 "$work/chirp.wav" synth 0.25 sine 400-3000 vol 0.5
sox -n -r 48000 -c 1 -b 16 "$work/silence.wav" trim 0 60
module="$(pactl load-module module-combine-sink sink_name=both slaves=mic,spk)"

codec="${CODEC:-opus}"
for who in caller callee; do
    user=$([ $who = caller ] && echo "$BED_USER" || echo "$BED_USER2")
    cat >"$work/$who.toml" <<TOML
address = "sip:${user}@${BED_DOMAIN}"
transport = "udp"
server = "${BED_SIP_UDP#*://}"
codecs = ["$codec"]
TOML
done
SOFTPHONE_PASSWORD="$BED_PASS2" "$cli" --account "$work/callee.toml" --auto-answer \
    --wav-in "$work/silence.wav" --timeout 120 listen >"$work/callee.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '"registered"' "$work/callee.log" && break; sleep 0.1; done
call_secs=$((rounds * 2 + 6))
SOFTPHONE_PASSWORD="$BED_PASS" "$cli" --account "$work/caller.toml" --wav-out "$work/a-heard.wav" \
    --timeout 60 call "sip:${BED_USER2}@${BED_DOMAIN}" --duration "$call_secs" >"$work/caller.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q '"active"' "$work/caller.log" && break; sleep 0.1; done
sleep 2   # devices open, playout settles
parecord -d spk.monitor --rate=48000 --channels=1 --format=s16le --file-format=wav "$work/spk.wav" &
rec=$!
pids+=($rec)
sleep 0.5
for _ in $(seq "$rounds"); do
    # Low latency: with paplay's default 2 s buffer the null sink behind the microphone
    # renders ahead in large blocks and its monitor loses audio.
    paplay --latency-msec=20 -d both "$work/chirp.wav"
    sleep 1.75
done
sleep 1
kill -INT "$rec" 2>/dev/null || true
wait "$rec" 2>/dev/null || true
negotiated="$(grep -o '"codec":"[a-z0-9]*"' "$work/caller.log" | head -1 | cut -d'"' -f4)"
echo "codec: ${negotiated:-$codec}"
"$py" "$here/latency_analyze.py" "$work/chirp.wav" "$work/spk.wav"
[ -z "${KEEP:-}" ] || cp "$work/spk.wav" "$KEEP/spk-latency.wav"
