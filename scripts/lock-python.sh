#!/usr/bin/env bash
# Regenerates requirements.txt (every package pinned) from requirements.in (the direct
# dependencies): installs requirements.in into a throw-away virtual environment with the same
# Python the project uses and freezes what pip resolved. Review the diff before committing it.
#   scripts/lock-python.sh            # PYTHON=/path/to/python3.11 to choose the interpreter
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$root/requirements.in"
# pip, setuptools and wheel belong to the environment, not the project; sort like pip-compile does
"$work/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude-editable \
  | grep -viE '^(pip|setuptools|wheel)==' \
  | LC_ALL=C sort -f > "$work/requirements.txt"
mv "$work/requirements.txt" "$root/requirements.txt"
echo "requirements.txt: $(wc -l < "$root/requirements.txt") pinned packages (Python $("$python" -c 'import platform; print(platform.python_version())'))"
