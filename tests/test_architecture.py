"""The code keeps the pipeline's shape: each module has a stage and imports only its own
stage or earlier ones (the measurements live in tests/support/architecture.py)."""

from __future__ import annotations

from tests.support import architecture


def test_every_module_of_the_package_has_a_stage() -> None:
    assert architecture.unstaged(architecture.modules()) == []
