#!/usr/bin/env bash
# Bed-tier hook (scripts/test.sh runs tests/interop/*.sh inside `bed.sh run`): the WebRTC
# transport (crates/webrtc) against headless Chromium on loopback, both offer directions, plus
# relay-only through coturn when the bed runs it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
scenarios=(browser-offers rust-offers)
# relay-only through coturn (rust-offers-relay) joins once TURN gathering lands in the crate
exec bash tests/webrtc/run.sh "${scenarios[@]}"
