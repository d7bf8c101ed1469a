"""Deploying a job script to the emulated S3 and Glue, and waiting for a run, for the tests."""

from __future__ import annotations

import textwrap
import time
from typing import Any

ENDED = {"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"}


def deploy(aws: dict[str, Any], bucket: str, name: str, script: str, **job: Any) -> str:
    key = f"scripts/{name}.py"
    aws["s3"].put_object(Bucket=bucket, Key=key, Body=textwrap.dedent(script).encode())
    aws["glue"].create_job(Name=name, Role="arn:aws:iam::123456789012:role/glue", Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/{key}", "PythonVersion": "3"}, GlueVersion="5.0", **job)
    return f"s3://{bucket}/{key}"


def wait_for(aws: dict[str, Any], name: str, run_id: str, states: set[str] = ENDED, timeout: float = 60) -> tuple[dict[str, Any], list[str]]:
    """Polls GetJobRun until the run is in one of `states`; returns the run and every state seen."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run = aws["glue"].get_job_run(JobName=name, RunId=run_id)["JobRun"]
        if not seen or seen[-1] != run["JobRunState"]:
            seen.append(run["JobRunState"])
        if run["JobRunState"] in states:
            return run, seen
        time.sleep(0.2)
    raise AssertionError(f"run {run_id} of {name} still {seen[-1]} after {timeout} s (states seen: {seen})")


def log_lines(aws: dict[str, Any], group: str, run_id: str) -> list[str]:
    events = aws["logs"].get_log_events(logGroupName=group, logStreamName=run_id, startFromHead=True)["events"]
    return [e["message"] for e in events]


def wait_for_log_line(aws: dict[str, Any], group: str, run_id: str, prefix: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            for line in log_lines(aws, group, run_id):
                if line.startswith(prefix):
                    return line
        except aws["logs"].exceptions.ResourceNotFoundException:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no line starting {prefix!r} in {group}/{run_id} within {timeout} s")
