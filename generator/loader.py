"""Stage 1: read YAML table files into plain data plus the source position of every node.

Only YAML's core data types are accepted (mappings, sequences, strings, numbers,
booleans, null): tags that construct objects, duplicate keys, non-string keys and
documents that expand past a bounded size are errors, not surprises.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Container
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from generator import load_rules as rules
from generator import loader_fast
from generator.diagnostics import Diagnostic, DocPath, InputError, Mark, RuleCode, format_path
from generator.yaml_core import (
    BOOL,
    CONSTRUCTOR,
    CONTROL,
    CORE_BOOLEANS,
    LIBYAML,
    MAP,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MERGE,
    PLAIN_TEXT_TAGS,
    SCALAR_TAGS,
    SEQ,
    STR,
    SURROGATE,
)

TABLE_FILE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Document:
    """One loaded table file: its data, and its text to find where each part came from."""

    path: Path
    display: str
    data: Any
    text: str = field(repr=False)
    libyaml: bool = field(default=True, repr=False)  # how positions are found again
    # The keys the schema's defaults filled into ``data`` (generator/defaults.py): the file
    # does not write them.
    defaulted: frozenset[DocPath] = field(default=frozenset(), repr=False)

    @cached_property
    def _marks(self) -> tuple[dict[DocPath, Mark], dict[DocPath, Mark]]:
        # Positions are only needed for a diagnostic, so they are found again from the text
        # when one is made rather than recorded for every node of every file.
        converter = _Converter(record_marks=True)
        converter.convert(_parse(self.text, self.libyaml), (), 0)
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
        return Document(self.path, self.display, data, self.text, self.libyaml, defaulted)

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
    def __init__(
        self, rule: RuleCode, mark: Mark, path: DocPath, message: str, hint: str
    ) -> None:
        super().__init__(message)
        self.rule, self.mark, self.path, self.message, self.hint = rule, mark, path, message, hint


def _too_deep(mark: Mark, path: DocPath) -> _LocatedProblemError:
    """Y009, wherever the depth limit is found."""
    return _LocatedProblemError(
        rules.TOO_DEEP, mark, path, f"the document nests deeper than {MAX_DEPTH} levels",
        "a table file needs only a few levels; flatten the structure",
    )


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def _event_mark(event: yaml.Event) -> Mark:
    start = event.start_mark
    return Mark(start.line + 1, start.column + 1) if start else Mark(1, 1)


def _require_clean(text: str, node: yaml.Node, path: DocPath) -> None:
    """Refuse control characters in any string, then strings Terraform would rewrite."""
    found = CONTROL.search(text)
    if found:
        raise _LocatedProblemError(
            rules.CONTROL_CHARACTER,
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
            rules.NOT_NFC,
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
                rules.TOO_MANY_NODES,
                _mark(node),
                path,
                f"the document expands to more than {MAX_NODES} nodes",
                "a table file is small; remove repeated aliases (*name) that multiply its size",
            )
        if depth > MAX_DEPTH:
            raise _too_deep(_mark(node), path)
        if self.record_marks:
            self.value_marks[path] = _mark(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self._require_tag(node, (SEQ,), path)
            return [self.convert(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            self._require_tag(node, (MAP,), path)
            return self._mapping(node, path, depth)
        raise _LocatedProblemError(
            rules.TAG, _mark(node), path, "unsupported YAML node", ""
        )  # pragma: no cover

    def _require_tag(self, node: yaml.Node, allowed: Container[str], path: DocPath) -> None:
        if node.tag not in allowed:
            raise _LocatedProblemError(
                rules.TAG,
                _mark(node),
                path,
                f"the YAML tag {node.tag!r} is not allowed",
                "remove the tag; table files hold plain mappings, lists, strings and numbers",
            )

    def _scalar(self, node: yaml.ScalarNode, path: DocPath) -> Any:
        if node.tag in PLAIN_TEXT_TAGS:
            return node.value
        self._require_tag(node, SCALAR_TAGS, path)
        if node.tag == BOOL and node.value.lower() not in CORE_BOOLEANS:
            raise _LocatedProblemError(
                rules.YAML11_BOOLEAN,
                _mark(node),
                path,
                f"{node.value!r} is a boolean in YAML 1.1 but text in YAML 1.2, so tools read "
                "it differently",
                "write true or false, or quote it for the text",
            )
        value = CONSTRUCTOR.yaml_constructors[node.tag](CONSTRUCTOR, node)
        if isinstance(value, str) and SURROGATE.search(value):
            raise _LocatedProblemError(
                rules.ENCODING,
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
            if key_node.tag == MERGE:
                raise _LocatedProblemError(
                    rules.TAG,
                    _mark(key_node),
                    path,
                    "YAML merge keys ('<<') are not supported",
                    "write the keys out in full so that every table file reads on its own",
                )
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag != STR:
                shown = key_node.value if isinstance(key_node, yaml.ScalarNode) else "a collection"
                raise _LocatedProblemError(
                    rules.NON_STRING_KEY,
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
                    rules.DUPLICATE_KEY,
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
        raise InputError([rules.ENCODING.at(
            display, Mark(line, column), "(document)",
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8",
        )]) from None


def _position(text: str, index: int) -> Mark:
    before = text[:index]
    return Mark(before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1)


def _prescan(text: str, libyaml: bool) -> None:
    """Refuse deep or huge documents from the event stream, before any node tree is built.

    Events are streamed and dropped, so this costs bounded memory and no recursion; the
    node tree composed afterwards then has at most MAX_NODES nodes and MAX_DEPTH levels.
    """
    if libyaml and LIBYAML is not None:
        try:
            _count_events(text, LIBYAML)
            return
        except yaml.YAMLError:
            pass  # the pure-Python parser alone decides and words syntax errors
    _count_events(text, yaml.SafeLoader)


def _compose(text: str, libyaml: bool) -> list[yaml.Node | None]:
    if libyaml and LIBYAML is not None and "\t" not in text:
        try:
            return list(yaml.compose_all(text, Loader=LIBYAML))
        except (yaml.YAMLError, RecursionError):
            pass
    return list(yaml.compose_all(text, Loader=yaml.SafeLoader))


def _count_events(text: str, parser: type[yaml.SafeLoader]) -> None:
    depth = 0
    nodes = 0
    for event in yaml.parse(text, Loader=parser):
        if isinstance(event, yaml.NodeEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise _LocatedProblemError(
                    rules.TOO_MANY_NODES,
                    _event_mark(event),
                    (),
                    f"the document has more than {MAX_NODES} nodes",
                    "a table file is small; split or trim it",
                )
            if depth > MAX_DEPTH:
                raise _too_deep(_event_mark(event), ())
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def _parse(text: str, libyaml: bool) -> yaml.Node:
    """The one document's node tree; the size and depth limits hold before it is built."""
    _prescan(text, libyaml)
    documents = [node for node in _compose(text, libyaml) if node is not None]
    if not documents:
        raise _LocatedProblemError(
            rules.NO_DOCUMENT,
            Mark(1, 1),
            (),
            "the file holds no YAML document",
            "describe one table, starting with 'name:' and 'partition_key:'",
        )
    if len(documents) > 1:
        raise _LocatedProblemError(
            rules.SEVERAL_DOCUMENTS,
            _mark(documents[1]),
            (),
            "the file holds more than one YAML document",
            "keep one table per file; move the part after '---' into a file of its own",
        )
    return documents[0]


