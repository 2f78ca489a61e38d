"""Readers of tables that already exist, for `adopt`: live tables, CloudFormation templates,
Terraform plans or states, NoSQL Workbench models.

Every reader produces the same neutral structure, an ``Adopted`` per table: the table-file
document it could fill in (plain data in table-file terms) and ``Note``s naming what the
table files cannot express or what could not be resolved, each at the top-level setting where
it would go. ``generator.tablefile`` prints them; nothing a source holds is dropped without a
note.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import replica_settings
from generator.invocation import Exit
from generator.validate import inlined_schema

# Tag keys that AWS sets itself and that no one may declare (E110 refuses them).
RESERVED_TAG_PREFIX = "aws:"


class SourceError(Exception):
    """The source cannot be adopted: its message says what is wrong and how to fix it."""

    def __init__(self, message: str, exit_code: Exit = Exit.INVALID) -> None:
        """``exit_code``: INVALID for input that is not what it should be, UNAVAILABLE for a
        source that cannot be read at all."""
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class Note:
    """Something the table file cannot hold, or a value that could not be resolved.

    ``at`` is the top-level table-file setting where it would go (e.g. ``encryption``).
    """

    at: str
    text: str
    # Only the written file is affected (e.g. an order the source does not keep): `plan`
    # compares the setting anyway, so it does not report it as not compared.
    file_only: bool = False


@dataclass
class Adopted:
    """One table read from a source, in table-file terms."""

    file_stem: str  # the table file's name without .yaml (gives the table key)
    origin: str  # where it came from, for comments and messages
    document: dict[str, Any]
    notes: list[Note] = field(default_factory=list)
    # What only the deployed table knows and no table file holds, for `plan` (e.g. when
    # billing last went to on-demand); by snapshot field name.
    history: dict[str, str] = field(default_factory=dict)

    def note(self, at: str, text: str, *, file_only: bool = False) -> None:
        self.notes.append(Note(at, text, file_only))


def pairs(option: str, form: str, items: Sequence[str], *, empty: bool = False
          ) -> dict[str, str]:
    """``KEY=VALUE`` options as a mapping, like the module's map variables; ``empty``
    allows ``KEY=`` (a template parameter may be empty, a name or a tag not)."""
    result: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key or not (value or empty):
            raise SourceError(f"{option} {item!r} is not {form}")
        result[key] = value
    return result



def file_stem(name: str) -> str:
    """A table file name from a table or resource name: letters, digits, '-' and '_', a letter
    first (the file name gives the table key, rule E120)."""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-_")
    return stem if stem[:1].isascii() and stem[:1].isalpha() else f"table-{stem}".rstrip("-")


def snake_case(camel: str) -> str:
    """``ReplicatedDefaultKey`` -> ``replicated_default_key`` (CloudFormation logical ids)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", camel).lower()


def strip_affixes(name: str, prefix: str, suffix: str) -> tuple[str, bool]:
    """The table-file name from a physical name; False when the affixes are not there."""
    if name.startswith(prefix) and name.endswith(suffix) and len(name) > len(prefix + suffix):
        return name[len(prefix) : len(name) - len(suffix) if suffix else None], True
    return name, not prefix and not suffix


def split_tags(table: Adopted, tags: dict[str, str]) -> dict[str, str]:
    """Tags that a table file may declare; the ones AWS reserves get a note instead."""
    reserved = sorted(k for k in tags if k.lower().startswith(RESERVED_TAG_PREFIX))
    if reserved:
        table.note(
            "tags",
            "tags set by AWS, which a table file cannot declare (they come back by "
            "themselves): " + ", ".join(f"{k}={tags[k]}" for k in reserved),
        )
    return {k: v for k, v in sorted(tags.items()) if k not in reserved}


def _table_value(document: Mapping[str, Any], key: str) -> Any:
    """The table's value of what replica key ``key`` defaults to, the schema's default where
    the document being written leaves it out."""
    found = replica_settings.table_setting(document, key)
    if found is not None:
        return found
    path = replica_settings.inherited()[key]
    return inlined_schema()["properties"][path[0]].get("default") if len(path) == 1 else None


def replica_own(table: Adopted, region: str, stated: Mapping[str, Any]) -> dict[str, Any]:
    """The settings of the replica in ``region`` that differ from its table's (the document
    being written), by replica key: what the table file writes in that replica's entry.
    ``stated`` holds what was read of the replica; a key left out of it was not read."""
    own: dict[str, Any] = {}
    for key in replica_settings.inherited():
        if key not in stated:
            continue
        value, of_table = stated[key], _table_value(table.document, key)
        if key == "tags":
            missing = sorted(set(of_table or {}) - set(value))
            if missing:
                table.note("replicas", f"replica {region} lacks the table's tags "
                           f"{', '.join(missing)}; a replica's tags go over the table's, so "
                           "the file gives it them")
            value = {k: v for k, v in value.items() if (of_table or {}).get(k) != v}
            if value:
                own[key] = value
        elif value is None and of_table is not None:
            table.note("replicas", f"replica {region} has no {key} where the table has "
                       f"{of_table}: the file gives it the table's")
        elif value != of_table:
            own[key] = value
    return own


def key_of(name: str, types: dict[str, str]) -> dict[str, str]:
    """A table-file key (``{name, type}``) from an attribute name and the declared types."""
    if name not in types:
        raise SourceError(
            f"key attribute {name!r} has no attribute definition; every key attribute needs "
            "one (AttributeDefinitions / attribute blocks)"
        )
    return {"name": name, "type": types[name]}


def projection(kind: str, non_key: list[str] | None) -> dict[str, Any]:
    """Projection settings of an index in table-file terms."""
    found: dict[str, Any] = {"projection": kind}
    if kind == "INCLUDE" and non_key:
        found["non_key_attributes"] = list(non_key)
    return found


def read_json(path: Path, expected: str) -> Any:
    """A source file's JSON; ``expected`` ends the message when it is not JSON at all."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SourceError(f"cannot read {path}: {error}", Exit.UNAVAILABLE) from error
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); "
                          f"{expected}") from None
