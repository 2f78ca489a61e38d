"""`python -m generator replay` against moto's server on 127.0.0.1: every pattern served exits
0, a pattern not served exits 1 with its line, the scratch tables are deleted also after a
failure, an endpoint error and an interrupt, tables that were there before are never touched,
and invalid input exits 2 before the endpoint is used at all."""

from __future__ import annotations

import io
import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import replay, replay_judge
from generator.pipeline import load_project
from tests.conftest import REPO, SCHEMAS
from tests.helpers import run_cli, write_tables
from tests.support.emulator import REGION, client, fake_aws_environment, moto_server
from tests.support.shapes import live_shape, model_shape

FEATURES = REPO / "tests" / "golden" / "features" / "input"
README = REPO / "README.md"
# What a scratch copy keeps of its table: everything that decides what a pattern returns.
COPIED = ("attributes", "partition_key", "sort_key", "lsis", "ttl_attribute")

# A table whose query passes every rule (its limit-before-filter warning acknowledged) but
# returns nothing live: Limit 1 reads the revoked session, which sorts first, then filters it
# out. Sentinel's FindActiveByServerInstance in small.
LIMIT_BEFORE_FILTER = """
name: sessions
partition_key: {name: id, type: S}
global_secondary_indexes:
  - name: by-instance
    partition_key: {name: instance, type: S}
    sort_key: {name: status, type: S}
access_patterns:
  Get:
    operation: get
    key: {id: EQ}
  FindActive:
    operation: query
    index: by-instance
    key: {instance: EQ}
    filter: {status: EQ}
    arguments: {status: {S: active}}
    order: descending
    limit: 1
    acknowledge:
      W201: the application's query
      W202: the application's query
examples:
  active:
    item: {id: {S: s-1}, instance: {S: i-1}, status: {S: active}}
    returned_by: [Get, FindActive]
  revoked:
    item: {id: {S: s-2}, instance: {S: i-1}, status: {S: revoked}}
"""


# Every operator, an LSI, KEYS_ONLY and INCLUDE projections, a projected get, a projection in
# which three examples look alike, a paginated scan with a page size, a count, an update and a
# delete: all served.
CATALOG = """
name: catalog
partition_key: {name: shop, type: S}
sort_key: {name: sku, type: S}
local_secondary_indexes:
  - name: by-price
    sort_key: {name: price, type: N}
    projection: ALL
global_secondary_indexes:
  - name: by-brand
    partition_key: {name: brand, type: S}
    sort_key: {name: price, type: N}
    projection: KEYS_ONLY
  - name: by-colour
    partition_key: {name: colour, type: S}
    projection: INCLUDE
    non_key_attributes: [title]
attributes:
  title: {type: S}
  tags: {type: SS, optional: true}
  discontinued: {type: BOOL, optional: true}
access_patterns:
  Item:
    operation: get
    key: {shop: EQ, sku: EQ}
    projection: [sku, title]
  Range:
    operation: query
    key: {shop: EQ, sku: BETWEEN}
    arguments: {sku: [{S: a-100}, {S: a-300}]}
  Prefix:
    operation: query
    key: {shop: EQ, sku: BEGINS_WITH}
    arguments: {sku: {S: b-}}
    order: descending
  Cheap:
    operation: query
    index: by-price
    key: {shop: EQ, price: LT}
    arguments: {price: {N: "10"}}
  Brand:
    operation: query
    index: by-brand
    key: {brand: EQ, price: GE}
    arguments: {price: {N: "5"}}
    order: descending
  Colour:
    operation: query
    index: by-colour
    key: {colour: EQ}
  BrandNames:
    operation: query
    index: by-brand
    key: {brand: EQ}
    order: descending
    projection: [brand]
  NotBlue:
    operation: scan
    filter: {colour: NE, discontinued: NOT_EXISTS}
    arguments: {colour: {S: blue}}
    paginated: true
    limit: 1
    acknowledge: {W203: a test}
  Titled:
    operation: scan
    filter: {title: CONTAINS}
    arguments: {title: {S: a}}
    acknowledge: {W203: a test}
  Discontinued:
    operation: scan
    filter: {discontinued: EXISTS}
    count: true
    acknowledge: {W203: a test, W204: a test}
  Restock:
    operation: update
    key: {shop: EQ, sku: EQ}
  Remove:
    operation: delete
    key: {shop: EQ, sku: EQ}
examples:
  mug:
    item: {shop: {S: s1}, sku: {S: a-100}, price: {N: "4.50"}, brand: {S: acme}, colour: {S: red},
           title: {S: Mug}, tags: {SS: [sale, kitchen]}}
    returned_by: [Item, Range, Colour, NotBlue]
  lamp:
    item: {shop: {S: s1}, sku: {S: a-200}, price: {N: "950"}, brand: {S: acme}, colour: {S: blue},
           title: {S: Lamp}, discontinued: {BOOL: true}}
    returned_by: [Range, Brand, BrandNames, Discontinued, Titled]
  sofa:
    item: {shop: {S: s1}, sku: {S: b-900}, price: {N: "900"}, brand: {S: acme}, colour: {S: red},
           title: {S: Sofa}}
    returned_by: [Prefix, Brand, BrandNames, Colour, Restock, Remove, NotBlue,
                  Titled]
  pen:
    item: {shop: {S: s1}, sku: {S: b-100}, price: {N: "1"}, brand: {S: biro}, colour: {S: red},
           title: {S: Pen}, tags: {SS: [sale]}}
    returned_by: [Prefix, Cheap, Colour, NotBlue]
"""

