"""Reading a dataset's raw CSV files into lines that know their file and line number, and the
file-level checks made before any row is read (pipeline/ingest/inspect.ts, same wording).

Spark gives no line numbers, so each file is read on its own: a file's splits become partitions in
file order, and monotonically_increasing_id() holds (partition, row within partition). One count per
partition then turns that into the physical line number, however many tasks read the file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from hfc_glue.contracts import Contract
from hfc_glue.errors import InputFileError
from hfc_glue.lake import Lake

_ROW_BITS = 33  # monotonically_increasing_id: partition index above bit 33, row below
_JS_TRIM = " \t\n\r\x0b\x0c\xa0\ufeff\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"


@dataclass(frozen=True)
class RawFile:
    index: int
    key: str  # lake key, recorded as the source file
    rows: int  # data rows the raw manifest recorded at landing
    bytes: int
    crlf: bool  # lines end in CR LF (decided by the header line, as the CSV reader decides)


def check_header(header: str, c: Contract, display: str) -> None:
    """A file's header line against the contract: delimiter, names and order (inspect.ts checkHeader)."""
    expected = list(c.column_names)
    delim = c.source.delimiter
    if delim not in header and len(expected) > 1:
        other = next((d for d in (";", "\t", "|") if d in header), None)
        problem = (
            f'uses {"tab" if other == chr(9) else chr(34) + other + chr(34)} as the delimiter, not "{delim}"'
            if other
            else f'header has no "{delim}" delimiter'
        )
        raise InputFileError(display, 1, problem, f'The {c.dataset} contract expects "{delim}"-separated CSV with the header: {delim.join(expected)}')
    got = [re.sub(r'^"(.*)"$', r"\1", h.strip(_JS_TRIM)) for h in header.split(delim)]
    missing = [e for e in expected if e not in got]
    unexpected = [g for g in got if g not in expected]
    if missing or unexpected:
        parts = [p for p in (f"missing {', '.join(missing)}" if missing else "", f"unexpected {', '.join(unexpected)}" if unexpected else "") if p]
        raise InputFileError(display, 1, f"header does not match the {c.dataset} contract ({'; '.join(parts)})", f"Expected exactly: {delim.join(expected)}")
    moved = next((i for i, e in enumerate(expected) if got[i] != e), None)
    if moved is not None:
        raise InputFileError(
            display, 1, f'header columns are out of order (position {moved + 1} is "{got[moved]}", expected "{expected[moved]}")', f"Expected exactly: {delim.join(expected)}"
        )


def inspect_files(lake: Lake, c: Contract, entries: Sequence[dict]) -> list[RawFile]:
    """The raw files of a dataset, each checked for content and header (64 KiB read per file)."""
    files = []
    for index, entry in enumerate(entries):
        head = lake.read_head(entry["key"], 64 * 1024).decode("utf-8", errors="replace")
        if not head.strip(_JS_TRIM):
            raise InputFileError(entry["key"], None, "file is empty (expected at least a header line)", "Land the batch again from a complete extract.", c.dataset)
        first = head.split("\n", 1)[0]
        check_header(first.removesuffix("\r").removeprefix("\ufeff"), c, entry["key"])
        files.append(RawFile(index, entry["key"], int(entry["rows"]), int(entry["bytes"]), first.endswith("\r")))
    return files


def _ids(spark: SparkSession, lake: Lake, f: RawFile) -> DataFrame:
    text = spark.read.option("lineSep", "\n").text(lake.uri(f.key))
    return text.select(F.monotonically_increasing_id().alias("_mid"), F.col("value").alias("_text"))


def single_split_limit(spark: SparkSession) -> int:
    """Files up to this size are read as one split (one partition): Spark cuts files into
    maxPartitionBytes splits and, with openCostInBytes at least as large (as SQL_CONF sets it),
    never packs two into a partition. 0 when the session does not guarantee that."""
    conf = spark._jsparkSession.sessionState().conf()  # noqa: SLF001 - typed access to the resolved sizes
    limit = int(conf.filesMaxPartitionBytes())
    return limit if int(conf.filesOpenCostInBytes()) >= limit else 0


def line_offsets(spark: SparkSession, lake: Lake, f: RawFile) -> dict[int, int]:
    """Lines before each partition (split) of a file, by partition index. A file of one split
    needs no pass over it; a larger one is counted once per split. Raises InputFileError when the
    file no longer has the lines the raw manifest says."""
    if f.bytes <= single_split_limit(spark):
        return {0: 0}
    counts = sorted((int(r[0]), int(r[1])) for r in _ids(spark, lake, f).groupBy(F.shiftright("_mid", _ROW_BITS)).count().collect())
    total = sum(n for _, n in counts)
    if total - 1 != f.rows:
        raise InputFileError(
            f.key, None, f"the raw manifest records {f.rows} rows but the file now has {max(total - 1, 0)}", "The raw zone is immutable: land the batch again (claims run --stages ingest --force)."
        )
    offsets, before = {}, 0
    for part, n in counts:
        offsets[part] = before
        before += n
    return offsets


def read_lines(spark: SparkSession, lake: Lake, files: Sequence[RawFile], offsets: Mapping[str, Mapping[int, int]]) -> DataFrame:
    """Every data line of the files: _file_index, _line (physical line number, the header is
    line 1), _text (without the \\n; a CR LF file's \\r is still on), _crlf and _last (the file's
    last line). `offsets[key]` is line_offsets() of each file."""
    frames = []
    for f in files:
        offset = F.create_map(*[x for part, start in offsets[f.key].items() for x in (F.lit(part), F.lit(start))])
        line = offset[F.shiftright("_mid", _ROW_BITS)] + F.col("_mid").bitwiseAND(F.lit((1 << _ROW_BITS) - 1)) + 1
        frames.append(
            _ids(spark, lake, f).select(
                F.lit(f.index).alias("_file_index"),
                line.cast("bigint").alias("_line"),
                F.col("_text"),
                F.lit(f.crlf).alias("_crlf"),
                (line == f.rows + 1).alias("_last"),
            ).where(F.col("_line") > 1)
        )
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out
