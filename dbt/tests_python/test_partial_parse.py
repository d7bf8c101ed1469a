"""The edit-run loop parses the project partially: after an edit, dbt re-reads only the changed
files from its saved manifest (target/partial_parse.msgpack). dbt 1.9's YAML-only snapshots are
lost by that partial parse when a generic test they use changes (dbt-core #10903, #11444); ours are
SQL blocks, and this test keeps them that way."""

from __future__ import annotations

import json

from conftest import Dbt, variant_project


def nodes(dbt: Dbt) -> set[str]:
    manifest = json.loads((dbt.target_path / "manifest.json").read_text())
    return set(manifest["nodes"])


def test_an_edited_generic_test_keeps_every_snapshot_and_its_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("CLAIMS_WAREHOUSE", str(tmp_path / "warehouse.duckdb"))
    project = variant_project(tmp_path, {})
    dbt = Dbt(tmp_path, "local", project_dir=project)
    assert dbt("parse").success
    before = nodes(dbt)
    snapshots = {n for n in before if n.startswith("snapshot.")}
    assert snapshots == {"snapshot.health_finance_claims.members_snapshot",
                         "snapshot.health_finance_claims.providers_snapshot"}
    assert any("members_snapshot" in n for n in before if n.startswith("test.")), "the snapshots have tests"

    generic = project / "tests" / "generic" / "row_rules.sql"
    generic.write_text(generic.read_text() + "\n{# an edit #}\n")
    result = dbt("parse")
    assert result.success, result.exception
    assert (dbt.target_path / "partial_parse.msgpack").exists(), "the second parse was a partial one"
    assert nodes(dbt) == before
