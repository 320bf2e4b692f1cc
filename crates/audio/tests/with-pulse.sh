#!/usr/bin/env bash
# Runs a command against a private PulseAudio with the test bed's null sinks, for developing the
# bed-tier tests of this crate without the whole bed:
#   crates/audio/tests/with-pulse.sh cargo test -p softphone-audio --test pulse_devices -- --ignored
# The server gets its own XDG_RUNTIME_DIR in a temp dir and is stopped (by PID) afterwards.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
NULL_PA="$HERE/../../../tests/bed/pulse/null.pa"
RUN="$(mktemp -d "${TMPDIR:-/tmp}/softphone-audio-pulse.XXXXXX")"
mkdir -m 700 "$RUN/xdg"
XDG_RUNTIME_DIR="$RUN/xdg" pulseaudio -n -F "$NULL_PA" --daemonize=no --exit-idle-time=-1 \
  --disallow-exit --use-pid-file=no --log-target=stderr >"$RUN/pulse.log" 2>&1 &
PID=$!
cleanup() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; rm -rf "$RUN"; }
trap cleanup EXIT
export XDG_RUNTIME_DIR="$RUN/xdg" PULSE_SERVER="unix:$RUN/xdg/pulse/native"
for _ in $(seq 50); do pactl info >/dev/null 2>&1 && break; sleep 0.1; done
pactl info >/dev/null || { cat "$RUN/pulse.log" >&2; exit 1; }
"$@"
