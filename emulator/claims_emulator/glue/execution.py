"""One Glue job run, executed for real: the script runs as a child process (its own process group,
so a stop reaches the JVM PySpark starts too), its stdout and stderr go line by line to the run's
log streams, and the run's state, timings and error message are what that process did."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Literal, Protocol

from moto.core.utils import utcnow

from claims_emulator.glue.job_files import Fetch, JobFileError, prepare

STARTING, RUNNING, STOPPING, STOPPED, SUCCEEDED, FAILED, TIMEOUT = (
    "STARTING", "RUNNING", "STOPPING", "STOPPED", "SUCCEEDED", "FAILED", "TIMEOUT",
)
ACTIVE_STATES = frozenset({STARTING, RUNNING, STOPPING})

PID_FILE = "run.pid"
# a run reads no shared AWS config or credentials; the files exist (empty) because the Java SDK
# behind Spark's S3A connector logs a stack trace for every missing one
AWS_CONFIG_FILE, AWS_CREDENTIALS_FILE = "aws-config", "aws-credentials"
# how long a stopped or timed-out script gets between SIGTERM and SIGKILL
STOP_GRACE_SECONDS = 10.0
# the last lines of stderr kept to find the script's error
_ERROR_TAIL_LINES = 400
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Failure)\b.*")


class LogSink(Protocol):
    def write(self, stream: Literal["output", "error"], line: str) -> None: ...


@dataclass(frozen=True)
class RunSpec:
    job_name: str
    run_id: str
    script_location: str | None
    # DefaultArguments, then the run's Arguments, then NonOverridableArguments, as Glue merges them
    arguments: dict[str, str]
    timeout_minutes: int | None
    region: str


@dataclass(frozen=True)
class Runtime:
    """What every job run of one emulator shares: the Python to run scripts on, where runs work, and
    the emulated AWS endpoint the script's SDKs and Spark's S3A connector are pointed at."""

    python: str
    workroot: Path
    endpoint: str
    spark_conf_dir: Path

    def environment(self, region: str, python_path: list[Path], workdir: Path) -> dict[str, str]:
        # Nothing of the caller's AWS or Snowflake setup leaks into a job: it gets the emulator's
        # endpoint and dummy credentials only, as a Glue job gets its role's.
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SNOWFLAKE_")) and k != "PYTHONPATH"}
        env.update(
            {
                "AWS_ENDPOINT_URL": self.endpoint,
                "AWS_ENDPOINT_URL_S3": self.endpoint,
                "AWS_ACCESS_KEY_ID": "emulator",
                "AWS_SECRET_ACCESS_KEY": "emulator",
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                # empty shared config and credentials files (see empty_aws_files)
                "AWS_CONFIG_FILE": str(workdir / AWS_CONFIG_FILE),
                "AWS_SHARED_CREDENTIALS_FILE": str(workdir / AWS_CREDENTIALS_FILE),
                "SPARK_LOCAL_IP": "127.0.0.1",
                "SPARK_CONF_DIR": str(self.spark_conf_dir),
                "PYSPARK_PYTHON": self.python,
                "PYSPARK_DRIVER_PYTHON": self.python,
                "PYTHONUNBUFFERED": "1",
            }
        )
        if python_path:
            env["PYTHONPATH"] = os.pathsep.join(str(p) for p in python_path)
        return env


def script_argv(spec: RunSpec) -> list[str]:
    """sys.argv[1:] as Glue passes it: the run's identity, then every argument as `--key value`."""
    job_id = "j_" + hashlib.sha256(spec.job_name.encode()).hexdigest()[:64]
    argv = ["--JOB_ID", job_id, "--JOB_RUN_ID", spec.run_id, "--JOB_NAME", spec.job_name]
    for key, value in spec.arguments.items():
        if key in ("--JOB_ID", "--JOB_RUN_ID", "--JOB_NAME"):
            continue
        argv += [key, value]
    return argv


def error_message(stderr_tail: list[str], returncode: int) -> str:
    """The script's error as Glue reports it: the exception line of the last traceback, else the
    last line the script wrote to stderr, else its exit code."""
    last_traceback = max((i for i, line in enumerate(stderr_tail) if line.startswith("Traceback (most recent call last)")), default=None)
    if last_traceback is not None:
        for line in reversed(stderr_tail[last_traceback + 1 :]):
            if _EXCEPTION_LINE.match(line):
                return line[:2048]
    for line in reversed(stderr_tail):
        if line.strip():
            return line.strip()[:2048]
    return f"the job script exited with code {returncode}"


