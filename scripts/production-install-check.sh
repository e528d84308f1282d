#!/usr/bin/env bash
# .ci/run's last stage: what a production install can do. The app is built with every dependency,
# then node_modules is replaced by `npm ci --omit=dev` (what the Docker image and a plain Node server
# run), which must still apply the migrations and serve the app: the Dev IdP's oidc-provider, the
# test and lint tools are dev dependencies; tsx and Prisma's CLI and WASM engine are not.
# It replaces node_modules: run it last, on a checkout of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

port=${PRODUCTION_CHECK_PORT:-3990}
NEXT_TELEMETRY_DISABLED=1 npm run --silent build
rm -rf node_modules
npm ci --omit=dev --no-audit --no-fund --loglevel=error

data=$(mktemp -d)
# The server runs in a process group of its own, stopped as a whole: killing npm alone left
# next-server running after CI finished.
server=""
# It is waited for before its data folder goes: PGlite writes while it shuts down. The script's own
# status is kept: `wait` returns the stopped server's 143, which would otherwise become the exit code.
clean_up() {
  local status=$?
  if [ -n "$server" ]; then
    kill -- "-$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "$data" || true
  exit "$status"
}
trap clean_up EXIT
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 PORT=$port
export DATABASE_URL="pglite:$data/db" ALLOW_EMBEDDED_DATABASE_IN_PRODUCTION=1
export AUTH_SECRET="production-install-check-$(date +%s%N)-0123456789" AUTH_URL="http://localhost:$port"
export AUTH_GITHUB_ID=production-install-check AUTH_GITHUB_SECRET=production-install-check

npm run --silent db:migrate
setsid npm start >"$data/server.log" 2>&1 &
server=$!
# Node's fetch, not curl: the machine may not have it. Exits 0 when `path` answers 200 containing `text`.
answers() {
  node -e 'fetch(process.argv[1]).then(async (r) => process.exit(r.ok && (await r.text()).includes(process.argv[2]) ? 0 : 1), () => process.exit(1))' \
    "http://localhost:$port$1" "$2"
}
for _ in $(seq 1 120); do
  if answers /api/health ok; then
    answers /login "Continue with GitHub" || { echo "[production] /login does not offer GitHub"; cat "$data/server.log"; exit 1; }
    echo "[production] npm ci --omit=dev: migrations applied, the server answers /api/health and /login"
    exit 0
  fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
echo "[production] the server did not answer /api/health:"
cat "$data/server.log"
exit 1
