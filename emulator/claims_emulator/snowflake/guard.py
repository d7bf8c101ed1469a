"""ASGI middleware in front of the fakesnow app: every request marks activity, every request has a
time limit (a statement past it is interrupted in DuckDB and answered with Snowflake's timeout
error), and an HTTP 5xx (fakesnow's answer to SQL it cannot run) becomes a Snowflake error the
client raises at once instead of retrying forever."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from claims_emulator.activity import ActivityMarker
from claims_emulator.snowflake.errors import INTERNAL, STATEMENT_TIMEOUT, UNSUPPORTED, error_json, timeout_message

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# the exception fakesnow logged while serving this request (its 500 body names none)
_request_error: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar("request_error", default=None)


class _RememberError(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        holder = _request_error.get()
        if holder is not None and record.exc_info and record.exc_info[1] is not None:
            e = record.exc_info[1]
            holder.append(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")


def remember_fakesnow_errors() -> None:
    """Call after uvicorn configured logging (it resets the handlers of its loggers, and fakesnow's
    server logger shares uvicorn's handler list)."""
    logger = logging.getLogger("fakesnow.server")
    logger.handlers = [*logger.handlers, _RememberError()]


def _token(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            # Snowflake Token="<token>"
            return value.decode("latin-1")[17:-1]
    return None


class SnowflakeGuard:
    def __init__(self, app: ASGIApp, marker: ActivityMarker, timeout_seconds: float, interrupt: Callable[[str], None]) -> None:
        self._app = app
        self._marker = marker
        self._timeout = timeout_seconds
        self._interrupt = interrupt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        self._marker.touch()
        start: Message = {}
        body = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        errors: list[str] = []
        _request_error.set(errors)
        try:
            await asyncio.wait_for(self._app(scope, receive, capture), self._timeout)
        except TimeoutError:
            if token := _token(scope):
                self._interrupt(token)
            await _respond(send, 200, error_json(STATEMENT_TIMEOUT, timeout_message(self._timeout)))
            return
        except Exception as e:  # noqa: BLE001 - the client gets a Snowflake error, never a hang
            await _respond(send, 200, error_json(INTERNAL, f"the emulator's Snowflake failed: {type(e).__name__}: {e}"))
            return
        status = int(start.get("status", 500))
        if status >= 500:
            await _respond(send, 200, _unsupported(bytes(body), errors))
            return
        await send(start)
        await send({"type": "http.response.body", "body": bytes(body)})


def _unsupported(body: bytes, errors: list[str]) -> bytes:
    try:
        sent = json.loads(body)
        detail = sent.get("message") or ""
    except ValueError:
        detail = ""
    cause = errors[-1] if errors else "an internal error"
    sql = detail.split(" params=")[0].removeprefix("sql_text=") if detail.startswith("sql_text=") else ""
    return error_json(UNSUPPORTED, f"The emulator's Snowflake (fakesnow) cannot run this statement ({cause}){': ' + sql if sql else ''}")


async def _respond(send: Send, status: int, payload: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
