"""What of YAML a table file may hold, for both ways of loading one (``generator.loader``,
the reference, and ``generator.loader_fast``): YAML 1.2's core data types within limits, and
no characters that would reach terminals or read differently from what they do.
"""

from __future__ import annotations

import re

import yaml

# Limits that keep a hostile file from costing unbounded time or memory.
MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 50_000

STR = "tag:yaml.org,2002:str"
BOOL = "tag:yaml.org,2002:bool"
SEQ = "tag:yaml.org,2002:seq"
MAP = "tag:yaml.org,2002:map"
MERGE = "tag:yaml.org,2002:merge"
# YAML 1.2 spells booleans only so; PyYAML, like YAML 1.1, also reads yes/no/on/off.
CORE_BOOLEANS = frozenset({"true", "false"})
SCALAR_TAGS = frozenset({
    "tag:yaml.org,2002:null",
    BOOL,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    STR,
})
# Read as the text they are written as.
PLAIN_TEXT_TAGS = frozenset({"tag:yaml.org,2002:timestamp"})
SURROGATE = re.compile("[\ud800-\udfff]")
# C0 controls but tab, newline and carriage return; DEL; C1 controls; bidirectional overrides
# and isolates. YAML allows them as escapes, but they reach terminals (ANSI sequences in
# plan output), make code read differently from what it does (bidi), and cfn-lint cannot
# read a template holding a raw DEL or C1 character.
CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)
# Builds scalars from their tag and text, as the safe loader does.
CONSTRUCTOR = yaml.SafeLoader("")
# libyaml's parser, which builds the same nodes with the same marks far sooner; None when
# PyYAML was built without it. It is stricter in places (a lone surrogate escape, a BOM
# inside the text) and laxer with tabs, so texts with a tab, and texts it refuses, go to the
# pure-Python parser, which alone decides and words errors.
LIBYAML: type[yaml.SafeLoader] | None = getattr(yaml, "CSafeLoader", None)
