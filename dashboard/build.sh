#!/usr/bin/env bash
# Builds the dashboard into dashboard/dist (served by the hub at /).
# Idempotent: `npm ci` runs only when node_modules is missing or
# package-lock.json changed since the last install; then `vite build`.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "dashboard: node and npm are required (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi

stamp=node_modules/.retailhub-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat "$stamp" 2>/dev/null || true)
if [[ ! -d node_modules || "$want" != "$have" ]]; then
  echo "dashboard: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi

npx --no-install tsc --noEmit
npx --no-install vite build --logLevel warn
echo "dashboard: built $(pwd)/dist"
