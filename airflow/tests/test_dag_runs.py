"""The DAG run by Airflow itself (dag.test: the scheduler's work in this process, tasks through the
task runner) on the local profile of a small workspace: the whole pipeline, and a failing stage."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

from contextlib import closing

from conftest import AIRFLOW_HOME, REPO, claims, parse_dags, warehouse_query

STAGES = ["generate", "ingest", "cleanse", "load", "transform", "verify"]


def run_dag(conf: dict | None = None):
    dag = parse_dags().get_dag("health_finance_claims")
    dag_run = dag.test(run_conf=conf or {})
    states = {ti.task_id: str(ti.state.value if hasattr(ti.state, "value") else ti.state) for ti in dag_run.get_task_instances()}
    return dag_run, states


def only_run(ws: Path) -> dict:
    runs = claims("runs", "--workspace", str(ws), "--json")
    assert len(runs) == 1, [r["runId"] for r in runs]
    return runs[0]


def events(ws: Path, run_id: str) -> list[dict]:
    return [json.loads(line) for line in (ws / "runs" / run_id / "events.jsonl").read_text().splitlines()]


def hold_workspace_until_generate_is_retried(ws: Path) -> threading.Thread:
    """Another writer holds the workspace (this process, in its lock file) until Airflow has failed
    the generate task's first try, so that the try finds it busy and Airflow retries it."""
    lock = ws / ".lock"
    lock.write_text(json.dumps({"pid": os.getpid(), "kind": "run", "what": "another claims run (the test)", "since": "now"}))

    def release() -> None:
        # Airflow's metadata DB read with sqlite3 itself: no import or session shared with the DAG run
        deadline = time.monotonic() + 120
        try:
            while time.monotonic() < deadline:
                try:
                    with closing(sqlite3.connect(f"file:{AIRFLOW_HOME / 'airflow.db'}?mode=ro", uri=True, timeout=1)) as db:
                        if db.execute("SELECT 1 FROM task_instance WHERE task_id = 'generate' AND state = 'up_for_retry'").fetchone():
                            return
                except sqlite3.OperationalError:  # busy with the DAG run's own writes: ask again
                    pass
                time.sleep(0.2)
        finally:
            lock.unlink(missing_ok=True)

    thread = threading.Thread(target=release, daemon=True)
    thread.start()
    return thread


