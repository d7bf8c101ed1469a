"""The claims run id of an Airflow DAG run: one run record for all of the DAG run's tasks."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone


def claims_run_id(dag_id: str, dag_run_id: str, run_after: datetime) -> str:
    """YYYYMMDD-HHMMSS-<6 hex>, the shape of every claims run id.

    The time is the DAG run's run_after in UTC (so runs sort by it); the hex is drawn from the DAG
    and DAG run ids, so every task and every try of one DAG run, and a cleared and rerun DAG run,
    map to the same run, and two DAG runs due in the same second do not.
    """
    at = run_after.astimezone(timezone.utc)
    digest = hashlib.sha256(f"{dag_id}\0{dag_run_id}".encode()).hexdigest()[:6]
    return f"{at:%Y%m%d-%H%M%S}-{digest}"
