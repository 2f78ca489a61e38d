"""Stage 4: the typed, immutable description of the tables that the templates render.

Defaults are applied here, once, and every derived name (Terraform resource names,
CloudFormation logical ids, attribute definitions) is computed here, so templates only
loop and branch over finished values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

DEFAULT_BILLING_MODE = "PAY_PER_REQUEST"
DEFAULT_TABLE_CLASS = "STANDARD"
DEFAULT_PROJECTION = "ALL"
DEFAULT_ENCRYPTION = "aws_managed"
DEFAULT_POINT_IN_TIME_RECOVERY = True
DEFAULT_DELETION_PROTECTION = True


def table_key(path: Path) -> str:
    """The table's key in generated code, from its file name: ``rate-limit.yaml`` is ``rate_limit``.

    Keys come from file names, not from table names, so a deployment may rename tables freely.
    """
    return path.stem.lower().replace("-", "_")


def logical_id(key: str) -> str:
    """CamelCase form of a table key, for CloudFormation: ``rate_limit`` -> ``RateLimit``."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


@dataclass(frozen=True)
class KeyAttribute:
    name: str
    type: str


@dataclass(frozen=True)
class Capacity:
    read: int
    write: int


@dataclass(frozen=True)
class Projection:
    type: str
    non_key_attributes: tuple[str, ...] = ()


@dataclass(frozen=True)
class GlobalSecondaryIndex:
    name: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    projection: Projection
    capacity: Capacity | None


@dataclass(frozen=True)
class LocalSecondaryIndex:
    name: str
    sort_key: KeyAttribute
    projection: Projection


@dataclass(frozen=True)
class Encryption:
    type: str
    kms_key_arn: str | None

    @property
    def enabled(self) -> bool:
        """KMS encryption; False means DynamoDB's AWS-owned key."""
        return self.type != "aws_owned"

    @property
    def uses_deployment_key(self) -> bool:
        """AWS-managed tables take the deployment's customer key when one is given."""
        return self.type == "aws_managed"


@dataclass(frozen=True)
class Table:
    key: str
    source: str
    name: str
    description: str
    partition_key: KeyAttribute
    sort_key: KeyAttribute | None
    billing_mode: str
    capacity: Capacity | None
    global_secondary_indexes: tuple[GlobalSecondaryIndex, ...]
    local_secondary_indexes: tuple[LocalSecondaryIndex, ...]
    ttl_attribute: str | None
    stream_view_type: str | None
    table_class: str
    encryption: Encryption
    point_in_time_recovery: bool
    deletion_protection: bool
    tags: tuple[tuple[str, str], ...]

    @cached_property
    def logical_id(self) -> str:
        """CloudFormation logical id of the table resource."""
        return logical_id(self.key) + "Table"

    @cached_property
    def name_parameter(self) -> str:
        """CloudFormation parameter that overrides the physical name."""
        return self.logical_id + "NameOverride"

    @cached_property
    def name_description(self) -> str:
        """What the name override parameter does, for this table."""
        return (
            f"Physical name of table {self.key}; empty keeps the default, "
            f"NamePrefix + {self.name} + NameSuffix."
        )

    @cached_property
    def name_condition(self) -> str:
        """CloudFormation condition: the name override parameter is set."""
        return "Has" + self.name_parameter

    @cached_property
    def attribute_definitions(self) -> tuple[KeyAttribute, ...]:
        """Every attribute used as a key by the table or an index, once, in order of first use."""
        seen: dict[str, KeyAttribute] = {}
        keys: list[KeyAttribute | None] = [self.partition_key, self.sort_key]
        for gsi in self.global_secondary_indexes:
            keys += [gsi.partition_key, gsi.sort_key]
        keys += [lsi.sort_key for lsi in self.local_secondary_indexes]
        for attribute in keys:
            if attribute is not None and attribute.name not in seen:
                seen[attribute.name] = attribute
        return tuple(seen.values())


@dataclass(frozen=True)
class Project:
    tables: tuple[Table, ...]

    @cached_property
    def uses_deployment_key(self) -> bool:
        """Whether any table takes the deployment's optional customer KMS key."""
        return any(t.encryption.uses_deployment_key for t in self.tables)


def _key(raw: dict[str, Any] | None) -> KeyAttribute | None:
    return KeyAttribute(raw["name"], raw["type"]) if raw else None


def _capacity(raw: dict[str, Any] | None) -> Capacity | None:
    return Capacity(raw["read"], raw["write"]) if raw else None


def _projection(raw: dict[str, Any]) -> Projection:
    return Projection(
        raw.get("projection", DEFAULT_PROJECTION), tuple(raw.get("non_key_attributes", ()))
    )


def build_table(path: Path, source: str, data: dict[str, Any]) -> Table:
    """Build one table from a document that passed the schema and the checks."""
    partition_key = _key(data["partition_key"])
    assert partition_key is not None  # required by the schema
    gsis = tuple(
        GlobalSecondaryIndex(
            g["name"],
            KeyAttribute(**g["partition_key"]),
            _key(g.get("sort_key")),
            _projection(g),
            _capacity(g.get("capacity")),
        )
        for g in data.get("global_secondary_indexes", [])
    )
    lsis = tuple(
        LocalSecondaryIndex(ix["name"], KeyAttribute(**ix["sort_key"]), _projection(ix))
        for ix in data.get("local_secondary_indexes", [])
    )
    encryption = data.get("encryption", {})
    return Table(
        key=table_key(path),
        source=source,
        name=data["name"],
        description=data.get("description", "").strip(),
        partition_key=partition_key,
        sort_key=_key(data.get("sort_key")),
        billing_mode=data.get("billing_mode", DEFAULT_BILLING_MODE),
        capacity=_capacity(data.get("capacity")),
        global_secondary_indexes=gsis,
        local_secondary_indexes=lsis,
        ttl_attribute=data.get("ttl_attribute"),
        stream_view_type=data.get("stream"),
        table_class=data.get("table_class", DEFAULT_TABLE_CLASS),
        encryption=Encryption(
            encryption.get("type", DEFAULT_ENCRYPTION), encryption.get("kms_key_arn")
        ),
        point_in_time_recovery=data.get("point_in_time_recovery", DEFAULT_POINT_IN_TIME_RECOVERY),
        deletion_protection=data.get("deletion_protection", DEFAULT_DELETION_PROTECTION),
        tags=tuple(sorted(data.get("tags", {}).items())),
    )


def build_project(tables: Sequence[Table]) -> Project:
    """Tables ordered by key, so output never depends on file-system order."""
    return Project(tuple(sorted(tables, key=lambda t: t.key)))
