#!/usr/bin/env bash
# scripts/ceph/stop.sh - stops every daemon scripts/ceph/start.sh started (RGW, OSDs, mgr, mon), each
# by the PID it recorded and only if that PID still runs with our ceph.conf. CEPH_PURGE=1 also deletes
# $CEPH_DIR (the OSDs' block files included).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

# Clients first, the mon last: an OSD stopping tells the mon, which must still be there to hear it.
for name in client.rgw.a osd.0 osd.1 osd.2 mgr.x mon.a; do stop_daemon "$name"; done
if [ "${CEPH_PURGE:-}" = 1 ]; then rm -rf "$CEPH_DIR"; log "removed $CEPH_DIR"; fi
