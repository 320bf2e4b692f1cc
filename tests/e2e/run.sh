#!/usr/bin/env bash
# End-to-end tests of the real app: tauri-driver + WebKitWebDriver, inside an X display and a
# D-Bus session that the caller provides:
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash tests/e2e/run.sh "$CARGO_TARGET_DIR/debug/softphone"
# UPDATE_SCREENSHOTS=1 writes docs/screenshots/app-*.png; otherwise screenshots go to a temp dir.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 APP_BINARY" >&2; exit 2; }
APP="$(realpath "$1")"
[ -x "$APP" ] || { echo "no app binary at $APP" >&2; exit 2; }
cd "$(dirname "$0")/../.."

TOOLS="${SOFTPHONE_TOOLS:-$HOME/.cache/softphone/tools}"
export PATH="$TOOLS/bin:$PATH"
if ! command -v tauri-driver >/dev/null; then
  echo "installing tauri-driver 2.1.0 into $TOOLS"
  cargo install tauri-driver --version 2.1.0 --locked --root "$TOOLS"
fi
[ -x /usr/bin/WebKitWebDriver ] || { echo "WebKitWebDriver missing: apt-get install webkit2gtk-driver" >&2; exit 2; }

WORK="$(mktemp -d -t softphone-e2e-XXXXXX)"
# A private config dir, log file and no keyring: the user's settings are never touched, and the
# run does not depend on a keyring daemon being unlocked.
export SOFTPHONE_CONFIG_DIR="$WORK/config" SOFTPHONE_LOG_FILE="$WORK/softphone.log"
export SOFTPHONE_KEYRING=none SOFTPHONE_NO_OPEN=1 NO_AT_BRIDGE=1
mkdir -p "$SOFTPHONE_CONFIG_DIR"

PORT=$((20000 + RANDOM % 20000))
tauri-driver --port "$PORT" --native-port "$((PORT + 1))" --native-driver /usr/bin/WebKitWebDriver \
  >"$WORK/driver.log" 2>&1 &
DRIVER=$!
cleanup() {
  kill "$DRIVER" 2>/dev/null || true
  wait "$DRIVER" 2>/dev/null || true
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
for _ in $(seq 200); do
  (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
  sleep 0.1
done

status=0
WD_URL="http://127.0.0.1:$PORT" APP="$APP" node --test tests/e2e/ || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- driver log"; tail -n 40 "$WORK/driver.log" || true
  echo "--- app log"; tail -n 40 "$SOFTPHONE_LOG_FILE" 2>/dev/null || true
fi
exit "$status"
