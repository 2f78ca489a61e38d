"""Replay: prove against a live endpoint that the tables serve the application's access patterns.

For every table file, a scratch copy of the table (same keys, indexes, projections and TTL
attribute; on-demand and without deletion protection) is created on the endpoint under a
prefix unique to the run; the examples are written; every declared access pattern is run
as DynamoDB runs it, and each must return the examples that name it, in the declared order
for a query. The scratch tables are deleted at the end, also when a pattern fails, an
error occurs or the run is interrupted (Ctrl-C, SIGTERM).

Replay never reads or writes a table it did not create: every request names a scratch table
that this run created, and a name that already exists stops the run.
"""

from __future__ import annotations

import contextlib
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

from generator.attribute_values import AttributeValue, item_from_boto3, to_boto3_item
from generator.invocation import Exit
from generator.model import Project, Projection, Table
from generator.patterns import AccessPattern, Condition, Example
from generator.replay_judge import Outcome, Status, judge_read, key_names, names

SCRATCH_PREFIX = "replay-"
MAX_TABLE_NAME = 255
# The tag that marks a scratch table, so that one left behind (the endpoint went away during
# cleanup) can be found and deleted by hand.
SCRATCH_TAG = {"Key": "created-by", "Value": "dynamodb-schema-generator replay"}
ACTIVE_TIMEOUT = 600.0  # seconds for a scratch table and its indexes to become ACTIVE
POLL_INTERVAL = 1.0  # seconds between DescribeTable calls while waiting
# A global secondary index is eventually consistent: a read right after the writes may miss
# an item that is still on its way. Reads on one are retried after these pauses (seconds).
INDEX_SETTLE_PAUSES: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)


class ReplayError(Exception):
    """The endpoint cannot be used for the replay; the message says why."""


class OptionError(ReplayError):
    """--endpoint-url or --region cannot be used."""


def scratch_prefix() -> str:
    """A prefix no other run and no existing table uses: ``replay-<8 hex digits>-``."""
    return f"{SCRATCH_PREFIX}{secrets.token_hex(4)}-"


def scratch_name(prefix: str, table: Table) -> str:
    """The scratch copy's name: the prefix and the table's default name, cut to 255."""
    return (prefix + table.name)[:MAX_TABLE_NAME]


def _projection(projection: Projection) -> dict[str, Any]:
    spec: dict[str, Any] = {"ProjectionType": projection.type}
    if projection.non_key_attributes:
        spec["NonKeyAttributes"] = list(projection.non_key_attributes)
    return spec


def create_table_request(table: Table, name: str) -> dict[str, Any]:
    """CreateTable arguments for a scratch copy: what decides which items a pattern returns
    (keys, indexes, projections) as the table file says; on-demand billing, since capacity
    changes no result; no deletion protection, so that the copy can always be deleted."""
    schema = [{"AttributeName": table.partition_key.name, "KeyType": "HASH"}]
    if table.sort_key is not None:
        schema.append({"AttributeName": table.sort_key.name, "KeyType": "RANGE"})
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": [{"AttributeName": a.name, "AttributeType": a.type}
                                 for a in table.attribute_definitions],
        "KeySchema": schema,
        "BillingMode": "PAY_PER_REQUEST",
        "DeletionProtectionEnabled": False,
        "Tags": [SCRATCH_TAG],
    }
    if table.global_secondary_indexes:
        request["GlobalSecondaryIndexes"] = [
            {"IndexName": gsi.name,
             "KeySchema": [{"AttributeName": key.name, "KeyType": "HASH"}
                           for key in gsi.partition_keys]
             + [{"AttributeName": key.name, "KeyType": "RANGE"} for key in gsi.sort_keys],
             "Projection": _projection(gsi.projection)}
            for gsi in table.global_secondary_indexes
        ]
    if table.local_secondary_indexes:
        request["LocalSecondaryIndexes"] = [
            {"IndexName": lsi.name,
             "KeySchema": [{"AttributeName": table.partition_key.name, "KeyType": "HASH"},
                           {"AttributeName": lsi.sort_key.name, "KeyType": "RANGE"}],
             "Projection": _projection(lsi.projection)}
            for lsi in table.local_secondary_indexes
        ]
    return request


