"""Aligns ``=`` in runs of HCL attributes the way ``terraform fmt`` does.

Templates write ``name = value`` with single spaces; this pass pads each run of
consecutive one-line attributes at the same indent, so the output is ``fmt``-clean
without templates counting characters.
"""

from __future__ import annotations

import re

_ATTRIBUTE = re.compile(
    r'^(?P<indent> *)(?P<name>[A-Za-z_][A-Za-z0-9_-]*|"(?:[^"\\]|\\.)*") = (?P<rest>.*)$'
)
_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"')


def _balanced(text: str) -> bool:
    """Whether brackets outside string literals close on this line.

    Counted with string methods once the literals are removed: a loop over the characters
    of every attribute was most of the alignment pass's time.
    """
    if '"' in text:
        text = _STRING_LITERAL.sub("", text)
        if '"' in text:
            return False  # a string literal that does not end on this line
    opened = text.count("{") + text.count("[") + text.count("(")
    return opened == text.count("}") + text.count("]") + text.count(")")


def align(text: str) -> str:
    lines = text.split("\n")
    out: list[str] = []
    run: list[re.Match[str]] = []

    def flush() -> None:
        width = max((len(m["name"]) for m in run), default=0)
        out.extend(f"{m['indent']}{m['name'].ljust(width)} = {m['rest']}" for m in run)
        run.clear()

    for line in lines:
        match = _ATTRIBUTE.match(line)
        if match and _balanced(match["rest"]):
            if run and run[0]["indent"] != match["indent"]:
                flush()
            run.append(match)
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)
