"""A stack's CloudFormation template is rendered from one layout, parsed back and printed
canonically; a template bug must stop the build instead of reaching ``out/``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator import render, stacks
from generator.json_printer import pretty_json
from generator.model import Project
from generator.naming import DEFAULT_STACK
from generator.pipeline import load_project
from tests.conftest import REPO, SCHEMAS
from tests.helpers import write_tables


def _only_stack(project: Project) -> stacks.Stack:
    (stack,) = stacks.layout(project)
    return stack


def test_a_stack_template_is_printed_canonically_in_the_layouts_order() -> None:
    project = load_project(REPO / "tests" / "golden" / "capabilities" / "input")
    text = render.cloudformation_text(_only_stack(project))
    document = json.loads(text)
    assert pretty_json(document, end="\n") == text
    assert list(document) == [
        "AWSTemplateFormatVersion", "Description", "Parameters", "Conditions", "Resources",
        "Outputs",
    ]
    # Each section: its groups in order, each group table by table.
    resources = list(document["Resources"])
    policies = [role.logical_id for table in project.tables for role in table.access_roles]
    tables = [table.logical_id for table in project.tables]
    assert policies and resources[: len(policies)] == policies
    assert resources[-len(tables):] == tables
    outputs = list(document["Outputs"])
    variables = [t.environment_output for t in project.environment_tables]
    start = len(policies)
    assert outputs[start:start + len(variables)] == variables


def test_a_logical_id_given_twice_stops_the_render() -> None:
    table = load_project(SCHEMAS).tables[0]
    with pytest.raises(render.RenderError, match="duplicate JSON key"):
        render.cloudformation_text(stacks.Stack(DEFAULT_STACK, (table, table)))


def test_the_deletion_policy_follows_deletion_protection_through_the_model(
    tmp_path: Path,
) -> None:
    schemas = write_tables(
        tmp_path / "schemas",
        kept="name: kept\npartition_key: {name: id, type: S}\n",
        dropped="name: dropped\npartition_key: {name: id, type: S}\ndeletion_protection: false\n",
        replicated=(
            "name: replicated\npartition_key: {name: id, type: S}\ndeletion_protection: false\n"
            "stream: NEW_AND_OLD_IMAGES\nreplicas: [{region: eu-west-1}]\n"
        ),
    )
    project = load_project(schemas)
    resources = json.loads(render.cloudformation_text(_only_stack(project)))["Resources"]
    policies = {
        table.key: (resources[table.logical_id]["DeletionPolicy"],
                    resources[table.logical_id]["UpdateReplacePolicy"])
        for table in project.tables
    }
    assert policies == {
        "kept": ("Retain", "Retain"),
        "dropped": ("Delete", "Delete"),
        "replicated": ("Delete", "Delete"),
    }
    assert {t.key: t.deletion_policy for t in project.tables} == {
        key: policy for key, (policy, _) in policies.items()}


@pytest.mark.parametrize(
    "text", ['{"a": 1,}', '{"a": 1, "a": 2}'], ids=["invalid", "duplicate-key"]
)
def test_a_template_that_renders_bad_json_stops_the_render(text: str) -> None:
    with pytest.raises(render.RenderError):
        render.parsed_json("cloudformation/x.json.j2", text)
