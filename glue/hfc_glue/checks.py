"""The checks a raw row goes through, in the DuckDB engine's order (pipeline/cleanse/sql.ts
validateSql), as Spark SQL: a row gets the reason and detail of the first check it fails, worded
exactly as the DuckDB engine words them.

Order: malformed row (field count, then NUL bytes); then, reason by reason (MISSING_REQUIRED,
INVALID_NUMBER, INVALID_DATE, INVALID_VALUE, OUT_OF_RANGE), each column in contract order; then
the row rules in contract order; then the foreign keys.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from hfc_glue.contracts import Column as ContractColumn
from hfc_glue.contracts import Contract, RowRule
from hfc_glue.parse import as_duckdb_text, full_match, slow_text
from hfc_glue.spark_schema import spark_type
from hfc_glue.spark_sql import concat, literal, number, string_list

# Raw fields read past the contract's last column, so a row with too many fields is caught.
EXTRA_COLUMNS: tuple[str, ...] = ("_extra_1", "_extra_2", "_extra_3")

_COLUMN_REASONS = ("MISSING_REQUIRED", "INVALID_NUMBER", "INVALID_DATE", "INVALID_VALUE", "OUT_OF_RANGE")


@dataclass(frozen=True)
class Check:
    reason: str
    when: str  # SQL, true when the row fails the check
    detail: str  # SQL of the message


@dataclass(frozen=True)
class ForeignKeyTarget:
    """A foreign key's target: `exists` is SQL, true where the row's key is in the target."""

    column: str
    dataset: str
    exists: str


def js_number(value: float | int) -> str:
    """A number as JavaScript's String() writes it (the DuckDB engine builds its messages in JS)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    sign, digits, exp = Decimal(repr(value)).normalize().as_tuple()
    ds = "".join(map(str, digits))
    if ds == "0":
        return "0"
    k = len(ds) + int(exp) - 1  # decimal exponent of the leading digit
    if -6 <= k <= 20:
        n = k + 1  # digits before the point
        text = ds + "0" * (n - len(ds)) if n >= len(ds) else f"{ds[:n]}.{ds[n:]}" if n > 0 else "0." + "0" * -n + ds
    else:
        text = ds[0] + ("." + ds[1:] if len(ds) > 1 else "") + f"e{'+' if k >= 0 else '-'}{abs(k)}"
    return ("-" if sign else "") + text


def show(value: str) -> str:
    """SQL: 'value' in quotes, or the word empty (sql.ts show)."""
    quote = literal("'")  # Spark SQL escapes a quote with a backslash, not by doubling it
    return f"coalesce(concat({quote}, {value}, {quote}), 'empty')"


def _bound(value: float | int | str, type_name: str) -> str:
    if isinstance(value, str):
        return f"CAST({literal(value)} AS {spark_type(type_name).simpleString()})"
    return number(value)


def _digit(n: str, i: int) -> str:
    """Digit i (1 = leftmost) of a 10-digit number. DuckDB's // and % truncate toward zero, as
    Spark's div and % do."""
    return f"(({n} div {10 ** (10 - i)}) % 10)"


def npi_luhn(v: str) -> str:
    """SQL: NPI check digit rule (Luhn over the 80840 prefix) for a 10-digit text (sql.ts npiLuhnSql)."""
    n = f"CAST({v} AS BIGINT)"

    def dbl(x: str) -> str:
        return f"(CASE WHEN {x} > 4 THEN {x} * 2 - 9 ELSE {x} * 2 END)"

    total = " + ".join([dbl(_digit(n, i)) for i in (1, 3, 5, 7, 9)] + [_digit(n, i) for i in (2, 4, 6, 8)])
    return f"(length({v}) = 10 AND {n} IS NOT NULL AND (10 - (24 + {total}) % 10) % 10 = {_digit(n, 10)})"


def column_checks(col: ContractColumn, raw: str, text: str | None, typed: str, slow: str | None = None, null_values: Sequence[str] = ()) -> list[Check]:
    """Checks of one column in precedence order (sql.ts columnChecks). `text` is the SQL of the
    cleaned text for string and boolean columns, None for parsed ones; `slow` that of a parsed
    column's slow_text (computed here when not given)."""
    name = col.name
    if text is not None:
        is_null_text = f"{text} IS NULL"
        missing = is_null_text
        unparsed = f"({text} IS NOT NULL AND {typed} IS NULL)"
    else:
        is_null_text = f"({raw} IS NULL OR {slow or slow_text(raw, col, null_values)} IS NULL)"
        missing = f"(CASE WHEN {typed} IS NULL THEN {is_null_text} ELSE false END)"
        unparsed = f"(CASE WHEN {typed} IS NULL THEN NOT {is_null_text} ELSE false END)"
    said = lambda words: concat(literal(f"{name} "), show(raw), literal(words))  # noqa: E731
    checks: list[Check] = []
    if not col.nullable:
        checks.append(Check("MISSING_REQUIRED", missing, literal(f"{name} is required but empty")))
    if col.type != "string":
        dated = col.type in ("date", "timestamp")
        reason = "INVALID_DATE" if dated else "INVALID_VALUE" if col.type == "boolean" else "INVALID_NUMBER"
        expected = f"a {col.type} in an accepted format ({', '.join(col.cleanse.formats)})" if dated else "true or false" if col.type == "boolean" else "a number"
        checks.append(Check(reason, unparsed, said(f" is not {expected}")))
    as_text = f"CAST({typed} AS STRING)"
    if col.allowed_values is not None:
        values = list(col.allowed_values)
        shown = ", ".join(values[:8]) + ", ..." if len(values) > 8 else ", ".join(values)
        checks.append(Check("INVALID_VALUE", f"({typed} IS NOT NULL AND NOT {as_text} IN ({string_list(values)}))", said(f" is not one of {shown}")))
    if col.pattern is not None:
        checks.append(Check("INVALID_VALUE", f"({typed} IS NOT NULL AND NOT {full_match(as_text, col.pattern)})", said(f" does not match {col.pattern}")))
    if col.check == "npi_luhn":
        checks.append(Check("INVALID_VALUE", f"({typed} IS NOT NULL AND NOT {npi_luhn(typed)})", said(" fails the NPI check digit")))
    ranged = col.type.startswith("decimal") or col.type in ("integer", "bigint", "double", "date", "timestamp")
    for bound, op, words in ((col.min, "<", "below the minimum"), (col.max, ">", "above the maximum")):
        if bound is None or not ranged:
            continue
        shown_bound = bound if isinstance(bound, str) else js_number(bound)
        checks.append(
            Check("OUT_OF_RANGE", f"({typed} {op} {_bound(bound, col.type)})", concat(literal(f"{name} "), as_duckdb_text(typed, col.type), literal(f" is {words} {shown_bound}")))
        )
    return checks


