"""Glue job 2 loads committed batches into Snowflake RAW: run here through the internal_stage route
against the fakesnow server on loopback (PUT, then COPY INTO), on batches the Spark engine
committed. The external_stage route's SQL is tested as text in test_snowflake_sql.py; it is not run
against a real account here."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from conftest import Endpoint
from hfc_glue.contracts import ContractSet
from hfc_glue.errors import JobError
from hfc_glue.job_log import JobLog
from hfc_glue.lake import Lake
from hfc_glue.load_job import LoadSettings, load_batch
from hfc_glue.reference_data import read_reference
from hfc_glue.snowflake_sql import Target
from lake_compare import manifest
from ts_pipeline import copy_lake

pytestmark = pytest.mark.spark

GLUE = Path(__file__).resolve().parents[1]


def _connect(fakesnow: Endpoint, database: str) -> Any:
    import snowflake.connector

    conn = snowflake.connector.connect(
        account="fakesnow", user="loader", password="unused", host="127.0.0.1", port=fakesnow.port, protocol="http", network_timeout=60, login_timeout=30
    )
    conn.cursor().execute(f"CREATE DATABASE IF NOT EXISTS {database}")
    conn.close()
    return snowflake.connector.connect(
        account="fakesnow", user="loader", password="unused", host="127.0.0.1", port=fakesnow.port, protocol="http", database=database, schema="RAW",
        network_timeout=60, login_timeout=30,
    )


@pytest.fixture(scope="module")
def lake_dir(generated_worlds: dict[str, tuple[Path, Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Spark engine's lake of the 5 %-dirty world (batches 1-3 committed)."""
    return copy_lake(generated_worlds["dirty-5"][1], tmp_path_factory.mktemp("load") / "lake")


@pytest.fixture(scope="module")
def snowflake(fakesnow: Endpoint) -> Iterator[Any]:
    conn = _connect(fakesnow, "LOADTEST")
    yield conn
    conn.close()


def _rows(conn: Any, sql: str) -> list[tuple]:
    cur = conn.cursor()
    try:
        cur.execute(sql)
        return cur.fetchall()
    finally:
        cur.close()


def _load(spark: Any, lake_dir: Path, contracts: ContractSet, conn: Any, batch: int, force: bool = False, log: io.StringIO | None = None) -> dict[str, Any]:
    settings = LoadSettings("internal_stage", Target("LOADTEST", "RAW"), "HFC_LOAD", force)
    return load_batch(spark, Lake(spark, str(lake_dir)), contracts, batch, settings, conn, JobLog("load", log or io.StringIO()))


def _curated(lake_dir: Path, batch: int, dataset: str, sql: str) -> list[tuple]:
    files = [str(lake_dir / k) for k in manifest(lake_dir, batch)["datasets"][dataset]["files"]]
    return duckdb.sql(f"SELECT {sql} FROM read_parquet({files!r}, hive_partitioning = true)").fetchall()


