"""The settings a replica of a global table may state for itself, and what it takes otherwise.

Each of them defaults to the table's own setting. The table schema says which table key a
replica key takes its default from (``x-default-from`` beside the replica key's
description), and this module reads that annotation, so the rules, the model and the
readers of deployed tables resolve a replica the same way. Tags are merged: a replica's
tags go over the table's.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from generator.validate import inlined_schema


@cache
def inherited() -> dict[str, tuple[str, ...]]:
    """Replica key -> the path, in the table file, of the table setting it defaults to."""
    replica = inlined_schema()["properties"]["replicas"]["items"]["properties"]
    return {key: tuple(str(spec["x-default-from"]).split("."))
            for key, spec in replica.items() if "x-default-from" in spec}


def table_setting(data: Mapping[str, Any], key: str) -> Any:
    """The table's value of the setting that replica key ``key`` defaults to; None unset."""
    value: Any = data
    for part in inherited()[key]:
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def effective(data: Mapping[str, Any], replica: Mapping[str, Any], key: str) -> Any:
    """A replica's setting: its own, else the table's; its tags go over the table's."""
    table = table_setting(data, key)
    own = replica.get(key)
    if isinstance(own, Mapping) and isinstance(table, Mapping):
        return {**table, **own}
    return table if own is None else own


def overrides(data: Mapping[str, Any], replica: Mapping[str, Any]) -> frozenset[str]:
    """The replica keys that the replica states with a value other than the table's."""
    # An empty map of tags is no tags, as the table's absent ones are.
    return frozenset(
        key for key in inherited()
        if key in replica
        and (effective(data, replica, key) or None) != (table_setting(data, key) or None)
    )


def with_table_settings(data: Mapping[str, Any], replica: Mapping[str, Any]) -> dict[str, Any]:
    """A replica as the table file would state it in full: every inherited key resolved."""
    return {**replica, **{key: effective(data, replica, key) for key in inherited()}}
