"""Test fixture: builds the warehouse `raw` schema that the pipeline's load stage produces.

Used only by the dbt tests in this folder. It reads the generator's clean CSV output for one batch,
types every column as the dataset contract says (pipeline/contracts/*.yaml), computes the claims
contract's `derived` columns, and appends the rows with the lineage columns the load stage adds
(_batch_id, _loaded_at, _source_file, _source_line). It does no cleansing: it is fed clean
generator output (--dirty-rate 0), so it stands in for cleanse + load without pretending to be
them. `raw.quarantine` is created empty and `raw.batch_audit` records the loaded row counts.

`copy_raw_to_snowflake` copies the same tables through a Snowflake DB-API connection (fakesnow in
the tests), so both targets see identical data.
"""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "pipeline" / "contracts"
ENTITIES = ("members", "providers", "claims")
REFERENCES = ("diagnoses", "specialties", "plans", "places_of_service", "denial_reasons")
LINEAGE = [("_batch_id", "INTEGER"), ("_loaded_at", "TIMESTAMP"), ("_source_file", "VARCHAR"), ("_source_line", "BIGINT")]
QUARANTINE = [
    ("batch_id", "INTEGER"), ("dataset", "VARCHAR"), ("source_file", "VARCHAR"), ("line_number", "BIGINT"),
    ("reason", "VARCHAR"), ("reason_detail", "VARCHAR"), ("original_values", "VARCHAR"), ("quarantined_at", "TIMESTAMP"),
]
BATCH_AUDIT = [
    ("batch_id", "INTEGER"), ("dataset", "VARCHAR"), ("raw_rows", "BIGINT"), ("duplicates_removed", "BIGINT"),
    ("quarantined_rows", "BIGINT"), ("curated_rows", "BIGINT"), ("loaded_rows", "BIGINT"), ("loaded_at", "TIMESTAMP"),
]


def contract(dataset: str) -> dict:
    return yaml.safe_load((CONTRACTS / f"{dataset}.yaml").read_text())


def duck_type(contract_type: str) -> str:
    t = contract_type.strip().lower()
    simple = {"string": "VARCHAR", "date": "DATE", "timestamp": "TIMESTAMP", "integer": "INTEGER",
              "double": "DOUBLE", "boolean": "BOOLEAN"}
    if t in simple:
        return simple[t]
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return f"DECIMAL({m.group(1)},{m.group(2)})"
    raise ValueError(f"unknown contract type {contract_type!r}")


def raw_columns(dataset: str) -> list[tuple[str, str]]:
    c = contract(dataset)
    cols = [(col["name"], duck_type(col["type"])) for col in c["columns"]]
    cols += [(d["name"], duck_type(d["type"])) for d in c.get("derived", [])]
    if c["kind"] == "entity":
        cols += LINEAGE
    return cols


def _ddl(table: str, cols: list[tuple[str, str]]) -> str:
    return f"CREATE TABLE IF NOT EXISTS raw.{table} ({', '.join(f'{n} {t}' for n, t in cols)})"


def _typed(col: dict) -> str:
    """Cast one all-VARCHAR CSV column to its contract type (clean data: formats are canonical)."""
    t = duck_type(col["type"])
    return f"CAST({col['name']} AS {t}) AS {col['name']}"


def create_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for ds in ENTITIES:
        con.execute(_ddl(ds, raw_columns(ds)))
    con.execute(_ddl("quarantine", QUARANTINE))
    con.execute(_ddl("batch_audit", BATCH_AUDIT))


def load_reference(con: duckdb.DuckDBPyConnection) -> None:
    for ds in REFERENCES:
        c = contract(ds)
        path = CONTRACTS / c["source"]["file"]
        select = ", ".join(_typed(col) for col in c["columns"])
        con.execute(
            f"CREATE OR REPLACE TABLE raw.{ds} AS SELECT {select} "
            f"FROM read_csv('{path}', header=true, all_varchar=true)"
        )


