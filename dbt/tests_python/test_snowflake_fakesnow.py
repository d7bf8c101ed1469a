"""The same project on Snowflake SQL, proven without an account: dbt-snowflake runs in-process
against fakesnow (`fakesnow.patch()` replaces snowflake.connector.connect with an emulator backed
by DuckDB). Batch 1 gets a full `dbt build --target snowflake` (every model, snapshot and test);
batch 2 re-runs the models and snapshots up to fct_claims, exercising the snapshot MERGE and the
incremental MERGE on Snowflake SQL. Last, a changed copy of the project shows the marts' model
contracts enforced on Snowflake SQL too (test_model_contracts.py does the same on DuckDB).

The emulator needs the project's emulator overlay for two dbt-generated statements
(dbt/emulator_overlay/, on the macro path with CLAIMS_DBT_EMULATOR_OVERLAY=1); real Snowflake runs
dbt's own SQL.
"""

from __future__ import annotations

import pytest

import pipeline_input
from conftest import Dbt, contract_mismatches, problems, variant_project

fakesnow = pytest.importorskip("fakesnow")
snowflake_connector = pytest.importorskip("snowflake.connector")

SIZES = dict(members=150, providers=50, claims=400)


@pytest.fixture(scope="module")
def snowflake(tmp_path_factory, pipeline_workspace):
    work = tmp_path_factory.mktemp("fakesnow_build")
    mp = pytest.MonkeyPatch()
    for name, value in {"SNOWFLAKE_ACCOUNT": "fakesnow", "SNOWFLAKE_USER": "dbt", "SNOWFLAKE_PASSWORD": "unused",
                        "SNOWFLAKE_DATABASE": "CLAIMS", "SNOWFLAKE_SCHEMA": "PUBLIC",
                        # one thread: concurrent MERGEs collide on fakesnow's shared MERGE_CANDIDATES
                        # bookkeeping (its emulation, not Snowflake); extra threads gain nothing here anyway
                        "CLAIMS_DBT_THREADS": "1",
                        # the emulator overlay's macros join the macro path (dbt_project.yml)
                        "CLAIMS_DBT_EMULATOR_OVERLAY": "1"}.items():
        mp.setenv(name, value)
    dbt = Dbt(work, "snowflake")
    with fakesnow.patch():
        conn = snowflake_connector.connect(database="CLAIMS", schema="PUBLIC")
        cursor = conn.cursor()

        def sql(statement):
            return cursor.execute(statement).fetchall()

        # the pipeline loads batch 1 into its DuckDB warehouse; its raw schema is copied to the emulator
        pipeline_input.copy_raw_to_snowflake(pipeline_workspace(1, **SIZES) / "warehouse.duckdb", conn)
        # unit tests check the SQL on fixed rows (test_unit_tests.py runs them on DuckDB); dbt builds
        # their fixtures as temporary tables, which the emulator cannot create (as with snapshots)
        first = dbt("build", "--exclude-resource-type", "unit_test")
        after_first = {
            "problems": problems(first),
            "results": {r.node.unique_id: str(r.status) for r in (first.result or [])},
            "fct": sql("select count(*), count(distinct claim_id), sum(billed_amount) from marts.fct_claims")[0],
            "pending": {row[0] for row in sql("select claim_id from marts.fct_claims where claim_status = 'pending'")},
        }
        pipeline_input.copy_raw_to_snowflake(pipeline_workspace(2, **SIZES) / "warehouse.duckdb", conn)
        second = dbt("build", "--select", "+fct_claims", "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test")
        yield {"sql": sql, "first": after_first, "second_problems": problems(second)}
        conn.close()
    mp.undo()


def test_full_build_succeeds_on_snowflake_sql(snowflake):
    first = snowflake["first"]
    assert first["problems"] == []
    tests = {k: s for k, s in first["results"].items() if k.startswith("test.")}
    assert len(tests) > 35, "the project's tests ran on the emulator"
    assert {k: s for k, s in tests.items() if s != "pass"} == {}, "no failures and no warnings"
    row_rules = [k for k in first["results"] if k.startswith("test.health_finance_claims.row_rules_")]
    assert len(row_rules) >= 25, "one test of each model's row-level rules"
    assert all(first["results"][k] == "pass" for k in row_rules)
    assert all(first["results"][f"model.health_finance_claims.{m}"] == "success" for m in (
        "fct_claims", "dim_members", "dim_providers", "dim_date", "dim_diagnosis", "fct_member_claims_daily",
        "mart_pmpm_monthly", "mart_denials", "mart_turnaround", "mart_high_cost_claimants", "mart_provider_risk",
        "mart_claims_outside_eligibility"))


def test_fct_claims_has_data(snowflake):
    rows, distinct, billed = snowflake["first"]["fct"]
    assert rows > 300 and rows == distinct
    assert billed > 0


