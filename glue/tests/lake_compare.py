"""Compares what two cleanse engines committed for one batch in two lakes, row for row.

Both lakes are read with DuckDB (a neutral reader of either engine's Parquet): curated rows value by
value, in every column, keyed by source file and line; quarantine rows by (dataset, file, line) with
reason, detail and original values; duplicates; manifest counts; the curated zone's partition
folders and the Parquet column types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb


@dataclass
class Differences:
    items: list[str] = field(default_factory=list)

    def add(self, what: str) -> None:
        self.items.append(what)

    def __bool__(self) -> bool:
        return bool(self.items)

    def __str__(self) -> str:
        return "\n".join(self.items[:40]) + (f"\n... and {len(self.items) - 40} more" if len(self.items) > 40 else "")


def manifest(lake: Path, batch: int) -> dict[str, Any]:
    return json.loads((lake / "_manifests" / "curated" / f"batch={batch}.json").read_text(encoding="utf-8"))


def _files(lake: Path, keys: list[str]) -> list[str]:
    return [str(lake / k) for k in keys]


def _rows(con: duckdb.DuckDBPyConnection, files: list[str], order: str, hive: bool) -> tuple[list[str], list[tuple]]:
    if not files:
        return [], []
    rel = con.sql(f"SELECT * FROM read_parquet({files!r}, hive_partitioning = {str(hive).lower()}, union_by_name = true) ORDER BY {order}")
    return list(rel.columns), rel.fetchall()


def _types(con: duckdb.DuckDBPyConnection, files: list[str]) -> dict[str, str]:
    if not files:
        return {}
    return {r[0]: r[1] for r in con.sql(f"DESCRIBE SELECT * FROM read_parquet({files!r}, hive_partitioning = false, union_by_name = true)").fetchall()}


def partition_folders(keys: list[str]) -> set[str]:
    return {k.rsplit("/", 1)[0] for k in keys}


def compare_batch(duck_lake: Path, spark_lake: Path, batch: int, datasets: tuple[str, ...] = ("members", "providers", "claims")) -> Differences:
    out = Differences()
    a, b = manifest(duck_lake, batch), manifest(spark_lake, batch)
    if (a["engine"], b["engine"]) != ("duckdb", "spark"):
        out.add(f"engines are {a['engine']} and {b['engine']}")
    con = duckdb.connect()
    try:
        for ds in datasets:
            da, db = a["datasets"][ds], b["datasets"][ds]
            for key in ("raw_rows", "curated_rows", "quarantined_rows", "duplicates_removed", "quarantine_by_reason"):
                if da[key] != db[key]:
                    out.add(f"{ds}.{key}: duckdb {da[key]} spark {db[key]}")
            if partition_folders(da["files"]) != partition_folders(db["files"]):
                out.add(f"{ds} curated folders differ: only duckdb {sorted(partition_folders(da['files']) - partition_folders(db['files']))[:5]}, only spark {sorted(partition_folders(db['files']) - partition_folders(da['files']))[:5]}")
            for what in ("files", "quarantine_files", "duplicate_files"):
                ta, tb = _types(con, _files(duck_lake, da[what])), _types(con, _files(spark_lake, db[what]))
                if ta != tb:
                    out.add(f"{ds} {what} column types differ: duckdb {ta} spark {tb}")
            hive = any("=" in k.split("/")[-2] for k in da["files"])
            ca, ra = _rows(con, _files(duck_lake, da["files"]), "_source_file, _source_line", hive)
            cb, rb = _rows(con, _files(spark_lake, db["files"]), "_source_file, _source_line", hive)
            if ca and cb and ca != cb:
                out.add(f"{ds} curated columns differ: duckdb {ca} spark {cb}")
            _compare_rows(out, f"{ds} curated", ca or cb, ra, rb, key=lambda r, cols: (r[cols.index("_source_file")], r[cols.index("_source_line")]))
            qa = _rows(con, _files(duck_lake, da["quarantine_files"]), "source_file, line_number", False)
            qb = _rows(con, _files(spark_lake, db["quarantine_files"]), "source_file, line_number", False)
            _compare_quarantine(out, ds, qa, qb)
            xa = _rows(con, _files(duck_lake, da["duplicate_files"]), "source_file, line_number", False)[1]
            xb = _rows(con, _files(spark_lake, db["duplicate_files"]), "source_file, line_number", False)[1]
            if xa != xb:
                out.add(f"{ds} duplicates differ: duckdb {xa[:5]} spark {xb[:5]}")
    finally:
        con.close()
    return out


def _compare_rows(out: Differences, what: str, cols: list[str], ra: list[tuple], rb: list[tuple], key) -> None:
    if len(ra) != len(rb):
        out.add(f"{what}: duckdb has {len(ra)} rows, spark {len(rb)}")
    ka = {key(r, cols): r for r in ra}
    kb = {key(r, cols): r for r in rb}
    for k in sorted(set(ka) | set(kb), key=str):
        x, y = ka.get(k), kb.get(k)
        if x is None or y is None:
            out.add(f"{what} {k}: only in {'spark' if x is None else 'duckdb'}")
            continue
        for col, vx, vy in zip(cols, x, y):
            if vx != vy or type(vx) is not type(vy):
                out.add(f"{what} {k} {col}: duckdb {vx!r} spark {vy!r}")


def _compare_quarantine(out: Differences, ds: str, qa: tuple[list[str], list[tuple]], qb: tuple[list[str], list[tuple]]) -> None:
    cols = qa[0] or qb[0]

    def keyed(rows: list[tuple]) -> dict[tuple, dict[str, Any]]:
        out_rows = {}
        for r in rows:
            d = dict(zip(cols, r))
            out_rows[(d["dataset"], d["source_file"], d["line_number"])] = d
        return out_rows

    ka, kb = keyed(qa[1]), keyed(qb[1])
    for k in sorted(set(ka) | set(kb), key=str):
        x, y = ka.get(k), kb.get(k)
        if x is None or y is None:
            out.add(f"{ds} quarantine {k}: only in {'spark' if x is None else 'duckdb'} ({(x or y)['reason']}: {(x or y)['reason_detail']})")
            continue
        for col in ("batch_id", "reason", "reason_detail"):
            if x[col] != y[col]:
                out.add(f"{ds} quarantine {k} {col}: duckdb {x[col]!r} spark {y[col]!r}")
        if json.loads(x["original_values"]) != json.loads(y["original_values"]):
            out.add(f"{ds} quarantine {k} original_values: duckdb {x['original_values']} spark {y['original_values']}")
