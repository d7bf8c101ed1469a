"""What every job entry script does around its work: resolve the job's arguments, get the Spark
session, log, and end with an exit status that says how it went.

On AWS Glue (awsglue importable) arguments come from getResolvedOptions and the session from the
GlueContext, with the job settings applied (spark_session.apply_job_conf). Anywhere else the same
arguments are command-line options (argparse) and the session is a LocalSession. A JobError ends the
job with exit status 1 and its message on stderr (plus a structured `failed` line); any other error
propagates with its traceback. Nothing is caught and printed while the job reports success.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hfc_glue.errors import InputFileError, JobError
from hfc_glue.job_log import JobLog
from hfc_glue.spark_session import LocalSession, S3Endpoint, apply_job_conf

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class Argument:
    name: str  # as Glue passes it: --<name>
    help: str
    required: bool = True
    default: str | None = None


# Local runs only: how much of this machine the job's Spark may use.
LOCAL_ARGUMENTS = (
    Argument("cores", "local only: Spark worker threads (local[N])", required=False, default="2"),
    Argument("driver_memory", "local only: JVM heap of the local Spark driver", required=False, default="2g"),
)


def on_glue() -> bool:
    try:
        import awsglue  # noqa: F401
    except ImportError:
        return False
    return True


def resolve_arguments(job: str, argv: Sequence[str], arguments: Sequence[Argument]) -> dict[str, str | None]:
    """The job's arguments from Glue (getResolvedOptions) or the command line (argparse)."""
    if on_glue():
        from awsglue.utils import getResolvedOptions

        # getResolvedOptions fails on a missing name, so optional ones are asked for only when given
        present = [a.name for a in arguments if a.required or f"--{a.name}" in argv]
        resolved = getResolvedOptions(list(argv), ["JOB_NAME", *present])
        return {a.name: resolved.get(a.name, a.default) for a in arguments} | {"JOB_NAME": resolved["JOB_NAME"]}
    parser = argparse.ArgumentParser(prog=f"{job} job", description=f"Health Finance Claims Glue job: {job}", allow_abbrev=False)
    parser.add_argument("--JOB_NAME", default=f"local-{job}")
    for a in (*arguments, *LOCAL_ARGUMENTS):
        parser.add_argument(f"--{a.name}", required=a.required, default=a.default, help=a.help)
    args, rest = parser.parse_known_args(list(argv[1:]))
    # a runner executing the script as Glue does (the cloud emulator) also passes Glue's own
    # arguments: --JOB_ID, --JOB_RUN_ID and the job's --kebab-case defaults; anything else is a mistake
    unknown = [r for r in rest if r.startswith("--") and not (r[2:].isupper() or "-" in r[2:])]
    if unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    return vars(args)


def job_session(args: Mapping[str, Any], s3: bool) -> tuple["SparkSession", Callable[[], None]]:
    """The session the job runs in and what to call when it succeeded."""
    if on_glue():
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from pyspark.context import SparkContext

        glue = GlueContext(SparkContext.getOrCreate())
        spark = glue.spark_session
        apply_job_conf(spark)
        job = Job(glue)
        job.init(args["JOB_NAME"], dict(args))
        return spark, job.commit
    local = LocalSession(cores=int(args["cores"]), driver_memory=str(args["driver_memory"]), s3=S3Endpoint.from_env() if s3 else None, app_name=str(args["JOB_NAME"]))
    return local.build(), lambda: None


def run_job(job: str, argv: Sequence[str], arguments: Sequence[Argument], body: Callable[["SparkSession", Mapping[str, Any], JobLog], None], s3: Callable[[Mapping[str, Any]], bool]) -> int:
    """Runs `body` in a job session; returns the process exit status."""
    args = resolve_arguments(job, argv, arguments)
    log = JobLog(job)
    spark, succeeded = job_session(args, s3(args))
    try:
        body(spark, args, log)
    except JobError as err:
        where = {"file": err.file, "line": err.line, "problem": err.problem, "dataset": err.dataset} if isinstance(err, InputFileError) else {}
        log.emit("error", "failed", message=str(err), hint=err.hint, error=type(err).__name__, **where)
        print(f"{job} job failed: {err}", file=sys.stderr)
        return 1
    finally:
        if not on_glue():
            spark.stop()
    succeeded()
    return 0
