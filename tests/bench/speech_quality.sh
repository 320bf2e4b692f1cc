#!/usr/bin/env bash
# Speech quality through a real call, with seeded packet loss, scored with PESQ (ITU-T P.862).
#
#   cargo build -p softphone-cli -p softphone-impair     # first: the bed namespace has no network
#   bash tests/bed/bed.sh run -- bash tests/bench/speech_quality.sh [pcmu|pcma|opus ...]
#
# The caller (bed user softphone) plays LibriVox speech from Debian's pocketsphinx-testdata; the
# callee (bed user sp2) reaches Kamailio through tools/impair, which relays the RTP sent to the
# callee with 0/5/10/20 % random loss and 10 % bursty loss (mean burst 4 packets), seeded. The
# callee records what it decodes; tests/bench/pesq_score.py aligns it with the reference and
# prints NB-PESQ (MOS-LQO) of the audio path, plus how much of the call's start never arrived
# ("start clipped", left out of the score: a separate finding). Goals (issue 4): >= 4.2 clean, >= 3.6 / 3.4 / 2.7 at 5 / 10 / 20 %.
# Needs: sox, the PyPI `pesq` package (installed into $HOME/.cache/softphone/pesq-venv here).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
target="${CARGO_TARGET_DIR:-$HOME/.cache/softphone/target}"
cli="$target/debug/softphone-cli"
impair="$target/debug/softphone-impair"
venv="$HOME/.cache/softphone/pesq-venv"
: "${BED_SIP_UDP:?run inside tests/bed/bed.sh run}"
for b in "$cli" "$impair"; do
    [ -x "$b" ] || { echo "missing $b: cargo build -p softphone-cli -p softphone-impair" >&2; exit 2; }
done
if ! "$venv/bin/python" -c 'import pesq, numpy' 2>/dev/null; then
    echo "PESQ needs: python3 -m venv $venv && $venv/bin/pip install pesq numpy (PyPI)" >&2
    exit 2
fi
speech_dir=/usr/share/pocketsphinx/test/data/librivox
[ -d "$speech_dir" ] || { echo "apt-get install pocketsphinx-testdata" >&2; exit 2; }

work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; [ -n "${KEEP:-}" ] || rm -rf "$work"; }
trap cleanup EXIT

# About 12 s of natural speech, 16 kHz mono, with 0.5 s of silence at each end.
mapfile -t parts < <(ls "$speech_dir"/*.wav | head -3)
sox "${parts[@]}" -r 16000 -c 1 -b 16 "$work/speech.wav" pad 0.5 0.5
ref_secs="$(soxi -D "$work/speech.wav")"

codecs=("${@:-pcmu}")
proxy_port=5070
printf '%-6s %-14s %8s  %s\n' codec condition loss% 'PESQ'
for codec in "${codecs[@]}"; do
  for cond in ${CONDITIONS:-"0:1" "5:1" "10:1" "20:1" "10:4"}; do
    loss="${cond%%:*}" burst="${cond##*:}"
    name="${loss}%$([ "$burst" = 1 ] && echo " random" || echo " bursty")"
    proxy_port=$((proxy_port + 1))
    "$impair" --listen "127.0.0.1:$proxy_port" --upstream "${BED_SIP_UDP#*://}" \
        --loss "$loss" --burst "$burst" --seed 42 2>"$work/impair.log" &
    pids+=($!)
    cat >"$work/callee.toml" <<TOML
address = "sip:${BED_USER2}@${BED_DOMAIN}"
transport = "udp"
server = "127.0.0.1:$proxy_port"
codecs = ["$codec"]
TOML
    cat >"$work/caller.toml" <<TOML
address = "sip:${BED_USER}@${BED_DOMAIN}"
transport = "udp"
server = "${BED_SIP_UDP#*://}"
codecs = ["$codec"]
TOML
    rm -f "$work/out.wav"
    SOFTPHONE_PASSWORD="$BED_PASS2" "$cli" --account "$work/callee.toml" --auto-answer \
        --wav-out "$work/out.wav" --timeout 120 listen >"$work/callee.log" 2>&1 &
    callee=$!
    pids+=($callee)
    for _ in $(seq 100); do
        grep -q '"registered"' "$work/callee.log" && break
        sleep 0.1
    done
    SOFTPHONE_PASSWORD="$BED_PASS" "$cli" --account "$work/caller.toml" --wav-in "$work/speech.wav" \
        --timeout 60 call "sip:${BED_USER2}@${BED_DOMAIN}" --duration "$(python3 -c "print($ref_secs + 1.5)")" \
        >"$work/caller.log" 2>&1 || { echo "call failed:"; tail -5 "$work/caller.log"; }
    sleep 1
    kill -INT "$callee" 2>/dev/null || true
    wait "$callee" 2>/dev/null || true
    measured="$(tail -1 "$work/impair.log" | sed -n 's/.*loss=\([0-9.]*\)%.*/\1/p')"
    if [ -s "$work/out.wav" ]; then
        score="$("$venv/bin/python" "$here/pesq_score.py" "$work/speech.wav" "$work/out.wav")"
    else
        score="no-audio"
    fi
    printf '%-6s %-14s %8s  %s\n' "$codec" "$name" "${measured:-?}" "$score"
    [ -z "${KEEP:-}" ] || { cp "$work/out.wav" "$KEEP/out-$codec-$loss-$burst.wav"; cp "$work/callee.log" "$KEEP/callee-$codec-$loss-$burst.log"; cp "$work/caller.log" "$KEEP/caller-$codec-$loss-$burst.log"; } 2>/dev/null || true
    kill "${pids[0]}" 2>/dev/null || true
    pids=("${pids[@]:1}")
  done
done
