"""The project's CLI, `node bin/claims.mjs` in a checkout of the project, as the DAG calls it.

The DAG runs no pipeline code of its own: every stage, and every fact it needs (a profile's
timeouts and retries, the next batch), comes from the CLI, so Airflow runs exactly what the app and
`claims run` run.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ENTRY = Path("bin") / "claims.mjs"

# The CLI's exit codes (pipeline/cli/run.ts): 75 says that trying again may help.
EXIT_TEMPFAIL = 75
EXIT_CANCELLED = 130

# The CLI marks a failure with ✖ (colours are off: NO_COLOR).
_FAILURE_LINE = re.compile(r"^\s*✖\s")


class ClaimsCliError(RuntimeError):
    """The CLI could not be found, or a query through it failed; the message says which and why."""


@dataclass(frozen=True)
class ClaimsCli:
    """A project checkout (with `npm ci` done) and the Node.js that runs its CLI."""

    repo: Path
    node: str = "node"

    @classmethod
    def locate(cls, repo: str | None, node: str | None, dag_file: str | Path) -> ClaimsCli:
        """The checkout named by the claims_repo Variable, else the one this DAG file sits in (airflow/dags/)."""
        if repo:
            root = Path(repo).expanduser()
            where = f"the Airflow Variable claims_repo ({repo})"
        else:
            root = Path(dag_file).resolve().parents[2]
            where = f"the folder this DAG file is in ({Path(dag_file).resolve().parent})"
        if not (root / ENTRY).is_file():
            raise ClaimsCliError(
                f"No claims CLI at {root / ENTRY}, found through {where}. Set the Airflow Variable "
                "claims_repo to the checkout of the project (the folder with bin/claims.mjs, after "
                "`npm ci` or `npm run setup`)."
            )
        return cls(repo=root.resolve(), node=node or "node")

    def argv(self, args: list[str]) -> list[str]:
        return [self.node, str(self.repo / ENTRY), *args]

    def env(self) -> dict[str, str]:
        # plain lines for a log file; dbt's telemetry off as everywhere in the project
        return {**os.environ, "NO_COLOR": "1", "DO_NOT_TRACK": "1"}

    def json(self, args: list[str], timeout: float = 60) -> Any:
        """Runs a query command (`... --json`) and returns what it printed, or raises with its message."""
        try:
            done = subprocess.run(self.argv(args), cwd=self.repo, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False)
        except FileNotFoundError as err:
            raise ClaimsCliError(f"Cannot run the claims CLI: {self.node} not found. Install Node.js 20.19+ or set the Airflow Variable claims_node to its path.") from err
        except subprocess.TimeoutExpired as err:
            raise ClaimsCliError(f"claims {' '.join(args)} did not answer within {timeout:.0f} s.") from err
        if done.returncode != 0:
            raise ClaimsCliError(f"claims {' '.join(args)} failed (exit {done.returncode}): {failure_message(done.stderr.splitlines()) or done.stderr.strip()}")
        try:
            return json.loads(done.stdout)
        except json.JSONDecodeError as err:
            raise ClaimsCliError(f"claims {' '.join(args)} printed no JSON: {done.stdout[:200]!r}") from err

    def start(self, args: list[str]) -> subprocess.Popen[str]:
        """Starts a long command with its output (stdout and stderr, merged) to read line by line.

        It gets a session of its own, so that stopping it is ours to do (stop): a SIGTERM it can
        act on, rather than whatever reaches the task's process group.
        """
        return subprocess.Popen(
            self.argv(args),
            cwd=self.repo,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
            start_new_session=True,
        )


def stream(process: subprocess.Popen[str], on_line: Callable[[str], None]) -> tuple[int, list[str]]:
    """Hands every output line to on_line as it comes; returns the exit code and the lines."""
    lines: list[str] = []
    assert process.stdout is not None
    for raw in process.stdout:
        line = raw.rstrip("\n")
        lines.append(line)
        on_line(line)
    return process.wait(), lines


def stop(process: subprocess.Popen[str], grace_seconds: float = 30) -> None:
    """Asks the CLI to cancel (SIGTERM: it records the stage as cancelled), then kills it if it will not stop."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def failure_message(lines: list[str]) -> str:
    """The CLI's first failure (a ✖ line and the indented lines under it: its hint, the problems of
    a file), or '' if it printed none. The first is the failure as it happened (the stage's error,
    or why the run could not start); the closing summary repeats it.
    """
    for i, line in enumerate(lines):
        if not _FAILURE_LINE.match(line):
            continue
        picked = [" ".join(_FAILURE_LINE.sub("", line).split())]
        for more in lines[i + 1 :]:
            if not more.strip() or not more[0].isspace() or _FAILURE_LINE.match(more):
                break
            picked.append(more.strip())
        return "\n".join(picked)
    return ""