def test_a_batch_loads_with_lineage_and_audit(spark: Any, contracts: ContractSet, lake_dir: Path, snowflake: Any) -> None:
    result = _load(spark, lake_dir, contracts, snowflake, 1)
    m = manifest(lake_dir, 1)
    assert result["loaded"] is True and result["txn"] == m["txn"]
    for dataset in ("members", "providers", "claims"):
        assert result["datasets"][dataset] == m["datasets"][dataset]["curated_rows"] > 0
    # the values arrive as curated: the same claim ids, amounts and derived columns
    got = _rows(snowflake, "SELECT COUNT(*), COUNT(DISTINCT CLAIM_ID), SUM(BILLED_AMOUNT), SUM(REIMBURSEMENT_RATIO_ALLOWED), MIN(SERVICE_YEAR), MAX(SERVICE_MONTH), COUNT(MEMBER_BIRTH_DATE) FROM RAW.CLAIMS WHERE _BATCH_ID = 1")[0]
    want = _curated(lake_dir, 1, "claims", "count(*), count(DISTINCT claim_id), sum(billed_amount), sum(reimbursement_ratio_allowed), min(service_year), max(service_month), count(member_birth_date)")[0]
    # (the emulator sums NUMBER columns in floating point: compare to the cent)
    assert tuple(round(float(x), 2) for x in got) == tuple(round(float(x), 2) for x in want)
    lineage = _rows(snowflake, "SELECT MIN(_BATCH_ID), MAX(_BATCH_ID), COUNT(_LOADED_AT), COUNT(DISTINCT _SOURCE_FILE), MIN(_SOURCE_LINE) FROM RAW.CLAIMS")[0]
    assert lineage[:2] == (1, 1) and lineage[2] == m["datasets"]["claims"]["curated_rows"]
    assert lineage[3] == len({r[0] for r in _curated(lake_dir, 1, "claims", "DISTINCT _source_file")}) and lineage[4] == 2
    loaded = _rows(snowflake, "SELECT CLAIM_ID, CLAIM_VERSION, _SOURCE_FILE, _SOURCE_LINE FROM RAW.CLAIMS WHERE _BATCH_ID = 1")
    assert sorted(loaded) == sorted(_curated(lake_dir, 1, "claims", "claim_id, claim_version, _source_file, _source_line"))
    audit = _rows(snowflake, "SELECT DATASET, TXN, RAW_ROWS, DUPLICATES_REMOVED, QUARANTINED_ROWS, CURATED_ROWS, LOADED_ROWS FROM RAW.BATCH_AUDIT WHERE BATCH_ID = 1 ORDER BY DATASET")
    assert audit == sorted(
        (n, m["txn"], d["raw_rows"], d["duplicates_removed"], d["quarantined_rows"], d["curated_rows"], d["curated_rows"]) for n, d in m["datasets"].items()
    )
    quarantined = sum(d["quarantined_rows"] for d in m["datasets"].values())
    assert _rows(snowflake, "SELECT COUNT(*), COUNT(ORIGINAL_VALUES) FROM RAW.QUARANTINE WHERE BATCH_ID = 1")[0] == (quarantined, quarantined) and quarantined > 0
    duplicates = sum(d["duplicates_removed"] for d in m["datasets"].values())
    assert _rows(snowflake, "SELECT COUNT(*) FROM RAW.DUPLICATES WHERE BATCH_ID = 1")[0][0] == duplicates
    assert not list(lake_dir.glob("_load/*/*")), "the load files are removed after the load"
    # the reference code sets dbt reads beside RAW, typed and whole, as the contracts ship them
    for reference in contracts.references:
        assert _rows(snowflake, f"SELECT COUNT(*) FROM RAW.{reference.dataset.upper()}")[0][0] == len(read_reference(reference)) > 0
    got = _rows(snowflake, "SELECT CODE_DISPLAY, IS_CHRONIC, PREVALENCE_WEIGHT, MIN_AGE FROM RAW.DIAGNOSES WHERE CODE = 'E1122'")
    assert [(a, b, float(c), d) for a, b, c, d in got] == [("E11.22", True, 6.0, 30)]


def test_loading_a_batch_again_replaces_it(spark: Any, contracts: ContractSet, lake_dir: Path, snowflake: Any) -> None:
    _load(spark, lake_dir, contracts, snowflake, 1)
    before = _rows(snowflake, "SELECT COUNT(*), SUM(BILLED_AMOUNT), MAX(_LOADED_AT) FROM RAW.CLAIMS WHERE _BATCH_ID = 1")[0]
    assert _load(spark, lake_dir, contracts, snowflake, 1)["loaded"] is False, "the same commit is not loaded twice"
    again = _load(spark, lake_dir, contracts, snowflake, 1, force=True)
    assert again["loaded"] is True
    after = _rows(snowflake, "SELECT COUNT(*), SUM(BILLED_AMOUNT), MAX(_LOADED_AT) FROM RAW.CLAIMS WHERE _BATCH_ID = 1")[0]
    assert after[:2] == before[:2] and after[2] > before[2]
    assert _rows(snowflake, "SELECT COUNT(*) FROM RAW.BATCH_AUDIT WHERE BATCH_ID = 1")[0][0] == 3
    m = manifest(lake_dir, 1)
    assert _rows(snowflake, "SELECT COUNT(*) FROM RAW.QUARANTINE WHERE BATCH_ID = 1")[0][0] == sum(d["quarantined_rows"] for d in m["datasets"].values())


