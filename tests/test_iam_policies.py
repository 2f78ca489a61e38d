"""Generated IAM policies allow exactly the calls each Sentinel component makes.

Both formats are evaluated: every call in ../shared/sentinel-tables.md is allowed on the
resource it touches, and every other DynamoDB action, resource or table is not.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass
from typing import Any

import hcl2
import pytest

from generator.pipeline import load_project
from tests.conftest import OUT, SCHEMAS
from tests.helpers import hcl_string

ACCOUNT, REGION, PARTITION = "123456789012", "eu-west-1", "aws"

# Sentinel's calls per table and role, by the resource they touch: the table itself or an
# index, from its store code (shared/sentinel-tables.md). The runtime roles name Sentinel's
# access patterns, so each is granted on exactly the indexes its queries use; the auditors
# list Query and Scan, which cover every index ("*").
_AUDITOR = {"table": {"GetItem", "Query", "Scan", "DescribeTable"}, "*": {"Query", "Scan"}}
SENTINEL_CALLS: dict[tuple[str, str], dict[str, set[str]]] = {
    ("requests", "runtime"): {
        "table": {"GetItem", "PutItem", "DeleteItem"},
        **{index: {"Query"} for index in ("gsi-requester", "gsi-status", "gsi-profile")},
    },
    ("breakglass", "runtime"): {
        "table": {"GetItem", "PutItem", "DeleteItem"},
        **{index: {"Query"} for index in ("gsi-invoker", "gsi-status", "gsi-profile")},
    },
    ("sessions", "runtime"): {
        "table": {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Scan"},
        **{index: {"Query"}
           for index in ("gsi-user", "gsi-status", "gsi-profile", "gsi-server-instance")},
    },
    ("ratelimit", "runtime"): {"table": {"UpdateItem"}},
    **{(t, "auditor"): _AUDITOR for t in ("requests", "breakglass", "sessions", "ratelimit")},
}
EVERY_ACTION = {
    "BatchGetItem", "BatchWriteItem", "ConditionCheckItem", "CreateTable", "DeleteItem",
    "DeleteTable", "DescribeContinuousBackups", "DescribeStream", "DescribeTable",
    "DescribeTimeToLive", "GetItem", "GetRecords", "GetShardIterator", "ListTables",
    "ListTagsOfResource", "PartiQLSelect", "PutItem", "Query", "Scan", "TagResource",
    "UpdateItem", "UpdateTable", "UpdateTimeToLive",
}


@dataclass(frozen=True)
class Statement:
    actions: tuple[str, ...]
    resources: tuple[str, ...]


def allowed(statements: list[Statement], action: str, resource: str) -> bool:
    """IAM's matching for Allow statements: case-insensitive actions, glob resources."""
    return any(
        any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in s.actions)
        and any(fnmatch.fnmatchcase(resource, r) for r in s.resources)
        for s in statements
    )


def table_arn(name: str) -> str:
    return f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


PROJECT = load_project(SCHEMAS)
TABLES = {t.key: t for t in PROJECT.tables}


def cloudformation_policies() -> dict[tuple[str, str], list[Statement]]:
    template = json.loads((OUT / "cloudformation" / "template.json").read_text(encoding="utf-8"))
    resources = template["Resources"]
    names = {t.logical_id: t.name for t in PROJECT.tables}

    def resolve(value: Any) -> str:
        if isinstance(value, str):
            return value
        if "Fn::GetAtt" in value:
            logical, attribute = value["Fn::GetAtt"]
            assert attribute == "Arn", "policies must name tables by their own ARN"
            return table_arn(names[logical])
        if "Fn::Sub" in value:
            text, variables = value["Fn::Sub"]
            return re.sub(r"\$\{(\w+)\}", lambda m: resolve(variables[m.group(1)]), text)
        raise AssertionError(f"unexpected intrinsic {value}")

    policies: dict[tuple[str, str], list[Statement]] = {}
    for role in PROJECT.access_roles:
        document = resources[role.logical_id]["Properties"]["PolicyDocument"]
        assert resources[role.logical_id]["Condition"] == "ShouldCreateIamPolicies"
        statements = []
        for statement in document["Statement"]:
            assert statement["Effect"] == "Allow"
            statements.append(Statement(
                tuple(statement["Action"]), tuple(resolve(r) for r in statement["Resource"])
            ))
        policies[(role.table_key, role.name)] = statements
    return policies


_TABLE_REFERENCE = re.compile(r"\$\{aws_dynamodb_table\.([a-z0-9_]+)\.arn\}")


def terraform_policies() -> dict[tuple[str, str], list[Statement]]:
    with (OUT / "terraform" / "iam.tf").open(encoding="utf-8") as handle:
        parsed = hcl2.load(handle)

    def resolve(value: str) -> str:
        text = hcl_string(value)
        return _TABLE_REFERENCE.sub(lambda m: table_arn(TABLES[m.group(1)].name), text)

    documents: dict[str, Any] = {}
    for block in parsed["data"]:
        for kind, named in block.items():
            if hcl_string(kind) == "aws_iam_policy_document":
                documents.update({hcl_string(k): v for k, v in named.items()})
    policies: dict[tuple[str, str], list[Statement]] = {}
    for role in PROJECT.access_roles:
        statements = []
        for statement in documents[role.resource_name]["statement"]:
            assert hcl_string(statement["effect"]) == "Allow"
            statements.append(Statement(
                tuple(hcl_string(a) for a in statement["actions"]),
                tuple(resolve(r) for r in statement["resources"]),
            ))
        policies[(role.table_key, role.name)] = statements
    return policies


FORMATS = {"cloudformation": cloudformation_policies, "terraform": terraform_policies}


def test_every_sentinel_component_has_its_role() -> None:
    assert {(r.table_key, r.name) for r in PROJECT.access_roles} == set(SENTINEL_CALLS)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize(("table", "role"), sorted(SENTINEL_CALLS))
def test_policy_allows_exactly_the_components_calls(fmt: str, table: str, role: str) -> None:
    statements = FORMATS[fmt]()[(table, role)]
    calls = SENTINEL_CALLS[(table, role)]
    spec = TABLES[table]
    arn = table_arn(spec.name)
    indexes = [g.name for g in spec.global_secondary_indexes]
    for action in sorted(EVERY_ACTION):
        iam_action = f"dynamodb:{action}"
        assert allowed(statements, iam_action, arn) == (action in calls["table"]), (action, arn)
        for index in [*indexes, "gsi-not-in-the-table"]:
            # Listed Query and Scan cover any index, of a table that has indexes.
            anywhere = calls.get("*", set()) if indexes else set()
            expected = action in calls.get(index, anywhere)
            assert allowed(statements, iam_action, f"{arn}/index/{index}") == expected, (
                action, index)
        assert not allowed(statements, iam_action, f"{arn}/stream/2026-01-01T00:00:00.000")
    other = next(t for t in TABLES.values() if t.key != table)
    for action in set().union(*calls.values()):
        assert not allowed(statements, f"dynamodb:{action}", table_arn(other.name))
        assert not allowed(statements, f"dynamodb:{action}", table_arn(spec.name + "-other"))
        assert not allowed(statements, f"dynamodb:{action}",
                           f"{table_arn(other.name)}/index/gsi-status")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_policy_resources_never_wildcard_the_account_region_or_partition(fmt: str) -> None:
    for statements in FORMATS[fmt]().values():
        for statement in statements:
            for resource in statement.resources:
                prefix = resource.split(":table/")[0]
                assert prefix == f"arn:{PARTITION}:dynamodb:{REGION}:{ACCOUNT}", resource
