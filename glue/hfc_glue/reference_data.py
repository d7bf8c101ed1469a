"""Reference code sets (diagnoses, plans, ...), typed and checked against their contracts as
the DuckDB engine checks them (pipeline/contract/reference.ts): keys unique and present, allowed
values, patterns, ranges.

The files are small and ship with the contracts (inside the Glue wheel), so they are read on the
driver (on Glue the package's files are local to the driver only) and reach Spark as SQL literals.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from hfc_glue.contracts import Column, Contract, reference_path
from hfc_glue.errors import JobError
from hfc_glue.spark_sql import literal


def _value(text: str, col: Column) -> Any:
    if text == "":
        return None
    if col.type == "string":
        return text
    if col.type in ("integer", "bigint"):
        return int(text)
    if col.type == "double":
        return float(text)
    if col.type == "boolean":
        lowered = text.lower()
        if lowered in ("true", "t", "1", "yes", "y"):
            return True
        if lowered in ("false", "f", "0", "no", "n"):
            return False
        raise ValueError(text)
    if col.type == "date":
        return dt.date.fromisoformat(text)
    if col.type == "timestamp":
        return dt.datetime.fromisoformat(text)
    return Decimal(text)


def read_reference(c: Contract) -> list[tuple[Any, ...]]:
    """The rows of a reference code set, typed; raises JobError naming the file and line."""
    path = reference_path(c)
    fix = f"Reference code set {path} breaks its contract {c.dataset}.yaml"
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter=c.source.delimiter, quotechar=c.source.quote)
        header = next(reader, [])
        if header != list(c.column_names):
            raise JobError(f"{fix}: the header is {c.source.delimiter.join(header)}, expected {c.source.delimiter.join(c.column_names)}.")
        rows: list[tuple[Any, ...]] = []
        seen: set[tuple[Any, ...]] = set()
        key_at = [c.column_names.index(k) for k in c.primary_key]
        for line, fields in enumerate(reader, start=2):
            if len(fields) != len(c.columns):
                raise JobError(f"{fix}: line {line} has {len(fields)} fields, expected {len(c.columns)}.")
            try:
                row = tuple(_value(text, col) for text, col in zip(fields, c.columns))
            except (ValueError, InvalidOperation) as err:
                raise JobError(f"{fix}: line {line} has a value that is not of its column's type ({err}).") from err
            for value, text, col in zip(row, fields, c.columns):
                bad = (
                    (value is None and not col.nullable)
                    or (value is not None and col.allowed_values is not None and text not in col.allowed_values)
                    or (value is not None and col.pattern is not None and re.fullmatch(col.pattern, text) is None)
                    or (value is not None and isinstance(col.min, (int, float)) and value < col.min)
                    or (value is not None and isinstance(col.max, (int, float)) and value > col.max)
                )
                if bad:
                    raise JobError(f"{fix}: line {line}: column {col.name} has invalid value {text!r}.")
            key = tuple(row[i] for i in key_at)
            if key in seen:
                raise JobError(f"{fix}: duplicate key {key} on line {line}.")
            seen.add(key)
            rows.append(row)
    return rows


def sql_value(value: Any, type_name: str) -> str:
    """A reference value as a Spark SQL literal of its column's type."""
    if value is None:
        return f"CAST(NULL AS {type_name})"
    if isinstance(value, bool):
        return "true" if value else "false"
    if type_name == "string":
        return literal(str(value))
    return f"CAST({literal(str(value))} AS {type_name})"
