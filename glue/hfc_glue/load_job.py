"""Glue job 2: load one committed batch of the curated zone into Snowflake RAW, idempotently.

    load_batch(spark, lake, contracts, batch, settings, connection, log) -> what it loaded

One code path for both routes (snowflake_sql): Spark writes the batch's load files into the lake
(_load/batch=<k>/<load id>/<table>/, every table column in order, partition columns from the
folders, `_loaded_at` set); the route makes them reachable (external_stage: the stage is on the lake;
internal_stage: PUT from the driver); one transaction deletes the batch's rows, COPYs the files in
and writes the audit rows, and commits only when every table holds exactly the curated rows. A rerun
of the batch replaces it; a batch whose curated manifest is missing or whose commit is unfinished is
refused.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from hfc_glue.commit import MARKER, iso_now
from hfc_glue.contracts import ENTITY_ORDER, ContractSet, load_contracts
from hfc_glue.errors import JobError
from hfc_glue.job_log import JobLog
from hfc_glue.job_runtime import Argument, run_job
from hfc_glue.lake import Lake, Zones
from hfc_glue.reference_data import read_reference
from hfc_glue.snowflake_credentials import connect_kwargs, read_secret
from hfc_glue.snowflake_sql import (
    AUDIT_COLUMNS,
    DUPLICATES_COLUMNS,
    QUARANTINE_COLUMNS,
    ROUTES,
    DatasetCounts,
    Target,
    audit_txns_sql,
    columns_sql,
    internal_stage_sql,
    load_batch_sql,
    loaded_rows_sql,
    prepare_sql,
    put_sql,
    reference_sql,
    table_columns,
)
from hfc_glue.spark_schema import spark_type

_SPARK_TYPES = {"VARCHAR": "string", "INTEGER": "int", "BIGINT": "bigint", "TIMESTAMP_NTZ": "timestamp_ntz"}


@dataclass(frozen=True)
class LoadSettings:
    route: str
    target: Target
    stage: str  # internal: the stage PUT uploads to; external: the deploy's stage on the lake root
    force: bool = False

    def __post_init__(self) -> None:
        if self.route not in ROUTES:
            raise JobError(f"--route must be one of {', '.join(ROUTES)}, got {self.route!r}.")


def committed_manifest(lake: Lake, batch: int) -> dict[str, Any]:
    """The batch's curated manifest; JobError when it is missing or its commit is unfinished."""
    for o in lake.list("_staging/"):
        parts = o.key.split("/")
        if len(parts) == 3 and parts[2] == MARKER and parts[1].startswith(f"b{batch}-"):
            raise JobError(
                f"Batch {batch} has an unfinished commit ({Zones.staging(parts[1])}) in {lake.root}: its curated files may be half moved.",
                "Run the cleanse job (or stage) again; it finishes the commit first.",
            )
    text = lake.get_text(Zones.curated_manifest(batch))
    if not text:
        raise JobError(f"Batch {batch} has no committed curated manifest ({Zones.curated_manifest(batch)}) in {lake.root}.", "Cleanse the batch first.")
    return json.loads(text)


def _cast(columns: list[tuple[str, str]], contract_types: Mapping[str, str]) -> list[Any]:
    out = []
    for n, sf in columns:
        target = contract_types.get(n) or _SPARK_TYPES[sf]
        out.append(F.col(n).cast(target).alias(n))
    return out


def load_frames(spark: SparkSession, lake: Lake, contracts: ContractSet, manifest: Mapping[str, Any], loaded_at: str) -> dict[str, DataFrame | None]:
    """What each table receives, in its column order (None for a table with no rows this batch)."""
    frames: dict[str, DataFrame | None] = {}
    stamp = F.lit(loaded_at).cast("timestamp_ntz")
    for name in ENTITY_ORDER:
        c = contracts[name]
        files = manifest["datasets"][name]["files"]
        if not files:
            frames[name] = None
            continue
        # partition columns are folder names: read them back from below the dataset's curated prefix
        rows = spark.read.option("basePath", lake.uri(Zones.curated(name).rstrip("/"))).parquet(*[lake.uri(k) for k in files]).withColumn("_loaded_at", stamp)
        types = {col.name: spark_type(col.type).simpleString() for col in c.columns} | {d.name: spark_type(d.type).simpleString() for d in c.derived}
        frames[name] = rows.select(*_cast(table_columns(c), types))
    for table, key, columns in (("quarantine", "quarantine_files", QUARANTINE_COLUMNS), ("duplicates", "duplicate_files", DUPLICATES_COLUMNS)):
        files = [k for d in manifest["datasets"].values() for k in d[key]]
        frames[table] = spark.read.parquet(*[lake.uri(k) for k in files]).select(*_cast(list(columns), {})) if files else None
    return frames


