"""JSON as the generated files print it: ``json.dumps(value, indent=2, ensure_ascii=False)``.

One printer serves the CloudFormation templates, model.json and the NoSQL Workbench
models, so the files agree byte for byte with what ``json.dumps`` would write; the
``json`` template filter uses the same serializer for single values.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

# The same serializer as json.dumps(value, ensure_ascii=False), built once, not per value.
encode = json.JSONEncoder(ensure_ascii=False).encode
encode_string = json.encoder.encode_basestring


def pretty_json(value: Any, end: str = "") -> str:
    """Exactly ``json.dumps(value, indent=2, ensure_ascii=False)``, for string-keyed data.

    The standard library falls back to a pure-Python encoder whenever it indents, which is
    slow for a template of many tables; this writes into one growing buffer, because a
    list of a large template's small pieces takes many times the memory of its text
    (figures: benchmarks/results.md)."""
    buffer = io.StringIO()
    _pretty(value, "\n", buffer.write)
    buffer.write(end)
    return buffer.getvalue()


def pretty_json_member(key: str, value: Any, depth: int) -> str:
    """``"key": value`` as ``pretty_json`` writes it in an object ``depth`` levels deep."""
    buffer = io.StringIO()
    buffer.write(encode_string(key) + ": ")
    _pretty(value, "\n" + "  " * depth, buffer.write)
    return buffer.getvalue()


def pretty_json_with_members(
    document: dict[str, Any], added: Mapping[str, Sequence[str]], end: str = ""
) -> str:
    """``pretty_json(document)``, with the printed members ``added[name]`` (each from
    ``pretty_json_member(..., 2)``) appended to the object ``document[name]``.

    A large template is printed a table at a time, so its whole tree never exists at once;
    the pieces are joined once, so the text is never copied twice."""
    pieces: list[str] = []
    separator = "{\n  "
    for key, value in document.items():
        pieces.append(separator)
        separator = ",\n  "
        members = added.get(key, ())
        if not members:
            pieces.append(pretty_json_member(key, value, 1))
            continue
        if not isinstance(value, dict):
            raise TypeError(f"members added to {key!r}, which is not an object")
        pieces.append(encode_string(key) + ": {")
        inner = "\n    "
        for name, item in value.items():
            pieces += (inner, pretty_json_member(name, item, 2))
            inner = ",\n    "
        for member in members:
            pieces += (inner, member)
            inner = ",\n    "
        pieces.append("\n  }")
    pieces.append("\n}" if document else "{}")
    pieces.append(end)
    return "".join(pieces)


def _pretty(value: Any, newline: str, write: Callable[[str], object]) -> None:
    if isinstance(value, str):
        write(encode_string(value))
    elif isinstance(value, dict) and value:
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"JSON keys must be strings, not {key!r}")
            write(separator + encode_string(key) + ": ")
            _pretty(item, inner, write)
            separator = "," + inner
        write(newline + "}")
    elif isinstance(value, (list, tuple)) and value:
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            write(separator)
            _pretty(item, inner, write)
            separator = "," + inner
        write(newline + "]")
    else:
        write(encode(value))
