"""CSV fields of one line, as Spark SQL expressions, read the way the DuckDB engine's reader
(read_csv with quote = escape = the contract's quote, null_padding) reads them:

- a field is either quoted (`"..."`, a doubled quote inside is one quote, spaces around the quotes
  are dropped) or unquoted (taken as it is, spaces included; quotes inside it are kept);
- a quoted field followed by anything but the delimiter, or a quote never closed, makes the line
  unreadable (DuckDB: "Value with unterminated quote found"), which fails the job;
- a field that is exactly \\x01 reads as NULL (the DuckDB engine pads short rows with that marker).

Everything runs in the JVM (regular expressions with possessive quantifiers, so a 2 MB field costs
no backtracking); no Python UDF touches a row.
"""

from __future__ import annotations

from hfc_glue.spark_sql import literal

# The DuckDB engine reads missing trailing fields as this marker turned NULL (sql.ts PAD).
PAD = "\u0001"


def _java_literal(ch: str) -> str:
    """`ch` as a literal inside a Java regular expression (a backslash before any non-letter)."""
    return ch if ch.isalnum() else "\\" + ch


def field_pattern(delimiter: str, quote: str) -> str:
    """Java regex finding each field of a line that starts with the delimiter (split_fields puts
    one in front); group 1 is the field's text. Every match holds its delimiter, so no match is
    empty (after an empty match Java's find() would skip a character)."""
    d, q = _java_literal(delimiter), _java_literal(quote)
    quoted = f" *{q}(?:[^{q}]++|{q}{q})*+{q} *"
    unquoted = f"(?! *{q})[^{d}]*+"
    return f"{d}({quoted}|{unquoted})"


def split_fields(line: str, delimiter: str, quote: str) -> tuple[str, str]:
    """SQL (fields, readable): the line's fields as written (quotes still on), and whether the
    fields cover the whole line; a line the pattern cannot read end to end leaves characters out.
    A line without a quote character (most lines) is split on the delimiter, no pattern needed."""
    quoted = f"regexp_extract_all(concat({literal(delimiter)}, {line}), {literal(field_pattern(delimiter, quote))}, 1)"
    fields = f"(CASE WHEN instr({line}, {literal(quote)}) = 0 THEN split({line}, {literal(_java_literal(delimiter))}, -1) ELSE {quoted} END)"
    covered = f"aggregate({quoted}, 0L, (acc, f) -> acc + length(f)) + size({quoted})"
    return fields, f"(instr({line}, {literal(quote)}) = 0 OR {covered} = length({line}) + 1)"


def unquote(field: str, quote: str) -> str:
    """SQL: a field's value, quotes and the spaces around them removed, doubled quotes made single."""
    q = _java_literal(quote)
    inner = f"regexp_extract({field}, {literal(f'(?s)^ *{q}(.*){q} *$')}, 1)"
    value = f"CASE WHEN startswith(ltrim({field}), {literal(quote)}) THEN replace({inner}, {literal(quote * 2)}, {literal(quote)}) ELSE {field} END"
    return f"nullif({value}, {literal(PAD)})"
