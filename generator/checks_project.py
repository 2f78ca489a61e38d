"""Stage 3, the rules across table files: usable and distinct table keys from the file
names, unique table names and environment variables.

They register through ``checks.project_rule``, each naming the top-level keys it reads (the
project view); ``checks`` imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from generator.checks import project_rule
from generator.diagnostics import Mark, Problem
from generator.loader import Document
from generator.naming import environment_output, logical_id, table_key

_KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# A file name's problem is the whole file's: it is reported at the file's start.
_FILE_START = Mark(1, 1)


@project_rule("E120", "file names give distinct, usable table keys")
def _table_keys(docs: Sequence[Document]) -> Iterator[tuple[Document, Problem]]:
    owners: dict[str, Document] = {}
    for doc in docs:
        key = table_key(doc.path)
        if not _KEY_PATTERN.match(key):
            yield doc, Problem(
                (), f"the file name {doc.path.name!r} does not give a usable table key ({key!r})",
                "name table files with a letter first, then letters, digits, '-' or '_', "
                "e.g. sessions.yaml; the key names the table in Terraform and CloudFormation",
                at=_FILE_START,
            )
            continue
        ident = logical_id(key)
        if ident in owners:
            other = owners[ident]
            other_key = table_key(other.path)
            clash = f"as does {other.display}" if other_key == key else (
                f"whose CloudFormation names ({ident}...) are those of the key {other_key!r} "
                f"of {other.display}"
            )
            yield doc, Problem(
                (), f"the file name gives the table key {key!r}, {clash}",
                "rename one of the files", at=_FILE_START,
            )
        else:
            owners[ident] = doc


@project_rule("E121", "table names are unique across files", reads=("name",))
def _unique_table_names(docs: Sequence[Document]) -> Iterator[tuple[Document, Problem]]:
    first: dict[str, Document] = {}
    for doc in docs:
        name = doc.data["name"]
        if name in first:
            other = first[name]
            line = other.mark(("name",)).line
            yield doc, Problem(
                ("name",),
                f"table name {name!r} is already used by {other.display}:{line}",
                "give every table its own name",
            )
        else:
            first[name] = doc


@project_rule(
    "E122", "an environment variable names one table", reads=("environment_variable",)
)
def _unique_environment_variables(
    docs: Sequence[Document],
) -> Iterator[tuple[Document, Problem]]:
    # CloudFormation output names drop the underscores, so A_B and A__B would collide there.
    first: dict[str, Document] = {}
    for doc in docs:
        variable = doc.data.get("environment_variable")
        if variable is None:
            continue
        output = environment_output(variable)
        if output in first:
            other = first[output]
            line = other.mark(("environment_variable",)).line
            shown = other.data["environment_variable"]
            same = "is already used" if shown == variable else f"collides with {shown!r}"
            yield doc, Problem(
                ("environment_variable",),
                f"environment variable {variable!r} {same} by {other.display}:{line}",
                "give each table its own environment variable",
            )
        else:
            first[output] = doc
