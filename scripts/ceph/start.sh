#!/usr/bin/env bash
# scripts/ceph/start.sh - a throw-away Ceph cluster on loopback for Swiftlet's cluster tier
# (`npm run test:cluster`): 1 mon, 1 mgr, 3 OSDs on file-backed BlueStore (a sparse file per OSD as
# its block device, so data survive an OSD restart), every pool replicated size 3 / min_size 2 across
# OSDs (one OSD may be down and I/O goes on), and RGW (beast) on 127.0.0.1:$CEPH_RGW_PORT.
#
# Debian bookworm's Ceph (pacific 16.2) packages are installed if missing; no systemd, cephx on. All
# state lives under $CEPH_DIR (default /tmp/swiftlet-ceph); every daemon gets `-c $CEPH_DIR/ceph.conf`
# on its command line, which is how stop.sh and osd.sh recognise their own PIDs.
#
# It creates an S3 user (access/secret keys below) with a Swift subuser (RGW's own Swift API, for
# benchmarking), writes them to $CEPH_DIR/env (shell syntax: `. $CEPH_DIR/env`), and returns once RGW
# answers and the cluster is HEALTH_OK with every PG active+clean.
#
# Environment: CEPH_DIR, CEPH_RGW_PORT (8000), CEPH_MON_PORT (msgr2, 3300), CEPH_MON_V1_PORT (6789),
# CEPH_OSD_SIZE (sparse block file size per OSD, 8G), CEPH_S3_ACCESS_KEY / CEPH_S3_SECRET_KEY
# (swiftlet-test-access / swiftlet-test-secret), CEPH_SWIFT_KEY (swiftlet-test-swift),
# CEPH_RESET=1 (stop and wipe a running cluster first).
# Already running and healthy (same $CEPH_DIR): the script says so and exits 0.
# From scratch it takes about a minute here (packages installed; the install adds ~2.5 min).
# Failure switches for tests: scripts/ceph/osd.sh stop|start <id>, scripts/ceph/rgw.sh stop|start.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/common.sh"

RGW_PORT=${CEPH_RGW_PORT:-8000}
MON_PORT=${CEPH_MON_PORT:-3300}
MON_V1_PORT=${CEPH_MON_V1_PORT:-6789}
OSD_SIZE=${CEPH_OSD_SIZE:-8G}
ACCESS=${CEPH_S3_ACCESS_KEY:-swiftlet-test-access}
SECRET=${CEPH_S3_SECRET_KEY:-swiftlet-test-secret}
SWIFT_KEY=${CEPH_SWIFT_KEY:-swiftlet-test-swift}
S3_USER=swiftlet
started=$(date +%s)

# ------------------------------------------------------------------ install (Debian packages only)
. "$(dirname "$0")/../lib/debian-packages.sh"
install_debian_packages ceph-mon ceph-mgr ceph-osd radosgw ceph-common uuid-runtime curl
installed=$(date +%s)

# ------------------------------------------------------------------ already running?
healthy() {
  [ -n "$(pid_of mon.a)" ] && [ -n "$(pid_of client.rgw.a)" ] \
    && curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/" \
    && timeout 10 ceph health 2>/dev/null | grep -q HEALTH_OK
}
if [ -f "$CEPH_DIR/env" ] && [ "${CEPH_RESET:-}" != 1 ] && healthy; then
  log "already running in $CEPH_DIR (. $CEPH_DIR/env)"
  exit 0
fi
# Anything of ours still half-running goes first; then a clean slate.
if [ -d "$CEPH_DIR" ]; then "$HERE/stop.sh" >/dev/null; fi
rm -rf "$CEPH_DIR"
mkdir -p "$CEPH_DIR"/{mon.a,mgr.x,rgw.a,run,log} "$CEPH_DIR"/osd.{0,1,2}

# ------------------------------------------------------------------ configuration
FSID=$(uuidgen)
cat >"$CONF" <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
# Fresh cluster, current clients: no reason to allow the old insecure reclaim (it is a health warning).
auth allow insecure global id reclaim = false
run dir = $CEPH_DIR/run
log file = $CEPH_DIR/log/\$name.log
pid file = $CEPH_DIR/run/\$name.pid
keyring = $CEPH_DIR/keyring
# Three replicas, writes go on with two: one OSD can be stopped. Replicas are spread over OSDs,
# not hosts (everything is on this host), so the default CRUSH rule picks leaves of type osd (0).
osd pool default size = 3
osd pool default min size = 2
osd crush chooseleaf type = 0
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool delete = true
mon max pg per osd = 1000
# A shared CI disk may be fuller than Ceph's 30 % free warning; that is not this cluster's health.
mon data avail warn = 2
mon data avail crit = 1
# A stopped OSD (failure tests) is not marked out (and its data rebalanced away) within a test run.
mon osd down out interval = 3600
# Daemons only: ceph CLI calls running at once would fight over one client.admin socket.
[mon]
admin socket = $CEPH_DIR/run/\$name.asok
mon data = $CEPH_DIR/mon.\$id
[mgr]
admin socket = $CEPH_DIR/run/\$name.asok
mgr data = $CEPH_DIR/mgr.\$id
[osd]
admin socket = $CEPH_DIR/run/\$name.asok
osd data = $CEPH_DIR/osd.\$id
osd objectstore = bluestore
# BlueStore on a sparse file in the OSD's data directory (created by --mkfs): real on-disk data that
# survive a restart of the daemon, without a spare block device.
bluestore block create = true
bluestore block size = $(numfmt --from=iec "$OSD_SIZE")
# The smallest cache target BlueStore accepts; three OSDs share a small CI machine.
osd memory target = 939524096
bluestore cache autotune = true
# The block files sit on a virtual disk the OSDs take for a hard disk, whose recovery throttle
# (0.1 s of sleep per op) would make an OSD restarted by a failure test take ages to catch up.
osd recovery sleep hdd = 0
osd max object name len = 460
osd max object namespace len = 64
[client.rgw.a]
admin socket = $CEPH_DIR/run/\$name.asok
rgw data = $CEPH_DIR/rgw.a
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT
rgw dns name = localhost
# Deleted objects' space comes back within a minute or two instead of RGW's default two hours:
# test and benchmark runs write and delete gigabytes on OSDs of a few GiB each.
rgw gc obj min wait = 60
rgw gc processor period = 60
CONF
K=$CEPH_DIR/keyring

