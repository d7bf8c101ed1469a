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
    import os

    from pyspark.sql import SparkSession

    # one local session per test run: JVM start-up dominates; loopback only, no UI
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master("local[2]")
        .appName("hfc-glue-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    yield session
    session.stop()