class ScratchTables:
    """The scratch copies of one run: made by ``create``, deleted on exit whatever happened.

    Only names that this run asked CreateTable for, and that CreateTable did not refuse as
    taken, are ever used or deleted.
    """

    def __init__(self, client: Any, prefix: str, err: TextIO) -> None:
        self.client = client
        self.prefix = prefix
        self.err = err
        self.created: dict[str, str] = {}  # table key -> scratch name
        self.left_behind: list[str] = []

    def __enter__(self) -> ScratchTables:
        return self

    def __exit__(self, *exc_info: object) -> None:
        with _stop_signals_ignored():
            self.left_behind = [name for name in self.created.values() if not self._delete(name)]

    def name(self, table: Table) -> str:
        return self.created[table.key]

    def create(self, tables: Sequence[Table]) -> None:
        """Create every copy, then wait until each is ACTIVE and has its TTL attribute."""
        for table in tables:
            name = scratch_name(self.prefix, table)
            # Recorded before the call: an interrupt during it may leave the table created.
            # Were the name taken, the call fails and the name is dropped again; an
            # interrupt at that very moment would need a taken name with this run's fresh
            # random prefix.
            self.created[table.key] = name
            try:
                self.client.create_table(**create_table_request(table, name))
            except self.client.exceptions.ResourceInUseException as error:
                del self.created[table.key]
                raise ReplayError(
                    f"a table named {name} already exists on the endpoint; replay never "
                    "touches a table it did not create, so it stops here") from error
        for table in tables:
            self._wait_active(self.created[table.key])
            if table.ttl_attribute is not None:
                self.client.update_time_to_live(
                    TableName=self.created[table.key],
                    TimeToLiveSpecification={"Enabled": True,
                                             "AttributeName": table.ttl_attribute})

    def _wait_active(self, name: str) -> None:
        deadline = time.monotonic() + ACTIVE_TIMEOUT
        while True:
            described = self.client.describe_table(TableName=name)["Table"]
            statuses = [described["TableStatus"]] + [
                gsi.get("IndexStatus", "ACTIVE")
                for gsi in described.get("GlobalSecondaryIndexes", [])]
            if all(status == "ACTIVE" for status in statuses):
                return
            if time.monotonic() > deadline:
                raise ReplayError(f"{name} is not ACTIVE after {ACTIVE_TIMEOUT:.0f} s")
            time.sleep(POLL_INTERVAL)

    def _delete(self, name: str) -> bool:
        """Delete one copy, waiting out CREATING or UPDATING; False if it could not be."""
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + ACTIVE_TIMEOUT
        while True:
            try:
                self.client.delete_table(TableName=name)
                return True
            except self.client.exceptions.ResourceNotFoundException:
                return True
            except self.client.exceptions.ResourceInUseException:
                if time.monotonic() > deadline:
                    break
                time.sleep(POLL_INTERVAL)
            except (BotoCoreError, ClientError) as error:
                print(f"replay: cannot delete {name}: {error}", file=self.err)
                break
        return False


