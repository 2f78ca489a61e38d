"""The CloudFormation template is printed a table at a time and assembled; assembled, it
must be the one JSON document the templates describe, whatever the chunks, and a template
bug must stop the build instead of reaching ``out/``."""

from __future__ import annotations

import json

import pytest

from generator import render, stacks
from generator.json_printer import pretty_json
from generator.model import Project, Table
from generator.naming import DEFAULT_STACK
from generator.pipeline import load_project
from tests.conftest import REPO, SCHEMAS


def _members(tables: list[Table] | tuple[Table, ...]) -> render.Members:
    """The members of tables of the default stack, none waiting for another."""
    return render._cloudformation_members(tables, {})[DEFAULT_STACK]


def _frame(project: Project) -> render.Frame:
    """The frame of the project's one stack, the default one."""
    (stack,) = stacks.layout(project)
    return render._cloudformation_frame(stack)


def test_the_template_is_the_same_whichever_way_the_tables_are_chunked() -> None:
    project = load_project(REPO / "tests" / "golden" / "capabilities" / "input")
    frame = _frame(project)
    whole = render._cloudformation_template(
        *frame, [_members(project.tables)]
    )
    one_by_one = render._cloudformation_template(
        *frame, [_members([table]) for table in project.tables]
    )
    assert one_by_one == whole
    document = json.loads(whole)
    assert pretty_json(document, end="\n") == whole
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


def test_every_group_a_table_gives_has_a_place_in_a_section() -> None:
    project = load_project(REPO / "tests" / "golden" / "capabilities" / "input")
    given = {group for table in project.tables
             for group in _members([table])}
    placed = {group for groups in render.CLOUDFORMATION_SECTIONS.values() for group in groups}
    assert given <= placed and render.FRAME in placed


def test_a_logical_id_given_twice_stops_the_render() -> None:
    project = load_project(SCHEMAS)
    frame = _frame(project)
    members = _members(project.tables[:1])
    with pytest.raises(render.RenderError, match="duplicate JSON key"):
        render._cloudformation_template(*frame, [members, members])


def test_a_group_no_section_takes_stops_the_render() -> None:
    frame = _frame(load_project(SCHEMAS))
    with pytest.raises(render.RenderError, match=r"groups no section takes: \['Mappings'\]"):
        render._cloudformation_template(*frame, [{"Mappings": [("A", '"A": {}')]}])


@pytest.mark.parametrize(
    "text", ['{"a": 1,}', '{"a": 1, "a": 2}'], ids=["invalid", "duplicate-key"]
)
def test_a_template_that_renders_bad_json_stops_the_render(text: str) -> None:
    with pytest.raises(render.RenderError):
        render._parse_json("cloudformation/x.json.j2", text)
