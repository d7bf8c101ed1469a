"""What a long-lived dbt process would save: `dbt build` through dbt's programmatic runner
(dbtRunner) several times in one Python process, first as the CLI would (parsing each time), then
with the manifest parsed once and handed to the runner (dbtRunner(manifest=...)), which skips the
parse. Prints one JSON object: import seconds, then per-invocation wall seconds of each mode.
Usage: python dbt_runner_probe.py <runs> <dbt build args...>   (cwd and environment as the stage's)"""

from __future__ import annotations

import json
import sys
import time

runs = int(sys.argv[1])
build_args = sys.argv[2:]

started = time.perf_counter()
from dbt.cli.main import dbtRunner  # noqa: E402 - the import is what is timed

import_seconds = time.perf_counter() - started


def timed(runner, args):
    t = time.perf_counter()
    res = runner.invoke(args)
    if res.exception is not None:
        raise res.exception
    return time.perf_counter() - t, res


reparsed = [timed(dbtRunner(), build_args)[0] for _ in range(runs)]

# the build's own parse options (project, profiles, target, paths), without the build's selection
parse_args = ["parse"]
skip_next = False
for i, a in enumerate(build_args[1:]):
    if skip_next:
        skip_next = False
        continue
    if a in ("--project-dir", "--profiles-dir", "--target", "--target-path", "--log-path", "--threads"):
        parse_args += [a, build_args[i + 2]]
        skip_next = True
parse_seconds, parsed = timed(dbtRunner(), parse_args)
manifest = parsed.result
reused = [timed(dbtRunner(manifest=manifest), build_args)[0] for _ in range(runs)]

print(json.dumps({"import_seconds": import_seconds, "reparsed": reparsed, "parse_seconds": parse_seconds, "manifest_reused": reused}))
