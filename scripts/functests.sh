#!/usr/bin/env bash
# scripts/functests.sh - run OpenStack Swift's own functional tests (test/functional of Swift 2.30.1)
# against a freshly started Swiftlet, and print a per-file pass/fail/skip table.
#
#   SWIFT_SRC=/path/to/swift-2.30.1 scripts/functests.sh                      # the four core files
#   SWIFT_SRC=... scripts/functests.sh test_object.py                          # some files
#   SWIFT_SRC=... scripts/functests.sh tests.py -- -k TestFile                 # extra pytest args after --
#   scripts/functests.sh --summarize RESULTS_DIR                               # re-print a table
#
# Needs only this repository and SWIFT_SRC, a source tree of Swift 2.30.1. To get one:
#   git clone --bare https://opendev.org/openstack/swift swift.git      # or github.com/openstack/swift
#   mkdir swift-src && git --git-dir=swift.git archive 2.30.1 | tar -x -C swift-src
# and Debian's python3 test deps (no pip):
#   apt-get install python3-pytest python3-pytest-timeout python3-mock python3-swiftclient \
#     python3-swift python3-boto python3-boto3 python3-botocore python3-keystoneclient python3-requests-mock
#
# Env: SWIFT_SRC (required), PORT (default: a free port), RESULTS (default
# $TMPDIR/swiftlet-functests/<timestamp>), PYTEST_TIMEOUT (default 300), WORKERS (default 1, as `npm start`),
# KEEP_DATA=1 to keep the server's data directory, EXTRA_CONFIG=<toml file> appended to the server's
# config (e.g. a [storage] section for the cluster backend), ENDPOINT=<url> to test a Swiftlet already
# serving scripts/functests-swiftlet.toml's accounts instead of starting one (scripts/cluster/functests.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3

summarize() {  # $1 = results dir: per-file table from the junit xml files
"$PY" - "$1" <<'EOF' | tee "$1/summary.txt"
import sys, os, glob
import xml.etree.ElementTree as ET
d = sys.argv[1]
tot = [0, 0, 0, 0, 0]
print('%-24s %6s %6s %6s %6s %6s' % ('file', 'tests', 'pass', 'fail', 'error', 'skip'))
for x in sorted(glob.glob(os.path.join(d, '*.xml'))):
    n = p = f = e = s = 0
    for tc in ET.parse(x).getroot().iter('testcase'):
        n += 1
        kinds = {c.tag for c in tc}
        if 'failure' in kinds: f += 1
        elif 'error' in kinds: e += 1
        elif 'skipped' in kinds: s += 1
        else: p += 1
    for i, v in enumerate((n, p, f, e, s)): tot[i] += v
    print('%-24s %6d %6d %6d %6d %6d' % (os.path.basename(x)[:-4], n, p, f, e, s))
print('%-24s %6d %6d %6d %6d %6d' % ('TOTAL', *tot))
EOF
}

if [ "${1:-}" = "--summarize" ]; then summarize "$2"; exit 0; fi

: "${SWIFT_SRC:?set SWIFT_SRC to a Swift 2.30.1 source tree (see the header of this script)}"
[ -d "$SWIFT_SRC/test/functional" ] || { echo "$SWIFT_SRC has no test/functional" >&2; exit 2; }
SWIFT_SRC=$(realpath "$SWIFT_SRC")

files=(); extra=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
    files+=("$1"); shift
done
[ ${#files[@]} -eq 0 ] && files=(tests.py test_account.py test_container.py test_object.py)

RESULTS=${RESULTS:-${TMPDIR:-/tmp}/swiftlet-functests/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"; RESULTS=$(realpath "$RESULTS")

# 1. build
(cd "$ROOT" && npx tsc -p tsconfig.json) || { echo "build failed" >&2; exit 2; }

# 2. a fresh data dir and a config declaring Swift's functional-test users (tempauth-style groups)
DATA=$(mktemp -d "${TMPDIR:-/tmp}/swiftlet-ft-XXXXXX")
CONF=$DATA.toml
cat "$ROOT/scripts/functests-swiftlet.toml" > "$CONF"

# EXTRA_CONFIG: a TOML file appended to that config, e.g. [storage] for a cluster backend.
if [ -n "${EXTRA_CONFIG:-}" ]; then cat "$EXTRA_CONFIG" >> "$CONF"; fi

if [ -n "${ENDPOINT:-}" ]; then
    # A Swiftlet (or cluster front door) already serving scripts/functests-swiftlet.toml's accounts.
    BASE_URL=${ENDPOINT%/}
    LOG=$RESULTS/swiftlet.log; : > "$LOG"
    trap 'rm -rf "$DATA" "$CONF"' EXIT
else
    if [ -z "${PORT:-}" ]; then
        PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    fi
    LOG=$RESULTS/swiftlet.log
    node "$ROOT/dist/src/cli/main.js" serve --host 127.0.0.1 --port "$PORT" --data "$DATA" --config "$CONF" \
        --workers "${WORKERS:-1}" > "$LOG" 2>&1 &
    SERVER_PID=$!
    cleanup() {
        if kill -0 "$SERVER_PID" 2>/dev/null; then
            kill -TERM "$SERVER_PID"
            wait "$SERVER_PID" 2>/dev/null
        fi
        if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$DATA" "$CONF"; else echo "data kept in $DATA"; fi
    }
    trap cleanup EXIT
    for _ in $(seq 1 150); do
        grep -q 'Swiftlet listening' "$LOG" 2>/dev/null && break
        kill -0 "$SERVER_PID" 2>/dev/null || { echo "server exited:" >&2; cat "$LOG" >&2; exit 2; }
        sleep 0.2
    done
    grep -q 'Swiftlet listening' "$LOG" || { echo "server did not start:" >&2; cat "$LOG" >&2; exit 2; }
    BASE_URL=http://127.0.0.1:$PORT
fi

# 3. test.conf for Swift's functional tests (the same accounts as Swift's SAIO)
cat > "$RESULTS/test.conf" <<EOF
[func_test]
auth_uri = $BASE_URL/auth/v1.0
account = test
username = tester
password = testing
account2 = test2
username2 = tester2
password2 = testing2
username3 = tester3
password3 = testing3
account5 = test5
username5 = tester5
password5 = testing5
service_prefix = SERVICE
account6 = test6
username6 = tester6
password6 = testing6
collate = C
insecure = no
storage_domain = swiftlet.test

[unit_test]
fake_syslog = False

[swift-constraints]
EOF

# 4. run each file as Swift's tree expects (unittest-style classes under pytest)
export SWIFT_TEST_CONFIG_FILE=$RESULTS/test.conf
export SWIFT_TEST_IN_PROCESS=0
export PYTHONDONTWRITEBYTECODE=1
echo "swiftlet:  $BASE_URL (log $LOG)"
echo "source:    $SWIFT_SRC"
echo "results:   $RESULTS"
for f in "${files[@]}"; do
    name=${f%.py}; name=${name//\//_}
    (cd "$SWIFT_SRC" && "$PY" -m pytest -p no:cacheprovider -q -rfEs --timeout "${PYTEST_TIMEOUT:-300}" \
        --junitxml "$RESULTS/$name.xml" -o junit_family=xunit2 \
        "test/functional/$f" "${extra[@]}" > "$RESULTS/$name.log" 2>&1)
    echo "$f: rc=$? $(tail -1 "$RESULTS/$name.log")"
done

summarize "$RESULTS"
