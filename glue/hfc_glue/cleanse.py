"""Job 1's DataFrame functions: raw lines + contract + reference data -> curated, quarantine and
duplicates, deciding every row as the DuckDB engine does (pipeline/cleanse/duckdb.ts + sql.ts).

Pure functions of DataFrames: no lake, no file names beyond the ones passed in, no AWS. The job
(hfc_glue.cleanse_job) reads the lake, calls these in order and commits what they return.

A row's position is (_file_index, _line): file order, then line order, which is the DuckDB engine's
row position.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from hfc_glue.checks import EXTRA_COLUMNS, ForeignKeyTarget, first_failed, row_checks
from hfc_glue.contracts import Contract
from hfc_glue.csv_fields import split_fields, unquote
from hfc_glue.derived import derived_sql, lookup_alias, lookup_columns
from hfc_glue.parse import clean_text, slow_text, typed
from hfc_glue.spark_schema import DUPLICATES_SCHEMA, QUARANTINE_SCHEMA, curated_file_schema
from hfc_glue.spark_sql import ident, literal

# The longest line the DuckDB engine's CSV reader takes (read_csv max_line_size, 2,000,000 bytes).
MAX_LINE_BYTES = 2_000_000
POSITION = ("_file_index", "_line")

# Lines no row can be read from; the job fails on the first one (file order) with this wording.
LINE_PROBLEMS: Mapping[str, tuple[str, str]] = {
    "long": (
        f"the line is longer than {MAX_LINE_BYTES:,} bytes, more than the CSV reader takes",
        "A field this large is usually a broken export (a missing line break or a binary value): fix the extract and land it again.",
    ),
    "utf8": ("is not valid UTF-8", "Re-export the file as UTF-8; the pipeline reads raw CSV as UTF-8 only."),
    "cr": (
        "has a carriage return inside a line (mixed line endings, or a line break inside a field)",
        "Re-export the file with one line ending throughout and no line breaks inside fields, and land it again.",
    ),
    "nocr": ("ends in LF while the file's lines end in CR LF (mixed line endings)", "Re-export the file with one line ending throughout and land it again."),
    "blank": (
        "is an empty line; the CSV reader skips empty lines, so the rows would no longer match the raw manifest",
        "Remove empty lines from the extract and land it again as a new batch (or with --force).",
    ),
    "quote": (
        "a quoted field is never closed, or text follows its closing quote (unterminated quote)",
        "Fix the quoting in the source extract and land it again as a new batch (or with --force); the raw zone itself is never edited.",
    ),
    "fields": ("a row has far more fields than the contract (wrong delimiter or broken quoting?)", "Check the delimiter and quoting of the extract."),
}


def raw_name(name: str) -> str:
    return f"raw__{name}"


def raw_names(c: Contract) -> list[str]:
    """Raw fields of a row: the contract's columns, then the extra fields past them."""
    return [*c.column_names, *EXTRA_COLUMNS]


def parse_lines(lines: DataFrame, c: Contract) -> DataFrame:
    """Lines (raw_files.read_lines) -> one row per line with its raw fields (raw__<name>, NULL
    where the line has fewer fields) and _problem, the reason no row can be read from the line
    (a LINE_PROBLEMS key) or NULL."""
    cr_at_end = literal(r"\r\z")
    body = f"(CASE WHEN _crlf THEN regexp_replace(_text, {cr_at_end}, '') ELSE _text END)"
    fields, readable = split_fields("_body", c.source.delimiter, c.source.quote)
    names = raw_names(c)
    problem = (
        f"CASE WHEN octet_length(_body) > {MAX_LINE_BYTES} THEN 'long'"
        " WHEN encode(_body, 'UTF-8') <> CAST(_body AS BINARY) THEN 'utf8'"
        f" WHEN contains(_body, {literal(chr(13))}) THEN 'cr'"
        f" WHEN _crlf AND NOT endswith(_text, {literal(chr(13))}) AND NOT _last THEN 'nocr'"
        " WHEN _body = '' THEN 'blank'"
        f" WHEN NOT {readable} THEN 'quote'"
        f" WHEN size(_fields) > {len(names)} THEN 'fields' END"
    )
    split = lines.selectExpr(*POSITION, f"{body} AS _body", "_text", "_crlf", "_last").selectExpr(*POSITION, "_body", "_text", "_crlf", "_last", f"{fields} AS _fields")
    return split.selectExpr(
        *POSITION,
        f"{problem} AS _problem",
        *[f"{unquote(f'_fields[{i}]', c.source.quote)} AS {ident(raw_name(n))}" for i, n in enumerate(names)],
    )


