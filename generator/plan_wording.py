"""What `plan` says about a table's change: each setting as one short line in the table
file's terms, and the notes on replacing, removing or creating an unprotected table.

The diff (``generator.plan``) decides what happens; this module only words it, so the
engines' behaviour that the notes describe is stated where the diff classifies it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generator.model_file import Snapshot

if TYPE_CHECKING:
    from generator.plan import Change

TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"


def _attr(value: Any) -> str:
    return f"{value['name']} ({value['type']})"


def _projection_text(projection: Mapping[str, Any]) -> str:
    if projection.get("non_key_attributes"):
        return f"{projection['type']} [{', '.join(projection['non_key_attributes'])}]"
    return str(projection["type"])


def gsi_text(index: Mapping[str, Any]) -> str:
    """A global secondary index's identity: its keys and projection."""
    hashes = [index["partition_key"], *index.get("more_partition_keys", [])]
    ranges = [index["sort_key"], *index.get("more_sort_keys", [])] if index.get("sort_key") else []
    keys = f"hash {' + '.join(_attr(a) for a in hashes)}"
    if ranges:
        keys += f", range {' + '.join(_attr(a) for a in ranges)}"
    return f"{keys}; projection {_projection_text(index['projection'])}"


def lsi_text(index: Mapping[str, Any]) -> str:
    return f"range {_attr(index['sort_key'])}; projection {_projection_text(index['projection'])}"


def show(field: str, value: Any) -> str | None:
    """A setting (named by its table file key) as one short line; None when it is not set."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if field == "tags":
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "(none)"
    if isinstance(value, dict) and set(value) == {"name", "type"}:
        return _attr(value)
    if isinstance(value, dict) and set(value) == {"read", "write"} and field.endswith("capacity"):
        return f"read {value['read']}, write {value['write']}"
    if field == "encryption":
        return str(value["type"]) + (f" {value['kms_key_arn']}" if value["kms_key_arn"] else "")
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def protection_note(new: Snapshot) -> str:
    return (
        f"deletion protection is OFF for this table ({new['source']} sets "
        "deletion_protection: false): no prevent_destroy in Terraform, DeletionPolicy "
        "Delete in CloudFormation; a replace or remove deletes its items"
    )


def replace_notes(old: Snapshot, new: Snapshot, replacing: Sequence[Change]) -> list[str]:
    """What each engine does to a table that a change forces to be replaced."""
    forced = ", ".join(c.field for c in replacing)
    engines = {engine for c in replacing for engine in c.replaces_in}
    notes = [f"DATA LOSS: {forced} cannot change in place; the table would be replaced"]
    dropped = [c.field for c in replacing if c.terraform_ignores]
    if TERRAFORM not in engines:
        notes.append("Terraform: updates this table in place")
    elif len(dropped) == len(replacing):
        notes.append(
            f"Terraform: plans no change for {', '.join(dropped)} (the AWS provider does not "
            "compare a key attribute's type or a local index's projection), so the table "
            "keeps the deployed one; only a new table gets the new one"
        )
    elif new["deletion_protection"]:
        notes.append(
            "Terraform: `terraform plan` stops with 'Instance cannot be destroyed' "
            "(lifecycle prevent_destroy)"
        )
    else:
        notes.append(
            "Terraform: destroys the table with all its items and creates an empty one"
            + (" (the destroy fails while the deployed table has deletion protection on)"
               if old["deletion_protection"] else "")
        )
    if any(c.field == "warm_throughput" for c in replacing):
        notes.append(
            "warm throughput: DynamoDB never lowers it; hashicorp/aws from 6.13 replaces the "
            "table to lower it, later releases stop the plan with an error"
        )
    if any(c.field == "warm_throughput" for c in replacing) and all(
            CLOUDFORMATION not in c.replaces_in for c in replacing):
        notes.append(
            "CloudFormation: the stack update fails, DynamoDB refuses to lower warm throughput"
        )
    elif "replicas" in old and bool(old["replicas"]) != bool(new["replicas"]):
        notes.append(
            "CloudFormation: the stack update fails, the resource type would change between "
            "AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable"
        )
    elif old["name"] != new["name"]:
        kept = (
            "keeps the old table and its items outside the stack (UpdateReplacePolicy Retain)"
            if new["deletion_protection"]
            else "deletes the old table and its items (UpdateReplacePolicy Delete)"
        )
        notes.append(f"CloudFormation: creates an empty table {new['name']} and {kept}")
    else:
        notes.append(
            "CloudFormation: the stack update fails, a table with a fixed name cannot be "
            "replaced"
        )
    notes.append(
        "to keep the items: add the new table under a new file name, copy the items, "
        "then remove the old file"
    )
    return notes


def remove_notes(old: Snapshot) -> list[str]:
    """What each engine does to a table whose file is removed."""
    if old["deletion_protection"]:
        return [
            "Terraform: the resource and its prevent_destroy leave the module, so Terraform "
            "plans a destroy; DynamoDB refuses it (deletion protection) and the apply fails. "
            "To stop managing the table and keep it, add a `removed` block to the root "
            "module (from = <module address>.aws_dynamodb_table.<key>, lifecycle "
            "destroy = false; Terraform >= 1.7) or run `terraform state rm`",
            "CloudFormation: the table stays, outside the stack (DeletionPolicy Retain)",
            "to delete it on purpose: first deploy the file with deletion_protection: false, "
            "then remove the file",
        ]
    return [
        "DATA LOSS: Terraform and CloudFormation delete the table and all its items "
        f"(deletion protection was turned off in {old['source']})"
    ]
