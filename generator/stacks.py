"""The CloudFormation layout: which tables each stack's template holds, and in what order
CloudFormation creates them.

A table's stack is the one its file names (``stack:``), else the default one; it is never
derived from a count or a size, so adding tables never moves another: for CloudFormation a
moved table is an orphan in the stack it left and a name clash in the one it joined.
What exists once per deployment (the account's alarms and their outputs, the output of
the alarm topics) is in the default stack, for the same reason: it never moves when stacks
are added or emptied.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from generator.alarms import ACCOUNT_OUTPUTS, Alarm, AlarmOutputs
from generator.model import Project, Table
from generator.naming import DEFAULT_STACK


@dataclass(frozen=True)
class Stack:
    """One CloudFormation stack: its name, its tables by key, and the account's alarms if
    it is the default stack."""

    name: str
    tables: tuple[Table, ...]
    account_alarms: tuple[Alarm, ...] = ()

    @property
    def holds_deployment_outputs(self) -> bool:
        """Whether the outputs that exist once per deployment are this stack's."""
        return self.name == DEFAULT_STACK

    @cached_property
    def project(self) -> Project:
        """The stack's tables and alarms as a project of their own, for its template's frame."""
        return Project(self.tables, account_alarms=self.account_alarms)

    @cached_property
    def notifies(self) -> bool:
        """Whether the template needs the alarm topics: it has alarms or their output."""
        return self.holds_deployment_outputs or bool(self.project.alarms)

    @property
    def account_outputs(self) -> AlarmOutputs:
        """The outputs that list the account's alarms, which are the default stack's."""
        return ACCOUNT_OUTPUTS

    @cached_property
    def takes_kms_key(self) -> bool:
        """Whether the template has the KmsKeyArn parameter and its condition: a table takes
        the deployment's key, or the stack holds the deployment's outputs, which include it."""
        return self.holds_deployment_outputs or self.project.uses_deployment_key

    @cached_property
    def takes_iam_switch(self) -> bool:
        """Whether the template has the CreateIamPolicies parameter: a table has access
        roles, or the stack holds the deployment's outputs, which include it."""
        return self.holds_deployment_outputs or bool(self.project.access_roles)

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
    """The stacks the tables name, by name; a project without ``stack:`` keys has one.

    The default stack exists when a table is in it, when the account has alarms (which it
    holds even if every table names another stack), or when there is no table at all.
    """
    by_stack: dict[str, list[Table]] = {}
    for table in project.tables:
        by_stack.setdefault(table.stack, []).append(table)
    if not by_stack or project.account_alarms:
        by_stack.setdefault(DEFAULT_STACK, [])
    return tuple(
        Stack(name, tuple(tables),
              project.account_alarms if name == DEFAULT_STACK else ())
        for name, tables in sorted(by_stack.items())
    )