def test_a_later_batch_adds_its_rows(spark: Any, contracts: ContractSet, lake_dir: Path, snowflake: Any) -> None:
    _load(spark, lake_dir, contracts, snowflake, 1)
    log = io.StringIO()
    _load(spark, lake_dir, contracts, snowflake, 2, log=log)
    counts = dict(_rows(snowflake, "SELECT _BATCH_ID, COUNT(*) FROM RAW.CLAIMS GROUP BY 1"))
    assert counts == {b: manifest(lake_dir, b)["datasets"]["claims"]["curated_rows"] for b in (1, 2)}
    # each statement of the load's transaction reports its query id, BEGIN to COMMIT (and each PUT
    # where the server gives one: fakesnow answers a PUT without)
    statements = [e for e in map(json.loads, log.getvalue().splitlines()) if e["event"] == "statement"]
    heads = [e["statement"] for e in statements if not e["statement"].startswith("PUT ")]
    assert heads[0] == "BEGIN" and heads[-1] == "COMMIT"
    assert any(h.startswith("COPY INTO LOADTEST.RAW.CLAIMS") for h in heads) and all(len(h) <= 100 for h in heads)
    ids = [e["query_id"] for e in statements]
    assert len(set(ids)) == len(ids) and all(isinstance(i, str) and i for i in ids)


def test_a_batch_without_a_committed_manifest_is_refused(spark: Any, contracts: ContractSet, lake_dir: Path, snowflake: Any) -> None:
    with pytest.raises(JobError, match="no committed curated manifest"):
        _load(spark, lake_dir, contracts, snowflake, 7)
    marker = lake_dir / "_staging" / "b3-unfinished" / "COMMITTING.json"
    marker.parent.mkdir(parents=True)
    marker.write_text("{}", encoding="utf-8")
    try:
        with pytest.raises(JobError, match="unfinished commit"):
            _load(spark, lake_dir, contracts, snowflake, 3)
    finally:
        marker.unlink()
        marker.parent.rmdir()


def test_the_load_job_reads_its_credentials_from_secrets_manager(moto: Endpoint, fakesnow: Endpoint, lake_dir: Path, tmp_path: Path) -> None:
    """The entry script end to end, in its own process: arguments name a secret, the secret (in
    moto's Secrets Manager) holds the connection; nothing secret is on the command line."""
    import boto3

    env = {**os.environ, "AWS_ENDPOINT_URL": moto.url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    secret = {"account": "fakesnow", "user": "loader", "password": "not-a-real-password", "host": "127.0.0.1", "port": fakesnow.port, "protocol": "http"}
    sm = boto3.client("secretsmanager", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    sm.create_secret(Name="claims/snowflake-loader", SecretString=json.dumps(secret))
    _connect(fakesnow, "JOBTEST").close()
    args = ["--lake", str(lake_dir), "--batch", "3", "--route", "internal_stage", "--database", "JOBTEST", "--stage", "HFC_LOAD", "--snowflake_secret_id", "claims/snowflake-loader", "--cores", "1", "--driver_memory", "1g"]
    run = subprocess.run([sys.executable, str(GLUE / "jobs" / "load.py"), *args], capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    events = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert len(events) == len(run.stdout.splitlines()), "stdout holds only the job's JSON lines"
    loaded = next(e for e in events if e["event"] == "loaded")
    assert loaded["datasets"]["claims"] == manifest(lake_dir, 3)["datasets"]["claims"]["curated_rows"]
    assert "not-a-real-password" not in run.stdout + run.stderr
    missing = subprocess.run([sys.executable, str(GLUE / "jobs" / "load.py"), *args[:-4], "--snowflake_secret_id", "claims/nope"], capture_output=True, text=True, env=env, timeout=300)
    assert missing.returncode == 1 and "Cannot read the Snowflake secret claims/nope" in missing.stderr
