"""The one place where values become text in a target language.

Templates may only emit ``Rendered`` values (the render environment refuses anything
else), and only these filters make them, so no string reaches the output unescaped and
nothing is escaped twice.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import jinja2

from generator.json_printer import encode, encode_string


class Rendered(str):
    """Text already escaped for the place it is emitted."""

    __slots__ = ()


_HCL_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HCL_SPECIAL = re.compile(r'[\\"\x00-\x1f\x7f\u2028\u2029]|\$\{|%\{')
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def _hcl_escape(match: re.Match[str]) -> str:
    text = match.group()
    if text == "${":
        return "$${"
    if text == "%{":
        return "%%{"
    return _HCL_ESCAPES.get(text) or f"\\u{ord(text):04x}"


def hcl_quote(text: str) -> str:
    """A double-quoted HCL string literal whose value is exactly ``text``: no interpolation."""
    return '"' + _HCL_SPECIAL.sub(_hcl_escape, text) + '"'


def hcl_text(text: str) -> Rendered:
    """Text inside a double-quoted HCL string, after an interpolation: escaped like ``hcl``."""
    return Rendered(hcl_quote(text)[1:-1])


def hcl(value: Any) -> Rendered:
    """Any model value as an HCL expression literal."""
    if isinstance(value, str):
        return Rendered(hcl_quote(value))
    if isinstance(value, bool):
        return Rendered("true" if value else "false")
    if value is None:
        return Rendered("null")
    if isinstance(value, int):
        return Rendered(str(value))
    if isinstance(value, float):
        return Rendered(repr(int(value)) if value.is_integer() else repr(value))
    if isinstance(value, Sequence):
        return Rendered("[" + ", ".join(hcl(item) for item in value) + "]")
    raise TypeError(f"no HCL form for {type(value).__name__}")


def ident(value: str) -> Rendered:
    """An identifier the model built itself (resource names, logical ids); refuses anything else."""
    if not _IDENTIFIER.match(value):
        raise ValueError(f"not an identifier: {value!r}")
    return Rendered(value)


def hcl_comment(text: str, lead: str = "") -> Rendered:
    """Free text as ``#`` comment lines, wrapped: a newline can never end the comment early."""
    clean = re.sub(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]", " ", lead + text)
    lines: list[str] = []
    for paragraph in clean.split("\n"):
        wrapped = textwrap.wrap(paragraph, width=96, break_long_words=False, break_on_hyphens=False)
        lines.extend(wrapped or [""])
    return Rendered("\n".join(f"# {line}".rstrip() for line in lines))


def to_json(value: Any) -> Rendered:
    """Any value as JSON, by the serializer; Jinja's own tojson would rewrite <, > and &."""
    if isinstance(value, str):  # most values; the Mapping check below is slow
        return Rendered(encode_string(value))
    if isinstance(value, Mapping):
        value = dict(value)
    elif isinstance(value, tuple):
        value = list(value)
    return Rendered(encode(value))


def json_text(text: str) -> Rendered:
    """JSON the model already holds as text, re-serialized so it can only be data."""
    return to_json(json.loads(text))


def markdown(text: str) -> Rendered:
    """Free text inside a Markdown table cell or paragraph, rendered as text, not markup."""
    flat = " ".join(text.split())
    escaped = re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", flat)
    return Rendered(re.sub(r"^([#+!-])", r"\\\1", escaped))


def markdown_code(text: str) -> Rendered:
    """A value shown as inline code in Markdown; backticks inside are fenced safely."""
    flat = " ".join(text.split()).replace("|", "\\|")
    if "`" in flat:
        return Rendered(f"`` {flat} ``")
    return Rendered(f"`{flat}`")


def number(value: int) -> Rendered:
    """A whole number, in any of the languages; refuses anything else."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"not a whole number: {value!r}")
    return Rendered(str(value))


_LINE_TEXT = re.compile(r"[^\x00-\x1f\x7f\u2028\u2029]*")


def line_text(text: str) -> Rendered:
    """Text on one line of a comment (YAML or HCL): refuses line breaks and control
    characters, which would end the comment and turn the rest into code."""
    if not _LINE_TEXT.fullmatch(text):
        raise ValueError(f"not one line of text: {text!r}")
    return Rendered(text)


_MERMAID_ENTITIES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "`": "#96;"}


def mermaid(text: str) -> Rendered:
    """Text inside a quoted Mermaid label: entity codes for the characters Mermaid reads."""
    flat = " ".join(text.split())
    return Rendered("".join(_MERMAID_ENTITIES.get(ch, ch) for ch in flat))


def _defined(function: Callable[..., Rendered]) -> Callable[..., Rendered]:
    """Make a filter fail loudly on an undefined value instead of rendering it."""

    @functools.wraps(function)
    def checked(value: Any, *args: Any) -> Rendered:
        if isinstance(value, jinja2.Undefined):
            value._fail_with_undefined_error()
        return function(value, *args)

    return checked


_RAW_FILTERS: dict[str, Callable[..., Rendered]] = {
    "hcl": hcl,
    "hcl_text": hcl_text,
    "ident": ident,
    "comment": hcl_comment,
    "json": to_json,
    "json_text": json_text,
    "md": markdown,
    "code": markdown_code,
    "mermaid": mermaid,
    "number": number,
    "line": line_text,
}
FILTERS = {name: _defined(function) for name, function in _RAW_FILTERS.items()}


def concatenate(pieces: Iterable[str]) -> Rendered:
    """The environment's ``concat``, which joins what a template, a macro or a ``{% set %}``
    block prints: template text and values that passed ``require_rendered``, so the result
    is Rendered too, and a macro's output may be printed where the macro is called."""
    return Rendered("".join(pieces))


class Separator:
    """Jinja's ``joiner`` for Rendered output: after ``{% set comma = separator(",") %}``,
    ``{{ comma() }}`` before each member prints ``first`` (nothing unless given) the first
    time and the separator after, so members that are optional or come from loops need no
    ``if`` to place what separates them."""

    __slots__ = ("_next", "_text")

    def __init__(self, text: str, first: str = "") -> None:
        self._text = Rendered(text)
        self._next = Rendered(first)

    def __call__(self) -> Rendered:
        printed, self._next = self._next, self._text
        return printed


# Names every template may call, besides the filters.
GLOBALS: dict[str, Callable[..., Any]] = {"separator": Separator}


def require_rendered(value: Any) -> Any:
    """Jinja ``finalize`` hook: a template that prints a raw value is a bug, not output."""
    if isinstance(value, Rendered):
        return value
    raise TypeError(
        f"template printed an unescaped {type(value).__name__} {value!r}; pass it through a filter"
    )