class Execution:
    def __init__(self, spec: RunSpec, runtime: Runtime, fetch: Fetch, sink: LogSink, on_activity: Callable[[], None]) -> None:
        self.spec = spec
        self._runtime = runtime
        self._fetch = fetch
        self._sink = sink
        self._on_activity = on_activity
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._stop_requested = False
        self._timed_out = False
        self.state = STARTING
        self.started_on: datetime = utcnow()
        self.modified_on: datetime = self.started_on
        self.running_since: datetime | None = None
        self.completed_on: datetime | None = None
        self.error_message: str | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def start(self) -> None:
        threading.Thread(target=self._run, name=f"glue-run-{self.spec.run_id[:12]}", daemon=True).start()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    def execution_seconds(self) -> int:
        if self.running_since is None:
            return 0
        end = self.completed_on or utcnow()
        return max(0, round((end - self.running_since).total_seconds()))

    def stop(self) -> bool:
        """Asks the run to stop (BatchStopJobRun). False when it has already ended."""
        with self._lock:
            if self.state not in ACTIVE_STATES:
                return False
            self._stop_requested = True
            if self._proc is None:
                return True  # not started yet: the run thread ends it STOPPED before spawning
            self._set_state(STOPPING)
        self._terminate()
        return True

    # -- the run thread --------------------------------------------------------------------------

    def _set_state(self, state: str) -> None:
        self.state = state
        self.modified_on = utcnow()

    def _finish(self, state: str, message: str | None = None) -> None:
        with self._lock:
            self.error_message = message
            self.completed_on = utcnow()
            self._set_state(state)

    def _run(self) -> None:
        workdir = self._runtime.workroot / self.spec.run_id
        try:
            self._execute(workdir)
        except Exception as e:  # noqa: BLE001 - any failure of the emulator itself ends the run FAILED, with its reason
            self._sink.write("error", f"emulator: the run could not be executed: {e!r}")
            self._finish(FAILED, f"the emulator could not execute the run: {e}")
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
            self._done.set()

    def _execute(self, workdir: Path) -> None:
        try:
            prepared = prepare(workdir, self.spec.script_location, self.spec.arguments, self._fetch)
        except JobFileError as e:
            self._sink.write("error", str(e))
            self._finish(FAILED, str(e))
            return
        for name in (AWS_CONFIG_FILE, AWS_CREDENTIALS_FILE):
            (workdir / name).touch()
        env = self._runtime.environment(self.spec.region, prepared.python_path, workdir)
        with self._lock:
            if self._stop_requested:
                self._proc = None
            else:
                self._proc = subprocess.Popen(  # noqa: S603 - the job's own script on the project's Python
                    [self._runtime.python, str(prepared.script), *script_argv(self.spec)],
                    cwd=workdir,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,
                )
                # leftovers.py finds the process group here if this server dies before the run ends
                (workdir / PID_FILE).write_text(str(self._proc.pid), encoding="utf-8")
                self.running_since = utcnow()
                self._set_state(RUNNING)
        if self._proc is None:
            self._finish(STOPPED, "the run was stopped before it started")
            return

        stderr_tail: deque[str] = deque(maxlen=_ERROR_TAIL_LINES)
        pumps = [
            threading.Thread(target=self._pump, args=(self._proc.stdout, "output", None), daemon=True),
            threading.Thread(target=self._pump, args=(self._proc.stderr, "error", stderr_tail), daemon=True),
        ]
        for pump in pumps:
            pump.start()
        returncode = self._wait_for_exit(self._proc)
        for pump in pumps:
            pump.join(timeout=5)
        self._kill_group(signal.SIGKILL)  # whatever the script left behind (a JVM, a subprocess)

        if self._stop_requested:
            self._finish(STOPPED, "the run was stopped (BatchStopJobRun)")
        elif self._timed_out:
            self._finish(TIMEOUT, f"the run exceeded its timeout of {self.spec.timeout_minutes} minutes and was stopped")
        elif returncode == 0:
            self._finish(SUCCEEDED)
        else:
            self._finish(FAILED, error_message(list(stderr_tail), returncode))

    def _wait_for_exit(self, proc: subprocess.Popen[bytes]) -> int:
        deadline = None
        if self.spec.timeout_minutes:
            deadline = (self.running_since or utcnow()).timestamp() + self.spec.timeout_minutes * 60
        while True:
            try:
                return proc.wait(timeout=1.0)
            except subprocess.TimeoutExpired:
                # a run in progress keeps the emulator awake, polled or not
                self._on_activity()
                if deadline is not None and not self._timed_out and utcnow().timestamp() > deadline:
                    self._timed_out = True
                    self._terminate()

    def _pump(self, pipe: IO[bytes] | None, stream: Literal["output", "error"], tail: deque[str] | None) -> None:
        assert pipe is not None
        for raw in iter(pipe.readline, b""):
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if tail is not None:
                tail.append(line)
            if line.strip():  # CloudWatch refuses empty messages
                self._sink.write(stream, line)
        pipe.close()

    def _terminate(self) -> None:
        self._kill_group(signal.SIGTERM)

        def escalate() -> None:
            if self._proc is not None and self._proc.poll() is None:
                self._kill_group(signal.SIGKILL)

        timer = threading.Timer(STOP_GRACE_SECONDS, escalate)
        timer.daemon = True
        timer.start()

    def _kill_group(self, sig: signal.Signals) -> None:
        if self._proc is None:
            return
        try:
            os.killpg(self._proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass
