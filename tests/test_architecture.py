"""The code keeps the pipeline's shape: each module has a stage and imports only its own
stage or earlier ones (the measurements live in tests/support/architecture.py)."""

from __future__ import annotations

from tests.support import architecture


def test_every_module_of_the_package_has_a_stage() -> None:
    assert architecture.unstaged(architecture.modules()) == []


def test_no_module_imports_a_module_of_a_later_stage() -> None:
    # Left for #15's other helpers, and removed by them (the lead tightens this to [] at
    # merge): environments -> checks and target_checks -> model are r15's; settings ->
    # alarm_checks needs the alarm rules E401/E402 (r15's checks modules) moved to the
    # validate stage.
    assert architecture.backward_imports(architecture.modules()) == [
        ("generator.environments", "generator.checks"),
        ("generator.settings", "generator.alarm_checks"),
        ("generator.target_checks", "generator.model"),
    ]
