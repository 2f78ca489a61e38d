"""Access patterns and examples: typed values reach DynamoDB as written, warnings print and
stop nothing unless --strict, and roles naming patterns get exactly what the patterns need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from generator.attribute_values import (
    AttributeValue,
    canonical_number,
    item_from_boto3,
    to_boto3_item,
)
from generator.checks import TABLE_RULES
from generator.model import Table
from generator.patterns import WARNING_TITLES, Condition
from generator.pipeline import load_project
from generator.validate import table_schema
from tests.conftest import SCHEMAS
from tests.helpers import run_cli, tree, write_tables

TABLE = """\
name: things
partition_key: {name: pk, type: S}
global_secondary_indexes:
  - name: by-user
    partition_key: {name: user, type: S}
    sort_key: {name: created, type: S}
"""
EVERY_TYPE = TABLE + """\
examples:
  everything:
    item:
      pk: {S: "no"}
      user: {S: "010"}
      created: {S: "2026-12-01T10:00:00Z"}
      empty: {S: ""}
      number: {N: "1.50"}
      big: {N: "-12345678901234567890123456789012345678e-10"}
      blob: {B: aGVsbG8=}
      empty_blob: {B: ""}
      flag: {BOOL: true}
      nothing: {"NULL": true}
      map: {M: {inner: {L: [{S: x}, {N: "1e3"}, {BOOL: false}]}, e: {S: ""}}}
      strings: {SS: ["", b, a]}
      numbers: {NS: ["10", "2"]}
      blobs: {BS: [AA==, AQ==]}
"""
WARNED = TABLE + """\
access_patterns:
  Active:
    operation: query
    index: by-user
    key: {user: EQ}
    filter: {status: EQ}
    limit: 1
"""


def _table(tmp_path: Path, text: str) -> Table:
    folder = write_tables(tmp_path / "schemas", t=text)
    return load_project(folder).tables[0]


def test_every_dynamodb_type_reaches_dynamodb_as_written_and_reads_back_equal(
    tmp_path: Path,
) -> None:
    example = _table(tmp_path, EVERY_TYPE).usage.examples[0]
    item = to_boto3_item(example.item)
    assert item["pk"] == {"S": "no"} and item["user"] == {"S": "010"}  # never YAML's false, 8
    assert item["blob"] == {"B": b"hello"} and item["empty_blob"] == {"B": b""}
    assert item["nothing"] == {"NULL": True}
    assert item["map"]["M"]["inner"] == {"L": [{"S": "x"}, {"N": "1000"}, {"BOOL": False}]}
    with mock_aws():
        client = boto3.client("dynamodb", region_name="eu-west-1")
        client.create_table(
            TableName="things", BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        client.put_item(TableName="things", Item=item)
        read = client.get_item(TableName="things", Key={"pk": {"S": "no"}})["Item"]
    assert item_from_boto3(read) == dict(example.item)


def test_numbers_compare_by_value_as_dynamodb_returns_them() -> None:
    assert canonical_number("1.50") == "1.5"
    assert canonical_number("15e-1") == "1.5"
    assert canonical_number("-0.00") == "0"
    assert canonical_number("1e3") == "1000"


def test_conditions_hold_as_dynamodb_evaluates_them() -> None:
    def s(text: str) -> AttributeValue:
        return AttributeValue("S", text=text)

    def n(text: str) -> AttributeValue:
        return AttributeValue("N", text=canonical_number(text))

    assert Condition("x", "GE", (n("9"),)).matches(n("10"))  # numbers by value
    assert not Condition("x", "GE", (s("9"),)).matches(s("10"))  # strings by bytes
    assert Condition("x", "BETWEEN", (s("a"), s("c"))).matches(s("b"))
    assert Condition("x", "BEGINS_WITH", (s("RL#"),)).matches(s("RL#arn"))
    assert not Condition("x", "EQ", (s("1"),)).matches(n("1"))  # types differ
    assert Condition("x", "NOT_EXISTS").matches(None)
    assert Condition("x", "NE", (s("a"),)).matches(None)
    assert Condition("created", "BETWEEN", (s("a"), s("c"))).expression == (
        "created BETWEEN :created_low AND :created_high")


def test_warnings_print_with_code_and_location_and_leave_the_exit_status_alone(
    tmp_path: Path,
) -> None:
    folder = write_tables(tmp_path / "schemas", t=WARNED)
    expected = (
        f"{folder}/t.yaml:13:5: W201 access_patterns.Active.limit: pattern 'Active' has limit "
        "1 and a filter: DynamoDB applies the limit to the items it reads, before the filter,"
    )
    validate = run_cli("validate", "--schemas", str(folder))
    assert validate.code == 0
    assert validate.stderr.startswith(expected)
    assert validate.stdout == "1 table file is valid\n"
    build = run_cli("build", "--schemas", str(folder), "--out", str(tmp_path / "out"))
    assert build.code == 0
    assert build.stderr.startswith(expected)
    assert (tmp_path / "out" / "docs" / "tables.md").is_file()


def test_strict_turns_warnings_into_errors_and_writes_nothing(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", t=TABLE)
    out = tmp_path / "out"
    assert run_cli("build", "--strict", "--schemas", str(folder), "--out", str(out)).code == 0
    before = tree(out)
    (folder / "t.yaml").write_text(WARNED, encoding="utf-8")
    for command in ("validate", "build"):
        result = run_cli(*_strict(command, folder, out))
        assert result.code == 2, command
        lines = result.stderr.splitlines()
        assert ": W201 access_patterns.Active.limit: " in lines[0]
        written = "; nothing was written" if command == "build" else ""
        assert lines[-1] == f"1 warning and --strict{written}"
    assert tree(out) == before


def _strict(command: str, folder: Path, out: Path) -> list[str]:
    args = [command, "--strict", "--schemas", str(folder)]
    return [*args, "--out", str(out)] if command == "build" else args


def test_acknowledged_warning_is_not_printed_and_the_docs_show_its_reason(
    tmp_path: Path,
) -> None:
    folder = write_tables(tmp_path / "schemas", t=WARNED + """\
    acknowledge:
      W201: the application pages until it finds one
