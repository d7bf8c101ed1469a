"""The state folder of one emulator: where each file lives, and emulator.json, the record clients
read to find the servers. One owner for the layout; every other module asks here."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVERS = ("aws", "snowflake", "snowflake_node")


@dataclass(frozen=True)
class StateDir:
    root: Path

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> StateDir:
        state = cls(Path(root).expanduser().resolve())
        for folder in (state.root, state.logs, state.activity, state.snowflake_databases, state.snowflake_stages, state.glue_runs):
            folder.mkdir(parents=True, exist_ok=True)
        return state

    @property
    def record(self) -> Path:
        """emulator.json: pid, endpoints and servers of the running supervisor."""
        return self.root / "emulator.json"

    @property
    def lock(self) -> Path:
        """Held (flock) by the running supervisor for its whole life: one emulator per state folder."""
        return self.root / "supervisor.lock"

    @property
    def log(self) -> Path:
        """The supervisor's own log: starts, crashes and restarts, idle shutdown."""
        return self.root / "emulator.log"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    def server_log(self, name: str) -> Path:
        return self.logs / f"{name}.log"

    @property
    def activity(self) -> Path:
        """One file per server, touched on requests; the supervisor's idle clock reads their times."""
        return self.root / "activity"

    def activity_marker(self, name: str) -> Path:
        return self.activity / name

    @property
    def snowflake_databases(self) -> Path:
        """fakesnow's database files (one DuckDB file per Snowflake database, plus _fs_global)."""
        return self.root / "snowflake" / "databases"

    @property
    def snowflake_stages(self) -> Path:
        """The files of internal stages (PUT targets)."""
        return self.root / "snowflake" / "stages"

    @property
    def glue_runs(self) -> Path:
        """Working folders of Glue job runs in progress (script, extra files); removed when a run ends."""
        return self.root / "glue-runs"

    @property
    def spark_conf(self) -> Path:
        """SPARK_CONF_DIR of the job runs: spark-defaults.conf wiring s3:// and s3a:// to the emulated S3."""
        return self.root / "spark-conf"


def write_record(state: StateDir, record: dict[str, Any]) -> None:
    """Replaces emulator.json atomically: a reader sees the old record or the new one, never half."""
    fd, tmp = tempfile.mkstemp(dir=state.root, prefix=".emulator.", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    os.replace(tmp, state.record)


def read_record(state: StateDir) -> dict[str, Any] | None:
    try:
        return json.loads(state.record.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def remove_record(state: StateDir, pid: int) -> None:
    """Removes emulator.json if it still describes supervisor `pid`."""
    record = read_record(state)
    if record is not None and record.get("pid") == pid:
        state.record.unlink(missing_ok=True)
