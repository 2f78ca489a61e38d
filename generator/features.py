"""Which Terraform AWS provider the generated module needs: features and their versions.

The project settings choose a provider target (``terraform: {provider: 5}`` or ``6``): the
major version whose syntax the module is written in. Each table feature whose Terraform
syntax needs a provider newer than a major's first release is listed once, in
``FEATURES``, with the version that introduced it (from the provider's changelog), and
``versions.tf`` states the lowest version that supports every feature the tables use.
A feature the target cannot express is a located error (``target_checks``), never
dropped from the output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.model import Table
    from generator.settings import Settings


@dataclass(frozen=True, order=True)
class Version:
    """A provider version, compared as numbers (6.29 is after 6.3)."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


@dataclass(frozen=True)
class Feature:
    """What a table uses, the provider version whose syntax has it, and where the
    generator writes it (for messages and the README)."""

    key: str
    title: str
    version: Version


FEATURES: dict[str, Feature] = {
    feature.key: feature
    for feature in (
        # 6.29 deprecates hash_key and range_key of global_secondary_index for these blocks.
        Feature("gsi_key_schema", "key_schema blocks in global_secondary_index", Version(6, 29)),
        Feature("multi_attribute_gsi_keys", "global secondary index keys of several "
                                            "attributes (key_schema blocks)", Version(6, 29)),
        Feature("replica_consistency_mode", "consistency_mode in replica blocks (multi-Region "
                                            "strong consistency)", Version(6, 3)),
        Feature("global_table_witness", "global_table_witness (a witness region)",
                Version(6, 22)),
        Feature("replica_deletion_protection", "deletion_protection_enabled in replica blocks",
                Version(6, 9)),
        Feature("contributor_insights_mode", "mode in aws_dynamodb_contributor_insights",
                Version(6, 11)),
        # Every regional resource of 6.x takes region, so one module reaches the replicas.
        Feature("replica_contributor_insights", "region in aws_dynamodb_contributor_insights "
                                                "(Contributor Insights on every replica)",
                Version(6, 0)),
        Feature("warm_throughput", "warm_throughput on the table and its global secondary "
                                   "indexes", Version(6, 13)),
    )
}
# The first release of each provider major that a target may name.
TARGETS: dict[int, Version] = {5: Version(5, 0), 6: Version(6, 0)}


@dataclass(frozen=True)
class ProviderTarget:
    """The provider major the Terraform module is written for."""

    major: int

    @property
    def baseline(self) -> Version:
        return TARGETS[self.major]

    def supports(self, feature: str) -> bool:
        """Whether this major has the feature's syntax at all (from some minor release)."""
        return FEATURES[feature].version.major <= self.major

    @property
    def replica_deletion_protection(self) -> bool:
        """Each replica block carries the table's deletion protection."""
        return self.supports("replica_deletion_protection")

    @property
    def replica_contributor_insights(self) -> bool:
        """Contributor Insights are turned on in each replica's region too."""
        return self.supports("replica_contributor_insights")

    @property
    def replica_block_keys(self) -> frozenset[str]:
        """The replica keys of a table file (generator.replica_settings) that the replica
        blocks of aws_dynamodb_table carry for this target; Contributor Insights, where a
        target has it, is a resource of its own."""
        block = {"region", "kms_key_arn", "point_in_time_recovery"}
        if self.replica_deletion_protection:
            block.add("deletion_protection")
        return frozenset(block)

    @property
    def replica_keys_written(self) -> frozenset[str]:
        """The replica keys the module writes for each replica: in its replica block, or,
        for Contributor Insights, in a resource in the replica's region."""
        insights = {"contributor_insights", "contributor_insights_mode"}
        return self.replica_block_keys | (insights if self.replica_contributor_insights
                                          else set())

    @property
    def gsi_key_schema(self) -> bool:
        """Global secondary indexes are written with key_schema blocks, not hash_key and
        range_key, which the provider deprecates from the version that has the blocks."""
        return self.supports("gsi_key_schema")


@cache
def default_target() -> ProviderTarget:
    """The target without a settings file: the settings schema's default."""
    from generator.settings import settings_schema

    spec = settings_schema()["properties"]["terraform"]["properties"]["provider"]
    return ProviderTarget(int(spec["default"]))


def table_features(table: Table, target: ProviderTarget) -> Iterator[str]:
    """The features of ``FEATURES`` that the module for ``target`` uses for ``table``."""
    if table.global_secondary_indexes and target.gsi_key_schema:
        yield "gsi_key_schema"
    if table.replicas and target.replica_deletion_protection:
        yield "replica_deletion_protection"
    if table.multi_region_consistency:
        yield "replica_consistency_mode"
    if table.witness_region:
        yield "global_table_witness"
    if any(g.multi_attribute for g in table.global_secondary_indexes):
        yield "multi_attribute_gsi_keys"
    if table.replica_contributor_insights and target.replica_contributor_insights:
        yield "replica_contributor_insights"
    replica_modes = target.replica_contributor_insights and any(
        entry.mode for entry in table.replica_contributor_insights)
    if table.contributor_insights_mode or table.contributor_insights_index_modes \
            or replica_modes:
        yield "contributor_insights_mode"
    if table.warm_throughput or any(g.warm_throughput for g in table.global_secondary_indexes):
        yield "warm_throughput"


def version_floor(tables: Iterable[Table], target: ProviderTarget) -> Version:
    """The lowest provider version that has every feature the tables use on ``target``."""
    versions = [FEATURES[f].version for table in tables for f in table_features(table, target)]
    return max([target.baseline, *versions])


def provider_target(settings: Settings) -> ProviderTarget:
    """The target the project settings choose, else the settings schema's default."""
    chosen = dict(settings.terraform).get("provider")
    return ProviderTarget(int(chosen)) if chosen is not None else default_target()
