"""Airflow for the tests: a metadata DB (SQLite) in a temporary AIRFLOW_HOME, no scheduler or
server, the project's DAG folder, and a small workspace per test, named to the DAG through the
Airflow Variables it reads (as environment variables, one of Airflow's own Variable sources).

Airflow reads its configuration when it is first imported, so the environment is set here,
before any test module imports it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="claims-airflow-home-"))

os.environ.update(
    {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
        "DO_NOT_TRACK": "1",
    }
)

# a small world: seconds per stage, dbt's build being most of the run
SMALL = """active: small
profiles:
  small:
    generate: { seed: 11, members: 300, providers: 60, claims: 3000, dirty_rate: 0.01 }
    retry: { max_attempts: 3, base_delay_ms: 2000, max_delay_ms: 60000 }
    timeouts: { default: 900, transform: 1800, verify: 0 }
  other:
    generate: { seed: 12, members: 300, providers: 60, claims: 3000, dirty_rate: 0 }
    retry: { max_attempts: 1 }
    timeouts: { default: 120 }
    schedule: "30 5 * * 1-5"
"""


@pytest.fixture(scope="session", autouse=True)
def airflow_db():
    """Airflow's metadata DB, migrated once per test run; the home folder goes afterwards."""
    airflow = Path(sys.executable).parent / "airflow"
    done = subprocess.run([str(airflow), "db", "migrate"], env=os.environ, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    yield
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A workspace with the small profiles, named by the claims_workspace Variable."""
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "profiles.yaml").write_text(SMALL)
    monkeypatch.setenv("AIRFLOW_VAR_CLAIMS_WORKSPACE", str(ws))
    monkeypatch.delenv("AIRFLOW_VAR_CLAIMS_PROFILE", raising=False)
    monkeypatch.delenv("AIRFLOW_VAR_CLAIMS_REPO", raising=False)
    return ws


def parse_dags():
    """The DAG folder as the DAG processor parses it (a bundle: its folder is on sys.path)."""
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=str(DAGS), bundle_path=DAGS, bundle_name="dags-folder")


def claims(*args: str) -> dict:
    """The project's CLI, for what the tests check after a DAG run."""
    done = subprocess.run(["node", str(REPO / "bin" / "claims.mjs"), *args], cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def warehouse_query(ws: Path, sql: str) -> list[tuple]:
    """Rows from the workspace's DuckDB warehouse, read with the project's own environment (.venv)."""
    python = REPO / ".venv" / "bin" / "python"
    script = "import duckdb, json, sys; c = duckdb.connect(sys.argv[1], read_only=True); print(json.dumps(c.sql(sys.argv[2]).fetchall(), default=str))"
    done = subprocess.run([str(python), "-c", script, str(ws / "warehouse.duckdb"), sql], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return [tuple(r) for r in json.loads(done.stdout)]
