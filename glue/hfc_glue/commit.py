"""Atomic commit of a cleansed batch: the protocol of pipeline/cleanse/commit.ts, step for step, so
either engine can finish (or discard) what the other left behind.

Everything is first written under _staging/<txn>/ with the same relative keys it will have in the
lake. Commit writes a COMMITTING marker, moves every file into place and then writes the curated
manifest, which is what readers go by: until it exists the batch is invisible, and file names carry
the txn so a re-cleanse never overwrites files an older manifest still lists. A crash before the
marker leaves only staging (discarded on the next run); a crash after it is rolled forward.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
import time
from typing import Any

from hfc_glue.lake import Lake, Zones

MARKER = "COMMITTING.json"
PAYLOAD = "manifest.json"
_BATCH_MANIFEST = re.compile(r"batch=\d+\.json$")


def to_json(value: Any) -> str:
    """JSON as the TypeScript side writes it (JSON.stringify(value, null, 2))."""
    return json.dumps(value, indent=2, ensure_ascii=False)


def iso_now() -> str:
    """Now as JavaScript's Date.toISOString() writes it: UTC with milliseconds."""
    now = dt.datetime.now(dt.timezone.utc)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def new_txn(batch: int) -> str:
    """A transaction id like the DuckDB engine's: b<batch>-<ms since epoch, base 36><2 random>."""
    return f"b{batch}-{_base36(int(time.time() * 1000))}{_base36(secrets.randbelow(1296)).rjust(2, '0')}"


def stage_manifest(lake: Lake, txn: str, manifest: dict[str, Any]) -> None:
    lake.put_text(f"{Zones.staging(txn)}{PAYLOAD}", to_json(manifest))


def commit(lake: Lake, txn: str) -> dict[str, Any]:
    staging = Zones.staging(txn)
    payload = lake.get_text(f"{staging}{PAYLOAD}")
    if not payload:
        raise RuntimeError(f"Cannot commit {txn}: {staging}{PAYLOAD} is missing")
    manifest = json.loads(payload)
    if not lake.exists(f"{staging}{MARKER}"):
        lake.put_text(f"{staging}{MARKER}", json.dumps({"txn": txn, "started_at": iso_now()}))
    return _finish(lake, txn, manifest)


def _listed(manifest: dict[str, Any]) -> list[str]:
    return [f for d in manifest["datasets"].values() for f in (*d["files"], *d["quarantine_files"], *d["duplicate_files"])]


def _finish(lake: Lake, txn: str, manifest: dict[str, Any]) -> dict[str, Any]:
    staging = Zones.staging(txn)
    for o in lake.list(staging):
        rel = o.key[len(staging) :]
        if rel in (MARKER, PAYLOAD) or rel.startswith("work/"):
            continue
        lake.move(o.key, rel)
    key = Zones.curated_manifest(manifest["batch"])
    previous = lake.get_text(key)
    lake.put_text(key, to_json(manifest) + "\n")
    if previous:
        # files of the batch's previous commit that the new one no longer lists
        keep = set(_listed(manifest))
        for f in _listed(json.loads(previous)):
            if f not in keep:
                lake.remove_prefix(f)
    lake.remove_prefix(staging)
    return manifest


def recover_staging(lake: Lake) -> dict[str, list[str]]:
    """Finishes or discards transactions a killed process left behind. Returns what it did."""
    txns = sorted({o.key.split("/")[1] for o in lake.list("_staging/") if o.key.count("/") >= 2})
    rolled_forward: list[str] = []
    discarded: list[str] = []
    for txn in txns:
        staging = Zones.staging(txn)
        payload = lake.get_text(f"{staging}{PAYLOAD}")
        if payload and lake.exists(f"{staging}{MARKER}"):
            _finish(lake, txn, json.loads(payload))
            rolled_forward.append(txn)
        else:
            lake.remove_prefix(staging)
            discarded.append(txn)
    return {"rolledForward": rolled_forward, "discarded": discarded}


def curated_manifests(lake: Lake) -> list[dict[str, Any]]:
    """Committed curated manifests, by batch."""
    out = []
    for o in lake.list("_manifests/curated/"):
        if not _BATCH_MANIFEST.search(o.key):
            continue
        text = lake.get_text(o.key)
        if text:
            out.append(json.loads(text))
    return sorted(out, key=lambda m: m["batch"])
