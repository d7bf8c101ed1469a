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
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from hfc_glue.cleanse import (
    LINE_PROBLEMS,
    POSITION,
    ForeignKeyFrame,
    curated_rows,
    duplicate_rows,
    exact_duplicates,
    original_values_sql,
    parse_lines,
    quarantine_rows,
    repeated_keys,
    validate,
)
from hfc_glue.commit import commit, curated_manifests, iso_now, new_txn, recover_staging, stage_manifest
from hfc_glue.contracts import ENTITY_ORDER, Contract, ContractSet
from hfc_glue.derived import lookup_columns
from hfc_glue.errors import InputFileError, JobError
from hfc_glue.job_log import JobLog
from hfc_glue.lake import Lake, Zones
from hfc_glue.raw_files import RawFile, inspect_files, read_lines
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
        """Curated rows under the dataset's curated prefix, partitioned as the contract says, one
        file per partition folder named b<batch>_<txn>_<i>.parquet like the DuckDB engine's."""
        prefix = Zones.curated(c.dataset)
        target = self.lake.uri(self.staged(prefix).rstrip("/"))
        if c.partitioning:
            df.repartition(*c.partitioning).write.mode("overwrite").partitionBy(*c.partitioning).parquet(target)
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
        log, lake = self.log, self.lake
        entry = self.raw["datasets"].get(c.dataset)
        if not entry or not entry.get("files"):
            raise JobError(f"Batch {self.batch} landed no {c.dataset} files (see {Zones.raw_manifest(self.batch)});", "ingest the batch again.")
        files: list[RawFile] = inspect_files(lake, c, entry["files"])
        file_keys = [f.key for f in files]
        fk_frames, lookups = self.targets(c)

        # Pass 1: validate, clean and type every row into the work file.
        log.progress(c.dataset, "validating rows", 0.1)
        work_key = self.staged(f"work/{c.dataset}.parquet")
        validate(parse_lines(read_lines(self.spark, lake, files), c), c, fk_frames).write.mode("overwrite").parquet(lake.uri(work_key))
        work = self.spark.read.parquet(lake.uri(work_key))
        bad = work.where(F.col("_problem").isNotNull()).select(*POSITION, "_problem").orderBy(*POSITION).first()
        if bad is not None:
            problem, hint = LINE_PROBLEMS[bad["_problem"]]
            raise InputFileError(file_keys[bad["_file_index"]], int(bad["_line"]), problem, hint, c.dataset)

        # Exact duplicates keep their first occurrence; repeated keys (and versions already loaded) are rejected.
        log.progress(c.dataset, "resolving duplicates", 0.5)
        dups_key = self.staged(f"work/{c.dataset}_duplicates.parquet")
        exact_duplicates(work, c).write.mode("overwrite").parquet(lake.uri(dups_key))
        dups = self.spark.read.parquet(lake.uri(dups_key))
        loaded = None
        if c.current_state is not None:
            loaded = self._parquet([lake.uri(k) for m in self.prior for k in m["datasets"].get(c.dataset, {}).get("files", [])])
        keys_key = self.staged(f"work/{c.dataset}_repeated_keys.parquet")
        repeated_keys(work, dups, c, loaded).write.mode("overwrite").parquet(lake.uri(keys_key))
        repeated = self.spark.read.parquet(lake.uri(keys_key))

        log.progress(c.dataset, "writing curated parquet", 0.6)
        curated_files = self.write_curated(curated_rows(work, dups, repeated, c, lookups, self.batch, file_keys), c)

        # Quarantine: rejected rows with reason and original fields; removed duplicates listed beside them.
        log.progress(c.dataset, "writing quarantine", 0.85)
        q_prefix = Zones.quarantine(c.dataset, self.batch)
        quarantine_key = f"{q_prefix}quarantine_{self.suffix}.parquet"
        duplicates_key = f"{q_prefix}duplicates_{self.suffix}.parquet"
        # Valid rows rejected for a repeated key kept no copy of their raw fields: read those lines again.
        originals = (
            parse_lines(read_lines(self.spark, lake, files), c)
            .join(F.broadcast(repeated.select(*POSITION)), list(POSITION), "left_semi")
            .selectExpr(*POSITION, f"{original_values_sql(c)} AS _original")
        )
        self.write_single(quarantine_rows(work, dups, repeated, originals, c, self.batch, file_keys), quarantine_key)
        self.write_single(duplicate_rows(dups, c, self.batch, file_keys), duplicates_key)

        quarantine = self.spark.read.parquet(lake.uri(self.staged(quarantine_key)))
        by_reason = {r["reason"]: int(r["count"]) for r in quarantine.groupBy("reason").count().orderBy("reason").collect()}
        curated_count = self.spark.read.parquet(*[lake.uri(self.staged(k)) for k in curated_files]).count() if curated_files else 0
        result = {
            "raw_rows": work.count(),
            "curated_rows": curated_count,
            "quarantined_rows": sum(by_reason.values()),
            "duplicates_removed": dups.count(),
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
