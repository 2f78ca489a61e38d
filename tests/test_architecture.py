"""The code keeps the pipeline's shape: each module has a stage and imports only its own
stage or earlier ones, and templates only print what the model names (the measurements
live in tests/support/architecture.py)."""

from __future__ import annotations

import ast
import re

import generator
from generator.invocation import MODULE_COMMAND
from tests.support import architecture

TEMPLATES = architecture.ROOT / "templates"


def _templates_with(count: str) -> dict[str, int]:
    return {
        path: counts[count]
        for path, counts in architecture.template_counts().items()
        if counts[count]
    }


def test_every_module_of_the_package_has_a_stage() -> None:
    assert architecture.unstaged(architecture.modules()) == []


def test_the_package_docstring_lists_each_module_under_its_stage() -> None:
    listed: dict[str, str] = {}
    for line in re.split(r"\n- ", generator.__doc__ or "")[1:]:
        stage, _, modules = line.partition(":")
        for module in modules.replace("\n", " ").split(","):
            listed[f"generator.{module.strip()}"] = stage
    assert listed == {m: s for m, s in architecture.STAGES.items() if m != "generator.__init__"}


def test_no_module_imports_a_module_of_a_later_stage() -> None:
    assert architecture.backward_imports(architecture.modules()) == []


def test_messages_name_the_tool_through_invocation_only() -> None:
    # One fact: the command that messages tell the user to run (docstrings may mention it).
    spelled = []
    for module in architecture.modules():
        docstrings = {
            id(node.body[0].value) for node in ast.walk(module.tree)
            if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
            and node.body and isinstance(node.body[0], ast.Expr)
        }
        spelled += [
            f"{module.name}:{node.lineno}" for node in ast.walk(module.tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and MODULE_COMMAND in node.value and id(node) not in docstrings
        ]
    assert spelled == ["generator.invocation:" + str(_line_of("MODULE_COMMAND ="))]


def _line_of(text: str) -> int:
    lines = (architecture.ROOT / "generator" / "invocation.py").read_text(encoding="utf-8")
    return next(n for n, line in enumerate(lines.splitlines(), 1) if line.startswith(text))


def test_no_template_builds_a_name_with_concatenation() -> None:
    # Logical ids, output and export names and descriptions come from the model.
    assert _templates_with("concatenations") == {}


def test_no_template_includes_another_macros_are_imported_instead() -> None:
    assert _templates_with("includes") == {}


def test_no_template_has_an_if_that_only_places_a_comma() -> None:
    assert _templates_with("comma_ifs") == {}


def test_separators_in_templates_come_from_separator_not_from_the_loop_position() -> None:
    # `{% if not loop.last %}, {% endif %}` and its kin place separators by hand.
    found = [
        str(path.relative_to(architecture.ROOT))
        for path in sorted(TEMPLATES.rglob("*.j2"))
        if re.search(r"loop\.(first|last)", path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_every_macro_library_says_what_each_of_its_macros_takes() -> None:
    for path in sorted(TEMPLATES.rglob("macros.*.j2")):
        text = path.read_text(encoding="utf-8")
        header = text[: text.index("-#}")]
        for name, parameters in re.findall(r"\{% macro (\w+)\(([^)]*)\) %\}", text):
            assert f"{name}({parameters})" in header, (path.name, name)


# Reads of a foreign format's own defaults, which the table schema does not state.
FOREIGN_DEFAULTS = {
    # An adopted CloudFormation table without DeletionProtectionEnabled has it off
    # (CloudFormation's default), which the adopted file then states.
    "generator.sources.cloudformation .get('deletion_protection', ...)",
}


def test_the_table_schema_alone_states_its_defaults() -> None:
    places = architecture.restated_defaults(architecture.modules())
    assert [p for p in places if _without_line(p) not in FOREIGN_DEFAULTS] == []


def _without_line(place: str) -> str:
    module, _, rest = place.partition(" ")
    return f"{module.split(':')[0]} {rest}"


def test_each_rule_code_is_written_once() -> None:
    sites = architecture.rule_code_sites(architecture.modules())
    assert {code: n for code, n in sites.items() if n > 1} == {}


def test_tests_reach_the_package_through_its_public_names_only() -> None:
    # A seam worth testing is an interface: it gets a public name, or is tested through one.
    assert architecture.private_names_in_tests() == []
