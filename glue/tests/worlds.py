"""The batches the Glue job tests run on: small worlds of the TypeScript pipeline's generator, landed
by its ingest and cleansed by both engines (conftest.generated_worlds)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hfc_glue.cleanse_job import cleanse_batch
from hfc_glue.contracts import ContractSet
from hfc_glue.job_log import JobLog
from hfc_glue.lake import Lake
from ts_pipeline import claims_run, copy_lake

SIZES = {"seed": 11, "members": 300, "providers": 60, "claims": 3000}
WORLDS: dict[str, dict[str, Any]] = {
    "dirty-0": {"generate": {**SIZES, "dirty_rate": 0}, "batches": [1]},
    "dirty-5": {"generate": {**SIZES, "dirty_rate": 0.05}, "batches": [1, 2, 3]},
    "dirty-20": {"generate": {**SIZES, "dirty_rate": 0.2, "rows_per_file": 1000}, "batches": [1]},
}


def quiet_log(_tmp: Path | None = None) -> JobLog:
    """A job log kept in memory (the tests assert on what the jobs commit, not on their log)."""
    return JobLog("cleanse", io.StringIO())


def run_both(spark: Any, contracts: ContractSet, workspace: Path, batches: list[int], land: Callable[[int], None]) -> tuple[Path, Path]:
    """Lands each batch (land), copies the lake, then cleanses the batches in order with the
    DuckDB engine in the workspace and with the Spark engine in the copy."""
    for b in batches:
        land(b)
    duck_lake = workspace / "lake"
    spark_lake = copy_lake(duck_lake, workspace.parent / f"{workspace.name}-spark-lake")
    lake = Lake(spark, str(spark_lake))
    for b in batches:
        claims_run(workspace, b, "cleanse")
        cleanse_batch(spark, lake, contracts, b, quiet_log(workspace.parent))
    return duck_lake, spark_lake


