"""The CloudFormation layout: which tables each stack's template holds, and in what order
CloudFormation creates them.

A table's stack is the one its file names (``stack:``), else the default one; it is never
derived from a count or a size, so adding tables never moves another: for CloudFormation a
moved table is an orphan in the stack it left and a name clash in the one it joined.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from generator.model import DEFAULT_STACK, Project, Table


@dataclass(frozen=True)
class Stack:
    """One CloudFormation stack: its name and its tables, by key."""

    name: str
    tables: tuple[Table, ...]

    @cached_property
    def project(self) -> Project:
        """The stack's tables as a project of their own, for its template's frame."""
        return Project(self.tables)

    @cached_property
    def depends_on(self) -> Mapping[str, str]:
        """Logical id of the table each table with secondary indexes waits for, by key.

        DynamoDB limits how many tables with secondary indexes may be CREATING at once,
        and CloudFormation's documentation asks for DependsOn between them: they are
        chained in key order, so a table added later only touches its neighbours' order.
        """
        indexed = [t for t in self.tables
                   if t.global_secondary_indexes or t.local_secondary_indexes]
        pairs = itertools.pairwise(indexed)
        return {later.key: earlier.logical_id for earlier, later in pairs}


def layout(project: Project) -> tuple[Stack, ...]:
    """The stacks the tables name, by name; a project without ``stack:`` keys has one."""
    by_stack: dict[str, list[Table]] = {}
    for table in project.tables:
        by_stack.setdefault(table.stack, []).append(table)
    if not by_stack:
        by_stack[DEFAULT_STACK] = []
    return tuple(Stack(name, tuple(tables)) for name, tables in sorted(by_stack.items()))
