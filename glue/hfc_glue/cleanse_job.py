"""Glue job 1: cleanse one landed batch of raw CSV into curated Parquet, quarantine and duplicates,
committed atomically with a curated manifest (the DuckDB engine's protocol and layout, so either
engine reads and recovers what the other wrote).

    cleanse_batch(spark, lake, contracts, batch, log) -> the curated manifest it committed

Reads _manifests/batch=<k>.json (what ingest landed) and the curated manifests of earlier batches
(foreign keys, versions already loaded). Writes everything under _staging/<txn>/ first; the commit
moves it into place and writes _manifests/curated/batch=<k>.json last.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from hfc_glue.cleanse import (
    LINE_PROBLEMS,
    POSITION,
    ForeignKeyFrame,
    curated_rows,
    decide,
    duplicate_rows,
    original_values_sql,
    parse_lines,
    quarantine_rows,
    validate,
)
from hfc_glue.commit import commit, curated_manifests, iso_now, new_txn, recover_staging, stage_manifest
from hfc_glue.contracts import ENTITY_ORDER, Contract, ContractSet, load_contracts
from hfc_glue.derived import lookup_columns
from hfc_glue.errors import InputFileError, JobError
from hfc_glue.job_log import JobLog
from hfc_glue.job_runtime import Argument, run_job
from hfc_glue.lake import Lake, Zones
from hfc_glue.raw_files import RawFile, inspect_files, line_offsets, read_lines
from hfc_glue.reference_data import read_reference, sql_value
from hfc_glue.spark_schema import spark_type

ENGINE = "spark"


def parse_raw_manifest(text: str, key: str) -> dict[str, Any]:
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise JobError(f"Raw manifest {key} is not valid JSON ({err}); the raw zone of this batch is damaged:", "land it again with --force.") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("batch"), int) or not isinstance(doc.get("datasets"), dict):
        raise JobError(f"Raw manifest {key} is missing batch or datasets;", "land the batch again with --force.")
    return doc


class _Batch:
    """One cleanse transaction: what it reads, where it stages, what its manifest says so far."""

    def __init__(self, spark: SparkSession, lake: Lake, contracts: ContractSet, raw: dict[str, Any], prior: list[dict[str, Any]], txn: str, log: JobLog) -> None:
        self.spark, self.lake, self.contracts, self.raw, self.prior, self.txn, self.log = spark, lake, contracts, raw, prior, txn, log
        self.batch = int(raw["batch"])
        self.suffix = txn.split("-")[1]
        self.manifest: dict[str, Any] = {"batch": self.batch, "txn": txn, "raw_landed_at": raw["landed_at"], "committed_at": "", "engine": ENGINE, "datasets": {}}
        # code sets are small: their keys are checked as literal sets, no join
        self.reference_keys = {
            (c.dataset, col.name): tuple(sql_value(row[i], spark_type(col.type).simpleString()) for row in read_reference(c) if row[i] is not None)
            for c in contracts.references
            for i, col in enumerate(c.columns)
            if any(fk.ref_dataset == c.dataset and fk.ref_column == col.name for e in contracts.entities for fk in e.foreign_keys)
        }

    def staged(self, key: str) -> str:
        return f"{Zones.staging(self.txn)}{key}"

    def _parquet(self, uris: list[str]) -> DataFrame | None:
        return self.spark.read.parquet(*uris) if uris else None

    def curated_of(self, dataset: str) -> DataFrame | None:
        """Curated rows of `dataset` in earlier batches and (staged) in this one."""
        uris = [self.lake.uri(k) for m in self.prior for k in m["datasets"].get(dataset, {}).get("files", [])]
        uris += [self.lake.uri(self.staged(k)) for k in self.manifest["datasets"].get(dataset, {}).get("files", [])]
        return self._parquet(uris)

    def targets(self, c: Contract) -> tuple[list[ForeignKeyFrame], dict[str, DataFrame]]:
        """Foreign-key targets (reference code sets; curated entities of earlier batches and this
        one) and the lookup tables of derived lookups."""
        lookups = lookup_columns(c)
        frames: list[ForeignKeyFrame] = []
        tables: dict[str, DataFrame] = {}
        for fk in c.foreign_keys:
            target = self.contracts[fk.ref_dataset]
            if target.kind == "reference":
                frames.append(ForeignKeyFrame(fk.column, target.dataset, values=self.reference_keys[(target.dataset, fk.ref_column)]))
                continue
            if target.dataset not in tables:
                extra = list(lookups.get(target.dataset, ("", ()))[1])
                curated = self.curated_of(target.dataset)
                if curated is None:
                    types = {col.name: spark_type(col.type).simpleString() for col in target.columns}
                    tables[target.dataset] = self.spark.createDataFrame([], ", ".join(["key string", *[f"{col} {types[col]}" for col in extra]]))
                else:
                    # one row per key; its lookup columns from any of its states (as any_value does)
                    tables[target.dataset] = curated.groupBy(F.col(fk.ref_column).alias("key")).agg(*[F.first(col).alias(col) for col in extra]) if extra else curated.select(F.col(fk.ref_column).alias("key")).distinct()
            frames.append(ForeignKeyFrame(fk.column, target.dataset, tables[target.dataset]))
        return frames, tables

    def write_single(self, df: DataFrame, key: str) -> None:
        """`df` as one Parquet file at lake key `key` (under staging)."""
        scratch = self.staged(f"work/single-{key.replace('/', '_')}")
        df.coalesce(1).write.mode("overwrite").parquet(self.lake.uri(scratch))
        parts = [o.key for o in self.lake.list(scratch + "/") if o.key.endswith(".parquet")]
        if len(parts) != 1:
            raise JobError(f"Spark wrote {len(parts)} files for {key}, expected one.")
        self.lake.move(parts[0], self.staged(key))

    def write_curated(self, df: DataFrame, c: Contract) -> list[str]:
        """Curated rows under the dataset's curated prefix, partitioned as the contract says, in
        files named b<batch>_<txn>_<i>.parquet like the DuckDB engine's (one per task and folder)."""
        prefix = Zones.curated(c.dataset)
        target = self.lake.uri(self.staged(prefix).rstrip("/"))
        if c.partitioning:
            df.write.mode("overwrite").partitionBy(*c.partitioning).parquet(target)
        else:
            df.coalesce(1).write.mode("overwrite").parquet(target)
        by_folder: dict[str, list[str]] = defaultdict(list)
        for o in self.lake.list(self.staged(prefix)):
            if o.key.endswith(".parquet"):
                by_folder[o.key.rsplit("/", 1)[0]].append(o.key)
        files = []
        for folder, keys in sorted(by_folder.items()):
            for i, key in enumerate(sorted(keys)):
                name = f"{folder}/b{self.batch}_{self.suffix}_{i}.parquet"
                self.lake.move(key, name)
                files.append(name[len(Zones.staging(self.txn)) :])
        return sorted(files)

    def cleanse(self, c: Contract) -> dict[str, Any]:
        log, lake, spark = self.log, self.lake, self.spark
        entry = self.raw["datasets"].get(c.dataset)
        if not entry or not entry.get("files"):
            raise JobError(f"Batch {self.batch} landed no {c.dataset} files (see {Zones.raw_manifest(self.batch)});", "ingest the batch again.")
        files: list[RawFile] = inspect_files(lake, c, entry["files"])
        file_keys = [f.key for f in files]
        offsets = {f.key: line_offsets(spark, lake, f) for f in files}
        fk_frames, lookups = self.targets(c)

        # Pass 1: validate, clean and type every row into the work file.
        log.progress(c.dataset, "validating rows", 0.1)
        work_uri = lake.uri(self.staged(f"work/{c.dataset}.parquet"))
        validate(parse_lines(read_lines(spark, lake, files, offsets), c), c, fk_frames).write.mode("overwrite").parquet(work_uri)
        work = spark.read.parquet(work_uri)
        self.check_lines(work, c, files)

        # Exact duplicates keep their first occurrence; repeated keys (and versions already loaded) are rejected.
        log.progress(c.dataset, "resolving duplicates", 0.5)
        loaded = None
        if c.current_state is not None:
            loaded = self._parquet([lake.uri(k) for m in self.prior for k in m["datasets"].get(c.dataset, {}).get("files", [])])
        decided_uri = lake.uri(self.staged(f"work/{c.dataset}_decided.parquet"))
        decide(work, c, loaded).write.mode("overwrite").parquet(decided_uri)
        decided = spark.read.parquet(decided_uri)
        counts = {r["_status"]: int(r["count"]) for r in decided.groupBy("_status").count().collect()}
        by_reason = {
            r["reason"]: int(r["count"])
            for r in decided.where(F.col("_status") == "quarantined")
            .groupBy(F.coalesce(F.col("_reason"), F.lit("DUPLICATE_KEY")).alias("reason"))
            .count()
            .orderBy("reason")
            .collect()
        }

        log.progress(c.dataset, "writing curated parquet", 0.6)
        curated_files = self.write_curated(curated_rows(decided, c, lookups, self.batch, file_keys), c)

        # Quarantine: rejected rows with reason and original fields; removed duplicates listed beside them.
        log.progress(c.dataset, "writing quarantine", 0.85)
        q_prefix = Zones.quarantine(c.dataset, self.batch)
        quarantine_key = f"{q_prefix}quarantine_{self.suffix}.parquet"
        duplicates_key = f"{q_prefix}duplicates_{self.suffix}.parquet"
        repeated = decided.where(F.col("_key_repeated").isNotNull()).select(*POSITION)
        key_originals = repeated.select(*POSITION, F.lit(None).cast("string").alias("_original"))
        if by_reason.get("DUPLICATE_KEY"):
            # valid rows rejected for a repeated key kept no copy of their raw fields: read those lines again
            key_originals = (
                parse_lines(read_lines(spark, lake, files, offsets), c)
                .join(F.broadcast(repeated), list(POSITION), "left_semi")
                .selectExpr(*POSITION, f"{original_values_sql(c)} AS _original")
            )
        self.write_single(quarantine_rows(decided, key_originals, c, self.batch, file_keys), quarantine_key)
        self.write_single(duplicate_rows(decided, c, self.batch, file_keys), duplicates_key)
        result = {
            "raw_rows": sum(f.rows for f in files),
            "curated_rows": counts.get("curated", 0),
            "quarantined_rows": counts.get("quarantined", 0),
            "duplicates_removed": counts.get("duplicate", 0),
            "quarantine_by_reason": by_reason,
            "files": curated_files,
            "quarantine_files": [quarantine_key],
            "duplicate_files": [duplicates_key],
        }
        log.progress(c.dataset, "done", 1)
        level = log.warn if result["quarantined_rows"] else log.info
        level(
            f"{c.dataset}: {result['curated_rows']} curated, {result['quarantined_rows']} quarantined, {result['duplicates_removed']} duplicates removed",
            dataset=c.dataset,
            quarantine=by_reason,
        )
        return result

    def check_lines(self, work: DataFrame, c: Contract, files: list[RawFile]) -> None:
        """Fails on the first line no row could be read from, and on a file whose line count is
        no longer the raw manifest's (one pass over the work file)."""
        summary = {
            int(r["_file_index"]): r
            for r in work.groupBy("_file_index").agg(F.count("*").alias("rows"), F.min(F.when(F.col("_problem").isNotNull(), F.col("_line"))).alias("bad")).collect()
        }
        for f in files:
            found = summary.get(f.index)
            rows = int(found["rows"]) if found is not None else 0
            if found is not None and found["bad"] is not None:
                problem = work.where((F.col("_file_index") == f.index) & (F.col("_line") == found["bad"])).select("_problem").first()["_problem"]
                text, hint = LINE_PROBLEMS[problem]
                raise InputFileError(f.key, int(found["bad"]), text, hint, c.dataset)
            if rows != f.rows:
                raise InputFileError(f.key, None, f"the raw manifest records {f.rows} rows but the file now has {rows}", "The raw zone is immutable: land the batch again (claims run --stages ingest --force).", c.dataset)


