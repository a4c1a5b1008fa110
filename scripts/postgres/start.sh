#!/usr/bin/env bash
# scripts/postgres/start.sh - throw-away PostgreSQL 15 servers for Swiftlet's cluster tier
# (`npm run test:cluster`): one server per shard, two by default.
#
# Installs Debian's `postgresql-15` if missing (without starting the packaged cluster), then for
# each port in $SWIFTLET_PG_PORTS (default "54329 54330") runs a server of its own:
#   data directory  $SWIFTLET_PG_DIR/<port>   (default base /tmp/swiftlet-pg)
#   listening on    127.0.0.1:<port> only, its Unix socket inside its data directory
#   auth            trust for loopback connections (nothing else can connect), user `postgres`
#   durability      fsync = on, synchronous_commit = on, full_page_writes = on (the defaults, pinned)
# and prints one connection URL per server, then all of them on one line in the form
# SWIFTLET_TEST_PG_URLS takes (comma separated).
#
# Idempotent: an existing data directory is reused, a server already running is left running.
# As root the servers run as the `postgres` OS user (initdb refuses root); otherwise as the caller.
# Stop them with scripts/postgres/stop.sh (by the postmaster PID each recorded).
#
# Environment: SWIFTLET_PG_PORTS (space or comma separated), SWIFTLET_PG_DIR, SWIFTLET_PG_RESET=1
# (stop and wipe the data directories first).
set -euo pipefail

PORTS=${SWIFTLET_PG_PORTS:-54329 54330}
PORTS=${PORTS//,/ }
BASE=${SWIFTLET_PG_DIR:-/tmp/swiftlet-pg}
BIN=/usr/lib/postgresql/15/bin

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "postgres: $*"; }

# ------------------------------------------------------------------ install (Debian package only)
. "$(dirname "$0")/../lib/debian-packages.sh"
[ -x "$BIN/postgres" ] || install_debian_packages postgresql-15

# Who runs the servers: initdb and postgres refuse to run as root.
owner=$(id -un)
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  owner=postgres
fi
as_owner() { if [ "$(id -un)" = "$owner" ]; then "$@"; else runuser -u "$owner" -- "$@"; fi; }

mkdir -p "$BASE"
chmod 755 "$BASE"

# ------------------------------------------------------------------ helpers
# The postmaster PID of the server in $1 if it is running (and really is a postgres of that directory).
running_pid() {
  local dir=$1 pid
  [ -f "$dir/postmaster.pid" ] || return 1
  pid=$(head -n1 "$dir/postmaster.pid")
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "$dir" || return 1
  echo "$pid"
}

urls=()
for port in $PORTS; do
  dir=$BASE/$port
  if [ "${SWIFTLET_PG_RESET:-}" = 1 ]; then
    SWIFTLET_PG_PORTS=$port SWIFTLET_PG_DIR=$BASE "$(dirname "$0")/stop.sh"
    rm -rf "$dir"
  fi

  if [ ! -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    chown "$owner" "$dir"
    chmod 700 "$dir"
    log "initdb $dir"
    # --no-sync: initdb's own flush of the fresh cluster (seconds on a busy disk) is skipped; what
    # the server commits afterwards is flushed as always (fsync = on below).
    as_owner "$BIN/initdb" -D "$dir" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$BASE/initdb-$port.log" 2>&1 \
      || { cat "$BASE/initdb-$port.log"; exit 1; }
  fi

  # Settings of ours, rewritten on every start (postgresql.auto.conf is read after postgresql.conf).
  cat >"$dir/postgresql.auto.conf" <<EOF
# Written by scripts/postgres/start.sh; rewritten on every start.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = on
synchronous_commit = on
full_page_writes = on
max_connections = 200
# Logging to stderr, captured in $dir/server.log by pg_ctl.
logging_collector = off
log_min_messages = warning
EOF
  # Loopback TCP and the server's own socket only; nothing else can reach it.
  cat >"$dir/pg_hba.conf" <<EOF
# Written by scripts/postgres/start.sh.
local all all               trust
host  all all 127.0.0.1/32  trust
EOF
  chown "$owner" "$dir/postgresql.auto.conf" "$dir/pg_hba.conf"

  if pid=$(running_pid "$dir"); then
    log "port $port already running (pid $pid)"
  else
    rm -f "$dir/postmaster.pid"
    # The default ports lie in Linux's ephemeral range (32768-60999): a client connection on this
    # machine may hold 127.0.0.1:<port> as its local address for a moment. Try again a few times.
    started=""
    for attempt in 1 2 3 4 5 6; do
      seen=$( (wc -l <"$dir/server.log") 2>/dev/null || echo 0)
      if as_owner "$BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 -s start; then started=1; break; fi
      tail -n +"$((seen + 1))" "$dir/server.log" | grep -q "Address already in use" || break
      log "port $port in use (attempt $attempt), retrying"
      sleep 1
    done
    [ -n "$started" ] || { tail -n 40 "$dir/server.log"; echo "postgres: server on port $port did not start"; exit 1; }
    pid=$(running_pid "$dir") || { tail -n 40 "$dir/server.log"; exit 1; }
    log "port $port started (pid $pid, data $dir, log $dir/server.log)"
  fi
  "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 30 || { echo "postgres: port $port not ready"; exit 1; }
  url="postgres://postgres@127.0.0.1:$port/postgres"
  echo "$url"
  urls+=("$url")
done
( IFS=,; echo "SWIFTLET_TEST_PG_URLS=${urls[*]}" )
