"""Every Spark setting the jobs rely on, in one place.

SQL_CONF must hold in every session that runs the jobs' DataFrame functions (on Glue they are set on
the GlueContext's session at job start; locally the builder sets them). The rest configures a
local session: loopback only, no UI, and the S3A connector when the lake is s3a://.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hfc_glue import jars
from hfc_glue.package_data import package_path

LOG4J2_CONFIG = package_path("log4j2.properties") or Path(__file__).resolve().parent / "log4j2.properties"

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Semantics the cleanse functions depend on:
# - ANSI off: a cast or make_date that does not fit gives NULL (the row is quarantined) instead of
#   failing the job;
# - UTC and TIMESTAMP_NTZ: contract timestamps are wall-clock values, never shifted by a zone;
# - case-sensitive names: contract columns and the engine's _extra_* fields never collide.
SQL_CONF: Mapping[str, str] = {
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.timestampType": "TIMESTAMP_NTZ",
    "spark.sql.caseSensitive": "true",
    "spark.sql.parquet.compression.codec": "snappy",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    # a split is never packed with another file's, so a file below the split size is one
    # partition and needs no counting pass for its line numbers (raw_files.line_offsets)
    "spark.sql.files.maxPartitionBytes": str(128 << 20),
    "spark.sql.files.openCostInBytes": str(128 << 20),
}

# Hadoop settings for every lake: no _SUCCESS markers in it (the curated manifest is the commit
# record; readers list exactly the files it names). .crc side files of a folder lake are turned off
# on its file system by hfc_glue.lake.
HADOOP_CONF: Mapping[str, str] = {
    "mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
    "parquet.enable.summary-metadata": "false",
}


@dataclass(frozen=True)
class S3Endpoint:
    """Where s3a:// goes. Real AWS by default; an emulator when `url` is set (path-style, plain
    HTTP allowed). Credentials always come from the environment (AWS_ACCESS_KEY_ID, ...)."""

    url: str | None = None
    region: str = "us-east-1"

    @classmethod
    def from_env(cls) -> "S3Endpoint":
        # The AWS SDKs' own variables, so boto3 and the S3A connector go to the same place.
        url = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
        return cls(url=url, region=region)

    def hadoop_conf(self) -> dict[str, str]:
        conf = {
            "fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
            "fs.s3a.aws.credentials.provider": "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
            "fs.s3a.endpoint.region": self.region,
            "fs.s3a.ssl.channel.mode": "default_jsse",
            # objects are never rewritten in place; an emulator's ETags need not be checked
            "fs.s3a.change.detection.mode": "none",
        }
        if self.url:
            conf.update(
                {
                    "fs.s3a.endpoint": self.url,
                    "fs.s3a.path.style.access": "true",
                    "fs.s3a.connection.ssl.enabled": str(self.url.startswith("https://")).lower(),
                    "fs.s3a.attempts.maximum": "3",
                    "fs.s3a.retry.limit": "3",
                }
            )
        return conf


@dataclass(frozen=True)
class LocalSession:
    """A local SparkSession for the jobs: `local[cores]`, loopback, no UI."""

    cores: int = 2
    driver_memory: str = "2g"
    shuffle_partitions: int = 4
    s3: S3Endpoint | None = None  # set when the lake is s3a://
    app_name: str = "hfc-glue"
    # largest split of a raw file one task reads, in bytes (SQL_CONF's when None); smaller values
    # serve tests of files read by several tasks
    max_partition_bytes: int | None = None
    # extra JVM options for the driver (the executors share its JVM in local mode)
    java_options: tuple[str, ...] = ()

    def build(self) -> "SparkSession":
        # Spark binds the driver to the first non-loopback address unless told otherwise.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        builder = (
            SparkSession.builder.master(f"local[{self.cores}]")
            .appName(self.app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.memory", self.driver_memory)
            .config("spark.sql.shuffle.partitions", str(self.shuffle_partitions))
            .config("spark.default.parallelism", str(self.cores))

            .config("spark.sql.adaptive.enabled", "true")
            .config("spark.driver.extraJavaOptions", " ".join([f"-Dlog4j.configurationFile={LOG4J2_CONFIG.as_uri()}", *self.java_options]))
        )
        for key, value in SQL_CONF.items():
            builder = builder.config(key, value)
        if self.max_partition_bytes is not None:
            builder = builder.config("spark.sql.files.maxPartitionBytes", str(self.max_partition_bytes))
            builder = builder.config("spark.sql.files.openCostInBytes", str(self.max_partition_bytes))
        for key, value in HADOOP_CONF.items():
            builder = builder.config(f"spark.hadoop.{key}", value)
        if self.s3 is not None:
            builder = builder.config("spark.jars", ",".join(str(p) for p in jars.s3a_jar_paths()))
            for key, value in self.s3.hadoop_conf().items():
                builder = builder.config(f"spark.hadoop.{key}", value)
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


def apply_job_conf(spark: "SparkSession", s3: S3Endpoint | None = None) -> None:
    """Sets SQL_CONF and HADOOP_CONF (and S3A settings) on a session someone else built, such as
    Glue's. Runtime-settable settings only: a local session gets the rest from LocalSession."""
    for key, value in SQL_CONF.items():
        spark.conf.set(key, value)
    hadoop = spark.sparkContext._jsc.hadoopConfiguration()  # noqa: SLF001 - the documented route to Hadoop settings
    for key, value in {**HADOOP_CONF, **(s3.hadoop_conf() if s3 else {})}.items():
        hadoop.set(key, value)
