"""Settings that an output format cannot give every replica of a global table.

The AWS provider 5.x sets some settings through resources or arguments of the provider's
own region only, while CloudFormation's AWS::DynamoDB::GlobalTable takes them per replica;
`build` says so for each table it affects, so that nobody counts on a protection that a
format leaves out in some regions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from generator.model import Project, Table

# (setting, whether the table uses it, the format that reaches every replica, if one does)
_SETTINGS: tuple[tuple[str, Callable[[Table], bool], str | None], ...] = (
    ("deletion protection", lambda t: t.deletion_protection, "CloudFormation"),
    ("the point-in-time recovery period", lambda t: bool(t.point_in_time_recovery_period_days),
     "CloudFormation"),
    ("Contributor Insights",
     lambda t: t.contributor_insights or bool(t.contributor_insights_indexes), "CloudFormation"),
    ("Kinesis streaming", lambda t: bool(t.kinesis_stream_arn), None),
    ("the resource policy", lambda t: bool(t.resource_policy), None),
)


def table_gaps(table: Table) -> Iterator[str]:
    regions = ", ".join(r.region for r in table.replicas)
    for setting, used, everywhere in _SETTINGS:
        if not table.replicas or not used(table):
            continue
        if everywhere:
            yield (f"warning: {table.source}: under Terraform, {setting} reaches only the "
                   f"provider's region, not the replicas in {regions} (the AWS provider 5.x "
                   f"has no replica argument for it); {everywhere} sets it on every replica")
        else:
            yield (f"warning: {table.source}: {setting} reaches only the deployment's own "
                   f"region in both formats, not the replicas in {regions}")


def warnings(project: Project) -> list[str]:
    return [line for table in project.tables for line in table_gaps(table)]
