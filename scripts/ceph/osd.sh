#!/usr/bin/env bash
# scripts/ceph/osd.sh stop|start <id> - stops (SIGTERM, by PID) or starts one OSD of the cluster that
# scripts/ceph/start.sh made, for failure tests. A stopped OSD is only marked down, never out
# (mon osd down out interval = 0), so its PGs wait for it and it catches up from its peers on start;
# its BlueStore block file keeps its data meanwhile. `stop` returns once every PG is active again on
# the two others; `start` once the OSD is up and every PG is active+clean (recovered) again.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

action=${1:-}; id=${2:-}
case "$id" in 0|1|2) ;; *) echo "usage: $0 stop|start <0|1|2>" >&2; exit 2 ;; esac
case "$action" in
  stop)
    stop_daemon "osd.$id"
    is_down() { timeout 10 ceph osd dump | grep -q "^osd.$id down"; }
    wait_for 30 "osd.$id marked down" is_down
    # Then every PG re-peers on the two remaining replicas (min_size 2) and serves I/O again: the PG
    # stats show the missing replica (undersized) and no PG is still on its way to active. One CLI
    # call per poll (each costs a Python start-up, over a second on a busy machine).
    all_active() {
      local stat
      stat=$(timeout 10 ceph pg stat) || return 1
      echo "$stat" | grep -q 'undersized' && ! echo "$stat" | grep -Eq 'peering|activating|unknown|down|incomplete|stale'
    }
    wait_for 120 'every PG active on two OSDs' all_active
    log "osd.$id down; $(timeout 10 ceph pg stat)"
    ;;
  start)
    if [ -n "$(pid_of "osd.$id")" ]; then log "osd.$id already running"; exit 0; fi
    start_osd "$id"
    # Healed: the OSD is up, caught up from its peers (recovery), and every PG has its three
    # replicas again (PGs missing one are never active+clean, so this also waits for the OSD).
    all_clean() { timeout 10 ceph pg stat | grep -q '^[0-9]* pgs: [0-9]* active+clean;'; }
    wait_for 300 "osd.$id up and every PG active+clean" all_clean
    log "osd.$id up; $(timeout 10 ceph pg stat)"
    ;;
  *) echo "usage: $0 stop|start <0|1|2>" >&2; exit 2 ;;
esac