def _statement_head(stmt: str, limit: int = 100) -> str:
    head = " ".join(stmt.split())
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _recorded(cursor: Any, stmt: str, log: JobLog) -> None:
    """Executes one statement of the load and reports its Snowflake query id, so the run names
    each statement that changed RAW (the app links it to Snowsight)."""
    cursor.execute(stmt)
    if getattr(cursor, "sfqid", None):
        log.emit("info", "statement", query_id=cursor.sfqid, statement=_statement_head(stmt))


def _existing_columns(cursor: Any, target: Target, table: str) -> list[str]:
    cursor.execute(columns_sql(target, table))
    return [str(r[0]).lower() for r in cursor.fetchall()]


def _prepare(cursor: Any, target: Target, contracts: ContractSet) -> None:
    for stmt in prepare_sql(target, contracts):
        cursor.execute(stmt)
    for name in ENTITY_ORDER:
        want = [n for n, _ in table_columns(contracts[name])]
        have = _existing_columns(cursor, target, name)
        if have != want:
            missing, extra = [n for n in want if n not in have], [n for n in have if n not in want]
            raise JobError(
                f"Snowflake table {target.table(name)} does not match the {name} contract (missing {missing or 'none'}, extra {extra or 'none'}, or in another order).",
                "The contract changed: migrate the table (claims deploy) or reload into a new schema.",
            )
    # the code sets the curated rows were checked against, as the deployed contracts hold them (dbt's
    # reference sources); replaced on every load, as the DuckDB warehouse does
    for reference in contracts.references:
        for stmt in reference_sql(target, reference, read_reference(reference)):
            cursor.execute(stmt)
    audit = _existing_columns(cursor, target, "batch_audit")
    if audit != [n for n, _ in AUDIT_COLUMNS]:
        raise JobError(f"Snowflake table {target.table('batch_audit')} has columns {audit}, not the pipeline's.", "Recreate it with claims deploy.")


