"""Shared fixtures for the dbt project's Python tests (collected with `python -m pytest dbt/tests_python`).

They run real dbt in-process (dbtRunner) against a real DuckDB file and against fakesnow, the
Snowflake emulator, on raw tables the real pipeline loaded (pipeline_input.py: the project's CLI,
generate -> ingest -> cleanse -> load).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
# fakesnow transpiles with sqlglot, which warns on every TRANSIENT table dbt-snowflake creates
logging.getLogger("sqlglot").setLevel(logging.ERROR)

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import pipeline_input  # noqa: E402

PROJECT_DIR = HERE.parent
DUCKDB_SIZES = dict(members=300, providers=50, claims=3000)
OK_STATUSES = {"success", "pass", "warn", "no-op"}  # no-op: the exposure


class Dbt:
    """Runs dbt commands in-process on this project (or a copy of it) with private target and log folders."""

    def __init__(self, work: Path, target: str, extra: list[str] | None = None, project_dir: Path = PROJECT_DIR):
        self.target_path = work / "target"
        self.log_path = work / "logs"
        self.target = target
        self.extra = extra or []
        self.project_dir = project_dir

    def __call__(self, *args: str):
        from dbt.cli.main import dbtRunner

        result = dbtRunner().invoke([
            *args,
            "--project-dir", str(self.project_dir),
            "--profiles-dir", str(self.project_dir),
            "--target", self.target,
            "--target-path", str(self.target_path),
            "--log-path", str(self.log_path),
            "--quiet",
            *self.extra,
        ])
        if self.target == "local":
            release_duckdb()
        return result


def release_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB instance open in the process after an in-process invocation;
    the pipeline's load stage (another process) must be able to open the warehouse for writing."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        env, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if env is not None:
        env.close()


def problems(result) -> list[str]:
    """Every node of a dbt invocation that did not succeed, pass or warn, with its message."""
    if result.exception is not None:
        return [f"dbt raised {result.exception!r}"]
    out = [f"{r.node.unique_id}: {r.status}: {(r.message or '').strip()[:300]}"
           for r in (result.result or []) if str(r.status) not in OK_STATUSES]
    if not result.success and not out:
        out.append("dbt reported failure")
    return out


@pytest.fixture(scope="session")
def pipeline_workspace(tmp_path_factory):
    """Pipeline workspaces (one per world size, made once per session) loaded batch by batch with
    the project's CLI: get(batch, members, providers, claims) -> the workspace, loaded up to batch."""
    root = tmp_path_factory.mktemp("pipeline")
    loaded: dict[tuple, int] = {}

    def get(batch: int, members: int, providers: int, claims: int) -> Path:
        size = (members, providers, claims)
        ws = root / f"m{members}_p{providers}_c{claims}"
        if size not in loaded:
            pipeline_input.workspace(ws, members, providers, claims)
            loaded[size] = 0
        while loaded[size] < batch:
            pipeline_input.load_batch(ws, loaded[size] + 1)
            loaded[size] += 1
        return ws

    return get


def query(db, sql):
    con = duckdb.connect(str(db))
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def variant_project(root: Path, edits: dict[str, list[tuple[str, str]]]) -> Path:
    """A copy of the dbt project under `root` with text replacements applied to some of its files:
    {relative path: [(old, new), ...]}; each `old` must occur exactly once, so a variant cannot
    silently stop testing what it says when the project changes."""
    project = root / "project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", "tests_python", "dbt_packages"))
    for relative, replacements in edits.items():
        path = project / relative
        text = path.read_text()
        for old, new in replacements:
            assert text.count(old) == 1, f"{relative}: expected exactly one {old!r}"
            text = text.replace(old, new)
        path.write_text(text)
    return project


def contract_mismatches(message: str) -> dict[str, tuple[str, str, str]]:
    """The rows of dbt's contract error table: column (lower case) -> (definition type, contract type, reason)."""
    cell = r"[ \t]*([^|\n]*?)[ \t]*\|"
    rows = re.findall(rf"^[ \t]*\|[ \t]*(\w+)[ \t]*\|{cell}{cell}{cell}[ \t]*$", message, re.M)
    return {name.lower(): (definition, contract, reason) for name, definition, contract, reason in rows
            if name != "column_name"}


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory, pipeline_workspace):
    """A DuckDB warehouse loaded batch by batch (1 -> 2 -> 3) by the pipeline, with `dbt build
    --target local` after each batch: (db file, Dbt runner, per batch: problems, node statuses,
    fct_claims rows)."""
    work = tmp_path_factory.mktemp("duckdb_build")
    db = pipeline_workspace(0, **DUCKDB_SIZES) / "warehouse.duckdb"
    mp = pytest.MonkeyPatch()
    mp.setenv("CLAIMS_WAREHOUSE", str(db))
    mp.setenv("CLAIMS_DBT_THREADS", "4")
    dbt = Dbt(work, "local")
    states = {}
    for batch in (1, 2, 3):
        pipeline_workspace(batch, **DUCKDB_SIZES)
        # as the transform stage builds a later batch: its row-level tests check its own rows
        if batch > 1:
            mp.setenv("CLAIMS_DBT_BATCH_SCOPE", str(batch))
        result = dbt("build")
        states[batch] = {
            "problems": problems(result),
            "statuses": {r.node.unique_id: str(r.status) for r in (result.result or [])},
            "claims": dict(((cid, (status, version_count)) for cid, status, version_count in query(
                db, "select claim_id, claim_status, version_count from marts.fct_claims"))),
        }
    mp.delenv("CLAIMS_DBT_BATCH_SCOPE")
    yield db, dbt, states
    mp.undo()
