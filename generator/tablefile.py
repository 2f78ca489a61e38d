"""Writes table files (YAML) from adopted tables: settings in the schema's order, short values
on one line, and a comment wherever the source held something the file cannot.

The text is printed here rather than by a YAML library so that comments sit where they belong
and the layout matches hand-written table files; every string is quoted unless it is plainly
safe, so YAML 1.1's implicit typing can never change a value.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from pathlib import Path
from typing import Any

from generator.invocation import MODULE_COMMAND
from generator.sources import Adopted, Note
from generator.validate import table_schema

_WIDTH = 100
# Written even when they equal the table-file default: the table files' defaults (encryption
# with a KMS key, recovery and deletion protection on) differ from AWS's, so an adopted file
# says what the table has.
_ALWAYS_STATED = frozenset(
    {"billing_mode", "encryption", "point_in_time_recovery", "deletion_protection"}
)
# Plain YAML scalars that read back as the same string under YAML 1.1 and 1.2.
_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-/]*")
_YAML_WORDS = frozenset(
    ["yes", "no", "on", "off", "true", "false", "null"]
)


def _order() -> list[str]:
    return list(table_schema()["properties"])


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _flow(value: Any) -> str | None:
    """One-line form of a mapping or list of scalars, or None if it has nested values."""
    if isinstance(value, dict) and value and all(_is_scalar(v) for v in value.values()):
        return "{" + ", ".join(f"{_scalar(k)}: {_scalar(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list) and value and all(_is_scalar(v) for v in value):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return None


def _block(key: str, value: Any, indent: int) -> list[str]:
    """``key: value`` at ``indent`` spaces, nested values below it."""
    pad = " " * indent
    head = f"{pad}{_scalar(key)}:"
    if isinstance(value, str) and len(head) + 1 + len(_scalar(value)) > _WIDTH \
            and value == " ".join(value.split()) and value.isprintable():
        # Long prose (descriptions) folded over several lines.
        width = _WIDTH - indent - 2
        return [f"{head} >-"] + [f"{pad}  {line}" for line in textwrap.wrap(
            value, width, break_long_words=False, break_on_hyphens=False)]
    if _is_scalar(value):
        return [f"{head} {_scalar(value)}"]
    flow = _flow(value)
    if flow is not None and len(head) + 1 + len(flow) <= _WIDTH:
        return [f"{head} {flow}"]
    if not value:
        return [f"{head} {'{}' if isinstance(value, dict) else '[]'}"]
    lines = [head]
    if isinstance(value, dict):
        for sub_key, sub_value in value.items():
            lines += _block(sub_key, sub_value, indent + 2)
        return lines
    for item in value:
        lines += _item(item, indent + 2)
    return lines


def _item(value: Any, indent: int) -> list[str]:
    """One ``- item`` of a block list."""
    pad = " " * indent
    if _is_scalar(value):
        return [f"{pad}- {_scalar(value)}"]
    flow = _flow(value)
    if flow is not None and indent + 2 + len(flow) <= _WIDTH:
        return [f"{pad}- {flow}"]
    if isinstance(value, list):
        return [f"{pad}-"] + [line for v in value for line in _item(v, indent + 2)]
    lines: list[str] = []
    for number, (sub_key, sub_value) in enumerate(value.items()):
        sub = _block(sub_key, sub_value, indent + 2)
        if number == 0:
            sub[0] = f"{pad}- {sub[0].lstrip()}"
        lines += sub
    return lines


def _comment(text: str, prefix: str = "") -> list[str]:
    return [
        "# " + line
        for line in textwrap.wrap(prefix + text, _WIDTH - 2, break_long_words=False,
                                  break_on_hyphens=False)
    ]


def _defaults() -> dict[str, Any]:
    return {k: v["default"] for k, v in table_schema()["properties"].items() if "default" in v}


def _ordered(document: dict[str, Any]) -> dict[str, Any]:
    """Nested settings in the schema's order, whatever order the source gave them in."""
    defs = table_schema()["$defs"]
    orders = {
        "global_secondary_indexes": list(defs["global_secondary_index"]["properties"]),
        "local_secondary_indexes": list(defs["local_secondary_index"]["properties"]),
        "replicas": list(defs["replica"]["properties"]),
    }

    def sort(entry: dict[str, Any], order: list[str]) -> dict[str, Any]:
        return {k: entry[k] for k in order if k in entry} | {
            k: v for k, v in entry.items() if k not in order}

    found = dict(document)
    for key, order in orders.items():
        if key in found:
            found[key] = [sort(entry, order) for entry in found[key]]
    if "import_from_s3" in found:
        found["import_from_s3"] = sort(found["import_from_s3"],
                                       list(defs["import_from_s3"]["properties"]))
    return found


def _without_defaults(document: dict[str, Any]) -> dict[str, Any]:
    defaults = _defaults()
    kept = {
        key: value for key, value in document.items()
        if key in _ALWAYS_STATED or key not in defaults or value != defaults[key]
    }
    for index in kept.get("global_secondary_indexes", []):
        if index.get("contributor_insights") is False:
            del index["contributor_insights"]
    return kept


def modeline(schemas_dir: Path) -> str:
    """The yaml-language-server line that points editors at the table schema."""
    schema = Path(__file__).resolve().parent / "table.schema.json"
    relative = os.path.relpath(schema, schemas_dir.resolve())
    return f"# yaml-language-server: $schema={Path(relative).as_posix()}"


def render(table: Adopted, schemas_dir: Path) -> str:
    """The table file's text: modeline, where it came from, settings, notes in place."""
    document = _without_defaults(_ordered(table.document))
    order = _order()
    known = set(order)
    notes: dict[str, list[Note]] = {}
    for note in table.notes:
        notes.setdefault(note.at if note.at in known else "", []).append(note)
    lines = [modeline(schemas_dir)]
    lines += _comment(f"Adopted from {table.origin} by `{MODULE_COMMAND} adopt`.")
    for note in notes.get("", []):
        lines += _comment(note.text, "NOT ADOPTED: ")
    for key in order:
        for note in notes.get(key, []):
            lines += _comment(note.text, f"NOT ADOPTED ({key}): ")
        if key in document:
            lines += _block(key, document[key], 0)
    return "\n".join(lines) + "\n"
