"""Stage 2: check each document's shape against the JSON Schema shipped with the package.

Every schema error becomes a located diagnostic with a fix. Hints live next to the
rule they explain, as ``x-hint`` annotations in the schema, so the schema stays the one
place that says what the format is.

Most documents are valid, so each is first tried against a predicate compiled once from
the same schema (``quick_check``), which only ever answers "valid" when jsonschema would;
jsonschema is imported and run only for documents it cannot pass.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from generator.diagnostics import Diagnostic, DocPath
from generator.loader import Document

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


Check = Callable[[Any], bool]

# Keywords that describe a schema and never make a document invalid.
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "x-hint"}
)
_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
# The types the loader produces; anything else (a subclass, say) is left to jsonschema.
_PLAIN: frozenset[type] = frozenset({dict, list, str, int, float, bool, type(None)})


class UnsupportedSchemaError(Exception):
    """The schema uses a keyword ``quick_check`` does not know; jsonschema alone decides."""


def _all(checks: list[Check]) -> Check:
    if len(checks) == 1:
        return checks[0]

    def every(value: Any) -> bool:
        return all(check(value) for check in checks)

    return every


def _never(value: Any) -> bool:
    return False


def _always(value: Any) -> bool:
    return True


def _type_check(kind: Any) -> Check:
    names = [kind] if isinstance(kind, str) else kind
    if not isinstance(names, list) or any(name not in _TYPES for name in names):
        raise UnsupportedSchemaError(f"type {kind!r}")
    allowed = frozenset(t for name in names for t in _TYPES[name])
    return lambda value: type(value) in allowed


def _string_options(keyword: str, options: list[Any]) -> frozenset[str]:
    if not all(isinstance(option, str) for option in options):
        raise UnsupportedSchemaError(f"{keyword} with values other than strings")
    return frozenset(options)


def _bound(schema: dict[str, Any], keyword: str, default: int) -> int:
    value = schema.get(keyword, default)
    if type(value) is not int:
        raise UnsupportedSchemaError(f"{keyword} {value!r}")
    return value


def _number(schema: dict[str, Any], keyword: str) -> int | float | None:
    value = schema.get(keyword)
    if value is not None and type(value) not in (int, float):
        raise UnsupportedSchemaError(f"{keyword} {value!r}")
    return value


def _string_checks(schema: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    if "pattern" in schema:
        search = re.compile(schema["pattern"]).search  # jsonschema searches the same way
        checks.append(lambda value: search(value) is not None)
    shortest = _bound(schema, "minLength", 0)
    longest = _bound(schema, "maxLength", -1)
    if shortest or longest >= 0:
        checks.append(
            lambda value: shortest <= len(value) and (longest < 0 or len(value) <= longest)
        )
    return checks


def _number_checks(schema: dict[str, Any]) -> list[Check]:
    # NaN compares false with everything: it is never passed here, and jsonschema decides.
    low, high = _number(schema, "minimum"), _number(schema, "maximum")
    checks: list[Check] = []
    if low is not None:
        checks.append(lambda value: value >= low)
    if high is not None:
        checks.append(lambda value: value <= high)
    return checks


def _object_check(schema: dict[str, Any]) -> Check | None:
    keywords = ("properties", "additionalProperties", "required", "minProperties",
                "maxProperties", "propertyNames")
    if not any(keyword in schema for keyword in keywords):
        return None
    properties = {name: quick_check(sub) for name, sub in schema.get("properties", {}).items()}
    extra = schema.get("additionalProperties", True)
    other = _never if extra is False else quick_check(extra)
    required = tuple(schema.get("required", ()))
    fewest = _bound(schema, "minProperties", 0)
    most = _bound(schema, "maxProperties", -1)
    names = quick_check(schema["propertyNames"]) if "propertyNames" in schema else None

    def check(value: dict[str, Any]) -> bool:
        if len(value) < fewest or 0 <= most < len(value):
            return False
        for name in required:
            if name not in value:
                return False
        for key, item in value.items():
            if not properties.get(key, other)(item):
                return False
            if names is not None and not names(key):
                return False
        return True

    return check


def _array_check(schema: dict[str, Any]) -> Check | None:
    keywords = ("items", "minItems", "maxItems", "uniqueItems")
    if not any(keyword in schema for keyword in keywords):
        return None
    each = quick_check(schema.get("items", True))
    fewest = _bound(schema, "minItems", 0)
    most = _bound(schema, "maxItems", -1)
    unique = schema.get("uniqueItems", False)
    if type(unique) is not bool:
        raise UnsupportedSchemaError(f"uniqueItems {unique!r}")

    def check(value: list[Any]) -> bool:
        if len(value) < fewest or 0 <= most < len(value):
            return False
        if unique and not (
            all(type(item) is str for item in value) and len(set(value)) == len(value)
        ):
            return False  # only lists of strings are judged here
        return all(each(item) for item in value)

    return check


_KNOWN = frozenset(
    {"type", "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
     "properties", "additionalProperties", "required", "minProperties", "maxProperties",
     "propertyNames", "items", "minItems", "maxItems", "uniqueItems"}
) | _ANNOTATIONS


def quick_check(schema: Any) -> Check:
    """A predicate that is true only for data jsonschema finds valid against ``schema``.

    It may be false for valid data (unusual numbers, say); jsonschema then decides. A schema
    keyword it does not know raises UnsupportedSchemaError rather than being skipped.
    """
    if isinstance(schema, bool):
        return _always if schema else _never
    if not isinstance(schema, dict):
        raise UnsupportedSchemaError(f"schema {schema!r}")
    unknown = sorted(set(schema) - _KNOWN)
    if unknown:
        raise UnsupportedSchemaError(", ".join(unknown))
    common: list[Check] = []
    if "type" in schema:
        common.append(_type_check(schema["type"]))
    if "enum" in schema:
        options = _string_options("enum", schema["enum"])
        common.append(lambda value: type(value) is str and value in options)
    if "const" in schema:
        constant = _string_options("const", [schema["const"]])
        common.append(lambda value: type(value) is str and value in constant)
    by_type: dict[type, list[Check]] = {kind: [] for kind in _PLAIN}
    by_type[str] += _string_checks(schema)
    numbers = _number_checks(schema)
    by_type[int] += numbers
    by_type[float] += numbers
    for kind, made in ((dict, _object_check(schema)), (list, _array_check(schema))):
        if made is not None:
            by_type[kind].append(made)
    specific = {kind: _all(checks) for kind, checks in by_type.items() if checks}
    first = _all(common) if common else _always

    def check(value: Any) -> bool:
        kind = type(value)
        if kind not in _PLAIN or not first(value):
            return False
        rest = specific.get(kind)
        return rest is None or rest(value)

    return check


@cache
def _quick(name: str = SCHEMA_FILE) -> Check:
    try:
        return quick_check(inlined_schema(name))
    except UnsupportedSchemaError:  # pragma: no cover - tests pin that the schemas compile
        return _never


def validate_document(document: Document, schema: str = SCHEMA_FILE) -> list[Diagnostic]:
    """All violations of one document of the package's JSON Schema ``schema`` (by default a
    table file's), most specific first, never raising."""
    if _quick(schema)(document.data):
        return []
    found: list[Diagnostic] = []
    for error in _validator(schema).iter_errors(document.data):
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


