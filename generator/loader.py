"""Stage 1: read YAML table files into plain data plus the source position of every node.

Only YAML's core data types are accepted (mappings, sequences, strings, numbers,
booleans, null): tags that construct objects, duplicate keys, non-string keys and
documents that expand past a bounded size are errors, not surprises.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from generator.diagnostics import Diagnostic, DocPath, InputError, Mark, format_path

# Limits that keep a hostile file from costing unbounded time or memory.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000

TABLE_FILE_SUFFIXES = (".yaml", ".yml")

_STR = "tag:yaml.org,2002:str"
_BOOL = "tag:yaml.org,2002:bool"
# YAML 1.2 spells booleans only so; PyYAML, like YAML 1.1, also reads yes/no/on/off.
_CORE_BOOLEANS = frozenset({"true", "false"})
_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    _BOOL,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    _STR,
}
_PLAIN_TEXT_TAGS = {"tag:yaml.org,2002:timestamp"}
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"
_SURROGATE = re.compile("[\ud800-\udfff]")
_constructor = yaml.SafeLoader("")
# libyaml builds the same nodes with the same marks about ten times faster (a 1,000-table
# build spent half its time in the pure-Python parser). It is stricter in places (a lone
# surrogate escape, a BOM inside the text) and laxer with tabs, so texts with a tab, and
# texts it refuses, go to the pure-Python parser, which alone decides and words errors.
_FAST_LOADER: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)


@dataclass(frozen=True)
class Document:
    """One loaded table file: its data, and its text to find where each part came from."""

    path: Path
    display: str
    data: Any
    text: str = field(repr=False)
    # The keys the schema's defaults filled into ``data`` (generator/defaults.py): the file
    # does not write them.
    defaulted: frozenset[DocPath] = field(default=frozenset(), repr=False)

    @cached_property
    def _marks(self) -> tuple[dict[DocPath, Mark], dict[DocPath, Mark]]:
        # Positions are only needed for a diagnostic, so they are found again from the text
        # when one is made: recording them for every node of every file was a tenth of a
        # 1,000-table build and most of the memory its documents held.
        converter = _Converter(record_marks=True)
        converter.convert(_parse(self.text), (), 0)
        return converter.key_marks, converter.value_marks

    @property
    def key_marks(self) -> dict[DocPath, Mark]:
        return self._marks[0]

    @property
    def value_marks(self) -> dict[DocPath, Mark]:
        return self._marks[1]

    def restricted_to(self, keys: Container[str]) -> Document:
        """This document with only the top-level ``keys`` of its data; positions still
        come from the whole text."""
        data = {key: value for key, value in self.data.items() if key in keys}
        defaulted = frozenset(path for path in self.defaulted if path[0] in keys)
        return Document(self.path, self.display, data, self.text, defaulted)

    def is_default(self, path: DocPath) -> bool:
        """Whether the key at ``path`` is the schema's default, not written in the file."""
        return path in self.defaulted

    def mark(self, path: DocPath, *, key: bool = False) -> Mark:
        """The position of the node at ``path`` (or of its key), else of its nearest parent."""
        marks = self.key_marks if key else self.value_marks
        probe = path
        while probe:
            found = marks.get(probe)
            if found is not None:
                return found
            probe = probe[:-1]
        return self.value_marks.get((), Mark(1, 1))

    def diagnostic(
        self, code: str, path: DocPath, message: str, hint: str = "", *, key: bool = False
    ) -> Diagnostic:
        where = self.mark(path, key=key)
        return Diagnostic(
            self.display, where.line, where.column, code, format_path(path), message, hint
        )


class _LocatedProblemError(Exception):
    def __init__(self, code: str, mark: Mark, path: DocPath, message: str, hint: str) -> None:
        super().__init__(message)
        self.code, self.mark, self.path, self.message, self.hint = code, mark, path, message, hint


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _event_mark(event: yaml.Event) -> Mark:
    start = event.start_mark
    return Mark(start.line + 1, start.column + 1) if start else Mark(1, 1)


# C0 controls but tab, newline and carriage return; DEL; C1 controls; bidirectional overrides
# and isolates. YAML allows them as escapes, but they reach terminals (ANSI sequences in
# plan output), make code read differently from what it does (bidi), and cfn-lint cannot
# read a template holding a raw DEL or C1 character.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def _require_clean(text: str, node: yaml.Node, path: DocPath) -> None:
    """Refuse control characters in any string, then strings Terraform would rewrite."""
    found = _CONTROL.search(text)
    if found:
        raise _LocatedProblemError(
            "Y012",
            _mark(node),
            path,
            f"{text!a} contains the control character U+{ord(found.group()):04X}",
            "remove it; table files may hold tabs and line breaks but no other control "
            "or text-direction characters",
        )
    _require_nfc(text, node, path)


