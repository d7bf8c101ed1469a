"""The Glue package as AWS Glue receives it: a wheel with the contracts inside, the two entry
scripts, and one job definition per job that the cloud deploy reads."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from hfc_glue import cleanse_job, load_job
from hfc_glue.contracts import CONTRACTS_DIR

GLUE = Path(__file__).resolve().parents[1]
JOBS = {"cleanse": cleanse_job.ARGUMENTS, "load": load_job.ARGUMENTS}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # no build isolation: hatchling is pinned in the project's environment, nothing is downloaded
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(GLUE)], check=True, capture_output=True, text=True)
    (path,) = out.glob("hfc_glue-*.whl")
    return path


def test_the_wheel_carries_the_package_and_the_contracts(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    contracts = {f"hfc_glue/contracts_data/{p.relative_to(CONTRACTS_DIR).as_posix()}" for p in CONTRACTS_DIR.rglob("*") if p.is_file() and "testdata" not in p.parts}
    assert contracts <= names and "hfc_glue/contracts_data/schema/contract.schema.json" in names
    assert {"hfc_glue/cleanse_job.py", "hfc_glue/load_job.py", "hfc_glue/log4j2.properties"} <= names
    assert not [n for n in names if "testdata" in n or n.startswith(("tests/", "jobs/"))]
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "Requires-Dist: snowflake-connector-python" in metadata and "requires-dist: pyyaml" in metadata.lower()


def test_the_installed_package_reads_its_own_contracts(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)], check=True, capture_output=True)
    code = "import hfc_glue.contracts as c; s = c.load_contracts(); print(c.CONTRACTS_DIR.name, len(s))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(target)})
    assert out.stdout.split() == ["contracts_data", str(len(list(CONTRACTS_DIR.glob("*.yaml"))))]


def test_the_wheel_itself_on_the_path_reads_its_files_as_glue_runs_it(wheel: Path, tmp_path: Path) -> None:
    # Glue's --extra-py-files (and the emulator) put the .whl on sys.path: the package is a zip there
    code = (
        "import hfc_glue.contracts as c, hfc_glue.spark_session as s, hfc_glue.reference_data as r; sets = c.load_contracts(); "
        "print(c.CONTRACTS_DIR.is_dir(), len(sets), s.LOG4J2_CONFIG.is_file(), len(r.read_reference(sets['diagnoses'])) > 0, '.whl' in c.__file__)"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(wheel)})
    assert out.stdout.split() == ["True", str(len(list(CONTRACTS_DIR.glob("*.yaml")))), "True", "True", "True"]


@pytest.mark.parametrize("job", sorted(JOBS))
def test_one_job_definition_per_job(job: str) -> None:
    definition = json.loads((GLUE / "jobs" / f"{job}.job.json").read_text(encoding="utf-8"))
    assert definition["glue_version"] == "5.0" and definition["command"] == "glueetl" and definition["python_version"] == "3"
    assert definition["max_retries"] == 0, "the orchestrator retries; Glue must not retry on its own"
    assert definition["timeout_minutes"] > 0 and definition["number_of_workers"] >= 2 and definition["worker_type"].startswith("G.")
    assert (GLUE / definition["script"]).is_file() and definition["python_modules"] == ["hfc-glue"]
    given = set(definition["run_arguments"]) | set(definition["default_arguments"])
    known = {f"--{a.name}" for a in JOBS[job]}
    assert {f"--{a.name}" for a in JOBS[job] if a.required} <= given
    assert set(definition["run_arguments"]) <= known
    assert all(k in known or k.startswith(("--job-", "--enable-")) for k in definition["default_arguments"])


@pytest.mark.parametrize("job", sorted(JOBS))
def test_the_entry_script_explains_its_arguments(job: str) -> None:
    out = subprocess.run([sys.executable, str(GLUE / "jobs" / f"{job}.py"), "--help"], capture_output=True, text=True, check=True)
    for a in JOBS[job]:
        assert f"--{a.name}" in out.stdout
    missing = subprocess.run([sys.executable, str(GLUE / "jobs" / f"{job}.py")], capture_output=True, text=True)
    assert missing.returncode == 2 and "--lake" in missing.stderr