def original_values_sql(c: Contract) -> str:
    """SQL: the row as it arrived, a JSON object of raw field name to text (null where absent),
    as the DuckDB engine's json_object writes it."""
    fields = ", ".join(f"{literal(n)}, {ident(raw_name(n))}" for n in raw_names(c))
    return f"to_json(named_struct({fields}), map('ignoreNullFields', 'false'))"


@dataclass(frozen=True)
class ForeignKeyFrame:
    """Keys a foreign-key column may take: a small code set as `values` (SQL literals, checked
    with IN, no join), or a DataFrame `keys` with one column, `key` (joined)."""

    column: str
    dataset: str
    keys: DataFrame | None = None
    values: tuple[str, ...] | None = None


def validate(parsed: DataFrame, c: Contract, fk_frames: Sequence[ForeignKeyFrame]) -> DataFrame:
    """Parsed lines -> the work rows: position, _problem, typed contract columns, _check (number
    of the first failed check, NULL when valid), _reason, _reason_detail, _row_hash (of the raw
    fields) and, for rejected rows, _original (their raw fields as JSON)."""
    nulls = c.source.null_values
    text_cols = [col.name for col in c.columns if col.type in ("string", "boolean")]
    parsed_cols = [col for col in c.columns if col.name not in text_cols]
    raw_cols = [raw_name(n) for n in raw_names(c)]
    # each field's text is cleaned once; the typed values and the checks read these columns
    rows = parsed.selectExpr(
        *POSITION,
        "_problem",
        *raw_cols,
        *[f"{clean_text(ident(raw_name(col.name)), col, nulls)} AS {ident('text__' + col.name)}" for col in c.columns if col.name in text_cols],
        *[f"{slow_text(ident(raw_name(col.name)), col, nulls)} AS {ident('slow__' + col.name)}" for col in parsed_cols],
    ).selectExpr(
        "*",
        *[f"{typed(ident(raw_name(col.name)), col, nulls, ident('slow__' + col.name) if col.name not in text_cols else None)} AS {ident(col.name)}" for col in c.columns],
    )
    targets = []
    for i, fk in enumerate(fk_frames):
        if fk.values is not None:
            targets.append(ForeignKeyTarget(fk.column, fk.dataset, f"{ident(fk.column)} IN ({', '.join(fk.values) or 'NULL'})"))
            continue
        found = f"__fk{i}"
        keys = fk.keys.where(F.col("key").isNotNull()).select(F.col("key").alias(f"{found}_key"), F.lit(True).alias(found)).distinct()
        rows = rows.join(F.broadcast(keys), F.col(fk.column) == F.col(f"{found}_key"), "left").drop(f"{found}_key")
        targets.append(ForeignKeyTarget(fk.column, fk.dataset, f"{ident(found)} IS NOT NULL"))
    checks = row_checks(
        c,
        raw=lambda n: ident(raw_name(n)),
        text=lambda n: ident(f"text__{n}") if n in text_cols else None,
        typed=ident,
        fk_targets=targets,
        slow=lambda n: ident(f"slow__{n}") if n not in text_cols else None,
    )
    # The first failed check is found once; reason and detail are then looked up by its number.
    index, reason, detail = first_failed(checks, "_check")
    helpers = [ident("text__" + n) for n in text_cols] + [ident("slow__" + col.name) for col in parsed_cols]
    checked = rows.selectExpr(*POSITION, "_problem", *[ident(n) for n in c.column_names], *raw_cols, *helpers, f"{index} AS _check")
    return checked.selectExpr(
        *POSITION,
        "_problem",
        "_check",
        f"{reason} AS _reason",
        f"CASE WHEN _check IS NOT NULL THEN {detail} END AS _reason_detail",
        f"xxhash64({', '.join(raw_cols)}) AS _row_hash",
        *[ident(n) for n in c.column_names],
        f"CASE WHEN _check IS NOT NULL THEN {original_values_sql(c)} END AS _original",
    )


