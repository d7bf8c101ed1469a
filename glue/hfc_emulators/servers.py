"""Protocol emulators on loopback: a moto server (S3, Secrets Manager, SSM, Glue's control plane) and
a fakesnow server (Snowflake). Each runs as a child process on a free 127.0.0.1 port, is ready when
it answers HTTP, logs into a file under its state folder, and is stopped by its PID (SIGINT, then
SIGTERM, then SIGKILL), never by name.

The Glue job tests start one of each per test session (glue/tests/conftest.py); the same launcher
is meant for the product's emulator supervisor.

    python -m hfc_emulators.servers moto --state /tmp/emulator     # prints {"service": ..., "url": ..., "pid": ...}
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

HOST = "127.0.0.1"


class EmulatorError(RuntimeError):
    """An emulator did not start; the message includes the tail of its log."""


def free_port() -> int:
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def answers_http(url: str) -> bool:
    """True when something answers HTTP at `url` (any status)."""
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL we built
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@dataclass
class LoopbackServer:
    """A running emulator process."""

    service: str
    url: str
    port: int
    process: subprocess.Popen
    log_path: Path
    _log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        """Stops the process by its PID, asking politely first."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            os.kill(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                continue
        if self._log is not None:
            self._log.close()
            self._log = None


def start(service: str, command: Callable[[int], Sequence[str]], state_dir: Path, probe_path: str = "/", timeout: float = 60, env: dict[str, str] | None = None) -> LoopbackServer:
    """Starts `command(port)` on a free loopback port and waits until it answers HTTP."""
    state_dir.mkdir(parents=True, exist_ok=True)
    last = ""
    for _attempt in range(3):  # a port found free can be taken before the server binds it
        port = free_port()
        log_path = state_dir / f"{service}.log"
        log = log_path.open("ab")
        process = subprocess.Popen(list(command(port)), stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=state_dir, env={**os.environ, **(env or {})})
        server = LoopbackServer(service, f"http://{HOST}:{port}", port, process, log_path, log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            if answers_http(server.url + probe_path):
                return server
            time.sleep(0.2)
        last = server.log_tail()
        server.stop()
    raise EmulatorError(f"The {service} emulator did not answer on {HOST} within {timeout:.0f} s. Its log ({state_dir / (service + '.log')}):\n{last}")


def start_moto(state_dir: Path, python: str = sys.executable, timeout: float = 60) -> LoopbackServer:
    """moto's server (S3, Secrets Manager, SSM, Glue control plane) on loopback."""
    return start("moto", lambda port: [python, "-m", "moto.server", "-H", HOST, "-p", str(port)], state_dir, "/moto-api/", timeout)


def start_fakesnow(state_dir: Path, python: str = sys.executable, timeout: float = 60) -> LoopbackServer:
    """The fakesnow server (Snowflake's REST protocol over an embedded DuckDB) on loopback."""
    return start("fakesnow", lambda port: [python, "-m", "fakesnow", "-s", "-p", str(port), "--host", HOST], state_dir, "/", timeout)


STARTERS = {"moto": start_moto, "fakesnow": start_fakesnow}


@contextlib.contextmanager
def running(service: str, state_dir: Path) -> Iterator[LoopbackServer]:
    server = STARTERS[service](state_dir)
    try:
        yield server
    finally:
        server.stop()


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m hfc_emulators.servers", description="Run one emulator on loopback until interrupted.")
    parser.add_argument("service", choices=sorted(STARTERS))
    parser.add_argument("--state", required=True, type=Path, help="folder for the emulator's log (and state)")
    args = parser.parse_args(argv)
    stop = False

    def request_stop(_signum: int, _frame: object) -> None:
        nonlocal stop
        stop = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    with running(args.service, args.state) as server:
        print(json.dumps({"service": server.service, "url": server.url, "pid": server.pid, "log": str(server.log_path)}), flush=True)
        while not stop and server.process.poll() is None:
            time.sleep(0.2)
        return 0 if stop else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
