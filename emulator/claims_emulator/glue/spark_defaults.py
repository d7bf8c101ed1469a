"""The Spark side of the emulated Glue runtime. On Glue, s3:// paths just work; local PySpark needs
the Hadoop S3A connector and its settings. The emulator writes them once into the runs'
SPARK_CONF_DIR (spark-defaults.conf), so a job script builds its session as it would on Glue and
reads and writes the emulated S3 under both s3:// and s3a://. A session's own settings still win
over these defaults."""

from __future__ import annotations

import sys
from pathlib import Path

# the repository's glue/ folder: hfc_glue.jars owns the S3A jar list and its cache folder
_GLUE_DIR = Path(__file__).resolve().parents[3] / "glue"


def s3a_jars() -> list[Path]:
    """The cached S3A jars, or [] when they are not fetched (then only s3:// access fails, with
    Spark's own error; `npm run setup` fetches them)."""
    if str(_GLUE_DIR) not in sys.path:
        sys.path.append(str(_GLUE_DIR))
    from hfc_glue import jars

    return [] if jars.missing() else jars.s3a_jar_paths()


def spark_defaults(endpoint: str, jar_paths: list[Path]) -> dict[str, str]:
    conf = {
        "spark.ui.enabled": "false",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
    }
    s3a = {
        "fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "fs.s3a.endpoint": endpoint,
        "fs.s3a.endpoint.region": "us-east-1",
        "fs.s3a.path.style.access": "true",
        "fs.s3a.connection.ssl.enabled": "false",
        "fs.s3a.aws.credentials.provider": "com.amazonaws.auth.EnvironmentVariableCredentialsProvider",
        "fs.s3a.change.detection.mode": "none",
        "fs.s3a.attempts.maximum": "3",
        "fs.s3a.retry.limit": "3",
    }
    conf.update({f"spark.hadoop.{k}": v for k, v in s3a.items()})
    if jar_paths:
        conf["spark.jars"] = ",".join(str(p) for p in jar_paths)
    return conf


def write_spark_conf_dir(folder: Path, endpoint: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{k} {v}" for k, v in spark_defaults(endpoint, s3a_jars()).items()]
    (folder / "spark-defaults.conf").write_text("\n".join(lines) + "\n", encoding="utf-8")