def rule_check(rule: RowRule, value: Callable[[str], str]) -> Check:
    """A row rule over typed values (sql.ts ruleCheck)."""
    detail = literal(f"{rule.name}: {rule.description}")
    if rule.kind == "ordered":
        cols = list(rule.columns)
        pairs = [f"coalesce({value(a)} > {value(b)}, false)" for i, a in enumerate(cols) for b in cols[i + 1 :]]
        return Check(rule.reason, f"({' OR '.join(pairs)})", detail)
    if rule.kind == "sum_equals":
        terms = " + ".join(f"coalesce({value(t)}, 0)" for t in rule.terms)
        gate = f"{value(rule.when.column)} IN ({string_list(rule.when.values)}) AND " if rule.when is not None else ""
        return Check(rule.reason, f"({gate}{terms} <> coalesce({value(rule.total)}, 0))", detail)  # type: ignore[arg-type]
    assert rule.when is not None and rule.column is not None
    gate = f"{value(rule.when.column)} IN ({string_list(rule.when.values)})"
    test = "IS NULL" if rule.kind == "required_when" else "IS NOT NULL"
    return Check(rule.reason, f"({gate} AND {value(rule.column)} {test})", detail)


def row_checks(
    contract: Contract,
    raw: Callable[[str], str],
    text: Callable[[str], str | None],
    typed: Callable[[str], str],
    fk_targets: Sequence[ForeignKeyTarget],
    slow: Callable[[str], str | None] = lambda name: None,
) -> list[Check]:
    """Every check of a row, in precedence order. `raw`, `text`, `typed` and `slow` give the SQL
    of a column's raw field, cleaned text (text columns), typed value and slow text (parsed
    columns)."""
    null_values = contract.source.null_values
    names = contract.column_names
    malformed = " OR ".join([*(f"{raw(n)} IS NULL" for n in names), f"{raw(EXTRA_COLUMNS[0])} IS NOT NULL"])
    field_count = " + ".join(f"CAST({raw(n)} IS NOT NULL AS INT)" for n in (*names, *EXTRA_COLUMNS))
    has_nul = " OR ".join(f"contains({raw(n)}, {literal(chr(0))})" for n in names)
    checks = [
        Check("MALFORMED_ROW", f"({malformed})", concat("'row has '", f"CAST({field_count} AS STRING)", literal(f" fields, expected {len(names)}"))),
        # a NUL byte means a binary or damaged extract, not a value: the row is rejected whole
        Check("MALFORMED_ROW", f"({has_nul})", "'row contains a NUL byte'"),
    ]
    per_column = {c.name: column_checks(c, raw(c.name), text(c.name), typed(c.name), slow(c.name), null_values) for c in contract.columns}
    for reason in _COLUMN_REASONS:
        for c in contract.columns:
            checks += [x for x in per_column[c.name] if x.reason == reason]
    checks += [rule_check(r, typed) for r in contract.row_rules]
    for fk in fk_targets:
        value = typed(fk.column)
        checks.append(
            Check(
                "ORPHAN_FOREIGN_KEY",
                f"({value} IS NOT NULL AND NOT {fk.exists})",
                concat(literal(f"{fk.column} "), show(f"CAST({value} AS STRING)"), literal(f" not found in {fk.dataset}")),
            )
        )
    return checks


def first_failed(checks: Sequence[Check], found: str) -> tuple[str, str, str]:
    """SQL (index, reason, detail): `index` is the number of the first check a row fails (NULL
    when it passes); `reason` and `detail` read that number from the column `found` that `index`
    was put in, so the conditions are evaluated once per row (as in sql.ts)."""
    index = "CASE " + " ".join(f"WHEN {c.when} THEN {i}" for i, c in enumerate(checks, start=1)) + " END"
    reason = f"element_at(array({string_list(c.reason for c in checks)}), {found})"
    detail = f"CASE {found} " + " ".join(f"WHEN {i} THEN {c.detail}" for i, c in enumerate(checks, start=1)) + " END"
    return index, reason, detail
