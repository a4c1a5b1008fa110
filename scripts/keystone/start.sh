#!/usr/bin/env bash
# scripts/keystone/start.sh - a throw-away OpenStack Keystone for Swiftlet's keystone interop tier
# (`npm run test:keystone`).
#
# Installs Debian's `keystone` package if missing, runs Keystone (sqlite backend, fernet tokens)
# under uwsgi on 127.0.0.1:$KEYSTONE_PORT (default 35357) with its data under $KEYSTONE_DIR
# (default /tmp/swiftlet-keystone-$KEYSTONE_PORT; nothing outside it is configured or started),
# bootstraps it and creates the identities the tests use, then writes them to
# $KEYSTONE_DIR/credentials.json. Stop it with scripts/keystone/stop.sh (by PID).
#
# Identities (domain "Default"), password in brackets:
#   admin    [$KEYSTONE_ADMIN_PASSWORD, default adminpw]  project admin, role admin (bootstrap)
#   swiftlet [swiftletpw]  project service, roles service, admin  <- Swiftlet's own credentials ([keystone])
#   glance   [glancepw]    project service, role service  <- the service-token user
#   demo     [demopw]      project demo,    role admin    <- U
#   member   [memberpw]    project demo,    role member   <- U' (no operator role)
#   other    [otherpw]     project other,   role admin    <- U'' (admin elsewhere)
#   reseller [resellerpw]  project reseller, role ResellerAdmin
#
# Tokens live $KEYSTONE_TOKEN_EXPIRATION seconds (default 40, deliberately short: the tier checks
# that an *expired* user token is accepted together with a service token, D7/C11).
#
# Environment: KEYSTONE_PORT, KEYSTONE_DIR, KEYSTONE_ADMIN_PASSWORD, KEYSTONE_TOKEN_EXPIRATION,
# KEYSTONE_RESET=1 (wipe the data dir first).
#
# Lessons from running Keystone beside a one-node Swift (SAIO) on Debian: sqlite needs WAL and a
# single uwsgi process with a single thread ("database is locked" otherwise), and uwsgi's
# http-socket has no keep-alive, so responses carry `Connection: close`.
set -euo pipefail

PORT=${KEYSTONE_PORT:-35357}
DIR=${KEYSTONE_DIR:-/tmp/swiftlet-keystone-$PORT}
ADMIN_PW=${KEYSTONE_ADMIN_PASSWORD:-adminpw}
EXPIRATION=${KEYSTONE_TOKEN_EXPIRATION:-40}
URL=http://127.0.0.1:$PORT
started=$(date +%s)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
log() { echo "keystone: $*"; }

# ------------------------------------------------------------------ install (Debian packages only)
. "$(dirname "$0")/../lib/debian-packages.sh"
# debconf defaults: no database configured, no admin, no endpoints: nothing is set up outside $DIR.
install_debian_packages keystone uwsgi-core uwsgi-plugin-python3 sqlite3 curl
installed=$(date +%s)

