#!/usr/bin/env bash
# scripts/cluster/start.sh - a Swiftlet cluster on this machine, as it would run on several: N identical
# Swiftlet nodes (default 3) over two PostgreSQL shards (scripts/postgres/start.sh) and Ceph RGW
# (scripts/ceph/start.sh, started when its S3 endpoint does not answer), behind haproxy (Debian's,
# installed when missing), everything on 127.0.0.1.
#
#   front door   http://127.0.0.1:$SWIFTLET_CLUSTER_PORT (default 8180), round robin, health-checked
#   nodes        127.0.0.1:$((port+1)) ... $((port+N)), each `swiftlet serve` with its own data dir
#   databases    $SWIFTLET_CLUSTER_DB (default swiftlet_cluster) on each shard server, created if missing
#   bucket       $SWIFTLET_CLUSTER_BUCKET (default swiftlet-cluster), created by the first node
#
# Env: SWIFTLET_CLUSTER_NODES (3), SWIFTLET_CLUSTER_PORT (8180), SWIFTLET_CLUSTER_DIR
# (/tmp/swiftlet-cluster), SWIFTLET_CLUSTER_CONFIG (a TOML file appended to every node's config, e.g.
# users), SWIFTLET_CLUSTER_RESET=1 (drop the databases first). Stop with scripts/cluster/stop.sh.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NODES=${SWIFTLET_CLUSTER_NODES:-3}
PORT=${SWIFTLET_CLUSTER_PORT:-8180}
DIR=${SWIFTLET_CLUSTER_DIR:-/tmp/swiftlet-cluster}
DB=${SWIFTLET_CLUSTER_DB:-swiftlet_cluster}
BUCKET=${SWIFTLET_CLUSTER_BUCKET:-swiftlet-cluster}
PG_PORTS=${SWIFTLET_PG_PORTS:-54329 54330}
PG_PORTS=${PG_PORTS//,/ }
CEPH_DIR=${CEPH_DIR:-/tmp/swiftlet-ceph}
log() { echo "cluster: $*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

mkdir -p "$DIR"
command -v haproxy >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends haproxy >/dev/null
"$ROOT/scripts/postgres/start.sh" >/dev/null
if ! { [ -f "$CEPH_DIR/env" ] && . "$CEPH_DIR/env" && curl -fs -o /dev/null "$S3_ENDPOINT"; }; then
  "$ROOT/scripts/ceph/start.sh"
fi
. "$CEPH_DIR/env"

shards=""
for p in $PG_PORTS; do
  if [ -n "${SWIFTLET_CLUSTER_RESET:-}" ]; then psql -qh 127.0.0.1 -p "$p" -U postgres -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null; fi
  psql -qtAh 127.0.0.1 -p "$p" -U postgres -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 \
    || psql -qh 127.0.0.1 -p "$p" -U postgres -c "CREATE DATABASE $DB" >/dev/null
  shards="$shards${shards:+,}postgres://postgres@127.0.0.1:$p/$DB"
done

cat > "$DIR/swiftlet.toml" <<TOML
[storage]
backend = "cluster"
postgres_shards = "$shards"
s3_endpoint = "$S3_ENDPOINT"
s3_region = "$S3_REGION"
s3_bucket = "$BUCKET"
s3_access_key = "$S3_ACCESS_KEY"
s3_secret_key = "$S3_SECRET_KEY"
TOML
if [ -n "${SWIFTLET_CLUSTER_CONFIG:-}" ]; then cat "$SWIFTLET_CLUSTER_CONFIG" >> "$DIR/swiftlet.toml"; fi

(cd "$ROOT" && npx tsc -p tsconfig.json)
servers=""
for i in $(seq 1 "$NODES"); do
  port=$((PORT + i))
  if [ -f "$DIR/node$i.pid" ] && kill -0 "$(cat "$DIR/node$i.pid")" 2>/dev/null; then log "node $i already running"; continue; fi
  node "$ROOT/dist/src/cli/main.js" serve --host 127.0.0.1 --port "$port" --data "$DIR/node$i" --config "$DIR/swiftlet.toml" \
    > "$DIR/node$i.log" 2>&1 &
  echo $! > "$DIR/node$i.pid"
  # One at a time: the first node creates the schema and the bootstrap admin.
  for _ in $(seq 1 300); do grep -q 'Swiftlet listening' "$DIR/node$i.log" && break
    kill -0 "$(cat "$DIR/node$i.pid")" 2>/dev/null || { cat "$DIR/node$i.log" >&2; exit 1; }; sleep 0.2; done
  grep -q 'Swiftlet listening' "$DIR/node$i.log" || { echo "node $i did not start" >&2; cat "$DIR/node$i.log" >&2; exit 1; }
  log "node $i on 127.0.0.1:$port (pid $(cat "$DIR/node$i.pid"))"
done
for i in $(seq 1 "$NODES"); do servers="$servers    server node$i 127.0.0.1:$((PORT + i)) check inter 1s fall 2 rise 2
"; done

cat > "$DIR/haproxy.cfg" <<CFG
global
    maxconn 4096
defaults
    # tcp: clients get each node's HTTP answers exactly (http mode refuses or rewrites some edge
    # requests Swift clients send: invalid UTF-8 paths, hop-by-hop headers, odd transfer codings).
    mode tcp
    option redispatch
    retries 2
    timeout connect 2s
    timeout client 10m
    timeout server 10m
frontend swiftlet
    bind 127.0.0.1:$PORT
    default_backend nodes
backend nodes
    balance roundrobin
    option httpchk GET /healthcheck
$servers
CFG
if [ -f "$DIR/haproxy.pid" ] && kill -0 "$(cat "$DIR/haproxy.pid")" 2>/dev/null; then kill "$(cat "$DIR/haproxy.pid")"; sleep 0.5; fi
haproxy -D -f "$DIR/haproxy.cfg" -p "$DIR/haproxy.pid"
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck" && break; sleep 0.2; done
curl -fs -o /dev/null "http://127.0.0.1:$PORT/healthcheck" || { echo "haproxy does not answer" >&2; exit 1; }
log "front door http://127.0.0.1:$PORT ($NODES nodes, shards $shards, bucket $BUCKET at $S3_ENDPOINT)"
