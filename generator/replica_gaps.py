"""Settings that an output format cannot give every replica of a global table.

The AWS provider sets some settings through resources or arguments of the provider's own
region only, while CloudFormation's AWS::DynamoDB::GlobalTable takes them per replica;
`build` says so for each table it affects, so that nobody counts on a protection that a
format leaves out in some regions. Provider target 6 sets deletion protection per replica
and turns Contributor Insights on in each replica's region. A replica's own settings (its
table class, recovery period, read limit, tags, and before target 6 its deletion protection
and Contributor Insights) have no place in the provider's replica block: each one is named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from generator.features import ProviderTarget
from generator.model import Project, Replica, Table

# (setting, whether the module for a provider target leaves it out of a replica of the
# table, the format that reaches every replica, if one does)
_SETTINGS: tuple[tuple[str, Callable[[Table, Replica, ProviderTarget], bool], str | None], ...] = (
    ("deletion protection",
     lambda _, r, target: r.deletion_protection
     and "deletion_protection" not in target.replica_block_keys,
     "CloudFormation"),
    ("the point-in-time recovery period",
     lambda _, r, __: bool(r.recovery_period_days), "CloudFormation"),
    ("Contributor Insights",
     lambda t, r, target: any(e.region == r.region for e in t.replica_contributor_insights)
     and not target.replica_contributor_insights,
     "CloudFormation"),
    ("Kinesis streaming", lambda t, _, __: bool(t.kinesis_stream_arn), None),
    ("the resource policy", lambda t, _, __: bool(t.resource_policy), None),
)
# A replica's own setting (generator.replica_settings) that no target writes, by the
# Replica attribute, with its name in warnings: DynamoDB gives the replica the table's
# (the replica block of aws_dynamodb_table has no argument for it). The others are said
# above, for the replicas that have them.
_OWN_SETTINGS = (
    ("table_class", "table class"),
    ("max_read_request_units", "on-demand read limit (max_read_request_units)"),
    ("tags", "tags"),
)


def replica_gaps(table: Table, target: ProviderTarget) -> Iterator[str]:
    """A replica's own settings that the module for ``target`` cannot give it."""
    for replica in table.replicas:
        for attribute, setting in _OWN_SETTINGS:
            if attribute in replica.overrides:
                yield (f"warning: {table.source}: under Terraform, replica {replica.region} "
                       f"does not get its own {setting} but the table's (the AWS provider "
                       f"{target.major}.x has no replica argument for this setting); "
                       "CloudFormation sets this setting on that replica")


def table_gaps(table: Table, target: ProviderTarget) -> Iterator[str]:
    for setting, left_out, everywhere in _SETTINGS:
        regions = ", ".join(r.region for r in table.replicas if left_out(table, r, target))
        if not regions:
            continue
        if everywhere:
            yield (f"warning: {table.source}: under Terraform, {setting} reaches only the "
                   f"provider's region, not the replicas in {regions} (the AWS provider "
                   f"{target.major}.x has no replica argument for it); {everywhere} sets it on "
                   "every replica")
        else:
            yield (f"warning: {table.source}: {setting} reaches only the deployment's own "
                   f"region in both formats, not the replicas in {regions}")


def warnings(project: Project) -> list[str]:
    return [line for table in project.tables
            for gaps in (table_gaps, replica_gaps) for line in gaps(table, project.provider)]
