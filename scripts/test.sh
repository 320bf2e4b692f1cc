#!/usr/bin/env bash
# Installs what the tests need and runs the whole suite, tier by tier, ending with one line:
#   tests: N passed, M failed
#
#   scripts/test.sh                 every tier
#   scripts/test.sh unit ui         only the named tiers
# Tiers:
#   static  cargo fmt --check, clippy with warnings denied, shellcheck-free sanity
#   unit    unit, scenario and property tests (cargo test), no network, no devices
#   bed     the loopback test bed (Kamailio, baresip, sipp, rtpengine, JsSIP in Chromium,
#           PulseAudio null sinks, gnome-keyring) in a private network namespace: its
#           self-test, then every #[ignore]d test (the bed tier) and the interop scripts
#   ui      the UI in headless Chromium with mocked IPC (node --test tests/ui/)
#   e2e     the real app under Xvfb inside the test bed, driven over WebDriver: settings screen,
#           registration with the password in gnome-keyring, calls with baresip, screenshots
#   package the release build bundled as a .deb, and the package's contents checked
set -uo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$ROOT" || exit 1

ALL_TIERS=(static unit bed ui e2e package)
tiers=("$@")
((${#tiers[@]})) || tiers=("${ALL_TIERS[@]}")
for t in "${tiers[@]}"; do
  case " ${ALL_TIERS[*]} " in *" $t "*) ;; *) echo "unknown tier: $t (tiers: ${ALL_TIERS[*]})" >&2; exit 2 ;; esac
done
want() { case " ${tiers[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }

LOGS="$(mktemp -d "${TMPDIR:-/tmp}/softphone-test.XXXXXX")"
PASSED=0 FAILED=0
declare -a REPORT=()

# count LOG: prints the pass and fail counts the runners printed in LOG.
count() {
  local p f
  read -r p f < <(awk '
    /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
    /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
    /^bed: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
    /^check: [0-9]+ passed, [0-9]+ failed$/ { p += $2; f += $4 }
    END { print p + 0, f + 0 }' "$1")
  echo "$p $f"
}

# step NAME CMD...: runs CMD with its output shown and logged; a step that fails without a
# failing test in its output (a build error, a crash) counts as one failed test.
step() {
  local name=$1; shift
  local log="$LOGS/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log"
  say "$name"
  local start=$SECONDS rc=0
  "$@" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  local p f
  read -r p f < <(count "$log")
  if ((rc != 0 && f == 0)); then f=1; fi
  PASSED=$((PASSED + p)) FAILED=$((FAILED + f))
  REPORT+=("$(printf '%-44s %4d passed %3d failed %5ds%s' "$name" "$p" "$f" $((SECONDS - start)) "$( ((rc)) && echo "  (exit $rc)")")")
  return 0
}

# check NAME CMD...: a step whose only result is its exit status.
check() {
  local name=$1; shift
  step "$name" bash -c '"$@" && echo "check: 1 passed, 0 failed" || { echo "check: 0 passed, 1 failed"; exit 1; }' _ "$@"
}

say "system packages and tools"
pkgs=("${BUILD_PKGS[@]}")
want e2e || want ui || want bed && pkgs+=("${TEST_PKGS[@]}")
apt_install "${pkgs[@]}" || { echo "package installation failed" >&2; exit 1; }
need_rust
if want ui || want bed || want e2e || want package; then need_node || { echo "node installation failed" >&2; exit 1; }; fi
if want static; then rustup component list --installed 2>/dev/null | grep -q clippy || rustup component add clippy rustfmt; fi
if want ui || want bed || want e2e; then npm_ci || { echo "npm ci failed" >&2; exit 1; }; fi
if want bed || want e2e; then bash tests/bed/bed.sh install || { echo "test bed installation failed" >&2; exit 1; }; fi

if want static; then
  check "format (cargo fmt --check)" cargo fmt --all --check
  check "lint (clippy -D warnings)" cargo clippy --workspace --all-targets --locked -- -D warnings
fi

if want unit; then
  step "unit and scenario tests (cargo test)" cargo test --workspace --locked --no-fail-fast
fi

if want bed; then
  # Build first: the bed's network namespace cannot reach the registries.
  check "build for the bed tier" cargo test --workspace --locked --no-run
  check "build the CLI and the app" cargo build --workspace --locked
  step "test bed self-test" env BED_NO_INSTALL=1 bash tests/bed/bed.sh selftest
  step "bed tier (cargo test -- --ignored)" bash tests/bed/bed.sh run -- \
    cargo test --workspace --locked --offline --no-fail-fast -- --ignored --test-threads=1
  for t in tests/interop/*.sh; do
    [ -e "$t" ] || continue
    step "interop: $(basename "$t" .sh)" bash tests/bed/bed.sh run -- bash "$t"
  done
fi

if want ui; then
  step "UI tests (headless Chromium, mocked IPC)" node --test --test-reporter=tap tests/ui/
fi

if want e2e; then
  # The same build as the bed tier's (feature unification differs for `-p softphone` alone,
  # which would rebuild Tauri for nothing).
  check "build the app" cargo build --workspace --locked
  step "end to end (real app, test bed, Xvfb, WebDriver)" timeout 900 bash tests/bed/bed.sh run -- \
    xvfb-run -a -s "-screen 0 1280x800x24" bash tests/e2e/run.sh "$CARGO_TARGET_DIR/debug/softphone"
fi

if want package; then
  step "package (.deb built and checked)" bash tests/e2e/deb.sh
fi

say "summary (logs in $LOGS)"
printf '%s\n' "${REPORT[@]}"
echo
echo "tests: $PASSED passed, $FAILED failed"
((FAILED == 0))
