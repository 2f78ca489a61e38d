"""Sentinel's stores, re-created in Python from /work/shared/sentinel-tables.md: the same
items (every attribute of the Go struct written, unset strings as ``""``), the same
conditions, key conditions, filters, orders and limits, so a test can run Sentinel's use of
its four tables against what the generated Terraform and CloudFormation deploy.

Expressions name every attribute through a ``#`` placeholder, as Sentinel's expression builder
does: ``user``, ``status``, ``profile``, ``duration``, ``Count`` and ``TTL`` are DynamoDB
reserved words.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

AttributeValue = dict[str, str]
Item = dict[str, AttributeValue]


@dataclass(frozen=True)
class Session:
    id: str
    user: str
    profile: str
    server_instance_id: str
    status: str
    started_at: str
    last_access_at: str
    expires_at: str
    request_count: int
    source_identity: str
    device_id: str
    created_at: str
    updated_at: str
    ttl: int
    revoked_by: str
    revoked_reason: str


@dataclass(frozen=True)
class Request:
    id: str
    requester: str
    profile: str
    justification: str
    duration: int  # nanoseconds, as Go's time.Duration
    status: str
    created_at: str
    updated_at: str
    expires_at: str
    ttl: int
    approver: str
    approver_comment: str


@dataclass(frozen=True)
class BreakGlassEvent:
    id: str
    invoker: str
    profile: str
    reason_code: str
    justification: str
    duration: int
    status: str
    created_at: str
    updated_at: str
    expires_at: str
    ttl: int
    closed_by: str
    closed_reason: str
    request_id: str


Record = TypeVar("Record", Session, Request, BreakGlassEvent)


def marshal(record: Session | Request | BreakGlassEvent) -> Item:
    """Every field as Sentinel's marshaller writes it: strings as S (empty ones too), ints as N."""
    return {
        name: {"N": str(value)} if isinstance(value, int) else {"S": value}
        for name, value in dataclasses.asdict(record).items()
    }


def _unmarshal(kind: type[Record], item: Item) -> Record:
    """The record back from an item; a missing field raises, since Sentinel writes them all."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(kind):
        value = item[field.name]
        values[field.name] = int(value["N"]) if "N" in value else value["S"]
    return kind(**values)


def _names(*attributes: str) -> dict[str, str]:
    return {f"#{attribute}": attribute for attribute in attributes}


class ItemStore(Generic[Record]):
    """Create, Get, Update (optimistic lock), Delete and the index queries that the request,
    break-glass and session stores share."""

    kind: ClassVar[type[Any]]

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def create(self, record: Record) -> None:
        self.dynamodb.put_item(TableName=self.table, Item=marshal(record),
                               ConditionExpression="attribute_not_exists(#id)",
                               ExpressionAttributeNames=_names("id"))

    def get(self, record_id: str) -> Record | None:
        item = self.dynamodb.get_item(TableName=self.table, Key={"id": {"S": record_id}},
                                      ConsistentRead=True).get("Item")
        return None if item is None else _unmarshal(self.kind, item)

    def update(self, record: Record, old_updated_at: str) -> None:
        """Sentinel's optimistic lock: the Put succeeds only over the version it read."""
        self.dynamodb.put_item(
            TableName=self.table, Item=marshal(record),
            ConditionExpression="attribute_exists(#id) AND #updated_at = :old",
            ExpressionAttributeNames=_names("id", "updated_at"),
            ExpressionAttributeValues={":old": {"S": old_updated_at}})

    def delete(self, record_id: str) -> None:
        self.dynamodb.delete_item(TableName=self.table, Key={"id": {"S": record_id}})

    def query(self, index: str, attribute: str, value: str, limit: int | None = None, *,
              filters: dict[str, str] | None = None) -> list[Record]:
        """One Query page, newest first, with Sentinel's equality filters (ANDed)."""
        return [_unmarshal(self.kind, item) for item in
                self.query_page(index, attribute, value, limit=limit, filters=filters)["Items"]]

    def query_page(self, index: str, attribute: str, value: str, *, limit: int | None = None,
                   filters: dict[str, str] | None = None, since: str | None = None,
                   count: bool = False) -> Any:
        names = _names(attribute)
        values = {":v": {"S": value}}
        conditions = []
        for position, (name, wanted) in enumerate((filters or {}).items()):
            names[f"#{name}"] = name
            values[f":f{position}"] = {"S": wanted}
            conditions.append(f"#{name} = :f{position}")
        if since is not None:
            names["#created_at"] = "created_at"
            values[":since"] = {"S": since}
            conditions.append("#created_at >= :since")
        arguments: dict[str, Any] = {
            "TableName": self.table, "IndexName": index, "ScanIndexForward": False,
            "KeyConditionExpression": f"#{attribute} = :v",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values}
        if conditions:
            arguments["FilterExpression"] = " AND ".join(conditions)
        if limit is not None:
            arguments["Limit"] = limit
        if count:
            arguments["Select"] = "COUNT"
        return self.dynamodb.query(**arguments)


class RequestStore(ItemStore[Request]):
    kind = Request

    def list_by_requester(self, requester: str, limit: int) -> list[Request]:
        return self.query("gsi-requester", "requester", requester, limit)

    def list_by_status(self, status: str, limit: int) -> list[Request]:
        return self.query("gsi-status", "status", status, limit)

    def list_by_profile(self, profile: str, limit: int) -> list[Request]:
        return self.query("gsi-profile", "profile", profile, limit)


