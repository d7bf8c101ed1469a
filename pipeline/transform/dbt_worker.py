"""The app's long-lived dbt process (pipeline/transform/dbt-worker.ts owns it).

A one-shot `dbt build` spends about 3 s importing dbt before it reads the project; this process
imports it once and then runs one build per request through dbt's programmatic runner. Each build
still parses the project (partially, from target/partial_parse.msgpack), so a model edited between
runs is picked up as the CLI would.

Protocol: one JSON request per line on stdin, {"args": [...], "cwd": "...", "env": {...}}. dbt's
own log goes to stdout exactly as the CLI prints it; after each build one line
{"dbt_worker": {"success": bool, "error": str | null}}. The process ends when stdin closes (its
owner stopped it or died).
"""

from __future__ import annotations

import json
import logging
import os
import sys

from dbt.cli.main import dbtRunner


def release_duckdb() -> None:
    """dbt-duckdb keeps its database open in a class attribute for the life of the process, and
    with it DuckDB's lock on the file: the next run's load stage could not open the warehouse.
    The CLI lets it go by exiting; here it is closed after each build."""
    connections = sys.modules.get("dbt.adapters.duckdb.connections")
    if connections is None:
        return
    manager = connections.DuckDBConnectionManager
    with manager._LOCK:
        if manager._ENV is not None:
            manager._ENV.close()
            manager._ENV = None


def build(request: dict) -> dict:
    env = request["env"]
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    os.chdir(request["cwd"])
    try:
        result = dbtRunner().invoke(request["args"])
    finally:
        release_duckdb()
        # one build's variables (a batch scope, a warehouse) must not reach the next
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    error = None if result.exception is None else f"{type(result.exception).__name__}: {result.exception}"
    return {"success": bool(result.success), "error": error}


def main() -> None:
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            outcome = build(json.loads(line))
        except Exception as err:  # a bad request or a failure outside dbt's runner: report, keep serving
            outcome = {"success": False, "error": f"{type(err).__name__}: {err}"}
        sys.stdout.flush()
        print(json.dumps({"dbt_worker": outcome}), flush=True)


if __name__ == "__main__":
    main()
    # stdin closed: every build has written its files and let the warehouse go, so the half second
    # of the interpreter tearing dbt's modules down is skipped (the CLI waits for this exit)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
