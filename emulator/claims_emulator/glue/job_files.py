"""What a job run needs on disk: the script from the job's ScriptLocation and the files named by the
special arguments `--extra-py-files`, `--extra-files` and `--additional-python-modules`, fetched from
the emulated S3 into the run's working folder, as Glue copies them onto its workers.

`--additional-python-modules` is pip-installed by Glue, dependencies from PyPI included. There is no
package index when the emulator runs a job, so it installs only what needs none: a wheel in S3 is
unpacked into the run's modules folder (as pip installs a pure-Python wheel), and every requirement
of that wheel, like every module named by its PyPI name, must already be installed in the emulator's
own Python; otherwise the run FAILS naming what is missing."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import Parser
from importlib import metadata
from io import BytesIO
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement

# An object fetcher: the bytes of s3://bucket/key, or raises JobFileError naming what is missing.
Fetch = Callable[[str, str], bytes]

_S3_URI = re.compile(r"^s3a?://(?P<bucket>[^/]+)/(?P<key>.+)$")
# options for Glue's pip: there is no pip run to give them to
UNSUPPORTED_ARGUMENTS = ("--python-modules-installer-option",)


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
                f"{name} passes options to the pip that Glue runs for --additional-python-modules; the emulator runs no pip "
                "(it has no package index): remove the option"
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
    installed = workdir / "site-packages"
    for module in _uris(arguments.get("--additional-python-modules")):
        if _S3_URI.match(module):
            _install_wheel(module, installed, fetch)
        else:
            _require_installed(module, "--additional-python-modules")
    if installed.exists():
        python_path.insert(0, installed)
    return PreparedRun(script=script, python_path=python_path)


def _require_installed(spec: str, named_by: str) -> None:
    """A requirement Glue would install from PyPI: here it must be satisfied already."""
    try:
        req = Requirement(spec)
    except InvalidRequirement:
        raise JobFileError(f"{named_by}: {spec!r} is neither an S3 location of a wheel nor a requirement (name, name==version)") from None
    if req.marker is not None and not req.marker.evaluate({"extra": ""}):
        return
    try:
        have = metadata.version(req.name)
    except metadata.PackageNotFoundError:
        have = None
    if have is None or (req.specifier and not req.specifier.contains(have, prereleases=True)):
        found = f"version {have} is installed" if have else "it is not installed"
        raise JobFileError(
            f"{named_by}: {spec} would be installed by Glue from PyPI; the emulator has no package index and {found} "
            "in its own Python: add it to the project's Python requirements (npm run setup)"
        )


def _install_wheel(uri: str, target: Path, fetch: Fetch) -> None:
    bucket, key = parse_s3_uri(uri)
    if not key.endswith(".whl"):
        raise JobFileError(f"--additional-python-modules: {uri} is not a wheel (.whl); Glue installs S3 modules from wheels")
    data = fetch(bucket, key)
    try:
        wheel = zipfile.ZipFile(BytesIO(data))
    except zipfile.BadZipFile:
        raise JobFileError(f"--additional-python-modules: {uri} is not a wheel (not a zip archive)") from None
    with wheel:
        meta = [n for n in wheel.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
        if len(meta) != 1:
            raise JobFileError(f"--additional-python-modules: {uri} is not a wheel (no .dist-info/METADATA)")
        for requirement in Parser().parsestr(wheel.read(meta[0]).decode("utf-8")).get_all("Requires-Dist") or []:
            _require_installed(requirement, f"--additional-python-modules {Path(key).name} requires")
        target.mkdir(exist_ok=True)
        root = target.resolve()
        for member in wheel.namelist():
            if not (target / member).resolve().is_relative_to(root):
                raise JobFileError(f"--additional-python-modules: {uri} has a file outside its own folders: {member}")
        wheel.extractall(target)
