#!/usr/bin/env bash
# Regenerates a lock file (every package pinned) from its input file (the direct dependencies):
# installs the input into a throw-away virtual environment with the same Python the project uses
# and freezes what pip resolved. Review the diff before committing it.
#   scripts/lock-python.sh                                   # requirements.in -> requirements.txt
#   scripts/lock-python.sh airflow/requirements.in airflow/requirements.txt
#   PYTHON=/path/to/python3.11 scripts/lock-python.sh ...    # to choose the interpreter
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-python3}"
input="${1:-requirements.in}"
output="${2:-${input%.in}.txt}"
# paths are taken from the repository's root, whatever the caller's folder
case "$input" in /*) ;; *) input="$root/$input" ;; esac
case "$output" in /*) ;; *) output="$root/$output" ;; esac
[ -f "$input" ] || { echo "lock-python.sh: no input file $input" >&2; exit 2; }
[ "$input" != "$output" ] || { echo "lock-python.sh: the output would overwrite the input ($input)" >&2; exit 2; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$input"
# pip, setuptools and wheel belong to the environment, not the project; sort like pip-compile does
"$work/venv/bin/python" -m pip freeze --disable-pip-version-check --exclude-editable \
  | grep -viE '^(pip|setuptools|wheel)==' \
  | LC_ALL=C sort -f > "$work/lock.txt"
mv "$work/lock.txt" "$output"
echo "${output#"$root"/}: $(wc -l < "$output") pinned packages (Python $("$python" -c 'import platform; print(platform.python_version())'))"
