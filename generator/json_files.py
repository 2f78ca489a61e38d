"""Reading back the JSON files the generator writes itself (model.json, the output folder's
manifest and journal): each says which tool wrote it, and a damaged or foreign one is
reported the same way, naming the file and what to do about it.
"""

from __future__ import annotations

import json
from typing import Any


def read_own(text: str, origin: str, kind: str, error: type[Exception], fix: str = "") -> (
        dict[str, Any]):
    """The JSON object in ``text`` whose "generator" is ``kind``; else ``error``, naming
    ``origin`` and ending with ``fix`` (what the user can do) when given."""
    then = f"; {fix}" if fix else ""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{origin} is not valid JSON ({exc}){then}") from exc
    if not isinstance(document, dict) or document.get("generator") != kind:
        raise error(f"{origin} was not written by this tool{then}")
    return document
