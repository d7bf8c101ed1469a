"""The Snowflake SQL of Glue job 2, as text: table DDL from the contracts, the two load routes, and
the one transaction that replaces a batch. Pure functions (no connection), so every statement is
unit-tested as text; the internal-stage route also runs against the fakesnow server in the tests.

Routes (the load setting `route`):
- external_stage: COPY INTO from an external stage on the lake (created by the deploy with a
  storage integration: no keys in SQL). The default for real accounts.
- internal_stage: PUT the batch's load files to an internal stage, then COPY INTO. The route the
  fakesnow emulator supports.
Row-by-row inserts are not a route.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from hfc_glue.contracts import ENTITY_ORDER, Contract, ContractSet, decimal_size

ROUTES = ("external_stage", "internal_stage")

_SIMPLE = {
    "string": "VARCHAR",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP_NTZ",
    "double": "FLOAT",
}

# Lineage columns every loaded table carries (as the DuckDB warehouse's raw tables do).
LINEAGE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("_batch_id", "INTEGER"),
    ("_loaded_at", "TIMESTAMP_NTZ"),
    ("_source_file", "VARCHAR"),
    ("_source_line", "BIGINT"),
)

# The pipeline's bookkeeping tables (pipeline/warehouse/duckdb.ts has the same columns).
AUDIT_COLUMNS = (
    ("batch_id", "INTEGER"),
    ("dataset", "VARCHAR"),
    ("txn", "VARCHAR"),
    ("raw_rows", "BIGINT"),
    ("duplicates_removed", "BIGINT"),
    ("quarantined_rows", "BIGINT"),
    ("curated_rows", "BIGINT"),
    ("loaded_rows", "BIGINT"),
    ("loaded_at", "TIMESTAMP_NTZ"),
)
QUARANTINE_COLUMNS = (
    ("batch_id", "INTEGER"),
    ("dataset", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("reason", "VARCHAR"),
    ("reason_detail", "VARCHAR"),
    ("original_values", "VARCHAR"),
    ("quarantined_at", "TIMESTAMP_NTZ"),
)
DUPLICATES_COLUMNS = (
    ("batch_id", "INTEGER"),
    ("dataset", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("line_number", "BIGINT"),
    ("duplicate_of_line", "BIGINT"),
)

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def name(identifier: str) -> str:
    """An unquoted Snowflake identifier (stored upper case); refuses anything needing quotes."""
    if not _NAME.match(identifier):
        raise ValueError(f"{identifier!r} is not a plain Snowflake identifier (letters, digits, _ and $)")
    return identifier.upper()


def qualified(*parts: str) -> str:
    return ".".join(name(p) for p in parts)


def literal(text: str) -> str:
    """A Snowflake string literal (quotes doubled, backslashes escaped)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def snowflake_type(type_name: str) -> str:
    size = decimal_size(type_name)
    return f"NUMBER({size[0]},{size[1]})" if size else _SIMPLE[type_name]


def table_columns(c: Contract) -> list[tuple[str, str]]:
    """Columns of a loaded table: contract columns, derived columns, lineage."""
    return [*((col.name, snowflake_type(col.type)) for col in c.columns), *((d.name, snowflake_type(d.type)) for d in c.derived), *LINEAGE_COLUMNS]


@dataclass(frozen=True)
class Target:
    """Where the load goes: database and schema (RAW)."""

    database: str
    schema: str

    def table(self, table: str) -> str:
        return qualified(self.database, self.schema, table)


def create_table_sql(target: Target, table: str, columns: Sequence[tuple[str, str]]) -> str:
    return f"CREATE TABLE IF NOT EXISTS {target.table(table)} ({', '.join(f'{name(n)} {t}' for n, t in columns)})"


def prepare_sql(target: Target, contracts: ContractSet) -> list[str]:
    """Schema and tables of the load, created when missing (never altered: a contract change is a
    migration the deploy makes)."""
    out = [f"CREATE SCHEMA IF NOT EXISTS {qualified(target.database, target.schema)}"]
    out += [create_table_sql(target, n, table_columns(contracts[n])) for n in ENTITY_ORDER]
    out += [
        create_table_sql(target, "quarantine", QUARANTINE_COLUMNS),
        create_table_sql(target, "duplicates", DUPLICATES_COLUMNS),
        create_table_sql(target, "batch_audit", AUDIT_COLUMNS),
    ]
    return out


def columns_sql(target: Target, table: str) -> str:
    """The columns a table has, to compare with what the contract says."""
    return (
        f"SELECT column_name FROM {qualified(target.database)}.information_schema.columns "
        f"WHERE table_schema = {literal(name(target.schema))} AND table_name = {literal(name(table))} ORDER BY ordinal_position"
    )


def internal_stage_sql(target: Target, stage: str) -> str:
    return f"CREATE STAGE IF NOT EXISTS {target.table(stage)} FILE_FORMAT = (TYPE = PARQUET)"


