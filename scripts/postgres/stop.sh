#!/usr/bin/env bash
# scripts/postgres/stop.sh - stops the PostgreSQL servers started by scripts/postgres/start.sh, each by
# the postmaster PID in its data directory (and only if that PID still runs a postgres of that
# directory). SIGINT is PostgreSQL's fast shutdown: open transactions roll back, committed ones stay.
# Same environment as start.sh: SWIFTLET_PG_PORTS, SWIFTLET_PG_DIR; SWIFTLET_PG_PURGE=1 also deletes
# the data directories.
set -euo pipefail
PORTS=${SWIFTLET_PG_PORTS:-54329 54330}
PORTS=${PORTS//,/ }
BASE=${SWIFTLET_PG_DIR:-/tmp/swiftlet-pg}

for port in $PORTS; do
  dir=$BASE/$port
  pidfile=$dir/postmaster.pid
  if [ -f "$pidfile" ]; then
    pid=$(head -n1 "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "$dir"; then
      kill -INT "$pid"
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then
        # Immediate shutdown: crash recovery on the next start, nothing committed is lost.
        kill -QUIT "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
      echo "postgres: port $port stopped (pid $pid)"
    else
      echo "postgres: port $port: pid ${pid:-?} is not our postmaster; nothing stopped"
    fi
  else
    echo "postgres: port $port not running ($pidfile missing)"
  fi
  if [ "${SWIFTLET_PG_PURGE:-}" = 1 ]; then rm -rf "$dir"; fi
done
