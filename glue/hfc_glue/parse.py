"""Cleaning and typing one raw field, as Spark SQL expressions, with the DuckDB engine's rules
(pipeline/cleanse/sql.ts): trim, null texts, case, plain decimal numbers, and the contract's date
formats read with DuckDB's strptime semantics.

strptime, as DuckDB reads it: surrounding whitespace is skipped; %Y takes 1 to 4 digits and the
other fields 1 or 2, greedily and without backtracking ('2024105' with %Y%m%d is 2024-10-05);
whitespace in the format matches one or more whitespace characters; other text matches itself;
fields a format lacks default to 1900-01-01 00:00:00; an impossible date or time is no value.

Every function takes and returns SQL text; `raw` is the SQL of the raw field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hfc_glue.contracts import Column as ContractColumn
from hfc_glue.contracts import date_format_parts
from hfc_glue.spark_schema import spark_type
from hfc_glue.spark_sql import literal, string_list

# What the DuckDB engine trims (sql.ts trimSql): spaces, tabs and line ends.
_EDGES = " \t\r\n"

# Plain decimal notation, the only number text either engine accepts (sql.ts NUMBER_TEXT).
NUMBER_TEXT = {
    "integer": r"[+-]?[0-9]+",
    "decimal": r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)",
    "double": r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?",
}

_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")
_DIGITS = {"Y": 4, "m": 2, "d": 2, "H": 2, "M": 2, "S": 2}
_DEFAULTS = {"Y": 1900, "m": 1, "d": 1, "H": 0, "M": 0, "S": 0}


def full_match(value: str, pattern: str) -> str:
    """`value` matches `pattern` as a whole (DuckDB's regexp_full_match). Java's `$` also matches
    before a final line break; `\\z` does not."""
    regex = "^(?:" + pattern + r")\z"
    return f"({value} RLIKE {literal(regex)})"


def trimmed(raw: str, col: ContractColumn) -> str:
    return f"trim(BOTH {literal(_EDGES)} FROM {raw})" if col.cleanse.trim else raw


def without_null_texts(value: str, null_values: Sequence[str]) -> str:
    """NULL for the contract's null texts (an empty field is one by default)."""
    return f"(CASE WHEN {value} IN ({string_list(null_values)}) THEN NULL ELSE {value} END)"


def slow_text(raw: str, col: ContractColumn, null_values: Sequence[str]) -> str:
    """A parsed column's raw text, trimmed, with null texts as NULL."""
    return without_null_texts(trimmed(raw, col), null_values)


def clean_text(raw: str, col: ContractColumn, null_values: Sequence[str]) -> str:
    """A text column's value: trimmed, null texts as NULL, then the contract's case."""
    v = slow_text(raw, col, null_values)
    return f"upper({v})" if col.cleanse.case == "upper" else f"lower({v})" if col.cleanse.case == "lower" else v


def _java_text(text: str) -> str:
    """Literal format text as a Java regex: whitespace runs match 1+ whitespace characters."""
    out = ""
    for chunk in re.split(r"(\s+)", text):
        if chunk:
            out += r"\s+" if chunk.isspace() else "".join(ch if ch.isalnum() else "\\" + ch for ch in chunk)
    return out


def strptime_pattern(fmt: str) -> tuple[str, list[str]]:
    """The Java regex reading `fmt` and the directive each of its groups captures."""
    regex = r"^\s*"
    groups: list[str] = []
    for kind, value in date_format_parts(fmt):
        if kind == "field":
            regex += f"([0-9]{{1,{_DIGITS[value]}}}+)"
            groups.append(value)
        else:
            regex += _java_text(value)
    return regex + r"\s*\z", groups


def strptime(raw: str, fmt: str, as_date: bool) -> str:
    """SQL: a DATE (as_date) or TIMESTAMP_NTZ read from `raw` with one contract format, NULL when
    the text does not fit the format or names no real date or time."""
    regex, groups = strptime_pattern(fmt)
    fields = f"split(regexp_replace({raw}, {literal(regex)}, {literal(','.join(f'${i + 1}' for i in range(len(groups))))}), ',')"
    part = {d: (f"CAST({fields}[{groups.index(d)}] AS INT)" if d in groups else str(_DEFAULTS[d])) for d in _DIGITS}
    time_ok = f"{part['H']} < 24 AND {part['M']} < 60 AND {part['S']} < 60"
    value = (
        f"make_date({part['Y']}, {part['m']}, {part['d']})"
        if as_date
        else f"make_timestamp_ntz({part['Y']}, {part['m']}, {part['d']}, {part['H']}, {part['M']}, {part['S']})"
    )
    return f"(CASE WHEN {raw} RLIKE {literal(regex)} AND {time_ok} THEN {value} END)"


ISO = {"date": ("%Y-%m-%d", "DATE"), "timestamp": ("%Y-%m-%d %H:%M:%S", "TIMESTAMP_NTZ")}


def iso_shaped(raw: str, type_name: str) -> str:
    """SQL: `raw` is exactly YYYY-MM-DD (or YYYY-MM-DD HH:MM:SS), digits where digits go. For such
    text Spark's cast and DuckDB's strptime with the ISO format agree, impossible dates included."""
    marks = {5: "-", 8: "-"} | ({11: " ", 14: ":", 17: ":"} if type_name == "timestamp" else {})
    tests = [f"length({raw}) = {19 if type_name == 'timestamp' else 10}"]
    tests += [f"substr({raw}, {i}, 1) = {literal(ch)}" for i, ch in marks.items()]
    tests.append(f"translate({raw}, '0123456789', '') = {literal(''.join(marks.values()))}")
    return "(" + " AND ".join(tests) + ")"


def typed(raw: str, col: ContractColumn, null_values: Sequence[str], slow: str | None = None) -> str:
    """SQL: the typed value of a column, NULL when it does not parse (sql.ts typedSql). `slow`
    is the SQL of the column's slow_text when a query has it at hand already."""
    if col.type == "string":
        return clean_text(raw, col, null_values)
    if col.type == "boolean":
        v = f"lower({clean_text(raw, col, null_values)})"
        return f"(CASE WHEN {v} IN ({string_list(_TRUE)}) THEN true WHEN {v} IN ({string_list(_FALSE)}) THEN false END)"
    if col.type in ("date", "timestamp"):
        formats = col.cleanse.formats or (("%Y-%m-%d",) if col.type == "date" else ("%Y-%m-%d %H:%M:%S",))
        parsed = [strptime(raw, f, col.type == "date") for f in formats]
        if formats[0] == ISO[col.type][0]:
            # text already in the ISO form reads the same through Spark's own cast (no pattern)
            parsed[0] = f"(CASE WHEN {iso_shaped(raw, col.type)} THEN CAST({raw} AS {ISO[col.type][1]}) ELSE {parsed[0]} END)"
        return parsed[0] if len(parsed) == 1 else f"coalesce({', '.join(parsed)})"
    target = spark_type(col.type).simpleString()
    shape = NUMBER_TEXT["double" if col.type == "double" else "decimal" if col.type.startswith("decimal") else "integer"]
    stripped = slow or slow_text(raw, col, null_values)
    for ch in col.cleanse.strip_chars or "":
        stripped = f"replace({stripped}, {literal(ch)}, '')"
    return f"(CASE WHEN {full_match(raw, shape)} THEN CAST({raw} AS {target}) WHEN {full_match(stripped, shape)} THEN CAST({stripped} AS {target}) END)"


def as_duckdb_text(value: str, type_name: str) -> str:
    """SQL: value::VARCHAR as DuckDB renders it, for the messages both engines write. Year 0
    (1 BC) is the one rendering that differs from Spark's."""
    text = f"CAST({value} AS STRING)"
    if type_name == "date":
        return f"(CASE WHEN year({value}) = 0 THEN concat('0001', substring({text}, 5, 6), ' (BC)') ELSE {text} END)"
    if type_name == "timestamp":
        return f"(CASE WHEN year({value}) = 0 THEN concat('0001', substring({text}, 5, 6), ' (BC)', substring({text}, 11)) ELSE {text} END)"
    return text
