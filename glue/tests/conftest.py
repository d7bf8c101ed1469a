"""Shared fixtures. One SparkSession per test run (JVM start-up dominates); emulators start once per
session on free loopback ports and are stopped by PID at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import pytest

from claims_emulator.testing import running_emulator
from hfc_glue.contracts import ContractSet, load_contracts
from ts_pipeline import claims_run, write_profile
from worlds import WORLDS, run_both

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def contracts() -> ContractSet:
    return load_contracts()


@pytest.fixture(scope="session")
def spark() -> Iterator["SparkSession"]:
    from hfc_glue import jars
    from hfc_glue.spark_session import LocalSession, S3Endpoint

    # S3A reads credentials from the JVM's environment, which is fixed when the JVM starts: the
    # emulator (moto) takes any key, so tests that reach it set dummy ones unless real ones exist
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")

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
        # test batches are small: the JIT's optimizing tier would cost more CPU than it saves
        java_options=("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"),
    ).build()
    yield session
    session.stop()


@dataclass(frozen=True)
class Endpoint:
    """Where one of the emulator's servers answers."""

    url: str
    port: int


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The product's cloud emulator (emulator/claims_emulator), one per test session."""
    with running_emulator(tmp_path_factory.mktemp("emulator"), idle_timeout=1800) as emu:
        yield emu


def _endpoint(url: str) -> Endpoint:
    return Endpoint(url, int(urlparse(url).port or 80))


@pytest.fixture(scope="session")
def moto(emulator: Any) -> Endpoint:
    """The emulator's AWS endpoint (S3, Secrets Manager, SSM, Glue's control plane)."""
    return _endpoint(emulator.endpoints["s3"])


@pytest.fixture(scope="session")
def fakesnow(emulator: Any) -> Endpoint:
    """The emulator's Snowflake for the Python connector (fakesnow itself)."""
    return _endpoint(emulator.endpoints["snowflake_python"])


# --- batches of the TypeScript pipeline, cleansed by both engines --------------------------------

@pytest.fixture(scope="session")
def generated_worlds(spark: Any, contracts: ContractSet, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = {}
    for name, world in WORLDS.items():
        ws = tmp_path_factory.mktemp(name) / "ws"
        write_profile(ws, world["generate"])
        out[name] = run_both(spark, contracts, ws, world["batches"], lambda b, ws=ws: claims_run(ws, b, "generate,ingest"))
    return out


