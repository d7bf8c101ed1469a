"""Test input made by the real pipeline: the project's CLI generates, ingests, cleanses and loads
one batch into a workspace's DuckDB warehouse (`node bin/claims.mjs run --stages
generate,ingest,cleanse,load`), so dbt reads exactly the raw schema the load stage writes:
contract types, the cleanse stage's derived columns, lineage columns, quarantine and batch audit.

`copy_raw_to_snowflake` copies that raw schema into the Snowflake emulator (fakesnow), so both
targets see identical data.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import duckdb
import yaml

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "pipeline" / "contracts"
ENTITIES = ("members", "providers", "claims")
REFERENCES = ("diagnoses", "specialties", "plans", "places_of_service", "denial_reasons")
UNTIL_LOAD = "generate,ingest,cleanse,load"


def contract(dataset: str) -> dict:
    return yaml.safe_load((CONTRACTS / f"{dataset}.yaml").read_text())


def workspace(root: Path, members: int, providers: int, claims: int, seed: int = 42) -> Path:
    """A pipeline workspace whose active profile generates a world of this size."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "profiles.yaml").write_text(
        "active: t\nprofiles:\n  t:\n"
        f"    generate: {{ seed: {seed}, members: {members}, providers: {providers}, claims: {claims} }}\n"
        "    retry: { max_attempts: 1 }\n")
    return root


def load_batch(ws: Path, batch: int) -> dict:
    """Run the pipeline's stages up to load for one batch; returns the run summary."""
    result = subprocess.run(
        ["node", str(REPO / "bin" / "claims.mjs"), "run", "--workspace", str(ws), "--batch", str(batch),
         "--stages", UNTIL_LOAD, "--json"],
        cwd=REPO, capture_output=True, text=True,
    )
    try:
        summary = json.loads(result.stdout)
    except json.JSONDecodeError:
        summary = None
    if result.returncode != 0 or not summary or summary.get("status") != "succeeded":
        raise RuntimeError(f"claims run --batch {batch} --stages {UNTIL_LOAD} failed: "
                           f"{result.stderr.strip()[-2000:] or result.stdout.strip()[-2000:]}")
    return summary


SNOWFLAKE_TYPES = {"VARCHAR": "VARCHAR", "DATE": "DATE", "TIMESTAMP": "TIMESTAMP_NTZ", "INTEGER": "INTEGER",
                   "BIGINT": "BIGINT", "SMALLINT": "INTEGER", "TINYINT": "INTEGER", "BOOLEAN": "BOOLEAN",
                   "DOUBLE": "FLOAT", "FLOAT": "FLOAT", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP_TZ"}


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