# Three examples a query returns by rank; two share a rank, so either may come first.
RANKED = """
name: ranked
partition_key: {name: id, type: S}
global_secondary_indexes:
  - name: by-group
    partition_key: {name: group, type: S}
    sort_key: {name: rank, type: N}
access_patterns:
  Ranked:
    operation: query
    index: by-group
    key: {group: EQ}
examples:
  a:
    item: {id: {S: a}, group: {S: g}, rank: {N: "1"}}
    returned_by: [Ranked]
  b:
    item: {id: {S: b}, group: {S: g}, rank: {N: "2"}}
    returned_by: [Ranked]
  c:
    item: {id: {S: c}, group: {S: g}, rank: {N: "2"}}
    returned_by: [Ranked]
"""


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with fake_aws_environment(), moto_server() as url:
        yield url


@pytest.fixture
def dynamodb(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A client of the moto server; every test must leave it holding the tables it found."""
    monkeypatch.setattr(replay, "INDEX_SETTLE_PAUSES", ())  # moto's indexes are consistent
    dynamodb = client("dynamodb", endpoint)
    before = dynamodb.list_tables()["TableNames"]
    with fake_aws_environment():
        yield dynamodb
    assert dynamodb.list_tables()["TableNames"] == before


def _replay(endpoint: str, schemas: Path = SCHEMAS) -> Any:
    return run_cli("replay", "--schemas", str(schemas), "--endpoint-url", endpoint,
                   "--region", REGION)


def _pattern_lines(stdout: str) -> dict[str, str]:
    return {line.split()[0]: line for line in stdout.splitlines()
            if not line.startswith("replay:")}


@pytest.mark.slow
def test_sentinel_tables_serve_every_pattern_they_declare(endpoint: str, dynamodb: Any) -> None:
    result = _replay(endpoint)
    assert result.code == 0, result.stdout + result.stderr
    lines = _pattern_lines(result.stdout)
    project = load_project(SCHEMAS)
    assert set(lines) == {f"{t.key}.{p.name}" for t in project.tables for p in t.usage.patterns}
    assert lines["sessions.ListByUser"].split()[1:] == [
        "query", "gsi-user", "served", "returned", "tvm-session,", "revoked-session"]
    assert lines["sessions.ListByDeviceID"].split()[3:] == ["skipped", "declared", "not",
                                                            "served"]
    assert "counted 2, the examples naming it: 2" in lines["breakglass.CountByInvokerSince"]
    assert result.stdout.splitlines()[-1] == (
        "replay: 31 of 32 patterns served, 0 not served, 1 declared not served (not run), "
        "9 examples written")
    assert result.stderr.splitlines()[-1] == "replay: 4 scratch tables deleted"
    shown = README.read_text(encoding="utf-8").split("\nbreakglass.Create", 1)[1]
    shown = "breakglass.Create" + shown.split("```", 1)[0]
    assert [line for line in shown.splitlines() if line != "..."] == [
        line for line in result.stdout.splitlines() if line in shown.splitlines()]


def test_a_pattern_not_served_exits_1_with_its_line_and_the_tables_are_deleted(
    endpoint: str, dynamodb: Any, tmp_path: Path
) -> None:
    result = _replay(endpoint, write_tables(tmp_path, sessions=LIMIT_BEFORE_FILTER))
    assert result.code == 1, result.stdout + result.stderr
    lines = _pattern_lines(result.stdout)
    assert lines["sessions.Get"].split()[3:] == ["served", "returned", "active"]
    assert lines["sessions.FindActive"] == (
        "sessions.FindActive  query by-instance  NOT SERVED  expected active; returned nothing")
    assert result.stdout.splitlines()[-1] == (
        "replay: 1 of 2 patterns served, 1 not served, 2 examples written")


def test_every_operator_projection_and_write_runs_as_dynamodb_runs_it(
    endpoint: str, dynamodb: Any, tmp_path: Path
) -> None:
    result = _replay(endpoint, write_tables(tmp_path, catalog=CATALOG))
    assert result.code == 0, result.stdout + result.stderr
    details = {name: line.split(None, 4)[4] for name, line in
               _pattern_lines(result.stdout).items()}
    assert details == {
        "catalog.Item": "returned mug",
        "catalog.Range": "returned mug, lamp",
        "catalog.Prefix": "returned sofa, pen",
        "catalog.Cheap": "returned pen, mug (1 not naming it)",
        "catalog.Brand": "returned lamp, sofa",
        "catalog.Colour": "returned mug, pen, sofa",
        "catalog.BrandNames": "returned lamp, sofa, mug (1 not naming it)",
        "catalog.NotBlue": "returned mug, pen, sofa",
        "catalog.Titled": "returned lamp, sofa",
        "catalog.Discontinued": "counted 1, the examples naming it: 1",
        "catalog.Restock": "sofa updated",
        "catalog.Remove": "sofa deleted and written back",
    }


def test_an_example_the_endpoint_refuses_is_reported_and_exits_1(
    endpoint: str, dynamodb: Any, tmp_path: Path
) -> None:
    """No rule lets through an item that moto refuses, so a client stands in for an endpoint
    that refuses one example (as a sandbox account's policy or a service limit could)."""
    from botocore.exceptions import ClientError

    class Refusing:
        def __init__(self, real: Any) -> None:
            self.real = real

        def __getattr__(self, name: str) -> Any:
            return getattr(self.real, name)

        def put_item(self, **request: Any) -> Any:
            if request["Item"]["id"] == {"S": "s-1"}:
                raise ClientError({"Error": {"Code": "AccessDeniedException",
                                             "Message": "not allowed"}}, "PutItem")
            return self.real.put_item(**request)

    project = load_project(write_tables(tmp_path, sessions=LIMIT_BEFORE_FILTER))
    out, err = io.StringIO(), io.StringIO()
    code = replay.command(project, endpoint_url=endpoint, region=REGION, out=out, err=err,
                          client_factory=lambda url, region: Refusing(client("dynamodb", url)))
    assert code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "sessions example active: NOT WRITTEN: AccessDeniedException: not allowed"
    assert lines[-1] == ("replay: 0 of 2 patterns served, 2 not served, 1 example written, "
                         "1 refused")
    assert err.getvalue().splitlines()[-1] == "replay: 1 scratch table deleted"


@pytest.mark.parametrize(("order", "status", "detail"), [
    ("abc", replay_judge.Status.SERVED, "returned a, b, c"),
    ("acb", replay_judge.Status.SERVED, "returned a, c, b"),
    ("bac", replay_judge.Status.NOT_SERVED, "expected a, b, c in this order; returned b, a, c"),
    ("ab", replay_judge.Status.NOT_SERVED, "expected a, b, c in this order; returned a, b"),
])
def test_a_query_returns_its_examples_in_order_except_among_equal_sort_keys(
    order: str, status: replay_judge.Status, detail: str, tmp_path: Path
) -> None:
    (table,) = load_project(write_tables(tmp_path, ranked=RANKED)).tables
    examples = {e.name: e.to_boto3() for e in table.usage.examples}
    outcome = replay_judge.judge_read(table, table.usage.pattern("Ranked"),
                                 [examples[name] for name in order])
    assert outcome == replay_judge.Outcome(status, detail)


def test_invalid_input_exits_2_before_the_endpoint_is_used(
    endpoint: str, dynamodb: Any, tmp_path: Path
) -> None:
    bad = LIMIT_BEFORE_FILTER.replace("returned_by: [Get, FindActive]", "returned_by: [Gone]")
    result = _replay(endpoint, write_tables(tmp_path, sessions=bad))
    assert result.code == 2
    assert "sessions.yaml:" in result.stderr and "E207" in result.stderr
    assert "the pattern 'Gone' is not declared" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_interrupt_deletes_the_scratch_tables_and_exits_130(
    endpoint: str, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real signals: a SIGINT while the examples are written (Python raises KeyboardInterrupt
    there, as at Ctrl-C), and a second one while the scratch tables are deleted, which must
    not stop the deletion."""
    created: list[str] = []
    # As in a terminal: a worker process may have inherited SIGINT ignored.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupted(client: Any, scratch: replay.ScratchTables, *args: Any) -> None:
        created.extend(client.list_tables()["TableNames"])
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)  # the signal arrives long before this ends
        pytest.fail("SIGINT did not interrupt the run")

    delete = replay.ScratchTables._delete

    def impatient(scratch: replay.ScratchTables, name: str) -> bool:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # long enough for Python to run the handler, were there one
        return delete(scratch, name)

    monkeypatch.setattr(replay, "_write_examples", interrupted)
    monkeypatch.setattr(replay.ScratchTables, "_delete", impatient)
    try:
        result = _replay(endpoint)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert result.code == 130
    assert len(created) == 4 and all(name.startswith("replay-") for name in created)
    assert result.stderr.splitlines()[-2:] == ["replay: interrupted",
                                               "replay: 4 scratch tables deleted"]


def test_sigterm_stops_the_run_like_an_interrupt(
    endpoint: str, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def terminated(*args: Any) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
        pytest.fail("SIGTERM did not stop the run")

    monkeypatch.setattr(replay, "_write_examples", terminated)
    before = signal.getsignal(signal.SIGTERM)
    assert _replay(endpoint).code == 130
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_endpoint_error_mid_run_still_deletes_the_scratch_tables(
    endpoint: str, dynamodb: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from botocore.exceptions import EndpointConnectionError

    def unreachable(*args: Any) -> None:
        raise EndpointConnectionError(endpoint_url=endpoint)

    monkeypatch.setattr(replay, "_write_examples", unreachable)
    result = _replay(endpoint)
    assert result.code == 3
    assert "error: the endpoint cannot be used: Could not connect" in result.stderr
    assert result.stderr.splitlines()[-1] == "replay: 4 scratch tables deleted"


@pytest.mark.slow
def test_tables_that_were_there_before_are_never_read_written_or_deleted(
    endpoint: str, dynamodb: Any
) -> None:
    """The Sentinel tables under their real names, and a table named as a scratch copy
    would be: replay stops at the name it did not create and leaves all of them as they were."""
    project = load_project(SCHEMAS)
    sessions = next(t for t in project.tables if t.key == "sessions")
    prefix = "replay-taken-"
    taken = replay.scratch_name(prefix, sessions)
    existing = [t.name for t in project.tables] + [taken]
    item = {"id": {"S": "kept"}, "device_id": {"S": ""}}
    for name in existing:
        dynamodb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        dynamodb.put_item(TableName=name, Item=item)
    try:
        served = _replay(endpoint)
        assert served.code == 0, served.stdout + served.stderr
        err = io.StringIO()
        code = replay.command(project, endpoint_url=endpoint, region=REGION, out=io.StringIO(),
                              err=err, prefix=prefix)
        assert code == 3
        assert f"error: a table named {taken} already exists on the endpoint" in err.getvalue()
        assert err.getvalue().splitlines()[-1] == "replay: 3 scratch tables deleted"
        assert sorted(dynamodb.list_tables()["TableNames"]) == sorted(existing)
        for name in existing:
            assert dynamodb.scan(TableName=name)["Items"] == [item]
    finally:
        for name in existing:
            dynamodb.delete_table(TableName=name)


def test_scratch_copies_keep_keys_indexes_projections_and_ttl(dynamodb: Any) -> None:
    """Every option of the features golden that decides what a read returns."""
    project = load_project(FEATURES)
    with replay.ScratchTables(dynamodb, "replay-shape-", sys.stderr) as scratch:
        scratch.create(project.tables)
        for table in project.tables:
            name = scratch.name(table)
            assert dynamodb.describe_table(TableName=name)["Table"][
                "DeletionProtectionEnabled"] is False
            live, model = live_shape(dynamodb, name, table.name), model_shape(table)
            assert {k: live[k] for k in COPIED} == {k: model[k] for k in COPIED}
            assert [{k: v for k, v in g.items() if k != "capacity"} for g in live["gsis"]] == [
                {k: v for k, v in g.items() if k != "capacity"} for g in model["gsis"]]
    assert scratch.left_behind == []


def test_without_boto3_replay_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "boto3", None)
    result = run_cli("replay", "--schemas", str(SCHEMAS), "--endpoint-url",
                     "http://127.0.0.1:9", "--region", REGION)
    assert result.code == 3
    assert result.stderr == (
        "error: replay needs boto3: pip install 'dynamodb-schema-generator[aws]'\n")


@pytest.mark.parametrize(("options", "message"), [
    (["--endpoint-url", "not-a-url", "--region", REGION],
     "error: Invalid endpoint: not-a-url: give --endpoint-url as http://host:port or "
     "https://host\n"),
    (["--endpoint-url", "http://127.0.0.1:9"],
     "error: no AWS region: give --region, e.g. --region us-east-1\n"),
], ids=["bad-url", "no-region"])
def test_unusable_options_exit_2_without_a_traceback(
    options: list[str], message: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    result = run_cli("replay", "--schemas", str(SCHEMAS), *options)
    assert (result.code, result.stderr) == (2, message)