""")
    out = tmp_path / "out"
    result = run_cli("build", "--strict", "--schemas", str(folder), "--out", str(out))
    assert (result.code, result.stderr) == (0, "")
    docs = (out / "docs" / "tables.md").read_text(encoding="utf-8")
    assert "| `Active` | W201 a limit together with a filter | the application pages until it " \
        "finds one |" in docs


def _statements(table: Table, role: str) -> list[tuple[str, tuple[str, ...], str, Any]]:
    found = next(r for r in table.access_roles if r.name == role)
    return [(s.sid, s.actions, s.scope, s.index_suffixes) for s in found.statements]


def test_role_naming_patterns_gets_their_actions_on_exactly_the_indexes_they_use(
    tmp_path: Path,
) -> None:
    table = _table(tmp_path, TABLE + """\
  - name: by-status
    partition_key: {name: status, type: S}
access_patterns:
  Read: {operation: get, key: {pk: EQ}}
  ByUser: {operation: query, index: by-user, key: {user: EQ}}
  AllOfStatus: {operation: scan, index: by-status}
  Unserved:
    operation: query
    index: by-device
    key: {device: EQ}
    not_served: there is no device index yet
access:
  app:
    patterns: [Read, ByUser, AllOfStatus, Unserved]
    actions: [DescribeTable]
  auditor:
    actions: [Query]
