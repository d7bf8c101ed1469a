"""Dataset contracts for the PySpark jobs.

The YAML files in pipeline/contracts are the single source of truth for every stage. This module
reads them exactly as the TypeScript loader (pipeline/contract/load.ts) does: the same JSON Schema
(Draft 2020-12), YAML 1.2 scalar rules, the same semantic checks, plus a few that only matter to
Spark (date formats Spark can express, decimal sizes Spark can hold). Everything here is pure: no
SparkSession and no AWS call is needed.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from pyspark.sql.types import (
    BooleanType,
    DataType,
    DateType,
    DecimalType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

# glue/hfc_glue/contract.py -> <repo>/pipeline/contracts. A Glue job ships the package as a zip
# without the repository around it, so every entry point also takes an explicit directory.
CONTRACTS_DIR = Path(__file__).resolve().parent.parent.parent / "pipeline" / "contracts"
SCHEMA_FILE = Path("schema") / "contract.schema.json"

# Entity datasets in dependency order: a dataset comes after every dataset it references.
ENTITY_ORDER: tuple[str, ...] = ("members", "providers", "claims")

QUARANTINE_REASONS: tuple[str, ...] = (
    "MALFORMED_ROW",
    "MISSING_REQUIRED",
    "INVALID_NUMBER",
    "INVALID_DATE",
    "INVALID_VALUE",
    "OUT_OF_RANGE",
    "ORPHAN_FOREIGN_KEY",
    "DUPLICATE_KEY",
    "INCONSISTENT_DATES",
    "INCONSISTENT_AMOUNTS",
)

# Session settings under which to_date/to_timestamp with spark_date_format() patterns behave like
# "try each contract format in order": a value a format does not fit yields NULL. With Spark's
# default policy (EXCEPTION) values such as "1/5/1980" abort the whole job with
# SparkUpgradeException, and ANSI mode raises instead of returning NULL. UTC keeps wall-clock
# timestamps from the CSV unshifted (no DST gaps).
SPARK_SESSION_CONF: Mapping[str, str] = {
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.session.timeZone": "UTC",
}


class ContractError(Exception):
    """A contract file is invalid. `file` is its path; each problem starts with a key path."""

    def __init__(self, file: str | os.PathLike[str], problems: Sequence[str]) -> None:
        self.file = str(file)
        self.problems = list(problems)
        listed = "\n  - ".join(self.problems)
        super().__init__(
            f"Invalid contract {self.file}:\n  - {listed}\n"
            "Fix the contract file; it is the single source of truth every stage reads."
        )


# ---------------------------------------------------------------------------------------------
# Typed view of a validated contract
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    format: str
    delimiter: str
    header: bool
    encoding: str
    quote: str = '"'
    null_values: tuple[str, ...] = ()
    file: str | None = None


@dataclass(frozen=True)
class Cleanse:
    trim: bool = False
    case: str = "none"
    formats: tuple[str, ...] = ()
    strip_chars: str | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    description: str
    pii: str
    allowed_values: tuple[str, ...] | None = None
    pattern: str | None = None
    min: float | int | str | None = None
    max: float | int | str | None = None
    check: str | None = None
    cleanse: Cleanse = field(default_factory=Cleanse)
    generator: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DerivedColumn:
    name: str
    type: str
    description: str
    function: str
    args: Mapping[str, Any]


@dataclass(frozen=True)
class RuleCondition:
    column: str
    values: tuple[str, ...]  # `in` in the YAML; a Python keyword


@dataclass(frozen=True)
class RowRule:
    name: str
    kind: str
    description: str
    reason: str
    columns: tuple[str, ...] = ()
    column: str | None = None
    when: RuleCondition | None = None
    terms: tuple[str, ...] = ()
    total: str | None = None


@dataclass(frozen=True)
class ForeignKey:
    column: str
    ref_dataset: str
    ref_column: str


@dataclass(frozen=True)
class CurrentState:
    key: tuple[str, ...]
    order_by: str


@dataclass(frozen=True)
class History:
    key: tuple[str, ...]
    updated_at: str
    tracked: tuple[str, ...] = ()


@dataclass(frozen=True)
class Contract:
    dataset: str
    version: int
    kind: str
    description: str
    grain: str
    source: Source
    primary_key: tuple[str, ...]
    columns: tuple[Column, ...]
    path: Path
    derived: tuple[DerivedColumn, ...] = ()
    row_rules: tuple[RowRule, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    partitioning: tuple[str, ...] = ()
    current_state: CurrentState | None = None
    history: History | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Raw CSV column names, in landing order."""
        return tuple(c.name for c in self.columns)

    @property
    def derived_names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self.derived)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f'{self.dataset} has no column "{name}" (contract {self.path})')


