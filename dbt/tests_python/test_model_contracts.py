"""The marts the app reads carry enforced dbt model contracts (`config: contract: {enforced: true}`
and a `data_type` for every column in models/marts/<model>.yml): a column dropped from a
model's SQL, or computed with another type, fails `dbt run` / `dbt build` with dbt's contract error
naming the column, before anything is written.

Here on DuckDB, against a copy of the warehouse the session fixture built (batches 1-3), with a
copy of the project whose SQL is changed; the same on Snowflake SQL is in test_snowflake_fakesnow.py.
Without the contracts every variant below builds, and these tests fail.
"""

from __future__ import annotations

import re
import shutil

import yaml

from conftest import PROJECT_DIR, Dbt, contract_mismatches, query, variant_project

# the marts the app's read models query: each must keep its columns and their types
APP_MARTS = ("fct_claims", "dim_members", "dim_providers", "mart_pmpm_monthly", "mart_denials",
             "mart_provider_risk", "mart_high_cost_claimants")
# types both dbt-duckdb and dbt-snowflake accept as written (see docs/dbt_strategy.md, "Model contracts")
PORTABLE_TYPE = re.compile(r"(varchar|integer|bigint|double|boolean|date|timestamp|decimal\(\d+, \d+\))")
DATA_MODEL_DOC = PROJECT_DIR.parent / "docs" / "data_model.md"


def mart_models() -> dict[str, dict]:
    # one YAML per mart model
    return {m["name"]: m for path in sorted((PROJECT_DIR / "models" / "marts").glob("*.yml"))
            for m in yaml.safe_load(path.read_text()).get("models", [])}


def contracted() -> dict[str, dict[str, str]]:
    """model -> {column: data_type} for every mart with an enforced contract."""
    return {name: {c["name"]: c.get("data_type") for c in m["columns"]}
            for name, m in mart_models().items() if m.get("config", {}).get("contract", {}).get("enforced")}


def test_every_app_mart_has_an_enforced_contract_with_a_portable_type_per_column():
    contracts = contracted()
    assert set(APP_MARTS) <= set(contracts)
    for name in APP_MARTS:
        untyped = [c for c, t in contracts[name].items() if not (t and PORTABLE_TYPE.fullmatch(t))]
        assert untyped == [], f"{name}: columns without a portable data_type"


def test_the_data_model_doc_lists_each_contract_as_it_is():
    """docs/data_model.md lists every contracted mart's columns by type; it must say what the YAML says."""
    documented: dict[str, dict[str, str]] = {}
    for model, cell in re.findall(r"^\| `(\w+)` \| (\*\*.*) \|$", DATA_MODEL_DOC.read_text(), re.M):
        for group in cell.split("; "):
            data_type, columns = re.fullmatch(r"\*\*(.+?)\*\* (.+)", group).groups()
            for column in columns.split(", "):
                documented.setdefault(model, {})[column] = data_type
    assert documented == contracted()


def warehouse_copy(warehouse, tmp_path, monkeypatch):
    """A copy of the session's warehouse (batches 1-3 built), so that no variant can spoil it."""
    db, _, states = warehouse
    assert states[3]["problems"] == [], "the contracted project built over three batches"
    query(db, "checkpoint")
    copy = tmp_path / "warehouse.duckdb"  # the same file name: relations are "warehouse"."marts"...
    shutil.copyfile(db, copy)
    monkeypatch.setenv("CLAIMS_WAREHOUSE", str(copy))
    return copy


def columns(db, table):
    return dict(query(db, f"""select column_name, data_type from information_schema.columns
                             where table_schema = 'marts' and table_name = '{table}'"""))


def test_a_dropped_or_retyped_mart_column_fails_the_duckdb_build(warehouse, tmp_path, monkeypatch):
    copy = warehouse_copy(warehouse, tmp_path, monkeypatch)
    before = {t: columns(copy, t) for t in ("mart_denials", "mart_pmpm_monthly")}
    project = variant_project(tmp_path, {
        "models/marts/mart_denials.sql": [
            ("    {{ safe_ratio('pc.denied_claims', 'pc.adjudicated_claims') }} as denial_rate,\n", "")],
        "models/marts/mart_pmpm_monthly.sql": [
            ("{{ money('a.paid_total / a.member_months') }} as pmpm_paid",
             "cast(a.paid_total / a.member_months as double) as pmpm_paid")],
    })
    # two marts with no dependency between them: each fails on its own, neither is skipped
    result = Dbt(tmp_path, "local", project_dir=project)("run", "--select", "mart_denials", "mart_pmpm_monthly")
    assert not result.success
    by_model = {r.node.name: r for r in result.result}
    assert {name: str(r.status) for name, r in by_model.items()} == {"mart_denials": "error", "mart_pmpm_monthly": "error"}
    assert all("enforced contract" in r.message for r in by_model.values())
    assert contract_mismatches(by_model["mart_denials"].message) == {
        "denial_rate": ("", "DECIMAL(18,4)", "missing in definition")}
    assert contract_mismatches(by_model["mart_pmpm_monthly"].message) == {
        "pmpm_paid": ("DOUBLE", "DECIMAL(18,2)", "data type mismatch")}
    # nothing was written: the tables keep their contracted columns and types
    assert {t: columns(copy, t) for t in before} == before
    assert before["mart_denials"]["denial_rate"] == "DECIMAL(18,4)"


def test_a_retyped_column_fails_the_incremental_run_of_fct_claims(warehouse, tmp_path, monkeypatch):
    copy = warehouse_copy(warehouse, tmp_path, monkeypatch)
    rows = query(copy, "select count(*), max(_dbt_updated_at) from marts.fct_claims")
    project = variant_project(tmp_path, {"models/marts/fct_claims.sql": [
        ("{{ money('billed_amount') }} as billed_amount", "cast(billed_amount as double) as billed_amount")]})
    # fct_claims exists in the copy: this is an incremental run (increment checked, then merged)
    result = Dbt(tmp_path, "local", project_dir=project)("run", "--select", "fct_claims")
    assert [str(r.status) for r in result.result] == ["error"]
    assert contract_mismatches(result.result[0].message) == {
        "billed_amount": ("DOUBLE", "DECIMAL(18,2)", "data type mismatch")}
    assert query(copy, "select count(*), max(_dbt_updated_at) from marts.fct_claims") == rows
    assert columns(copy, "fct_claims")["billed_amount"] == "DECIMAL(18,2)"
