"""Stage 2: check each document's shape against the JSON Schema shipped with the package.

Every schema error becomes a located diagnostic with a fix. Hints live next to the
rule they explain, as ``x-hint`` annotations in the schema, so the schema stays the one
place that says what the format is.

Most documents are valid, so each is first tried against a predicate compiled once from
the same schema (generator/quick_check.py), which only ever answers "valid" when jsonschema
would; jsonschema is imported and run only for documents it cannot pass, to explain them.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from generator.diagnostics import Diagnostic, DocPath, Problem, RuleCode
from generator.loader import Document
from generator.quick_check import Check, UnsupportedSchemaError, quick_check

if TYPE_CHECKING:  # imported when a document fails the quick check: most runs never need it
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

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

# The schema's rules, each with the jsonschema keywords whose errors it reports.
SCHEMA_RULES: tuple[tuple[RuleCode, tuple[str, ...]], ...] = (
    (RuleCode("S001", "every key is one the schema defines"), ("additionalProperties",)),
    (RuleCode("S002", "required keys are present"), ("required",)),
    (RuleCode("S003", "each value has the type the schema gives"), ("type",)),
    (RuleCode("S004", "a value with a fixed set of options is one of them"), ("enum", "const")),
    (RuleCode("S005", "strings have the form the schema gives (names, ARNs, durations)"),
     ("pattern",)),
    (RuleCode("S006", "strings fit their length limits"), ("minLength", "maxLength")),
    (RuleCode("S007", "lists and mappings fit their limits on entries"),
     ("minItems", "maxItems", "minProperties", "maxProperties")),
    (RuleCode("S008", "list entries that must be distinct are"), ("uniqueItems",)),
    (RuleCode("S009", "numbers are within their range"), ("minimum", "maximum")),
)
# Any other keyword's errors; every keyword the schemas use has a rule above.
OTHER_SCHEMA_RULE = RuleCode("S099", "the document is valid against the rest of the schema")
_RULE_OF_KEYWORD = {keyword: rule for rule, keywords in SCHEMA_RULES for keyword in keywords}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped inside the package: the table file's, or another file's."""
    text = resources.files("generator").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def table_schema() -> dict[str, Any]:
    """The JSON Schema for one table file, as shipped inside the package."""
    return load_schema(SCHEMA_FILE)


_LOCAL_REF = "#/$defs/"


def _inline(node: Any, defs: dict[str, Any], depth: int = 0) -> Any:
    """The schema with every local ``$ref`` replaced by its definition.

    jsonschema resolves a ``$ref`` on every visit, a large part of a large build's time; the
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
def inlined_schema(name: str = SCHEMA_FILE) -> dict[str, Any]:
    """A JSON Schema of the package with every local ``$ref`` replaced by its definition."""
    schema = load_schema(name)
    inlined: dict[str, Any] = _inline(schema, schema.get("$defs", {}))
    return inlined


@cache
def _validator(name: str = SCHEMA_FILE) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(load_schema(name))
    return Draft202012Validator(inlined_schema(name))


@cache
def _quick(name: str = SCHEMA_FILE) -> Check:
    try:
        return quick_check(inlined_schema(name))
    except UnsupportedSchemaError:  # pragma: no cover - tests pin that the schemas compile
        return lambda data: False


def validate_document(document: Document, schema: str = SCHEMA_FILE) -> list[Diagnostic]:
    """All violations of one document of the package's JSON Schema ``schema`` (by default a
    table file's), most specific first, never raising."""
    if _quick(schema)(document.data):
        return []
    found: list[Diagnostic] = []
    for error in _validator(schema).iter_errors(document.data):
        rule = _RULE_OF_KEYWORD.get(str(error.validator), OTHER_SCHEMA_RULE)
        found.extend(rule.stamp(document, problem) for problem in _explain(error))
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


_BARE = re.compile(r"[\w.-]+")  # options shown without quotes: KEYS_ONLY, ION


def _shown(value: Any) -> str:
    """A value as the table file would spell it (true, null), not as Python does (True, None)."""
    return json.dumps(value, ensure_ascii=False)