def test_runs_the_whole_pipeline_into_one_run_and_builds_the_marts(workspace, capfd):
    holder = hold_workspace_until_generate_is_retried(workspace)
    dag_run, states = run_dag()
    holder.join(timeout=5)
    output = capfd.readouterr()

    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS")
    assert states == {s: "success" for s in STAGES}
    # a busy workspace is worth another try: the CLI said so (exit 75) and Airflow retried
    tries = {ti.task_id: ti.try_number for ti in dag_run.get_task_instances()}
    assert tries == {s: 2 if s == "generate" else 1 for s in STAGES}
    assert "is busy: another claims run (the test)" in output.out + output.err
    # the marts dbt builds exist, and the fact table holds every current claim
    marts = {p.stem for p in (REPO / "dbt" / "models" / "marts").glob("*.sql")}
    built = {name for (name,) in warehouse_query(workspace, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'")}
    assert marts <= built
    [(facts, current)] = warehouse_query(workspace, "SELECT (SELECT count(*) FROM marts.fct_claims), (SELECT count(*) FROM raw.claims_current)")
    assert facts == current > 0

    # one run in the app's history: trigger airflow, every stage, one log joined stage by stage
    run = only_run(workspace)
    assert (run["status"], run["trigger"], run["batch"], run["profile"]) == ("succeeded", "airflow", 1, "small")
    # the busy try never reached the stage: one attempt each
    assert [(s["name"], s["status"], s["attempts"]) for s in run["stages"]] == [(s, "succeeded", 1) for s in STAGES]
    log = events(workspace, run["runId"])
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
    assert [e["type"] for e in log if e["type"].startswith("run.")] == ["run.started"] + ["run.joined"] * 5 + ["run.finished"]
    assert {e["stage"] for e in log if e["type"] == "stage.log"} == set(STAGES)

    # the next DAG run takes the next batch; the workspace says so
    assert claims("status", "--workspace", str(workspace), "--json")["next_batch"] == 2


def test_a_failing_stage_fails_its_task_stops_downstream_and_leaves_the_workspace_consistent(workspace, capfd):
    # batch 1 generated beforehand (the DAG's generate finds it done) with a quoted field never
    # closed: ingest lands the file as it is, the cleanse refuses it
    claims("run", "--workspace", str(workspace), "--stages", "generate", "--json")
    part = workspace / "generated" / "batch=1" / "claims" / "part-00000.csv"
    lines = part.read_text().split("\n")
    for kind in ("professional", "pharmacy", "institutional"):
        lines[7] = lines[7].replace(f",{kind},", f',"{kind},')
    part.write_text("\n".join(lines))

    dag_run, states = run_dag()
    output = capfd.readouterr()

    assert str(dag_run.state) in ("failed", "DagRunState.FAILED")
    assert states == {"generate": "success", "ingest": "success", "cleanse": "failed", "load": "upstream_failed", "transform": "upstream_failed", "verify": "upstream_failed"}
    # the stage's message, in the task's log and in the exception that failed it
    message = "raw/csv/claims/batch=1/part-00000.csv line 8: a quoted field is never closed"
    assert f"Stage cleanse of claims run" in output.out + output.err
    assert message in output.out + output.err
    # and the generate task said it had nothing to do
    assert "already generated (no-op)" in output.out + output.err

    runs = claims("runs", "--workspace", str(workspace), "--json")
    airflow_runs = [r for r in runs if r["trigger"] == "airflow"]
    assert len(airflow_runs) == 1
    run = airflow_runs[0]
    assert run["status"] == "failed"
    assert run["error"]["stage"] == "cleanse" and message in run["error"]["message"] and run["error"]["retryable"] is False
    # not retryable: Airflow did not try it again
    assert [(s["name"], s["status"], s["attempts"]) for s in run["stages"]] == [
        ("generate", "succeeded", 1),
        ("ingest", "succeeded", 1),
        ("cleanse", "failed", 1),
        ("load", "pending", 0),
        ("transform", "pending", 0),
        ("verify", "pending", 0),
    ]
    assert run["stages"][0]["result"]["noop"] is True
    # nothing half-done: no curated batch, nothing in staging or the warehouse, the raw file kept
    lake = workspace / "lake"
    assert not (lake / "_manifests" / "curated" / "batch=1.json").exists()
    assert not (lake / "processed").exists()
    assert list((lake / "_staging").glob("**/*")) == [] if (lake / "_staging").exists() else True
    assert (lake / "raw" / "csv" / "claims" / "batch=1" / "part-00000.csv").read_text() == "\n".join(lines)
    status = claims("status", "--workspace", str(workspace), "--json")
    assert status["batches"] == {"landed": [1], "cleansed": [], "loaded": []}
    assert status["next_batch"] == 1
    assert not (workspace / ".lock").exists()


CLOUD = """
  cloudsmall:
    kind: aws
    emulator: true
    auto_deploy: true
    generate: { seed: 11, members: 300, providers: 60, claims: 2000, dirty_rate: 0.01 }
    retry: { max_attempts: 2, base_delay_ms: 2000, max_delay_ms: 60000 }
    timeouts: { default: 900 }
    aws: { bucket: airflow-cloud-test }
    glue: { role_arn: 'arn:aws:iam::123456789012:role/claims-glue', jobs: { cleanse: airflow-cleanse, load: airflow-load } }
    snowflake: { account: emulator, user: CLAIMS, database: AIRFLOW_TEST, auth: { method: password, password_env: CLAIMS_EMULATOR_PASSWORD }, load_route: internal_stage }
"""


def test_the_same_dag_runs_on_the_emulated_cloud(workspace, monkeypatch):
    # S3, the Glue jobs run for real on local PySpark, Snowflake on fakesnow: the workspace's own
    # cloud emulator, started by the first task that needs it and stopped here
    with (workspace / "profiles.yaml").open("a") as f:
        f.write(CLOUD)
    monkeypatch.setenv("AIRFLOW_VAR_CLAIMS_PROFILE", "cloudsmall")
    try:
        dag_run, states = run_dag()
        runs = claims("runs", "--workspace", str(workspace), "--json")
    finally:
        subprocess.run(["node", str(REPO / "bin" / "claims.mjs"), "emulator", "stop", "--workspace", str(workspace)], cwd=REPO, capture_output=True, timeout=120, check=False)

    assert str(dag_run.state) in ("success", "DagRunState.SUCCESS"), states
    assert states == {s: "success" for s in STAGES}
    assert len(runs) == 1
    run = runs[0]
    assert (run["status"], run["trigger"], run["profile"]) == ("succeeded", "airflow", "cloudsmall")
    # the cleanse and load stages ran as Glue job runs, whose ids the run record keeps
    glue_runs = {s["name"]: (s.get("checkpoint") or {}).get("glueRunId") for s in run["stages"]}
    assert glue_runs["cleanse"] and glue_runs["load"] and glue_runs["cleanse"] != glue_runs["load"]
    # what Snowflake holds reconciles with the lake: every raw row curated, quarantined or a duplicate
    verified = next(s for s in run["stages"] if s["name"] == "verify")["rows"]
    curated = next(s for s in run["stages"] if s["name"] == "cleanse")["rows"]
    assert verified == {f"verified.{d}": curated[f"curated.{d}"] for d in ("members", "providers", "claims")} and verified["verified.claims"] > 1500
