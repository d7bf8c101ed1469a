"""Structured log lines of a job: one JSON object per line on stdout (CloudWatch on Glue; the
cleanse stage streams them into the run's log when it runs the job locally).

    {"ts": "...Z", "level": "info", "job": "cleanse", "event": "progress", "dataset": "claims", "step": "validating rows", "fraction": 0.1}
    {"ts": "...Z", "level": "info", "job": "cleanse", "event": "log", "message": "claims: 19840 curated, ..."}
    {"ts": "...Z", "level": "info", "job": "cleanse", "event": "committed", "manifest_key": "_manifests/curated/batch=1.json", "txn": "..."}
    {"ts": "...Z", "level": "error", "job": "cleanse", "event": "failed", "message": "...", "hint": "..."}
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO

from hfc_glue.commit import iso_now


class JobLog:
    def __init__(self, job: str, stream: TextIO | None = None) -> None:
        self.job = job
        self.stream = stream or sys.stdout

    def emit(self, level: str, event: str, **fields: Any) -> None:
        line = {"ts": iso_now(), "level": level, "job": self.job, "event": event, **fields}
        self.stream.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
        self.stream.flush()

    def info(self, message: str, **fields: Any) -> None:
        self.emit("info", "log", message=message, **fields)

    def warn(self, message: str, **fields: Any) -> None:
        self.emit("warn", "log", message=message, **fields)

    def progress(self, dataset: str, step: str, fraction: float) -> None:
        self.emit("info", "progress", dataset=dataset, step=step, fraction=fraction)
