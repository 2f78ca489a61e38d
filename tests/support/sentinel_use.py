"""Sentinel's use of its four tables as scenarios that the deploy tests run against what the
generated code deploys (tests/test_deploy_terraform.py: the tables real Terraform creates on
moto's server; tests/test_deploy_cloudformation.py: the stack moto builds), so one deployment
per format serves them. Every write Sentinel's stores make must succeed and every query must
return what it should.

The stores are re-created in tests/support/sentinel.py from the contract in
/work/shared/sentinel-tables.md. Where Sentinel's own query design misses items (a Limit read
before the filter, a Scan with Limit 1), a scenario asserts Sentinel's documented behaviour: it
is Sentinel's, not the tables'. moto applies Limit before the filter and refuses an empty
string in an index key as DynamoDB does; the assertions themselves check both.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from generator.model import Project
from tests.support.sentinel import (
    BreakGlassEvent,
    BreakGlassStore,
    RateLimiter,
    Request,
    RequestStore,
    Session,
    SessionStore,
    marshal,
)

HOUR = 3600
EPOCH_2030 = 1893456000  # 2030-01-01T00:00:00Z


@dataclass(frozen=True)
class SentinelTables:
    """The four Sentinel tables as deployed, with a client of the emulator that holds them."""

    dynamodb: Any
    names: dict[str, str]  # physical name by table key

    @classmethod
    def deployed(cls, dynamodb: Any, project: Project, prefix: str) -> SentinelTables:
        return cls(dynamodb, {table.key: prefix + table.name for table in project.tables})

    def sessions(self) -> SessionStore:
        return SessionStore(self.dynamodb, self.names["sessions"])

    def requests(self) -> RequestStore:
        return RequestStore(self.dynamodb, self.names["requests"])

    def breakglass(self) -> BreakGlassStore:
        return BreakGlassStore(self.dynamodb, self.names["breakglass"])

    def ratelimit(self) -> RateLimiter:
        return RateLimiter(self.dynamodb, self.names["ratelimit"])


def _unique(label: str) -> str:
    """A value no other test writes, so tests sharing the tables never see each other's items."""
    return f"{label}-{uuid.uuid4().hex[:12]}"


def _time(hour: int, minute: int = 0) -> str:
    return f"2030-01-01T{hour:02d}:{minute:02d}:00Z"


def _session(**fields: Any) -> Session:
    """A session as `sentinel server` writes it: no device, no source identity, not revoked."""
    created = fields.pop("created_at", _time(9))
    values: dict[str, Any] = {
        "id": _unique("sess"), "user": _unique("alice"), "profile": _unique("prod-admin"),
        "server_instance_id": _unique("srv"), "status": "active", "started_at": created,
        "last_access_at": created, "expires_at": _time(21), "request_count": 0,
        "source_identity": "", "device_id": "", "created_at": created, "updated_at": created,
        "ttl": EPOCH_2030 + 21 * HOUR, "revoked_by": "", "revoked_reason": ""}
    return Session(**{**values, **fields})


def _request(**fields: Any) -> Request:
    """A pending approval request: no approver yet, so both approver fields are empty."""
    created = fields.pop("created_at", _time(9))
    values: dict[str, Any] = {
        "id": _unique("req"), "requester": _unique("bob"), "profile": _unique("prod"),
        "justification": "deploy hotfix", "duration": 3600 * 10**9, "status": "pending",
        "created_at": created, "updated_at": created, "expires_at": _time(10),
        "ttl": EPOCH_2030 + 10 * HOUR, "approver": "", "approver_comment": ""}
    return Request(**{**values, **fields})