def _data(text: str, one_pass: bool, libyaml: bool) -> Any:
    if one_pass and libyaml:
        try:
            return loader_fast.plain_data(text)
        except loader_fast.NotPlainError:
            pass
    return _Converter(record_marks=False).convert(_parse(text, libyaml), (), 0)


def load_text(text: str, path: Path, display: str, *, one_pass: bool = True,
              libyaml: bool = True) -> Document:
    """Parse one YAML text; raise InputError with a located diagnostic if it is unusable.

    The speed paths, each with the reference path's results (which the parity tests pin by
    turning them off): ``one_pass``, plain texts built by ``loader_fast``; ``libyaml``, the
    node tree built by libyaml where it accepts the text (without it, neither is used)."""

    def fail(
        rule: RuleCode, mark: Mark, doc_path: DocPath, message: str, hint: str
    ) -> InputError:
        return InputError([rule.at(display, mark, format_path(doc_path), message, hint)])

    stray_bom = text.find("\ufeff")
    if stray_bom >= 0:
        raise fail(
            rules.ENCODING,
            _position(text, stray_bom),
            (),
            "a byte order mark (U+FEFF) inside the file",
            "remove it; only the very start of a file may carry a byte order mark",
        )
    try:
        data = _data(text, one_pass, libyaml)
    except _LocatedProblemError as located:
        raise fail(
            located.rule, located.mark, located.path, located.message, located.hint
        ) from None
    except yaml.reader.ReaderError as exc:
        character = exc.character if isinstance(exc.character, int) else 0
        raise fail(
            rules.ENCODING,
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
                rules.SYNTAX,
                where,
                (),
                "a tab character is used where YAML allows only spaces",
                "indent with spaces; YAML forbids tabs in indentation",
            ) from None
        raise fail(rules.SYNTAX, where, (), f"invalid YAML: {problem}",
                   "fix the YAML syntax") from None
    except yaml.YAMLError as exc:
        raise fail(rules.SYNTAX, Mark(1, 1), (), f"invalid YAML: {exc}",
                   "fix the YAML syntax") from None
    except RecursionError:
        deep = _too_deep(Mark(1, 1), ())
        raise fail(deep.rule, deep.mark, deep.path, deep.message, deep.hint) from None
    return Document(path, display, data, text, libyaml)


def load_file(path: Path, display: str) -> Document:
    """Read and parse one table file, refusing oversized or undecodable files."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError([rules.TOO_LARGE.at(
                display, Mark(1, 1), "(document)",
                f"the file has {size} bytes, more than the limit of {MAX_FILE_BYTES}",
                "a table file is a few kilobytes; split or trim it",
            )])
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError([rules.UNREADABLE.at(
            display, Mark(1, 1), "(document)", f"cannot read the file: {exc.strerror}",
            "check that the file exists and is readable",
        )]) from None
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
