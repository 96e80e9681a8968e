#!/usr/bin/env bash
# The end-to-end tests of `backprop serve`: the real page in headless Chromium (Debian's
# package, driven by playwright-core from npm). Installs what is missing, then runs them
# against the release binary (`cargo test --release` has built it).
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
# The Chinese pages' font.
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
fi
[ -x target/release/backprop ] || cargo build --release
cd web/e2e
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund
npm test
