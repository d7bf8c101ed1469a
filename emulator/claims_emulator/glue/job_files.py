"""What a job run needs on disk: the script from the job's ScriptLocation and the files named by the
special arguments `--extra-py-files` and `--extra-files`, fetched from the emulated S3 into the run's
working folder, as Glue copies them onto its workers."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

# An object fetcher: the bytes of s3://bucket/key, or raises JobFileError naming what is missing.
Fetch = Callable[[str, str], bytes]

_S3_URI = re.compile(r"^s3a?://(?P<bucket>[^/]+)/(?P<key>.+)$")
# Glue installs these with pip on its workers; there is no package index when the emulator runs a job.
UNSUPPORTED_ARGUMENTS = ("--additional-python-modules", "--python-modules-installer-option")


class JobFileError(Exception):
    """A file the run needs cannot be had; the run FAILS with this message, as on Glue."""


@dataclass(frozen=True)
class PreparedRun:
    script: Path
    # entries for PYTHONPATH: the folder of extra .py files and each extra .zip/.whl/.egg
    python_path: list[Path] = field(default_factory=list)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    match = _S3_URI.match(uri.strip())
    if not match:
        raise JobFileError(f"{uri!r} is not an S3 location (s3://bucket/key)")
    return match["bucket"], match["key"]


def _uris(value: str | None) -> list[str]:
    return [u.strip() for u in (value or "").split(",") if u.strip()]


def prepare(workdir: Path, script_location: str | None, arguments: dict[str, str], fetch: Fetch) -> PreparedRun:
    for name in UNSUPPORTED_ARGUMENTS:
        if arguments.get(name):
            raise JobFileError(
                f"{name} asks Glue to pip-install modules at run time, which the emulator cannot do offline: "
                "ship them in --extra-py-files (a wheel or zip) instead"
            )
    if not script_location:
        raise JobFileError("the job has no Command.ScriptLocation")
    bucket, key = parse_s3_uri(script_location)
    workdir.mkdir(parents=True, exist_ok=True)
    script = workdir / Path(key).name
    script.write_bytes(fetch(bucket, key))

    python_path: list[Path] = []
    modules = workdir / "py"
    for uri in _uris(arguments.get("--extra-py-files")):
        bucket, key = parse_s3_uri(uri)
        target = modules / Path(key).name
        modules.mkdir(exist_ok=True)
        target.write_bytes(fetch(bucket, key))
        if target.suffix in (".zip", ".whl", ".egg"):
            python_path.append(target)
        elif modules not in python_path:
            python_path.insert(0, modules)
    for uri in _uris(arguments.get("--extra-files")):
        bucket, key = parse_s3_uri(uri)
        (workdir / Path(key).name).write_bytes(fetch(bucket, key))
    return PreparedRun(script=script, python_path=python_path)
