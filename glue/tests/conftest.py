"""Shared fixtures. One SparkSession per test run (JVM start-up dominates); emulators start once per
session on free loopback ports and are stopped by PID at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from hfc_glue.contracts import ContractSet, load_contracts

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def contracts() -> ContractSet:
    return load_contracts()


@pytest.fixture(scope="session")
def spark() -> Iterator["SparkSession"]:
    from hfc_glue import jars
    from hfc_glue.spark_session import LocalSession, S3Endpoint

    # The S3A jars join the one session when they are cached (npm run setup); the s3a tests point
    # the connector at their emulator at run time and fail with the fix when the jars are missing.
    # Small splits make every multi-part raw file a multi-task read, as large files are in production.
    session = LocalSession(
        cores=2,
        driver_memory="1g",
        shuffle_partitions=2,
        s3=S3Endpoint() if not jars.missing() else None,
        app_name="hfc-glue-tests",
        max_partition_bytes=256 << 10,
    ).build()
    yield session
    session.stop()
