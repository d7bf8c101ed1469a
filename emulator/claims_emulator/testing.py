"""A running emulator for Python tests (this package's, the Glue jobs', dbt's): starts
`python -m claims_emulator serve` on a state folder, waits until every server answers, hands out
client settings, and stops it by its process id at the end. One per test session: start-up costs a
few seconds.

    with running_emulator(tmp_path / "emulator", idle_timeout=600) as emu:
        s3 = boto3.client("s3", **emu.aws_client_kwargs())
        conn = snowflake.connector.connect(**emu.snowflake_connect_kwargs(database="DB"))
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]
# the dummy credentials the emulator accepts (moto takes any; fakesnow takes any user and password)
AWS_CREDENTIALS = {"aws_access_key_id": "emulator", "aws_secret_access_key": "emulator"}


@dataclass
class Emulator:
    process: subprocess.Popen[bytes]
    state_dir: Path

    @property
    def record(self) -> dict[str, Any]:
        return json.loads((self.state_dir / "emulator.json").read_text(encoding="utf-8"))

    @property
    def endpoints(self) -> dict[str, str]:
        return self.record["endpoints"]

    def aws_client_kwargs(self, region: str = "us-east-1") -> dict[str, str]:
        """For boto3.client(service, **kwargs): S3, Glue and CloudWatch Logs share one endpoint."""
        return {"endpoint_url": self.endpoints["s3"], "region_name": region, **AWS_CREDENTIALS}

    def aws_environment(self, region: str = "us-east-1") -> dict[str, str]:
        """The AWS SDK variables pointing a child process (a Glue job, the CLI) at the emulator."""
        url = self.endpoints["s3"]
        return {"AWS_ENDPOINT_URL": url, "AWS_ENDPOINT_URL_S3": url, "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_ACCESS_KEY_ID": "emulator", "AWS_SECRET_ACCESS_KEY": "emulator"}

    def snowflake_connect_kwargs(self, **extra: Any) -> dict[str, Any]:
        """For snowflake.connector.connect(**kwargs), straight to fakesnow."""
        url = urlparse(self.endpoints["snowflake_python"])
        return {
            "account": "emulator",
            "user": "emulator",
            "password": "emulator",
            "host": url.hostname,
            "port": url.port,
            "protocol": "http",
            "session_parameters": {"CLIENT_OUT_OF_BAND_TELEMETRY_ENABLED": False},
            **extra,
        }


def _answers(url: str) -> bool:
    parsed = urlparse(url)
    conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=2)
    try:
        conn.request("GET", "/")
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def start_emulator(state_dir: Path, idle_timeout: float = 600, statement_timeout: float | None = None, ready_timeout: float = 90) -> Emulator:
    state_dir.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, "-m", "claims_emulator", "serve", "--state", str(state_dir), "--idle-timeout", f"{idle_timeout:g}", "--owner-pid", str(os.getpid())]
    if statement_timeout is not None:
        argv += ["--statement-timeout", f"{statement_timeout:g}"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")) if p)}
    out = (state_dir / "supervisor.out").open("ab")
    process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env)  # noqa: S603
    out.close()
    emulator = Emulator(process, state_dir)
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the emulator exited with code {process.returncode}: see {state_dir / 'emulator.log'} and {state_dir / 'supervisor.out'}")
        try:
            record = emulator.record
        except (FileNotFoundError, ValueError):
            record = None
        if record and record["pid"] == process.pid and all(_answers(u) for u in set(record["endpoints"].values())):
            return emulator
        time.sleep(0.2)
    stop_emulator(emulator)
    raise RuntimeError(f"the emulator did not answer within {ready_timeout:g} s: see {state_dir / 'emulator.log'}")


def stop_emulator(emulator: Emulator, timeout: float = 40) -> None:
    """SIGTERM to the supervisor (it stops its servers), then SIGKILL if it has not exited in time."""
    if emulator.process.poll() is None:
        emulator.process.send_signal(signal.SIGTERM)
        try:
            emulator.process.wait(timeout)
        except subprocess.TimeoutExpired:
            emulator.process.kill()
            emulator.process.wait()


@contextmanager
def running_emulator(state_dir: Path, **options: Any) -> Iterator[Emulator]:
    emulator = start_emulator(state_dir, **options)
    try:
        yield emulator
    finally:
        stop_emulator(emulator)