def _read_csv(files: str) -> str:
    return (
        f"(SELECT *, row_number() OVER (PARTITION BY filename ORDER BY __row) + 1 AS __line FROM "
        f"(SELECT *, row_number() OVER () AS __row FROM read_csv('{files}', header=true, all_varchar=true, "
        f"filename=true, nullstr=['', 'NULL', 'null', 'N/A'])))"
    )


def load_batch(con: duckdb.DuckDBPyConnection, batch_dir: Path, batch_id: int, loaded_at: datetime | None = None) -> dict[str, int]:
    """Append one generated batch to raw.members, raw.providers, raw.claims; returns loaded rows."""
    loaded_at = loaded_at or datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    ts = f"TIMESTAMP '{loaded_at.isoformat(sep=' ')}'"
    lineage = f"{batch_id} AS _batch_id, {ts} AS _loaded_at, filename AS _source_file, __line AS _source_line"
    counts: dict[str, int] = {}
    for ds in ("members", "providers"):
        c = contract(ds)
        select = ", ".join(_typed(col) for col in c["columns"])
        before = con.execute(f"SELECT count(*) FROM raw.{ds}").fetchone()[0]
        con.execute(f"INSERT INTO raw.{ds} BY NAME SELECT {select}, {lineage} FROM {_read_csv(f'{batch_dir}/{ds}/part-*.csv')}")
        counts[ds] = con.execute(f"SELECT count(*) FROM raw.{ds}").fetchone()[0] - before

    # claims: contract columns, then the contract's derived columns (claims.yaml `derived`)
    c = contract("claims")
    select = ", ".join(_typed(col) for col in c["columns"])
    before = con.execute("SELECT count(*) FROM raw.claims").fetchone()[0]
    con.execute(f"""
        INSERT INTO raw.claims BY NAME
        WITH typed AS (SELECT {select}, {lineage} FROM {_read_csv(f'{batch_dir}/claims/part-*.csv')}),
        births AS (SELECT member_id, arg_max(birth_date, updated_at) AS birth_date FROM raw.members GROUP BY member_id),
        looked AS (SELECT t.*, b.birth_date AS member_birth_date FROM typed t LEFT JOIN births b USING (member_id)),
        aged AS (
          SELECT *, date_diff('year', member_birth_date, service_from)
            - CASE WHEN strftime(service_from, '%m%d') < strftime(member_birth_date, '%m%d') THEN 1 ELSE 0 END
            AS member_age_at_service
          FROM looked)
        SELECT *,
          CASE WHEN allowed_amount IS NULL OR allowed_amount = 0 THEN NULL
               ELSE CAST(paid_amount / allowed_amount AS DECIMAL(9,4)) END AS reimbursement_ratio_allowed,
          CASE WHEN billed_amount IS NULL OR billed_amount = 0 THEN NULL
               ELSE CAST(paid_amount / billed_amount AS DECIMAL(9,4)) END AS reimbursement_ratio_billed,
          date_diff('day', received_date, adjudicated_date) AS adjudication_days,
          date_diff('day', received_date, paid_date) AS turnaround_days,
          billed_amount >= 50000 AS high_value_flag,
          CASE WHEN billed_amount IS NULL THEN NULL WHEN billed_amount < 250 THEN 'LOW'
               WHEN billed_amount < 10000 THEN 'NORMAL' WHEN billed_amount < 50000 THEN 'ELEVATED'
               ELSE 'HIGH' END AS value_bucket,
          CASE WHEN member_age_at_service IS NULL THEN NULL WHEN member_age_at_service < 18 THEN '0-17'
               WHEN member_age_at_service < 35 THEN '18-34' WHEN member_age_at_service < 50 THEN '35-49'
               WHEN member_age_at_service < 65 THEN '50-64' ELSE '65+' END AS age_band,
          year(service_from) AS service_year,
          month(service_from) AS service_month
        FROM aged
    """)
    counts["claims"] = con.execute("SELECT count(*) FROM raw.claims").fetchone()[0] - before
    for ds, n in counts.items():
        con.execute(
            "INSERT INTO raw.batch_audit VALUES (?, ?, ?, 0, 0, ?, ?, ?)",
            [batch_id, ds, n, n, n, loaded_at],
        )
    return counts


def build_raw(db_path: Path | str, batch_dir: Path, batch_id: int) -> dict[str, int]:
    """Create (or extend) the raw schema in a DuckDB file with one more batch."""
    con = duckdb.connect(str(db_path))
    try:
        create_raw_schema(con)
        load_reference(con)
        return load_batch(con, batch_dir, batch_id)
    finally:
        con.close()


def generate(out: Path, batch: int, members: int, providers: int, claims: int, seed: int = 42) -> Path:
    """Run the project's own generator CLI (node bin/claims.mjs) for one batch of the timeline."""
    out = Path(out)
    if not (out / "claims").exists():
        result = subprocess.run(
            ["node", str(REPO / "bin" / "claims.mjs"), "generate", "--seed", str(seed), "--members", str(members),
             "--providers", str(providers), "--claims", str(claims), "--batch", str(batch), "--dirty-rate", "0", "--out", str(out)],
            cwd=REPO, capture_output=True, text=True,
        )
        if result.returncode != 0:
            raise RuntimeError(f"claims generate failed for batch {batch}: {result.stderr.strip() or result.stdout.strip()}")
    return out


SNOWFLAKE_TYPES = {"VARCHAR": "VARCHAR", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "INTEGER": "INTEGER",
                   "BIGINT": "BIGINT", "BOOLEAN": "BOOLEAN", "DOUBLE": "FLOAT"}


def snowflake_type(duck: str) -> str:
    m = re.fullmatch(r"DECIMAL\((\d+),(\d+)\)", duck.replace(" ", ""))
    return f"NUMBER({m.group(1)},{m.group(2)})" if m else SNOWFLAKE_TYPES[duck]


def copy_raw_to_snowflake(raw_db: Path | str, sf_conn, tables: list[str] | None = None) -> dict[str, int]:
    """Create RAW.<table> in Snowflake (the emulator) and fill it from the DuckDB raw schema in raw_db.

    The DDL goes through the Snowflake connection as Snowflake SQL. The rows are copied inside the
    emulator's own DuckDB engine (ATTACH + INSERT ... SELECT): fakesnow transpiles every statement
    with sqlglot, so row-by-row executemany costs ~40 s for a thousand rows, which a test cannot
    afford. `sf_conn` must therefore be a fakesnow connection (it exposes `_duck_conn`).
    """
    src = duckdb.connect(str(raw_db), read_only=True)
    try:
        layout = {
            t: src.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = 'raw' AND table_name = ? ORDER BY ordinal_position", [t]).fetchall()
            for t in (tables or [*ENTITIES, *REFERENCES, "quarantine", "batch_audit"])
        }
    finally:
        src.close()
    cur = sf_conn.cursor()
    cur.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, cols in layout.items():
        cur.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} ({', '.join(f'{n} {snowflake_type(t)}' for n, t in cols)})")
    duck = sf_conn._duck_conn
    database = sf_conn.database
    duck.execute(f"ATTACH '{raw_db}' AS fixture_src (READ_ONLY)")
    counts = {}
    try:
        for table, cols in layout.items():
            names = ", ".join(n for n, _ in cols)
            duck.execute(f"DELETE FROM {database}.raw.{table}")
            duck.execute(f"INSERT INTO {database}.raw.{table} ({names}) SELECT {names} FROM fixture_src.raw.{table}")
            counts[table] = cur.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
    finally:
        duck.execute("DETACH fixture_src")
    cur.close()
    return counts
