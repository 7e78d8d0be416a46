#!/usr/bin/env bash
# Runs the browser tests against tests/browser/mock-server.mjs (no hub
# needed): a check of the dashboard itself while the /v1 routes are built.
# Needs dashboard/dist (dashboard/build.sh) and /usr/bin/chromium.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp)
node "$here/mock-server.mjs" --port 0 >"$out" &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 50); do grep -q '^http' "$out" && break; sleep 0.1; done
BASE_URL=$(grep -m1 '^http' "$out") KEY_ADMIN=rh_test_alice KEY_FINANCE=rh_test_bob KEY_VIEWER=rh_test_vic \
  ORDER_ID=ord_shopify_1001 ARTIFACTS="${ARTIFACTS:-$here/../../test-artifacts/browser-mock}" \
  node "$here/dashboard.spec.mjs"
