"""The project's dbt unit tests (`unit_tests:` in models/*/_*__unit_tests.yml): fixed input rows
for the logic-heavy models (claim current state and lifecycle, eligibility months, PMPM
attribution, provider risk flags, SCD2 effective windows, the increments of the incremental
models) and the rows each must return.

They pass in the session's DuckDB build (conftest.py runs `dbt build`, unit tests included), and
each one fails when the logic it covers is broken: a copy of the project with one mistake per
model, run against the same warehouse, fails every unit test.
"""

from __future__ import annotations

from conftest import Dbt, variant_project

UNIT_TESTS = {
    "claim_current_state_and_lifecycle", "eligibility_months_follow_coverage_and_plan_changes",
    "provider_risk_flags_and_tiers", "pmpm_attributes_claims_to_eligibility_months",
    "scd2_effective_windows_of_dim_members", "scd2_effective_windows_of_dim_providers",
    "claim_current_state_recomputes_only_changed_claims", "member_day_increment_recomputes_old_and_new_keys",
}


def unit_results(statuses: dict[str, str]) -> dict[str, str]:
    return {uid.split(".")[-1]: s for uid, s in statuses.items() if uid.startswith("unit_test.")}


def test_every_unit_test_passes_in_the_build(warehouse):
    _, _, states = warehouse
    assert unit_results(states[1]["statuses"]) == {name: "pass" for name in UNIT_TESTS}


def test_each_unit_test_fails_when_its_logic_is_broken(warehouse, tmp_path):
    project = variant_project(tmp_path, {
        # the oldest version wins instead of the latest
        "models/intermediate/int_claims__current_state.sql": [
            ("order by claim_version desc, _batch_id desc, ingestion_ts desc",
             "order by claim_version, _batch_id, ingestion_ts"),
            # an increment that also recomputes the claims of the last batch already built
            ("where _batch_id > (select coalesce(max(last_batch_id), 0) from {{ this }})",
             "where _batch_id >= (select coalesce(max(last_batch_id), 0) from {{ this }})")],
        # the day a corrected claim left keeps its old figures
        "models/marts/fct_member_claims_daily.sql": [
            ("from changed_keys as k\n    left join daily as d", "from changed_keys as k\n    inner join daily as d")],
        # months before the first recorded state lose their plan
        "models/intermediate/int_members__eligibility_months.sql": [
            ("and (s.state_number = 1 or s.updated_at <=", "and (s.updated_at <=")],
        # two flags are no longer HIGH
        "models/marts/mart_provider_risk.sql": [
            ("+ cast(is_denial_outlier as integer) >= 2 then 'HIGH'", "+ cast(is_denial_outlier as integer) >= 3 then 'HIGH'")],
        # claims counted in every eligibility month of their member
        "models/marts/mart_pmpm_monthly.sql": [
            ("on c.member_id = e.member_id\n        and c.month_start_date = e.month_start_date",
             "on c.member_id = e.member_id")],
        # the first version no longer covers the dates before it was recorded
        "macros/claims/scd2_version_columns.sql": [
            ("then cast('1900-01-01 00:00:00' as {{ dbt.type_timestamp() }})", "then dbt_valid_from")],
    })
    result = Dbt(tmp_path, "local", project_dir=project)("test", "--select", "test_type:unit")
    assert {r.node.name: str(r.status) for r in result.result} == {name: "fail" for name in UNIT_TESTS}
