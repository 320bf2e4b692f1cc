#!/usr/bin/env bash
# End-to-end tests of the real app: tauri-driver + WebKitWebDriver, inside an X display and a
# D-Bus session that the caller provides. Inside the test bed (Kamailio, baresip, gnome-keyring;
# what scripts/test.sh does) it also runs the real-engine scenarios of bed.test.mjs:
#   bash tests/bed/bed.sh run -- xvfb-run -a -s "-screen 0 1280x800x24" bash tests/e2e/run.sh "$CARGO_TARGET_DIR/debug/softphone"
# Outside the bed only app.test.mjs runs:
#   xvfb-run -a -s "-screen 0 1280x800x24" dbus-run-session -- bash tests/e2e/run.sh "$CARGO_TARGET_DIR/debug/softphone"
# E2E_TEST_PATTERN=REGEX runs only the matching tests (node --test-name-pattern).
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
DRIVER=""
stop_driver() {
  [ -n "$DRIVER" ] || return 0
  kill "$DRIVER" 2>/dev/null || true
  wait "$DRIVER" 2>/dev/null || true
  DRIVER=""
}
cleanup() {
  stop_driver
  if [ "${E2E_KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
export SOFTPHONE_NO_OPEN=1 NO_AT_BRIDGE=1

# suite NAME KEYRING TEST_FILE: runs one test file against apps started by a fresh tauri-driver
# (the app inherits the driver's environment), with a private config dir and log file, so the
# user's settings are never touched.
suite() {
  local name=$1 keyring=$2 file=$3 status=0
  export SOFTPHONE_CONFIG_DIR="$WORK/$name/config" SOFTPHONE_LOG_FILE="$WORK/$name/softphone.log"
  export SOFTPHONE_KEYRING="$keyring"
  mkdir -p "$SOFTPHONE_CONFIG_DIR"
  local port=$((20000 + RANDOM % 20000))
  tauri-driver --port "$port" --native-port "$((port + 1))" --native-driver /usr/bin/WebKitWebDriver \
    >"$WORK/$name/driver.log" 2>&1 &
  DRIVER=$!
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
    sleep 0.1
  done
  local only=()
  [ -z "${E2E_TEST_PATTERN:-}" ] || only=(--test-name-pattern="$E2E_TEST_PATTERN")
  WD_URL="http://127.0.0.1:$port" APP="$APP" node --test "${only[@]}" "$file" || status=$?
  stop_driver
  if [ "$status" -ne 0 ]; then
    echo "--- $name: driver log"; tail -n 40 "$WORK/$name/driver.log" || true
    echo "--- $name: app log"; tail -n 60 "$SOFTPHONE_LOG_FILE" 2>/dev/null || true
  fi
  return "$status"
}

status=0
SUITES=" ${E2E_SUITES:-app bed} "   # E2E_SUITES=bed runs only the bed scenarios
# No keyring: the run does not depend on a keyring daemon.
[[ "$SUITES" != *" app "* ]] || suite app none tests/e2e/app.test.mjs || status=1
# Started minimised (the autostart entry): no WebDriver session, the app is started directly.
[[ "$SUITES" != *" app "* ]] || suite minimised none tests/e2e/minimised.test.mjs || status=1
if [[ "$SUITES" != *" bed "* ]]; then
  :
elif [ -n "${BED_RUN:-}" ]; then
  # Inside the test bed: the real engine against Kamailio and baresip, the bed's gnome-keyring.
  suite bed system tests/e2e/bed.test.mjs || status=1
else
  echo "not inside the test bed (no BED_RUN): skipping tests/e2e/bed.test.mjs"
fi
exit "$status"