_BARE = re.compile(r"[\w.-]+")  # options shown without quotes: KEYS_ONLY, ION


def _shown(value: Any) -> str:
    """A value as the table file would spell it (true, null), not as Python does (True, None)."""
    return json.dumps(value, ensure_ascii=False)


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
        if keyword == "pattern":
            problem = "is not allowed here"
        elif keyword == "enum":
            problem = "is not one of " + ", ".join(str(o) for o in bound)
        else:
            problem = f"is {_length_problem(keyword, error)}"
        yield document.diagnostic(
            code, key_path, f"the key {_shown(value)} {problem}",
            hint or "tag keys are 1 to 128 characters", key=True,
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
        kinds = bound if isinstance(bound, list) else [bound]
        expected = " or ".join(_TYPE_NAMES.get(str(kind), str(kind)) for kind in kinds)
        fix = hint or f"write {expected}"
        if expected == "a string" and isinstance(value, (bool, int, float)):
            fix = f'quote the value to make it a string, e.g. "{_yaml_text(value)}"'
        yield document.diagnostic(
            code, path, f"expected {expected}, got {_type_of(value)} {_shown(value)}", fix
        )
    elif keyword == "enum":
        options = [o if isinstance(o, str) and _BARE.fullmatch(o) else _shown(o) for o in bound]
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
