"""The Glue actions moto lacks or fakes, installed into moto in-process before the server starts:

- StartJobRun runs the job's script for real (execution.Execution) instead of recording a run that
  moto would report SUCCEEDED at once; GetJobRun / GetJobRuns report that execution's state;
- UpdateJob (HTTP 500 in moto 5.2.5) replaces a job's definition, as Glue does;
- BatchStopJobRun (HTTP 500 in moto 5.2.5) stops runs: their process group is terminated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.glue.exceptions import ConcurrentRunsExceededException
from moto.glue.models import FakeJob, FakeJobRun
from moto.glue.responses import GlueResponse
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.utils import get_partition

from claims_emulator.glue.cloudwatch import LOG_GROUP_PREFIX, RunLogStreams
from claims_emulator.glue.execution import ACTIVE_STATES, Execution, RunSpec, Runtime
from claims_emulator.glue.job_files import Fetch, JobFileError


class ExecutedJobRun(FakeJobRun):
    """A moto job run whose state and timings are those of its execution, never moto's defaults."""

    execution: Execution

    def __init__(self, job: FakeJob, **kwargs: Any) -> None:
        super().__init__(job_name=job.name, **kwargs)
        self.glue_version = job.glue_version

    @property  # type: ignore[override]
    def status(self) -> str:
        return self.execution.state

    @status.setter
    def status(self, value: str) -> None:  # moto's state manager may try; the execution decides
        pass

    def advance(self) -> None:
        pass

    def as_dict(self) -> dict[str, Any]:
        d = super().as_dict()
        ex = self.execution
        d.update(
            {
                "JobRunState": ex.state,
                "StartedOn": ex.started_on,
                "LastModifiedOn": ex.modified_on,
                "ExecutionTime": ex.execution_seconds(),
                "LogGroupName": LOG_GROUP_PREFIX,
                "GlueVersion": self.glue_version or "5.0",
            }
        )
        d.pop("CompletedOn", None)
        if ex.completed_on is not None:
            d["CompletedOn"] = ex.completed_on
        if ex.error_message:
            d["ErrorMessage"] = ex.error_message
        return d


def s3_fetch(account_id: str, region: str) -> Fetch:
    """Reads objects straight from moto's S3 backend (same process)."""

    def fetch(bucket: str, key: str) -> bytes:
        backend = s3_backends[account_id][get_partition(region)]
        try:
            obj = backend.get_object(bucket, key)
        except MissingBucket:
            raise JobFileError(f"s3://{bucket}/{key}: the bucket {bucket} does not exist (NoSuchBucket)") from None
        if obj is None:
            raise JobFileError(f"s3://{bucket}/{key}: no such object (NoSuchKey)")
        return bytes(obj.value)

    return fetch


class GlueRuns:
    """Every execution this server started, by run id."""

    def __init__(self, runtime: Runtime, on_activity: Callable[[], None]) -> None:
        self.runtime = runtime
        self._on_activity = on_activity
        self.executions: dict[str, Execution] = {}

    def start(self, job: FakeJob, run: ExecutedJobRun) -> None:
        account, region = job.backend.account_id, job.backend.region_name
        spec = RunSpec(
            job_name=job.name,
            run_id=run.job_run_id,
            script_location=(job.command or {}).get("ScriptLocation"),
            arguments=dict(run.arguments or {}),
            timeout_minutes=run.timeout,
            region=region,
        )
        execution = Execution(spec, self.runtime, s3_fetch(account, region), RunLogStreams(account, region, run.job_run_id), self._on_activity)
        run.execution = execution
        self.executions[run.job_run_id] = execution
        execution.start()

    def stop_all(self, timeout: float) -> None:
        active = [e for e in self.executions.values() if e.stop()]
        for execution in active:
            execution.wait(timeout)


