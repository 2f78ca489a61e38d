"""The fast path of loading a table file: plain files built in one pass over libyaml's
events, with the data the reference path (``generator.loader``) gives them.

The reference path pre-scans the events, builds the node tree and converts it, which is
what words every error; most table files use nothing it would refuse, and this path gives
them the same data in one pass. Whatever it is unsure of it leaves to the
reference path, so it never decides an error. Its parity with the reference path is pinned
in tests/test_speed_guards.py through ``plain_data``.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import yaml

from generator.yaml_core import (
    BOOL,
    CONSTRUCTOR,
    CONTROL,
    CORE_BOOLEANS,
    LIBYAML,
    MAX_DEPTH,
    MAX_NODES,
    PLAIN_TEXT_TAGS,
    SCALAR_TAGS,
    STR,
    SURROGATE,
)


class NotPlainError(Exception):
    """The text uses something ``plain_data`` leaves to the loader (which words errors)."""


_EVENT_TYPES = (
    yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.MappingEndEvent,
    yaml.SequenceEndEvent, yaml.DocumentEndEvent,
)


def _plain_string(text: str) -> None:
    if CONTROL.search(text) or (not text.isascii() and (
        SURROGATE.search(text) or not unicodedata.is_normalized("NFC", text)
    )):
        raise NotPlainError


def plain_data(text: str) -> Any:
    """The data of a plain table file, built from libyaml's events in one pass.

    It handles what table files hold: one document of mappings, lists and scalars within
    the limits. Anything else (tags, anchors, aliases, merge keys, duplicate or non-string
    keys, unwanted characters, an error, no libyaml) raises NotPlainError, and the loader's
    reference path decides and words the error.
    """
    if LIBYAML is None or "\t" in text:
        raise NotPlainError  # the pure-Python parser alone judges tabs
    scalar, mapping_start, sequence_start, mapping_end, sequence_end, document_end = _EVENT_TYPES
    parser: Any = LIBYAML(text)  # libyaml's parser: untyped in PyYAML's stubs
    resolve: Any = CONSTRUCTOR.resolve
    try:
        get = parser.get_event
        get()  # the stream's start
        if type(get()) is not yaml.DocumentStartEvent:
            raise NotPlainError
        # Open collections: [the collection, the pending key, whether a key is pending].
        open_: list[list[Any]] = []
        nodes = 0
        data: Any = None
        while True:
            event = get()
            kind = type(event)
            if kind is document_end:
                break
            if kind is mapping_end or kind is sequence_end:
                item = open_.pop()[0]
                is_key_text = False
            else:
                nodes += 1
                if event.anchor is not None or event.tag is not None or nodes > MAX_NODES:
                    raise NotPlainError
                if kind is mapping_start or kind is sequence_start:
                    if len(open_) >= MAX_DEPTH:
                        raise NotPlainError
                    open_.append([{} if kind is mapping_start else [], None, False])
                    continue
                if kind is not scalar:
                    raise NotPlainError
                item = event.value
                tag = resolve(yaml.ScalarNode, item, event.implicit)
                if tag == BOOL and item.lower() not in CORE_BOOLEANS:
                    raise NotPlainError  # a YAML 1.1 boolean: the full path refuses it
                is_key_text = tag == STR
                if tag in SCALAR_TAGS and not is_key_text:
                    item = CONSTRUCTOR.yaml_constructors[tag](
                        CONSTRUCTOR, yaml.ScalarNode(tag, item)
                    )
                elif not is_key_text and tag not in PLAIN_TEXT_TAGS:
                    raise NotPlainError  # e.g. the merge key '<<'
                if isinstance(item, str):
                    _plain_string(item)
            if not open_:
                data = item
                continue
            top = open_[-1]
            if type(top[0]) is list:
                top[0].append(item)
            elif top[2]:
                top[0][top[1]] = item
                top[2] = False
            elif is_key_text and item not in top[0]:
                top[1] = item
                top[2] = True
            else:
                raise NotPlainError  # a duplicate key, or one that is not a string
        if type(get()) is not yaml.StreamEndEvent:
            raise NotPlainError  # more than one document
        return data
    except yaml.YAMLError:
        raise NotPlainError from None
    finally:
        parser.dispose()
