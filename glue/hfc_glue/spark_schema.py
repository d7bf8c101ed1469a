"""Spark types of the contract: how a loaded contract (hfc_glue.contracts) maps onto Spark.

Contract timestamps are wall-clock values without a zone, so they are TimestampNTZType: written to
Parquet as isAdjustedToUTC=false, exactly as the DuckDB engine writes its TIMESTAMP columns, and
never shifted by a session time zone.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampNTZType,
)

from hfc_glue.contracts import Contract, decimal_size

_SIMPLE: Mapping[str, type[DataType]] = {
    "string": StringType,
    "integer": IntegerType,
    "bigint": LongType,
    "boolean": BooleanType,
    "date": DateType,
    "timestamp": TimestampNTZType,
    "double": DoubleType,
}

# Lineage columns every curated row carries (the DuckDB engine writes the same three).
LINEAGE_FIELDS: tuple[StructField, ...] = (
    StructField("_batch_id", IntegerType(), True),
    StructField("_source_file", StringType(), True),
    StructField("_source_line", LongType(), True),
)

# The quarantine and duplicates files of a batch (pipeline/cleanse/duckdb.ts writes the same).
QUARANTINE_SCHEMA = StructType(
    [
        StructField("batch_id", IntegerType(), True),
        StructField("dataset", StringType(), True),
        StructField("source_file", StringType(), True),
        StructField("line_number", LongType(), True),
        StructField("reason", StringType(), True),
        StructField("reason_detail", StringType(), True),
        StructField("original_values", StringType(), True),
        StructField("quarantined_at", TimestampNTZType(), True),
    ]
)
DUPLICATES_SCHEMA = StructType(
    [
        StructField("batch_id", IntegerType(), True),
        StructField("dataset", StringType(), True),
        StructField("source_file", StringType(), True),
        StructField("line_number", LongType(), True),
        StructField("duplicate_of_line", LongType(), True),
    ]
)


def spark_type(type_name: str) -> DataType:
    """Spark type of a contract type (string, integer, bigint, boolean, date, timestamp, double,
    decimal(p,s)). Raises ValueError for a type the contract loader would reject."""
    size = decimal_size(type_name)
    if size is not None:
        return DecimalType(*size)
    return _SIMPLE[type_name]()


def raw_schema(contract: Contract) -> StructType:
    """Raw fields as read from CSV: every contract column as a nullable string, in contract order,
    so nothing is lost or coerced before the cleanse step decides what is valid."""
    return StructType([StructField(c.name, StringType(), True) for c in contract.columns])


def curated_schema(contract: Contract) -> StructType:
    """Curated (cleansed) types: contract columns with their target types and nullability, then
    derived columns (always nullable: a ratio over 0 or a missing date yields NULL). Column
    descriptions travel as Spark comments and PII tags as metadata."""
    fields = [
        StructField(c.name, spark_type(c.type), c.nullable, {"comment": c.description, "pii": c.pii})
        for c in contract.columns
    ]
    fields += [StructField(d.name, spark_type(d.type), True, {"comment": d.description}) for d in contract.derived]
    return StructType(fields)


def curated_file_schema(contract: Contract) -> StructType:
    """What a curated Parquet file holds: the curated columns minus the partition columns (those
    are folder names), then the lineage columns."""
    parts = set(contract.partitioning)
    return StructType([f for f in curated_schema(contract).fields if f.name not in parts] + list(LINEAGE_FIELDS))
