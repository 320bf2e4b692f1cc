#!/usr/bin/env bash
# Bed-tier hook (scripts/test.sh runs tests/interop/*.sh inside `bed.sh run`): the WebRTC
# transport (crates/webrtc) against headless Chromium on loopback, both offer directions, plus
# relay-only through coturn when the bed runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scenarios=(browser-offers rust-offers)
[ -n "${BED_TURN:-}" ] && scenarios+=(rust-offers-turn rust-offers-relay)
exec bash tests/webrtc/run.sh "${scenarios[@]}"
