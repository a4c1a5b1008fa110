#!/usr/bin/env bash
# scripts/s3api-functests.sh - run OpenStack Swift's own s3api functional tests (test/functional/s3api of
# Swift 2.30.1, boto and boto3 from Debian) against a freshly started Swiftlet, or against any endpoint
# (e.g. the SAIO) that serves Swift's functional-test accounts, and print a per-file pass/fail/skip table.
#
#   SWIFT_SRC=/path/to/swift-2.30.1 scripts/s3api-functests.sh                    # all s3api files, fresh Swiftlet
#   SWIFT_SRC=... ENDPOINT=http://127.0.0.1:18080 scripts/s3api-functests.sh      # a running SAIO / Swiftlet
#   SWIFT_SRC=... scripts/s3api-functests.sh test_bucket.py test_object.py       # some files
#   SWIFT_SRC=... scripts/s3api-functests.sh test_object.py -- -k test_put_object # extra pytest args after --
#   scripts/s3api-functests.sh --summarize RESULTS_DIR                            # re-print a table
#
# Source tree and Debian packages: as in the header of scripts/functests.sh (python3-boto, python3-boto3,
# python3-botocore, python3-pytest, python3-pytest-timeout, python3-requests, python3-swift, ...).
#
# Credentials: the S3 access key is tempauth's `account:user` and the secret is that user's key, as
# Swift's s3api with tempauth takes them (test:tester/testing, test:tester2/testing2 - a second admin of
# the same account - and test:tester3/testing3 - a non-admin). A fresh Swiftlet gets those users from
# scripts/functests-swiftlet.toml; an ENDPOINT must already have them (the SAIO does).
#
# Why pytest runs with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 (see docs/s3-functests.md): Swift's
# test/functional/__init__.py monkey-patches socket and ssl with eventlet at import time. A pytest plugin
# loaded before that (Debian's python3-requests-mock registers one) imports requests -> urllib3, and
# urllib3 keeps the unpatched ssl.SSLContext class; botocore then builds its SSL context from that class,
# whose `options` setter calls super(SSLContext, SSLContext) with ssl.SSLContext rebound to eventlet's
# subclass, and recurses until RecursionError - every boto3 client fails to start. With no plugin
# autoloaded (pytest-timeout is loaded explicitly) nothing imports urllib3 before the monkey-patching.
# No test file is changed.
#
# Env: SWIFT_SRC (required), ENDPOINT (test a running server instead of starting Swiftlet), PORT (default:
# a free port), RESULTS (default $TMPDIR/swiftlet-s3api-functests/<timestamp>), PYTEST_TIMEOUT (default
# 300), WORKERS (default 1), KEEP_DATA=1 to keep the started Swiftlet's data directory, EXTRA_CONFIG=<toml>
# appended to its config, S3_REGION (default us-east-1), AUTOLOAD_PLUGINS=1 to run pytest as it is by
# default (reproduces the RecursionError).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3

summarize() {  # $1 = results dir: per-file table from the junit xml files, and the failing tests
"$PY" - "$1" <<'EOF' | tee "$1/summary.txt"
import sys, os, glob
import xml.etree.ElementTree as ET
d = sys.argv[1]
tf = os.path.join(d, 'times.txt')
times = dict(l.split() for l in open(tf)) if os.path.exists(tf) else {}
tot = [0, 0, 0, 0, 0]
failed = []
print('%-24s %6s %6s %6s %6s %6s %8s' % ('file', 'tests', 'pass', 'fail', 'error', 'skip', 'wall_s'))
for x in sorted(glob.glob(os.path.join(d, '*.xml'))):
    name = os.path.basename(x)[:-4]
    n = p = f = e = s = 0
    for tc in ET.parse(x).getroot().iter('testcase'):
        n += 1
        bad = [c for c in tc if c.tag in ('failure', 'error')]
        kinds = {c.tag for c in tc}
        if 'failure' in kinds: f += 1
        elif 'error' in kinds: e += 1
        elif 'skipped' in kinds: s += 1
        else: p += 1
        if bad:
            text = (bad[0].get('message') or bad[0].text or '').strip()
            # the line that says why: the last "E   ..." line of the traceback, else the message
            why = [l for l in (bad[0].text or '').splitlines() if l.startswith('E   ') and l[4:].strip()]
            reason = (why[-1][4:].strip() if why else text.splitlines()[0] if text else '')[:160]
            if 'RecursionError' in (bad[0].text or ''): reason = 'RecursionError: the boto3 client did not start'
            failed.append('%s::%s::%s  %s' % (name, tc.get('classname', '').split('.')[-1], tc.get('name'), reason))
    for i, v in enumerate((n, p, f, e, s)): tot[i] += v
    print('%-24s %6d %6d %6d %6d %6d %8s' % (name, n, p, f, e, s, times.get(name, '?')))
print('%-24s %6d %6d %6d %6d %6d' % ('TOTAL', *tot))
with open(os.path.join(d, 'failures.txt'), 'w') as out:
    out.write(''.join(l + '\n' for l in failed))
recursion = sum('RecursionError' in l for l in failed)
if recursion:
    print('WARNING: %d failures are RecursionError in the boto3 client (see docs/s3-functests.md)' % recursion)
print('failing tests and why: %s' % os.path.join(d, 'failures.txt'))
EOF
}

