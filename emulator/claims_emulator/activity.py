"""The idle clock. Each server touches its marker file when it serves a request (at most once a
second); the supervisor reads the newest marker time to decide whether the emulator is idle."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path


class ActivityMarker:
    def __init__(self, path: Path, min_interval: float = 1.0) -> None:
        self._path = path
        self._min_interval = min_interval
        self._last = 0.0
        self._lock = threading.Lock()
        self.touch(force=True)

    def touch(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < self._min_interval:
                return
            self._last = now
        self._path.touch()
        os.utime(self._path)


def last_activity(folder: Path, since: float) -> float:
    """Wall-clock time of the newest request any server recorded, or `since` if later."""
    newest = since
    for marker in folder.iterdir() if folder.is_dir() else ():
        try:
            newest = max(newest, marker.stat().st_mtime)
        except FileNotFoundError:
            continue
    return newest
