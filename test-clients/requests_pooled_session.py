"""A pooled python3-requests Session (urllib3 underneath, as swiftclient, openstacksdk and most Python
tooling use) doing mixed requests against a Swift endpoint, some with `Connection: close`.

Usage: requests_pooled_session.py <base url> <count>. Prints one JSON line: counts by status and the
connection errors (a socket kept in the pool that the server had closed shows up here).
"""
import json
import sys

import requests

base, count = sys.argv[1], int(sys.argv[2])
session = requests.Session()
login = session.get(f"{base}/auth/v1.0", headers={"X-Auth-User": "test:tester", "X-Auth-Key": "testing"})
token, storage = login.headers["X-Auth-Token"], login.headers["X-Storage-Url"]
auth = {"X-Auth-Token": token}
session.put(f"{storage}/pooled", headers=auth).raise_for_status()

statuses = {}
errors = []
for i in range(count):
    headers = dict(auth)
    if i % 3 == 0:
        headers["Connection"] = "close"
    kind = i % 4
    name = f"{storage}/pooled/o{i % 50}"
    try:
        if kind == 0:
            r = session.put(name, headers=headers, data=b"x" * (i % 200))
        elif kind == 1:
            r = session.get(name, headers=headers)
        elif kind == 2:
            r = session.head(name, headers=headers)
        else:
            headers["X-Object-Meta-N"] = str(i)
            r = session.post(name, headers=headers)
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
    except requests.exceptions.RequestException as err:
        errors.append(f"{i}: {type(err).__name__}: {err}")

print(json.dumps({"statuses": statuses, "errors": errors[:20], "error_count": len(errors)}))
