"""The fast path of schema validation: a predicate compiled once from a JSON Schema that is
true only for data jsonschema finds valid.

Most documents are valid, so ``validate`` tries each against this first and runs jsonschema,
which explains errors, only for those it cannot pass. It knows the keywords the package's
schemas use; a schema with another keyword is refused when compiled, never skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that describe a schema and never make a document invalid (``x-default-from``:
# the table setting a replica's takes when it states none, generator.replica_settings).
_ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "default", "examples", "x-hint",
     "x-default-from"}
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
