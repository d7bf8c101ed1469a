"""Job 1 commits atomically, with the DuckDB engine's protocol: a killed job leaves nothing a reader
can see, the next run recovers and commits; an interrupted commit is rolled forward."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hfc_glue.cleanse_job import cleanse_batch
from hfc_glue.commit import MARKER, PAYLOAD, commit, recover_staging, stage_manifest
from hfc_glue.contracts import ContractSet
from hfc_glue.lake import Lake
from lake_compare import compare_batch
from worlds import quiet_log

pytestmark = pytest.mark.spark

GLUE = Path(__file__).resolve().parents[1]


def _raw_only(lake: Path, dst: Path) -> Path:
    """A copy of a lake with only what ingest landed (raw zone and raw manifests)."""
    for sub in ("raw",):
        src = lake / sub
        for p in src.rglob("*"):
            if p.is_file():
                target = dst / p.relative_to(lake)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(p.read_bytes())
    (dst / "_manifests").mkdir(parents=True)
    for m in (lake / "_manifests").glob("batch=*.json"):
        (dst / "_manifests" / m.name).write_bytes(m.read_bytes())
    return dst


def _manifest(batch: int, files: list[str]) -> dict[str, Any]:
    entry = {"raw_rows": 1, "curated_rows": 1, "quarantined_rows": 0, "duplicates_removed": 0, "quarantine_by_reason": {}, "files": files, "quarantine_files": [], "duplicate_files": []}
    return {"batch": batch, "txn": f"b{batch}-test", "raw_landed_at": "2026-01-01T00:00:00.000Z", "committed_at": "2026-01-01T00:00:01.000Z", "engine": "spark", "datasets": {"members": entry}}


def test_an_interrupted_commit_is_rolled_forward_and_an_unmarked_one_discarded(spark: Any, tmp_path: Path) -> None:
    lake = Lake(spark, str(tmp_path / "lake"))
    # txn 1 got as far as its marker (some files moved already): finished on recovery
    stage_manifest(lake, "b1-aaa", _manifest(1, ["processed/parquet/members/b1_aaa_0.parquet", "processed/parquet/members/b1_aaa_1.parquet"]))
    lake.put_text("_staging/b1-aaa/processed/parquet/members/b1_aaa_1.parquet", "second")
    lake.put_text("processed/parquet/members/b1_aaa_0.parquet", "first")
    lake.put_text(f"_staging/b1-aaa/{MARKER}", "{}")
    # txn 2 never reached its marker: discarded
    stage_manifest(lake, "b2-bbb", _manifest(2, ["processed/parquet/members/b2_bbb_0.parquet"]))
    lake.put_text("_staging/b2-bbb/processed/parquet/members/b2_bbb_0.parquet", "never visible")
    assert recover_staging(lake) == {"rolledForward": ["b1-aaa"], "discarded": ["b2-bbb"]}
    assert lake.list("_staging/") == []
    assert [o.key for o in lake.list("processed/")] == ["processed/parquet/members/b1_aaa_0.parquet", "processed/parquet/members/b1_aaa_1.parquet"]
    assert json.loads(lake.get_text("_manifests/curated/batch=1.json") or "")["txn"] == "b1-test"
    assert lake.get_text("_manifests/curated/batch=2.json") is None


def test_a_new_commit_of_a_batch_removes_the_files_only_the_old_one_listed(spark: Any, tmp_path: Path) -> None:
    lake = Lake(spark, str(tmp_path / "lake"))
    stage_manifest(lake, "b1-old", _manifest(1, ["processed/parquet/members/b1_old_0.parquet"]))
    lake.put_text("_staging/b1-old/processed/parquet/members/b1_old_0.parquet", "old")
    commit(lake, "b1-old")
    stage_manifest(lake, "b1-new", _manifest(1, ["processed/parquet/members/b1_new_0.parquet"]))
    lake.put_text("_staging/b1-new/processed/parquet/members/b1_new_0.parquet", "new")
    assert commit(lake, "b1-new")["datasets"]["members"]["files"] == ["processed/parquet/members/b1_new_0.parquet"]
    assert [o.key for o in lake.list("processed/")] == ["processed/parquet/members/b1_new_0.parquet"]
    assert not lake.exists(f"_staging/b1-new/{PAYLOAD}")


def test_a_killed_job_leaves_nothing_visible_and_the_rerun_commits(spark: Any, contracts: ContractSet, generated_worlds: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    duck_lake = generated_worlds["dirty-0"][0]
    lake_dir = _raw_only(duck_lake, tmp_path / "lake")
    job = subprocess.Popen(
        [sys.executable, str(GLUE / "jobs" / "cleanse.py"), "--lake", str(lake_dir), "--batch", "1", "--cores", "1", "--driver_memory", "1g"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True,
    )
    seen = []
    deadline = time.monotonic() + 300
    try:
        for line in job.stdout:  # type: ignore[union-attr]
            event = json.loads(line)
            seen.append(event)
            if event.get("dataset") == "claims" and event.get("step") == "writing curated parquet":
                break
            assert time.monotonic() < deadline, "the job did not reach the claims in time"
    finally:
        os.killpg(job.pid, signal.SIGKILL)  # the job's own process group: its Python and its JVM
        job.wait(timeout=60)
    assert any(e.get("dataset") == "members" and e.get("step") == "done" for e in seen)
    assert list(lake_dir.glob("_staging/*/processed/parquet/members/*.parquet")), "members were staged when the job died"
    assert not (lake_dir / "_manifests" / "curated").exists(), "no curated manifest: the batch is invisible"
    assert not (lake_dir / "processed").exists() and not (lake_dir / "quarantine").exists()

    manifest = cleanse_batch(spark, Lake(spark, str(lake_dir)), contracts, 1, quiet_log())
    assert manifest["engine"] == "spark"
    assert not list(lake_dir.glob("_staging/*")), "the rerun discarded what the killed job staged"
    assert not compare_batch(duck_lake, lake_dir, 1)