@dataclass(frozen=True)
class ContractSet:
    """Every contract in a directory, by dataset name."""

    dir: Path
    by_name: Mapping[str, Contract]

    @property
    def entities(self) -> tuple[Contract, ...]:
        return tuple(self.by_name[n] for n in ENTITY_ORDER)

    @property
    def references(self) -> tuple[Contract, ...]:
        return tuple(c for c in self.by_name.values() if c.kind == "reference")

    def __getitem__(self, name: str) -> Contract:
        try:
            return self.by_name[name]
        except KeyError:
            raise KeyError(f'No contract for dataset "{name}" in {self.dir}') from None

    def __contains__(self, name: object) -> bool:
        return name in self.by_name

    def __iter__(self):
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)


def _column(d: Mapping[str, Any]) -> Column:
    cl = d.get("cleanse") or {}
    return Column(
        name=d["name"],
        type=d["type"],
        nullable=d["nullable"],
        description=d["description"],
        pii=d["pii"],
        allowed_values=tuple(d["allowed_values"]) if "allowed_values" in d else None,
        pattern=d.get("pattern"),
        min=d.get("min"),
        max=d.get("max"),
        check=d.get("check"),
        cleanse=Cleanse(
            trim=cl.get("trim", False),
            case=cl.get("case", "none"),
            formats=tuple(cl.get("formats", ())),
            strip_chars=cl.get("strip_chars"),
        ),
        generator=dict(d.get("generator") or {}),
    )


def _row_rule(d: Mapping[str, Any]) -> RowRule:
    when = d.get("when")
    return RowRule(
        name=d["name"],
        kind=d["kind"],
        description=d["description"],
        reason=d["reason"],
        columns=tuple(d.get("columns", ())),
        column=d.get("column"),
        when=RuleCondition(when["column"], tuple(when["in"])) if when else None,
        terms=tuple(d.get("terms", ())),
        total=d.get("total"),
    )


def _contract(doc: Mapping[str, Any], path: Path) -> Contract:
    """Builds the typed view of a document that already passed the JSON Schema."""
    src = doc["source"]
    cs = doc.get("current_state")
    hist = doc.get("history")
    return Contract(
        dataset=doc["dataset"],
        version=doc["version"],
        kind=doc["kind"],
        description=doc["description"],
        grain=doc["grain"],
        source=Source(
            format=src["format"],
            delimiter=src["delimiter"],
            header=src["header"],
            encoding=src["encoding"],
            quote=src.get("quote", '"'),
            null_values=tuple(src.get("null_values", ())),
            file=src.get("file"),
        ),
        primary_key=tuple(doc["primary_key"]),
        columns=tuple(_column(c) for c in doc["columns"]),
        path=path,
        derived=tuple(
            DerivedColumn(d["name"], d["type"], d["description"], d["function"], dict(d["args"]))
            for d in doc.get("derived", ())
        ),
        row_rules=tuple(_row_rule(r) for r in doc.get("row_rules", ())),
        foreign_keys=tuple(
            ForeignKey(fk["column"], fk["references"]["dataset"], fk["references"]["column"])
            for fk in doc.get("foreign_keys", ())
        ),
        partitioning=tuple(doc.get("partitioning", ())),
        current_state=CurrentState(tuple(cs["key"]), cs["order_by"]) if cs else None,
        history=History(tuple(hist["key"]), hist["updated_at"], tuple(hist.get("tracked", ()))) if hist else None,
    )


# ---------------------------------------------------------------------------------------------
# YAML: read scalars the way the TypeScript `yaml` package does (YAML 1.2 core schema)
# ---------------------------------------------------------------------------------------------


class _CoreSchemaLoader(yaml.SafeLoader):
    """PyYAML defaults to YAML 1.1, where `2000-01-01` is a date, `yes`/`no`/`on`/`off` are
    booleans and `0777` is octal. The TypeScript side reads YAML 1.2 (core schema), where those are
    strings and decimal ints; both engines must see the same values."""


