#!/usr/bin/env bash
# Installs what is missing, builds the desktop app and launches it.
#   scripts/run.sh            build (debug) and start the app
#   scripts/run.sh --release  an optimised build
# With no account set up, dial "echo" to hear yourself: the built-in echo-test line.
set -euo pipefail
# shellcheck source=scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

profile=debug
cargo_flags=()
if [ "${1:-}" = --release ]; then profile=release; cargo_flags=(--release); fi

say "system packages"
apt_install "${BUILD_PKGS[@]}"
need_rust

say "build ($profile)"
cargo build "${cargo_flags[@]}" --locked -p softphone -p softphone-cli

say "launch"
app="$CARGO_TARGET_DIR/$profile/softphone"
echo "$app"
if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "No display found (DISPLAY/WAYLAND_DISPLAY unset): start it from a desktop session." >&2
  exit 1
fi
exec "$app"
