"""S3 writes on the emulator are atomic as on S3. moto checks a condition (If-None-Match: *,
If-Match) and then writes, in two steps with no lock between them, so two racing writers can both
pass the check: the lake lock would let two runs in. Here every object write (PUT, POST, DELETE
signed for S3) takes one lock for the whole request, so a condition and its write are one step;
UploadPart is left out, so the parts of multipart uploads still go in parallel."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_WRITES = frozenset({"PUT", "POST", "DELETE"})


def _is_object_write(environ: dict[str, Any]) -> bool:
    if environ.get("REQUEST_METHOD") not in _WRITES or "/s3/aws4_request" not in environ.get("HTTP_AUTHORIZATION", ""):
        return False
    query = environ.get("QUERY_STRING", "")
    return not ("partNumber=" in query and "uploadId=" in query)


def serialize_object_writes(app: WSGIApp) -> WSGIApp:
    lock = threading.Lock()

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not _is_object_write(environ):
            return app(environ, start_response)
        with lock:
            # moto's Flask app reads the body and builds the whole response inside the call
            return list(app(environ, start_response))

    return wrapped
