"""One emulator for the whole session (start-up costs a few seconds), on a temporary state folder,
stopped by its process id at the end. Its statement limit is short so the timeout test is quick."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from claims_emulator.testing import Emulator, running_emulator

STATEMENT_TIMEOUT_SECONDS = 5


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    with running_emulator(tmp_path_factory.mktemp("emulator"), idle_timeout=900, statement_timeout=STATEMENT_TIMEOUT_SECONDS) as emu:
        yield emu


@pytest.fixture(scope="session")
def aws(emulator: Emulator) -> dict[str, Any]:
    kwargs = emulator.aws_client_kwargs()
    return {name: boto3.client(name, **kwargs) for name in ("s3", "glue", "logs")}


@pytest.fixture(scope="session")
def bucket(aws: dict[str, Any]) -> str:
    name = "emulator-tests"
    aws["s3"].create_bucket(Bucket=name)
    return name


@pytest.fixture
def job_name() -> str:
    return f"job-{uuid.uuid4().hex[:8]}"
