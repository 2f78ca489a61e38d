"""Renamed table files: the `moved` blocks each build writes, carried from build to build.

A rename is found against the last build in the output folder (the one the renamed file
replaces) and recorded in its model.json, so later builds keep the block until a table takes
the old key again; ``build --check`` finds the same blocks from the committed model.json.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.model import Move, Project
from generator.model_file import (
    INDEX_IDENTITY,
    MODEL_FILE,
    ModelFileError,
    Snapshot,
    moves_from_json,
    snapshots_from_json,
    table_snapshot,
)


def with_moves(out_dir: Path, project: Project) -> Project:
    """The project with the moves recorded in ``out_dir`` and those its renames add."""
    path = out_dir / MODEL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return project  # no previous build: nothing was deployed from it to move
    recorded = list(moves_from_json(text))
    try:
        previous = snapshots_from_json(text, str(path))
        found = renames(previous, {t.key: table_snapshot(t) for t in project.tables})
    except (ModelFileError, KeyError, TypeError, AttributeError):
        found = {}  # a damaged model.json; plan reports it
    for new, old in found.items():
        # A table renamed again moves from where older deployments still have it too.
        recorded = [Move(m.from_key, new) if m.to_key == old else m for m in recorded]
        recorded.append(Move(old, new))
    keys = {t.key for t in project.tables}
    kept = sorted({m for m in recorded if m.to_key in keys and m.from_key not in keys},
                  key=lambda m: (m.from_key, m.to_key))
    return dataclasses.replace(project, moves=tuple(kept))


def _identity(table: Snapshot) -> tuple[Any, ...]:
    """What makes two tables under different keys the same table: name, keys, indexes."""
    indexes = sorted(
        tuple(json.dumps(ix.get(k), sort_keys=True) for k in INDEX_IDENTITY)
        for ix in table["global_secondary_indexes"]
    )
    keys = [table[k] for k in ("name", "partition_key", "sort_key", "local_secondary_indexes")]
    return (json.dumps(keys, sort_keys=True), tuple(indexes))


def renames(old: Mapping[str, Snapshot], new: Mapping[str, Snapshot]) -> dict[str, str]:
    """Old key by new key, for each table key that disappears while another appears with
    the same physical name, keys and indexes: a renamed table file, not a new table."""
    removed = {_identity(old[k]): k for k in sorted(old.keys() - new.keys())}
    return {
        key: removed[_identity(new[key])]
        for key in sorted(new.keys() - old.keys())
        if _identity(new[key]) in removed
    }
