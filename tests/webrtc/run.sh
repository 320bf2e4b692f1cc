#!/usr/bin/env bash
# Browser interop for crates/webrtc: headless Chromium <-> the Rust WebRtcSession driver on
# 127.0.0.1 (ICE + DTLS-SRTP + Opus both ways). Run inside the test bed:
#   bash tests/bed/bed.sh run -- bash tests/webrtc/run.sh [SCENARIO...]
# (the bed's netns has only lo; build before entering it — this script builds with --offline).
# SCENARIO: browser-offers rust-offers (default both); rust-offers-relay needs coturn (BED_TURN).
# Ends with "# pass N" / "# fail M" (scripts/test.sh counts those).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
cargo build -p softphone-webrtc --example browser_peer --offline --locked --quiet
export WEBRTC_PEER_BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/browser_peer"
export RUST_LOG="${RUST_LOG:-warn}"
exec node tests/webrtc/browser-interop.mjs "$@"