def _explain(error: ValidationError) -> Iterator[Problem]:
    """What one jsonschema error says, in the table file's words, with a fix."""
    path: DocPath = tuple(error.absolute_path)
    keyword = str(error.validator)
    schema = error.schema if isinstance(error.schema, dict) else {}
    hint = str(schema.get("x-hint", ""))
    value: Any = error.instance
    bound: Any = error.validator_value
    in_property_names = "propertyNames" in error.absolute_schema_path

    if in_property_names:
        # The failing instance is a key of the mapping at `path`.
        key_path = (*path, str(value))
        if keyword == "pattern":
            problem = "is not allowed here"
        elif keyword == "enum":
            problem = "is not one of " + ", ".join(str(o) for o in bound)
        else:
            problem = f"is {_length_problem(keyword, error)}"
        yield Problem(key_path, f"the key {_shown(value)} {problem}",
            hint or "tag keys are 1 to 128 characters", key=True,
        )
        return

    if keyword == "additionalProperties":
        allowed = sorted(schema.get("properties", {}))
        for extra in sorted(set(value) - set(allowed)):
            close = difflib.get_close_matches(extra, allowed, n=1, cutoff=0.6)
            fix = f"did you mean {close[0]!r}?" if close else "allowed keys: " + ", ".join(allowed)
            yield Problem((*path, extra), f"unknown key {extra!r}", fix, key=True)
    elif keyword == "required":
        for missing in bound:
            if missing not in value:
                about = schema.get("properties", {}).get(missing, {}).get("description", "")
                fix = f"add '{missing}:'" + (f" ({about})" if about else "")
                yield Problem(path, f"the required key {missing!r} is missing", fix
                )
    elif keyword == "type":
        kinds = bound if isinstance(bound, list) else [bound]
        expected = " or ".join(_TYPE_NAMES.get(str(kind), str(kind)) for kind in kinds)
        fix = hint or f"write {expected}"
        if expected == "a string" and isinstance(value, (bool, int, float)):
            fix = f'quote the value to make it a string, e.g. "{_yaml_text(value)}"'
        yield Problem(path, f"expected {expected}, got {_type_of(value)} {_shown(value)}", fix
        )
    elif keyword == "enum":
        options = [o if isinstance(o, str) and _BARE.fullmatch(o) else _shown(o) for o in bound]
        close = [o for o in options if isinstance(value, str) and o.lower() == value.lower()]
        close = close or difflib.get_close_matches(str(value), options, n=1, cutoff=0.6)
        fix = f"did you mean {close[0]!r}?" if close else hint or "use one of " + ", ".join(options)
        yield Problem(path, f"{_shown(value)} is not one of {', '.join(options)}", fix
        )
    elif keyword == "pattern":
        yield Problem(path, f"{_shown(value)} is not allowed here", hint)
    elif keyword in ("minLength", "maxLength"):
        yield Problem(path, f"{_shown(value)} is {_length_problem(keyword, error)}", hint
        )
    elif keyword in ("minItems", "maxItems", "maxProperties", "minProperties"):
        count = len(value)
        limit = f"at least {bound} needed" if keyword.startswith("min") else (
            f"at most {bound} are allowed"
        )
        yield Problem(path, f"has {count} entries; {limit}", hint)
    elif keyword == "uniqueItems":
        seen: set[str] = set()
        for index, item in enumerate(value):
            if item in seen:
                yield Problem((*path, index), f"{_shown(item)} is listed more than once", hint
                )
            seen.add(item)
    elif keyword == "const":
        yield Problem(path, f"{_shown(value)} is not {_shown(bound)}", hint)
    elif keyword == "maximum":
        yield Problem(path, f"{_shown(value)} is more than {bound}", hint)
    elif keyword == "minimum":
        yield Problem(path, f"{_shown(value)} is less than {bound}", hint
        )
    else:  # pragma: no cover - every keyword the schema uses is handled above
        yield Problem(path, error.message, hint)


def _length_problem(keyword: str, error: ValidationError) -> str:
    bound: Any = error.validator_value
    if keyword == "minLength":
        return f"shorter than {bound} characters"
    return f"longer than {bound} characters"


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
