"""Wheel build hook: copies the dataset contracts (../pipeline/contracts, without the loaders'
test cases in testdata/) into the wheel as hfc_glue/contracts_data, so a Glue job reads the same
contracts as every other stage without the repository around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

CONTRACTS = Path(__file__).resolve().parent.parent / "pipeline" / "contracts"


class ContractsHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        for path in sorted(CONTRACTS.rglob("*")):
            rel = path.relative_to(CONTRACTS)
            if path.is_file() and rel.parts[0] != "testdata":
                build_data["force_include"][str(path)] = f"hfc_glue/contracts_data/{rel.as_posix()}"
