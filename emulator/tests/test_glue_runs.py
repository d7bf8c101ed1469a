"""Glue job runs on the emulator execute the job's script for real (plain Python scripts here: a
Glue script is a Python file; test_glue_spark.py runs one on PySpark)."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from typing import Any

import pytest
from botocore.exceptions import ClientError
from glue_helpers import deploy, log_lines, wait_for, wait_for_log_line

from claims_emulator.glue.cloudwatch import ERROR_GROUP, OUTPUT_GROUP


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def test_a_run_executes_the_script_with_the_merged_arguments_against_the_emulated_s3(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    deploy(
        aws,
        bucket,
        job_name,
        """
        import json, sys, time
        import boto3
        args = sys.argv[1:]
        # boto3 finds the emulated S3 through AWS_ENDPOINT_URL_S3, as the Glue jobs do
        boto3.client("s3").put_object(Bucket=dict(zip(args[::2], args[1::2]))["--out-bucket"], Key="run/args.json", Body=json.dumps(args))
        time.sleep(1.5)
        print("cleansed 3 rows")
        print("committed batch 1")
        print("warning: 1 row quarantined", file=sys.stderr)
        """,
        DefaultArguments={"--batch": "1", "--mode": "default", "--out-bucket": bucket},
        NonOverridableArguments={"--locked": "yes"},
    )
    run_id = aws["glue"].start_job_run(JobName=job_name, Arguments={"--mode": "run", "--locked": "overridden?"})["JobRunId"]
    run, seen = wait_for(aws, job_name, run_id)

    assert run["JobRunState"] == "SUCCEEDED", run
    assert "RUNNING" in seen, seen
    assert "ErrorMessage" not in run
    assert run["ExecutionTime"] >= 1
    assert run["CompletedOn"] >= run["StartedOn"]
    assert run["Arguments"] == {"--batch": "1", "--mode": "run", "--out-bucket": bucket, "--locked": "yes"}
    argv = json.loads(aws["s3"].get_object(Bucket=bucket, Key="run/args.json")["Body"].read())
    passed = dict(zip(argv[::2], argv[1::2], strict=True))
    assert passed["--JOB_NAME"] == job_name
    assert passed["--JOB_RUN_ID"] == run_id
    assert {k: passed[k] for k in ("--batch", "--mode", "--locked")} == {"--batch": "1", "--mode": "run", "--locked": "yes"}

    assert log_lines(aws, OUTPUT_GROUP, run_id) == ["cleansed 3 rows", "committed batch 1"]
    assert log_lines(aws, ERROR_GROUP, run_id) == ["warning: 1 row quarantined"]
    found = aws["logs"].filter_log_events(logGroupName=OUTPUT_GROUP, logStreamNames=[run_id], filterPattern="committed")["events"]
    assert [e["message"] for e in found] == ["committed batch 1"]
    # the run is listed with the same outcome
    listed = [r for r in aws["glue"].get_job_runs(JobName=job_name)["JobRuns"] if r["Id"] == run_id]
    assert [r["JobRunState"] for r in listed] == ["SUCCEEDED"]


def test_extra_py_files_are_importable_by_the_script(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    wheel = io.BytesIO()
    with zipfile.ZipFile(wheel, "w") as z:
        z.writestr("hfc_demo/__init__.py", "def rows():\n    return 42\n")
        z.writestr("hfc_demo-0.1.dist-info/METADATA", "Name: hfc-demo\nVersion: 0.1\n")
    aws["s3"].put_object(Bucket=bucket, Key="lib/hfc_demo-0.1-py3-none-any.whl", Body=wheel.getvalue())
    aws["s3"].put_object(Bucket=bucket, Key="lib/helpers.py", Body=b"GREETING = 'from helpers.py'\n")
    aws["s3"].put_object(Bucket=bucket, Key="conf/settings.json", Body=b'{"zone": "curated"}')
    deploy(
        aws,
        bucket,
        job_name,
        """
        import json
        import helpers, hfc_demo
        print(helpers.GREETING, hfc_demo.rows(), json.load(open("settings.json"))["zone"])
        """,
        DefaultArguments={
            "--extra-py-files": f"s3://{bucket}/lib/hfc_demo-0.1-py3-none-any.whl,s3://{bucket}/lib/helpers.py",
            "--extra-files": f"s3://{bucket}/conf/settings.json",
        },
    )
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, _ = wait_for(aws, job_name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert log_lines(aws, OUTPUT_GROUP, run_id) == ["from helpers.py 42 curated"]


def _wheel(name: str, requires: list[str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr(f"{name}/__init__.py", "from pathlib import Path\n\ndef data():\n    return (Path(__file__).parent / 'data.txt').read_text()\n")
        z.writestr(f"{name}/data.txt", "read from the installed package")
        z.writestr(f"{name}-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: 0.1\n" + "".join(f"Requires-Dist: {r}\n" for r in requires))
    return out.getvalue()


def test_additional_python_modules_installs_a_wheel_from_s3_whose_requirements_are_installed(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    aws["s3"].put_object(Bucket=bucket, Key="lib/hfc_inst-0.1-py3-none-any.whl", Body=_wheel("hfc_inst", ["PyYAML>=6.0", 'nonexistent-extra-only; extra == "dev"']))
    deploy(
        aws,
        bucket,
        job_name,
        """
        import hfc_inst, yaml
        print(hfc_inst.data(), yaml.safe_load("n: 1")["n"])
        """,
        DefaultArguments={"--additional-python-modules": f"s3://{bucket}/lib/hfc_inst-0.1-py3-none-any.whl,PyYAML"},
    )
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, _ = wait_for(aws, job_name, run_id)
    # unpacked as pip installs it: files beside the package's modules are there
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert log_lines(aws, OUTPUT_GROUP, run_id) == ["read from the installed package 1"]


def test_additional_python_modules_fails_the_run_for_what_only_a_package_index_has(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    aws["s3"].put_object(Bucket=bucket, Key="lib/hfc_needy-0.1-py3-none-any.whl", Body=_wheel("hfc_needy", ["hfc-not-installed-anywhere>=1"]))
    deploy(aws, bucket, job_name, "print('never runs')", DefaultArguments={"--additional-python-modules": f"s3://{bucket}/lib/hfc_needy-0.1-py3-none-any.whl"})
    run, _ = wait_for(aws, job_name, aws["glue"].start_job_run(JobName=job_name)["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert "hfc-not-installed-anywhere>=1" in run["ErrorMessage"] and "no package index" in run["ErrorMessage"]

    deploy(aws, bucket, f"{job_name}-pypi", "print('never runs')", DefaultArguments={"--additional-python-modules": "PyYAML<1"})
    run, _ = wait_for(aws, f"{job_name}-pypi", aws["glue"].start_job_run(JobName=f"{job_name}-pypi")["JobRunId"])
    assert run["JobRunState"] == "FAILED"
    assert "PyYAML<1" in run["ErrorMessage"] and "is installed" in run["ErrorMessage"]


def test_a_failing_script_ends_failed_with_its_error(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    deploy(
        aws,
        bucket,
        job_name,
        """
        print("reading batch 3")
        def check(amount):
            raise ValueError(f"claims row 7: amount {amount} is negative")
        check(-5)
        """,
    )
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, _ = wait_for(aws, job_name, run_id)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "ValueError: claims row 7: amount -5 is negative"
    errors = log_lines(aws, ERROR_GROUP, run_id)
    assert errors[0] == "Traceback (most recent call last):"
    assert errors[-1] == "ValueError: claims row 7: amount -5 is negative"
    assert log_lines(aws, OUTPUT_GROUP, run_id) == ["reading batch 3"]


def test_a_missing_script_fails_the_run_naming_the_location(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    aws["glue"].create_job(Name=job_name, Role="r", Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/not-deployed.py"})
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, _ = wait_for(aws, job_name, run_id)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == f"s3://{bucket}/scripts/not-deployed.py: no such object (NoSuchKey)"


LONG_SCRIPT = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
print(f"pids {os.getpid()} {child.pid}", flush=True)
time.sleep(300)
"""


def test_batch_stop_job_run_stops_the_script_and_its_children(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    deploy(aws, bucket, job_name, LONG_SCRIPT)
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    pids = [int(p) for p in wait_for_log_line(aws, OUTPUT_GROUP, run_id, "pids ").split()[1:]]
    assert not any(_gone(p) for p in pids)

    answer = aws["glue"].batch_stop_job_run(JobName=job_name, JobRunIds=[run_id])
    assert answer["SuccessfulSubmissions"] == [{"JobName": job_name, "JobRunId": run_id}]
    assert answer["Errors"] == []
    run, _ = wait_for(aws, job_name, run_id, timeout=30)
    assert run["JobRunState"] == "STOPPED"
    assert "CompletedOn" in run
    deadline = time.monotonic() + 10
    while not all(_gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert all(_gone(p) for p in pids), f"still running: {[p for p in pids if not _gone(p)]}"

    again = aws["glue"].batch_stop_job_run(JobName=job_name, JobRunIds=[run_id, "jr_unknown"])
    assert again["SuccessfulSubmissions"] == []
    assert [(e["JobRunId"], e["ErrorDetail"]["ErrorCode"]) for e in again["Errors"]] == [(run_id, "InvalidInputException"), ("jr_unknown", "EntityNotFoundException")]


def test_a_second_run_while_one_runs_exceeds_max_concurrent_runs(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    deploy(aws, bucket, job_name, LONG_SCRIPT)
    first = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    try:
        with pytest.raises(ClientError) as refused:
            aws["glue"].start_job_run(JobName=job_name)
        assert refused.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"
        assert [r["Id"] for r in aws["glue"].get_job_runs(JobName=job_name)["JobRuns"]] == [first]
    finally:
        aws["glue"].batch_stop_job_run(JobName=job_name, JobRunIds=[first])
    wait_for(aws, job_name, first, timeout=30)
    # once it has ended, a new run starts
    second = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    aws["glue"].batch_stop_job_run(JobName=job_name, JobRunIds=[second])
    run, _ = wait_for(aws, job_name, second, timeout=30)
    assert run["JobRunState"] == "STOPPED"


def test_update_job_replaces_the_definition_and_the_next_run_uses_it(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    deploy(aws, bucket, job_name, "print('script v1')\n", DefaultArguments={"--zone": "raw"}, Timeout=60, WorkerType="G.1X", NumberOfWorkers=2)
    created = aws["glue"].get_job(JobName=job_name)["Job"]
    aws["s3"].put_object(Bucket=bucket, Key=f"scripts/{job_name}-v2.py", Body=b"import sys\nprint('script v2', sys.argv[sys.argv.index('--zone') + 1])\n")

    aws["glue"].update_job(
        JobName=job_name,
        JobUpdate={
            "Role": "arn:aws:iam::123456789012:role/glue-v2",
            "Command": {"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/scripts/{job_name}-v2.py", "PythonVersion": "3"},
            "DefaultArguments": {"--zone": "curated"},
            "GlueVersion": "5.0",
            "WorkerType": "G.2X",
            "NumberOfWorkers": 4,
        },
    )
    job = aws["glue"].get_job(JobName=job_name)["Job"]
    assert job["Role"].endswith("glue-v2")
    assert job["Command"]["ScriptLocation"].endswith("-v2.py")
    assert job["DefaultArguments"] == {"--zone": "curated"}
    assert (job["WorkerType"], job["NumberOfWorkers"]) == ("G.2X", 4)
    assert "Timeout" not in job  # left out of JobUpdate: reset, as Glue overwrites the whole definition
    assert job["LastModifiedOn"] >= created["LastModifiedOn"]

    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, _ = wait_for(aws, job_name, run_id)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert log_lines(aws, OUTPUT_GROUP, run_id) == ["script v2 curated"]

    with pytest.raises(ClientError) as missing:
        aws["glue"].update_job(JobName=f"{job_name}-nope", JobUpdate={"Role": "r", "Command": {"Name": "glueetl", "ScriptLocation": "s3://x/y.py"}})
    assert missing.value.response["Error"]["Code"] == "EntityNotFoundException"
