"""fakesnow answers queries in Arrow (`rowsetBase64`, the Python connector's format); the Node
snowflake-sdk reads only Snowflake's JSON result format (`rowset`: rows of strings). This turns the
one into the other, value by value as Snowflake writes them:

| rowtype        | JSON value                                          |
|----------------|-----------------------------------------------------|
| fixed, real    | the decimal text ("12.50", "1.5")                   |
| text, variant  | the text (VARIANT, OBJECT and ARRAY as JSON text)   |
| boolean        | "1" / "0"                                           |
| date           | days since 1970-01-01                               |
| time           | seconds since midnight, 9 decimals                  |
| timestamp_ntz/ltz | seconds since the epoch, 9 decimals              |
| timestamp_tz   | seconds since the epoch, 9 decimals, then the zone index (1440 + offset minutes) |
| binary         | upper-case hex                                      |
"""

from __future__ import annotations

import base64
import datetime as dt
import math
from decimal import Decimal
from typing import Any

import pyarrow as pa

_EPOCH_DATE = dt.date(1970, 1, 1)
_NANOS = 1_000_000_000


def _seconds(nanos: int) -> str:
    sign = "-" if nanos < 0 else ""
    whole, frac = divmod(abs(nanos), _NANOS)
    return f"{sign}{whole}.{frac:09d}"


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return str(value)


def _time_nanos(value: Any) -> int:
    if isinstance(value, int):  # fakesnow sends TIME as int64 nanoseconds
        return value
    t: dt.time = value
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _NANOS + t.microsecond * 1000


def _timestamp(value: Any, with_zone: bool) -> str | None:
    # fakesnow's Snowflake struct: epoch seconds, fraction in nanoseconds[, zone index]; a NULL
    # timestamp is a struct of nulls
    if value.get("epoch") is None:
        return None
    nanos = value["epoch"] * _NANOS + value["fraction"]
    if with_zone:
        return f"{_seconds(nanos)} {value.get('timezone', 1440)}"
    return _seconds(nanos)


def _convert(value: Any, sf_type: str) -> str | None:
    if value is None:
        return None
    if sf_type in ("fixed", "real"):
        return _number(value)
    if sf_type == "boolean":
        return "1" if value else "0"
    if sf_type == "date":
        return str((value - _EPOCH_DATE).days)
    if sf_type == "time":
        return _seconds(_time_nanos(value))
    if sf_type in ("timestamp_ntz", "timestamp_ltz"):
        return _timestamp(value, with_zone=False)
    if sf_type == "timestamp_tz":
        return _timestamp(value, with_zone=True)
    if sf_type == "binary":
        return bytes(value).hex().upper()
    return value if isinstance(value, str) else str(value)


def json_rowset(rowset_base64: str, rowtype: list[dict[str, Any]]) -> list[list[str | None]]:
    if not rowset_base64:
        return []
    table = pa.ipc.open_stream(base64.b64decode(rowset_base64)).read_all()
    columns = [[_convert(v, column["type"]) for v in table.column(i).to_pylist()] for i, column in enumerate(rowtype)]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []
