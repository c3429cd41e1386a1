#!/usr/bin/env bash
# Installs whatever is missing, builds the covlens web app in release mode and serves it on localhost.
# Usage: bash scripts/serve.sh [--port N]   (default port 8080; open http://127.0.0.1:PORT/)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port=8080
if [ "${1:-}" = "--port" ]; then port="$2"; fi
WANT_BROWSER=0 bash scripts/setup.sh
# shellcheck source=scripts/env.sh
source scripts/env.sh
# trunk serve builds first (release, no download), then serves dist/; no autoreload script, which the
# page's Content-Security-Policy would refuse anyway.
echo "covlens: building, then serving http://127.0.0.1:$port/ (Ctrl-C to stop)" >&2
exec trunk serve --release --offline --no-autoreload --address 127.0.0.1 --port "$port"
