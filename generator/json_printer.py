"""JSON as the generated files print it: ``json.dumps(value, indent=2, ensure_ascii=False)``.

One printer serves the CloudFormation templates, model.json and the NoSQL Workbench
models, so the files agree byte for byte with what ``json.dumps`` would write; the
``json`` template filter uses the same serializer for single values.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
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
