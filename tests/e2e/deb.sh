#!/usr/bin/env bash
# Builds the .deb (release build + Tauri's bundler, offline) and checks what is in it:
#   bash tests/e2e/deb.sh            # build, then check
#   bash tests/e2e/deb.sh --no-build # check the .deb built last
# The Tauri CLI comes from npm (@tauri-apps/cli, pinned below) into the cache, not package.json:
# the registry here lacks the other platforms' optional binaries, so a lockfile with it would
# break `npm ci` (see /work/shared/TAURI-NOTES.md). Ends with "check: N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
ROOT="$PWD"
CACHE="${SOFTPHONE_CACHE:-$HOME/.cache/softphone}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$CACHE/target}"
TAURI_CLI_VERSION=2.12.5
CLI_DIR="$CACHE/tauri-cli-$TAURI_CLI_VERSION"
TAURI="$CLI_DIR/node_modules/.bin/tauri"
VERSION="$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' src-tauri/tauri.conf.json | head -1)"
DEB="$CARGO_TARGET_DIR/release/bundle/deb/Softphone_${VERSION}_amd64.deb"

if [ "${1:-}" != "--no-build" ]; then
  if [ ! -x "$TAURI" ]; then
    echo "installing @tauri-apps/cli@$TAURI_CLI_VERSION into $CLI_DIR"
    mkdir -p "$CLI_DIR"
    npm install --no-audit --no-fund --loglevel=error --prefix "$CLI_DIR" "@tauri-apps/cli@$TAURI_CLI_VERSION" || exit 1
  fi
  start=$SECONDS
  rm -f "$DEB"
  "$TAURI" build --ci --bundles deb || { echo "check: 0 passed, 1 failed"; exit 1; }
  echo "release build + .deb: $((SECONDS - start)) s"
fi

PASS=0 FAIL=0
ok() { echo "ok - $1"; PASS=$((PASS + 1)); }
bad() { echo "not ok - $1"; FAIL=$((FAIL + 1)); }
expect() { # expect DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null 2>&1; then ok "$what"; else bad "$what"; fi
}

if [ ! -f "$DEB" ]; then
  bad "the .deb exists ($DEB)"
  echo "check: $PASS passed, $FAIL failed"
  exit 1
fi
ok "the .deb exists: $(basename "$DEB") ($(du -h "$DEB" | cut -f1))"
INFO="$(dpkg-deb -I "$DEB")"
LIST="$(dpkg-deb -c "$DEB")"
echo "$INFO" | sed -n '/Package:/,$p'
echo "$LIST" | awk '{print $6}'
X="$(mktemp -d)"
trap 'rm -rf "$X"' EXIT
dpkg-deb -x "$DEB" "$X"

expect "package name and version" grep -qx " Package: softphone" <<<"$INFO"
grep -q "^ Version: $VERSION" <<<"$INFO" && ok "version $VERSION" || bad "version $VERSION"
for dep in libwebkit2gtk-4.1-0 libgtk-3-0; do
  grep -q "^ Depends:.*$dep" <<<"$INFO" && ok "Depends: $dep" || bad "Depends: $dep"
done
expect "the binary is /usr/bin/softphone, an x86-64 ELF executable" \
  bash -c "file -L '$X/usr/bin/softphone' | grep -q 'ELF 64-bit.*x86-64'"
expect "every shared library of the binary resolves on this system" \
  bash -c "! ldd '$X/usr/bin/softphone' | grep -q 'not found'"
# Tauri marks the bundle type inside the packaged copy, so it is not byte-identical to the build.
expect "the packaged binary is this app (its identifier org.softphone.desktop inside)" grep -q "org.softphone.desktop" "$X/usr/bin/softphone"
DESKTOP="$X/usr/share/applications/Softphone.desktop"
expect "a desktop entry at /usr/share/applications/Softphone.desktop" test -f "$DESKTOP"
if [ -f "$DESKTOP" ]; then
  cat "$DESKTOP"
  for scheme in sip tel callto; do
    grep -q "^MimeType=.*x-scheme-handler/$scheme;" "$DESKTOP" && ok "desktop entry handles $scheme: links" \
      || bad "desktop entry handles $scheme: links"
  done
  expect "desktop entry: Exec=softphone %u (the link reaches argv)" grep -qx "Exec=softphone %u" "$DESKTOP"
  expect "desktop entry: Icon=softphone" grep -qx "Icon=softphone" "$DESKTOP"
  expect "desktop entry: no template placeholders left" bash -c "! grep -q '{{' '$DESKTOP'"
  if command -v desktop-file-validate >/dev/null; then
    expect "desktop-file-validate accepts the entry" desktop-file-validate "$DESKTOP"
  fi
fi
for size in 32x32 128x128 256x256@2; do
  icon="$X/usr/share/icons/hicolor/$size/apps/softphone.png"
  expect "icon $size" bash -c "file '$icon' | grep -q 'PNG image data'"
done
outside="$(awk '{print $6}' <<<"$LIST" | sed 's|^\./||' | grep -v '^usr\(/\|$\)\|^$' || true)"
[ -z "$outside" ] && ok "no files outside /usr" || bad "no files outside /usr: $outside"

echo "check: $PASS passed, $FAIL failed"
((FAIL == 0))
