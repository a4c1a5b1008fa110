#!/usr/bin/python3
"""python-swiftclient against a service account (SERVICE_<project>) with composite tokens.

Usage: swiftclient_service_token.py <v1.0 auth URL>

Logs in with v1.0 as the user test:tester/testing and the service test5:tester5/testing5, then
works in the user's service account (the user's storage URL with SERVICE_ in place of AUTH_)
through swiftclient.client.Connection with the user token as preauthtoken and the service token
as service token: put/get/list/delete. Without the service token (or with the service token
alone), the same requests must fail with ClientException http_status 403.

Prints one JSON object per step on stdout ({"step": ..., ...}); the Node test asserts them.
Exits 0 when it got to the end (assertions are the caller's business), 2 on an unexpected error.
"""
import hashlib
import json
import os
import sys

from swiftclient import client
from swiftclient.exceptions import ClientException


def emit(step, **fields):
    fields["step"] = step
    print(json.dumps(fields, sort_keys=True), flush=True)


def connect(url, token, service_token=None):
    """Connection(preauthurl, preauthtoken, service_token) on a swiftclient that takes it;
    python-swiftclient 4.1 (Debian 12) has no such argument, but its Connection sends its
    service_token attribute as X-Service-Token on every request (that is what its own
    service_username/service_key options fill in), so set it there."""
    try:
        conn = client.Connection(preauthurl=url, preauthtoken=token,
                                 service_token=service_token, retries=0)
        how = "argument"
    except TypeError:
        conn = client.Connection(preauthurl=url, preauthtoken=token, retries=0)
        conn.service_token = service_token
        how = "attribute"
    return conn, how


def status_of(fn):
    """Runs fn; returns ("ok", result) or ("error", http_status)."""
    try:
        return "ok", fn()
    except ClientException as err:
        return "error", err.http_status


def main():
    auth_url = sys.argv[1]
    user_url, user_token = client.get_auth(auth_url, "test:tester", "testing")
    svc_url, svc_token = client.get_auth(auth_url, "test5:tester5", "testing5")
    if "/AUTH_" not in user_url:
        raise SystemExit("unexpected storage URL %s" % user_url)
    service_url = user_url.replace("/AUTH_", "/SERVICE_", 1)
    emit("login", user_url=user_url, service_user_url=svc_url, service_url=service_url,
         distinct_tokens=user_token != svc_token)

    conn, how = connect(service_url, user_token, svc_token)
    emit("connection", service_token_passed_as=how)

    container = "svc-box"
    data = os.urandom(70000) + b"end"
    conn.put_container(container, headers={"X-Container-Meta-Owner": "image-service"})
    etag = conn.put_object(container, "image/disk.raw", data,
                           content_type="application/octet-stream")
    conn.put_object(container, "image/manifest.json", b'{"size": 70003}',
                    content_type="application/json")
    emit("put", etag=etag, md5=hashlib.md5(data).hexdigest())

    headers, body = conn.get_object(container, "image/disk.raw")
    emit("get", same_bytes=body == data, length=len(body),
         content_length=headers.get("content-length"), etag=headers.get("etag"),
         content_type=headers.get("content-type"))

    headers, objects = conn.get_container(container)
    emit("list_container", names=[o["name"] for o in objects],
         bytes=[o["bytes"] for o in objects],
         meta_owner=headers.get("x-container-meta-owner"),
         object_count=headers.get("x-container-object-count"))

    headers, containers = conn.get_account()
    emit("list_account", names=[c["name"] for c in containers],
         container_count=headers.get("x-account-container-count"))

    headers = conn.head_object(container, "image/manifest.json")
    emit("head", content_type=headers.get("content-type"), content_length=headers.get("content-length"))

    # The user token alone: the service account is not the user's to touch.
    alone, _ = connect(service_url, user_token)
    results = {}
    results["get_account"] = status_of(lambda: alone.get_account())
    results["get_container"] = status_of(lambda: alone.get_container(container))
    results["get_object"] = status_of(lambda: alone.get_object(container, "image/disk.raw"))
    results["put_object"] = status_of(lambda: alone.put_object(container, "sneaky", b"x"))
    results["delete_object"] = status_of(lambda: alone.delete_object(container, "image/disk.raw"))
    emit("user_token_alone", **{k: v[1] if v[0] == "error" else "ok" for k, v in results.items()})

    # The service token alone (as X-Auth-Token): not the user's project either.
    svc_alone, _ = connect(service_url, svc_token)
    results = {}
    results["get_container"] = status_of(lambda: svc_alone.get_container(container))
    results["put_object"] = status_of(lambda: svc_alone.put_object(container, "sneaky", b"x"))
    emit("service_token_alone", **{k: v[1] if v[0] == "error" else "ok" for k, v in results.items()})

    # Nothing was changed by the refused requests.
    headers, objects = conn.get_container(container)
    emit("after_refusals", names=[o["name"] for o in objects])

    # swiftclient's own way to the same place: service_username/service_key in os_options, the
    # storage URL pinned with object_storage_url (both tokens from v1.0 logins by swiftclient).
    own = client.Connection(authurl=auth_url, user="test:tester", key="testing", retries=0,
                            os_options={"service_username": "test5:tester5", "service_key": "testing5",
                                        "object_storage_url": service_url})
    headers, body = own.get_object(container, "image/manifest.json")
    emit("os_options_service_user", body=body.decode("utf-8"))

    conn.delete_object(container, "image/disk.raw")
    conn.delete_object(container, "image/manifest.json")
    after_delete = status_of(lambda: conn.get_object(container, "image/disk.raw"))
    conn.delete_container(container)
    headers, containers = conn.get_account()
    emit("delete", get_after_delete=after_delete[1] if after_delete[0] == "error" else "ok",
         containers_left=[c["name"] for c in containers])
    emit("done")


if __name__ == "__main__":
    try:
        main()
    except ClientException as err:
        emit("unexpected_client_exception", http_status=err.http_status, message=str(err))
        sys.exit(2)
