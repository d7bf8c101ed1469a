"""The supervisor: one process that owns the emulator's servers.

It binds a listening socket per server on 127.0.0.1 (a free port each) and hands it to the server's
child process, so a restarted server serves on the same port and a client's connection waits in the
socket's queue meanwhile. It writes emulator.json once every server answers, restarts a server that
exits and logs that it did, and stops everything on SIGTERM/SIGINT, when its owner process exits
(--owner-pid), or after an idle time with no request to any server and no Glue run going."""

from __future__ import annotations

import fcntl
import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from claims_emulator.activity import last_activity
from claims_emulator.snowflake.logins import USERS_ENV
from claims_emulator.state import SERVERS, StateDir, remove_record, write_record

READY_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 25.0
# a server that keeps crashing is restarted at most this often
_RESTART_BACKOFF_SECONDS = (0.0, 1.0, 2.0, 5.0, 10.0)
_STABLE_AFTER_SECONDS = 60.0
EXIT_ALREADY_RUNNING = 3
_MODULES = {"aws": "claims_emulator.aws_server", "snowflake": "claims_emulator.snowflake.server", "snowflake_node": "claims_emulator.snowflake.node_adapter"}


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class Settings:
    state: StateDir
    idle_timeout: float
    statement_timeout: float
    owner_pid: int | None = None


