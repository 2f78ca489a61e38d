"""Check a parsed aws_dynamodb_table body (python-hcl2) against the provider's own schema
(`terraform providers schema -json` of hashicorp/aws 5.100.0, copied here from the project's
shared reference folder), so wrong arguments are found even where Terraform is absent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROVIDER_VERSION = "5.100.0"
REFERENCE = Path(__file__).with_name(
    f"terraform-aws-{PROVIDER_VERSION}-aws_dynamodb_table.schema.json")
# Terraform's meta-arguments are valid in every resource and absent from provider schemas.
META_ARGUMENTS = {"count", "for_each", "provider", "depends_on", "lifecycle"}
_PARSER_KEYS = {"__is_block__", "__comments__", "__inline_comments__"}
_LITERAL_TYPES: dict[str, tuple[type, ...]] = {"bool": (bool,), "number": (int, float)}


OTHER_SCHEMAS = Path(__file__).with_name(f"terraform-aws-{PROVIDER_VERSION}-other-schemas.json")


def load_reference(path: Path = REFERENCE) -> Mapping[str, Any]:
    document = json.loads(path.read_text(encoding="utf-8"))
    assert document["resource"] == "aws_dynamodb_table"
    block = document["schema"]["block"]
    assert isinstance(block, Mapping)
    return block


def load_schemas() -> dict[tuple[str, str], Mapping[str, Any]]:
    """Schema blocks by ("resource" or "data", type): every type the generated modules use."""
    other = json.loads(OTHER_SCHEMAS.read_text(encoding="utf-8"))
    assert other["provider_version"] == PROVIDER_VERSION
    schemas: dict[tuple[str, str], Mapping[str, Any]] = {
        ("resource", "aws_dynamodb_table"): load_reference()}
    for kind, key in (("resource", "resource_schemas"), ("data", "data_source_schemas")):
        for name, schema in other[key].items():
            schemas[(kind, name)] = schema["block"]
    return schemas


def blocks(documents: Mapping[str, Any]) -> list[tuple[str, str, str, Mapping[str, Any]]]:
    """Every resource and data block of parsed HCL files: (kind, type, name, body)."""
    from tests.helpers import hcl_string

    found = []
    for document in documents.values():
        for kind in ("resource", "data"):
            for block in document.get(kind, []):
                for type_name, named in block.items():
                    for name, body in named.items():
                        found.append((kind, hcl_string(type_name), hcl_string(name), body))
    return found


def _is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("${")


def _type_problem(value: Any, kind: Any) -> str | None:
    """A literal of the wrong type; expressions are Terraform's to check."""
    if _is_expression(value):
        return None
    if kind == "string":
        ok = isinstance(value, str) and value.startswith('"')
    elif isinstance(kind, str):
        ok = isinstance(value, _LITERAL_TYPES[kind]) and not (
            kind == "number" and isinstance(value, bool))
    elif kind[0] in ("list", "set"):
        ok = isinstance(value, list) and all(_type_problem(v, kind[1]) is None for v in value)
    elif kind[0] == "map":
        ok = isinstance(value, dict)
    else:
        ok = True
    return None if ok else f"{value!r} is not a {kind}"


def problems(body: Mapping[str, Any], block: Mapping[str, Any], where: str,
             top_level: bool = True) -> list[str]:
    """Every way ``body`` breaks the schema ``block``: unknown or computed-only arguments,
    arguments written as blocks or blocks as arguments, missing required arguments and
    blocks, too many blocks, literals of the wrong type."""
    attributes: Mapping[str, Any] = block.get("attributes", {})
    block_types: Mapping[str, Any] = block.get("block_types", {})
    found: list[str] = []
    for name, value in body.items():
        if name in _PARSER_KEYS or (top_level and name in META_ARGUMENTS):
            continue
        path = f"{where}.{name}"
        if name in attributes:
            spec = attributes[name]
            if isinstance(value, list) and value and isinstance(value[0], dict) and value[0].get(
                    "__is_block__"):
                found.append(f"{path}: an argument written as a block")
            elif not (spec.get("optional") or spec.get("required")):
                found.append(f"{path}: computed only, cannot be set")
            elif (problem := _type_problem(value, spec["type"])) is not None:
                found.append(f"{path}: {problem}")
        elif name in block_types:
            nested = block_types[name]
            items = value if isinstance(value, list) else [value]
            if not all(isinstance(i, dict) and i.get("__is_block__") for i in items):
                found.append(f"{path}: a block written as an argument")
                continue
            if nested.get("max_items") is not None and len(items) > nested["max_items"]:
                found.append(f"{path}: {len(items)} blocks, at most {nested['max_items']}")
            if nested["nesting_mode"] == "single" and len(items) > 1:
                found.append(f"{path}: a single block given {len(items)} times")
            for number, item in enumerate(items):
                found += problems(item, nested["block"], f"{path}[{number}]", top_level=False)
        else:
            found.append(f"{path}: not an argument or block of this resource")
    for name, spec in attributes.items():
        if spec.get("required") and name not in body:
            found.append(f"{where}: required argument {name} is missing")
    for name, nested in block_types.items():
        if nested.get("min_items", 0) and len(body.get(name, [])) < nested["min_items"]:
            found.append(f"{where}: needs at least {nested['min_items']} {name} blocks")
    return found


# hashicorp/aws 6.x: a reduced schema written from the provider's documentation (its note
# says how), since Terraform here has only the 5.100.0 provider.
REDUCED_6 = Path(__file__).with_name("terraform-aws-6.x-reduced.schema.json")


def load_schemas_6() -> dict[tuple[str, str], Mapping[str, Any]]:
    """Schema blocks by ("resource" or "data", type) for provider target 6: the types the
    reduced file writes out, and the others as in 5.100.0, with the region argument that
    6.0 gave every regional type."""
    reduced = json.loads(REDUCED_6.read_text(encoding="utf-8"))
    five = load_schemas()
    schemas: dict[tuple[str, str], Mapping[str, Any]] = {
        ("resource", name): schema["block"]
        for name, schema in reduced["resource_schemas"].items()}
    region = {"type": "string", "optional": True, "computed": True}
    for kind, names in reduced["regional_types"].items():
        for name in names:
            block = dict(five[(kind, name)])
            block["attributes"] = {**block.get("attributes", {}), "region": region}
            schemas[(kind, name)] = block
    for kind, names in reduced["global_types"].items():
        for name in names:
            schemas[(kind, name)] = five[(kind, name)]
    return schemas


def schemas_for(major: int) -> dict[tuple[str, str], Mapping[str, Any]]:
    """The stored schemas of the provider target ``major``."""
    return load_schemas_6() if major == 6 else load_schemas()


def golden_target(case: Path) -> int:
    """The provider target of a golden case (``tests/golden/<case>``), from its settings."""
    from generator.features import provider_target
    from generator.settings import load_settings

    return provider_target(load_settings(None, case / "input")).major
