"""Derived columns from their contract function, as Spark SQL, computed as the DuckDB engine
computes them (pipeline/cleanse/sql.ts derivedSql), so both engines give the same value bit for bit.

The ratio is the subtle one: DuckDB divides two decimals in double precision and rounds with
round(x, 4) = std::round(x * 10^4) / 10^4 before casting to the column's decimal type. The same
double arithmetic runs here; Spark's round of a double to 0 places (half up on the shortest decimal
form) equals std::round for every double, so the results are identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hfc_glue.contracts import Contract, DerivedColumn
from hfc_glue.spark_schema import spark_type
from hfc_glue.spark_sql import ident, literal, number


def derived_sql(d: DerivedColumn, lookup: Callable[[str, str], str]) -> str:
    """SQL of one derived column over the row's columns (and earlier derived columns, by name);
    `lookup(dataset, column)` is the SQL of a column of the row its foreign key points to."""
    a = d.args
    target = spark_type(d.type).simpleString()
    col = lambda key: ident(a[key])  # noqa: E731
    if d.function == "ratio":
        num, den = col("numerator"), col("denominator")
        rounded = f"round(CAST({num} AS DOUBLE) / CAST({den} AS DOUBLE) * 10000.0D, 0) / 10000.0D"
        return f"(CASE WHEN {den} IS NULL OR {den} = 0 THEN NULL ELSE CAST({rounded} AS {target}) END)"
    if d.function == "date_diff_days":
        return f"CAST(datediff({col('end')}, {col('start')}) AS {target})"
    if d.function == "at_least":
        return f"({col('column')} >= {number(a['threshold'])})"
    if d.function in ("bucket", "band"):
        v = col("column")
        whens = " ".join(f"WHEN {v} < {number(b)} THEN {literal(label)}" for b, label in zip(a["bounds"], a["labels"]))
        return f"(CASE WHEN {v} IS NULL THEN NULL {whens} ELSE {literal(a['labels'][-1])} END)"
    if d.function in ("year", "month"):
        return f"CAST({d.function}({col('column')}) AS {target})"
    if d.function == "age_years":
        born, at = col("birth_date"), col("at")
        return (
            f"CAST(year({at}) - year({born}) - CASE WHEN month({at}) * 100 + day({at}) < month({born}) * 100 + day({born}) THEN 1 ELSE 0 END AS {target})"
        )
    if d.function == "lookup":
        return f"CAST({lookup(a['dataset'], a['column'])} AS {target})"
    raise ValueError(f"unknown derived function {d.function}")


def lookup_columns(contract: Contract) -> Mapping[str, tuple[str, tuple[str, ...]]]:
    """Per looked-up dataset: the foreign-key column joining to it and the columns read from it."""
    out: dict[str, tuple[str, tuple[str, ...]]] = {}
    for d in contract.derived:
        if d.function != "lookup":
            continue
        dataset = d.args["dataset"]
        key, cols = out.get(dataset, (d.args["key"], ()))
        out[dataset] = (key, (*cols, d.args["column"]))
    return out


def lookup_alias(dataset: str, column: str) -> str:
    """Name of the column a lookup join puts on the rows."""
    return f"__lk_{dataset}__{column}"
