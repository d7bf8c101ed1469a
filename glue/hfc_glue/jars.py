"""The Hadoop S3A jars local PySpark needs to read and write s3a:// lakes.

AWS Glue ships its own S3 support; local PySpark does not. The jars come from Maven Central, are
fetched once by `npm run setup` (`python -m hfc_glue.jars fetch`) into a cache outside the
repository, checked against the SHA-1 sums pinned here, and are never downloaded by a job or a test:
a session that needs them and finds them missing fails with the command to run.

    python -m hfc_glue.jars fetch     # download what is missing (about 280 MB, once)
    python -m hfc_glue.jars path      # print the cache folder
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

MAVEN_CENTRAL = "https://repo1.maven.org/maven2"


@dataclass(frozen=True)
class Jar:
    group: str
    artifact: str
    version: str
    sha1: str

    @property
    def file_name(self) -> str:
        return f"{self.artifact}-{self.version}.jar"

    @property
    def url(self) -> str:
        return f"{MAVEN_CENTRAL}/{self.group.replace('.', '/')}/{self.artifact}/{self.version}/{self.file_name}"


# hadoop-aws matches the Hadoop 3.3.4 client inside PySpark 3.5.4; the SDK bundle and wildfly-openssl
# are its compile and runtime dependencies (what spark.jars.packages would resolve).
S3A_JARS: tuple[Jar, ...] = (
    Jar("org.apache.hadoop", "hadoop-aws", "3.3.4", "a65839fbf1869f81a1632e09f415e586922e4f80"),
    Jar("com.amazonaws", "aws-java-sdk-bundle", "1.12.262", "02deec3a0ad83d13d032b1812421b23d7a961eea"),
    Jar("org.wildfly.openssl", "wildfly-openssl", "1.0.7.Final", "0c7a868fd8fc7434e22ba53bac0309bee716a244"),
)


def cache_dir() -> Path:
    """$CLAIMS_SPARK_JARS, else $XDG_CACHE_HOME/health-finance-claims/spark-jars (~/.cache/...)."""
    explicit = os.environ.get("CLAIMS_SPARK_JARS")
    if explicit:
        return Path(explicit).expanduser()
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "health-finance-claims" / "spark-jars"


def _sha1(path: Path) -> str:
    h = hashlib.sha1()  # noqa: S324 - Maven Central publishes SHA-1 sums; this is an integrity check
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def missing(folder: Path | None = None) -> list[Jar]:
    folder = folder or cache_dir()
    return [j for j in S3A_JARS if not (folder / j.file_name).is_file()]


def s3a_jar_paths() -> list[Path]:
    """Local paths of the S3A jars. Raises RuntimeError naming the fix when any is missing."""
    folder = cache_dir()
    absent = missing(folder)
    if absent:
        names = ", ".join(j.file_name for j in absent)
        raise RuntimeError(
            f"s3a:// lakes need the Hadoop S3A jars, and {names} is not in {folder}. "
            "Run `npm run setup` (or `.venv/bin/python -m hfc_glue.jars fetch`) once to download them."
        )
    return [folder / j.file_name for j in S3A_JARS]


def fetch(folder: Path | None = None, log=print) -> list[Path]:
    """Downloads every missing jar into `folder`, verifying its SHA-1; returns all jar paths."""
    folder = folder or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    for jar in S3A_JARS:
        target = folder / jar.file_name
        if target.is_file() and _sha1(target) == jar.sha1:
            continue
        log(f"  downloading {jar.url}")
        fd, tmp_name = tempfile.mkstemp(dir=folder, suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(jar.url, timeout=60) as response:  # noqa: S310 - fixed https URL
                for chunk in iter(lambda: response.read(1 << 20), b""):
                    out.write(chunk)
            got = _sha1(tmp)
            if got != jar.sha1:
                raise RuntimeError(f"{jar.url} has SHA-1 {got}, expected {jar.sha1}; not using it")
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
    return [folder / j.file_name for j in S3A_JARS]


def main(argv: list[str]) -> int:
    if argv[:1] == ["fetch"]:
        paths = fetch()
        print(f"  S3A jars in {paths[0].parent}")
        return 0
    if argv[:1] == ["path"]:
        print(cache_dir())
        return 0
    print("usage: python -m hfc_glue.jars fetch|path", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