def _event(**fields: Any) -> BreakGlassEvent:
    """An open break-glass event: not closed and not from a request, so three empty strings."""
    created = fields.pop("created_at", _time(9))
    values: dict[str, Any] = {
        "id": _unique("bg"), "invoker": _unique("carol"), "profile": _unique("prod"),
        "reason_code": "incident", "justification": "pager", "duration": 1800 * 10**9,
        "status": "active", "created_at": created, "updated_at": created,
        "expires_at": _time(10), "ttl": EPOCH_2030 + 10 * HOUR, "closed_by": "",
        "closed_reason": "", "request_id": ""}
    return BreakGlassEvent(**{**values, **fields})


def _refused(tables: SentinelTables, code: str) -> Any:
    return pytest.raises(tables.dynamodb.exceptions.ClientError, match=code)


def every_session_write_sentinel_makes_succeeds(tables: SentinelTables) -> None:
    """Server mode (no device), a TVM session with a device ID and one whose client sent none:
    Create, the duplicate refused, Touch, the optimistic-lock Update, a stale one refused,
    Delete. With gsi-device-id on the table, the first Create already fails."""
    store = tables.sessions()
    server = _session()
    with_device = _session(device_id=_unique("device"), source_identity=_unique("tvm"))
    tvm_without_device = _session(source_identity=_unique("tvm"))
    for session in (server, with_device, tvm_without_device):
        store.create(session)
        assert store.get(session.id) == session
    assert tables.dynamodb.get_item(
        TableName=store.table, Key={"id": {"S": server.id}})["Item"] == marshal(server)
    with _refused(tables, "ConditionalCheckFailed"):
        store.create(server)

    store.touch(server.id, _time(9, 5))
    touched = store.get(server.id)
    assert touched == replace(server, last_access_at=_time(9, 5), request_count=1,
                              updated_at=_time(9, 5))
    with _refused(tables, "ConditionalCheckFailed"):
        store.touch(_unique("missing"), _time(9, 5))

    revoked = replace(touched, status="revoked", revoked_by="admin", revoked_reason="left",
                      updated_at=_time(9, 10))
    store.update(revoked, old_updated_at=touched.updated_at)
    assert store.get(server.id) == revoked
    with _refused(tables, "ConditionalCheckFailed"):
        store.update(replace(revoked, status="expired"), old_updated_at=touched.updated_at)

    store.delete(server.id)
    assert store.get(server.id) is None


def session_lists_return_newest_first_up_to_the_limit(tables: SentinelTables) -> None:
    store = tables.sessions()
    user, profile = _unique("dave"), _unique("staging")
    sessions = [_session(user=user, profile=profile, created_at=_time(hour))
                for hour in (8, 10, 9)]
    for session in sessions:
        store.create(session)
    newest_first = sorted(sessions, key=lambda s: s.created_at, reverse=True)
    assert store.list_by_user(user, 2) == newest_first[:2]
    assert store.list_by_profile(profile, 10) == newest_first
    by_status = store.list_by_status("active", 1000)
    assert [s for s in by_status if s.user == user] == newest_first
    assert by_status == sorted(by_status, key=lambda s: s.created_at, reverse=True)


def list_by_device_id_fails_loudly_because_the_index_is_left_out(tables: SentinelTables) -> None:
    """The decision in the contract: no gsi-device-id while Sentinel writes device_id as "",
    so this one store method fails with an error instead of every session write failing.
    DynamoDB says ValidationException; moto says ResourceNotFoundException."""
    with _refused(tables, "ValidationException|ResourceNotFoundException"):
        tables.sessions().list_by_device_id(_unique("device"), 10)


def find_active_by_server_instance_reads_one_item_before_filtering(
    tables: SentinelTables,
) -> None:
    """Sentinel's Limit 1 is applied before its status filter: an instance whose only session
    is active is found; once a revoked one sorts first ("revoked" > "active", newest first by
    the index sort key status), the active session is missed."""
    store = tables.sessions()
    instance = _unique("srv")
    active = _session(server_instance_id=instance)
    store.create(active)
    assert store.find_active_by_server_instance(instance) == active
    store.create(_session(server_instance_id=instance, status="revoked"))
    assert store.find_active_by_server_instance(instance) is None
    served = store.query("gsi-server-instance", "server_instance_id", instance,
                         filters={"status": "active"})
    assert served == [active]  # the index holds it; only Sentinel's Limit misses it