def _require_nfc(text: str, node: yaml.Node, path: DocPath) -> None:
    """Terraform rewrites every string literal to Unicode NFC; CloudFormation keeps it as is.

    A decomposed string would name one attribute in Terraform and another in CloudFormation,
    so it is refused instead of being changed behind the author's back.
    """
    if not unicodedata.is_normalized("NFC", text):
        composed = unicodedata.normalize("NFC", text)
        raise _LocatedProblemError(
            "Y011",
            _mark(node),
            path,
            f"{text!a} is not in Unicode normal form NFC; Terraform would read it as "
            f"{composed!a}",
            "write the composed characters (most editors do); e.g. 'é' as one character, "
            "not 'e' plus a combining accent",
        )


class _Converter:
    """Turns a composed node tree into plain data, recording marks and enforcing limits."""

    def __init__(self, *, record_marks: bool) -> None:
        self.record_marks = record_marks
        self.key_marks: dict[DocPath, Mark] = {}
        self.value_marks: dict[DocPath, Mark] = {}
        self.nodes = 0

    def convert(self, node: yaml.Node, path: DocPath, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _LocatedProblemError(
                "Y010",
                _mark(node),
                path,
                f"the document expands to more than {MAX_NODES} nodes",
                "a table file is small; remove repeated aliases (*name) that multiply its size",
            )
        if depth > MAX_DEPTH:
            raise _LocatedProblemError(
                "Y009",
                _mark(node),
                path,
                f"the document nests deeper than {MAX_DEPTH} levels",
                "a table file needs only a few levels; flatten the structure",
            )
        if self.record_marks:
            self.value_marks[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._require_tag(node, (_SEQ,), path)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            self._require_tag(node, (_MAP,), path)
            return self._mapping(node, path, depth)
        raise _LocatedProblemError(
            "Y004", _mark(node), path, "unsupported YAML node", ""
        )  # pragma: no cover

    def _require_tag(self, node: yaml.Node, allowed: Container[str], path: DocPath) -> None:
        if node.tag not in allowed:
            raise _LocatedProblemError(
                "Y004",
                _mark(node),
                path,
                f"the YAML tag {node.tag!r} is not allowed",
                "remove the tag; table files hold plain mappings, lists, strings and numbers",
            )

    def _scalar(self, node: yaml.ScalarNode, path: DocPath) -> Any:
        if node.tag in _PLAIN_TEXT_TAGS:
            return node.value
        self._require_tag(node, _SCALAR_TAGS, path)
        if node.tag == _BOOL and node.value.lower() not in _CORE_BOOLEANS:
            raise _LocatedProblemError(
                "Y013",
                _mark(node),
                path,
                f"{node.value!r} is a boolean in YAML 1.1 but text in YAML 1.2, so tools read "
                "it differently",
                "write true or false, or quote it for the text",
            )
        value = _constructor.yaml_constructors[node.tag](_constructor, node)
        if isinstance(value, str) and _SURROGATE.search(value):
            raise _LocatedProblemError(
                "Y007",
                _mark(node),
                path,
                "the string contains a lone UTF-16 surrogate escape",
                "write the character itself, or a valid \\U escape, instead of \\uD800-\\uDFFF",
            )
        if isinstance(value, str):
            _require_clean(value, node, path)
        return value

    def _mapping(self, node: yaml.MappingNode, path: DocPath, depth: int) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                raise _LocatedProblemError(
                    "Y004",
                    _mark(key_node),
                    path,
                    "YAML merge keys ('<<') are not supported",
                    "write the keys out in full so that every table file reads on its own",
                )
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != _STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                raise _LocatedProblemError(
                    "Y003",
                    _mark(key_node),
                    path,
                    f"mapping key {shown!r} is not a string",
                    'quote the key to make it a string, e.g. "1": or "true":',
                )
            key = key_node.value
            child = (*path, key)
            _require_clean(key, key_node, child)
            if key in first_seen:
                before = _mark(first_seen[key])
                raise _LocatedProblemError(
                    "Y002",
                    _mark(key_node),
                    child,
                    f"duplicate key {key!r} (first defined at line {before.line})",
                    "remove one of them; YAML readers silently keep only the last",
                )
            first_seen[key] = key_node
            if self.record_marks:
                self.key_marks[child] = _mark(key_node)
            result[key] = self.convert(value_node, child, depth + 1)
        return result


def _decode(raw: bytes, display: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [
                Diagnostic(
                    display,
                    line,
                    column,
                    "Y007",
                    "(document)",
                    f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})",
                    "save the file as UTF-8",
                )
            ]
        ) from None


