"""The `aws` server: moto for S3, Glue and CloudWatch Logs, with the Glue job runs made real
(claims_emulator.glue), serving on a listening socket the supervisor hands over (--fd), so its port
stays the same across restarts.

    python -m claims_emulator.aws_server --fd N --state DIR --endpoint http://127.0.0.1:PORT
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any

from claims_emulator.activity import ActivityMarker
from claims_emulator.lifeline import watch_parent
from claims_emulator.s3_writes import serialize_object_writes
from claims_emulator.state import StateDir

# how long the runs of a stopping server get to end before it exits anyway
_SHUTDOWN_GRACE_SECONDS = 15.0


def _with_activity(app: Callable[..., Iterable[bytes]], marker: ActivityMarker) -> Callable[..., Iterable[bytes]]:
    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        marker.touch()
        return app(environ, start_response)

    return wrapped


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="claims_emulator.aws_server")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--state", required=True)
    parser.add_argument("--endpoint", required=True, help="this server's URL, for the job runs' SDKs and Spark")
    args = parser.parse_args(argv)
    state = StateDir.create(args.state)

    import logging

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    from claims_emulator.glue.execution import Runtime
    from claims_emulator.glue.leftovers import end_leftover_runs
    from claims_emulator.glue.moto_actions import GlueRuns, install
    from claims_emulator.glue.spark_defaults import write_spark_conf_dir

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log line per request
    marker = ActivityMarker(state.activity_marker("aws"))
    end_leftover_runs(state.glue_runs, log=lambda line: print(line, flush=True))
    write_spark_conf_dir(state.spark_conf, args.endpoint)
    runs = GlueRuns(Runtime(python=sys.executable, workroot=state.glue_runs, endpoint=args.endpoint, spark_conf_dir=state.spark_conf), marker.touch)
    install(runs)

    app = _with_activity(serialize_object_writes(DomainDispatcherApplication(create_backend_app)), marker)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=MotoRequestHandler, fd=args.fd)

    def shutdown(*_: object) -> None:
        # serve_forever must be stopped from another thread than the one serving
        def stop() -> None:
            runs.stop_all(_SHUTDOWN_GRACE_SECONDS)
            server.shutdown()

        threading.Thread(target=stop, name="shutdown", daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    watch_parent(shutdown)
    print(f"aws server (moto) serving on {args.endpoint}", flush=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