""")
    assert _statements(table, "app") == [
        ("TApp", ("dynamodb:DescribeTable", "dynamodb:GetItem"), "table", ()),
        ("TAppQueryIndexes", ("dynamodb:Query",), "indexes", ("/index/by-user",)),
        ("TAppScanIndexes", ("dynamodb:Scan",), "indexes", ("/index/by-status",)),
    ]
    # A role listing Query keeps it on the table and on every index.
    assert _statements(table, "auditor") == [
        ("TAuditor", ("dynamodb:Query",), "table", ()),
        ("TAuditorIndexes", ("dynamodb:Query",), "index", ()),
    ]
    assert table.usage.pattern("ByUser").roles == ("app", "auditor")


def test_the_schema_lets_patterns_acknowledge_exactly_the_pattern_warnings() -> None:
    pattern = table_schema()["$defs"]["access_pattern"]["properties"]
    assert pattern["acknowledge"]["propertyNames"]["enum"] == sorted(WARNING_TITLES)
    codes = {r.code: r.title for r in TABLE_RULES if r.code.startswith("W")}
    assert codes == WARNING_TITLES


# Sentinel's items and store methods (../shared/sentinel-tables.md): every attribute is on every
# item, and these may be written as "".
SENTINEL_ITEMS = {
    "sessions": ({"id", "user", "profile", "server_instance_id", "status", "started_at",
                  "last_access_at", "expires_at", "request_count", "source_identity",
                  "device_id", "created_at", "updated_at", "ttl", "revoked_by",
                  "revoked_reason"},
                 {"device_id", "source_identity", "revoked_by", "revoked_reason"}),
    "requests": ({"id", "requester", "profile", "justification", "duration", "status",
                  "created_at", "updated_at", "expires_at", "ttl", "approver",
                  "approver_comment"}, {"approver", "approver_comment"}),
    "breakglass": ({"id", "invoker", "profile", "reason_code", "justification", "duration",
                    "status", "created_at", "updated_at", "expires_at", "ttl", "closed_by",
                    "closed_reason", "request_id"}, {"closed_by", "closed_reason", "request_id"}),
    "ratelimit": ({"PK", "WindowStart", "Count", "TTL"}, set()),
}
SENTINEL_PATTERNS = {
    "sessions": {"Create", "Get", "Update", "Touch", "Delete", "ListByUser", "ListByStatus",
                 "ListByProfile", "ListByDeviceID", "FindActiveByServerInstance",
                 "ListByTimeRange", "GetBySourceIdentity"},
    "requests": {"Create", "Get", "Update", "Delete", "ListByRequester", "ListByStatus",
                 "ListByProfile"},
    "breakglass": {"Create", "Get", "Update", "Delete", "ListByInvoker", "ListByStatus",
                   "ListByProfile", "FindActiveByInvokerAndProfile",
                   "GetLastByInvokerAndProfile", "CountByInvokerSince", "CountByProfileSince"},
    "ratelimit": {"Allow", "ResetWindow"},
}


def test_sentinel_files_declare_every_store_method_and_items_as_sentinel_writes_them() -> None:
    tables = {t.key: t for t in load_project(SCHEMAS).tables}
    for key, (attributes, may_be_empty) in SENTINEL_ITEMS.items():
        usage = tables[key].usage
        assert {p.name for p in usage.patterns} == SENTINEL_PATTERNS[key]
        assert usage.examples, key
        for example in usage.examples:
            item = dict(example.item)
            assert set(item) == attributes, (key, example.name)
            assert {a for a, v in item.items() if v.is_empty} <= may_be_empty
        declared_empty = {a.name for a in usage.attributes if a.empty}
        assert declared_empty == may_be_empty, key
        ttl = tables[key].ttl_attribute
        assert ttl is not None
        assert all(dict(e.item)[ttl].type == "N" for e in usage.examples)
    sessions = tables["sessions"].usage
    # Most sessions Sentinel writes have no device: the examples include them.
    assert any(dict(e.item)["device_id"].is_empty for e in sessions.examples)
    assert [p.name for p in sessions.patterns if not p.served] == ["ListByDeviceID"]


def test_verify_of_a_folder_as_the_build_wrote_it_keeps_the_warnings_and_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_tables(tmp_path / "schemas", t=WARNED)
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(folder), "--out", str(out)).code == 0
    monkeypatch.setenv("PATH", "")  # no terraform: this is about the warnings
    for strict in ([], ["--strict"]):
        result = run_cli("verify", *strict, "--schemas", str(folder), "--out", str(out))
        assert ": W201 access_patterns.Active.limit: " in result.stderr.splitlines()[0]
        assert "(by digest)" in result.stdout or strict
        assert result.code == (2 if strict else 0), result.stdout + result.stderr
        if strict:
            assert result.stderr.splitlines()[-1] == "1 warning and --strict"
