"""Stage 2, after the schema: a valid document's data with the schema's defaults filled in.

A default is stated once, as ``"default"`` in the JSON Schema; the rules and the model read
the filled data and never state one again. A default applies where its object is: a
property of the table, of each index, attribute or access pattern, and of an object that is
itself filled in (``encryption: {}`` takes its ``type``).

What depends on whether the file itself writes a key (a rule about the options a pattern
sets, the model's ``encryption_stated``) asks the document: ``Document.defaulted`` holds the
path of every key filled here. Those keys have no place in the file, so a diagnostic about
one points at its parent, as it did before the key was filled.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any

from generator.diagnostics import DocPath
from generator.loader import Document
from generator.validate import SCHEMA_FILE, inlined_schema


@dataclass(frozen=True)
class _Defaults:
    """What of one schema node fills defaults: its properties' defaults, and the nodes below
    it that hold some (None: nothing below fills anything)."""

    defaults: tuple[tuple[str, Any], ...]
    properties: dict[str, _Defaults]
    named: frozenset[str]  # every property the schema names; additionalProperties is the rest
    additional: _Defaults | None
    items: _Defaults | None


def _compile(schema: Any) -> _Defaults | None:
    if not isinstance(schema, dict):
        return None
    named = schema.get("properties", {})
    defaults = tuple(
        (key, sub["default"]) for key, sub in named.items()
        if isinstance(sub, dict) and "default" in sub
    )
    properties = {key: node for key, sub in named.items() if (node := _compile(sub)) is not None}
    additional = _compile(schema.get("additionalProperties"))
    items = _compile(schema.get("items"))
    if not (defaults or properties or additional or items):
        return None
    return _Defaults(defaults, properties, frozenset(named), additional, items)


@cache
def _schema_defaults(schema: str) -> _Defaults | None:
    return _compile(inlined_schema(schema))


def _child(node: _Defaults, key: str) -> _Defaults | None:
    return node.properties.get(key) if key in node.named else node.additional


def _filled(node: _Defaults, value: Any, path: DocPath, filled: list[DocPath]) -> Any:
    """``value`` with the defaults of ``node`` filled in, copied where it changes."""
    if isinstance(value, dict):
        result = value
        for key, default in node.defaults:
            if key not in result:
                if result is value:
                    result = dict(value)
                result[key] = copy.deepcopy(default)
                filled.append((*path, key))
        for key, item in list(result.items()):
            child = _child(node, key)
            if child is None:
                continue
            new = _filled(child, item, (*path, key), filled)
            if new is not item:
                if result is value:
                    result = dict(value)
                result[key] = new
        return result
    if isinstance(value, list) and node.items is not None:
        items = [_filled(node.items, item, (*path, i), filled) for i, item in enumerate(value)]
        changed = any(new is not old for new, old in zip(items, value, strict=True))
        return items if changed else value
    return value


def fill(document: Document, schema: str = SCHEMA_FILE) -> Document:
    """The document, valid against the package's JSON Schema ``schema``, with every default
    of that schema filled into its data and recorded in ``defaulted``; ``document`` is left
    as it is. Filling a filled document again changes nothing."""
    node = _schema_defaults(schema)
    if node is None:
        return document
    filled: list[DocPath] = []
    data = _filled(node, document.data, (), filled)
    if not filled:
        return document
    return dataclasses.replace(
        document, data=data, defaulted=document.defaulted | frozenset(filled)
    )
