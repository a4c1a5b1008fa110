#!/usr/bin/python3
"""openstacksdk's form POST signature against Swiftlet, and a browser-like form upload with it.

Usage: openstacksdk_formpost.py <identity base URL (without /v3)>

Logs in with Keystone v3 password auth (test:tester/testing in the Default domain), sets the
account's Temp-URL key with the SDK, creates a container, has the SDK sign a form for the
prefix `up-` (generate_form_signature), then POSTs a multipart form with two files and no token
(python3-requests, as a browser would) and reads the objects back with the SDK.

Prints one JSON object per step on stdout; the Node test asserts them. Exits 2 on an unexpected error.
"""
import json
import sys

import openstack
import requests


def emit(step, **fields):
    fields["step"] = step
    print(json.dumps(fields, sort_keys=True), flush=True)


def main(base):
    conn = openstack.connect(
        auth_url=base + "/v3", username="tester", password="testing", project_name="test",
        user_domain_name="Default", project_domain_name="Default", identity_api_version="3")
    store = conn.object_store
    store.set_account_temp_url_key("form-key")
    store.create_container(name="forms")
    expires, signature = store.generate_form_signature(
        "forms", object_prefix="up-", redirect_url="", max_file_size=1024,
        max_upload_count=2, timeout=600, temp_url_key="form-key")
    url = store.get_endpoint().rstrip("/") + "/forms/up-"
    fields = {"redirect": "", "max_file_size": "1024", "max_file_count": "2",
              "expires": str(expires), "signature": signature}
    files = [("file1", ("a.txt", b"alpha\n", "text/plain")), ("file2", ("b.bin", b"\x00\x01beta", "application/octet-stream"))]
    res = requests.post(url, data=fields, files=files, timeout=60)
    emit("post", status=res.status_code, body=res.text)
    names = sorted(o.name for o in store.objects("forms"))
    emit("list", names=names)
    emit("read", a=store.download_object("up-a.txt", container="forms").decode(),
         b=store.download_object("up-b.bin", container="forms").hex())
    too_big = requests.post(url, data=fields, files=[("f", ("c.txt", b"x" * 2000, "text/plain"))], timeout=60)
    emit("too_big", status=too_big.status_code, body=too_big.text)
    forged = dict(fields, max_file_size="999999")
    forged_res = requests.post(url, data=forged, files=[("f", ("d.txt", b"d", "text/plain"))], timeout=60)
    emit("forged", status=forged_res.status_code, body=forged_res.text)


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except Exception as e:  # noqa: BLE001 - reported to the Node test
        emit("error", error=repr(e))
        sys.exit(2)
