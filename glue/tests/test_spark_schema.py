"""The Spark mapping of the contracts: raw fields as text, curated types, files as the DuckDB engine
writes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    TimestampNTZType,
)

from hfc_glue.contracts import CONTRACTS_DIR, ContractSet, read_yaml_text
from hfc_glue.spark_schema import curated_file_schema, curated_schema, raw_schema, spark_type

CONTRACT_FILES = sorted(CONTRACTS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=[p.stem for p in CONTRACT_FILES])
def test_raw_schema_is_all_strings_in_yaml_order(contracts: ContractSet, path: Path) -> None:
    doc = read_yaml_text(path.read_text(encoding="utf-8"))
    schema = raw_schema(contracts[doc["dataset"]])
    assert schema.fieldNames() == [c["name"] for c in doc["columns"]]
    assert all(f.dataType == StringType() and f.nullable for f in schema.fields)


def test_curated_schema_types(contracts: ContractSet) -> None:
    claims = contracts["claims"]
    schema = curated_schema(claims)
    assert schema.fieldNames() == [*claims.column_names, *claims.derived_names]
    types = {f.name: f.dataType for f in schema.fields}
    assert types["claim_id"] == StringType()
    assert types["claim_version"] == IntegerType()
    assert types["service_from"] == DateType()
    # wall-clock timestamps: never shifted by a session zone, Parquet isAdjustedToUTC=false as DuckDB writes
    assert types["ingestion_ts"] == TimestampNTZType()
    for money in ("billed_amount", "allowed_amount", "paid_amount", "deductible_amount", "copay_amount", "coinsurance_amount"):
        assert types[money] == DecimalType(12, 2)
    assert types["reimbursement_ratio_allowed"] == DecimalType(9, 4)
    assert types["adjudication_days"] == IntegerType()
    assert types["high_value_flag"] == BooleanType()
    assert types["value_bucket"] == StringType()
    assert types["member_birth_date"] == DateType()
    assert types["service_year"] == IntegerType()
    nullable = {f.name: f.nullable for f in schema.fields}
    assert nullable["claim_id"] is False and nullable["paid_amount"] is True and nullable["turnaround_days"] is True
    assert schema["member_id"].metadata == {"comment": "Member who received the service.", "pii": "direct"}

    diagnoses = {f.name: f.dataType for f in curated_schema(contracts["diagnoses"]).fields}
    assert diagnoses["is_chronic"] == BooleanType()
    assert diagnoses["prevalence_weight"] == DoubleType()
    assert diagnoses["min_age"] == IntegerType()


def test_curated_files_leave_partition_columns_to_the_folders(contracts: ContractSet) -> None:
    claims = curated_file_schema(contracts["claims"]).fieldNames()
    assert "service_year" not in claims and "service_month" not in claims
    assert claims[-3:] == ["_batch_id", "_source_file", "_source_line"]
    members = curated_file_schema(contracts["members"]).fieldNames()
    assert members == [*contracts["members"].column_names, "_batch_id", "_source_file", "_source_line"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("string", StringType()),
        ("integer", IntegerType()),
        ("bigint", LongType()),
        ("boolean", BooleanType()),
        ("date", DateType()),
        ("timestamp", TimestampNTZType()),
        ("double", DoubleType()),
        ("decimal(12,2)", DecimalType(12, 2)),
        ("decimal(38,0)", DecimalType(38, 0)),
    ],
)
def test_spark_type(name: str, expected: Any) -> None:
    assert spark_type(name) == expected


@pytest.mark.parametrize("name", ["text", "decimal(39,2)", "decimal(4,5)"])
def test_spark_type_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        spark_type(name)


@pytest.mark.spark
def test_spark_accepts_curated_schema(spark: Any, contracts: ContractSet) -> None:
    for c in contracts:
        schema = curated_schema(c)
        assert spark.createDataFrame([], schema).schema == schema
