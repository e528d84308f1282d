#!/usr/bin/env bash
# npm run bench [-- options]     (options: bash bench/run.sh --help)
#
# A throw-away PostgreSQL server (scripts/test-postgres.sh: new cluster in a temp folder, stopped and
# deleted however this ends), then bench/main.ts with its URL. Ports: PostgreSQL from PG_PORT (6150),
# the app and the Dev IdP from BENCH_PORT_BASE (6100).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--help" ] || [ "${1:-}" = "-h" ]; then
  exec node --import tsx bench/main.ts --help
fi
export PG_PORT="${PG_PORT:-6150}"
# Everything but the app servers (PostgreSQL, the Dev IdP, the load generator, the bench) on the
# lower half of the cores; bench/lib/cpus.ts moves each app server to the upper half.
pin=()
cores=$(nproc --all)
if [ "$cores" -ge 2 ] && command -v taskset >/dev/null && [ "${BENCH_NO_PINNING:-}" != 1 ]; then
  pin=(taskset -c "0-$((cores / 2 - 1))")
fi
exec "${pin[@]}" bash scripts/test-postgres.sh -- node --import tsx bench/main.ts "$@"
