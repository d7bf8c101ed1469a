"""The DAG's helpers on their own: the run id of a DAG run, and what the CLI's output says failed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from claims_airflow.cli import failure_message
from claims_airflow.run_ids import claims_run_id

# the pattern every claims run id matches (pipeline/orchestrator/store.ts, the API's schemas)
RUN_ID = re.compile(r"^\d{8}-\d{6}-[0-9a-f]{6}$")


def test_a_dag_run_maps_to_one_claims_run_id_of_the_usual_shape():
    due = datetime(2025, 1, 31, 6, 0, tzinfo=timezone.utc)
    run_id = claims_run_id("health_finance_claims", "scheduled__2025-01-31T06:00:00+00:00", due)
    assert RUN_ID.match(run_id)
    assert run_id.startswith("20250131-060000-")
    # every task and try of the DAG run gets the same id; another DAG run due then does not
    assert claims_run_id("health_finance_claims", "scheduled__2025-01-31T06:00:00+00:00", due) == run_id
    assert claims_run_id("health_finance_claims", "manual__2025-01-31T06:00:00+00:00", due) != run_id
    # the time is UTC whatever the DAG run's zone
    assert claims_run_id("d", "r", due.astimezone(timezone(timedelta(hours=2)))) == claims_run_id("d", "r", due)


def test_the_failure_is_the_first_marked_line_with_the_lines_under_it():
    out = [
        "Run 20250131-060000-a1b2c3 joined by airflow for cleanse (profile local, batch 1)",
        "✖ cleanse    raw/csv/claims/batch=1/part-00000.csv line 8: a quoted field is never closed",
        "  hint: Fix the file and land it again with --force",
        "",
        "Run 20250131-060000-a1b2c3 failed in 3.1s (profile local, batch 1)",
        "  ✖ cleanse       0.4s  raw/csv/claims/batch=1/part-00000.csv line 8: a quoted field is never closed",
    ]
    assert failure_message(out) == "cleanse raw/csv/claims/batch=1/part-00000.csv line 8: a quoted field is never closed\nhint: Fix the file and land it again with --force"
    profile_error = ["✖ /ws/profiles.yaml:", "  - profiles.small.retry.max_attempts: must be integer", "done"]
    assert failure_message(profile_error) == "/ws/profiles.yaml:\n- profiles.small.retry.max_attempts: must be integer"
    assert failure_message(["all good"]) == ""


def test_stop_asks_first_and_kills_a_process_that_will_not_stop():
    import subprocess
    import sys
    import time

    from claims_airflow.cli import stop

    # stops on SIGTERM, as the CLI does (it cancels the stage and exits)
    polite = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    stop(polite, grace_seconds=10)
    assert polite.returncode == -15
    # ignores SIGTERM: killed once the grace is over
    stubborn = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert stubborn.stdout.readline().strip() == "ready"
    started = time.monotonic()
    stop(stubborn, grace_seconds=1)
    assert stubborn.returncode == -9
    assert 1 <= time.monotonic() - started < 10
