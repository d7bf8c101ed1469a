"""python -m claims_emulator serve --state DIR [--idle-timeout SECONDS] [--statement-timeout SECONDS] [--owner-pid PID]"""

from __future__ import annotations

import argparse
import sys

from claims_emulator.state import StateDir
from claims_emulator.supervisor import Settings, serve

DEFAULT_IDLE_TIMEOUT_SECONDS = 30 * 60
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 120.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m claims_emulator", description="The cloud emulator: moto (S3, Glue, CloudWatch Logs) and fakesnow on loopback.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="start the servers and supervise them until stopped")
    serve_cmd.add_argument("--state", required=True, help="state folder: emulator.json, logs, Snowflake databases")
    serve_cmd.add_argument("--idle-timeout", type=float, default=DEFAULT_IDLE_TIMEOUT_SECONDS, help="stop after this many seconds without a request (default: 30 minutes)")
    serve_cmd.add_argument("--statement-timeout", type=float, default=DEFAULT_STATEMENT_TIMEOUT_SECONDS, help="longest a Snowflake statement may run, in seconds (default: 120)")
    serve_cmd.add_argument("--owner-pid", type=int, help="stop when this process exits (a test run)")
    args = parser.parse_args(argv)
    if args.idle_timeout <= 0 or args.statement_timeout <= 0:
        parser.error("--idle-timeout and --statement-timeout must be positive")
    return serve(Settings(state=StateDir.create(args.state), idle_timeout=args.idle_timeout, statement_timeout=args.statement_timeout, owner_pid=args.owner_pid))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
