#!/usr/bin/env bash
# The one test command (npm test): installs what the tests need, then type-checks, lints and runs
# every test, unit to interop with real SIP peers and Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --with-test-deps
echo "== typecheck"
npx tsc -p agent
npx tsc -p softphone
echo "== lint"
npx eslint --max-warnings 0 .
npx prettier --check . >/dev/null || { npx prettier --list-different .; exit 1; }
echo "== tests"
npx vitest run "$@"