def external_stage_sql(target: Target, stage: str, url: str, integration: str) -> str:
    """The external stage on the lake the deploy creates for the external_stage route: access goes
    through a storage integration (an IAM role Snowflake assumes), so no key is ever in SQL."""
    if not re.match(r"^s3://[a-z0-9][a-z0-9.\-]{1,61}[a-z0-9](/.*)?$", url):
        raise ValueError(f"{url!r} is not an s3://bucket/prefix URL")
    return (
        f"CREATE STAGE IF NOT EXISTS {target.table(stage)} URL = {literal(url.rstrip('/') + '/')} "
        f"STORAGE_INTEGRATION = {name(integration)} FILE_FORMAT = (TYPE = PARQUET)"
    )


def put_sql(local_dir: str, target: Target, stage: str, path: str) -> str:
    """Uploads every Parquet file of a local folder to an internal stage path (no recompression:
    Parquet is compressed already)."""
    return f"PUT 'file://{local_dir.rstrip('/')}/*.parquet' @{target.table(stage)}/{path.strip('/')}/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE"


def copy_sql(target: Target, table: str, stage: str, path: str, purge: bool = False) -> str:
    """COPY INTO a table from a stage path, columns matched by name. FORCE: the load of a batch
    replaces it, so files of an earlier load of the same batch are loaded again. PURGE (internal
    stages): the uploaded files go once loaded."""
    return (
        f"COPY INTO {target.table(table)} FROM @{target.table(stage)}/{path.strip('/')}/ "
        f"FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE{' PURGE = TRUE' if purge else ''}"
    )


@dataclass(frozen=True)
class DatasetCounts:
    dataset: str
    raw_rows: int
    duplicates_removed: int
    quarantined_rows: int
    curated_rows: int


def load_batch_sql(
    target: Target, stage: str, load_path: str, batch: int, txn: str, loaded_at: str, counts: Sequence[DatasetCounts], purge: bool = False
) -> list[str]:
    """The one transaction replacing a batch: its rows in every loaded table go, the staged files
    come in, and its audit rows are written with the rows each table now holds for it."""
    stmts = ["BEGIN"]
    for d in counts:
        stmts += [f"DELETE FROM {target.table(d.dataset)} WHERE _BATCH_ID = {int(batch)}", copy_sql(target, d.dataset, stage, f"{load_path}/{d.dataset}", purge)]
    for table in ("quarantine", "duplicates"):
        stmts += [f"DELETE FROM {target.table(table)} WHERE BATCH_ID = {int(batch)}", copy_sql(target, table, stage, f"{load_path}/{table}", purge)]
    stmts.append(f"DELETE FROM {target.table('batch_audit')} WHERE BATCH_ID = {int(batch)}")
    for d in counts:
        stmts.append(
            f"INSERT INTO {target.table('batch_audit')} ({', '.join(name(n) for n, _ in AUDIT_COLUMNS)}) "
            f"SELECT {int(batch)}, {literal(d.dataset)}, {literal(txn)}, {int(d.raw_rows)}, {int(d.duplicates_removed)}, {int(d.quarantined_rows)}, {int(d.curated_rows)}, "
            f"(SELECT COUNT(*) FROM {target.table(d.dataset)} WHERE _BATCH_ID = {int(batch)}), CAST({literal(loaded_at)} AS TIMESTAMP_NTZ)"
        )
    return stmts


def _value_sql(value: object, column_type: str) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)) or column_type.startswith("decimal"):
        return str(value)
    text = literal(value.isoformat(sep=" ") if hasattr(value, "isoformat") and column_type == "timestamp" else str(value))
    return f"CAST({text} AS {snowflake_type(column_type)})" if column_type in ("date", "timestamp") else text


def reference_sql(target: Target, contract: Contract, rows: Sequence[Sequence[object]]) -> list[str]:
    """A reference code set replaced as a whole (no lineage columns, as in the DuckDB warehouse):
    the table again, then its rows in one INSERT (the sets are small; one statement, not one per row)."""
    table = target.table(contract.dataset)
    stmts = [create_table_sql(target, contract.dataset, [(c.name, snowflake_type(c.type)) for c in contract.columns]).replace("CREATE TABLE IF NOT EXISTS", "CREATE OR REPLACE TABLE", 1)]
    if rows:
        values = ", ".join("(" + ", ".join(_value_sql(v, c.type) for v, c in zip(row, contract.columns)) + ")" for row in rows)
        stmts.append(f"INSERT INTO {table} ({', '.join(name(c.name) for c in contract.columns)}) VALUES {values}")
    return stmts


def loaded_rows_sql(target: Target, dataset: str, batch: int) -> str:
    return f"SELECT COUNT(*) FROM {target.table(dataset)} WHERE _BATCH_ID = {int(batch)}"


def audit_txns_sql(target: Target, batch: int) -> str:
    return f"SELECT DATASET, TXN FROM {target.table('batch_audit')} WHERE BATCH_ID = {int(batch)}"
