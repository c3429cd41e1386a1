#!/usr/bin/env bash
#! Installs whatever this machine lacks to build, serve and test covlens; idempotent, skips what is present.
# Facts behind each step: ../shared/TOOLCHAIN.md (trunk 0.21, wasm-bindgen-cli = Cargo.lock's version,
# wasm-opt from npm binaryen@132, Debian chromium + chromedriver, playwright-core from npm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
want_browser=${WANT_BROWSER:-1}
want_peers=${WANT_PEERS:-0}
log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$root/node_modules/.bin:$PATH"

# wasm target
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  log "adding rustup target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen CLI at exactly the version Cargo.lock pins
wb_version=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/,""); print; exit}' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wb_version" ]; then
  log "installing wasm-bindgen-cli $wb_version (about 4 minutes)"
  cargo install wasm-bindgen-cli --version "=$wb_version" --force
fi

# trunk 0.21 (0.22 needs a newer rustc)
if ! trunk --version 2>/dev/null | grep -q '^trunk 0\.21\.'; then
  log "installing trunk 0.21 (about 6 minutes)"
  cargo install trunk --version '~0.21' --locked --force
fi

# debian packages: chromium for browser tests, xmllint to validate written XML against the DTDs
apt_missing=()
command -v xmllint >/dev/null || apt_missing+=(libxml2-utils)
if [ "$want_browser" = 1 ]; then
  command -v chromium >/dev/null || apt_missing+=(chromium)
  command -v chromedriver >/dev/null || apt_missing+=(chromium-driver)
fi
if [ "${#apt_missing[@]}" -gt 0 ]; then
  log "apt-get install ${apt_missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

# npm: wasm-opt (binaryen@132) and playwright-core, pinned by package-lock.json
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci (binaryen, playwright-core)"
  npm ci --no-audit --no-fund --loglevel=error
fi
