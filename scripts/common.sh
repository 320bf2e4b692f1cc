# Shared by scripts/run.sh and scripts/test.sh: paths, caches, and idempotent installs.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export SOFTPHONE_CACHE="${SOFTPHONE_CACHE:-$HOME/.cache/softphone}"
# Build outputs and tools live outside the clone, so a fresh clone does not rebuild the world.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$SOFTPHONE_CACHE/target}"
export PATH="$SOFTPHONE_CACHE/tools/bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
export DEBIAN_FRONTEND=noninteractive

say() { printf '\n=== [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

# What building and running the app needs (Debian 12 / Ubuntu 24.04 names).
BUILD_PKGS=(build-essential pkg-config file cmake libssl-dev libwebkit2gtk-4.1-dev
  libayatana-appindicator3-dev librsvg2-dev libxdo-dev libasound2-dev libasound2-plugins
  libdbus-1-dev gnome-keyring)
# What the tests need on top (the test bed installs its own peers: tests/bed/bed.sh install).
TEST_PKGS=(xvfb xauth dbus dbus-x11 at-spi2-core webkit2gtk-driver chromium imagemagick
  valgrind)

# apt_install PKG...: installs the packages that are not installed yet; nothing when all are.
apt_install() {
  local p missing=()
  for p in "$@"; do
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" = installed ] || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  local sudo=()
  ((EUID == 0)) || sudo=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 \
    install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Node.js and npm (for the UI tests): Debian's packages when no node is installed yet; a node
# from elsewhere (nodesource, nvm) is used as it is.
need_node() {
  command -v node >/dev/null && command -v npm >/dev/null && return 0
  apt_install nodejs npm
}

# Rust comes from rustup (Debian's cargo is too old for Tauri 2).
need_rust() {
  if ! command -v cargo >/dev/null; then
    echo "Rust is not installed. Install it with:" >&2
    echo "  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y" >&2
    echo "then open a new shell and run this script again." >&2
    exit 1
  fi
}

npm_ci() {
  # node_modules is rebuilt only when the lockfile changed since the last install.
  local stamp="$ROOT/node_modules/.installed-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$ROOT/package-lock.json" "$stamp"; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error) && cp "$ROOT/package-lock.json" "$stamp"
  fi
}
