"""Settings that an output format cannot give every replica of a global table.

The AWS provider sets some settings through resources or arguments of the provider's own
region only, while CloudFormation's AWS::DynamoDB::GlobalTable takes them per replica;
`build` says so for each table it affects, so that nobody counts on a protection that a
format leaves out in some regions. Provider target 6 sets deletion protection per replica
and turns Contributor Insights on in each replica's region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from generator.features import ProviderTarget
from generator.model import Project, Table

# (setting, whether the module for a provider target leaves it out of the replicas of the
# table, the format that reaches every replica, if one does)
_SETTINGS: tuple[tuple[str, Callable[[Table, ProviderTarget], bool], str | None], ...] = (
    ("deletion protection",
     lambda t, target: t.deletion_protection and not target.replica_deletion_protection,
     "CloudFormation"),
    ("the point-in-time recovery period",
     lambda t, _: bool(t.point_in_time_recovery_period_days), "CloudFormation"),
    ("Contributor Insights",
     lambda t, target: bool(t.replica_contributor_insights)
     and not target.replica_contributor_insights,
     "CloudFormation"),
    ("Kinesis streaming", lambda t, _: bool(t.kinesis_stream_arn), None),
    ("the resource policy", lambda t, _: bool(t.resource_policy), None),
)


def table_gaps(table: Table, target: ProviderTarget) -> Iterator[str]:
    regions = ", ".join(r.region for r in table.replicas)
    for setting, left_out, everywhere in _SETTINGS:
        if not table.replicas or not left_out(table, target):
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
    return [line for table in project.tables for line in table_gaps(table, project.provider)]
