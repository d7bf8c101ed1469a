"""A job run's output in CloudWatch Logs, where Glue puts it: stdout in `/aws-glue/jobs/output` and
stderr in `/aws-glue/jobs/error`, one log stream per run named by the run id. Written straight into
moto's logs backend (same process), so GetLogEvents and FilterLogEvents read it like any log."""

from __future__ import annotations

import threading
import time
from typing import Literal

from moto.logs.models import logs_backends

OUTPUT_GROUP = "/aws-glue/jobs/output"
ERROR_GROUP = "/aws-glue/jobs/error"
# the LogGroupName GetJobRun reports: the prefix of both groups
LOG_GROUP_PREFIX = "/aws-glue/jobs"

_GROUPS = {"output": OUTPUT_GROUP, "error": ERROR_GROUP}
# moto's log streams are plain lists without a lock; every writer of this process goes through it
_lock = threading.Lock()


class RunLogStreams:
    def __init__(self, account_id: str, region: str, run_id: str) -> None:
        self._backend = logs_backends[account_id][region]
        self._stream = run_id
        with _lock:
            for group in _GROUPS.values():
                self._backend.ensure_log_group(group)
                self._backend.ensure_log_stream(group, run_id)

    def write(self, stream: Literal["output", "error"], line: str) -> None:
        event = {"timestamp": int(time.time() * 1000), "message": line}
        with _lock:
            self._backend.put_log_events(_GROUPS[stream], self._stream, [event])
