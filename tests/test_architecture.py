"""The code keeps the pipeline's shape: each module has a stage and imports only its own
stage or earlier ones (the measurements live in tests/support/architecture.py)."""

from __future__ import annotations

from tests.support import architecture


def test_every_module_of_the_package_has_a_stage() -> None:
    assert architecture.unstaged(architecture.modules()) == []


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
    # Y (loader) and P (plan, sequencing) codes are other changes' to declare once; the
    # lead tightens this when they land.
    pending = ("Y", "P")
    assert {code: n for code, n in sites.items() if n > 1 and not code.startswith(pending)} == {}
