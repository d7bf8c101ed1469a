"""Runs the project's TypeScript pipeline (node bin/claims.mjs) in a test workspace: the DuckDB
engine and the generator the Spark engine is compared with."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def write_profile(workspace: Path, generate: dict[str, Any]) -> None:
    """profiles.yaml with one active profile `test` (generator settings, no retries)."""
    workspace.mkdir(parents=True, exist_ok=True)
    doc = {"active": "test", "profiles": {"test": {"generate": generate, "retry": {"max_attempts": 1, "base_delay_ms": 0}}}}
    (workspace / "profiles.yaml").write_text(json.dumps(doc), encoding="utf-8")  # JSON is YAML


def claims_run(workspace: Path, batch: int, stages: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """`claims run --stages <stages> --batch <batch>`; raises with the CLI's output when it fails
    and `check` is set."""
    result = subprocess.run(
        ["node", str(REPO / "bin" / "claims.mjs"), "run", "--workspace", str(workspace), "--batch", str(batch), "--stages", stages],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "DO_NOT_TRACK": "1", "NO_COLOR": "1"},
    )
    if check and result.returncode != 0:
        raise RuntimeError(f"claims run --stages {stages} --batch {batch} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def copy_lake(src: Path, dst: Path) -> Path:
    """A copy of a lake: what the Spark engine runs on, beside the DuckDB engine's."""
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
    return dst
