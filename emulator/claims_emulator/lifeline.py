"""A server never outlives its supervisor: when the parent process goes away (even by SIGKILL), the
child notices within a second and shuts itself down."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable


def watch_parent(on_orphaned: Callable[[], None], interval: float = 1.0) -> None:
    parent = os.getppid()

    def watch() -> None:
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                on_orphaned()
                return

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
