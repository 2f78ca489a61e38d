"""The rules of the provider target and of the 2025-2026 DynamoDB features (codes E6xx).

E601 needs the project's provider target, so the pipeline calls ``check_table_target``
beside the table rules, as it does for the alarm rules; the others are table rules,
registered in ``checks`` when this module is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.checks import table_rule
from generator.diagnostics import Diagnostic, DocPath
from generator.features import FEATURES, ProviderTarget
from generator.loader import Document
from generator.model import DEFAULT_BILLING_MODE
from generator.settings import SETTINGS_FILE

# The warm throughput every new on-demand table and index starts with; DynamoDB never lowers
# warm throughput, so an on-demand table cannot ask for less. A provisioned table may (the
# API's minimum is 1, which the JSON Schema states).
WARM_MINIMUMS = {"read_units_per_second": 12_000, "write_units_per_second": 4_000}


@dataclass(frozen=True)
class TargetRule:
    code: str
    title: str


RULES = (TargetRule("E601", "a setting the provider target cannot express names the version "
                            "that can"),)


def _warm_places(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each GSI that sets warm throughput, with its path."""
    if "warm_throughput" in data:
        yield ("warm_throughput",), data["warm_throughput"]
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        if "warm_throughput" in index:
            yield ("global_secondary_indexes", position, "warm_throughput"), index[
                "warm_throughput"]


def _feature_uses(data: dict[str, Any]) -> Iterator[tuple[str, DocPath]]:
    """Each place a table file uses a feature of ``features.FEATURES`` that it chose."""
    for path, _ in _warm_places(data):
        yield "warm_throughput", path


def check_table_target(doc: Document, target: ProviderTarget) -> list[Diagnostic]:
    """E601: every feature the table file uses that ``target`` has no syntax for."""
    found = []
    for key, path in _feature_uses(doc.data):
        if target.supports(key):
            continue
        feature = FEATURES[key]
        found.append(doc.diagnostic(
            "E601", path,
            f"Terraform provider target {target.major} cannot write {feature.title}; it "
            f"needs hashicorp/aws >= {feature.version}",
            f"set 'terraform: {{provider: {feature.version.major}}}' in {SETTINGS_FILE}, or "
            f"remove the setting",
        ))
    return found


@table_rule("E602", "warm throughput of an on-demand table is at least its starting values")
def _warm_minimums(doc: Document) -> Iterator[Diagnostic]:
    if doc.data.get("billing_mode", DEFAULT_BILLING_MODE) != DEFAULT_BILLING_MODE:
        return
    for path, warm in _warm_places(doc.data):
        for name, minimum in WARM_MINIMUMS.items():
            if name in warm and warm[name] < minimum:
                yield doc.diagnostic(
                    "E602", (*path, name),
                    f"{name} {warm[name]} is below {minimum}, the warm throughput every new "
                    f"on-demand table and index starts with; DynamoDB never lowers it",
                    f"write at least {minimum}, or remove {name}",
                )