class BreakGlassStore(ItemStore[BreakGlassEvent]):
    kind = BreakGlassEvent

    def list_by_invoker(self, invoker: str, limit: int) -> list[BreakGlassEvent]:
        return self.query("gsi-invoker", "invoker", invoker, limit)

    def list_by_status(self, status: str, limit: int) -> list[BreakGlassEvent]:
        return self.query("gsi-status", "status", status, limit)

    def list_by_profile(self, profile: str, limit: int) -> list[BreakGlassEvent]:
        return self.query("gsi-profile", "profile", profile, limit)

    def find_active_by_invoker_and_profile(self, invoker: str, profile: str
                                           ) -> BreakGlassEvent | None:
        found = self.query("gsi-invoker", "invoker", invoker, 1,
                           filters={"profile": profile, "status": "active"})
        return found[0] if found else None

    def get_last_by_invoker_and_profile(self, invoker: str, profile: str
                                        ) -> BreakGlassEvent | None:
        found = self.query("gsi-invoker", "invoker", invoker, 1, filters={"profile": profile})
        return found[0] if found else None

    def count_by_invoker_since(self, invoker: str, since: str) -> int:
        """One page only, as Sentinel counts: LastEvaluatedKey is not followed."""
        return int(self.query_page("gsi-invoker", "invoker", invoker, since=since,
                                   count=True)["Count"])

    def count_by_profile_since(self, profile: str, since: str) -> int:
        return int(self.query_page("gsi-profile", "profile", profile, since=since,
                                   count=True)["Count"])


class SessionStore(ItemStore[Session]):
    kind = Session

    def touch(self, session_id: str, now: str) -> None:
        self.dynamodb.update_item(
            TableName=self.table, Key={"id": {"S": session_id}},
            UpdateExpression="SET #last_access_at = :now, "
            "#request_count = #request_count + :one, #updated_at = :now",
            ConditionExpression="attribute_exists(#id)",
            ExpressionAttributeNames=_names("id", "last_access_at", "request_count",
                                            "updated_at"),
            ExpressionAttributeValues={":now": {"S": now}, ":one": {"N": "1"}})

    def list_by_user(self, user: str, limit: int) -> list[Session]:
        return self.query("gsi-user", "user", user, limit)

    def list_by_status(self, status: str, limit: int) -> list[Session]:
        return self.query("gsi-status", "status", status, limit)

    def list_by_profile(self, profile: str, limit: int) -> list[Session]:
        return self.query("gsi-profile", "profile", profile, limit)

    def list_by_device_id(self, device_id: str, limit: int) -> list[Session]:
        return self.query("gsi-device-id", "device_id", device_id, limit)

    def find_active_by_server_instance(self, instance: str) -> Session | None:
        found = self.query("gsi-server-instance", "server_instance_id", instance, 1,
                           filters={"status": "active"})
        return found[0] if found else None

    def list_by_time_range(self, start: str, end: str, limit: int) -> list[Session]:
        """A Scan followed page by page until ``limit`` sessions matched or the table ends."""
        found: list[Session] = []
        arguments: dict[str, Any] = {
            "TableName": self.table, "Limit": limit,
            "FilterExpression": "#created_at BETWEEN :start AND :end",
            "ExpressionAttributeNames": _names("created_at"),
            "ExpressionAttributeValues": {":start": {"S": start}, ":end": {"S": end}}}
        while len(found) < limit:
            page = self.dynamodb.scan(**arguments)
            found += [_unmarshal(Session, item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            arguments["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    def get_by_source_identity(self, source_identity: str) -> Session | None:
        page = self.dynamodb.scan(
            TableName=self.table, Limit=1, FilterExpression="#source_identity = :v",
            ExpressionAttributeNames=_names("source_identity"),
            ExpressionAttributeValues={":v": {"S": source_identity}})
        return _unmarshal(Session, page["Items"][0]) if page["Items"] else None


class RateLimiter:
    """Sentinel's distributed rate limiter: one atomic counter per principal and window."""

    def __init__(self, dynamodb: Any, table: str) -> None:
        self.dynamodb = dynamodb
        self.table = table

    def allow(self, principal_arn: str, window_start: str, ttl: int) -> int:
        """Count one request in the window; a new window resets the counter. Returns the count."""
        key = {"PK": {"S": f"RL#{principal_arn}"}}
        names = _names("Count", "WindowStart", "TTL")
        values = {":zero": {"N": "0"}, ":one": {"N": "1"}, ":ws": {"S": window_start},
                  ":ttl": {"N": str(ttl)}}
        try:
            updated = self.dynamodb.update_item(
                TableName=self.table, Key=key,
                UpdateExpression="SET #Count = if_not_exists(#Count, :zero) + :one, "
                "#WindowStart = if_not_exists(#WindowStart, :ws), #TTL = :ttl",
                ConditionExpression="attribute_not_exists(#WindowStart) OR #WindowStart = :ws",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW")
        except self.dynamodb.exceptions.ConditionalCheckFailedException:
            del values[":zero"]
            updated = self.dynamodb.update_item(
                TableName=self.table, Key=key,
                UpdateExpression="SET #Count = :one, #WindowStart = :ws, #TTL = :ttl",
                ExpressionAttributeNames=names, ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW")
        return int(updated["Attributes"]["Count"]["N"])
