"""The lake for the Glue jobs: raw, processed and quarantine zones plus manifests, addressed by keys
such as `raw/csv/claims/batch=1/part-00000.csv` under a root that is a folder (a path or file://)
or an object store prefix (s3a:// locally, s3:// on Glue).

One implementation over Hadoop's FileSystem, the same one Spark reads and writes through, so a key
means the same object to the job's own bookkeeping and to its DataFrames. The key layout is the
TypeScript pipeline's (pipeline/lake/types.ts `zones`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


class Zones:
    """Lake keys, exactly as pipeline/lake/types.ts writes them."""

    @staticmethod
    def raw(dataset: str, batch: int) -> str:
        return f"raw/csv/{dataset}/batch={batch}/"

    @staticmethod
    def curated(dataset: str) -> str:
        return f"processed/parquet/{dataset}/"

    @staticmethod
    def quarantine(dataset: str, batch: int) -> str:
        return f"quarantine/{dataset}/batch={batch}/"

    @staticmethod
    def raw_manifest(batch: int) -> str:
        return f"_manifests/batch={batch}.json"

    @staticmethod
    def curated_manifest(batch: int) -> str:
        return f"_manifests/curated/batch={batch}.json"

    @staticmethod
    def staging(txn: str) -> str:
        return f"_staging/{txn}/"


@dataclass(frozen=True)
class LakeObject:
    key: str
    size: int


def normalize_root(root: str) -> str:
    """A lake root as Hadoop reads it: `/data/lake` and `file:///data/lake` become
    `file:/data/lake`; `s3a://bucket/prefix/` loses its trailing slash."""
    if "://" not in root and not root.startswith("file:"):
        return "file:" + str(Path(root).expanduser().resolve())
    if root.startswith("file://"):
        return "file:" + str(Path(root[len("file://") :]).resolve())
    return root.rstrip("/")


class Lake:
    """Lake operations through Hadoop's FileSystem of the session's JVM."""

    def __init__(self, spark: "SparkSession", root: str) -> None:
        self.root = normalize_root(root)
        self._jvm = spark.sparkContext._jvm  # noqa: SLF001 - py4j is how PySpark reaches Hadoop
        conf = spark.sparkContext._jsc.hadoopConfiguration()  # noqa: SLF001
        self._fs = self._jvm.org.apache.hadoop.fs.Path(self.root).getFileSystem(conf)
        self._local = self.root.startswith("file:")
        if self._local:
            # Hadoop's local file system writes a .crc beside every file; the lake holds only what
            # the manifests list. The instance is cached per JVM, so Spark's writers share it.
            self._fs.setWriteChecksum(False)

    def uri(self, key: str) -> str:
        """Location of `key` as Spark reads it."""
        if key.startswith("/") or ".." in key.split("/"):
            raise ValueError(f"Lake key escapes the lake: {key}")
        return f"{self.root}/{key}"

    def _path(self, key: str) -> Any:
        return self._jvm.org.apache.hadoop.fs.Path(self.uri(key))

    def exists(self, key: str) -> bool:
        return bool(self._fs.exists(self._path(key)))

    def put_bytes(self, key: str, data: bytes) -> None:
        target = self._path(key)
        # A folder gets a temp name first so a reader never sees half a file; an object store
        # makes an object visible only once it is complete.
        path = self._path(f"{key}.tmp-{os.getpid()}") if self._local else target
        self._fs.mkdirs(target.getParent())
        out = self._fs.create(path, True)
        try:
            out.write(bytearray(data))
        finally:
            out.close()
        if self._local:
            self._fs.delete(target, False)
            if not self._fs.rename(path, target):
                raise OSError(f"could not move {path} to {target}")

    def put_text(self, key: str, text: str) -> None:
        self.put_bytes(key, text.encode("utf-8"))

    def get_bytes(self, key: str) -> bytes | None:
        path = self._path(key)
        if not self._fs.exists(path):
            return None
        size = int(self._fs.getFileStatus(path).getLen())
        return self.read_head(key, size) if size else b""

    def get_text(self, key: str) -> str | None:
        data = self.get_bytes(key)
        return None if data is None else data.decode("utf-8")

    def read_head(self, key: str, max_bytes: int) -> bytes:
        """The first `max_bytes` bytes of an object (for reading a header line)."""
        stream = self._fs.open(self._path(key))
        try:
            buf = self._jvm.java.nio.ByteBuffer.allocate(max_bytes)
            chunks = bytearray()
            reader = self._jvm.java.nio.channels.Channels.newChannel(stream)
            while len(chunks) < max_bytes:
                buf.clear()
                n = reader.read(buf)
                if n is None or n < 0:
                    break
                chunks += bytes(buf.array())[:n]
                if n == 0:
                    break
            return bytes(chunks[:max_bytes])
        finally:
            stream.close()

    def list(self, prefix: str) -> list[LakeObject]:
        """Every object whose key starts with `prefix` (recursively), sorted by key."""
        base = prefix if prefix.endswith("/") else prefix.rsplit("/", 1)[0] + "/" if "/" in prefix else ""
        path = self._path(base.rstrip("/")) if base else self._jvm.org.apache.hadoop.fs.Path(self.root)
        if not self._fs.exists(path):
            return []
        out: list[LakeObject] = []
        it = self._fs.listFiles(path, True)
        root_len = len(str(self._jvm.org.apache.hadoop.fs.Path(self.root))) + 1
        while it.hasNext():
            status = it.next()
            full = str(status.getPath())
            key = full[root_len:] if full.startswith(str(self._jvm.org.apache.hadoop.fs.Path(self.root))) else full
            if key.startswith(prefix):
                out.append(LakeObject(key, int(status.getLen())))
        return sorted(out, key=lambda o: o.key)

    def remove_prefix(self, prefix: str) -> None:
        """Removes every object under `prefix` (a folder when it ends with /)."""
        if prefix.endswith("/"):
            self._fs.delete(self._path(prefix.rstrip("/")), True)
            return
        for o in self.list(prefix):
            self._fs.delete(self._path(o.key), False)

    def move(self, src: str, dst: str) -> None:
        """Moves an object within the lake (a rename in a folder, copy + delete in S3)."""
        target = self._path(dst)
        self._fs.mkdirs(target.getParent())
        self._fs.delete(target, False)
        if not self._fs.rename(self._path(src), target):
            raise OSError(f"could not move {self.uri(src)} to {self.uri(dst)}")