def test_marts_have_data(snowflake):
    sql = snowflake["sql"]
    for table in ("mart_pmpm_monthly", "mart_denials", "mart_turnaround", "mart_provider_risk",
                  "mart_high_cost_claimants", "fct_member_claims_daily", "dim_date"):
        assert sql(f"select count(*) from marts.{table}")[0][0] > 0, table
    # no failure tables: a failing test's rows are read on demand with its compiled SQL
    assert sql("select count(*) from information_schema.tables where table_schema = 'TEST_FAILURES'")[0][0] == 0


def test_second_batch_merges_and_snapshots_on_snowflake_sql(snowflake):
    assert snowflake["second_problems"] == []
    sql = snowflake["sql"]
    rows, distinct = sql("select count(*), count(distinct claim_id) from marts.fct_claims")[0]
    assert rows == distinct == sql("select count(distinct claim_id) from raw.claims")[0][0]
    assert sql("select count(*) from marts.fct_claims where _dbt_updated_at > _dbt_inserted_at")[0][0] > 0
    moved = sql("select claim_id from marts.fct_claims where claim_status <> 'pending' and version_count > 1")
    assert {c for (c,) in moved} & snowflake["first"]["pending"], "claims pending after batch 1 moved on"
    versions, members = sql("select count(*), count(distinct member_id) from snapshots.members_snapshot")[0]
    assert versions > members, "members changed in batch 2 got a second SCD2 version"


def test_contracts_are_enforced_on_snowflake_sql(snowflake, tmp_path):
    """Snowflake's contract check compares type families (FIXED, REAL, TEXT, ...), not precisions:
    a renamed column, or a money column computed as FLOAT, fails the model before it is written."""
    sql = snowflake["sql"]
    contracted_columns = ("select table_name, column_name, data_type from information_schema.columns "
                          "where table_schema = 'MARTS' and column_name in ('RISK_TIER', 'PAID_12M') order by 1")
    before = sql(contracted_columns)
    assert [(table, column) for table, column, _ in before] == [
        ("MART_HIGH_COST_CLAIMANTS", "PAID_12M"), ("MART_PROVIDER_RISK", "RISK_TIER")]
    project = variant_project(tmp_path, {
        "models/marts/mart_provider_risk.sql": [
            ("        else 'LOW'\n    end as risk_tier\n", "        else 'LOW'\n    end as risk_level\n")],
        "models/marts/mart_high_cost_claimants.sql": [
            ("{{ money('r.paid_12m') }} as paid_12m", "cast(r.paid_12m as double) as paid_12m")],
    })
    result = Dbt(tmp_path, "snowflake", project_dir=project)(
        "run", "--select", "mart_provider_risk", "mart_high_cost_claimants")
    by_model = {r.node.name: r for r in result.result}
    assert {name: str(r.status) for name, r in by_model.items()} == {
        "mart_provider_risk": "error", "mart_high_cost_claimants": "error"}
    assert contract_mismatches(by_model["mart_provider_risk"].message) == {
        "risk_level": ("TEXT", "", "missing in contract"), "risk_tier": ("", "TEXT", "missing in definition")}
    assert contract_mismatches(by_model["mart_high_cost_claimants"].message) == {
        "paid_12m": ("REAL", "FIXED", "data type mismatch")}
    assert sql(contracted_columns) == before


def test_a_contract_change_stops_the_incremental_fct_claims_until_a_full_refresh(snowflake, tmp_path):
    """on_schema_change 'fail': a column added to the SQL and the contract does not reach a table
    whose earlier rows would lack it; the run fails and says how to reconcile (a full refresh)."""
    sql = snowflake["sql"]
    rows = sql("select count(*), max(_dbt_updated_at) from marts.fct_claims")
    project = variant_project(tmp_path, {
        "models/marts/fct_claims.sql": [
            ("as _dbt_updated_at\nfrom joined", "as _dbt_updated_at,\n    claim_type as claim_form\nfrom joined")],
        "models/marts/fct_claims.yml": [
            ("        description: When dbt last merged the claim's row.\n",
             "        description: When dbt last merged the claim's row.\n"
             "      - name: claim_form\n        data_type: varchar\n        description: A column added to the contract.\n")],
    })
    result = Dbt(tmp_path, "snowflake", project_dir=project)("run", "--select", "fct_claims")
    assert [str(r.status) for r in result.result] == ["error"]
    message = result.result[0].message
    assert "out of sync" in message and "full_refresh" in message and "CLAIM_FORM" in message
    assert sql("select count(*), max(_dbt_updated_at) from marts.fct_claims") == rows
    fct_columns = {c for (c,) in sql("select column_name from information_schema.columns "
                                     "where table_schema = 'MARTS' and table_name = 'FCT_CLAIMS'")}
    assert "_DBT_UPDATED_AT" in fct_columns and "CLAIM_FORM" not in fct_columns
