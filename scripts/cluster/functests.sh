#!/usr/bin/env bash
# scripts/cluster/functests.sh - Swift's functional tests against the cluster's front door: starts the
# cluster (scripts/cluster/start.sh, fresh databases) with scripts/functests-swiftlet.toml's accounts,
# runs scripts/functests.sh with ENDPOINT set, then stops the nodes and haproxy (not the engines).
# Needs SWIFT_SRC as scripts/functests.sh does; arguments are passed on to it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export SWIFTLET_CLUSTER_CONFIG=$ROOT/scripts/functests-swiftlet.toml SWIFTLET_CLUSTER_RESET=1
export SWIFTLET_CLUSTER_BUCKET=${SWIFTLET_CLUSTER_BUCKET:-swiftlet-functests}
trap '"$ROOT/scripts/cluster/stop.sh"' EXIT
"$ROOT/scripts/cluster/start.sh"
ENDPOINT=http://127.0.0.1:${SWIFTLET_CLUSTER_PORT:-8180} "$ROOT/scripts/functests.sh" "$@"
