"""The health-finance claims pipeline in production: one Airflow task per stage.

Each task runs `claims run --stages <stage>`, the very code the CLI and the app run, on the profile
and batch of the DAG run; all tasks of a DAG run join one run record, which the app shows with
trigger airflow. See docs/airflow_orchestration.md.

Airflow Variables (read when the DAG is parsed):
  claims_repo       the project checkout with bin/claims.mjs (default: the one holding this file)
  claims_workspace  the workspace folder (default: <claims_repo>/workspace)
  claims_profile    the default of the profile param; its timeouts and retry policy become the
                    tasks' execution timeouts and retries (default: the workspace's active profile)
  claims_node       the Node.js executable (default: node on PATH)
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import DAG, Param, Variable, chain

from claims_airflow.cli import ClaimsCli
from claims_airflow.operator import ClaimsStageOperator

DAG_ID = "health_finance_claims"
# as the reference pipeline: every morning, no backfill of missed days
DEFAULT_SCHEDULE = "0 6 * * *"
# the CLI enforces the profile's stage timeout itself and records it in the run; Airflow's own
# limit comes a little later, for a CLI that hangs outside a stage
TIMEOUT_GRACE = timedelta(seconds=60)

cli = ClaimsCli.locate(Variable.get("claims_repo", default=None), Variable.get("claims_node", default=None), __file__)
workspace = Variable.get("claims_workspace", default=None) or str(cli.repo / "workspace")
default_profile = Variable.get("claims_profile", default=None) or None

# Fixed when the file is parsed: Airflow keeps a task's timeout and retries in the serialized DAG,
# so a profile chosen in a run's params cannot change them.
shown = cli.json(["profile", "show", *([default_profile] if default_profile else []), "--workspace", workspace, "--json"])
profile, stages = shown["profile"], shown["stages"]
retry = profile["retry"]

with DAG(
    dag_id=DAG_ID,
    description="Generate, ingest, cleanse, load, transform (dbt) and verify one batch of claims through the claims CLI",
    doc_md=__doc__,
    schedule=profile.get("schedule") or DEFAULT_SCHEDULE,
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    # the workspace takes one writer
    max_active_runs=1,
    tags=["claims"],
    params={
        "profile": Param(
            default_profile,
            type=["null", "string"],
            description=f"Profile to run (default: the Airflow Variable claims_profile, else the workspace's active one). Timeouts and retries are those of {profile['name']}, fixed when the DAG was parsed.",
        ),
        "batch": Param(None, type=["null", "integer"], minimum=1, description="Batch of the timeline; empty: the batch after the last one loaded (claims run --batch next)."),
        "force": Param(False, type="boolean", description="Redo every stage even where this batch already went through it (claims run --force)."),
    },
    default_args={
        # Airflow owns retries (the CLI runs with --retries 0), with the profile's policy: as many
        # attempts, delays doubling from its base delay up to its maximum
        "retries": max(0, retry["maxAttempts"] - 1),
        "retry_delay": timedelta(milliseconds=retry["baseDelayMs"]),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(milliseconds=max(retry["maxDelayMs"], retry["baseDelayMs"])),
    },
) as dag:
    chain(
        *(
            ClaimsStageOperator(
                task_id=stage["name"],
                stage=stage["name"],
                cli=cli,
                workspace=workspace,
                execution_timeout=timedelta(seconds=stage["timeout_seconds"]) + TIMEOUT_GRACE if stage["timeout_seconds"] else None,
                doc_md=f"`claims run --stages {stage['name']}` for this DAG run's batch, joining its claims run.",
            )
            # in the order a run executes them: each task waits for the one before, as in `claims
            # run`, because the workspace takes one writer at a time
            for stage in stages
        )
    )
