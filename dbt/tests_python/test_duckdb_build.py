"""`dbt build --target local` on a DuckDB warehouse loaded batch by batch (1 -> 2 -> 3)
(the session fixture `warehouse` in conftest.py).

After every batch all models, snapshots and tests must pass, with no warnings (what used to be
informative warn-severity tests are marts now). Across batches: the snapshots accumulate SCD2 history, fct_claims
follows claims through their status changes by merging (one row per claim, updated in place),
and the incremental result equals a full rebuild.
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from conftest import Dbt, problems, query


@pytest.mark.parametrize("batch", [1, 2, 3])
def test_every_model_snapshot_and_test_passes_after_each_batch(warehouse, batch):
    _, _, states = warehouse
    assert states[batch]["problems"] == []
    statuses = states[batch]["statuses"]
    tests = {k: s for k, s in statuses.items() if k.startswith("test.")}
    assert len(tests) > 35, "the project's tests did run"
    # reports are marts, not tests: a healthy build has no warnings
    assert {k: s for k, s in tests.items() if s != "pass"} == {}
    assert statuses["model.health_finance_claims.fct_claims"] == "success"
    assert statuses["snapshot.health_finance_claims.members_snapshot"] == "success"


def test_fct_claims_has_one_row_per_claim_after_every_batch(warehouse):
    db, _, states = warehouse
    raw_ids = query(db, "select count(distinct claim_id) from raw.claims")[0][0]
    rows, distinct = query(db, "select count(*), count(distinct claim_id) from marts.fct_claims")[0]
    assert rows == distinct == raw_ids
    # every batch brought new claims, none was duplicated
    assert len(states[1]["claims"]) < len(states[2]["claims"]) < len(states[3]["claims"]) == rows


def test_status_changes_reach_fct_claims(warehouse):
    db, _, states = warehouse
    # claims pending after batch 1 whose next version (batch 2) paid or denied them
    moved = query(db, """
        select claim_id, claim_status from raw.claims
        where _batch_id = 2 and claim_status in ('paid', 'denied')
          and claim_id in (select claim_id from raw.claims where _batch_id = 1 and claim_status = 'pending')""")
    assert moved, "the timeline moves some pending claims on in batch 2"
    for claim_id, status in moved:
        assert states[1]["claims"][claim_id][0] == "pending"
        assert states[2]["claims"][claim_id][0] == status
        assert states[2]["claims"][claim_id][1] == 2
    pending_to_paid = [c for c, s in moved if s == "paid"]
    assert pending_to_paid, "a claim pending after batch 1 is paid after batch 2"


def test_incremental_merge_updates_rows_in_place(warehouse):
    db, _, _ = warehouse
    updated, inserted_later = query(db, """
        select sum(case when _dbt_updated_at > _dbt_inserted_at then 1 else 0 end),
               sum(case when _first_batch_id > 1 then 1 else 0 end)
        from marts.fct_claims""")[0]
    assert updated > 0, "claims that moved on were merged into their existing rows"
    assert inserted_later > 0
    # the claims updated in place are exactly those that are not new in their batch
    stale = query(db, """
        select count(*) from marts.fct_claims
        where _batch_id > _first_batch_id and _dbt_updated_at = _dbt_inserted_at""")[0][0]
    assert stale == 0


def test_snapshots_hold_every_state_as_scd2_history(warehouse):
    db, _, _ = warehouse
    for entity, key in (("members", "member_id"), ("providers", "provider_id")):
        raw_states = query(db, f"select count(distinct ({key}, updated_at)) from raw.{entity}")[0][0]
        snapshot_rows, keys, current = query(db, f"""
            select count(*), count(distinct {key}), sum(case when dbt_valid_to is null then 1 else 0 end)
            from snapshots.{entity}_snapshot""")[0]
        # built after every batch, each state in raw was once the latest one: one version each
        assert snapshot_rows == raw_states
        assert current == keys
    multi = query(db, "select count(*) from marts.dim_members where version_number > 1")[0][0]
    assert multi > 0, "members that moved or changed plan in batches 2 and 3 have several versions"
    # the version valid on each service date is used by fct_claims
    older_versions = query(db, """
        select count(*) from marts.fct_claims f join marts.dim_members m using (member_version_key)
        where not m.is_current""")[0][0]
    assert older_versions > 0, "claims serviced before a member's change point at the earlier version"


@pytest.mark.parametrize("relation", ["marts.fct_claims", "intermediate.int_claims__current_state", "marts.fct_member_claims_daily"])
def test_incremental_result_equals_a_full_rebuild(warehouse, relation):
    """Built batch by batch, each incremental model holds what one build over all batches makes."""
    db, dbt, _ = warehouse
    model = relation.split(".")[1]
    audit = "exclude (_dbt_inserted_at, _dbt_updated_at)" if model == "fct_claims" else ""
    con = duckdb.connect(str(db))
    con.execute(f"create or replace table main.{model}_incremental as select * {audit} from {relation}")
    con.close()
    assert problems(dbt("run", "--select", model, "--full-refresh")) == []
    rows, diff = query(db, f"""
        select (select count(*) from {relation}), count(*) from (
            (select * from main.{model}_incremental except select * {audit} from {relation})
            union all
            (select * {audit} from {relation} except select * from main.{model}_incremental))""")[0]
    assert rows > 0 and diff == 0


def test_row_level_tests_of_an_incremental_build_check_its_batch_only(warehouse, tmp_path, monkeypatch):
    """With the batch scope the transform stage sets for a later batch, the row-level rules read
    that batch's rows; uniqueness and a build without the scope read them all."""
    db, _, _ = warehouse
    # the file's name is the catalog the compiled SQL names
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(db, copy)
    monkeypatch.setenv("CLAIMS_WAREHOUSE", str(copy))
    dbt = Dbt(tmp_path / "work", "local")

    def failures(scope: int | None) -> dict[str, int]:
        if scope is None:
            monkeypatch.delenv("CLAIMS_DBT_BATCH_SCOPE", raising=False)
        else:
            monkeypatch.setenv("CLAIMS_DBT_BATCH_SCOPE", str(scope))
        result = dbt("test", "--select", "stg_payer__claims")
        assert result.exception is None
        return {r.node.name: r.failures for r in result.result if str(r.status) == "fail"}

    billed = "row_rules_stg_payer__claims"
    con = duckdb.connect(str(copy))
    # a negative charge in a claim version of batch 1 ...
    con.execute("update raw.claims set billed_amount = -1 where rowid = (select rowid from raw.claims where _batch_id = 1 order by claim_id, claim_version limit 1)")
    con.close()
    assert failures(None)[billed] == 1
    assert billed not in failures(3)
    # ... and one in batch 3, the batch being built
    con = duckdb.connect(str(copy))
    con.execute("update raw.claims set billed_amount = -2 where rowid = (select rowid from raw.claims where _batch_id = 3 order by claim_id, claim_version limit 1)")
    # a repeated version of batch 1: uniqueness is checked over every batch
    con.execute("insert into raw.claims select * from raw.claims where _batch_id = 1 order by claim_id desc limit 1")
    con.close()
    # scoped: the batch-3 charge and both copies of the repeated version, not the batch-1 charge
    assert failures(3)[billed] == 3
    assert failures(None)[billed] == 4


def test_every_model_and_column_is_documented(warehouse):
    db, dbt, _ = warehouse
    manifest = json.loads((dbt.target_path / "manifest.json").read_text())
    actual = {}
    for schema, table, column in query(db, """
            select table_schema, table_name, column_name from information_schema.columns
            where table_schema in ('staging', 'intermediate', 'marts', 'snapshots')"""):
        actual.setdefault((schema, table), set()).add(column.lower())
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "snapshot"):
            continue
        if not node["description"].strip():
            missing.append(f"{node['name']}: no description")
        documented = {c.lower() for c, meta in node["columns"].items() if meta["description"].strip()}
        for column in sorted(actual[(node["schema"], node["alias"])] - documented):
            missing.append(f"{node['name']}.{column}")
    assert missing == []
