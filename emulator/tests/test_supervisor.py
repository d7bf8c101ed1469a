"""The supervisor restarts a server that dies and says so, refuses a second supervisor on the same
state folder, stops itself when idle, and its servers never outlive it."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from test_snowflake_server import wait_for_restart

from claims_emulator.supervisor import EXIT_ALREADY_RUNNING
from claims_emulator.testing import Emulator, start_emulator, stop_emulator


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_gone(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(_gone(p) for p in pids):
            return True
        time.sleep(0.1)
    return False


def _status(url: str) -> int:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request("GET", "/")
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_killed_server_comes_back_on_its_port_and_the_log_says_so(emulator: Emulator) -> None:
    before = emulator.record["servers"]["snowflake_node"]
    os.kill(before["pid"], signal.SIGKILL)
    after = wait_for_restart(emulator, "snowflake_node", before["pid"])
    assert (after["port"], after["restarts"]) == (before["port"], before["restarts"] + 1)
    assert _status(emulator.endpoints["snowflake_node"]) == 404  # answering again: an unknown path
    log = (emulator.state_dir / "emulator.log").read_text()
    assert f"server snowflake_node (pid {before['pid']}) exited with code -9" in log
    assert f"server snowflake_node restarted (pid {after['pid']}, port {after['port']}, restart {after['restarts']})" in log


def test_a_second_supervisor_on_the_same_state_folder_refuses_to_start(emulator: Emulator) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    second = subprocess.run([sys.executable, "-m", "claims_emulator", "serve", "--state", str(emulator.state_dir)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert second.returncode == EXIT_ALREADY_RUNNING
    assert "an emulator already runs on" in second.stderr
    assert emulator.record["pid"] == emulator.process.pid


def test_an_idle_emulator_stops_itself_and_its_servers(tmp_path: Path) -> None:
    emu = start_emulator(tmp_path / "idle", idle_timeout=3)
    try:
        servers = [s["pid"] for s in emu.record["servers"].values()]
        emu.process.wait(timeout=60)
        assert _wait_gone(servers, 10)
        log = (emu.state_dir / "emulator.log").read_text()
        assert "stopping: idle for" in log
        assert log.rstrip().endswith("stopped")
        assert not (emu.state_dir / "emulator.json").exists()
    finally:
        stop_emulator(emu)


def test_servers_end_themselves_when_the_supervisor_is_killed(tmp_path: Path) -> None:
    emu = start_emulator(tmp_path / "orphans", idle_timeout=600)
    try:
        servers = [s["pid"] for s in emu.record["servers"].values()]
        emu.process.kill()
        emu.process.wait()
        assert _wait_gone(servers, 30), [p for p in servers if not _gone(p)]
    finally:
        stop_emulator(emu)
