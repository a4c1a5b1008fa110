#!/usr/bin/env bash
# scripts/cluster/stop.sh - stops haproxy and the Swiftlet nodes scripts/cluster/start.sh started, by
# their PIDs (only while each PID still runs what it recorded). The engines stay up: stop them with
# scripts/postgres/stop.sh and scripts/ceph/stop.sh.
set -uo pipefail
DIR=${SWIFTLET_CLUSTER_DIR:-/tmp/swiftlet-cluster}
stop_pid() { # pidfile, what its command line must contain
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$2"; then
    kill -TERM "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$1"
}
stop_pid "$DIR/haproxy.pid" "$DIR/haproxy.cfg"
for f in "$DIR"/node*.pid; do [ -e "$f" ] && stop_pid "$f" "$DIR/swiftlet.toml"; done
echo "cluster: stopped"