@dataclass
class Child:
    name: str
    sock: socket.socket
    proc: subprocess.Popen[bytes] | None = None
    started_at: str = ""
    restarts: int = 0
    last_start: float = 0.0
    crashes_in_a_row: int = 0
    log: IO[bytes] | None = field(default=None, repr=False)

    @property
    def port(self) -> int:
        return int(self.sock.getsockname()[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class Supervisor:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.state = settings.state
        self._stop = threading.Event()
        self._stop_reason = ""
        self._log = self.state.log.open("a", encoding="utf-8")
        self._started = time.time()
        self._started_iso = _now_iso()
        self.children = {name: Child(name, _listen()) for name in SERVERS}
        # the Snowflake server's users and passwords go to it alone, not to moto or the Glue runs
        self._snowflake_users = os.environ.pop(USERS_ENV, "")

    def _argv(self, child: Child) -> list[str]:
        argv = [sys.executable, "-m", _MODULES[child.name], "--fd", str(child.sock.fileno()), "--state", str(self.state.root)]
        limit = self.settings.statement_timeout
        if child.name == "aws":
            return [*argv, "--endpoint", child.url]
        if child.name == "snowflake":
            return [*argv, "--statement-timeout", f"{limit:g}"]
        # the adapter waits a little longer than the snowflake server's own limit, which answers first
        return [*argv, "--upstream", self.children["snowflake"].url, "--timeout", f"{limit + 2:g}"]

    # -- log and record --------------------------------------------------------------------------

    def log(self, message: str) -> None:
        self._log.write(f"{_now_iso()} {message}\n")
        self._log.flush()

    def record(self) -> dict[str, object]:
        aws, snowflake, node = self.children["aws"], self.children["snowflake"], self.children["snowflake_node"]
        return {
            "pid": os.getpid(),
            "started_at": self._started_iso,
            "state_dir": str(self.state.root),
            "log": str(self.state.log),
            "idle_timeout_seconds": self.settings.idle_timeout,
            "statement_timeout_seconds": self.settings.statement_timeout,
            "endpoints": {"s3": aws.url, "glue": aws.url, "logs": aws.url, "snowflake_node": node.url, "snowflake_python": snowflake.url},
            "servers": {
                c.name: {"pid": c.proc.pid if c.proc else None, "port": c.port, "started_at": c.started_at, "restarts": c.restarts, "log": str(self.state.server_log(c.name))}
                for c in self.children.values()
            },
        }

    # -- servers ---------------------------------------------------------------------------------

    def _spawn(self, child: Child) -> None:
        if child.log is None:
            child.log = self.state.server_log(child.name).open("ab")
        env = {**os.environ, **({USERS_ENV: self._snowflake_users} if child.name == "snowflake" and self._snowflake_users else {}), "PYTHONPATH": os.pathsep.join(p for p in (str(Path(__file__).resolve().parents[1]), os.environ.get("PYTHONPATH", "")) if p), "PYTHONUNBUFFERED": "1"}
        child.proc = subprocess.Popen(self._argv(child), pass_fds=[child.sock.fileno()], stdin=subprocess.DEVNULL, stdout=child.log, stderr=subprocess.STDOUT, env=env)  # noqa: S603
        child.started_at = _now_iso()
        child.last_start = time.monotonic()

    def _wait_ready(self, child: Child, deadline: float) -> bool:
        """True once the server answers any HTTP request on its port."""
        while time.monotonic() < deadline and not self._stop.is_set():
            if child.proc is None or child.proc.poll() is not None:
                return False
            conn = http.client.HTTPConnection("127.0.0.1", child.port, timeout=2)
            try:
                conn.request("GET", "/", headers={"User-Agent": "claims-emulator-supervisor"})
                conn.getresponse().read()
                return True
            except OSError:
                time.sleep(0.2)
            finally:
                conn.close()
        return False

    def _restart(self, child: Child) -> None:
        assert child.proc is not None
        code = child.proc.returncode
        uptime = time.monotonic() - child.last_start
        child.crashes_in_a_row = 0 if uptime > _STABLE_AFTER_SECONDS else child.crashes_in_a_row + 1
        delay = _RESTART_BACKOFF_SECONDS[min(child.crashes_in_a_row, len(_RESTART_BACKOFF_SECONDS) - 1)]
        lost = " moto keeps S3, Glue and CloudWatch Logs in memory: what the previous process held is gone." if child.name == "aws" else ""
        self.log(f"server {child.name} (pid {child.proc.pid}) exited with code {code} after {uptime:.0f} s; restarting it{f' in {delay:g} s' if delay else ''}.{lost}")
        if delay and self._stop.wait(delay):
            return
        child.restarts += 1
        self._spawn(child)
        if self._wait_ready(child, time.monotonic() + READY_TIMEOUT_SECONDS):
            self.log(f"server {child.name} restarted (pid {child.proc.pid}, port {child.port}, restart {child.restarts})")
        else:
            self.log(f"server {child.name} did not come back within {READY_TIMEOUT_SECONDS:g} s (see {self.state.server_log(child.name)})")
        write_record(self.state, self.record())

    # -- life ------------------------------------------------------------------------------------

    def request_stop(self, reason: str) -> None:
        if not self._stop.is_set():
            self._stop_reason = reason
            self._stop.set()

    def run(self) -> int:
        self.log(f"starting (pid {os.getpid()}, state {self.state.root}, idle timeout {self.settings.idle_timeout:g} s)")
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        for child in self.children.values():
            self._spawn(child)
        for child in self.children.values():
            if not self._wait_ready(child, deadline):
                self.log(f"server {child.name} did not start (see {self.state.server_log(child.name)}); stopping")
                self._shutdown()
                return 1
        write_record(self.state, self.record())
        self.log("ready: " + ", ".join(f"{c.name} on port {c.port} (pid {c.proc.pid if c.proc else '?'})" for c in self.children.values()))

        while not self._stop.wait(0.5):
            for child in self.children.values():
                if child.proc is not None and child.proc.poll() is not None and not self._stop.is_set():
                    self._restart(child)
            idle_for = time.time() - last_activity(self.state.activity, since=self._started)
            if idle_for > self.settings.idle_timeout:
                self.request_stop(f"idle for {idle_for:.0f} s (no request to any server, no Glue run)")
            if self.settings.owner_pid and not _alive(self.settings.owner_pid):
                self.request_stop(f"its owner process {self.settings.owner_pid} exited")
        self._shutdown()
        return 0

    def _shutdown(self) -> None:
        self.log(f"stopping: {self._stop_reason or 'start-up failed'}")
        for child in self.children.values():
            if child.proc is not None and child.proc.poll() is None:
                child.proc.terminate()
        deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
        for child in self.children.values():
            if child.proc is None:
                continue
            try:
                child.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.log(f"server {child.name} (pid {child.proc.pid}) did not stop within {STOP_TIMEOUT_SECONDS:g} s; killing it")
                child.proc.kill()
                child.proc.wait()
        remove_record(self.state, os.getpid())
        self.log("stopped")


def _listen() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def serve(settings: Settings) -> int:
    state = settings.state
    lock = state.lock.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"an emulator already runs on {state.root} (see {state.record})", file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    supervisor = Supervisor(settings)
    signal.signal(signal.SIGTERM, lambda *_: supervisor.request_stop("SIGTERM"))
    signal.signal(signal.SIGINT, lambda *_: supervisor.request_stop("SIGINT"))
    try:
        return supervisor.run()
    finally:
        lock.close()
