"""A glueetl job on local PySpark: the script builds its session as on Glue (no S3 settings of its
own) and reads and writes s3:// paths; the emulator's Spark defaults route them to the emulated S3."""

from __future__ import annotations

import io
from typing import Any

import pyarrow.parquet as pq
import pytest
from glue_helpers import deploy, log_lines, wait_for

from claims_emulator.glue.cloudwatch import OUTPUT_GROUP
from claims_emulator.glue.spark_defaults import s3a_jars

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(not s3a_jars(), reason="the S3A jars are not cached: run `npm run setup` (python -m hfc_glue.jars fetch)"),
]

CSV = "claim_id,status,amount\nC1,PAID,10.50\nC2,DENIED,0\nC3,PAID,7.25\nC4,PENDING,3\n"


def test_a_pyspark_script_reads_and_writes_the_emulated_s3(aws: dict[str, Any], bucket: str, job_name: str) -> None:
    aws["s3"].put_object(Bucket=bucket, Key=f"{job_name}/raw/claims.csv", Body=CSV.encode())
    deploy(
        aws,
        bucket,
        job_name,
        """
        import sys
        from pyspark.sql import SparkSession
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        spark = SparkSession.builder.master("local[1]").appName(args["--JOB_NAME"]).getOrCreate()
        claims = spark.read.option("header", True).csv(args["--raw"])
        claims.groupBy("status").count().coalesce(1).write.mode("overwrite").parquet(args["--curated"])
        print("rows", claims.count())
        spark.stop()
        """,
        DefaultArguments={"--raw": f"s3://{bucket}/{job_name}/raw/", "--curated": f"s3a://{bucket}/{job_name}/curated/"},
    )
    run_id = aws["glue"].start_job_run(JobName=job_name)["JobRunId"]
    run, seen = wait_for(aws, job_name, run_id, timeout=180)
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    assert "RUNNING" in seen
    assert "rows 4" in log_lines(aws, OUTPUT_GROUP, run_id)

    keys = [o["Key"] for o in aws["s3"].list_objects_v2(Bucket=bucket, Prefix=f"{job_name}/curated/")["Contents"]]
    parts = [k for k in keys if k.endswith(".parquet")]
    assert len(parts) == 1, keys
    table = pq.read_table(io.BytesIO(aws["s3"].get_object(Bucket=bucket, Key=parts[0])["Body"].read()))
    assert sorted(zip(table.column("status").to_pylist(), table.column("count").to_pylist(), strict=True)) == [("DENIED", 1), ("PAID", 2), ("PENDING", 1)]