def list_by_time_range_pages_through_the_whole_table(tables: SentinelTables) -> None:
    store = tables.sessions()
    day = "2031-06-15"  # no other scenario writes sessions created in 2031
    inside = [_session(created_at=f"{day}T{hour:02d}:00:00Z") for hour in (3, 4, 5)]
    for session in [*inside, _session(created_at=f"{day}T07:00:00Z")]:
        store.create(session)
    found = store.list_by_time_range(f"{day}T00:00:00Z", f"{day}T06:00:00Z", limit=2)
    assert len(found) == 2 and set(found) <= set(inside)
    everything = store.list_by_time_range(f"{day}T00:00:00Z", f"{day}T06:00:00Z", limit=1000)
    assert set(everything) == set(inside)


def get_by_source_identity_sees_only_the_first_item_scanned(tables: SentinelTables) -> None:
    """A Scan with Limit 1 evaluates one item, then filters it: Sentinel finds the session
    only when it happens to be the first item of the scan."""
    store = tables.sessions()
    identity = _unique("tvm")
    sessions = [_session(source_identity=identity) for _ in range(5)]
    for session in sessions:
        store.create(session)
    first = tables.dynamodb.scan(TableName=store.table, Limit=1)["Items"][0]
    found = store.get_by_source_identity(identity)
    if first["source_identity"] == {"S": identity}:
        assert found is not None and found.id == first["id"]["S"]
    else:
        assert found is None
    matching = tables.dynamodb.scan(
        TableName=store.table, FilterExpression="source_identity = :v",
        ExpressionAttributeValues={":v": {"S": identity}})["Items"]
    assert {item["id"]["S"] for item in matching} == {s.id for s in sessions}


def every_approval_request_write_and_list_succeeds(tables: SentinelTables) -> None:
    store = tables.requests()
    requester, profile = _unique("erin"), _unique("billing")
    pending = [_request(requester=requester, profile=profile, created_at=_time(hour))
               for hour in (7, 9, 8)]
    for request in pending:
        store.create(request)
        assert store.get(request.id) == request
    with _refused(tables, "ConditionalCheckFailed"):
        store.create(pending[0])
    approved = replace(pending[0], status="approved", approver="frank",
                       approver_comment="ok", updated_at=_time(7, 30))
    store.update(approved, old_updated_at=pending[0].updated_at)
    with _refused(tables, "ConditionalCheckFailed"):
        store.update(replace(approved, status="denied"), old_updated_at=pending[0].updated_at)

    newest_first = sorted([approved, *pending[1:]], key=lambda r: r.created_at, reverse=True)
    assert store.list_by_requester(requester, 10) == newest_first
    assert store.list_by_profile(profile, 2) == newest_first[:2]
    assert [r for r in store.list_by_status("approved", 1000) if r.requester == requester] == [
        approved]
    store.delete(approved.id)
    assert store.get(approved.id) is None
    assert store.list_by_requester(requester, 10) == newest_first[:2]


def every_break_glass_write_and_list_succeeds(tables: SentinelTables) -> None:
    store = tables.breakglass()
    invoker, profile = _unique("grace"), _unique("prod")
    events = [_event(invoker=invoker, profile=profile, created_at=_time(hour))
              for hour in (6, 8, 7)]
    for event in events:
        store.create(event)
        assert store.get(event.id) == event
    with _refused(tables, "ConditionalCheckFailed"):
        store.create(events[0])
    closed = replace(events[0], status="closed", closed_by="grace", closed_reason="done",
                     request_id=_unique("req"), updated_at=_time(6, 30))
    store.update(closed, old_updated_at=events[0].updated_at)
    assert store.get(closed.id) == closed

    newest_first = sorted([closed, *events[1:]], key=lambda e: e.created_at, reverse=True)
    assert store.list_by_invoker(invoker, 10) == newest_first
    assert store.list_by_profile(profile, 1) == newest_first[:1]
    assert [e for e in store.list_by_status("closed", 1000) if e.invoker == invoker] == [closed]
    store.delete(closed.id)
    assert store.get(closed.id) is None


