"""Dataset contracts: load and validate pipeline/contracts/*.yaml (no Spark needed).

The YAML files are the single source of truth for every stage. This module reads them exactly as
the TypeScript loader (pipeline/contract/load.ts) does: the same JSON Schema (Draft 2020-12), YAML
1.2 scalar rules and the same semantic checks, reported with the same key paths (both loaders'
tests reject the shared cases in pipeline/contracts/testdata/invalid/). The Spark mapping of a
loaded contract lives in hfc_glue.spark_schema.
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

from hfc_glue.package_data import package_path

# In a checkout: <repo>/pipeline/contracts. In the Glue wheel the contracts travel inside the
# package (hfc_glue/contracts_data, see glue/pyproject.toml), as there is no repository around it.
CONTRACTS_DIR = package_path("contracts_data") or Path(__file__).resolve().parent.parent.parent / "pipeline" / "contracts"
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

# strptime directives a contract's date formats may use (both engines implement exactly these).
DATE_DIRECTIVES: tuple[str, ...] = ("Y", "m", "d", "H", "M", "S")


@dataclass(frozen=True)
class ContractProblem:
    """One thing wrong with a contract: its key path (e.g. `derived[0].args.numerator`) and what."""

    path: str
    message: str
    # name of the column / derived column / row rule the path points into, for the reader
    where: str = ""

    def __str__(self) -> str:
        return f"{self.path}{f' ({self.where})' if self.where else ''}: {self.message}"


class ContractError(Exception):
    """A contract file is invalid. `file` is its path; `issues` lists each problem with its key path."""

    def __init__(self, file: str | os.PathLike[str], issues: Sequence[ContractProblem]) -> None:
        self.file = str(file)
        self.issues = list(issues)
        listed = "\n  - ".join(self.problems)
        super().__init__(
            f"Invalid contract {self.file}:\n  - {listed}\n"
            "Fix the contract file; it is the single source of truth every stage reads."
        )

    @property
    def problems(self) -> list[str]:
        return [str(p) for p in self.issues]

    @property
    def key_paths(self) -> list[str]:
        return [p.path for p in self.issues]


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
    trim: bool = True  # the schema's default: surrounding whitespace is removed unless trim is false
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
            trim=cl.get("trim", True),
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
            null_values=tuple(src.get("null_values", ("",))),
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


def read_yaml_text(text: str) -> Any:
    """Parses YAML as the TypeScript side does (YAML 1.2 core schema scalars)."""
    return yaml.load(text, Loader=_CoreSchemaLoader)  # noqa: S506 - safe loader subclass


def _read_yaml(path: Path) -> Any:
    try:
        return read_yaml_text(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ContractError(path, [ContractProblem("(root)", f"not valid YAML: {err}")]) from err


# ---------------------------------------------------------------------------------------------
# JSON Schema validation with messages that name the key path
# ---------------------------------------------------------------------------------------------

_NAMED_LISTS = {"columns": "column", "derived": "derived column", "row_rules": "row rule"}


def key_path(path: Iterable[str | int]) -> str:
    """`["columns", 3, "pii"]` -> `columns[3].pii`; the empty path is `(root)`."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def _named(doc: Any, path: Sequence[str | int]) -> str:
    """`column "member_id"` when the path points into a named list item, else empty."""
    if len(path) >= 2 and path[0] in _NAMED_LISTS and isinstance(path[1], int) and isinstance(doc, Mapping):
        items = doc.get(path[0])
        if isinstance(items, list) and path[1] < len(items) and isinstance(items[path[1]], Mapping):
            name = items[path[1]].get("name")
            if isinstance(name, str):
                return f'{_NAMED_LISTS[path[0]]} "{name}"'
    return ""


def _problem(doc: Any, path: Sequence[str | int], message: str) -> ContractProblem:
    return ContractProblem(key_path(path), message, _named(doc, path))