STOPPING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def _stop_signals_ignored() -> Iterator[None]:
    """While the scratch tables are deleted, a second Ctrl-C or SIGTERM must not leave them
    behind."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, signal.SIG_IGN) for signum in STOPPING_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM (a cancelled CI job) stops the run like Ctrl-C, so cleanup runs too."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# --- expressions ------------------------------------------------------------------------


class _Expressions:
    """Placeholders for every attribute name and value: names may be reserved words
    (``status``, ``user``, ``TTL``) or not identifiers at all."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Any] = {}

    def name(self, attribute: str) -> str:
        for placeholder, known in self.names.items():
            if known == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value.to_boto3()
        return placeholder

    def condition(self, condition: Condition) -> str:
        return condition.written(self.name(condition.attribute),
                                 [self.value(value) for value in condition.values])

    def conditions(self, conditions: Sequence[Condition]) -> str:
        return " AND ".join(self.condition(condition) for condition in conditions)

    def arguments(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self.names:
            found["ExpressionAttributeNames"] = self.names
        if self.values:
            found["ExpressionAttributeValues"] = self.values
        return found


# --- running patterns -------------------------------------------------------------------


def _missing_values(pattern: AccessPattern) -> list[str]:
    return [c.attribute for c in (*pattern.key, *pattern.filter) if not c.complete]


def _read(client: Any, name: str, table: Table, pattern: AccessPattern) -> list[Any] | int:
    """Run a get, query or scan as the pattern declares it: the items, or for a count the
    Count (summed over the pages if the pattern follows LastEvaluatedKey)."""
    expressions = _Expressions()
    if pattern.operation == "get":
        request: dict[str, Any] = {
            "TableName": name, "ConsistentRead": True,
            "Key": {c.attribute: c.values[0].to_boto3() for c in pattern.key}}
        if pattern.projection:
            request["ProjectionExpression"] = ", ".join(
                expressions.name(a) for a in pattern.projection)
            request.update(expressions.arguments())
        item = client.get_item(**request).get("Item")
        return [] if item is None else [item]
    request = {"TableName": name}
    if pattern.index is not None:
        request["IndexName"] = pattern.index
    if pattern.index is None or pattern.index in {i.name for i in table.local_secondary_indexes}:
        request["ConsistentRead"] = True
    if pattern.operation == "query":
        request["KeyConditionExpression"] = expressions.conditions(pattern.key)
        request["ScanIndexForward"] = pattern.order != "descending"
    if pattern.filter:
        request["FilterExpression"] = expressions.conditions(pattern.filter)
    if pattern.projection:
        request["ProjectionExpression"] = ", ".join(
            expressions.name(a) for a in pattern.projection)
    if pattern.limit is not None:
        request["Limit"] = pattern.limit
    if pattern.count:
        request["Select"] = "COUNT"
    request.update(expressions.arguments())
    call = client.query if pattern.operation == "query" else client.scan
    items: list[Any] = []
    count = 0
    while True:
        page = call(**request)
        items += page.get("Items", [])
        count += page["Count"]
        if not pattern.paginated or "LastEvaluatedKey" not in page:
            return count if pattern.count else items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _targets(table: Table, pattern: AccessPattern) -> tuple[Example, ...]:
    """The examples a write runs on: those that name it, else every example of the table."""
    return table.usage.returned(pattern) or table.usage.examples


def _write(client: Any, name: str, table: Table, pattern: AccessPattern) -> Outcome:
    """A put writes each target example, an update sets each one's attributes to their
    values, a delete removes each one (then writes it back for the patterns after it); each
    must find the example stored as written."""
    keys = key_names(table)
    targets = _targets(table, pattern)
    if not targets:
        return Outcome(Status.NOT_SERVED, "no example to run it on: add one to 'examples:'")
    for example in targets:
        item = example.to_boto3()
        key = {k: item[k] for k in keys if k in item}
        if pattern.operation == "put":
            client.put_item(TableName=name, Item=item)
        elif pattern.operation == "update":
            expressions = _Expressions()
            sets = [f"{expressions.name(a)} = {expressions.value(v)}"
                    for a, v in example.item if a not in keys]
            request: dict[str, Any] = {
                "TableName": name, "Key": key,
                "ConditionExpression": f"attribute_exists({expressions.name(keys[0])})"}
            if sets:
                request["UpdateExpression"] = "SET " + ", ".join(sets)
            client.update_item(**request, **expressions.arguments())
        else:
            old = client.delete_item(TableName=name, Key=key, ReturnValues="ALL_OLD")
            client.put_item(TableName=name, Item=item)
            if item_from_boto3(old.get("Attributes", {})) != dict(example.item):
                return Outcome(Status.NOT_SERVED, f"{example.name} was not there to delete")
            continue
        stored = client.get_item(TableName=name, Key=key, ConsistentRead=True).get("Item")
        if stored is None or item_from_boto3(stored) != dict(example.item):
            return Outcome(Status.NOT_SERVED, f"{example.name} reads back otherwise")
    verb = {"put": "written", "update": "updated", "delete": "deleted and written back"}
    return Outcome(Status.SERVED, f"{names(targets)} {verb[pattern.operation]}")


def run_pattern(client: Any, name: str, table: Table, pattern: AccessPattern) -> Outcome:
    """Run one pattern on the scratch table ``name`` and judge what it returned."""
    from botocore.exceptions import ClientError

    if not pattern.served:
        return Outcome(Status.SKIPPED, "declared not served")
    missing = _missing_values(pattern)
    if missing and pattern.operation in ("get", "query", "scan"):
        return Outcome(Status.NOT_SERVED, f"no value for {', '.join(missing)}: give "
                       "'arguments:' or name the pattern in the examples it returns")
    try:
        if pattern.operation not in ("get", "query", "scan"):
            return _write(client, name, table, pattern)
        on_gsi = pattern.index in {g.name for g in table.global_secondary_indexes}
        outcome = judge_read(table, pattern, _read(client, name, table, pattern))
        for pause in INDEX_SETTLE_PAUSES if on_gsi else ():
            if outcome.status is Status.SERVED:
                break
            time.sleep(pause)
            outcome = judge_read(table, pattern, _read(client, name, table, pattern))
        return outcome
    except ClientError as error:
        info = error.response.get("Error", {})
        return Outcome(Status.NOT_SERVED, f"{info.get('Code')}: {info.get('Message')}")


# --- the command ------------------------------------------------------------------------


@dataclass
class _Tally:
    served: int = 0
    not_served: int = 0
    skipped: int = 0
    written: int = 0
    unwritten: int = 0

    def add(self, status: Status) -> None:
        if status is Status.SERVED:
            self.served += 1
        elif status is Status.NOT_SERVED:
            self.not_served += 1
        else:
            self.skipped += 1

    @property
    def all_served(self) -> bool:
        return not self.not_served and not self.unwritten

    def summary(self) -> str:
        total = self.served + self.not_served + self.skipped
        parts = [f"{self.served} of {total} patterns served", f"{self.not_served} not served"]
        if self.skipped:
            parts.append(f"{self.skipped} declared not served (not run)")
        parts.append(f"{self.written} example{'s' if self.written != 1 else ''} written")
        if self.unwritten:
            parts.append(f"{self.unwritten} refused")
        return ", ".join(parts)


def _write_examples(client: Any, scratch: ScratchTables, tables: Sequence[Table],
                    tally: _Tally, out: TextIO) -> None:
    from botocore.exceptions import ClientError

    for table in tables:
        for example in table.usage.examples:
            try:
                client.put_item(TableName=scratch.name(table), Item=to_boto3_item(example.item))
                tally.written += 1
            except ClientError as error:
                tally.unwritten += 1
                info = error.response.get("Error", {})
                print(f"{table.key} example {example.name}: NOT WRITTEN: {info.get('Code')}: "
                      f"{info.get('Message')}", file=out, flush=True)


def _run(client: Any, scratch: ScratchTables, project: Project, out: TextIO) -> _Tally:
    tally = _Tally()
    tables = project.tables
    rows = [(t, p) for t in tables for p in t.usage.patterns]
    width = max((len(f"{t.key}.{p.name}") for t, p in rows), default=0)
    where = max((len(f"{p.operation} {p.index or 'table'}") for _, p in rows), default=0)
    scratch.create(tables)
    _write_examples(client, scratch, tables, tally, out)
    for table, pattern in rows:
        outcome = run_pattern(client, scratch.name(table), table, pattern)
        tally.add(outcome.status)
        label = f"{table.key}.{pattern.name}".ljust(width)
        used = f"{pattern.operation} {pattern.index or 'table'}".ljust(where)
        print(f"{label}  {used}  {outcome.status.value:<10}  {outcome.detail}",
              file=out, flush=True)
    return tally


def _client(endpoint_url: str, region: str | None) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as error:
        raise ReplayError("replay needs boto3: pip install 'dynamodb-schema-generator[aws]'"
                          ) from error
    from botocore.exceptions import NoRegionError

    config = Config(connect_timeout=10, read_timeout=60, retries={"max_attempts": 5})
    try:
        return boto3.client("dynamodb", region_name=region, endpoint_url=endpoint_url,
                            config=config)
    except NoRegionError as error:
        raise OptionError("no AWS region: give --region, e.g. --region us-east-1") from error
    except ValueError as error:  # an endpoint URL botocore cannot use
        raise OptionError(f"{error}: give --endpoint-url as http://host:port or "
                          "https://host") from error


def command(project: Project, *, endpoint_url: str, region: str | None, out: TextIO,
            err: TextIO, prefix: str | None = None,
            client_factory: Callable[[str, str | None], Any] = _client) -> Exit:
    """The `replay` command (generator.invocation lists what its exit codes mean)."""
    prefix = prefix or scratch_prefix()
    try:
        client = client_factory(endpoint_url, region)
    except ReplayError as error:
        print(f"error: {error}", file=err)
        return Exit.INVALID if isinstance(error, OptionError) else Exit.UNAVAILABLE
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    print(f"replay: scratch tables {prefix}* on {endpoint_url}", file=err)
    scratch = ScratchTables(client, prefix, err)
    code: Exit
    try:
        with _sigterm_interrupts(), scratch:
            tally = _run(client, scratch, project, out)
        code = Exit.OK if tally.all_served else Exit.FINDINGS
        print("replay: " + tally.summary(), file=out)
    except KeyboardInterrupt:
        print("replay: interrupted", file=err)
        code = Exit.INTERRUPTED
    except ReplayError as error:
        print(f"error: {error}", file=err)
        code = Exit.UNAVAILABLE
    except NoCredentialsError as error:
        print(f"error: {error}; for an emulator any will do, e.g. AWS_ACCESS_KEY_ID=x "
              "AWS_SECRET_ACCESS_KEY=x", file=err)
        code = Exit.UNAVAILABLE
    except (BotoCoreError, ClientError) as error:
        print(f"error: the endpoint cannot be used: {error}", file=err)
        code = Exit.UNAVAILABLE
    deleted = len(scratch.created) - len(scratch.left_behind)
    if scratch.created:
        print(f"replay: {deleted} scratch table{'s' if deleted != 1 else ''} deleted", file=err)
    if scratch.left_behind:
        print(f"error: could not delete {', '.join(scratch.left_behind)}; delete them with "
              "`aws dynamodb delete-table --table-name NAME`", file=err)
        code = max(code, Exit.UNAVAILABLE)
    return code
