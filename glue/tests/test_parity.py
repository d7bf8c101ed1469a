"""Parity: on the same landed batches the Spark engine (Glue job 1) commits exactly what the DuckDB
engine commits: every curated value, the quarantine (file, line, reason, detail, original values),
the duplicates, the manifest counts and the curated partition folders.

Batches are produced by the real TypeScript pipeline (node bin/claims.mjs): generator worlds at
dirty rates 0, 0.05 (batches 1-3: history, status moves, late foreign keys) and 0.2 (several files
per dataset), and hand-made files (BOM, CRLF, no final newline, a header-only file, short and long
rows, NUL bytes, quoting, a 1 MB field, tricky numbers and dates, repeated keys and a duplicate in
another file). Each batch is landed once, then cleansed by the DuckDB engine (claims run --stages
cleanse) in one lake and by the Spark engine in a copy. Files no engine can read fail both, naming
the file and line. One Spark session serves every case; worlds are small (3,000 claims).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hfc_glue.cleanse_job import cleanse_batch
from hfc_glue.contracts import ContractSet
from hfc_glue.errors import InputFileError
from hfc_glue.lake import Lake
from lake_compare import compare_batch, manifest
from ts_pipeline import claims_run, copy_lake, write_profile
from worlds import SIZES, WORLDS, quiet_log, run_both

pytestmark = pytest.mark.spark

CASES = [(name, b) for name, world in WORLDS.items() for b in world["batches"]]


@pytest.mark.parametrize(("world", "batch"), CASES, ids=[f"{w}-batch{b}" for w, b in CASES])
def test_generated_batch_is_cleansed_identically(generated_worlds: dict[str, tuple[Path, Path]], world: str, batch: int) -> None:
    duck, spark_lake = generated_worlds[world]
    differences = compare_batch(duck, spark_lake, batch)
    assert not differences, f"{world} batch {batch}:\n{differences}"


def test_the_generated_worlds_exercise_every_decision(generated_worlds: dict[str, tuple[Path, Path]]) -> None:
    """The comparison means something only if the batches hold what it compares."""
    clean = manifest(generated_worlds["dirty-0"][0], 1)["datasets"]
    assert all(d["quarantined_rows"] == 0 and d["duplicates_removed"] == 0 for d in clean.values())
    reasons: set[str] = set()
    for world, batches in (("dirty-5", [1, 2, 3]), ("dirty-20", [1])):
        for b in batches:
            for d in manifest(generated_worlds[world][1], b)["datasets"].values():
                reasons |= set(d["quarantine_by_reason"])
    assert {"MALFORMED_ROW", "MISSING_REQUIRED", "INVALID_NUMBER", "INVALID_DATE", "INVALID_VALUE", "OUT_OF_RANGE", "ORPHAN_FOREIGN_KEY"} <= reasons
    dirty20 = manifest(generated_worlds["dirty-20"][1], 1)["datasets"]["claims"]
    assert len({f.rsplit("/", 1)[0] for f in dirty20["files"]}) > 12, "claims are partitioned by service year and month"
    assert dirty20["duplicates_removed"] > 10 and dirty20["quarantined_rows"] > 300
    # batch 3 carries new versions of claims first seen in batches 1 and 2
    b3 = manifest(generated_worlds["dirty-5"][1], 3)["datasets"]["claims"]
    assert b3["curated_rows"] > 0


# --- hand-made files -------------------------------------------------------------------------


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def _line(fields: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow(fields)
    return buf.getvalue()


def _set(header: list[str], row: list[str], **values: str) -> list[str]:
    out = list(row)
    for k, v in values.items():
        out[header.index(k)] = v
    return out


def _write(path: Path, header: list[str], lines: list[str], newline: str = "\n", bom: bool = False, final_newline: bool = True) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = newline.join([",".join(header), *lines]) + (newline if final_newline else "")
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))


def hand_made_batch(base: Path, out: Path) -> None:
    """A batch of hand-made files built from a generated batch (`base`) into `out`."""
    mh, members = _rows(base / "members" / "part-00000.csv")
    m = members[:-40]
    tricky_members = [
        _set(mh, m[4], first_name="Zoë 😀 Ærø"),
        _line(_set(mh, m[5], street='12 "Main" St, Apt 4')),
        ",".join(f' "{v}" ' if k == "city" else _line([v]) for k, v in zip(mh, m[6])),  # spaces around a quoted field
        _set(mh, m[7], street="x" * 1_000_000),
        _set(mh, m[8], birth_date="1980/01/05"),
        _set(mh, m[9], birth_date=" 1/5/1980 "),
        _set(mh, m[10], birth_date="19800105"),
        _set(mh, m[11], birth_date="infinity"),
        _set(mh, m[12], birth_date="1980-01-05x"),
        _set(mh, m[13], coverage_start="2024-1-5"),
        _set(mh, m[14], updated_at="2024-01-05 10:00:00.5"),
        _set(mh, m[15], updated_at="2024-01-05T10:00:00"),
        _set(mh, m[16], updated_at=" 2024-01-05 "),
        _set(mh, m[17], first_name="Ann\x00e"),
        _set(mh, m[18], gender="f", state=" ny "),
        _set(mh, m[19], zip="\x01"),
        _set(mh, m[0], first_name="Another"),  # the key of the first row again
        list(m[1]),  # an exact copy of the second row
    ]
    lines = [x if isinstance(x, str) else _line(x) for x in [*m[20:], *tricky_members]]
    lines.insert(3, ",".join(m[2][:5]))  # a short row
    lines.insert(5, _line([*m[3], "extra", "fields"]))  # a long row
    _write(out / "members" / "part-00000.csv", mh, [_line(r) for r in m[:20]] + lines, newline="\r\n", bom=True)
    _write(out / "members" / "part-00001.csv", mh, [], final_newline=False)  # a header only

    ph, providers = _rows(base / "providers" / "part-00000.csv")
    _write(out / "providers" / "part-00000.csv", ph, [_line(r) for r in providers], final_newline=False)

    ch, claims = _rows(base / "claims" / "part-00000.csv")
    kept_members = {r[0] for r in m}
    claims = [r for r in claims if r[ch.index("member_id")].strip().upper() in kept_members]
    half = len(claims) // 2
    fresh = iter(f"CLM{9_000_000_000 + i:010d}" for i in range(1000))
    # not yet adjudicated claims: no amounts or dates a changed field could set against each other
    plain = [r for r in claims if r[ch.index("allowed_amount")] == "" and r[ch.index("claim_status")].strip().lower() in ("received", "pending")][:40]
    assert len(plain) == 40, "the base batch has enough claims not yet adjudicated"
    tricky_claims = [
        _set(ch, plain[0], claim_id=next(fresh), claim_version="1.0"),
        _set(ch, plain[1], claim_id=next(fresh), claim_version="0x1"),
        _set(ch, plain[2], claim_id=next(fresh), claim_version=" 2 "),
        _set(ch, plain[3], claim_id=next(fresh), claim_version="+1"),
        _set(ch, plain[4], claim_id=next(fresh), billed_amount="1e3"),
        _set(ch, plain[5], claim_id=next(fresh), billed_amount="1_000"),
        _set(ch, plain[6], claim_id=next(fresh), billed_amount="$1,234.56"),
        _set(ch, plain[7], claim_id=next(fresh), billed_amount=" 12.345 "),
        _set(ch, plain[8], claim_id=next(fresh), billed_amount=".5"),
        _set(ch, plain[9], claim_id=next(fresh), billed_amount="5."),
        _set(ch, plain[10], claim_id=next(fresh), billed_amount="-0"),
        _set(ch, plain[11], claim_id=next(fresh), billed_amount="12345678901.00"),
        _set(ch, plain[12], claim_id=next(fresh), service_from="2024/01/05", service_to="2024/01/05"),
        _set(ch, plain[13], claim_id=next(fresh), received_date="1/5/2030"),
        _set(ch, plain[14], claim_id=next(fresh), ingestion_ts="2024-01-05 10:00:00+02"),
        _set(ch, plain[15], claim_id=next(fresh), ingestion_ts="2024-01-05  10:00:00"),
        _set(ch, plain[16], claim_id=next(fresh), ingestion_ts="2024-01-05 24:00:00"),
        _set(ch, plain[17], claim_id=next(fresh), claim_type="PHARMACY "),
        _set(ch, plain[18], claim_id=next(fresh), provider_id="1234567890"),
        _set(ch, plain[19], claim_id=next(fresh), primary_diagnosis_code="zz99"),
        _set(ch, plain[20], claim_id=next(fresh), claim_status="denied", denial_reason=""),
        _set(ch, plain[21], claim_id=next(fresh), denial_reason="NOT_A_CODE"),
        _set(ch, plain[22], member_id="M999999999", claim_id=next(fresh)),
        _set(ch, claims[0], billed_amount="999999.99"),  # the key of part-00000's first row again
        list(claims[1]),  # an exact copy of part-00000's second row, in another file
        _set(ch, plain[23], claim_id=next(fresh), place_of_service="\x00\x00"),
    ]
    _write(out / "claims" / "part-00000.csv", ch, [_line(r) for r in claims[:half]])
    _write(out / "claims" / "part-00001.csv", ch, [_line(r) for r in claims[half:]], newline="\r\n")
    short = ",".join(plain[24][:6])
    _write(out / "claims" / "part-00002.csv", ch, [*[_line(r) for r in tricky_claims], short], final_newline=False)


@pytest.fixture(scope="module")
def hand_made(spark: Any, contracts: ContractSet, generated_worlds: dict[str, tuple[Path, Path]], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = generated_worlds["dirty-0"][0].parent / "generated" / "batch=1"
    ws = tmp_path_factory.mktemp("hand-made") / "ws"
    write_profile(ws, {**SIZES, "dirty_rate": 0})
    hand_made_batch(base, ws / "generated" / "batch=1")
    return run_both(spark, contracts, ws, [1], lambda b: claims_run(ws, b, "ingest"))


def test_hand_made_files_are_cleansed_identically(hand_made: tuple[Path, Path]) -> None:
    differences = compare_batch(*hand_made, 1)
    assert not differences, str(differences)


def _quarantine(lake: Path, dataset: str) -> dict[int, tuple[str, str, str]]:
    import duckdb

    d = manifest(lake, 1)["datasets"][dataset]
    rows = duckdb.sql(f"SELECT line_number, source_file, reason, reason_detail FROM read_parquet({[str(lake / k) for k in d['quarantine_files']]!r})").fetchall()
    return {(r[1].rsplit("/", 1)[1], r[0]): (r[2], r[3]) for r in rows}


def test_hand_made_decisions(hand_made: tuple[Path, Path]) -> None:
    """What both engines decided on the hand-made rows (they agree: test above), spelled out."""
    _, spark_lake = hand_made
    members = _quarantine(spark_lake, "members")
    reasons = {k: v[0] for k, v in members.items()}
    details = {k: v[1] for k, v in members.items()}
    assert "MALFORMED_ROW" in reasons.values()
    assert any("NUL byte" in d for d in details.values())
    assert any(d.startswith("birth_date '1980/01/05' is not a date") for d in details.values())
    assert any(d.startswith("birth_date 'infinity' is not a date") for d in details.values())
    assert any(d.startswith("birth_date '1980-01-05x' is not a date") for d in details.values())
    assert any(d.startswith("updated_at '2024-01-05 10:00:00.5' is not a timestamp") for d in details.values())
    assert any(v[0] == "DUPLICATE_KEY" and "already appears on line 2" in v[1] for v in members.values())
    claims = _quarantine(spark_lake, "claims")
    cd = [v[1] for v in claims.values()]
    for text in ("claim_version '1.0' is not a number", "claim_version '0x1' is not a number", "billed_amount '1e3' is not a number", "billed_amount '1_000' is not a number",
                 "billed_amount '12345678901.00' is not a number", "service_from '2024/01/05' is not a date",
                 "ingestion_ts '2024-01-05 10:00:00+02' is not a timestamp", "ingestion_ts '2024-01-05 24:00:00' is not a timestamp", "row contains a NUL byte"):
        assert any(d.startswith(text) for d in cd), text
    assert any(v[0] == "DUPLICATE_KEY" and "of raw/csv/claims/batch=1/part-00000.csv" in v[1] for v in claims.values())
    dups = manifest(spark_lake, 1)["datasets"]["claims"]["duplicates_removed"]
    assert dups >= 1


# --- files no engine can read ----------------------------------------------------------------

FAILING: dict[str, tuple[bytes, str]] = {
    # name: (bytes appended to a valid header line, what the Spark engine reports)
    "line-over-2MB": (b"CLM1," + b"x" * 2_000_100 + b"\n", "longer than 2,000,000 bytes"),
    "unterminated-quote": (b'"CLM0000000001,1,M000000001\n', "unterminated quote"),
    "mixed-line-endings": (b"a,b\r\nc,d\n", "carriage return"),
    "blank-line": (b"\n\n", "empty line"),
    "too-many-fields": (b",".join([b"x"] * 40) + b"\n", "far more fields"),
}


@pytest.fixture(scope="module")
def failing_workspace(generated_worlds: dict[str, tuple[Path, Path]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = generated_worlds["dirty-0"][0].parent / "generated" / "batch=1"
    ws = tmp_path_factory.mktemp("failing") / "ws"
    write_profile(ws, {**SIZES, "dirty_rate": 0})
    for i, (name, (tail, _)) in enumerate(FAILING.items()):
        out = ws / "generated" / f"batch={11 + i}"
        for dataset in ("members", "providers"):
            (out / dataset).mkdir(parents=True)
            (out / dataset / "part-00000.csv").write_bytes((base / dataset / "part-00000.csv").read_bytes())
        claims = (base / "claims" / "part-00000.csv").read_bytes().split(b"\n")
        (out / "claims").mkdir()
        (out / "claims" / "part-00000.csv").write_bytes(b"\n".join(claims[:50]) + b"\n" + tail + b"\n".join(claims[50:100]) + b"\n")
    return ws


@pytest.mark.parametrize("case", list(FAILING), ids=list(FAILING))
def test_a_file_no_engine_can_read_fails_both(spark: Any, contracts: ContractSet, failing_workspace: Path, case: str) -> None:
    batch = 11 + list(FAILING).index(case)
    duck = claims_run(failing_workspace, batch, "ingest,cleanse", check=False)
    assert duck.returncode != 0, duck.stdout
    assert "raw/csv/claims/batch=" in duck.stdout + duck.stderr or "claims raw files" in duck.stdout + duck.stderr
    lake = Lake(spark, str(failing_workspace / "lake"))
    with pytest.raises(InputFileError) as info:
        cleanse_batch(spark, lake, contracts, batch, quiet_log(failing_workspace.parent))
    err = info.value
    assert err.file == f"raw/csv/claims/batch={batch}/part-00000.csv" and err.dataset == "claims"
    assert FAILING[case][1] in str(err) and err.line == 51
    assert not (failing_workspace / "lake" / "_manifests" / "curated" / f"batch={batch}.json").exists()
    assert not list((failing_workspace / "lake").glob("_staging/*")), "a failed job leaves no staging behind"


def test_a_non_utf8_file_fails_the_spark_engine_at_its_line(spark: Any, contracts: ContractSet, generated_worlds: dict[str, tuple[Path, Path]], tmp_path: Path) -> None:
    """Ingest refuses non-UTF-8 files, so the DuckDB engine never sees one; a raw zone landed by
    other means (an S3 upload) still must not be read as text with replacement characters."""
    duck_lake = generated_worlds["dirty-0"][0]
    lake_dir = copy_lake(duck_lake, tmp_path / "lake")
    raw = json.loads((lake_dir / "_manifests" / "batch=1.json").read_text(encoding="utf-8"))
    path = lake_dir / "raw" / "csv" / "providers" / "batch=1" / "part-00000.csv"
    lines = path.read_bytes().split(b"\n")
    lines[7] = lines[7].replace(b"a", b"\xe9", 1)
    path.write_bytes(b"\n".join(lines))
    raw["batch"] = 9
    for d in raw["datasets"].values():
        for f in d["files"]:
            f["key"] = f["key"].replace("batch=1", "batch=9")
    for dataset in ("members", "providers", "claims"):
        (lake_dir / "raw" / "csv" / dataset / "batch=1").rename(lake_dir / "raw" / "csv" / dataset / "batch=9")
    (lake_dir / "_manifests" / "batch=9.json").write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(InputFileError) as info:
        cleanse_batch(spark, Lake(spark, str(lake_dir)), contracts, 9, quiet_log(tmp_path))
    assert info.value.file == "raw/csv/providers/batch=9/part-00000.csv" and info.value.line == 8
    assert "not valid UTF-8" in str(info.value)
