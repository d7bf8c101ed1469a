"""Python foundation for the Health Finance Claims Glue jobs.

The PySpark jobs read the same dataset contracts (pipeline/contracts/*.yaml) as the TypeScript
stages; `hfc_glue.contract` loads and validates them and maps them onto Spark types.
"""

from hfc_glue.contract import (
    CONTRACTS_DIR,
    ENTITY_ORDER,
    QUARANTINE_REASONS,
    SPARK_SESSION_CONF,
    Cleanse,
    Column,
    Contract,
    ContractError,
    ContractSet,
    CurrentState,
    DerivedColumn,
    ForeignKey,
    History,
    RowRule,
    RuleCondition,
    Source,
    csv_read_options,
    curated_schema,
    load_contracts,
    raw_schema,
    reference_path,
    spark_date_format,
    spark_type,
)

__all__ = [
    "CONTRACTS_DIR",
    "ENTITY_ORDER",
    "QUARANTINE_REASONS",
    "SPARK_SESSION_CONF",
    "Cleanse",
    "Column",
    "Contract",
    "ContractError",
    "ContractSet",
    "CurrentState",
    "DerivedColumn",
    "ForeignKey",
    "History",
    "RowRule",
    "RuleCondition",
    "Source",
    "csv_read_options",
    "curated_schema",
    "load_contracts",
    "raw_schema",
    "reference_path",
    "spark_date_format",
    "spark_type",
]
