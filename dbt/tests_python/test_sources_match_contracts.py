"""The dbt sources are checked against the raw tables the pipeline's load stage writes, and the
staging tests against the dataset contracts (pipeline/contracts/*.yaml), the single source of
truth for allowed values."""

from __future__ import annotations

import pytest
import yaml

import pipeline_input
from conftest import DUCKDB_SIZES, PROJECT_DIR, query

STAGING = PROJECT_DIR / "models" / "staging"
# staging renames (source column -> staging column); everything else keeps its name
RENAMES = {
    "members": {"zip": "zip_code", "coverage_start": "coverage_start_date", "coverage_end": "coverage_end_date"},
    "providers": {"zip": "zip_code"},
    "claims": {"service_from": "service_from_date", "service_to": "service_to_date",
               "place_of_service": "place_of_service_code", "denial_reason": "denial_reason_code"},
    "diagnoses": {"code": "diagnosis_code", "code_display": "diagnosis_code_display",
                  "description": "diagnosis_description", "category": "diagnosis_category", "sex": "applies_to_sex"},
    "specialties": {"default_place_of_service": "default_place_of_service_code"},
    "plans": {},
    "places_of_service": {"code": "place_of_service_code", "name": "place_of_service_name"},
    "denial_reasons": {"code": "denial_reason_code", "description": "denial_reason_description"},
}
SOURCE_OF = {**{d: "payer" for d in pipeline_input.ENTITIES}, **{d: "reference" for d in pipeline_input.REFERENCES}}


def load(path):
    return yaml.safe_load(path.read_text())


def source_tables():
    tables = {}
    for name in ("payer", "reference"):
        for source in load(STAGING / name / f"_{name}__sources.yml")["sources"]:
            assert source["schema"] == "raw"
            for table in source["tables"]:
                tables[table["name"]] = [c["name"] for c in table["columns"]]
    return tables


def staging_accepted_values(dataset):
    models = load(STAGING / SOURCE_OF[dataset] / f"_{SOURCE_OF[dataset]}__models.yml")["models"]
    model = next(m for m in models if m["name"] == f"stg_{SOURCE_OF[dataset]}__{dataset}")
    rules = next(t["row_rules"]["arguments"] for t in model["data_tests"] if isinstance(t, dict) and "row_rules" in t)
    return {column: set(map(str, values)) for column, values in rules.get("accepted_values", {}).items()}


@pytest.mark.parametrize("dataset", [*pipeline_input.ENTITIES, *pipeline_input.REFERENCES])
def test_source_columns_are_the_loaded_raw_columns(dataset, pipeline_workspace):
    db = pipeline_workspace(1, **DUCKDB_SIZES) / "warehouse.duckdb"
    loaded = [c for (c,) in query(db, "select column_name from information_schema.columns "
                                      f"where table_schema = 'raw' and table_name = '{dataset}' order by ordinal_position")]
    assert loaded, f"the load stage wrote raw.{dataset}"
    assert source_tables()[dataset] == loaded


@pytest.mark.parametrize("dataset", [*pipeline_input.ENTITIES, *pipeline_input.REFERENCES])
def test_every_contract_allowed_values_list_is_an_accepted_values_test(dataset):
    contract = pipeline_input.contract(dataset)
    tested = staging_accepted_values(dataset)
    for column in contract["columns"]:
        if "allowed_values" in column:
            staged = RENAMES[dataset].get(column["name"], column["name"])
            assert tested.get(staged) == {str(v) for v in column["allowed_values"]}, staged