_YAML = "tag:yaml.org,2002:"
_CoreSchemaLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in {_YAML + "bool", _YAML + "int", _YAML + "float", _YAML + "timestamp"}]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CoreSchemaLoader.add_implicit_resolver(_YAML + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_CoreSchemaLoader.add_implicit_resolver(
    _YAML + "int", re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
_CoreSchemaLoader.add_implicit_resolver(
    _YAML + "float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)


def _construct_core_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    # PyYAML's own constructor reads a leading 0 as octal ("08" fails); YAML 1.2 reads decimal.
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_CoreSchemaLoader.add_constructor(_YAML + "int", _construct_core_int)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_CoreSchemaLoader)  # noqa: S506 - safe loader subclass
    except yaml.YAMLError as err:
        raise ContractError(path, [f"not valid YAML: {err}"]) from err


# ---------------------------------------------------------------------------------------------
# JSON Schema validation with messages that name the key path
# ---------------------------------------------------------------------------------------------

_NAMED_LISTS = {"columns": "column", "derived": "derived column", "row_rules": "row rule"}


def _key_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _where(doc: Any, path: Sequence[str | int]) -> str:
    """Key path plus the name of the column/derived/rule it sits in, which is easier to find."""
    where = _key_path(path)
    if len(path) >= 2 and path[0] in _NAMED_LISTS and isinstance(path[1], int) and isinstance(doc, Mapping):
        items = doc.get(path[0])
        if isinstance(items, list) and path[1] < len(items) and isinstance(items[path[1]], Mapping):
            name = items[path[1]].get("name")
            if isinstance(name, str):
                where += f' ({_NAMED_LISTS[path[0]]} "{name}")'
    return where


def _schema_problems(doc: Any, err: ValidationError) -> list[str]:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = list(err.schema.get("properties", {}))
        return [
            f'{_where(doc, [*path, key])}: unknown key "{key}"; allowed keys are {", ".join(allowed)}'
            for key in err.instance
            if key not in allowed
        ]
    if err.validator == "required" and isinstance(err.instance, Mapping):
        return [f'{_where(doc, path)}: missing required key "{key}"' for key in err.validator_value if key not in err.instance]
    if err.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in err.validator_value)
        return [f"{_where(doc, path)}: {json.dumps(err.instance, default=str)} is not one of {allowed}"]
    if err.validator == "const":
        return [f"{_where(doc, path)}: must be {json.dumps(err.validator_value)}, got {json.dumps(err.instance, default=str)}"]
    if err.validator == "type":
        return [f"{_where(doc, path)}: must be of type {err.validator_value}, got {json.dumps(err.instance, default=str)}"]
    return [f"{_where(doc, path)}: {err.message}"]


@lru_cache(maxsize=8)
def _validator(schema_path: str) -> Draft202012Validator:
    path = Path(schema_path)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ContractError(path, [f"cannot read the contract JSON Schema: {err}"]) from err
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path_sort_key(err: ValidationError) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in err.absolute_path)