# ------------------------------------------------------------------ already running?
if [ -f "$DIR/uwsgi.pid" ]; then
  pid=$(head -n1 "$DIR/uwsgi.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && tr '\0' ' ' </proc/"$pid"/cmdline | grep -qF "$DIR/uwsgi.ini"; then
    if [ "${KEYSTONE_RESET:-}" = 1 ]; then
      "$(dirname "$0")/stop.sh"
    else
      log "already running (pid $pid), re-applying identities"
    fi
  fi
fi
if [ "${KEYSTONE_RESET:-}" = 1 ]; then rm -rf "$DIR"; fi
mkdir -p "$DIR"

# Run as the package's `keystone` user when we can (root), else as ourselves.
owner=""
if [ "$(id -u)" = 0 ] && id keystone >/dev/null 2>&1; then owner=keystone; fi

cat >"$DIR/keystone.conf" <<EOF
[DEFAULT]
use_stderr = true

[database]
connection = sqlite:///$DIR/keystone.sqlite

[token]
provider = fernet
expiration = $EXPIRATION
allow_expired_window = 172800

[identity]
# bcrypt's minimum cost: a throw-away test Keystone should not spend ~1 s hashing every login.
password_hash_rounds = 4

[fernet_tokens]
key_repository = $DIR/fernet-keys

[fernet_receipts]
key_repository = $DIR/fernet-receipts

[credential]
key_repository = $DIR/credential-keys

[oslo_policy]
enforce_new_defaults = false
enforce_scope = false

[cors]
# Swiftlet's web console logs in from Swiftlet's own origin, cross-origin to Keystone
# (test-keystone/console.test.ts, on a port the test picks). A throw-away Keystone on loopback only.
allowed_origin = *
EOF
# Keystone reads this file through OS_KEYSTONE_CONFIG_DIR, but its CORS middleware opens its own
# oslo.config that only searches ~/.keystone, ~, /etc/keystone and /etc: HOME (set for uwsgi
# below) makes it find the same file here instead of the system's /etc/keystone/keystone.conf.
mkdir -p "$DIR/.keystone"
ln -sf ../keystone.conf "$DIR/.keystone/keystone.conf"

cat >"$DIR/uwsgi.ini" <<EOF
[uwsgi]
plugins = python3
http-socket = 127.0.0.1:$PORT
wsgi-file = /usr/bin/keystone-wsgi-public
env = OS_KEYSTONE_CONFIG_DIR=$DIR
env = HOME=$DIR
master = true
die-on-term = true
no-orphans = true
lazy-apps = true
enable-threads = true
processes = 1
threads = 1
buffer-size = 65535
add-header = Connection: close
chdir = $DIR
EOF
if [ -n "$owner" ]; then printf 'uid = %s\ngid = %s\n' "$owner" "$owner" >>"$DIR/uwsgi.ini"; fi

KM=(keystone-manage --config-file "$DIR/keystone.conf")
fix_owner() { if [ -n "$owner" ]; then chown -R "$owner:$owner" "$DIR"; fi; }
if [ ! -f "$DIR/keystone.sqlite" ]; then
  log "creating the database"
  "${KM[@]}" db_sync 2>"$DIR/db_sync.log" || { cat "$DIR/db_sync.log"; exit 1; }
fi
sqlite3 "$DIR/keystone.sqlite" 'PRAGMA journal_mode=WAL;' >/dev/null
keyargs=(--keystone-user "$(id -un)" --keystone-group "$(id -gn)")
if [ -n "$owner" ]; then keyargs=(--keystone-user "$owner" --keystone-group "$owner"); fi
[ -d "$DIR/fernet-keys" ] || "${KM[@]}" fernet_setup "${keyargs[@]}" 2>>"$DIR/manage.log"
[ -d "$DIR/credential-keys" ] || "${KM[@]}" credential_setup "${keyargs[@]}" 2>>"$DIR/manage.log"
"${KM[@]}" bootstrap --bootstrap-password "$ADMIN_PW" \
  --bootstrap-admin-url "$URL/v3/" --bootstrap-internal-url "$URL/v3/" --bootstrap-public-url "$URL/v3/" \
  --bootstrap-region-id RegionOne 2>>"$DIR/manage.log" || { tail -n 30 "$DIR/manage.log"; exit 1; }
fix_owner

# ------------------------------------------------------------------ start uwsgi (pid recorded)
running=""
if [ -f "$DIR/uwsgi.pid" ]; then
  pid=$(head -n1 "$DIR/uwsgi.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then running=1; fi
fi
if [ -z "$running" ]; then
  setsid /usr/bin/uwsgi --ini "$DIR/uwsgi.ini" >>"$DIR/keystone.log" 2>&1 </dev/null &
  echo $! >"$DIR/uwsgi.pid"
  log "uwsgi pid $(cat "$DIR/uwsgi.pid"), log $DIR/keystone.log"
fi
for _ in $(seq 1 120); do
  curl -fsS -o /dev/null "$URL/v3" 2>/dev/null && break
  kill -0 "$(cat "$DIR/uwsgi.pid")" 2>/dev/null || { tail -n 40 "$DIR/keystone.log"; echo "keystone died"; exit 1; }
  sleep 0.5
done
curl -fsS -o /dev/null "$URL/v3" || { tail -n 40 "$DIR/keystone.log"; echo "keystone did not answer on $URL/v3"; exit 1; }
serving=$(date +%s)

# ------------------------------------------------------------------ identities
/usr/bin/python3 - "$URL/v3" "$ADMIN_PW" "$DIR/credentials.json" "$EXPIRATION" <<'PYEOF'
# Plain REST with the standard library (no client library: keystoneauth re-authenticates on every
# call when tokens live less than 2 minutes, as they do here).
import json, os, sys, time, urllib.error, urllib.request

url, admin_pw, out, expiration = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
admin = {'token': None, 'at': 0.0}

def call(method, path, body=None, token=None, ok=(200, 201, 204)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method)
    req.add_header('Content-Type', 'application/json')
    if token is not None:
        req.add_header('X-Auth-Token', token)
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            raw = res.read()
            return res.status, res.headers, json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        if e.code in ok:
            return e.code, e.headers, None
        raise SystemExit('keystone: %s %s -> %s %s' % (method, path, e.code, e.read()[:300]))

def token():
    if admin['token'] is None or time.time() - admin['at'] > expiration / 2:
        _, headers, _ = call('POST', '/auth/tokens', {'auth': {
            'identity': {'methods': ['password'], 'password': {'user': {
                'name': 'admin', 'domain': {'id': 'default'}, 'password': admin_pw}}},
            'scope': {'project': {'name': 'admin', 'domain': {'id': 'default'}}}}})
        admin['token'], admin['at'] = headers['X-Subject-Token'], time.time()
    return admin['token']

def find(kind, name, extra=''):
    _, _, body = call('GET', '/%s?name=%s%s' % (kind, name, extra), token=token())
    items = body[kind]
    return items[0] if items else None

def ensure(kind, name, attrs):
    found = find(kind, name, '&domain_id=default' if kind != 'roles' else '')
    if found:
        return found
    _, _, body = call('POST', '/' + kind, {kind[:-1]: dict(name=name, **attrs)}, token=token())
    return body[kind[:-1]]

roles = {r: ensure('roles', r, {})['id'] for r in ('admin', 'member', 'reader', 'service', 'ResellerAdmin')}
spec = [  # user, password, project, roles
    ('swiftlet', 'swiftletpw', 'service', ['service', 'admin']),
    ('glance', 'glancepw', 'service', ['service']),
    ('demo', 'demopw', 'demo', ['admin']),
    ('member', 'memberpw', 'demo', ['member']),
    ('other', 'otherpw', 'other', ['admin']),
    ('reseller', 'resellerpw', 'reseller', ['ResellerAdmin']),
]
users = {}
for name, pw, pname, rnames in spec:
    p = ensure('projects', pname, {'domain_id': 'default'})
    u = find('users', name, '&domain_id=default')
    if u is None:
        u = ensure('users', name, {'domain_id': 'default', 'password': pw, 'default_project_id': p['id']})
    else:
        call('PATCH', '/users/' + u['id'], {'user': {'password': pw}}, token=token())
    for r in rnames:
        call('PUT', '/projects/%s/users/%s/roles/%s' % (p['id'], u['id'], roles[r]), token=token())
    users[name] = {'user_id': u['id'], 'password': pw, 'project': pname, 'project_id': p['id'],
                   'domain': 'Default', 'roles': rnames}
    print('keystone: %-8s project %-8s (%s) roles %s' % (name, pname, p['id'], ','.join(rnames)))

doc = {'auth_url': url, 'token_expiration': expiration,
       'admin': {'password': admin_pw, 'project': 'admin'}, 'users': users}
tmp = out + '.tmp'
with open(tmp, 'w') as f:
    json.dump(doc, f, indent=2)
os.replace(tmp, out)
PYEOF
done_at=$(date +%s)
log "ready at $URL/v3 (credentials: $DIR/credentials.json)"
log "timing: install $((installed - started)) s, start $((serving - installed)) s, identities $((done_at - serving)) s, total $((done_at - started)) s"