def load_batch(spark: SparkSession, lake: Lake, contracts: ContractSet, batch: int, settings: LoadSettings, connection: Any, log: JobLog) -> dict[str, Any]:
    """Loads committed batch `batch` into Snowflake; returns {batch, loaded, txn, datasets}."""
    manifest = committed_manifest(lake, batch)
    target = settings.target
    cursor = connection.cursor()
    try:
        _prepare(cursor, target, contracts)
        cursor.execute(audit_txns_sql(target, batch))
        already = {(r[0], r[1]) for r in cursor.fetchall()}
        if not settings.force and all((n, manifest["txn"]) in already for n in ENTITY_ORDER):
            log.info(f"batch {batch} is already loaded from commit {manifest['txn']}; nothing to do", batch=batch)
            return {"batch": batch, "loaded": False, "txn": manifest["txn"], "datasets": {}}

        loaded_at = iso_now().replace("T", " ").removesuffix("Z")
        load_id = f"{manifest['txn']}-{int(time.time() * 1000)}"
        load_path = f"_load/batch={batch}/{load_id}"
        log.info(f"writing the load files of batch {batch} to {load_path}/", batch=batch, route=settings.route)
        tables = []
        for table, frame in load_frames(spark, lake, contracts, manifest, loaded_at).items():
            if frame is not None:
                frame.write.mode("overwrite").parquet(lake.uri(f"{load_path}/{table}"))
                tables.append(table)
        local_dir = None
        try:
            if settings.route == "internal_stage":
                cursor.execute(internal_stage_sql(target, settings.stage))
                local_dir = Path(tempfile.mkdtemp(prefix="hfc-load-"))
                for table in tables:
                    folder = local_dir / table
                    folder.mkdir()
                    for o in lake.list(f"{load_path}/{table}/"):
                        if o.key.endswith(".parquet"):
                            (folder / o.key.rsplit("/", 1)[1]).write_bytes(lake.get_bytes(o.key) or b"")
                    _recorded(cursor, put_sql(str(folder), target, settings.stage, f"{load_path}/{table}"), log)
            counts = [
                DatasetCounts(n, d["raw_rows"], d["duplicates_removed"], d["quarantined_rows"], d["curated_rows"])
                for n, d in ((n, manifest["datasets"][n]) for n in ENTITY_ORDER)
            ]
            internal = settings.route == "internal_stage"
            statements = load_batch_sql(target, settings.stage, load_path, batch, manifest["txn"], loaded_at, counts, purge=internal)
            log.info(f"loading batch {batch} into {target.table('claims').rsplit('.', 1)[0]} in one transaction", batch=batch, route=settings.route)
            try:
                for stmt in statements:
                    # a table with no file this batch has nothing to COPY (its DELETE still runs)
                    if stmt.startswith("COPY INTO") and not any(f"/{load_path}/{t}/" in stmt for t in tables):
                        continue
                    _recorded(cursor, stmt, log)
                loaded = {}
                for d in counts:
                    cursor.execute(loaded_rows_sql(target, d.dataset, batch))
                    loaded[d.dataset] = int(cursor.fetchone()[0])
                wrong = {n: (loaded[n], manifest["datasets"][n]["curated_rows"]) for n in loaded if loaded[n] != manifest["datasets"][n]["curated_rows"]}
                if wrong:
                    raise JobError(f"Loading batch {batch} would leave {wrong} (loaded, curated) rows; rolled back.", "Check the load files and the COPY results in the job log.")
                _recorded(cursor, "COMMIT", log)
            except BaseException:
                cursor.execute("ROLLBACK")
                raise
        finally:
            lake.remove_prefix(f"{load_path}/")
            if local_dir is not None:
                shutil.rmtree(local_dir, ignore_errors=True)
        log.info(f"batch {batch} loaded: " + ", ".join(f"{n} {loaded[n]}" for n in ENTITY_ORDER), batch=batch, loaded=loaded)
        log.emit("info", "loaded", batch=batch, txn=manifest["txn"], datasets=loaded)
        return {"batch": batch, "loaded": True, "txn": manifest["txn"], "datasets": loaded}
    finally:
        cursor.close()


ARGUMENTS = (
    Argument("lake", "lake root: a folder, file:///..., s3a://bucket/prefix (local) or s3://bucket/prefix (Glue)"),
    Argument("batch", "batch number to load (its curated manifest must be committed)"),
    Argument("route", "external_stage (COPY from the stage on the lake) or internal_stage (PUT, then COPY)", required=False, default="external_stage"),
    Argument("database", "Snowflake database", required=False, default="CLAIMS"),
    Argument("schema", "Snowflake schema of the loaded tables", required=False, default="RAW"),
    Argument("stage", "stage name: the deploy's external stage on the lake, or the internal stage to PUT to", required=False, default="HFC_LAKE"),
    Argument("snowflake_secret_id", "Secrets Manager secret holding the Snowflake connection (JSON)", required=False),
    Argument("snowflake_ssm_parameter", "SSM SecureString parameter holding the Snowflake connection (JSON)", required=False),
    Argument("contracts_dir", "dataset contracts folder (default: the contracts inside the package)", required=False),
    Argument("force", "true: load again even when this commit of the batch is loaded already", required=False, default="false"),
)


def main(argv: list[str]) -> int:
    """Entry of glue/jobs/load.py."""

    def body(spark: SparkSession, args: Mapping[str, Any], log: JobLog) -> None:
        import snowflake.connector

        try:
            batch = int(str(args["batch"]))
        except ValueError:
            raise JobError(f"--batch must be a whole number, got {args['batch']!r}.") from None
        settings = LoadSettings(str(args["route"]), Target(str(args["database"]), str(args["schema"])), str(args["stage"]), str(args["force"]).lower() == "true")
        secret = read_secret(args.get("snowflake_secret_id"), args.get("snowflake_ssm_parameter"))
        connection = snowflake.connector.connect(**connect_kwargs(secret, settings.target.database, settings.target.schema))
        try:
            load_batch(spark, Lake(spark, str(args["lake"])), load_contracts(args.get("contracts_dir")), batch, settings, connection, log)
        finally:
            connection.close()

    return run_job("load", argv, ARGUMENTS, body, s3=lambda args: str(args["lake"]).startswith("s3a://"))