def _first_occurrence(rows: DataFrame, by: Sequence[str]) -> DataFrame:
    """Rows after the first of their group (`by`), with the position of that first one."""
    group = Window.partitionBy(*by).orderBy(*POSITION)
    return (
        rows.select(
            *POSITION,
            F.first("_file_index").over(group).alias("kept_file"),
            F.first("_line").over(group).alias("kept_line"),
            F.row_number().over(group).alias("_rn"),
        )
        .where(F.col("_rn") > 1)
        .drop("_rn")
    )


def _exact_duplicates(work: DataFrame, c: Contract) -> DataFrame:
    """Rows whose raw fields repeat an earlier row's exactly: position, kept_file, kept_line.
    Only rows sharing a hash are compared field by field (through their typed values and, for
    rejected rows, their original text, as the DuckDB engine does)."""
    by = ["_row_hash", *c.column_names, "_original"]
    repeated = work.groupBy("_row_hash").count().where(F.col("count") > 1).select("_row_hash")
    candidates = work.join(F.broadcast(repeated), "_row_hash", "left_semi")
    return _first_occurrence(candidates, by)


def _repeated_keys(valid: DataFrame, c: Contract, loaded_keys: DataFrame | None) -> DataFrame:
    """Valid rows whose primary key repeats: position, kept_file, kept_line. With loaded_keys
    (the keys of earlier batches, for versioned data), every valid row whose key was already
    loaded is one too, with kept_* NULL; a row both repeated and already loaded counts once, as
    already loaded."""
    pk = list(c.primary_key)
    null_kept = [F.lit(None).cast("int").alias("kept_file"), F.lit(None).cast("bigint").alias("kept_line")]
    if loaded_keys is not None:
        loaded = valid.join(F.broadcast(loaded_keys.select(*pk).distinct()), pk, "left_semi").select(*POSITION, *null_kept)
    else:
        loaded = valid.limit(0).select(*POSITION, *null_kept)
    key_hash = F.xxhash64(*pk)
    repeated = valid.groupBy(key_hash.alias("_kh")).count().where(F.col("count") > 1).select("_kh")
    within = _first_occurrence(valid.withColumn("_kh", key_hash).join(F.broadcast(repeated), "_kh", "left_semi"), pk)
    return loaded.unionByName(within.join(F.broadcast(loaded.select(*POSITION)), list(POSITION), "left_anti"))


def decide(work: DataFrame, c: Contract, loaded_keys: DataFrame | None) -> DataFrame:
    """The work rows with what becomes of each: _status is 'curated', 'quarantined' (a failed
    check or a repeated key) or 'duplicate' (an exact copy of an earlier row, whose position is in
    _dup_file/_dup_line); _key_repeated marks rows rejected for their key, with the first
    occurrence in _key_file/_key_line (NULL when the key was already loaded)."""
    dups = _exact_duplicates(work, c).select(*POSITION, F.col("kept_file").alias("_dup_file"), F.col("kept_line").alias("_dup_line"))
    valid = work.where(F.col("_check").isNull()).join(F.broadcast(dups.select(*POSITION)), list(POSITION), "left_anti").select(*POSITION, *c.primary_key)
    keys = _repeated_keys(valid, c, loaded_keys).select(
        *POSITION, F.col("kept_file").alias("_key_file"), F.col("kept_line").alias("_key_line"), F.lit(True).alias("_key_repeated")
    )
    # duplicates and repeated keys are few: joined without moving the work rows
    decided = work.join(F.broadcast(dups), list(POSITION), "left").join(F.broadcast(keys), list(POSITION), "left")
    status = (
        F.when(F.col("_dup_line").isNotNull(), F.lit("duplicate"))
        .when(F.col("_check").isNotNull() | F.col("_key_repeated").isNotNull(), F.lit("quarantined"))
        .otherwise(F.lit("curated"))
    )
    return decided.withColumn("_status", status)


def _source_file(file_keys: Sequence[str], index: Column) -> Column:
    return F.element_at(F.array(*[F.lit(k) for k in file_keys]), index + 1)