def _compose(text: str) -> list[yaml.Node | None]:
    if _FAST_LOADER is not None and "\t" not in text:
        try:
            return list(yaml.compose_all(text, Loader=_FAST_LOADER))
        except (yaml.YAMLError, RecursionError):
            pass
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def _position(text: str, index: int) -> Mark:
    before = text[:index]
    return Mark(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def _count_events(text: str, loader: type[yaml.SafeLoader]) -> None:
    depth = 0
    nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _LocatedProblemError(
                    "Y010",
                    _event_mark(event),
                    (),
                    f"the document has more than {MAX_NODES} nodes",
                    "a table file is small; split or trim it",
                )
            if depth > MAX_DEPTH:
                raise _LocatedProblemError(
                    "Y009",
                    _event_mark(event),
                    (),
                    f"the document nests deeper than {MAX_DEPTH} levels",
                    "a table file needs only a few levels; flatten the structure",
                )
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _prescan(text: str) -> None:
    """Refuse deep or huge documents from the event stream, before any node tree is built.

    Events are streamed and dropped, so this costs bounded memory and no recursion; the
    node tree composed afterwards then has at most MAX_NODES nodes and MAX_DEPTH levels.
    """
    if _FAST_LOADER is not None:
        try:
            _count_events(text, _FAST_LOADER)
            return
        except yaml.YAMLError:
            pass  # the pure-Python parser alone decides and words syntax errors
    _count_events(text, yaml.SafeLoader)


class _NotPlainError(Exception):
    """The text uses something ``_plain_data`` leaves to the full path (which words errors)."""


_EVENT_TYPES = (
    yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.MappingEndEvent,
    yaml.SequenceEndEvent, yaml.DocumentEndEvent,
)


def _plain_string(text: str) -> None:
    if _CONTROL.search(text) or (not text.isascii() and (
        _SURROGATE.search(text) or not unicodedata.is_normalized("NFC", text)
    )):
        raise _NotPlainError


def _plain_data(text: str) -> Any:
    """The data of a plain table file, built from libyaml's events in one pass.

    The full path (event pre-pass, node tree, conversion) took twice as long; this one
    handles what table files hold: one document of mappings, lists and scalars within the
    limits. Anything else (tags, anchors, aliases, merge keys, duplicate or non-string
    keys, unwanted characters, an error) raises _NotPlainError, and the full path decides.
    """
    if _FAST_LOADER is None or "\t" in text:
        raise _NotPlainError  # the pure-Python parser alone judges tabs
    scalar, mapping_start, sequence_start, mapping_end, sequence_end, document_end = _EVENT_TYPES
    parser: Any = _FAST_LOADER(text)  # libyaml's parser: untyped in PyYAML's stubs
    resolve: Any = _constructor.resolve
    try:
        get = parser.get_event
        get()  # the stream's start
        if type(get()) is not yaml.DocumentStartEvent:
            raise _NotPlainError
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
                    raise _NotPlainError
                if kind is mapping_start or kind is sequence_start:
                    if len(open_) >= MAX_DEPTH:
                        raise _NotPlainError
                    open_.append([{} if kind is mapping_start else [], None, False])
                    continue
                if kind is not scalar:
                    raise _NotPlainError
                item = event.value
                tag = resolve(yaml.ScalarNode, item, event.implicit)
                if tag == _BOOL and item.lower() not in _CORE_BOOLEANS:
                    raise _NotPlainError  # a YAML 1.1 boolean: the full path refuses it
                is_key_text = tag == _STR
                if tag in _SCALAR_TAGS and not is_key_text:
                    item = _constructor.yaml_constructors[tag](
                        _constructor, yaml.ScalarNode(tag, item)
                    )
                elif not is_key_text and tag not in _PLAIN_TEXT_TAGS:
                    raise _NotPlainError  # e.g. the merge key '<<'
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
                raise _NotPlainError  # a duplicate key, or one that is not a string
        if type(get()) is not yaml.StreamEndEvent:
            raise _NotPlainError  # more than one document
        return data
    except yaml.YAMLError:
        raise _NotPlainError from None
    finally:
        parser.dispose()


def _parse(text: str) -> yaml.Node:
    """The one document's node tree; the size and depth limits hold before it is built."""
    _prescan(text)
    documents = [node for node in _compose(text) if node is not None]
    if not documents:
        raise _LocatedProblemError(
            "Y006",
            Mark(1, 1),
            (),
            "the file holds no YAML document",
            "describe one table, starting with 'name:' and 'partition_key:'",
        )
    if len(documents) > 1:
        raise _LocatedProblemError(
            "Y005",
            _mark(documents[1]),
            (),
            "the file holds more than one YAML document",
            "keep one table per file; move the part after '---' into a file of its own",
        )
    return documents[0]


def load_text(text: str, path: Path, display: str) -> Document:
    """Parse one YAML text; raise InputError with a located diagnostic if it is unusable."""

    def fail(code: str, mark: Mark, doc_path: DocPath, message: str, hint: str) -> InputError:
        return InputError(
            [
                Diagnostic(
                    display, mark.line, mark.column, code, format_path(doc_path), message, hint
                )
            ]
        )

    stray_bom = text.find("\ufeff")
    if stray_bom >= 0:
        raise fail(
            "Y007",
            _position(text, stray_bom),
            (),
            "a byte order mark (U+FEFF) inside the file",
            "remove it; only the very start of a file may carry a byte order mark",
        )
    try:
        try:
            data = _plain_data(text)
        except _NotPlainError:
            data = _Converter(record_marks=False).convert(_parse(text), (), 0)
    except _LocatedProblemError as located:
        raise fail(
            located.code, located.mark, located.path, located.message, located.hint
        ) from None
    except yaml.reader.ReaderError as exc:
        character = exc.character if isinstance(exc.character, int) else 0
        raise fail(
            "Y007",
            _position(text, exc.position),
            (),
            f"the control character U+{character:04X} is not allowed in YAML text",
            'remove it; inside double quotes write an escape such as "\\x07" instead',
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        if "'\\t'" in problem:
            # PyYAML's wording for the most common mistake is cryptic.
            raise fail(
                "Y001",
                where,
                (),
                "a tab character is used where YAML allows only spaces",
                "indent with spaces; YAML forbids tabs in indentation",
            ) from None
        raise fail("Y001", where, (), f"invalid YAML: {problem}", "fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise fail("Y001", Mark(1, 1), (), f"invalid YAML: {exc}", "fix the YAML syntax") from None
    except RecursionError:
        raise fail(
            "Y009",
            Mark(1, 1),
            (),
            f"the document nests deeper than {MAX_DEPTH} levels",
            "a table file needs only a few levels; flatten the structure",
        ) from None
    return Document(path, display, data, text)


def load_file(path: Path, display: str) -> Document:
    """Read and parse one table file, refusing oversized or undecodable files."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                [
                    Diagnostic(
                        display,
                        1,
                        1,
                        "Y008",
                        "(document)",
                        f"the file has {size} bytes, more than the limit of {MAX_FILE_BYTES}",
                        "a table file is a few kilobytes; split or trim it",
                    )
                ]
            )
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(
            [
                Diagnostic(
                    display,
                    1,
                    1,
                    "Y000",
                    "(document)",
                    f"cannot read the file: {exc.strerror}",
                    "check that the file exists and is readable",
                )
            ]
        ) from None
    return load_text(_decode(raw, display), path, display)


def find_table_files(schemas_dir: Path) -> list[Path]:
    """The table files in a folder, in a stable order; not recursive, hidden files skipped."""
    return sorted(
        p
        for p in schemas_dir.iterdir()
        if p.suffix in TABLE_FILE_SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def nested_table_file(schemas_dir: Path) -> Path | None:
    """The first table file in a subfolder, which ``find_table_files`` does not read."""
    for folder, subfolders, names in os.walk(schemas_dir):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found = sorted(n for n in names if Path(n).suffix in TABLE_FILE_SUFFIXES
                       and not n.startswith("."))
        if found and Path(folder) != schemas_dir:
            return Path(folder) / found[0]
    return None


def display_name(path: Path, root: Path | None) -> str:
    """How diagnostics name a file: relative to ``root`` when it lies below it."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return path.as_posix()
