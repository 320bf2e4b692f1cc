#!/usr/bin/env bash
# Median time from offer to ICE connected and to DTLS connected, Rust WebRtcSession <->
# headless Chromium on 127.0.0.1, over N runs of each offer direction (default 5). Inside the bed:
#   bash tests/bed/bed.sh run -- bash tests/webrtc/measure.sh [N]
# Offer mode counts from create_offer (including the browser's answer); answer mode from the
# moment the browser's offer reaches the Rust side. Not a test: prints numbers only.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
n=${1:-5}
log=$(mktemp)
for _ in $(seq "$n"); do
  WEBRTC_SECS=1 bash tests/webrtc/run.sh browser-offers rust-offers ${BED_TURN:+rust-offers-relay} 2>/dev/null | grep '^TIMING ' >>"$log"
done
python3 - "$log" <<'PY'
import json, statistics, sys
rows = [json.loads(l.split(' ', 1)[1]) for l in open(sys.argv[1])]
for sc in sorted({r['scenario'] for r in rows}):
    rs = [r for r in rows if r['scenario'] == sc and r.get('dtls_connected_ms')]
    ice = statistics.median(r['ice_connected_ms'] for r in rs)
    dtls = statistics.median(r['dtls_connected_ms'] for r in rs)
    print(f"{sc}: runs={len(rs)} median offer->ICE connected {ice:.0f} ms, offer->DTLS connected {dtls:.0f} ms")
PY
rm -f "$log"
