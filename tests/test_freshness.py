"""`verify` knows an output folder is up to date without rendering it again when the last
build recorded writing it from the same inputs (generator/freshness.py); any change to the
table files, the settings, the generator or the folder makes it compare in full, and so say
what is stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator import freshness, outcomes, verify
from generator.pipeline import load_project
from generator.settings import SETTINGS_FILE
from tests.conftest import SCHEMAS
from tests.helpers import run_cli

_BY_DIGEST = ("as the last build wrote it, from the same table files, settings and generator "
              "(by digest)")


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    assert run_cli("build", "--schemas", "schemas", "--out", "out").code == 0
    return tmp_path / "schemas", tmp_path / "out"


def _up_to_date(schemas: Path, out: Path) -> outcomes.Outcome:
    """verify's first outcome, as the command reaches it (no Terraform here)."""
    inputs = freshness.inputs_digest(Path("schemas"), None, Path.cwd())
    recorded = verify.recorded_targets(out, inputs)
    project = None if recorded is not None else load_project(schemas)
    return next(verify.run_checks(project, out, which=lambda _: None, inputs=inputs,
                                  recorded=recorded))


def test_a_folder_as_the_last_build_wrote_it_needs_no_rendering(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = built

    def no_render(*_: object, **__: object) -> None:
        raise AssertionError("rendered")

    monkeypatch.setattr("generator.render.render_files", no_render)
    outcome = _up_to_date(schemas, out)
    assert (outcome.status, outcome.detail) == (outcomes.PASSED, _BY_DIGEST)


def test_an_edited_output_file_is_compared_in_full_and_found_stale(
    built: tuple[Path, Path],
) -> None:
    schemas, out = built
    main = out / "terraform" / "main.tf"
    main.write_text(main.read_text("utf-8") + "\n", "utf-8")
    outcome = _up_to_date(schemas, out)
    assert outcome.status == outcomes.FAILED
    assert outcome.detail.startswith("stale: terraform/main.tf")


def test_an_edited_manifest_is_compared_in_full(built: tuple[Path, Path]) -> None:
    schemas, out = built
    manifest = out / ".generator-manifest.json"
    manifest.write_text(manifest.read_text("utf-8").replace('"model.json",\n', ""), "utf-8")
    outcome = _up_to_date(schemas, out)
    assert outcome.detail != _BY_DIGEST


def test_an_edited_table_file_or_settings_file_is_compared_in_full(
    built: tuple[Path, Path],
) -> None:
    schemas, out = built
    table = schemas / "requests.yaml"
    text = table.read_text("utf-8")
    table.write_text(text.replace("ttl_attribute: ttl", "ttl_attribute: expires"), "utf-8")
    outcome = _up_to_date(schemas, out)
    assert outcome.status == outcomes.FAILED
    assert "cloudformation/template.json" in outcome.detail
    table.write_text(text, "utf-8")
    (schemas.parent / SETTINGS_FILE).write_text("terraform: {provider: 5}\n", "utf-8")
    outcome = _up_to_date(schemas, out)
    assert (outcome.status, outcome.detail) == (outcomes.PASSED, "")  # compared in full


def test_another_generator_compares_in_full(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    schemas, out = built
    monkeypatch.setattr(freshness, "generator_digest", lambda: b"another generator")
    outcome = _up_to_date(schemas, out)
    assert (outcome.status, outcome.detail) == (outcomes.PASSED, "")


def test_a_full_comparison_that_finds_no_change_records_it(built: tuple[Path, Path]) -> None:
    schemas, out = built
    freshness.record_path(out).unlink()
    assert _up_to_date(schemas, out).detail == ""
    assert _up_to_date(schemas, out).detail == _BY_DIGEST


def test_records_live_in_the_cache_folder_not_in_the_output_folder(
    built: tuple[Path, Path],
) -> None:
    _, out = built
    assert freshness.record_path(out).parent == freshness.cache_folder()
    assert not [p for p in out.rglob("*") if "record" in p.name]


def test_verify_of_a_folder_as_the_build_wrote_it_does_not_load_the_table_files(
    built: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_load(*_: object, **__: object) -> None:
        raise AssertionError("loaded the table files")

    monkeypatch.setattr("generator.pipeline.load_project", no_load)
    monkeypatch.setenv("PATH", "")  # no terraform: this is about the table files
    result = run_cli("verify", "--schemas", "schemas", "--out", "out")
    assert result.code == 0, result.stdout + result.stderr
    assert f"passed   up to date with the table files: {_BY_DIGEST}" in result.stdout
    assert "passed   cfn-lint cloudformation/template.json" in result.stdout


def test_the_targets_a_build_records_are_those_verify_derives_from_the_project(
    tmp_path: Path,
) -> None:
    shutil.copytree(SCHEMAS, tmp_path / "schemas")
    (tmp_path / SETTINGS_FILE).write_text(
        "environments:\n  dev: {deletion_protection: false}\n", encoding="utf-8")
    project = load_project(tmp_path / "schemas")
    targets = verify.targets(project)
    assert [module for _, _, module in targets.deployments] == ["terraform", "terraform/dev"]
    assert verify.Targets.from_json(targets.to_json()) == targets
    assert verify.Targets.from_json({"deployments": "x"}) is None


def test_the_generator_s_digest_reads_its_templates_too() -> None:
    names = {name for name, _ in freshness.generator_files()}
    assert {"freshness.py", "templates/cloudformation/template.json.j2",
            "templates/terraform/main.tf.j2"} <= names, sorted(names)
