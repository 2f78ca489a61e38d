"""The generator's CloudFormation template, written with troposphere instead: the yardstick.

Reads the same table files and builds the same template (parameters, conditions, tables,
managed policies, outputs) for the features the Sentinel tables and the synthetic benchmark
tables use: keys, global secondary indexes projecting ALL, TTL, access roles, environment
variable, tags, stated AWS-managed encryption, with the generator's defaults (on demand,
AWS-managed KMS key, point-in-time recovery, deletion protection). ``run.py`` checks once
per set that both templates are equal as JSON, so the timing compares like with like.

Tables go to the stack their file names (``stack:``), one template per stack, tables with
indexes chained by DependsOn, as the generator lays them out.

Usage: python benchmarks/troposphere_equivalent.py SCHEMAS_DIR OUTPUT_DIR
(writes OUTPUT_DIR/<stack>.json)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import troposphere  # type: ignore[import-untyped]  # no stubs; benchmark only
import yaml
from troposphere import (
    AWS_NO_VALUE,
    AWS_STACK_NAME,
    Equals,
    Export,
    GetAtt,
    If,
    Not,
    Output,
    Parameter,
    Ref,
    Sub,
    Tags,
    Template,
)
from troposphere.dynamodb import (  # type: ignore[import-untyped]
    AttributeDefinition,
    GlobalSecondaryIndex,
    KeySchema,
    PointInTimeRecoverySpecification,
    Projection,
    SSESpecification,
    Table,
    TimeToLiveSpecification,
)
from troposphere.iam import ManagedPolicy  # type: ignore[import-untyped]

# CloudFormation caps a template at 200 parameters and 500 resources; the generator does not
# stop there, so neither may the yardstick (troposphere reads these limits at call time).
troposphere.MAX_PARAMETERS = troposphere.MAX_RESOURCES = troposphere.MAX_OUTPUTS = sys.maxsize

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INDEX_ACTIONS = ("Query", "Scan")
_OPERATIONS = {"get": "GetItem", "query": "Query", "scan": "Scan", "put": "PutItem",
               "update": "UpdateItem", "delete": "DeleteItem"}


def camel(key: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


def _export(name: str) -> Export:
    return Export(Sub("${" + AWS_STACK_NAME + "}-" + name))


def _keys(partition: dict[str, str], sort: dict[str, str] | None) -> list[KeySchema]:
    keys = [KeySchema(AttributeName=partition["name"], KeyType="HASH")]
    if sort:
        keys.append(KeySchema(AttributeName=sort["name"], KeyType="RANGE"))
    return keys


def _attributes(data: dict[str, Any]) -> list[AttributeDefinition]:
    seen: dict[str, str] = {}
    keys = [data["partition_key"], data.get("sort_key")]
    for index in data.get("global_secondary_indexes", []):
        keys += [index["partition_key"], index.get("sort_key")]
    for key in keys:
        if key and key["name"] not in seen:
            seen[key["name"]] = key["type"]
    return [AttributeDefinition(AttributeName=n, AttributeType=t) for n, t in seen.items()]


def _table(key: str, source: str, data: dict[str, Any], after: str | None) -> Table:
    table_id = camel(key) + "Table"
    properties: dict[str, Any] = {
        "TableName": Sub("${NamePrefix}${Name}${NameSuffix}", Name=data["name"]),
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": _attributes(data),
        "KeySchema": _keys(data["partition_key"], data.get("sort_key")),
        "TableClass": "STANDARD",
        "SSESpecification": SSESpecification(
            SSEEnabled=True,
            SSEType="KMS",
            KMSMasterKeyId=If("HasKmsKeyArn", Ref("KmsKeyArn"), Ref(AWS_NO_VALUE)),
        ),
        "PointInTimeRecoverySpecification": PointInTimeRecoverySpecification(
            PointInTimeRecoveryEnabled=True
        ),
        "DeletionProtectionEnabled": True,
    }
    indexes = data.get("global_secondary_indexes", [])
    if indexes:
        properties["GlobalSecondaryIndexes"] = [
            GlobalSecondaryIndex(
                IndexName=index["name"],
                KeySchema=_keys(index["partition_key"], index.get("sort_key")),
                Projection=Projection(ProjectionType=index.get("projection", "ALL")),
            )
            for index in indexes
        ]
    if "ttl_attribute" in data:
        properties["TimeToLiveSpecification"] = TimeToLiveSpecification(
            AttributeName=data["ttl_attribute"], Enabled=True
        )
    if data.get("tags"):
        properties["Tags"] = Tags(**data["tags"])
    metadata: dict[str, Any] = {"Source": source, "Description": data.get("description", "")}
    if data.get("encryption", {}).get("type") == "aws_managed":
        metadata["checkov"] = {"skip": [{
            "id": "CKV_AWS_119",
            "comment": f"encryption aws_managed in {source}: the AWS-managed key unless the "
            "KmsKeyArn parameter names a customer key"}]}
    if after:
        return Table(table_id, DependsOn=after, DeletionPolicy="Retain",
                     UpdateReplacePolicy="Retain", Metadata=metadata, **properties)
    return Table(
        table_id,
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
        Metadata=metadata,
        **properties,
    )


def _policies(key: str, data: dict[str, Any]) -> list[ManagedPolicy]:
    table_id = camel(key) + "Table"
    arn = GetAtt(table_id, "Arn")
    policies = []
    patterns = data.get("access_patterns", {})
    for name, role in sorted(data.get("access", {}).items()):
        sid = camel(key) + camel(name)
        listed = sorted(role.get("actions", []))
        # A role naming access patterns gets each one's action on the table, or on exactly
        # the index it queries or scans; patterns declared not served get nothing.
        served = [patterns[p] for p in role.get("patterns", []) if "not_served" not in patterns[p]]
        on_table = {_OPERATIONS[p["operation"]] for p in served if "index" not in p}
        named: dict[str, set[str]] = {}
        for pattern in served:
            if "index" in pattern:
                named.setdefault(_OPERATIONS[pattern["operation"]], set()).add(pattern["index"])
        on_table |= set(listed)
        statements: list[dict[str, Any]] = [
            {"Sid": sid, "Effect": "Allow",
             "Action": [f"dynamodb:{a}" for a in sorted(on_table)], "Resource": [arn]}
        ] if on_table else []
        on_indexes = [a for a in listed if a in _INDEX_ACTIONS]
        if not data.get("global_secondary_indexes"):
            on_indexes = []
        if on_indexes:
            statements.append(
                {"Sid": sid + "Indexes", "Effect": "Allow",
                 "Action": [f"dynamodb:{a}" for a in on_indexes],
                 "Resource": [Sub("${TableArn}/index/*", TableArn=arn)]}
            )
        statements += [
            {"Sid": sid + action + "Indexes", "Effect": "Allow",
             "Action": [f"dynamodb:{action}"],
             "Resource": [Sub("${TableArn}/index/${IndexName}", TableArn=arn, IndexName=index)
                          for index in sorted(indexes)]}
            for action, indexes in sorted(named.items()) if action not in on_indexes
        ]
        policies.append(
            ManagedPolicy(
                sid + "Policy",
                Condition="ShouldCreateIamPolicies",
                Description=f"Access role {name} on the DynamoDB table {key}.",
                PolicyDocument={"Version": "2012-10-17", "Statement": statements},
            )
        )
    return policies


def build(schemas: Path) -> dict[str, Template]:
    """The template of each stack that the ``*.yaml`` files in ``schemas`` name, by stack."""
    stacks: dict[str, list[tuple[str, Path, dict[str, Any]]]] = {}
    for path in sorted(schemas.glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, _LOADER)
        stacks.setdefault(data.get("stack", "template"), []).append(
            (path.stem.lower().replace("-", "_"), path, data))
    return {stack: _stack(schemas, sorted(tables, key=lambda t: t[0]))
            for stack, tables in sorted(stacks.items())}


def _stack(schemas: Path, tables: list[tuple[str, Path, dict[str, Any]]]) -> Template:
    template = Template(
        Description="DynamoDB tables generated by dynamodb-schema-generator from the table "
        "files. Do not edit by hand."
    )
    template.set_version("2010-09-09")
    for name, where in (("NamePrefix", "Prepended to"), ("NameSuffix", "Appended to")):
        example = "dev-" if name == "NamePrefix" else "-prod"
        template.add_parameter(Parameter(
            name, Type="String", Default="", AllowedPattern="^[a-zA-Z0-9_.-]*$",
            Description=f"{where} every table's default name, e.g. {example}."))
    template.add_parameter(Parameter(
        "KmsKeyArn", Type="String", Default="", AllowedPattern="^(arn:aws[a-z-]*:kms:.+)?$",
        Description="Customer-managed KMS key ARN for the tables whose encryption is "
        "aws_managed; empty keeps the AWS-managed key (alias/aws/dynamodb)."))
    has_roles = any(data.get("access") for _, _, data in tables)
    if has_roles:
        template.add_parameter(Parameter(
            "CreateIamPolicies", Type="String", Default="false", AllowedValues=["true", "false"],
            Description="Create an IAM managed policy for each access role declared in the "
            "table files."))
    template.add_condition("HasKmsKeyArn", Not(Equals(Ref("KmsKeyArn"), "")))
    if has_roles:
        template.add_condition("ShouldCreateIamPolicies",
                               Equals(Ref("CreateIamPolicies"), "true"))
    policies = [p for key, _, data in tables for p in _policies(key, data)]
    for policy in policies:
        template.add_resource(policy)
        template.add_output(Output(
            policy.title + "Arn", Condition="ShouldCreateIamPolicies",
            Description=policy.Description, Value=Ref(policy),
            Export=_export(policy.title + "Arn")))
    after = None
    for key, path, data in tables:
        source = f"{schemas.resolve().name}/{path.name}"
        indexed = data.get("global_secondary_indexes") or data.get("local_secondary_indexes")
        template.add_resource(_table(key, source, data, after if indexed else None))
        if indexed:
            after = camel(key) + "Table"
    for key, _, data in sorted(tables, key=lambda t: t[2].get("environment_variable", "")):
        variable = data.get("environment_variable")
        if variable:
            output = "Env" + camel(variable.lower())
            template.add_output(Output(
                output, Description=f"Value for the environment variable {variable}",
                Value=Ref(camel(key) + "Table"), Export=_export(output)))
    for key, _, data in tables:
        table_id = camel(key) + "Table"
        template.add_output(Output(
            table_id + "Name", Description=f"Physical name of table {key}",
            Value=Ref(table_id), Export=_export(table_id + "Name")))
        template.add_output(Output(
            table_id + "Arn", Description=f"ARN of table {key}",
            Value=GetAtt(table_id, "Arn"), Export=_export(table_id + "Arn")))
        indexes = data.get("global_secondary_indexes", [])
        if indexes:
            template.add_output(Output(
                table_id + "GsiNames",
                Description=f"Comma-separated global secondary index names of table {key}",
                Value=",".join(index["name"] for index in indexes),
                Export=_export(table_id + "GsiNames")))
    return template


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    schemas, output = Path(argv[0]), Path(argv[1])
    output.mkdir(parents=True, exist_ok=True)
    for stack, template in build(schemas).items():
        (output / f"{stack}.json").write_text(template.to_json(indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