def cleanse_batch(spark: SparkSession, lake: Lake, contracts: ContractSet, batch: int, log: JobLog) -> dict[str, Any]:
    """Cleanses landed batch `batch` and commits it; returns the curated manifest committed."""
    started = time.perf_counter()
    recovered = recover_staging(lake)
    if recovered["rolledForward"] or recovered["discarded"]:
        log.info("recovered interrupted cleanse transactions", **recovered)
    raw_text = lake.get_text(Zones.raw_manifest(batch))
    if not raw_text:
        raise JobError(f"Batch {batch} has not been ingested: no {Zones.raw_manifest(batch)} in {lake.root}.", "Run the ingest stage first.")
    raw = parse_raw_manifest(raw_text, Zones.raw_manifest(batch))
    prior = [m for m in curated_manifests(lake) if m["batch"] != batch]
    txn = new_txn(batch)
    job = _Batch(spark, lake, contracts, raw, prior, txn, log)
    try:
        for name in ENTITY_ORDER:
            job.manifest["datasets"][name] = job.cleanse(contracts[name])
        job.manifest["committed_at"] = iso_now()
        lake.remove_prefix(job.staged("work/"))
        stage_manifest(lake, txn, job.manifest)
    except BaseException:
        lake.remove_prefix(Zones.staging(txn))
        raise
    manifest = commit(lake, txn)
    log.emit("info", "committed", manifest_key=Zones.curated_manifest(batch), txn=txn, seconds=round(time.perf_counter() - started, 3))
    return manifest


ARGUMENTS = (
    Argument("lake", "lake root: a folder, file:///..., s3a://bucket/prefix (local) or s3://bucket/prefix (Glue)"),
    Argument("batch", "batch number to cleanse (its raw manifest must exist)"),
    Argument("contracts_dir", "dataset contracts folder (default: the contracts inside the package)", required=False),
)


def main(argv: list[str]) -> int:
    """Entry of glue/jobs/cleanse.py."""

    def body(spark: SparkSession, args: Mapping[str, Any], log: JobLog) -> None:
        try:
            batch = int(str(args["batch"]))
        except ValueError:
            raise JobError(f"--batch must be a whole number, got {args['batch']!r}.") from None
        cleanse_batch(spark, Lake(spark, str(args["lake"])), load_contracts(args.get("contracts_dir")), batch, log)

    return run_job("cleanse", argv, ARGUMENTS, body, s3=lambda args: str(args["lake"]).startswith("s3a://"))
