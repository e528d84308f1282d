#!/usr/bin/env bash
# npm run test:pg                     the Vitest and Playwright suites against a throw-away PostgreSQL server
# npm run test:pg -- <command…>       any command, with that server in TEST_DATABASE_URL / E2E_DATABASE_URL
#                                     (e.g. npm run test:pg -- npx vitest run lib/db)
#
# Starts a private PostgreSQL server from the binaries installed on this machine (initdb and pg_ctl
# on PATH, else the newest /usr/lib/postgresql/*/bin, or the folder in PG_BIN): a new cluster in a
# temp folder, listening on 127.0.0.1 only, on the first free port from PG_PORT (default 55432),
# with a role and database "oauth_test" and a random password. It runs the command, then stops the
# server and deletes the folder, however the command ends (Ctrl-C included).
#
#   Vitest      TEST_DATABASE_URL: lib/db's integration tests run on in-memory PGlite and on the
#               server; every other test that uses a database (createTestDatabase) runs on the server.
#   Playwright  E2E_DATABASE_URL: each app server of the e2e stack gets its own fresh database there.
#
# As root (initdb refuses to run as root), the server runs as the "postgres" user (Debian's package
# creates it), or a throw-away system user when there is none. Nothing is installed here: on Debian,
# `apt-get install postgresql` (.ci/run does that on CI machines).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "[pg] $*" >&2; }
die() {
  log "$*"
  exit 1
}

find_bin_dir() {
  if [ -n "${PG_BIN:-}" ]; then
    [ -x "$PG_BIN/initdb" ] && [ -x "$PG_BIN/pg_ctl" ] || die "PG_BIN=$PG_BIN has no initdb and pg_ctl"
    echo "$PG_BIN"
    return
  fi
  local dir
  # Debian/Ubuntu keep the server binaries off PATH, one folder per major version: take the newest.
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
    return
  fi
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
    return
  fi
  die "no PostgreSQL server binaries (initdb, pg_ctl) found. On Debian: sudo apt-get install postgresql; elsewhere set PG_BIN to the folder holding them."
}

BIN=$(find_bin_dir)
ROLE=oauth_test
DATABASE=oauth_test
PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/oauth-test-pg.XXXXXX")
DATA="$WORK/data"
SERVER_LOG="$WORK/server.log"
STARTED=""

# The server's own user: ourselves, or (as root) postgres or a throw-away one.
RUN_AS=""
CREATED_USER=""
if [ "$(id -u)" -eq 0 ]; then
  if id postgres >/dev/null 2>&1; then
    RUN_AS=postgres
  else
    RUN_AS="oauth-test-pg-$$"
    useradd --system --no-create-home --home-dir "$WORK" --shell /usr/sbin/nologin "$RUN_AS"
    CREATED_USER=$RUN_AS
  fi
  chown "$RUN_AS" "$WORK"
  chmod 700 "$WORK"
fi

as_server_user() {
  if [ -z "$RUN_AS" ]; then
    "$@"
  elif command -v runuser >/dev/null; then
    runuser -u "$RUN_AS" -- "$@"
  else
    su -s /bin/sh "$RUN_AS" -c "$(printf '%q ' "$@")"
  fi
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  if [ -n "$STARTED" ]; then
    as_server_user "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_server_user "$BIN/pg_ctl" -D "$DATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  if [ -n "$CREATED_USER" ]; then userdel "$CREATED_USER" >/dev/null 2>&1 || true; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A cluster with one superuser role (password auth over TCP; no other way in).
# --no-locale: the C locale exists everywhere, and neither the app nor PGlite depends on another.
PWFILE="$WORK/pwfile"
(umask 077 && printf '%s\n' "$PASSWORD" >"$PWFILE")
[ -z "$RUN_AS" ] || chown "$RUN_AS" "$PWFILE"
if ! as_server_user "$BIN/initdb" -D "$DATA" -U "$ROLE" --pwfile="$PWFILE" --auth=scram-sha-256 \
  --encoding=UTF8 --no-locale --no-sync >"$WORK/initdb.log" 2>&1; then
  cat "$WORK/initdb.log" >&2
  die "initdb failed"
fi
rm -f "$PWFILE"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# 127.0.0.1 only, no Unix socket, and durability off (a test server: speed matters, a crash doesn't).
PORT=${PG_PORT:-55432}
for _ in $(seq 1 50); do
  if ! port_in_use "$PORT"; then
    rm -f "$SERVER_LOG"
    if as_server_user "$BIN/pg_ctl" -D "$DATA" -l "$SERVER_LOG" -w -t 60 -s start -o \
      "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      >/dev/null 2>&1; then
      STARTED=1
      break
    fi
    # Someone else took the port between the check and the start: try the next one.
    grep -q "could not bind\|could not create any TCP/IP sockets" "$SERVER_LOG" 2>/dev/null ||
      { tail -n 20 "$SERVER_LOG" >&2 || true; die "the PostgreSQL server did not start"; }
  fi
  PORT=$((PORT + 1))
done
[ -n "$STARTED" ] || die "no free port for PostgreSQL from ${PG_PORT:-55432} on"

CREATEDB="$BIN/createdb"
[ -x "$CREATEDB" ] || CREATEDB=$(command -v createdb) || die "createdb not found (next to initdb or on PATH)"
PGPASSWORD=$PASSWORD "$CREATEDB" -h 127.0.0.1 -p "$PORT" -U "$ROLE" "$DATABASE" ||
  die "could not create the database $DATABASE"

URL="postgresql://$ROLE:$PASSWORD@127.0.0.1:$PORT/$DATABASE"
export TEST_DATABASE_URL=$URL E2E_DATABASE_URL=$URL
log "PostgreSQL $("$BIN/postgres" --version | sed "s/^[^0-9]*\([0-9.]*\).*/\1/") at postgresql://$ROLE:***@127.0.0.1:$PORT/$DATABASE (data in $DATA, run as ${RUN_AS:-$(id -un)})"

[ "${1:-}" != "--" ] || shift
if [ $# -gt 0 ]; then
  "$@"
  exit
fi

# The default: both suites, each reported; fail if either failed.
failed=()
stage() {
  local name=$1 start=$SECONDS
  shift
  log "$name: $*"
  if "$@"; then
    log "$name: passed in $((SECONDS - start)) s"
  else
    log "$name: FAILED after $((SECONDS - start)) s"
    failed+=("$name")
  fi
}
stage "Vitest on PostgreSQL" npm run --silent test:unit
stage "Playwright on PostgreSQL" npm run --silent test:e2e
[ ${#failed[@]} -eq 0 ] || die "failed: ${failed[*]}"
