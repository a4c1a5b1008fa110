#!/usr/bin/env bash
# scripts/keystone/stop.sh - stops the Keystone started by scripts/keystone/start.sh, by the PID it
# recorded (and only if that PID still runs our uwsgi.ini). KEYSTONE_PURGE=1 also deletes its data.
set -euo pipefail
PORT=${KEYSTONE_PORT:-35357}
DIR=${KEYSTONE_DIR:-/tmp/swiftlet-keystone-$PORT}
PIDFILE=$DIR/uwsgi.pid

if [ -f "$PIDFILE" ]; then
  pid=$(head -n1 "$PIDFILE")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF "$DIR/uwsgi.ini"; then
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; fi
    echo "keystone: stopped pid $pid"
  else
    echo "keystone: pid ${pid:-?} is not our uwsgi; nothing stopped"
  fi
  rm -f "$PIDFILE"
else
  echo "keystone: not running ($PIDFILE missing)"
fi
if [ "${KEYSTONE_PURGE:-}" = 1 ]; then rm -rf "$DIR"; fi
