"""Runs a previous aws server left behind. A server that crashed (or was killed) could not stop its
runs; their working folders are still there with the process group id. A new server ends those
process groups and removes the folders before it serves, so no orphaned script or JVM keeps going."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Callable
from pathlib import Path

from claims_emulator.glue.execution import PID_FILE


def _command_line(pid: int) -> str:
    proc = Path(f"/proc/{pid}/cmdline")
    if proc.parent.parent.is_dir() and Path("/proc/self").exists():
        try:
            return proc.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return ""
    r = subprocess.run(["ps", "-p", str(pid), "-o", "command="], capture_output=True, text=True, check=False)  # noqa: S607
    return r.stdout


def end_leftover_runs(workroot: Path, log: Callable[[str], None] = print) -> int:
    ended = 0
    for workdir in sorted(p for p in workroot.iterdir() if p.is_dir()) if workroot.is_dir() else ():
        pid_file = workdir / PID_FILE
        if pid_file.is_file():
            pid = int(pid_file.read_text(encoding="utf-8").strip() or 0)
            # only the group whose leader still runs this run's script: pids are reused
            if pid > 0 and str(workdir) in _command_line(pid):
                try:
                    os.killpg(pid, signal.SIGKILL)
                    ended += 1
                    log(f"ended the process group {pid} of run {workdir.name}, left behind by a previous aws server")
                except (ProcessLookupError, PermissionError):
                    pass
        shutil.rmtree(workdir, ignore_errors=True)
    return ended
