"""The `snowflake` server: fakesnow, persisted under the state folder, behind SnowflakeGuard. The
Python connector (dbt-snowflake) talks to it directly (host, port, protocol=http).

    python -m claims_emulator.snowflake.server --fd N --state DIR --statement-timeout SECONDS
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path

from claims_emulator.activity import ActivityMarker
from claims_emulator.lifeline import watch_parent
from claims_emulator.state import StateDir


def _stage_file_route(stage_root: Path):  # noqa: ANN202 - a starlette Route
    """GET/HEAD of an internal-stage file at its upload URL: the Node driver asks whether the file is
    there before it uploads (fakesnow answers only PUT there)."""
    from starlette.requests import Request
    from starlette.responses import FileResponse, Response
    from starlette.routing import Route

    async def stage_file(request: Request) -> Response:
        target = os.path.normpath(os.path.join(stage_root, request.path_params["path"]))
        if not target.startswith(str(stage_root) + os.sep) or not os.path.isfile(target):
            return Response(status_code=404)
        return FileResponse(target)

    return Route("/fs_bucket/{path:path}", stage_file, methods=["GET", "HEAD"])


def _uvicorn_server_class():  # noqa: ANN202
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn re-raises a captured SIGTERM after shutting down, which would kill the process
        before the databases are checkpointed; this server leaves signals to main()."""

        @contextlib.contextmanager
        def capture_signals(self):  # noqa: ANN202
            yield

    return Server


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="claims_emulator.snowflake.server")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--statement-timeout", type=float, required=True)
    args = parser.parse_args(argv)
    state = StateDir.create(args.state)

    import fakesnow.server
    import uvicorn

    _Server = _uvicorn_server_class()  # noqa: N806

    from claims_emulator.snowflake import copy_paths, table_comments
    from claims_emulator.snowflake.guard import SnowflakeGuard, remember_fakesnow_errors
    from claims_emulator.snowflake.logins import LoginCheck, users_from_environment
    from claims_emulator.snowflake.persistence import PersistentFakeSnow, use_stage_folder

    use_stage_folder(state.snowflake_stages)
    copy_paths.install()
    table_comments.install()
    instance = PersistentFakeSnow(state.snowflake_databases)
    fakesnow.server.shared_fs = instance  # sessions without FAKESNOW_DB_PATH use the persisted one
    fakesnow.server.app.router.routes.append(_stage_file_route(state.snowflake_stages))

    def interrupt(token: str) -> None:
        if conn := fakesnow.server.sessions.get(token):
            conn._duck_conn.interrupt()  # noqa: SLF001 - the session's DuckDB connection runs the statement

    users = users_from_environment(os.environ)
    app = SnowflakeGuard(LoginCheck(fakesnow.server.app, users), ActivityMarker(state.activity_marker("snowflake")), args.statement_timeout, interrupt)
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="off", timeout_graceful_shutdown=5))
    remember_fakesnow_errors()

    def stop(*_: object) -> None:
        server.should_exit = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    watch_parent(stop)
    sock = socket.socket(fileno=args.fd)
    checked = f", passwords checked for {len(users)} user(s)" if users else ""
    print(f"snowflake server (fakesnow) serving on 127.0.0.1:{sock.getsockname()[1]}, databases in {state.snowflake_databases}{checked}", flush=True)
    try:
        server.run(sockets=[sock])
    finally:
        instance.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
