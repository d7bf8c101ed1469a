"""The DAG as Airflow parses it: no import errors or warnings, the stages as tasks in order, and
the timeouts, retries and schedule taken from the profile through the CLI."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from conftest import DAGS, parse_dags

STAGES = ["generate", "ingest", "cleanse", "load", "transform", "verify"]


def test_the_dag_folder_imports_without_errors_or_warnings(workspace):
    bag = parse_dags()
    assert bag.import_errors == {}
    # warnings raised while our files were imported (Airflow's own, from its internals, are not ours)
    assert bag.captured_warnings == {}
    assert list(bag.dag_ids) == ["health_finance_claims"]
    # the helpers beside the DAG are not parsed as DAG files
    assert all(DAGS / "claims_airflow" not in Path(f).parents for f in bag.file_last_changed)


def test_one_task_per_stage_in_the_order_a_run_executes_them(workspace):
    dag = parse_dags().get_dag("health_finance_claims")
    assert [t.task_id for t in dag.topological_sort()] == STAGES
    for before, after in zip(STAGES, STAGES[1:]):
        assert dag.get_task(after).upstream_task_ids == {before}
    assert dag.get_task("generate").upstream_task_ids == set()
    assert dag.get_task("verify").downstream_task_ids == set()
    assert {type(t).__name__ for t in dag.tasks} == {"ClaimsStageOperator"}


def test_schedule_runs_and_params(workspace):
    dag = parse_dags().get_dag("health_finance_claims")
    assert dag.timetable.expression == "0 6 * * *"
    assert str(dag.timetable.timezone) == "UTC"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    params = dag.params.dump()
    assert params == {"profile": None, "batch": None, "force": False}


def test_timeouts_and_retries_come_from_the_profile_at_parse_time(workspace):
    dag = parse_dags().get_dag("health_finance_claims")
    grace = timedelta(seconds=60)
    timeouts = {t.task_id: t.execution_timeout for t in dag.tasks}
    # the profile's per-stage timeout, its default elsewhere, none where it says 0
    assert timeouts == {
        "generate": timedelta(seconds=900) + grace,
        "ingest": timedelta(seconds=900) + grace,
        "cleanse": timedelta(seconds=900) + grace,
        "load": timedelta(seconds=900) + grace,
        "transform": timedelta(seconds=1800) + grace,
        "verify": None,
    }
    for task in dag.tasks:
        assert task.retries == 2  # max_attempts 3
        assert task.retry_delay == timedelta(seconds=2)
        assert task.retry_exponential_backoff == 2.0
        assert task.max_retry_delay == timedelta(seconds=60)


def test_the_claims_profile_variable_names_the_default_profile_and_its_limits(workspace, monkeypatch):
    monkeypatch.setenv("AIRFLOW_VAR_CLAIMS_PROFILE", "other")
    dag = parse_dags().get_dag("health_finance_claims")
    assert dag.params.dump()["profile"] == "other"
    assert {t.execution_timeout for t in dag.tasks} == {timedelta(seconds=180)}
    assert {t.retries for t in dag.tasks} == {0}
    # a profile with its own cron schedule runs on it
    assert dag.timetable.expression == "30 5 * * 1-5"


def test_a_broken_profile_is_an_import_error_that_names_it(workspace, monkeypatch):
    (workspace / "profiles.yaml").write_text("profiles:\n  small:\n    retry: { max_attempts: zero }\n")
    bag = parse_dags()
    [(path, error)] = bag.import_errors.items()
    assert path.endswith("health_finance_claims.py")
    assert "profiles.small.retry.max_attempts" in error and "must be integer" in error

    monkeypatch.setenv("AIRFLOW_VAR_CLAIMS_REPO", str(workspace))
    [(_, error)] = parse_dags().import_errors.items()
    assert f"No claims CLI at {workspace}/bin/claims.mjs, found through the Airflow Variable claims_repo" in error
