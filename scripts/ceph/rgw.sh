#!/usr/bin/env bash
# scripts/ceph/rgw.sh stop|start - stops (SIGTERM, by PID) or starts the RGW of the cluster that
# scripts/ceph/start.sh made, for failure tests. `start` returns once RGW answers HTTP again.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"
RGW_PORT=$(sed -n 's/^S3_ENDPOINT=http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' "$CEPH_DIR/env")

case "${1:-}" in
  stop) stop_daemon client.rgw.a ;;
  start)
    if [ -n "$(pid_of client.rgw.a)" ]; then log "rgw already running"; exit 0; fi
    radosgw -c "$CONF" -n client.rgw.a
    wait_for 120 "RGW on port $RGW_PORT" curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"
    log "rgw answering on port $RGW_PORT"
    ;;
  *) echo "usage: $0 stop|start" >&2; exit 2 ;;
esac
