"""The `snowflake_node` server: a reverse proxy in front of the fakesnow server that rewrites what
the Node snowflake-sdk cannot read. fakesnow speaks to the Python connector; the Node driver needs:

- query results as Snowflake's JSON rowset, not Arrow (rowset.py), and `returned` (the row count
  of this response; without it DML callbacks never fire);
- the session's output formats (date, time, timestamp, binary) among the result parameters
  (without BINARY_OUTPUT_FORMAT a BINARY column crashes the driver);
- a `region` in a PUT's stage info (the driver reads it to pick the upload host);
- an answer to its GET on the upload URL (the snowflake server serves those; see server.py).

Failures come back as Snowflake errors (errors.py), never as an HTTP 5xx or a hang: the upstream
call has a time limit beyond the snowflake server's own statement limit.

    python -m claims_emulator.snowflake.node_adapter --fd N --state DIR --upstream URL --timeout SECONDS
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

import urllib3

from claims_emulator.activity import ActivityMarker
from claims_emulator.lifeline import watch_parent
from claims_emulator.snowflake.errors import INTERNAL, STATEMENT_TIMEOUT, error_body, timeout_message
from claims_emulator.snowflake.rowset import json_rowset
from claims_emulator.state import StateDir

# Snowflake's defaults for the parameters the Node driver formats values with
SESSION_FORMATS: dict[str, str] = {
    "DATE_OUTPUT_FORMAT": "YYYY-MM-DD",
    "TIME_OUTPUT_FORMAT": "HH24:MI:SS",
    "TIMESTAMP_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM",
    "TIMESTAMP_NTZ_OUTPUT_FORMAT": "YYYY-MM-DD HH24:MI:SS.FF3",
    "TIMESTAMP_LTZ_OUTPUT_FORMAT": "",
    "TIMESTAMP_TZ_OUTPUT_FORMAT": "",
    "BINARY_OUTPUT_FORMAT": "HEX",
    "TIMEZONE": "Etc/UTC",
}
# the region a Snowflake account on GCS reports; the driver only compares it
STAGE_REGION = "us-central1"
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection", "content-length"}
# urllib3 hands the body over decoded, so its encoding header does not go back to the client; the
# adapter's own server writes Date and Server
_NOT_RETURNED = _HOP_BY_HOP | {"content-encoding", "date", "server"}


def with_session_formats(parameters: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    present = {p.get("name") for p in parameters or []}
    return [*(parameters or []), *({"name": k, "value": v} for k, v in SESSION_FORMATS.items() if k not in present)]


def rewrite_query_response(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("data")
    if not payload.get("success") or not isinstance(data, dict):
        return payload
    if "stageInfo" in data:  # a PUT: upload instructions rather than a result
        data["stageInfo"].setdefault("region", STAGE_REGION)
        return payload
    if data.get("queryResultFormat") == "arrow":
        data["rowset"] = json_rowset(data.pop("rowsetBase64", ""), data.get("rowtype") or [])
        data["queryResultFormat"] = "json"
    rowset = data.get("rowset") or []
    data["rowset"] = rowset
    data["returned"] = len(rowset)
    data["parameters"] = with_session_formats(data.get("parameters"))
    return payload


def rewrite_login_response(payload: dict[str, Any]) -> dict[str, Any]:
    data = payload.get("data")
    if payload.get("success") and isinstance(data, dict):
        data["parameters"] = with_session_formats(data.get("parameters"))
    return payload


class NodeAdapter:
    def __init__(self, upstream: str, timeout_seconds: float, marker: ActivityMarker) -> None:
        self._upstream = upstream.rstrip("/")
        self._timeout = timeout_seconds
        self._marker = marker
        self._http = urllib3.PoolManager(maxsize=16, retries=False)
        # fakesnow runs a session's statements on one connection and cursor: two at once (a page and
        # its count, from the app) clobber each other's result. Snowflake itself takes them at once;
        # here they take turns per session, which the client cannot tell apart from a busy warehouse.
        self._session_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _session_lock(self, authorization: str | None) -> threading.Lock | None:
        if not authorization:
            return None
        with self._locks_guard:
            return self._session_locks.setdefault(authorization, threading.Lock())

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from werkzeug.wrappers import Request

        self._marker.touch()
        request = Request(environ)
        path = request.path
        target = self._upstream + (environ.get("RAW_URI") or request.full_path)
        # the Host header goes through, so the upload URL fakesnow builds points back here
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        is_query = path == "/queries/v1/query-request"
        lock = self._session_lock(request.headers.get("Authorization")) if is_query else None
        try:
            if lock:
                lock.acquire()
            try:
                response = self._http.request(
                    request.method,
                    target,
                    body=request.get_data(),
                    headers=headers,
                    timeout=urllib3.Timeout(connect=5.0, read=self._timeout),
                    redirect=False,
                )
            finally:
                if lock:
                    lock.release()
        except urllib3.exceptions.ReadTimeoutError:
            return self._json(start_response, 200, error_body(STATEMENT_TIMEOUT, timeout_message(self._timeout)))
        except urllib3.exceptions.HTTPError as e:
            return self._json(start_response, 200, error_body(INTERNAL, f"the emulator's Snowflake server cannot be reached ({e}); is it restarting? See the emulator log."))

        body: bytes = response.data
        if path in ("/queries/v1/query-request", "/session/v1/login-request"):
            try:
                payload = json.loads(body)
            except ValueError:
                return self._json(start_response, 200, error_body(INTERNAL, f"the emulator's Snowflake answered HTTP {response.status} without JSON"))
            if response.status >= 500:
                return self._json(start_response, 200, error_body(INTERNAL, str(payload.get("message") or f"HTTP {response.status}")))
            try:
                payload = rewrite_query_response(payload) if is_query else rewrite_login_response(payload)
            except Exception as e:  # noqa: BLE001 - a result the adapter cannot rewrite is the client's error, not a retry loop
                return self._json(start_response, 200, error_body(INTERNAL, f"the emulator's Node adapter cannot convert this result: {type(e).__name__}: {e}"))
            return self._json(start_response, response.status, payload)
        out_headers = [(k, v) for k, v in response.headers.items() if k.lower() not in _NOT_RETURNED]
        out_headers.append(("Content-Length", str(len(body))))
        start_response(f"{response.status} {response.reason or ''}".strip(), out_headers)
        return [body]

    @staticmethod
    def _json(start_response: Callable[..., Any], status: int, payload: dict[str, Any]) -> Iterable[bytes]:
        body = json.dumps(payload).encode()
        start_response(f"{status} {'OK' if status == 200 else ''}".strip(), [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="claims_emulator.snowflake.node_adapter")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--upstream", required=True, help="the snowflake server's URL")
    parser.add_argument("--timeout", type=float, required=True, help="seconds to wait for the snowflake server")
    args = parser.parse_args(argv)
    state = StateDir.create(args.state)

    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = NodeAdapter(args.upstream, args.timeout, ActivityMarker(state.activity_marker("snowflake_node")))
    server = make_server("127.0.0.1", 0, app, threaded=True, fd=args.fd)

    def shutdown(*_: object) -> None:
        threading.Thread(target=server.shutdown, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    watch_parent(shutdown)
    print(f"snowflake_node adapter serving on 127.0.0.1:{server.server_address[1]}, in front of {args.upstream}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