def _dedupe(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------
# Semantic checks the JSON Schema cannot express
# ---------------------------------------------------------------------------------------------

# Argument kinds per derived function: "column" names a column or an earlier derived column of the
# same contract; "number" a threshold; "bounds"/"labels" the band edges and names.
_DERIVED_ARGS: Mapping[str, Mapping[str, str]] = {
    "ratio": {"numerator": "column", "denominator": "column"},
    "date_diff_days": {"start": "column", "end": "column"},
    "at_least": {"column": "column", "threshold": "number"},
    "bucket": {"column": "column", "bounds": "bounds", "labels": "labels"},
    "band": {"column": "column", "bounds": "bounds", "labels": "labels"},
    "age_years": {"birth_date": "column", "at": "column"},
    "year": {"column": "column"},
    "month": {"column": "column"},
    "lookup": {"dataset": "dataset", "key": "column", "column": "target_column"},
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _derived_problems(c: Contract, all_contracts: Mapping[str, Contract]) -> list[str]:
    problems: list[str] = []
    names = set(c.column_names)
    earlier: set[str] = set()  # a derived column may use those declared before it
    for i, d in enumerate(c.derived):
        at = f'derived[{i}] (derived column "{d.name}")'
        if d.name in names or d.name in earlier:
            problems.append(f'derived[{i}].name: "{d.name}" clashes with another column')
        spec = _DERIVED_ARGS[d.function]
        for key in d.args:
            if key not in spec:
                problems.append(f'{at}.args.{key}: unknown argument for {d.function}; expected {", ".join(spec)}')
        for key, kind in spec.items():
            if key not in d.args:
                problems.append(f'{at}.args: {d.function} needs argument "{key}"')
                continue
            value = d.args[key]
            if kind == "column" and (not isinstance(value, str) or (value not in names and value not in earlier)):
                problems.append(f"{at}.args.{key}: {json.dumps(value)} is not a column or an earlier derived column")
            elif kind == "number" and not _is_number(value):
                problems.append(f"{at}.args.{key}: must be a number, got {json.dumps(value)}")
            elif kind == "bounds":
                if not isinstance(value, list) or not value or not all(_is_number(b) for b in value):
                    problems.append(f"{at}.args.{key}: must be a non-empty list of numbers")
                elif any(lo >= hi for lo, hi in zip(value, value[1:])):
                    problems.append(f"{at}.args.{key}: bounds must be strictly ascending")
            elif kind == "labels":
                bounds = d.args.get("bounds")
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    problems.append(f"{at}.args.{key}: must be a list of strings")
                elif isinstance(bounds, list) and len(value) != len(bounds) + 1:
                    problems.append(f"{at}.args.{key}: {len(bounds)} bounds need {len(bounds) + 1} labels, got {len(value)}")
            elif kind == "dataset":
                if value not in all_contracts:
                    problems.append(f"{at}.args.{key}: references unknown dataset {json.dumps(value)}")
                elif not any(fk.column == d.args.get("key") and fk.ref_dataset == value for fk in c.foreign_keys):
                    # The foreign key says which target column the lookup joins on.
                    problems.append(
                        f"{at}.args: no foreign key from {json.dumps(d.args.get('key'))} to {json.dumps(value)}; "
                        "declare one in foreign_keys, the lookup joins through it"
                    )
            elif kind == "target_column":
                target = all_contracts.get(d.args.get("dataset"))  # type: ignore[arg-type]
                if target is not None and value not in target.column_names:
                    problems.append(f"{at}.args.{key}: dataset {json.dumps(target.dataset)} has no column {json.dumps(value)}")
        earlier.add(d.name)
    return problems


def _row_rule_problems(c: Contract) -> list[str]:
    problems: list[str] = []
    names = set(c.column_names)
    for i, r in enumerate(c.row_rules):
        at = f'row_rules[{i}] (row rule "{r.name}")'
        refs: list[tuple[str, str]] = [(f"columns[{j}]", col) for j, col in enumerate(r.columns)]
        refs += [(f"terms[{j}]", col) for j, col in enumerate(r.terms)]
        refs += [(key, col) for key, col in (("column", r.column), ("total", r.total)) if col is not None]
        if r.when is not None:
            refs.append(("when.column", r.when.column))
        for key, col in refs:
            if col not in names:
                problems.append(f'{at}.{key}: "{col}" is not a column')
        if r.kind == "ordered" and len(r.columns) < 2:
            problems.append(f"{at}.columns: an ordered rule needs at least two columns")
        if r.kind in ("required_when", "null_when") and (r.column is None or r.when is None):
            problems.append(f"{at}: a {r.kind} rule needs column and when")
        if r.kind == "sum_equals" and (not r.terms or r.total is None):
            problems.append(f"{at}: a sum_equals rule needs terms and total")
        if r.when is not None and r.when.column in names:
            allowed = c.column(r.when.column).allowed_values
            for j, v in enumerate(r.when.values):
                if allowed is not None and v not in allowed:
                    problems.append(f'{at}.when.in[{j}]: "{v}" is not an allowed value of {r.when.column}')
    return problems


def _semantic_problems(c: Contract, all_contracts: Mapping[str, Contract]) -> list[str]:
    problems: list[str] = []
    names = set(c.column_names)
    seen: set[str] = set()
    for i, col in enumerate(c.columns):
        at = f'columns[{i}] (column "{col.name}")'
        if col.name in seen:
            problems.append(f'columns[{i}].name: "{col.name}" is declared twice')
        seen.add(col.name)
        try:
            spark_type(col.type)
        except ValueError as err:
            problems.append(f"{at}.type: {err}")
        if col.pattern is not None:
            try:
                re.compile(col.pattern)
            except re.error as err:
                problems.append(f"{at}.pattern: not a valid regular expression ({err})")
        if col.type in ("date", "timestamp") and c.kind == "entity" and not col.cleanse.formats:
            problems.append(f"{at}.cleanse.formats: a {col.type} column needs at least one format")
        for j, fmt in enumerate(col.cleanse.formats):
            try:
                spark_date_format(fmt)
            except ValueError as err:
                problems.append(f"{at}.cleanse.formats[{j}]: {err}")
    for i, d in enumerate(c.derived):
        try:
            spark_type(d.type)
        except ValueError as err:
            problems.append(f'derived[{i}] (derived column "{d.name}").type: {err}')
    problems += _derived_problems(c, all_contracts)
    known = names | set(c.derived_names)

    def need(key: str, col: str, pool: set[str] = names, what: str = "a column") -> None:
        if col not in pool:
            problems.append(f'{key}: "{col}" is not {what}')

    for i, k in enumerate(c.primary_key):
        need(f"primary_key[{i}]", k)
    if c.current_state:
        for i, k in enumerate(c.current_state.key):
            need(f"current_state.key[{i}]", k)
        need("current_state.order_by", c.current_state.order_by)
    if c.history:
        for i, k in enumerate(c.history.key):
            need(f"history.key[{i}]", k)
        need("history.updated_at", c.history.updated_at)
        for i, k in enumerate(c.history.tracked):
            need(f"history.tracked[{i}]", k)
    for i, p in enumerate(c.partitioning):
        need(f"partitioning[{i}]", p, known, "a column or a derived column")
    for i, fk in enumerate(c.foreign_keys):
        need(f"foreign_keys[{i}].column", fk.column)
        target = all_contracts.get(fk.ref_dataset)
        if target is None:
            problems.append(f'foreign_keys[{i}].references.dataset: unknown dataset "{fk.ref_dataset}"')
        elif fk.ref_column not in target.column_names:
            problems.append(f'foreign_keys[{i}].references.column: dataset "{fk.ref_dataset}" has no column "{fk.ref_column}"')
    problems += _row_rule_problems(c)
    return problems


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def load_contracts(contracts_dir: str | os.PathLike[str] | None = None) -> ContractSet:
    """Loads and validates every `*.yaml` contract in `contracts_dir` (default: the repository's
    pipeline/contracts). The JSON Schema is read from `<dir>/schema/contract.schema.json`.
    Raises ContractError naming the file and the key paths at fault."""
    root = Path(contracts_dir).resolve() if contracts_dir is not None else CONTRACTS_DIR
    if not root.is_dir():
        raise ContractError(root, ["(root): contracts directory not found; pass contracts_dir= to load the contracts from elsewhere"])
    validator = _validator(str(root / SCHEMA_FILE))
    by_name: dict[str, Contract] = {}
    for path in sorted(root.glob("*.yaml")):
        doc = _read_yaml(path)
        errors = sorted(validator.iter_errors(doc), key=_path_sort_key)
        if errors:
            raise ContractError(path, _dedupe(p for e in errors for p in _schema_problems(doc, e)))
        if f"{doc['dataset']}.yaml" != path.name:
            raise ContractError(path, [f'dataset: "{doc["dataset"]}" must live in {doc["dataset"]}.yaml'])
        by_name[doc["dataset"]] = _contract(doc, path)
    for c in by_name.values():
        problems = _semantic_problems(c, by_name)
        if problems:
            raise ContractError(c.path, problems)
    for name in ENTITY_ORDER:
        if name not in by_name:
            raise ContractError(root / f"{name}.yaml", ["(root): missing; every entity dataset needs a contract"])
    return ContractSet(dir=root, by_name=by_name)


def reference_path(contract: Contract) -> Path:
    """The data file of a reference code set (source.file, relative to the contract)."""
    if contract.kind != "reference" or not contract.source.file:
        raise ContractError(contract.path, [f'source.file: dataset "{contract.dataset}" is not a reference code set with a data file'])
    path = (contract.path.parent / contract.source.file).resolve()
    if not path.is_file():
        raise ContractError(contract.path, [f'source.file: "{contract.source.file}" does not exist (looked for {path})'])
    return path


# ---------------------------------------------------------------------------------------------
# Spark mapping
# ---------------------------------------------------------------------------------------------

_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
_SIMPLE_TYPES: Mapping[str, type[DataType]] = {
    "string": StringType,
    "integer": IntegerType,
    "bigint": LongType,
    "boolean": BooleanType,
    "date": DateType,
    "timestamp": TimestampType,
    "double": DoubleType,
}


def spark_type(type_name: str) -> DataType:
    """Spark type of a contract type (string, integer, bigint, boolean, date, timestamp, double,
    decimal(p,s))."""
    simple = _SIMPLE_TYPES.get(type_name)
    if simple is not None:
        return simple()
    m = _DECIMAL.match(type_name)
    if m is None:
        raise ValueError(f'unknown contract type "{type_name}"')
    precision, scale = int(m.group(1)), int(m.group(2))
    if not 1 <= precision <= 38:  # Spark's (and DuckDB's) widest decimal
        raise ValueError(f'"{type_name}": decimal precision must be between 1 and 38')
    if scale > precision:
        raise ValueError(f'"{type_name}": decimal scale cannot exceed its precision')
    return DecimalType(precision, scale)


def raw_schema(contract: Contract) -> StructType:
    """How raw CSV is read: every contract column as a nullable string, in contract order, so
    nothing is lost or coerced before the cleanse step decides what is valid."""
    return StructType([StructField(c.name, StringType(), True) for c in contract.columns])


def curated_schema(contract: Contract) -> StructType:
    """Curated (cleansed) types: contract columns with their target types and nullability, then
    derived columns (always nullable: a ratio over 0 or a missing date yields NULL). Column
    descriptions travel as Spark comments and PII tags as metadata."""
    fields = [
        StructField(c.name, spark_type(c.type), c.nullable, {"comment": c.description, "pii": c.pii})
        for c in contract.columns
    ]
    fields += [StructField(d.name, spark_type(d.type), True, {"comment": d.description}) for d in contract.derived]
    return StructType(fields)


def csv_read_options(contract: Contract) -> dict[str, str]:
    """DataFrameReader.csv options matching the contract's source block. The escape character is
    the quote character (RFC 4180 doubles quotes; Spark's default escape is a backslash), and the
    header must name the contract's columns: Spark otherwise maps fields by position without a
    word, the defect that left the reference project's curated members mostly null."""
    src = contract.source
    return {
        "header": "true" if src.header else "false",
        "sep": src.delimiter,
        "quote": src.quote,
        "escape": src.quote,
        "encoding": "UTF-8",
        "enforceSchema": "false",
    }


# strptime directive -> Spark datetime pattern (java.time based, Spark 3.x).
_DIRECTIVES: Mapping[str, str] = {"Y": "yyyy", "m": "MM", "d": "dd", "H": "HH", "M": "mm", "S": "ss"}
# Outside quotes Spark reads letters as pattern fields and these as syntax; quote them.
_SPARK_RESERVED = set("[]{}#'")


def _spark_literal(text: str) -> str:
    if not any(ch.isalpha() or ch in _SPARK_RESERVED for ch in text):
        return text
    if text == "'":
        return "''"
    return "'" + text.replace("'", "''") + "'"


def spark_date_format(fmt: str) -> str:
    """Translates a contract strptime format (%Y %m %d %H %M %S %% and literal text) into a Spark
    datetime pattern, e.g. "%Y-%m-%dT%H:%M:%S" -> "yyyy-MM-dd'T'HH:mm:ss". Raises ValueError for a
    directive Spark cannot be given here. Parse under SPARK_SESSION_CONF."""
    out: list[str] = []
    literal: list[str] = []
    fields = 0

    def flush() -> None:
        if literal:
            out.append(_spark_literal("".join(literal)))
            literal.clear()

    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            literal.append(ch)
            i += 1
            continue
        if i + 1 == len(fmt):
            raise ValueError(f'format "{fmt}" ends with a lone "%"')
        directive = fmt[i + 1]
        if directive == "%":
            literal.append("%")
        elif directive in _DIRECTIVES:
            flush()
            out.append(_DIRECTIVES[directive])
            fields += 1
        else:
            raise ValueError(
                f'format "{fmt}": %{directive} is not supported; use %Y %m %d %H %M %S, %% and literal text'
            )
        i += 2
    flush()
    if fields == 0:
        raise ValueError(f'format "{fmt}" has no date or time fields')
    return "".join(out)