def _start_job_run(runs: GlueRuns) -> Callable[..., str]:
    def start_job_run(
        self: FakeJob,
        allocated_capacity: int | None,
        max_capacity: float | None,
        timeout: int | None,
        worker_type: str | None,
        security_configuration: str | None,
        number_of_workers: int | None,
        notification_property: dict[str, int] | None,
        previous_run_id: str | None,
        arguments: dict[str, str] | None,
    ) -> str:
        active = [jr for jr in self.job_runs if jr.status in ACTIVE_STATES]
        if len(active) >= (self.execution_property or {}).get("MaxConcurrentRuns", 1):
            raise ConcurrentRunsExceededException(f"Concurrent runs exceeded for {self.name}")
        merged = dict(self.default_arguments or {})
        merged.update(arguments or {})
        merged.update(self.non_overridable_arguments or {})  # last: a run cannot override these
        run = ExecutedJobRun(
            self,
            arguments=merged,
            allocated_capacity=allocated_capacity or self.allocated_capacity,
            max_capacity=max_capacity or self.max_capacity,
            timeout=timeout or self.timeout,
            worker_type=worker_type or self.worker_type,
            security_configuration=security_configuration or self.security_configuration,
            number_of_workers=number_of_workers or self.number_of_workers,
            notification_property=notification_property or self.notification_property,
            job_run_id=previous_run_id,
        )
        self.job_runs.append(run)
        runs.start(self, run)
        return run.job_run_id

    return start_job_run


# JobUpdate member -> FakeJob attribute. UpdateJob overwrites the whole definition: a member left out
# is reset, as Glue documents ("the previous job definition is completely overwritten").
_JOB_UPDATE_FIELDS = {
    "Description": "description",
    "LogUri": "log_uri",
    "Role": "role",
    "ExecutionProperty": "execution_property",
    "Command": "command",
    "DefaultArguments": "default_arguments",
    "NonOverridableArguments": "non_overridable_arguments",
    "Connections": "connections",
    "MaxRetries": "max_retries",
    "AllocatedCapacity": "allocated_capacity",
    "Timeout": "timeout",
    "MaxCapacity": "max_capacity",
    "WorkerType": "worker_type",
    "NumberOfWorkers": "number_of_workers",
    "SecurityConfiguration": "security_configuration",
    "NotificationProperty": "notification_property",
    "GlueVersion": "glue_version",
    "CodeGenConfigurationNodes": "code_gen_configuration_nodes",
    "ExecutionClass": "execution_class",
    "SourceControlDetails": "source_control_details",
}
_JOB_UPDATE_DEFAULTS: dict[str, Any] = {"execution_property": {}, "default_arguments": {}, "execution_class": "STANDARD"}


def update_job(self: GlueResponse) -> ActionResult:
    name = self._get_param("JobName")
    update = self._get_param("JobUpdate") or {}
    job = self.glue_backend.get_job(name)  # EntityNotFoundException when missing
    for member, attribute in _JOB_UPDATE_FIELDS.items():
        setattr(job, attribute, update.get(member, _JOB_UPDATE_DEFAULTS.get(attribute)))
    job.last_modified_on = utcnow()
    return ActionResult({"JobName": name})


def batch_stop_job_run(self: GlueResponse) -> ActionResult:
    name = self._get_param("JobName")
    run_ids: list[str] = self._get_param("JobRunIds") or []
    job = self.glue_backend.get_job(name)
    by_id = {run.job_run_id: run for run in job.job_runs}
    stopped, errors = [], []
    for run_id in run_ids:
        run = by_id.get(run_id)
        if run is None:
            errors.append({"JobName": name, "JobRunId": run_id, "ErrorDetail": {"ErrorCode": "EntityNotFoundException", "ErrorMessage": f"Job run {run_id} not found."}})
        elif isinstance(run, ExecutedJobRun) and run.execution.stop():
            stopped.append({"JobName": name, "JobRunId": run_id})
        else:
            errors.append({"JobName": name, "JobRunId": run_id, "ErrorDetail": {"ErrorCode": "InvalidInputException", "ErrorMessage": f"Job run {run_id} is {run.status} and cannot be stopped."}})
    return ActionResult({"SuccessfulSubmissions": stopped, "Errors": errors})


def install(runs: GlueRuns) -> None:
    FakeJob.start_job_run = _start_job_run(runs)  # type: ignore[method-assign]
    GlueResponse.update_job = update_job  # type: ignore[attr-defined]
    GlueResponse.batch_stop_job_run = batch_stop_job_run  # type: ignore[attr-defined]
