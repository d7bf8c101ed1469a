"""The contract loader reads the same YAML files as the TypeScript stages and maps them to Spark."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from pyspark.sql.types import (
    BooleanType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    TimestampType,
)

from hfc_glue.contract import (
    CONTRACTS_DIR,
    ENTITY_ORDER,
    ContractError,
    ContractSet,
    CurrentState,
    ForeignKey,
    RuleCondition,
    csv_read_options,
    curated_schema,
    load_contracts,
    raw_schema,
    reference_path,
    spark_date_format,
    spark_type,
)

CONTRACT_FILES = sorted(CONTRACTS_DIR.glob("*.yaml"))
BIRTH_DATE_FORMATS = load_contracts().by_name["members"].column("birth_date").cleanse.formats


def copy_contracts(tmp_path: Path) -> Path:
    target = tmp_path / "contracts"
    shutil.copytree(CONTRACTS_DIR, target)
    return target


def edit_contract(root: Path, dataset: str, change: Callable[[dict[str, Any]], None]) -> Path:
    """Applies `change` to the parsed contract and writes it back (comments are lost; fine here)."""
    path = root / f"{dataset}.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def column_index(doc: dict[str, Any], name: str) -> int:
    return next(i for i, c in enumerate(doc["columns"]) if c["name"] == name)


def load_error(root: Path) -> ContractError:
    with pytest.raises(ContractError) as info:
        load_contracts(root)
    return info.value


# --- loading -----------------------------------------------------------------------------------


def test_every_contract_loads(contracts: ContractSet) -> None:
    assert sorted(c.path.name for c in contracts) == [p.name for p in CONTRACT_FILES]
    assert [c.dataset for c in contracts.entities] == list(ENTITY_ORDER)
    assert {c.dataset for c in contracts.references} == {"denial_reasons", "diagnoses", "places_of_service", "plans", "specialties"}
    for c in contracts:
        assert c.columns, c.dataset
        assert c.path.parent == CONTRACTS_DIR


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


# --- schema errors name the file and the key ---------------------------------------------------


def test_schema_rejects_unknown_key(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    path = edit_contract(root, "members", lambda d: d["columns"][0].update(colour="red"))
    err = load_error(root)
    assert err.file == str(path)
    assert any(p.startswith('columns[0].colour (column "member_id"): unknown key "colour"') for p in err.problems), err.problems
    assert "members.yaml" in str(err)


@pytest.mark.parametrize(
    ("dataset", "key_path", "change"),
    [
        ("members", "columns[3].pii", lambda d: d["columns"][3].update(pii="secret")),
        ("claims", "row_rules[0].reason", lambda d: d["row_rules"][0].update(reason="SECRET")),
        ("providers", "kind", lambda d: d.update(kind="secret")),
        ("claims", "derived[0].function", lambda d: d["derived"][0].update(function="secret")),
    ],
)
def test_schema_rejects_bad_enum(tmp_path: Path, dataset: str, key_path: str, change: Callable[[dict[str, Any]], None]) -> None:
    root = copy_contracts(tmp_path)
    path = edit_contract(root, dataset, change)
    err = load_error(root)
    assert err.file == str(path)
    problem = next((p for p in err.problems if p.startswith(key_path)), None)
    assert problem is not None, err.problems
    assert '"secret"' in problem.lower() and "is not one of" in problem


def test_schema_rejects_missing_required_key(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    edit_contract(root, "providers", lambda d: d["columns"][2].pop("nullable"))
    err = load_error(root)
    assert err.problems == ['columns[2] (column "provider_type"): missing required key "nullable"']


# --- semantic errors ---------------------------------------------------------------------------


def _set_column(name: str, **values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: d["columns"][column_index(d, name)].update(values)


SEMANTIC_CASES: list[tuple[str, Callable[[dict[str, Any]], None], str, str]] = [
    ("claims", lambda d: d["foreign_keys"][0]["references"].update(dataset="patients"), "foreign_keys[0].references.dataset", "patients"),
    ("claims", lambda d: d["foreign_keys"][1]["references"].update(column="npi"), "foreign_keys[1].references.column", "npi"),
    ("claims", lambda d: d["foreign_keys"][0].update(column="member"), "foreign_keys[0].column", "member"),
    ("members", lambda d: d.update(primary_key=["member_key"]), "primary_key[0]", "member_key"),
    ("claims", lambda d: d["current_state"].update(order_by="version"), "current_state.order_by", "version"),
    ("providers", lambda d: d["history"]["tracked"].append("phone"), "history.tracked[5]", "phone"),
    ("claims", lambda d: d.update(partitioning=["service_yr"]), "partitioning[0]", "service_yr"),
    ("claims", lambda d: d["row_rules"][0]["columns"].insert(1, "service_until"), "row_rules[0] (row rule \"dates_ordered\").columns[1]", "service_until"),
    ("claims", lambda d: d["row_rules"][2]["when"]["in"].append("settled"), "row_rules[2] (row rule \"paid_claims_balance\").when.in[2]", "settled"),
    ("claims", lambda d: d["derived"][0]["args"].update(numerator="paid_amt"), "derived[0] (derived column \"reimbursement_ratio_allowed\").args.numerator", "paid_amt"),
    ("claims", lambda d: d["derived"][8]["args"]["labels"].pop(), "derived[8] (derived column \"age_band\").args.labels", "4 bounds need 5 labels"),
    ("claims", lambda d: d["derived"].insert(0, d["derived"].pop(8)), "derived[0] (derived column \"age_band\").args.column", "member_age_at_service"),
    ("claims", lambda d: d["derived"][6]["args"].update(key="provider_id"), "derived[6] (derived column \"member_birth_date\").args", "no foreign key"),
    ("claims", lambda d: d["derived"].append({**d["derived"][0]}), "derived[11].name", "clashes"),
    ("claims", _set_column("claim_id", pattern="^CLM[0-9{10}$"), 'columns[0] (column "claim_id").pattern', "not a valid regular expression"),
    ("claims", _set_column("billed_amount", type="decimal(40,2)"), 'columns[15] (column "billed_amount").type', "between 1 and 38"),
    ("members", lambda d: d["columns"].append(dict(d["columns"][0])), "columns[15].name", "declared twice"),
    ("members", lambda d: d["columns"][3]["cleanse"].pop("formats"), 'columns[3] (column "birth_date").cleanse.formats', "needs at least one format"),
    ("members", lambda d: d["columns"][3]["cleanse"]["formats"].append("%d %b %Y"), 'columns[3] (column "birth_date").cleanse.formats[3]', "%b is not supported"),
    ("members", lambda d: d.update(dataset="member"), "dataset", "must live in member.yaml"),
]


@pytest.mark.parametrize(("dataset", "change", "key_path", "detail"), SEMANTIC_CASES, ids=[c[2].split(" ")[0] for c in SEMANTIC_CASES])
def test_semantic_errors_name_file_and_key(
    tmp_path: Path, dataset: str, change: Callable[[dict[str, Any]], None], key_path: str, detail: str
) -> None:
    root = copy_contracts(tmp_path)
    path = edit_contract(root, dataset, change)
    err = load_error(root)
    assert err.file == str(path)
    assert any(p.startswith(key_path) and detail in p for p in err.problems), err.problems


def test_missing_entity_contract_is_reported(tmp_path: Path) -> None:
    root = copy_contracts(tmp_path)
    (root / "providers.yaml").unlink()
    edit_contract(root, "claims", lambda d: d.update(foreign_keys=[fk for fk in d["foreign_keys"] if fk["references"]["dataset"] != "providers"]))
    err = load_error(root)
    assert err.file == str(root.resolve() / "providers.yaml")


# --- Spark schemas -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", CONTRACT_FILES, ids=[p.stem for p in CONTRACT_FILES])
def test_raw_schema_is_all_strings_in_yaml_order(contracts: ContractSet, path: Path) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    schema = raw_schema(contracts[doc["dataset"]])
    assert schema.fieldNames() == [c["name"] for c in doc["columns"]]
    assert all(f.dataType == StringType() and f.nullable for f in schema.fields)


def test_curated_schema_types(contracts: ContractSet) -> None:
    claims = contracts["claims"]
    schema = curated_schema(claims)
    assert schema.fieldNames() == [*claims.column_names, *claims.derived_names]
    types = {f.name: f.dataType for f in schema.fields}
    assert types["claim_id"] == StringType()
    assert types["claim_version"] == IntegerType()
    assert types["service_from"] == DateType()
    assert types["ingestion_ts"] == TimestampType()
    for money in ("billed_amount", "allowed_amount", "paid_amount", "deductible_amount", "copay_amount", "coinsurance_amount"):
        assert types[money] == DecimalType(12, 2)
    # derived columns carry their own declared types
    assert types["reimbursement_ratio_allowed"] == DecimalType(9, 4)
    assert types["adjudication_days"] == IntegerType()
    assert types["high_value_flag"] == BooleanType()
    assert types["value_bucket"] == StringType()
    assert types["member_birth_date"] == DateType()
    assert types["service_year"] == IntegerType()
    nullable = {f.name: f.nullable for f in schema.fields}
    assert nullable["claim_id"] is False and nullable["paid_amount"] is True and nullable["turnaround_days"] is True
    assert schema["member_id"].metadata == {"comment": "Member who received the service.", "pii": "direct"}

    diagnoses = {f.name: f.dataType for f in curated_schema(contracts["diagnoses"]).fields}
    assert diagnoses["is_chronic"] == BooleanType()
    assert diagnoses["prevalence_weight"] == DoubleType()
    assert diagnoses["min_age"] == IntegerType()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("string", StringType()),
        ("integer", IntegerType()),
        ("bigint", LongType()),
        ("boolean", BooleanType()),
        ("date", DateType()),
        ("timestamp", TimestampType()),
        ("double", DoubleType()),
        ("decimal(12,2)", DecimalType(12, 2)),
        ("decimal(38,0)", DecimalType(38, 0)),
    ],
)
def test_spark_type(name: str, expected: Any) -> None:
    assert spark_type(name) == expected


@pytest.mark.parametrize("name", ["text", "decimal(39,2)", "decimal(4,5)", "decimal(0,0)", "Decimal(12,2)"])
def test_spark_type_rejects(name: str) -> None:
    with pytest.raises(ValueError):
        spark_type(name)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("%Y-%m-%d", "yyyy-MM-dd"),
        ("%m/%d/%Y", "MM/dd/yyyy"),
        ("%Y%m%d", "yyyyMMdd"),
        ("%Y-%m-%dT%H:%M:%S", "yyyy-MM-dd'T'HH:mm:ss"),
        ("%Y-%m-%d %H:%M:%S", "yyyy-MM-dd HH:mm:ss"),
        ("%d.%m.%Y", "dd.MM.yyyy"),
        ("%Y%%%m", "yyyy%MM"),
        ("%H o'clock", "HH' o''clock'"),
    ],
)
def test_spark_date_format(fmt: str, expected: str) -> None:
    assert spark_date_format(fmt) == expected


@pytest.mark.parametrize(("fmt", "message"), [("%d %b %Y", "%b"), ("%Y-%m-%", "lone"), ("today", "no date")])
def test_spark_date_format_rejects(fmt: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        spark_date_format(fmt)


def test_reference_path(contracts: ContractSet) -> None:
    for c in contracts.references:
        path = reference_path(c)
        assert path.is_file() and path.parent == CONTRACTS_DIR / "reference"
        with path.open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == list(c.column_names)
    with pytest.raises(ContractError, match="not a reference code set"):
        reference_path(contracts["claims"])


# --- on a real local SparkSession --------------------------------------------------------------

BIRTH_DATES = [dt.date(1931, 2, 28), dt.date(1980, 1, 15), dt.date(2000, 2, 29), dt.date(2024, 12, 31)]


def _write_members_csv(path: Path, columns: tuple[str, ...], birth_dates: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)  # RFC 4180: quotes fields with commas, doubles embedded quotes
        writer.writerow(columns)
        for i, birth in enumerate(birth_dates):
            row = {name: "" for name in columns}
            row.update(
                member_id=f"M{i:09d}",
                first_name='Ann "Nan"',
                last_name="O'Brien",
                birth_date=birth,
                street="12 Main St, Apt 4",
                updated_at="2025-01-01 08:00:00",
            )
            writer.writerow([row[name] for name in columns])


def _invalid_date(fmt: str) -> str:
    # 30 February rendered in the same format: well-formed text, impossible date.
    return fmt.replace("%Y", "1980").replace("%m", "02").replace("%d", "30")


@pytest.mark.spark
@pytest.mark.parametrize("fmt", BIRTH_DATE_FORMATS)
def test_spark_parses_each_birth_date_format(spark: Any, contracts: ContractSet, tmp_path: Path, fmt: str) -> None:
    from pyspark.sql import functions as F

    members = contracts["members"]
    path = tmp_path / "members.csv"
    texts = [d.strftime(fmt) for d in BIRTH_DATES] + [f"  {BIRTH_DATES[1].strftime(fmt)} ", _invalid_date(fmt)]
    _write_members_csv(path, members.column_names, texts)

    df = spark.read.options(**csv_read_options(members)).schema(raw_schema(members)).csv(str(path))
    assert df.schema == raw_schema(members)
    rows = df.select(
        "member_id",
        "first_name",
        "street",
        F.to_date(F.trim(F.col("birth_date")), spark_date_format(fmt)).alias("birth_date"),
    ).orderBy("member_id").collect()

    assert [r.birth_date for r in rows] == [*BIRTH_DATES, BIRTH_DATES[1], None]
    assert rows[0].first_name == 'Ann "Nan"' and rows[0].street == "12 Main St, Apt 4"


@pytest.mark.spark
def test_spark_tries_formats_in_order_without_failing_the_job(spark: Any, contracts: ContractSet) -> None:
    # Under Spark's default parser policy "1/5/1980" aborts the job (SparkUpgradeException);
    # SPARK_SESSION_CONF makes every miss a NULL so the cleanse step can quarantine the row.
    from pyspark.sql import functions as F

    members = contracts["members"]

    def parse(column: str, to: Callable[..., Any]) -> Any:
        formats = members.column(column).cleanse.formats
        return F.coalesce(*[to(F.col(column), spark_date_format(f)) for f in formats]).alias(column)

    df = spark.createDataFrame(
        [
            ("1980-01-15", "2025-03-01 10:11:12"),
            ("01/15/1980", "2025-03-01T10:11:12"),
            ("19800115", "2025-03-01"),
            ("1/5/1980", "01/03/2025"),
            ("garbage", "2025-03-01 25:00:00"),
        ],
        ["birth_date", "updated_at"],
    )
    rows = df.select(parse("birth_date", F.to_date), parse("updated_at", F.to_timestamp)).collect()
    assert [r.birth_date for r in rows] == [dt.date(1980, 1, 15)] * 3 + [None, None]
    assert [r.updated_at for r in rows] == [
        dt.datetime(2025, 3, 1, 10, 11, 12),
        dt.datetime(2025, 3, 1, 10, 11, 12),
        dt.datetime(2025, 3, 1),
        None,
        None,
    ]


@pytest.mark.spark
def test_spark_rejects_csv_whose_header_is_not_the_contract(spark: Any, contracts: ContractSet, tmp_path: Path) -> None:
    members = contracts["members"]
    shuffled = list(members.column_names)
    shuffled[1], shuffled[2] = shuffled[2], shuffled[1]
    path = tmp_path / "members.csv"
    _write_members_csv(path, tuple(shuffled), ["1980-01-15"])
    df = spark.read.options(**csv_read_options(members)).schema(raw_schema(members)).csv(str(path))
    with pytest.raises(Exception, match="does not conform to the schema"):
        df.collect()


@pytest.mark.spark
def test_spark_accepts_curated_schema(spark: Any, contracts: ContractSet) -> None:
    for c in contracts:
        schema = curated_schema(c)
        assert spark.createDataFrame([], schema).schema == schema