def _schema_problems(doc: Any, err: ValidationError) -> list[ContractProblem]:
    path = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, Mapping):
        allowed = list(err.schema.get("properties", {}))
        return [
            _problem(doc, [*path, key], f'unknown key "{key}"; allowed keys are {", ".join(allowed)}')
            for key in err.instance
            if key not in allowed
        ]
    if err.validator == "required" and isinstance(err.instance, Mapping):
        return [_problem(doc, path, f'missing required key "{key}"') for key in err.validator_value if key not in err.instance]
    if err.validator == "enum":
        allowed = ", ".join(json.dumps(v) for v in err.validator_value)
        return [_problem(doc, path, f"{json.dumps(err.instance, default=str)} is not one of {allowed}")]
    if err.validator == "const":
        return [_problem(doc, path, f"must be {json.dumps(err.validator_value)}, got {json.dumps(err.instance, default=str)}")]
    if err.validator == "type":
        return [_problem(doc, path, f"must be of type {err.validator_value}, got {json.dumps(err.instance, default=str)}")]
    return [_problem(doc, path, err.message)]


@lru_cache(maxsize=8)
def _validator(schema_path: str) -> Draft202012Validator:
    path = Path(schema_path)
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ContractError(path, [ContractProblem("(root)", f"cannot read the contract JSON Schema: {err}")]) from err
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _path_sort_key(err: ValidationError) -> tuple[tuple[int, str], ...]:
    return tuple((0, f"{p:09d}") if isinstance(p, int) else (1, p) for p in err.absolute_path)


def _dedupe(items: Iterable[ContractProblem]) -> list[ContractProblem]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------------
# Types and date formats: what both engines can hold and parse
# ---------------------------------------------------------------------------------------------

_DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")
SIMPLE_TYPES: tuple[str, ...] = ("string", "integer", "bigint", "boolean", "date", "timestamp", "double")


def decimal_size(type_name: str) -> tuple[int, int] | None:
    """(precision, scale) of a `decimal(p,s)` contract type, None for the other types. Raises
    ValueError for an unknown type or a decimal neither engine can hold."""
    if type_name in SIMPLE_TYPES:
        return None
    m = _DECIMAL.match(type_name)
    if m is None:
        raise ValueError(f'unknown contract type "{type_name}"')
    precision, scale = int(m.group(1)), int(m.group(2))
    if not 1 <= precision <= 38:  # Spark's (and DuckDB's) widest decimal
        raise ValueError(f'"{type_name}": decimal precision must be between 1 and 38')
    if scale > precision:
        raise ValueError(f'"{type_name}": decimal scale cannot exceed its precision')
    return precision, scale


def date_format_parts(fmt: str) -> list[tuple[str, str]]:
    """Splits a contract strptime format into ("field", directive) and ("text", literal) parts,
    e.g. "%Y-%m-%d" -> [field Y, text -, field m, text -, field d]. Raises ValueError for a
    directive outside DATE_DIRECTIVES or a format without date or time fields."""
    parts: list[tuple[str, str]] = []
    literal = ""
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            literal += ch
            i += 1
            continue
        if i + 1 == len(fmt):
            raise ValueError(f'format "{fmt}" ends with a lone "%"')
        directive = fmt[i + 1]
        if directive == "%":
            literal += "%"
        elif directive in DATE_DIRECTIVES:
            if literal:
                parts.append(("text", literal))
                literal = ""
            parts.append(("field", directive))
        else:
            raise ValueError(f'format "{fmt}": %{directive} is not supported; use %Y %m %d %H %M %S, %% and literal text')
        i += 2
    if literal:
        parts.append(("text", literal))
    if not any(kind == "field" for kind, _ in parts):
        raise ValueError(f'format "{fmt}" has no date or time fields')
    return parts


# ---------------------------------------------------------------------------------------------
# Semantic checks the JSON Schema cannot express (argument shapes per derived function are in the
# schema; here: which columns and datasets the arguments name)
# ---------------------------------------------------------------------------------------------

# Arguments of each derived function that name a column (or an earlier derived column).
DERIVED_COLUMN_ARGS: Mapping[str, tuple[str, ...]] = {
    "ratio": ("numerator", "denominator"),
    "date_diff_days": ("start", "end"),
    "at_least": ("column",),
    "bucket": ("column",),
    "band": ("column",),
    "age_years": ("birth_date", "at"),
    "year": ("column",),
    "month": ("column",),
    "lookup": ("key",),
}


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