def curated_rows(decided: DataFrame, c: Contract, lookups: Mapping[str, DataFrame], batch: int, file_keys: Sequence[str]) -> DataFrame:
    """Curated rows with derived and lineage columns, in curated_file_schema order plus the
    partition columns. `lookups[dataset]` holds the looked-up dataset's key (`key`) and the
    columns derived lookups read."""
    rows = decided.where(F.col("_status") == "curated")
    for dataset, (key_column, columns) in lookup_columns(c).items():
        table = lookups[dataset].select(F.col("key").alias(f"__lk_{dataset}"), *[F.col(col).alias(lookup_alias(dataset, col)) for col in columns])
        rows = rows.join(F.broadcast(table), F.col(key_column) == F.col(f"__lk_{dataset}"), "left").drop(f"__lk_{dataset}")
    for d in c.derived:  # each may use those before it
        rows = rows.selectExpr("*", f"{derived_sql(d, lambda ds, col: ident(lookup_alias(ds, col)))} AS {ident(d.name)}")
    rows = rows.withColumn("_batch_id", F.lit(batch).cast("int"))
    rows = rows.withColumn("_source_file", _source_file(file_keys, F.col("_file_index")))
    rows = rows.withColumn("_source_line", F.col("_line").cast("bigint"))
    return rows.select(*curated_file_schema(c).fieldNames(), *c.partitioning)


def quarantine_rows(decided: DataFrame, key_originals: DataFrame, c: Contract, batch: int, file_keys: Sequence[str]) -> DataFrame:
    """Quarantined rows in position order, as QUARANTINE_SCHEMA, in one partition.
    `key_originals` holds position and _original of the rows rejected for a repeated key (valid
    rows keep no copy of their raw fields)."""
    rows = decided.where(F.col("_status") == "quarantined").join(
        key_originals.select(*POSITION, F.col("_original").alias("_key_original")), list(POSITION), "left"
    )
    key_text = F.concat_ws(", ", *[F.col(k).cast("string") for k in c.primary_key])
    kept_where = F.when(F.col("_key_file") != F.col("_file_index"), F.concat(F.lit(" of "), _source_file(file_keys, F.col("_key_file")))).otherwise(F.lit(""))
    key_detail = F.concat(
        F.lit("key ("),
        key_text,
        F.lit(") "),
        F.when(F.col("_key_line").isNull(), F.lit("was already loaded by an earlier batch")).otherwise(
            F.concat(F.lit("already appears on line "), F.col("_key_line").cast("string"), kept_where)
        ),
    )
    out = rows.select(
        F.lit(batch).cast("int").alias("batch_id"),
        F.lit(c.dataset).alias("dataset"),
        _source_file(file_keys, F.col("_file_index")).alias("source_file"),
        F.col("_line").cast("bigint").alias("line_number"),
        F.coalesce(F.col("_reason"), F.lit("DUPLICATE_KEY")).alias("reason"),
        F.coalesce(F.col("_reason_detail"), key_detail).alias("reason_detail"),
        F.coalesce(F.col("_original"), F.col("_key_original")).alias("original_values"),
        F.current_timestamp().cast("timestamp_ntz").alias("quarantined_at"),
        *POSITION,
    )
    return out.coalesce(1).sortWithinPartitions(*POSITION).select(*QUARANTINE_SCHEMA.fieldNames())


def duplicate_rows(decided: DataFrame, c: Contract, batch: int, file_keys: Sequence[str]) -> DataFrame:
    """Removed exact duplicates in position order, as DUPLICATES_SCHEMA, in one partition: the
    line of the copy kept is a line of its own file."""
    rows = decided.where(F.col("_status") == "duplicate").select(
        F.lit(batch).cast("int").alias("batch_id"),
        F.lit(c.dataset).alias("dataset"),
        _source_file(file_keys, F.col("_file_index")).alias("source_file"),
        F.col("_line").cast("bigint").alias("line_number"),
        F.col("_dup_line").cast("bigint").alias("duplicate_of_line"),
        *POSITION,
    )
    return rows.coalesce(1).sortWithinPartitions(*POSITION).select(*DUPLICATES_SCHEMA.fieldNames())
