"""Password checks at the emulator's Snowflake login. fakesnow logs in any user with any password;
an emulator started with users (CLAIMS_EMULATOR_SNOWFLAKE_USERS, a JSON object of user name to
password, read once and removed from the environment) refuses a login of one of those users whose
password is not theirs, with Snowflake's own answer (390100), as an account refuses it. Users it
was not given log in as before. A listed user logs in with its password only: the emulator holds no
public keys to check a key-pair login against."""

from __future__ import annotations

import gzip
import hmac
import json
from collections.abc import MutableMapping
from typing import Any

from claims_emulator.snowflake.errors import error_json
from claims_emulator.snowflake.guard import ASGIApp, Message, Receive, Scope, Send, _respond

USERS_ENV = "CLAIMS_EMULATOR_SNOWFLAKE_USERS"
LOGIN_PATH = "/session/v1/login-request"
INCORRECT_LOGIN = ("390100", "08004")
INCORRECT_LOGIN_MESSAGE = "Incorrect username or password was specified."


def users_from_environment(environ: MutableMapping[str, str]) -> dict[str, str]:
    """The users to check, by upper-case name (Snowflake folds unquoted user names); removed from
    `environ` so no child process inherits the passwords."""
    text = environ.pop(USERS_ENV, "")
    if not text:
        return {}
    try:
        doc = json.loads(text)
    except ValueError:
        raise SystemExit(f"{USERS_ENV} is not JSON (an object of user name to password)") from None
    if not isinstance(doc, dict) or not all(isinstance(k, str) and k and isinstance(v, str) and v for k, v in doc.items()):
        raise SystemExit(f"{USERS_ENV} must be a JSON object of user name to password, both non-empty strings")
    return {k.upper(): v for k, v in doc.items()}


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return None


class LoginCheck:
    def __init__(self, app: ASGIApp, users: dict[str, str]) -> None:
        self._app = app
        self._users = users

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._users or scope["type"] != "http" or scope.get("path") != LOGIN_PATH:
            await self._app(scope, receive, send)
            return
        body = bytearray()
        while True:
            message = await receive()
            body.extend(message.get("body", b""))
            if not message.get("more_body"):
                break
        if self._refused(bytes(body), _header(scope, b"content-encoding")):
            await _respond(send, 200, error_json(INCORRECT_LOGIN, INCORRECT_LOGIN_MESSAGE))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self._app(scope, replay, send)

    def _refused(self, body: bytes, encoding: str | None) -> bool:
        try:
            data: dict[str, Any] = json.loads(gzip.decompress(body) if encoding == "gzip" else body).get("data") or {}
        except (ValueError, OSError, AttributeError):
            return False  # not a login body fakesnow reads either: it answers for itself
        expected = self._users.get(str(data.get("LOGIN_NAME") or "").upper())
        if expected is None:
            return False
        given = data.get("PASSWORD")
        return not (isinstance(given, str) and hmac.compare_digest(given.encode(), expected.encode()))