def break_glass_lookups_by_invoker_and_profile_read_one_item_before_filtering(
    tables: SentinelTables,
) -> None:
    """Limit 1 before the profile filter: found while the invoker's newest event is for that
    profile, missed once a newer event is for another profile."""
    store = tables.breakglass()
    invoker, profile = _unique("heidi"), _unique("prod")
    event = _event(invoker=invoker, profile=profile, created_at=_time(6))
    store.create(event)
    assert store.find_active_by_invoker_and_profile(invoker, profile) == event
    assert store.get_last_by_invoker_and_profile(invoker, profile) == event
    store.create(_event(invoker=invoker, profile=_unique("other"), created_at=_time(7)))
    assert store.find_active_by_invoker_and_profile(invoker, profile) is None
    assert store.get_last_by_invoker_and_profile(invoker, profile) is None
    assert store.query("gsi-invoker", "invoker", invoker, filters={"profile": profile}) == [event]


def break_glass_counts_since_a_time_count_the_partition_page(tables: SentinelTables) -> None:
    """Select COUNT with created_at (the index sort key) in the filter: right while the
    partition fits one page, which Sentinel's counts assume (LastEvaluatedKey not followed)."""
    store = tables.breakglass()
    invoker, profile = _unique("ivan"), _unique("prod")
    for hour in (5, 6, 7, 8):
        store.create(_event(invoker=invoker, profile=profile, created_at=_time(hour)))
    assert store.count_by_invoker_since(invoker, _time(6, 30)) == 2
    assert store.count_by_profile_since(profile, _time(5)) == 4
    page = store.query_page("gsi-invoker", "invoker", invoker, since=_time(6, 30), count=True)
    assert page["ScannedCount"] == 4  # the whole partition is read, then filtered
    assert "LastEvaluatedKey" not in page


def rate_limit_counts_per_window_and_resets_on_a_new_one(tables: SentinelTables) -> None:
    limiter = tables.ratelimit()
    principal = f"arn:aws:iam::123456789012:role/{_unique('ci')}"
    window, ttl = _time(9), EPOCH_2030 + 10 * HOUR + HOUR
    assert [limiter.allow(principal, window, ttl) for _ in range(3)] == [1, 2, 3]
    later, later_ttl = _time(10), EPOCH_2030 + 11 * HOUR + HOUR
    assert limiter.allow(principal, later, later_ttl) == 1
    item = tables.dynamodb.get_item(TableName=tables.names["ratelimit"],
                                      Key={"PK": {"S": f"RL#{principal}"}})["Item"]
    assert item == {"PK": {"S": f"RL#{principal}"}, "Count": {"N": "1"},
                    "WindowStart": {"S": later}, "TTL": {"N": str(later_ttl)}}


SentinelUse = Callable[[SentinelTables], None]
SENTINEL_USE: tuple[SentinelUse, ...] = (
    every_session_write_sentinel_makes_succeeds,
    session_lists_return_newest_first_up_to_the_limit,
    list_by_device_id_fails_loudly_because_the_index_is_left_out,
    find_active_by_server_instance_reads_one_item_before_filtering,
    list_by_time_range_pages_through_the_whole_table,
    get_by_source_identity_sees_only_the_first_item_scanned,
    every_approval_request_write_and_list_succeeds,
    every_break_glass_write_and_list_succeeds,
    break_glass_lookups_by_invoker_and_profile_read_one_item_before_filtering,
    break_glass_counts_since_a_time_count_the_partition_page,
    rate_limit_counts_per_window_and_resets_on_a_new_one,
)
