"""The contract loader reads the same YAML files as the TypeScript stages, rejects the same broken
contracts with the same key paths (pipeline/contracts/testdata/invalid/), and needs no Spark."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hfc_glue.contracts import (
    CONTRACTS_DIR,
    ENTITY_ORDER,
    ContractError,
    ContractSet,
    CurrentState,
    ForeignKey,
    RuleCondition,
    date_format_parts,
    decimal_size,
    load_contracts,
    read_yaml_text,
    reference_path,
)

CONTRACT_FILES = sorted(CONTRACTS_DIR.glob("*.yaml"))
INVALID_CASES = sorted((CONTRACTS_DIR / "testdata" / "invalid").glob("*.yaml"))


def copy_contracts(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, target, ignore=shutil.ignore_patterns("testdata"))
    return target


def edit_contract(root: Path, dataset: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """Applies `change` to the parsed contract and writes it back as JSON (valid YAML 1.2)."""
    path = root / f"{dataset}.yaml"
    doc = read_yaml_text(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, indent=1), encoding="utf-8")
    return path


def load_error(root: Path) -> ContractError:
    with pytest.raises(ContractError) as info:
        load_contracts(root)
    return info.value


# --- the shared invalid cases (the TypeScript loader's tests apply the same files) -------------

_STEP = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)|\[(\d+)\]")


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    for part in path.split("."):
        for name, index in _STEP.findall(part):
            steps.append(int(index) if index else name)
    return steps


def _parent(doc: Any, path: str) -> tuple[Any, str | int]:
    steps = _steps(path)
    node = doc
    for step in steps[:-1]:
        node = node[step]
    return node, steps[-1]


def apply_case(doc: dict[str, Any], case: dict[str, Any]) -> None:
    for path in case.get("remove", []):
        node, last = _parent(doc, path)
        del node[last]
    for path, value in (case.get("set") or {}).items():
        node, last = _parent(doc, path)
        node[last] = value
    for path, item in (case.get("append") or {}).items():
        node, last = _parent(doc, path)
        node[last].append(item)


@pytest.mark.parametrize("case_file", INVALID_CASES, ids=[p.stem for p in INVALID_CASES])
def test_shared_invalid_case_is_rejected_with_its_key_path(tmp_path: Path, case_file: Path) -> None:
    case = read_yaml_text(case_file.read_text(encoding="utf-8"))
    root = copy_contracts(tmp_path)
    path = edit_contract(root, case["file"].removesuffix(".yaml"), lambda d: apply_case(d, case))
    err = load_error(root)
    assert err.file == str(path.resolve())
    assert err.key_paths == [case["expect"]], err.problems
    # every problem line names its key path first
    assert all(str(p).startswith(p.path) for p in err.issues)


def test_there_are_shared_cases_for_every_kind_of_check() -> None:
    expects = [read_yaml_text(p.read_text(encoding="utf-8"))["expect"] for p in INVALID_CASES]
    assert len(expects) >= 25
    for prefix in ("derived[", "row_rules[", "foreign_keys[", "columns[", "partitioning[", "primary_key[", "history.", "current_state."):
        assert any(e.startswith(prefix) for e in expects), prefix


# --- loading -----------------------------------------------------------------------------------


def test_every_contract_loads(contracts: ContractSet) -> None:
    assert sorted(c.path.name for c in contracts) == [p.name for p in CONTRACT_FILES]
    assert [c.dataset for c in contracts.entities] == list(ENTITY_ORDER)
    assert {c.dataset for c in contracts.references} == {"denial_reasons", "diagnoses", "places_of_service", "plans", "specialties"}
    for c in contracts:
        assert c.columns, c.dataset
        assert c.path.parent == CONTRACTS_DIR


def test_the_loader_imports_no_spark() -> None:
    code = "import sys, hfc_glue.contracts as c; c.load_contracts(); print('pyspark' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).parent.parent)
    assert out.stdout.strip() == "False"


def test_typed_view_of_claims(contracts: ContractSet) -> None:
    claims = contracts["claims"]
    assert claims.primary_key == ("claim_id", "claim_version")
    assert claims.current_state == CurrentState(key=("claim_id",), order_by="claim_version")
    assert ForeignKey("member_id", "members", "member_id") in claims.foreign_keys
    assert ForeignKey("denial_reason", "denial_reasons", "code") in claims.foreign_keys
    assert claims.partitioning == ("service_year", "service_month")
    assert claims.column("provider_id").check == "npi_luhn"
    assert claims.column("billed_amount").cleanse.strip_chars == "$,"
    assert claims.column("claim_status").allowed_values == ("received", "pending", "paid", "denied", "adjusted", "reversed")
    balance = next(r for r in claims.row_rules if r.name == "paid_claims_balance")
    assert balance.kind == "sum_equals" and balance.total == "allowed_amount"
    assert balance.when == RuleCondition("claim_status", ("paid", "adjusted"))
    bucket = next(d for d in claims.derived if d.name == "value_bucket")
    assert bucket.function == "bucket" and bucket.args["labels"] == ["LOW", "NORMAL", "ELEVATED", "HIGH"]
    members = contracts["members"]
    assert members.history is not None and "plan_id" in members.history.tracked
    assert members.source.null_values == ("", "NULL", "null", "N/A")


def test_trim_is_on_unless_a_contract_says_false(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    edit_contract(root, "members", lambda d: (d["columns"][1]["cleanse"].pop("trim"), d["columns"][2]["cleanse"].update(trim=False)))
    members = load_contracts(root)["members"]
    assert members.column("first_name").cleanse.trim is True
    assert members.column("last_name").cleanse.trim is False


def test_contracts_dir_can_be_overridden(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    loaded = load_contracts(root)
    assert loaded.dir == root.resolve()
    assert loaded["claims"].path == root.resolve() / "claims.yaml"
    assert reference_path(loaded["plans"]) == root.resolve() / "reference" / "plans.csv"


def test_missing_contracts_dir_is_reported(tmp_path: Path) -> None:
    err = load_error(tmp_path / "nowhere")
    assert err.file == str((tmp_path / "nowhere").resolve())
    assert "contracts_dir" in str(err)


def test_yaml_scalars_read_as_yaml_1_2_like_typescript(tmp_path: Path) -> None:
    # PyYAML's YAML 1.1 would turn the unquoted date into datetime.date and `off` into False,
    # and the schema would reject the contract the TypeScript loader accepts.
    root = copy_contracts(tmp_path)
    path = root / "members.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('min: "1900-01-01"', "min: 1900-01-01").replace("allowed_values: [F, M, U]", "allowed_values: [F, M, U, off]")
    path.write_text(text, encoding="utf-8")
    birth = load_contracts(root)["members"].column("birth_date")
    assert birth.min == "1900-01-01"
    assert load_contracts(root)["members"].column("gender").allowed_values == ("F", "M", "U", "off")


# --- messages name the file, the key and the item ----------------------------------------------


def test_unknown_key_names_the_column_and_what_is_allowed(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    path = edit_contract(root, "members", lambda d: d["columns"][0].update(colour="red"))
    err = load_error(root)
    assert err.file == str(path)
    assert err.problems[0].startswith('columns[0].colour (column "member_id"): unknown key "colour"; allowed keys are name, type')
    assert "members.yaml" in str(err) and "single source of truth" in str(err)


def test_missing_required_key(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    edit_contract(root, "providers", lambda d: d["columns"][2].pop("nullable"))
    assert load_error(root).problems == ['columns[2] (column "provider_type"): missing required key "nullable"']


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    def change(d: dict[str, Any]) -> None:
        d["derived"][0]["args"]["numerator"] = "paid_amt"
        d["partitioning"] = ["service_yr"]

    root = copy_contracts(tmp_path)
    edit_contract(root, "claims", change)
    assert load_error(root).key_paths == ["derived[0].args.numerator", "partitioning[0]"]


def test_dataset_must_live_in_its_file(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    edit_contract(root, "members", lambda d: d.update(dataset="member"))
    assert load_error(root).problems == ['dataset: "member" must live in member.yaml']


def test_missing_entity_contract_is_reported(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    (root / "providers.yaml").unlink()
    edit_contract(root, "claims", lambda d: d.update(foreign_keys=[fk for fk in d["foreign_keys"] if fk["references"]["dataset"] != "providers"]))
    err = load_error(root)
    assert err.file == str(root.resolve() / "providers.yaml")


@pytest.mark.parametrize(("name", "expected"), [("string", None), ("timestamp", None), ("decimal(12,2)", (12, 2)), ("decimal(38,0)", (38, 0))])
def test_decimal_size(name: str, expected: Any) -> None:
    assert decimal_size(name) == expected


@pytest.mark.parametrize("name", ["text", "decimal(39,2)", "decimal(4,5)", "decimal(0,0)", "Decimal(12,2)"])
def test_decimal_size_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        decimal_size(name)


def test_date_format_parts() -> None:
    assert date_format_parts("%Y-%m-%dT%H:%M:%S") == [
        ("field", "Y"), ("text", "-"), ("field", "m"), ("text", "-"), ("field", "d"), ("text", "T"),
        ("field", "H"), ("text", ":"), ("field", "M"), ("text", ":"), ("field", "S"),
    ]
    assert date_format_parts("%Y%%%m") == [("field", "Y"), ("text", "%"), ("field", "m")]


@pytest.mark.parametrize(("fmt", "message"), [("%d %b %Y", "%b"), ("%Y-%m-%", "lone"), ("today", "no date")])
def test_date_format_parts_rejects(fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        date_format_parts(fmt)


def test_reference_path(contracts: ContractSet) -> None:
    for c in contracts.references:
        path = reference_path(c)
        assert path.is_file() and path.parent == CONTRACTS_DIR / "reference"
        with path.open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == list(c.column_names)
    with pytest.raises(ContractError, match="not a reference code set"):
        reference_path(contracts["claims"])
