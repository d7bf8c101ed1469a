"""Spark SQL text helpers. The cleanse expressions are generated as SQL text from the contract (as
the DuckDB engine generates DuckDB SQL): one expression is one call into the JVM, where building
it from Column objects takes thousands of py4j round trips per dataset."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal


def literal(text: str) -> str:
    """A Spark SQL string literal. Spark unescapes backslash sequences in literals, so backslashes,
    quotes and control characters are escaped (regular expressions arrive intact)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ord(ch) < 0x20 or ch == "\x7f":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def ident(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def number(value: float | int) -> str:
    """A numeric literal that keeps its exact decimal value (Spark reads 0.5 as DECIMAL(1,1))."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return str(value)
    return format(Decimal(repr(value)), "f")


def string_list(values: Iterable[str]) -> str:
    return ", ".join(literal(v) for v in values)


def concat(*parts: str) -> str:
    return f"concat({', '.join(parts)})"
