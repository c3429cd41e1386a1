#!/usr/bin/env bash
# Runs every covlens test: installs what is missing, then lints, native tests, the wasm build of the core,
# bench and fuzz builds, the release web build, wasm-bindgen tests and Playwright tests in headless Chromium.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh

step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
if [ "${CI:-}" = true ]; then export RUSTFLAGS="${RUSTFLAGS:-} -D warnings"; fi

step "format"
cargo fmt --all --check

step "clippy (native, all targets)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "covlens-core builds for wasm32-unknown-unknown (the sans-IO invariant)"
cargo build -p covlens-core --target wasm32-unknown-unknown --quiet

step "native tests (unit, property, conformance, corpus, CLI)"
cargo test --workspace --quiet

step "benches and fuzz targets compile"
cargo bench -p covlens-core --no-run --quiet
if [ -f fuzz/Cargo.toml ]; then bash scripts/fuzz-build.sh; fi

step "web: release build with trunk"
trunk build --release --offline

step "web: wasm-bindgen-test in headless Chromium"
cargo test -p covlens-web --target wasm32-unknown-unknown

step "web: Playwright end-to-end tests in headless Chromium"
node --test tests/e2e/
