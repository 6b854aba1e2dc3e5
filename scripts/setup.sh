#!/usr/bin/env bash
# Installs everything Switchboard and its tests need on Debian 12: Debian packages for the real
# SIP peers and speech fixtures (only with --with-test-deps), then the npm workspaces.
# Idempotent: re-running skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test_deps=0
[ "${1:-}" = "--with-test-deps" ] && want_test_deps=1

need_apt=()
if [ "$want_test_deps" = 1 ]; then
  # command → Debian package
  for pair in sipp:sip-tester baresip:baresip-core kamailio:kamailio espeak-ng:espeak-ng sox:sox \
              chromium:chromium ip:iproute2 openssl:openssl; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || need_apt+=("$pkg")
  done
  [ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/websocket.so ] || need_apt+=(kamailio-websocket-modules)
  [ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] || need_apt+=(kamailio-tls-modules)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: need root to install: ${need_apt[*]}" >&2
    exit 1
  fi
  echo "setup: installing Debian packages: ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# Electron's postinstall downloads a binary from the internet; the desktop app is built by users
# on their own machines (softphone/README.md), so skip it here.
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
# onnxruntime-node (Silero VAD) would fetch optional CUDA binaries; its CPU build ships in the package.
export ONNXRUNTIME_NODE_INSTALL=skip
stamp=node_modules/.switchboard-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  touch "$stamp"
fi

# The web softphone the agent serves at /phone.
if [ ! -f softphone/dist/index.html ] || [ -n "$(find softphone/src softphone/index.html -newer softphone/dist/index.html -print -quit)" ]; then
  echo "setup: building the web softphone"
  npm run build -w softphone --silent >/dev/null
fi
