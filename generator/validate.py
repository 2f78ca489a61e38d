"""Stage 2: check each document's shape against the JSON Schema shipped with the package.

Every schema error becomes a located diagnostic with a fix. Hints live next to the
rule they explain, as ``x-hint`` annotations in the schema, so the schema stays the one
place that says what the format is.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from generator.diagnostics import Diagnostic, DocPath
from generator.loader import Document

SCHEMA_FILE = "table.schema.json"

_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}

# jsonschema keyword -> stable diagnostic code
_CODES = {
    "additionalProperties": "S001",
    "required": "S002",
    "type": "S003",
    "enum": "S004",
    "pattern": "S005",
    "minLength": "S006",
    "maxLength": "S006",
    "minItems": "S007",
    "maxItems": "S007",
    "maxProperties": "S007",
    "uniqueItems": "S008",
    "minimum": "S009",
    "maximum": "S009",
    "const": "S004",
    "minProperties": "S007",
}


@cache
def table_schema() -> dict[str, Any]:
    """The JSON Schema for one table file, as shipped inside the package."""
    text = resources.files("generator").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


_LOCAL_REF = "#/$defs/"


def _inline(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """The schema with every local ``$ref`` replaced by its definition.

    jsonschema resolves a ``$ref`` on every visit, which was a quarter of a large build; the
    table schema has no recursive definitions, so inlining once gives the same verdicts.
    """
    if depth > 32:
        raise ValueError("recursive $ref in the table schema")
    if isinstance(node, list):
        return [_inline(item, defs, depth + 1) for item in node]
    if not isinstance(node, dict):
        return node
    inlined = {key: _inline(value, defs, depth + 1) for key, value in node.items()
               if key not in ("$ref", "$defs")}
    reference = node.get("$ref")
    if isinstance(reference, str) and reference.startswith(_LOCAL_REF):
        target = _inline(defs[reference.removeprefix(_LOCAL_REF)], defs, depth + 1)
        return {**target, **inlined}
    return inlined


@cache
def _validator() -> Draft202012Validator:
    schema = table_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(_inline(schema, schema.get("$defs", {})))


def validate_document(document: Document) -> list[Diagnostic]:
    """All schema violations of one document, most specific first, never raising."""
    found: list[Diagnostic] = []
    for error in _validator().iter_errors(document.data):
        found.extend(_explain(document, error))
    return sorted(set(found))


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "empty (null)"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _explain(document: Document, error: ValidationError) -> Iterator[Diagnostic]:
    path: DocPath = tuple(error.absolute_path)
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = str(schema.get("x-hint", ""))
    code = _CODES.get(keyword, "S099")
    value: Any = error.instance
    bound: Any = error.validator_value
    in_property_names = "propertyNames" in error.absolute_schema_path

    if in_property_names:
        # The failing instance is a key of the mapping at `path`.
        key_path = (*path, str(value))
        yield document.diagnostic(
            code,
            key_path,
            f"the key {_shown(value)} is {_length_problem(keyword, error)}",
            hint or "tag keys are 1 to 128 characters",
            key=True,
        )
        return

    if keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for extra in sorted(set(value) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.6)
            fix = f"did you mean {close[0]!r}?" if close else "allowed keys: " + ", ".join(allowed)
            yield document.diagnostic(code, (*path, extra), f"unknown key {extra!r}", fix, key=True)
    elif keyword == "required":
        for missing in bound:
            if missing not in value:
                about = schema.get("properties", {}).get(missing, {}).get("description", "")
                fix = f"add '{missing}:'" + (f" ({about})" if about else "")
                yield document.diagnostic(
                    code, path, f"the required key {missing!r} is missing", fix
                )
    elif keyword == "type":
        expected = _TYPE_NAMES.get(str(bound), str(bound))
        fix = hint or f"write {expected}"
        if expected == "a string" and isinstance(value, (bool, int, float)):
            fix = f'quote the value to make it a string, e.g. "{_yaml_text(value)}"'
        yield document.diagnostic(
            code, path, f"expected {expected}, got {_type_of(value)} {_shown(value)}", fix
        )
    elif keyword == "enum":
        options = [str(o) for o in bound]
        close = [o for o in options if isinstance(value, str) and o.lower() == value.lower()]
        close = close or difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        fix = f"did you mean {close[0]!r}?" if close else hint or "use one of " + ", ".join(options)
        yield document.diagnostic(
            code, path, f"{_shown(value)} is not one of {', '.join(options)}", fix
        )
    elif keyword == "pattern":
        yield document.diagnostic(code, path, f"{_shown(value)} is not allowed here", hint)
    elif keyword in ("minLength", "maxLength"):
        yield document.diagnostic(
            code, path, f"{_shown(value)} is {_length_problem(keyword, error)}", hint
        )
    elif keyword in ("minItems", "maxItems", "maxProperties", "minProperties"):
        count = len(value)
        limit = f"at least {bound} needed" if keyword.startswith("min") else (
            f"at most {bound} are allowed"
        )
        yield document.diagnostic(code, path, f"has {count} entries; {limit}", hint)
    elif keyword == "uniqueItems":
        seen: set[str] = set()
        for index, item in enumerate(value):
            if item in seen:
                yield document.diagnostic(
                    code, (*path, index), f"{_shown(item)} is listed more than once", hint
                )
            seen.add(item)
    elif keyword == "const":
        yield document.diagnostic(code, path, f"{_shown(value)} is not {_shown(bound)}", hint)
    elif keyword == "maximum":
        yield document.diagnostic(code, path, f"{_shown(value)} is more than {bound}", hint)
    elif keyword == "minimum":
        yield document.diagnostic(
            code, path, f"{_shown(value)} is less than {bound}", hint
        )
    else:  # pragma: no cover - every keyword the schema uses is handled above
        yield document.diagnostic(code, path, error.message, hint)


def _length_problem(keyword: str, error: ValidationError) -> str:
    bound: Any = error.validator_value
    if keyword == "minLength":
        return f"shorter than {bound} characters"
    return f"longer than {bound} characters"


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
