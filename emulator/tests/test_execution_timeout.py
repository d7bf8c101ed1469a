"""A run past its job's Timeout ends TIMEOUT and its process is gone. Glue counts the timeout in
minutes; this drives one Execution directly with a fraction of a minute, the script and the log sink
in memory (the rest of the executor is covered through the emulator in test_glue_runs.py)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from claims_emulator.glue.execution import TIMEOUT, Execution, RunSpec, Runtime


class Lines:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def write(self, stream: str, line: str) -> None:
        self.lines.append((stream, line))


def test_a_run_past_its_timeout_is_stopped(tmp_path: Path) -> None:
    script = b"import os, time\nprint('pid', os.getpid(), flush=True)\ntime.sleep(120)\n"
    spec = RunSpec(job_name="slow", run_id="jr_timeout", script_location="s3://b/slow.py", arguments={}, timeout_minutes=0.03, region="us-east-1")  # type: ignore[arg-type]
    runtime = Runtime(python=sys.executable, workroot=tmp_path, endpoint="http://127.0.0.1:9", spark_conf_dir=tmp_path / "conf")
    sink = Lines()
    execution = Execution(spec, runtime, lambda bucket, key: script, sink, on_activity=lambda: None)
    started = time.monotonic()
    execution.start()
    assert execution.wait(timeout=30)
    assert execution.state == TIMEOUT
    assert execution.error_message == "the run exceeded its timeout of 0.03 minutes and was stopped"
    assert time.monotonic() - started < 15
    pid = int(next(line for stream, line in sink.lines if stream == "output").split()[1])
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive
    assert not (tmp_path / "jr_timeout").exists()  # the working folder is removed when the run ends
