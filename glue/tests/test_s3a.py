"""Job 1 on an S3 lake: s3a:// through hadoop-aws and the AWS SDK bundle (cached by npm run setup,
never downloaded here) against the moto server on loopback. The batch it commits in the bucket is
the one the DuckDB engine committed in its folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import Endpoint
from hfc_glue import jars
from hfc_glue.cleanse_job import cleanse_batch
from hfc_glue.contracts import ContractSet
from hfc_glue.lake import Lake
from hfc_glue.spark_session import S3Endpoint
from lake_compare import compare_batch
from worlds import quiet_log

pytestmark = pytest.mark.spark

BUCKET = "claims-lake"
PREFIX = "tests/lake"


def test_job_1_cleanses_a_batch_in_s3_as_the_duckdb_engine_does_in_a_folder(
    spark: Any, contracts: ContractSet, moto: Endpoint, generated_worlds: dict[str, tuple[Path, Path]], tmp_path: Path
) -> None:
    assert not jars.missing(), f"the S3A jars are not in {jars.cache_dir()}: run npm run setup"
    import boto3

    s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    s3.create_bucket(Bucket=BUCKET)
    duck_lake = generated_worlds["dirty-5"][0]
    for p in [*(duck_lake / "raw").rglob("*.csv"), duck_lake / "_manifests" / "batch=1.json"]:
        if "batch=1" in p.as_posix():
            s3.upload_file(str(p), BUCKET, f"{PREFIX}/{p.relative_to(duck_lake).as_posix()}")

    hadoop = spark.sparkContext._jsc.hadoopConfiguration()  # noqa: SLF001 - point S3A at the emulator for this test
    for key, value in S3Endpoint(url=moto.url).hadoop_conf().items():
        hadoop.set(key, value)
    manifest = cleanse_batch(spark, Lake(spark, f"s3a://{BUCKET}/{PREFIX}"), contracts, 1, quiet_log())
    assert manifest["engine"] == "spark" and manifest["datasets"]["claims"]["curated_rows"] > 0

    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX) for o in page.get("Contents", [])]
    # (S3A leaves empty folder markers, keys ending in /, which hold nothing and no reader lists)
    assert not [k for k in keys if ("/_staging/" in k and not k.endswith("/")) or k.endswith(("_SUCCESS", ".crc"))], "nothing but the committed batch is left"
    local = tmp_path / "lake"
    for key in (k for k in keys if not k.endswith("/")):
        target = local / key[len(PREFIX) + 1 :]
        target.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file(BUCKET, key, str(target))
    differences = compare_batch(duck_lake, local, 1)
    assert not differences, str(differences)