class _Problems:
    """Collects problems for one contract, naming the list item each key path points into."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.items: list[ContractProblem] = []

    def add(self, path: Sequence[str | int], message: str) -> None:
        self.items.append(_problem(self.doc, path, message))


def _derived_problems(c: Contract, all_contracts: Mapping[str, Contract], out: _Problems) -> None:
    names = set(c.column_names)
    earlier: set[str] = set()  # a derived column may use those declared before it
    for i, d in enumerate(c.derived):
        at: list[str | int] = ["derived", i]
        if d.name in names or d.name in earlier:
            out.add([*at, "name"], f'"{d.name}" clashes with another column')
        for key in DERIVED_COLUMN_ARGS[d.function]:
            value = d.args[key]
            if value not in names and value not in earlier:
                out.add([*at, "args", key], f"{json.dumps(value)} is not a column or an earlier derived column")
        if d.function in ("bucket", "band"):
            bounds, labels = d.args["bounds"], d.args["labels"]
            if any(lo >= hi for lo, hi in zip(bounds, bounds[1:])):
                out.add([*at, "args", "bounds"], "bounds must be strictly ascending")
            if len(labels) != len(bounds) + 1:
                out.add([*at, "args", "labels"], f"{len(bounds)} bounds need {len(bounds) + 1} labels, got {len(labels)}")
        if d.function == "lookup":
            dataset, key, column = d.args["dataset"], d.args["key"], d.args["column"]
            target = all_contracts.get(dataset)
            if target is None:
                out.add([*at, "args", "dataset"], f"references unknown dataset {json.dumps(dataset)}")
            elif not any(fk.column == key and fk.ref_dataset == dataset for fk in c.foreign_keys):
                # The foreign key says which target column the lookup joins on.
                out.add(
                    [*at, "args", "key"],
                    f"no foreign key from {json.dumps(key)} to {json.dumps(dataset)}; declare one in foreign_keys, the lookup joins through it",
                )
            elif column not in target.column_names:
                out.add([*at, "args", "column"], f"dataset {json.dumps(dataset)} has no column {json.dumps(column)}")
        earlier.add(d.name)


def _row_rule_problems(c: Contract, out: _Problems) -> None:
    names = set(c.column_names)
    for i, r in enumerate(c.row_rules):
        at: list[str | int] = ["row_rules", i]
        refs: list[tuple[list[str | int], str]] = [(["columns", j], col) for j, col in enumerate(r.columns)]
        refs += [(["terms", j], col) for j, col in enumerate(r.terms)]
        refs += [([key], col) for key, col in (("column", r.column), ("total", r.total)) if col is not None]
        if r.when is not None:
            refs.append((["when", "column"], r.when.column))
        for key, col in refs:
            if col not in names:
                out.add([*at, *key], f'"{col}" is not a column')
        if r.kind == "ordered" and len(r.columns) < 2:
            out.add([*at, "columns"], "an ordered rule needs at least two columns")
        if r.kind in ("required_when", "null_when") and (r.column is None or r.when is None):
            out.add(at, f"a {r.kind} rule needs column and when")
        if r.kind == "sum_equals" and (not r.terms or r.total is None):
            out.add(at, "a sum_equals rule needs terms and total")
        if r.when is not None and r.when.column in names:
            allowed = c.column(r.when.column).allowed_values
            for j, v in enumerate(r.when.values):
                if allowed is not None and v not in allowed:
                    out.add([*at, "when", "in", j], f'"{v}" is not an allowed value of {r.when.column}')


def _semantic_problems(c: Contract, doc: Mapping[str, Any], all_contracts: Mapping[str, Contract]) -> list[ContractProblem]:
    out = _Problems(doc)
    names = set(c.column_names)
    seen: set[str] = set()
    for i, col in enumerate(c.columns):
        at: list[str | int] = ["columns", i]
        if col.name in seen:
            out.add([*at, "name"], f'"{col.name}" is declared twice')
        seen.add(col.name)
        try:
            decimal_size(col.type)
        except ValueError as err:
            out.add([*at, "type"], str(err))
        if col.pattern is not None:
            try:
                re.compile(col.pattern)
            except re.error as err:
                out.add([*at, "pattern"], f"not a valid regular expression ({err})")
        if col.type in ("date", "timestamp") and c.kind == "entity" and not col.cleanse.formats:
            out.add([*at, "cleanse", "formats"], f"a {col.type} column needs at least one format")
        for j, fmt in enumerate(col.cleanse.formats):
            try:
                date_format_parts(fmt)
            except ValueError as err:
                out.add([*at, "cleanse", "formats", j], str(err))
    for i, d in enumerate(c.derived):
        try:
            decimal_size(d.type)
        except ValueError as err:
            out.add(["derived", i, "type"], str(err))
    _derived_problems(c, all_contracts, out)
    known = names | set(c.derived_names)

    def need(path: list[str | int], col: str, pool: set[str] = names, what: str = "a column") -> None:
        if col not in pool:
            out.add(path, f'"{col}" is not {what}')

    for i, k in enumerate(c.primary_key):
        need(["primary_key", i], k)
    if c.current_state:
        for i, k in enumerate(c.current_state.key):
            need(["current_state", "key", i], k)
        need(["current_state", "order_by"], c.current_state.order_by)
    if c.history:
        for i, k in enumerate(c.history.key):
            need(["history", "key", i], k)
        need(["history", "updated_at"], c.history.updated_at)
        for i, k in enumerate(c.history.tracked):
            need(["history", "tracked", i], k)
    for i, p in enumerate(c.partitioning):
        need(["partitioning", i], p, known, "a column or a derived column")
    for i, fk in enumerate(c.foreign_keys):
        need(["foreign_keys", i, "column"], fk.column)
        target = all_contracts.get(fk.ref_dataset)
        if target is None:
            out.add(["foreign_keys", i, "references", "dataset"], f'unknown dataset "{fk.ref_dataset}"')
        elif fk.ref_column not in target.column_names:
            out.add(["foreign_keys", i, "references", "column"], f'dataset "{fk.ref_dataset}" has no column "{fk.ref_column}"')
    _row_rule_problems(c, out)
    return out.items


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------


def load_contracts(contracts_dir: str | os.PathLike[str] | None = None) -> ContractSet:
    """Loads and validates every `*.yaml` contract in `contracts_dir` (default: the repository's
    pipeline/contracts, or the copy inside the installed package). The JSON Schema is read from
    `<dir>/schema/contract.schema.json`. Raises ContractError naming the file and the key paths."""
    root = Path(contracts_dir).resolve() if contracts_dir is not None else CONTRACTS_DIR
    if not root.is_dir():
        raise ContractError(root, [ContractProblem("(root)", "contracts directory not found; pass contracts_dir= to load the contracts from elsewhere")])
    validator = _validator(str(root / SCHEMA_FILE))
    by_name: dict[str, Contract] = {}
    docs: dict[str, Mapping[str, Any]] = {}
    for path in sorted(root.glob("*.yaml")):
        doc = _read_yaml(path)
        errors = sorted(validator.iter_errors(doc), key=_path_sort_key)
        if errors:
            raise ContractError(path, _dedupe(p for e in errors for p in _schema_problems(doc, e)))
        if f"{doc['dataset']}.yaml" != path.name:
            raise ContractError(path, [ContractProblem("dataset", f'"{doc["dataset"]}" must live in {doc["dataset"]}.yaml')])
        by_name[doc["dataset"]] = _contract(doc, path)
        docs[doc["dataset"]] = doc
    for name, c in by_name.items():
        problems = _semantic_problems(c, docs[name], by_name)
        if problems:
            raise ContractError(c.path, problems)
    for name in ENTITY_ORDER:
        if name not in by_name:
            raise ContractError(root / f"{name}.yaml", [ContractProblem("(root)", "missing; every entity dataset needs a contract")])
    return ContractSet(dir=root, by_name=by_name)


def reference_path(contract: Contract) -> Path:
    """The data file of a reference code set (source.file, relative to the contract)."""
    if contract.kind != "reference" or not contract.source.file:
        raise ContractError(contract.path, [ContractProblem("source.file", f'dataset "{contract.dataset}" is not a reference code set with a data file')])
    path = (contract.path.parent / contract.source.file).resolve()
    if not path.is_file():
        raise ContractError(contract.path, [ContractProblem("source.file", f'"{contract.source.file}" does not exist (looked for {path})')])
    return path
