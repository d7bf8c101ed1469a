"""One pipeline stage as an Airflow task: `claims run --stages <stage>` for the DAG run's batch."""

from __future__ import annotations

import subprocess
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowException, AirflowFailException

from claims_airflow.cli import EXIT_CANCELLED, EXIT_TEMPFAIL, ClaimsCli, failure_message, stop, stream
from claims_airflow.run_ids import claims_run_id


class ClaimsStageOperator(BaseOperator):
    """Runs one stage through the project's CLI, into the one run record of its DAG run.

    Every task of a DAG run passes the same run id (run_ids.claims_run_id), so the app's run
    history shows the DAG run as one run with trigger airflow. The CLI does not retry (--retries 0):
    Airflow does, with its own backoff, when the CLI says trying again may help (exit 75); a failure
    that a retry cannot fix (bad input, a failed check) fails the task at once. Either way the task
    fails with the stage's own message.
    """

    ui_color = "#dbeafe"

    def __init__(self, *, stage: str, cli: ClaimsCli, workspace: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.stage = stage
        self.cli = cli
        self.workspace = workspace
        self._process: subprocess.Popen[str] | None = None

    def command(self, context: Any) -> list[str]:
        params = context["params"]
        dag_run = context["dag_run"]
        run_id = claims_run_id(dag_run.dag_id, dag_run.run_id, dag_run.run_after)
        batch = params.get("batch")
        args = [
            "run",
            "--workspace", self.workspace,
            "--stages", self.stage,
            "--run-id", run_id,
            "--trigger", "airflow",
            "--retries", "0",
            "--batch", "next" if batch is None else str(batch),
            "--verbose",
        ]  # fmt: skip
        if params.get("profile"):
            args += ["--profile", str(params["profile"])]
        if params.get("force"):
            args.append("--force")
        return args

    def execute(self, context: Any) -> dict[str, str]:
        args = self.command(context)
        run_id = args[args.index("--run-id") + 1]
        self.log.info("claims %s", " ".join(args))
        self._process = self.cli.start(args)
        try:
            code, lines = stream(self._process, self._log_line)
        except BaseException:
            # a timeout or a kill interrupts the read: the CLI must not outlive the task
            stop(self._process)
            raise
        finally:
            self._process = None
        if code == 0:
            return {"claims_run_id": run_id, "stage": self.stage}
        message = failure_message(lines) or f"the CLI printed no failure line; see the output above (exit {code})"
        message = message.removeprefix(f"{self.stage} ")
        summary = f"Stage {self.stage} of claims run {run_id} failed: {message}"
        if code in (EXIT_TEMPFAIL, EXIT_CANCELLED):
            raise AirflowException(summary)
        raise AirflowFailException(summary)

    def _log_line(self, line: str) -> None:
        # the CLI marks failures with ✖ and warnings with !: the task log shows them as such
        marker = line.lstrip()[:1]
        if marker == "✖":
            self.log.error("%s", line)
        elif marker == "!":
            self.log.warning("%s", line)
        else:
            self.log.info("%s", line)

    def on_kill(self) -> None:
        if self._process is not None:
            stop(self._process)