# ------------------------------------------------------------------ mon, mgr
ceph-authtool --create-keyring "$K" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$K" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mds 'allow *' --cap mgr 'allow *' >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$MON_V1_PORT]" "$CEPH_DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$K"
ceph-mon -c "$CONF" -i a
wait_for 120 'the mon' timeout 5 ceph -s
log "mon up after $(( $(date +%s) - installed )) s"
ceph auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' mds 'allow *' >>"$K"
ceph-mgr -c "$CONF" -i x

# ------------------------------------------------------------------ 3 BlueStore OSDs
# mkfs runs for the three at once (it is most of an OSD's start-up time).
for i in 0 1 2; do
  uuid=$(uuidgen)
  secret=$(ceph-authtool --gen-print-key)
  echo "{\"cephx_secret\": \"$secret\"}" >"$CEPH_DIR/osd.$i.json"
  id=$(ceph osd new "$uuid" -i "$CEPH_DIR/osd.$i.json")
  [ "$id" = "$i" ] || { log "expected osd id $i, got $id"; exit 1; }
  ceph-authtool "$CEPH_DIR/osd.$i/keyring" --create-keyring --name "osd.$i" --add-key "$secret" >/dev/null
  ceph-osd -c "$CONF" -i "$i" --mkfs --osd-uuid "$uuid" --keyring "$CEPH_DIR/osd.$i/keyring" >"$CEPH_DIR/log/osd.$i.mkfs.log" 2>&1 &
done
wait
# Each ceph-osd returns once its daemon is initialised (a few seconds): start the three together.
for i in 0 1 2; do start_osd "$i" & done
wait
three_up() { timeout 10 ceph osd stat | grep -q '3 up.*3 in'; }
wait_for 180 '3 OSDs up' three_up
log "3 osds up after $(( $(date +%s) - installed )) s"

# RGW's bulk pools made up front with more PGs than the default 8, so data and bucket index spread
# over all three OSDs; RGW creates its small control/log/meta pools itself (size 3, min_size 2).
for pool in default.rgw.buckets.data:32 default.rgw.buckets.index:16; do
  ceph osd pool create "${pool%%:*}" "${pool##*:}" "${pool##*:}" replicated >/dev/null 2>&1
  ceph osd pool application enable "${pool%%:*}" rgw >/dev/null 2>&1
done

# ------------------------------------------------------------------ RGW, users
ceph auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' >>"$K"
radosgw -c "$CONF" -n client.rgw.a
wait_for 180 "RGW on port $RGW_PORT" curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"
log "rgw answering after $(( $(date +%s) - installed )) s"
radosgw-admin user create --uid="$S3_USER" --display-name="Swiftlet tests" --access-key="$ACCESS" --secret-key="$SECRET" >/dev/null
radosgw-admin subuser create --uid="$S3_USER" --subuser="$S3_USER:swift" --access=full --key-type=swift --secret="$SWIFT_KEY" >/dev/null

cat >"$CEPH_DIR/env" <<ENV
# Written by scripts/ceph/start.sh; shell syntax.
CEPH_CONF=$CONF
CEPH_DIR=$CEPH_DIR
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_REGION=us-east-1
S3_ACCESS_KEY=$ACCESS
S3_SECRET_KEY=$SECRET
RGW_PID_FILE=$CEPH_DIR/run/client.rgw.a.pid
RGW_SWIFT_AUTH_URL=http://127.0.0.1:$RGW_PORT/auth/v1.0
RGW_SWIFT_USER=$S3_USER:swift
RGW_SWIFT_KEY=$SWIFT_KEY
ENV

# ------------------------------------------------------------------ health
# Every PG active+clean (`ceph pg stat` shows one state only) and no health check raised.
all_clean() {
  timeout 10 ceph health | grep -q HEALTH_OK && timeout 10 ceph pg stat | grep -q '^[0-9]* pgs: [0-9]* active+clean;'
}
wait_for 300 'HEALTH_OK and all PGs active+clean' all_clean || { timeout 10 ceph health detail; exit 1; }
log "HEALTH_OK, $(ceph pg stat)"
log "started in $(( $(date +%s) - installed )) s (install $(( installed - started )) s); . $CEPH_DIR/env"
