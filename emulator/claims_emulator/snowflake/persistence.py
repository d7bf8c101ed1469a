"""fakesnow with its state on disk. fakesnow keeps each Snowflake database in a DuckDB file when
given a folder, but its server mode never passes one, and it keeps `_fs_global` (stages, file
formats, column lengths, comments) in memory. Here the server's shared instance keeps both under the
emulator's state folder, re-attaches every database file at start, and internal stages store their
files there too, so a restart keeps the data."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fakesnow import info_schema, macros
from fakesnow.instance import GLOBAL_DATABASE_NAME, FakeSnow
from fakesnow.transforms import show, stage

_PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return name if _PLAIN_IDENTIFIER.match(name) else '"' + name.replace('"', '""') + '"'


class PersistentFakeSnow(FakeSnow):
    def __init__(self, databases: Path) -> None:
        super().__init__(db_path=databases)
        conn = self.duck_conn
        conn.execute(f"DETACH {GLOBAL_DATABASE_NAME}")
        conn.execute(f"ATTACH {_sql_string(str(databases / (GLOBAL_DATABASE_NAME + '.db')))} AS {GLOBAL_DATABASE_NAME}")
        conn.execute(info_schema.fs_global_creation_sql())
        conn.execute(show.fs_global_creation_sql())
        for file in sorted(databases.glob("*.db")):
            if file.stem == GLOBAL_DATABASE_NAME:
                continue
            name = _identifier(file.stem)
            # as fakesnow attaches a database it creates (conn.py), its views and macros included
            conn.execute(f"ATTACH IF NOT EXISTS {_sql_string(str(file))} AS {name}")
            conn.execute(info_schema.per_db_creation_sql(file.stem))
            conn.execute(macros.creation_sql(file.stem))

    def databases(self) -> list[str]:
        rows = self.duck_conn.execute("SELECT database_name FROM duckdb_databases() WHERE NOT internal AND database_name <> 'memory'").fetchall()
        return [r[0] for r in rows]

    def close(self) -> None:
        """Checkpoints every attached file so the next start reads it without a WAL replay."""
        for name in self.databases():
            self.duck_conn.execute(f"CHECKPOINT {_identifier(name)}")
        self.duck_conn.close()


def use_stage_folder(folder: Path) -> None:
    """Internal stages keep their files in `folder` instead of fakesnow's per-process temp folder."""
    created_at_import = stage.LOCAL_BUCKET_PATH
    stage.LOCAL_BUCKET_PATH = str(folder)
    if Path(created_at_import).name.startswith("fakesnow_bucket_") and created_at_import != str(folder):
        shutil.rmtree(created_at_import, ignore_errors=True)