if [ "${1:-}" = "--summarize" ]; then summarize "$2"; exit 0; fi

: "${SWIFT_SRC:?set SWIFT_SRC to a Swift 2.30.1 source tree (see the header of scripts/functests.sh)}"
[ -d "$SWIFT_SRC/test/functional/s3api" ] || { echo "$SWIFT_SRC has no test/functional/s3api" >&2; exit 2; }
SWIFT_SRC=$(realpath "$SWIFT_SRC")
for m in boto boto3 botocore pytest pytest_timeout requests swift; do
    "$PY" -c "import $m" 2>/dev/null || { echo "$PY cannot import $m (Debian package python3-${m//_/-})" >&2; exit 2; }
done

files=(); extra=()
while [ $# -gt 0 ]; do
    if [ "$1" = "--" ]; then shift; extra=("$@"); break; fi
    files+=("$1"); shift
done
if [ ${#files[@]} -eq 0 ]; then
    for f in "$SWIFT_SRC"/test/functional/s3api/test_*.py; do files+=("$(basename "$f")"); done
fi

RESULTS=${RESULTS:-${TMPDIR:-/tmp}/swiftlet-s3api-functests/$(date +%Y%m%d-%H%M%S)}
mkdir -p "$RESULTS"; RESULTS=$(realpath "$RESULTS")

if [ -n "${ENDPOINT:-}" ]; then
    # A server already serving Swift's functional-test accounts (the SAIO, or a Swiftlet started with
    # scripts/functests-swiftlet.toml).
    BASE_URL=${ENDPOINT%/}
    LOG="(not started here)"
else
    (cd "$ROOT" && npx tsc -p tsconfig.json) || { echo "build failed" >&2; exit 2; }
    DATA=$(mktemp -d "${TMPDIR:-/tmp}/swiftlet-s3ft-XXXXXX")
    CONF=$DATA.toml
    cat "$ROOT/scripts/functests-swiftlet.toml" > "$CONF"
    if [ -n "${EXTRA_CONFIG:-}" ]; then cat "$EXTRA_CONFIG" >> "$CONF"; fi
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

# test.conf: Swift's functional-test accounts plus the S3 keys test/functional/s3api reads
# (s3_access_key[2,3], s3_secret_key[2,3], s3_storage_url, s3_region).
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
s3_storage_url = $BASE_URL
s3_region = ${S3_REGION:-us-east-1}
s3_access_key = test:tester
s3_secret_key = testing
s3_access_key2 = test:tester2
s3_secret_key2 = testing2
s3_access_key3 = test:tester3
s3_secret_key3 = testing3

[unit_test]
fake_syslog = False

[swift-constraints]
EOF

export SWIFT_TEST_CONFIG_FILE=$RESULTS/test.conf
export SWIFT_TEST_IN_PROCESS=0
export SWIFT_TEST_QUIET_BOTO_LOGS=1
export PYTHONDONTWRITEBYTECODE=1
plugins=(-p no:cacheprovider)
if [ -z "${AUTOLOAD_PLUGINS:-}" ]; then
    export PYTEST_DISABLE_PLUGIN_AUTOLOAD=1
    plugins+=(-p pytest_timeout)
fi
echo "endpoint:  $BASE_URL (log $LOG)"
echo "source:    $SWIFT_SRC"
echo "results:   $RESULTS"
: > "$RESULTS/times.txt"
for f in "${files[@]}"; do
    name=${f%.py}; name=${name//\//_}
    s=$(date +%s.%N)
    (cd "$SWIFT_SRC" && "$PY" -m pytest "${plugins[@]}" -q -rfEs --timeout "${PYTEST_TIMEOUT:-300}" \
        --junitxml "$RESULTS/$name.xml" -o junit_family=xunit2 \
        "test/functional/s3api/$f" "${extra[@]}" > "$RESULTS/$name.log" 2>&1)
    rc=$?
    e=$(date +%s.%N)
    awk -v n="$name" -v s="$s" -v e="$e" 'BEGIN{printf "%s %.1f\n", n, e - s}' >> "$RESULTS/times.txt"
    echo "$f: rc=$rc $(tail -1 "$RESULTS/$name.log")"
done

summarize "$RESULTS"
