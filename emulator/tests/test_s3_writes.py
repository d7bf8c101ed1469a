"""Object writes through the emulator's aws server are serialized, so moto's check of a condition
(If-None-Match: *, If-Match) and its write are one step, as on S3. moto's own window between the two
is too narrow to hit reliably from outside, so this drives the middleware with an app that widens
it: check, pause, write."""

from __future__ import annotations

import threading
import time
from typing import Any

from claims_emulator.s3_writes import serialize_object_writes

S3_AUTH = "AWS4-HMAC-SHA256 Credential=emulator/20261201/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0"


def _racing(app: Any, environ: dict[str, Any], writers: int = 5) -> list[str]:
    start = threading.Barrier(writers)
    statuses: list[str] = []

    def write() -> None:
        start.wait()
        app(dict(environ), lambda status, headers: statuses.append(status))

    threads = [threading.Thread(target=write) for _ in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    return statuses


def _create_if_absent(store: dict[str, str]) -> Any:
    """Checks If-None-Match: * and writes, with a pause in between, as moto does in two steps."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        exists = environ["PATH_INFO"] in store
        time.sleep(0.05)
        if exists:
            start_response("412 Precondition Failed", [])
        else:
            store[environ["PATH_INFO"]] = "written"
            start_response("200 OK", [])
        return [b""]

    return app


def test_conditional_object_writes_are_one_step() -> None:
    environ = {"REQUEST_METHOD": "PUT", "PATH_INFO": "/lake/_locks/run.json", "QUERY_STRING": "", "HTTP_AUTHORIZATION": S3_AUTH, "HTTP_IF_NONE_MATCH": "*"}
    unguarded = _racing(_create_if_absent({}), environ)
    assert unguarded.count("200 OK") > 1  # the race the middleware exists for
    guarded = _racing(serialize_object_writes(_create_if_absent({})), environ)
    assert sorted(guarded) == ["200 OK"] + ["412 Precondition Failed"] * 4


def test_upload_parts_and_reads_are_not_serialized() -> None:
    inside = 0
    most = 0
    lock = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        nonlocal inside, most
        with lock:
            inside += 1
            most = max(most, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1
        start_response("200 OK", [])
        return [b""]

    guarded = serialize_object_writes(app)
    part = {"REQUEST_METHOD": "PUT", "PATH_INFO": "/lake/big.bin", "QUERY_STRING": "partNumber=2&uploadId=abc", "HTTP_AUTHORIZATION": S3_AUTH}
    _racing(guarded, part)
    assert most > 1
    most = 0
    _racing(guarded, {**part, "REQUEST_METHOD": "GET", "QUERY_STRING": ""})
    assert most > 1
