"""Snowflake-shaped failures. Clients retry an HTTP 5xx forever, so every failure the emulator makes
is an HTTP 200 whose body says `success: false` with a Snowflake error code: the driver raises it at
once, as it raises a real Snowflake error."""

from __future__ import annotations

import json
from typing import Any

# Snowflake's own codes for these cases
STATEMENT_TIMEOUT = ("000630", "57014")
UNSUPPORTED = ("000002", "0A000")  # "Unsupported feature"
INTERNAL = ("000603", "XX000")


def error_body(code_and_state: tuple[str, str], message: str) -> dict[str, Any]:
    code, sql_state = code_and_state
    return {"data": {"errorCode": code, "sqlState": sql_state, "internalError": False}, "code": code, "message": message, "success": False, "headers": None}


def error_json(code_and_state: tuple[str, str], message: str) -> bytes:
    return json.dumps(error_body(code_and_state, message)).encode()


def timeout_message(seconds: float) -> str:
    return f"Statement reached its statement timeout of {seconds:g} second(s) on the emulator and was canceled."
