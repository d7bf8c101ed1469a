"""Files that travel inside the hfc_glue package: the contracts and the log4j2 configuration.

Installed, or in a checkout, they are files beside the modules. Glue's `--extra-py-files` (and the
cloud emulator, which runs jobs as Glue does) puts the wheel itself on sys.path instead, so the
package is imported from a zip and its files are not on disk; Spark's JVM and the contract
loader need real paths, so such files are extracted once per process into a temporary folder.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

_extracted: Path | None = None


def _copy(src: Traversable, dst: Path) -> None:
    if src.is_dir():
        dst.mkdir(parents=True, exist_ok=True)
        for child in src.iterdir():
            _copy(child, dst / child.name)
    else:
        dst.write_bytes(src.read_bytes())


def package_path(name: str) -> Path | None:
    """A file or folder of the package as a path on disk, or None when the package has none."""
    global _extracted
    root = files(__package__)
    if isinstance(root, Path):
        found = root / name
        return found if found.exists() else None
    item = root.joinpath(name)
    if not (item.is_dir() or item.is_file()):
        return None
    if _extracted is None:
        _extracted = Path(tempfile.mkdtemp(prefix="hfc-glue-package-"))
        atexit.register(shutil.rmtree, _extracted, True)
    target = _extracted / name
    if not target.exists():
        _copy(item, target)
    return target
