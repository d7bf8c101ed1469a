"""Glue job 2's Snowflake SQL as text. The external_stage route (COPY INTO from an external stage on
the lake through a storage integration) is the default for real accounts; it is tested here as
generated text only and is NOT exercised against a real Snowflake account (docs/cloud.md). The
internal_stage route runs against the fakesnow server in test_load_job.py."""

from __future__ import annotations

import re

import pytest

from hfc_glue.contracts import ContractSet
from hfc_glue.snowflake_credentials import connect_kwargs, parse_secret
from hfc_glue.snowflake_sql import (
    DatasetCounts,
    Target,
    copy_sql,
    external_stage_sql,
    load_batch_sql,
    name,
    prepare_sql,
    put_sql,
    snowflake_type,
    table_columns,
)
from hfc_glue.errors import JobError

T = Target("claims", "raw")
COUNTS = [DatasetCounts("members", 310, 2, 8, 300), DatasetCounts("providers", 60, 0, 0, 60), DatasetCounts("claims", 3000, 7, 60, 2933)]


def test_types_follow_the_contract(contracts: ContractSet) -> None:
    cols = dict(table_columns(contracts["claims"]))
    assert cols["billed_amount"] == "NUMBER(12,2)" and cols["reimbursement_ratio_allowed"] == "NUMBER(9,4)"
    assert cols["ingestion_ts"] == "TIMESTAMP_NTZ" and cols["service_from"] == "DATE" and cols["high_value_flag"] == "BOOLEAN"
    assert list(cols)[-4:] == ["_batch_id", "_loaded_at", "_source_file", "_source_line"]
    assert snowflake_type("double") == "FLOAT"


def test_tables_are_created_once_from_the_contracts(contracts: ContractSet) -> None:
    stmts = prepare_sql(T, contracts)
    assert stmts[0] == "CREATE SCHEMA IF NOT EXISTS CLAIMS.RAW"
    assert all(s.startswith("CREATE ") and "IF NOT EXISTS" in s for s in stmts)
    claims = next(s for s in stmts if " CLAIMS.RAW.CLAIMS " in s)
    assert "CLAIM_ID VARCHAR" in claims and "SERVICE_YEAR INTEGER" in claims and "_SOURCE_LINE BIGINT" in claims
    assert any("CLAIMS.RAW.BATCH_AUDIT" in s and "LOADED_ROWS BIGINT" in s for s in stmts)


def test_external_stage_route_copies_from_the_lake_stage_without_keys() -> None:
    stage = external_stage_sql(T, "hfc_lake", "s3://claims-lake/prod", "claims_lake_integration")
    assert stage == (
        "CREATE STAGE IF NOT EXISTS CLAIMS.RAW.HFC_LAKE URL = 's3://claims-lake/prod/' "
        "STORAGE_INTEGRATION = CLAIMS_LAKE_INTEGRATION FILE_FORMAT = (TYPE = PARQUET)"
    )
    stmts = load_batch_sql(T, "hfc_lake", "_load/batch=4/b4-abc-1", 4, "b4-abc", "2026-12-01 10:00:00.000", COUNTS)
    assert stmts[0] == "BEGIN" and "COMMIT" not in stmts, "the job commits after checking the loaded rows"
    assert stmts[1:3] == [
        "DELETE FROM CLAIMS.RAW.MEMBERS WHERE _BATCH_ID = 4",
        "COPY INTO CLAIMS.RAW.MEMBERS FROM @CLAIMS.RAW.HFC_LAKE/_load/batch=4/b4-abc-1/members/ FILE_FORMAT = (TYPE = PARQUET) MATCH_BY_COLUMN_NAME = CASE_INSENSITIVE FORCE = TRUE",
    ]
    assert "COPY INTO CLAIMS.RAW.QUARANTINE FROM @CLAIMS.RAW.HFC_LAKE/_load/batch=4/b4-abc-1/quarantine/" in " ".join(stmts)
    audit = [s for s in stmts if s.startswith("INSERT INTO CLAIMS.RAW.BATCH_AUDIT")]
    assert len(audit) == 3 and "SELECT 4, 'claims', 'b4-abc', 3000, 7, 60, 2933, (SELECT COUNT(*) FROM CLAIMS.RAW.CLAIMS WHERE _BATCH_ID = 4)" in audit[2]
    text = " ".join([stage, *stmts]).upper()
    for secret in ("CREDENTIALS", "AWS_KEY_ID", "AWS_SECRET_KEY", "AWS_TOKEN", "PASSWORD"):
        assert secret not in text


def test_internal_stage_route_puts_the_files_first() -> None:
    assert put_sql("/tmp/hfc-load-1/claims", T, "hfc_load", "_load/batch=1/x/claims") == (
        "PUT 'file:///tmp/hfc-load-1/claims/*.parquet' @CLAIMS.RAW.HFC_LOAD/_load/batch=1/x/claims/ AUTO_COMPRESS = FALSE OVERWRITE = TRUE"
    )
    assert copy_sql(T, "claims", "hfc_load", "_load/batch=1/x/claims").startswith("COPY INTO CLAIMS.RAW.CLAIMS FROM @CLAIMS.RAW.HFC_LOAD/_load/batch=1/x/claims/ ")


@pytest.mark.parametrize("bad", ["raw; DROP TABLE x", "my-stage", "a.b", ""])
def test_identifiers_that_need_quoting_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        name(bad)


def test_external_stage_needs_an_s3_url() -> None:
    with pytest.raises(ValueError):
        external_stage_sql(T, "hfc_lake", "https://example.com/lake", "i")


def test_the_secret_is_checked_and_never_echoed() -> None:
    with pytest.raises(JobError) as info:
        parse_secret('{"account": "a", "user": "u", "pasword": "hunter2"}', "secret claims/sf")
    assert "unknown keys pasword" in str(info.value) and "hunter2" not in str(info.value)
    with pytest.raises(JobError, match="neither password nor private_key"):
        parse_secret('{"account": "a", "user": "u"}', "secret claims/sf")
    with pytest.raises(JobError, match="not a JSON object"):
        parse_secret("hunter2", "secret claims/sf")
    kwargs = connect_kwargs(parse_secret('{"account": "a", "user": "u", "password": "p", "port": "8443"}', "s"), "CLAIMS", "RAW")
    assert kwargs["port"] == 8443 and kwargs["database"] == "CLAIMS" and kwargs["schema"] == "RAW"
    assert not re.search(r"private_key", " ".join(kwargs))
