"""Shared fixtures. The SparkSession is started once per test run: JVM start-up dominates."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

from hfc_glue.contract import SPARK_SESSION_CONF, ContractSet, load_contracts


@pytest.fixture(scope="session")
def contracts() -> ContractSet:
    return load_contracts()


@pytest.fixture(scope="session")
def spark() -> Iterator["SparkSession"]:  # noqa: F821 - imported lazily below
    # Loopback only: no network, no UI port, workers run this interpreter.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master("local[1]")
        .appName("hfc-glue-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.adaptive.enabled", "false")
    )
    for key, value in SPARK_SESSION_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
