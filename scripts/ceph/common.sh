# Shared by scripts/ceph/{start,stop,osd}.sh (sourced, not run): where the throw-away Ceph cluster
# lives and how to tell its daemons from anyone else's.
CEPH_DIR=${CEPH_DIR:-/tmp/swiftlet-ceph}
CONF=$CEPH_DIR/ceph.conf
export CEPH_CONF=$CONF

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "ceph: $*"; }

# pid_of <daemon name, e.g. osd.1>: the PID recorded for that daemon if it still runs one of our
# daemons (its command line names our ceph.conf); empty otherwise. Never trusts a stale PID file.
pid_of() {
  local file=$CEPH_DIR/run/$1.pid pid
  [ -f "$file" ] || return 0
  pid=$(head -n1 "$file")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -qF -- "-c $CONF"; then
    echo "$pid"
  fi
}

# stop_daemon <name>: SIGTERM (a stopping OSD tells the mon it is going down, so its peers stop
# waiting for it at once), SIGKILL after 30 s. Returns once the process is gone.
stop_daemon() {
  local pid
  pid=$(pid_of "$1")
  if [ -z "$pid" ]; then return 0; fi
  kill -TERM "$pid"
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; log "$1 (pid $pid) killed after 30 s"; else log "$1 stopped (pid $pid)"; fi
  rm -f "$CEPH_DIR/run/$1.pid"
}

# start_osd <id>: starts an OSD whose BlueStore already exists; its data (a sparse file) survive.
start_osd() {
  ceph-osd -c "$CONF" -i "$1" --keyring "$CEPH_DIR/osd.$1/keyring"
}

# wait_for <seconds> <what> <command...>: polls the command every 0.5 s; fails the script on timeout.
wait_for() {
  local limit=$1 what=$2 deadline
  shift 2
  deadline=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then log "timed out after ${limit} s waiting for $what"; return 1; fi
    sleep 0.5
  done
}
