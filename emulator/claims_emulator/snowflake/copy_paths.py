"""COPY INTO from stage paths like `@landing/batch=1/`, as the lake lays files out. DuckDB reads such
paths with hive partitioning and adds a `batch` column that Snowflake never adds, so a COPY into a
table of the file's own columns fails ("has 2 columns but 3 values were supplied"). fakesnow's file
readers get `hive_partitioning = false` here, so a path means nothing but where the files are."""

from __future__ import annotations

from typing import Any

from fakesnow import copy_into


def _without_hive_partitioning(read_expression: Any) -> Any:
    def read(self: Any, url: str) -> Any:
        expression = read_expression(self, url)
        expression.append("expressions", self.make_eq("hive_partitioning", False))
        return expression

    return read


def install() -> None:
    for handler in (copy_into.ReadCSV, copy_into.ReadParquet):
        handler.read_expression = _without_hive_partitioning(handler.read_expression)  # type: ignore[method-assign]
