#!/usr/bin/env bash
# Sends the same requests to a Swift endpoint and a Swiftlet endpoint (both with tempauth-style users
# test:tester/testing and test2:tester2/testing2) and prints each answer's status and the headers in
# question, so the two can be diffed. Used for issue 18 (metadata names, copy answers, owners under
# public ACLs, account names as grantees).
#   scripts/parity/issue18-side-by-side.sh http://127.0.0.1:18080 > swift.txt
#   scripts/parity/issue18-side-by-side.sh http://127.0.0.1:18090 > swiftlet.txt; diff swift.txt swiftlet.txt
set -euo pipefail
base=${1:?endpoint}
c="parity$RANDOM"
login() { curl -s -D - -o /dev/null -H "X-Auth-User: $1" -H "X-Auth-Key: $2" "$base/auth/v1.0" | tr -d '\r'; }
L1=$(login test:tester testing); T1=$(sed -n 's/^x-auth-token: //Ip' <<<"$L1"); U1=$(sed -n 's/^x-storage-url: //Ip' <<<"$L1")
L2=$(login test2:tester2 testing2); T2=$(sed -n 's/^x-auth-token: //Ip' <<<"$L2"); U2=$(sed -n 's/^x-storage-url: //Ip' <<<"$L2")
A2=${U2##*/}
show() { # label, grep pattern of headers to show, curl args...
  local label=$1 pat=$2; shift 2
  local out; out=$(curl -s -D - -o /dev/null "$@" | tr -d '\r')
  echo "== $label: $(head -1 <<<"$out" | cut -d' ' -f2)"
  grep -iE "^($pat):" <<<"$out" | sed -E 's/^([^:]+):/\L\1:/' | sed -e "s/$A2/<acct2>/g" -e "s/$c/<c>/g" | sort || true
}
show 'PUT container with _ meta' 'x-container-meta-.*' -X PUT -H "X-Auth-Token: $T1" -H 'X-Container-Meta-test_container_meta: Meta1' "$U1/$c"
show 'HEAD container' 'x-container-meta-.*' -I -H "X-Auth-Token: $T1" "$U1/$c"
show 'POST account _ meta' 'x' -X POST -H "X-Auth-Token: $T1" -H 'X-Account-Meta-acct_meta: A' "$U1"
show 'HEAD account' 'x-account-meta-acct.*' -I -H "X-Auth-Token: $T1" "$U1"
show 'PUT object _ meta' 'x-object-meta-.*' -X PUT -H "X-Auth-Token: $T1" -H 'X-Object-Meta-Src: s' -H 'X-Object-Meta-obj_meta: O' --data-binary abc "$U1/$c/src"
show 'HEAD object' 'x-object-meta-.*' -I -H "X-Auth-Token: $T1" "$U1/$c/src"
show 'COPY with meta' 'x-object-meta-.*|x-copied-from|x-copied-from-account' -X COPY -H "X-Auth-Token: $T1" -H "Destination: $c/dst" -H 'X-Object-Meta-Test: x' "$U1/$c/src"
show 'PUT X-Copy-From' 'x-object-meta-.*|x-copied-from' -X PUT -H "X-Auth-Token: $T1" -H "X-Copy-From: $c/src" -H 'X-Object-Meta-Test: y' -H 'Content-Length: 0' "$U1/$c/dst2"
show 'COPY fresh' 'x-object-meta-.*|x-copied-from' -X COPY -H "X-Auth-Token: $T1" -H "Destination: $c/dst3" -H 'X-Fresh-Metadata: true' -H 'X-Object-Meta-New: n' "$U1/$c/src"
for acl in '.r:*' '.r:*,.rlistings'; do
  show "POST acl $acl + keys" 'x' -X POST -H "X-Auth-Token: $T1" -H "X-Container-Read: $acl" -H 'X-Container-Meta-Temp-URL-Key: k1' -H 'X-Container-Sync-Key: sk' "$U1/$c"
  show "owner HEAD ($acl)" 'x-container-read|x-container-write|x-container-meta-temp-url-key|x-container-sync-key' -I -H "X-Auth-Token: $T1" "$U1/$c"
  show "owner GET ($acl)" 'x-container-read|x-container-meta-temp-url-key|x-container-sync-key' -H "X-Auth-Token: $T1" "$U1/$c"
  show "anonymous HEAD ($acl)" 'x-container-read|x-container-meta-temp-url-key|x-container-sync-key' -I "$U1/$c"
  show "other account HEAD ($acl)" 'x-container-read|x-container-meta-temp-url-key|x-container-sync-key' -I -H "X-Auth-Token: $T2" "$U1/$c"
  show "anonymous object GET ($acl)" 'x-object-meta-src' "$U1/$c/src"
done
show 'POST read ACL = account 2' 'x' -X POST -H "X-Auth-Token: $T1" -H "X-Container-Read: $A2" "$U1/$c"
show 'account 2 HEAD container' 'x-container-read|x-container-meta-temp-url-key' -I -H "X-Auth-Token: $T2" "$U1/$c"
show 'account 2 GET object' 'x-object-meta-src' -H "X-Auth-Token: $T2" "$U1/$c/src"
show 'account 2 PUT object' 'x' -X PUT -H "X-Auth-Token: $T2" --data-binary z "$U1/$c/nope"
show 'POST read ACL = test2 (bare name)' 'x' -X POST -H "X-Auth-Token: $T1" -H "X-Container-Read: test2" "$U1/$c"
show 'account 2 HEAD container' 'x-container-read|x-container-meta-temp-url-key' -I -H "X-Auth-Token: $T2" "$U1/$c"
show 'POST read ACL = other account' 'x' -X POST -H "X-Auth-Token: $T1" -H 'X-Container-Read: AUTH_someone_else' "$U1/$c"
show 'account 2 HEAD container' 'x-container-read' -I -H "X-Auth-Token: $T2" "$U1/$c"
