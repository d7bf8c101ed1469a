"""Shared fixtures for the dbt project's Python tests (collected with `python -m pytest dbt/tests_python`).

They run real dbt in-process (dbtRunner) against a real DuckDB file and against fakesnow, the
Snowflake emulator, on raw tables built from the project's own generator output (raw_fixture.py).
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
# fakesnow transpiles with sqlglot, which warns on every TRANSIENT table dbt-snowflake creates
logging.getLogger("sqlglot").setLevel(logging.ERROR)

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import raw_fixture  # noqa: E402

PROJECT_DIR = HERE.parent
OK_STATUSES = {"success", "pass", "warn", "no-op"}  # no-op: the exposure


class Dbt:
    """Runs dbt commands in-process on this project with private target and log folders."""

    def __init__(self, work: Path, target: str, extra: list[str] | None = None):
        self.target_path = work / "target"
        self.log_path = work / "logs"
        self.target = target
        self.extra = extra or []

    def __call__(self, *args: str):
        from dbt.cli.main import dbtRunner

        return dbtRunner().invoke([
            *args,
            "--project-dir", str(PROJECT_DIR),
            "--profiles-dir", str(PROJECT_DIR),
            "--target", self.target,
            "--target-path", str(self.target_path),
            "--log-path", str(self.log_path),
            "--quiet",
            *self.extra,
        ])


def problems(result) -> list[str]:
    """Every node of a dbt invocation that did not succeed, pass or warn, with its message."""
    if result.exception is not None:
        return [f"dbt raised {result.exception!r}"]
    out = [f"{r.node.unique_id}: {r.status}: {(r.message or '').strip()[:300]}"
           for r in (result.result or []) if str(r.status) not in OK_STATUSES]
    if not result.success and not out:
        out.append("dbt reported failure")
    return out


@pytest.fixture(scope="session")
def generator_output(tmp_path_factory):
    """Generate (once per session) batches of the synthetic timeline with the project's CLI."""
    root = tmp_path_factory.mktemp("generated")
    cache: dict[tuple, Path] = {}

    def get(batch: int, members: int, providers: int, claims: int) -> Path:
        key = (batch, members, providers, claims)
        if key not in cache:
            cache[key] = raw_fixture.generate(root / f"m{members}_p{providers}_c{claims}" / f"batch={batch}",
                                              batch, members, providers, claims)
        return cache[key]

    return get
