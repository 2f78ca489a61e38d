"""`plan` classifies every schema edit the way the engines deploy it, against the last build.

Each scenario builds a table file into out/, edits the file, and reads `plan --format json`,
so the whole path (model.json written by build, read back, diffed, printed) is exercised.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.model_file import model_json, snapshots_from_json
from generator.pipeline import load_project
from generator.plan import diff
from generator.render import CLOUDFORMATION_TEMPLATE
from tests.conftest import OUT, REPO, SCHEMAS
from tests.helpers import run_cli, write_tables

BASE = """\
name: things
partition_key: {name: id, type: S}
sort_key: {name: at, type: S}
ttl_attribute: ttl
global_secondary_indexes:
  - name: by-owner
    partition_key: {name: owner, type: S}
    projection: ALL
local_secondary_indexes:
  - name: by-size
    sort_key: {name: size, type: N}
    projection: KEYS_ONLY
tags: {team: a}
"""

GSI_COLOUR = """\
  - name: by-colour
    partition_key: {name: colour, type: S}
    projection: KEYS_ONLY
"""
GSI_SHAPE = GSI_COLOUR.replace("colour", "shape")
AFTER_GSIS = "local_secondary_indexes:\n"


def _plan_after_edit(tmp_path: Path, before: str, after: str | None, *extra: str) -> Any:
    """Build ``before`` as t.yaml, replace it by ``after`` (None: delete it), plan as JSON."""
    schemas = write_tables(tmp_path / "schemas", t=before, keep=BASE.replace("things", "kept"))
    out = tmp_path / "out"
    assert run_cli("build", "--schemas", str(schemas), "--out", str(out)).code == 0
    if after is None:
        (schemas / "t.yaml").unlink()
    else:
        write_tables(schemas, t=after)
    result = run_cli(
        "plan", "--schemas", str(schemas), "--out", str(out), "--format", "json", *extra
    )
    document = json.loads(result.stdout)
    assert document["exit_code"] == result.code
    return document


def _table(document: Any, key: str = "t") -> Any:
    return next(t for t in document["tables"] if t["key"] == key)


REPLACING = [
    ("partition key name", "partition_key: {name: id,", "partition_key: {name: uid,",
     "partition_key"),
    ("partition key type", "partition_key: {name: id, type: S}",
     "partition_key: {name: id, type: N}", "partition_key"),
    ("sort key name", "sort_key: {name: at, type: S}", "sort_key: {name: when, type: S}",
     "sort_key"),
    ("LSI projection", "projection: KEYS_ONLY\ntags", "projection: ALL\ntags",
     "local_secondary_indexes[by-size]"),
    ("LSI added", "tags:", "  - name: by-weight\n    sort_key: {name: weight, type: N}\n"
     "    projection: ALL\ntags:", "local_secondary_indexes[by-weight]"),
    ("table name", "name: things", "name: stuff", "name"),
]


@pytest.mark.parametrize(
    ("old", "new", "field"), [r[1:] for r in REPLACING], ids=[r[0] for r in REPLACING]
)
def test_key_lsi_and_name_changes_replace_the_table_and_exit_1(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    document = _plan_after_edit(tmp_path, BASE, BASE.replace(old, new, 1))
    table = _table(document)
    assert table["action"] == "replace"
    assert [c["field"] for c in table["changes"] if c["replaces"]] == [field]
    assert document["data_loss_risk"] is True
    assert document["exit_code"] == 1
    # Measured with real Terraform (tests/test_plan_engines_deploy.py): the AWS provider
    # plans nothing for a key attribute's type or a local index's projection.
    ignored = field == "local_secondary_indexes[by-size]" or (
        field == "partition_key" and "{name: id, type: N}" in new)
    expected = "plans no change for" if ignored else "prevent_destroy"
    assert any(expected in note for note in table["notes"]), table["notes"]
    assert _table(document, "keep")["action"] == "unchanged"


IN_PLACE = [
    ("GSI added", AFTER_GSIS, GSI_COLOUR + AFTER_GSIS, "global_secondary_indexes[by-colour]"),
    ("GSI removed", "global_secondary_indexes:\n  - name: by-owner\n"
     "    partition_key: {name: owner, type: S}\n    projection: ALL\n", "",
     "global_secondary_indexes[by-owner]"),
    ("billing and capacity", "tags:", "billing_mode: PROVISIONED\ncapacity: {read: 1, write: 1}\n"
     "tags:", "billing_mode"),
    # Changes are named by the table file's keys, not the model's (stream_view_type).
    ("stream", "tags:", "stream: NEW_IMAGE\ntags:", "stream"),
    ("encryption", "tags:", "encryption: {type: aws_owned}\ntags:", "encryption"),
    ("point-in-time recovery", "tags:", "point_in_time_recovery: false\ntags:",
     "point_in_time_recovery"),
    ("tags", "tags: {team: a}", "tags: {team: b}", "tags"),
    ("table class", "tags:", "table_class: STANDARD_INFREQUENT_ACCESS\ntags:", "table_class"),
]


@pytest.mark.parametrize(
    ("old", "new", "field"), [r[1:] for r in IN_PLACE], ids=[r[0] for r in IN_PLACE]
)
def test_index_and_setting_changes_are_in_place_and_exit_0(
    tmp_path: Path, old: str, new: str, field: str
) -> None:
    after = BASE.replace(old, new, 1)
    if "PROVISIONED" in after:  # every GSI needs capacity then
        after = after.replace("projection: ALL\n", "projection: ALL\n    capacity: {read: 1, "
                              "write: 1}\n", 1)
    document = _plan_after_edit(tmp_path, BASE, after)
    table = _table(document)
    assert table["action"] == "update"
    assert field in [c["field"] for c in table["changes"]]
    assert not any(c["replaces"] for c in table["changes"])
    assert document["exit_code"] == 0
    assert len(document["cloudformation_steps"]) == 1


def test_capacity_change_of_a_provisioned_table_and_its_index_needs_no_index_operation(
    tmp_path: Path,
) -> None:
    provisioned = BASE.replace("tags:", "billing_mode: PROVISIONED\ncapacity: {read: 1, write: 1}"
                               "\ntags:").replace(
        "projection: ALL\n", "projection: ALL\n    capacity: {read: 1, write: 1}\n")
    after = provisioned.replace("{read: 1, write: 1}", "{read: 5, write: 2}")
    table = _table(_plan_after_edit(tmp_path, provisioned, after))
    assert table["action"] == "update"
    assert [c["field"] for c in table["changes"]] == [
        "capacity", "global_secondary_indexes[by-owner].capacity"
    ]
    assert table["cloudformation_operations"] == []


def test_two_new_indexes_need_two_cloudformation_updates_and_exit_1(tmp_path: Path) -> None:
    after = BASE.replace(AFTER_GSIS, GSI_COLOUR + GSI_SHAPE + AFTER_GSIS)
    document = _plan_after_edit(tmp_path, BASE, after)
    table = _table(document)
    assert table["action"] == "update"
    assert document["data_loss_risk"] is False
    assert table["cloudformation_operations"] == [
        {"kind": "create", "target": "index", "name": "by-colour"},
        {"kind": "create", "target": "index", "name": "by-shape"},
    ]
    assert document["cloudformation_steps"] == [
        ["t: create index by-colour"], ["t: create index by-shape"]
    ]
    assert document["exit_code"] == 1
    # --allow-replace accepts data loss, not an undeployable update.
    allowed = _plan_after_edit(tmp_path / "again", BASE, after, "--allow-replace")
    assert allowed["exit_code"] == 1


def test_redefined_index_is_deleted_then_created_in_separate_cloudformation_steps(
    tmp_path: Path,
) -> None:
    after = BASE.replace("    projection: ALL\nlocal", "    projection: KEYS_ONLY\nlocal")
    after = after.replace("tags: {team: a}", "tags: {team: b}")
    document = _plan_after_edit(tmp_path, BASE, after)
    assert _table(document)["action"] == "update"
    assert document["cloudformation_steps"] == [
        ["t: delete index by-owner", "t: every other change"], ["t: create index by-owner"]
    ]
    assert document["exit_code"] == 1


def test_text_output_names_the_replacement_and_the_steps(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    write_tables(schemas, t=BASE.replace("{name: id, type: S}", "{name: id, type: N}"))
    result = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 1
    assert "  t (things): REPLACE (data loss)" in result.stdout
    assert "partition_key: id (S) -> id (N)  [forces replacement]" in result.stdout
    assert "refusing" in result.stdout
    assert run_cli("plan", "--schemas", str(schemas), "--out", str(out),
                   "--allow-replace").code == 0


def test_removed_protected_table_is_kept_by_cloudformation_and_refused_by_dynamodb(
    tmp_path: Path,
) -> None:
    document = _plan_after_edit(tmp_path, BASE, None)
    table = _table(document)
    assert table["action"] == "remove"
    assert any("DeletionPolicy Retain" in n for n in table["notes"])
    assert any("deletion protection" in n and "apply fails" in n for n in table["notes"])
    assert document["exit_code"] == 1


def test_removing_a_table_deletes_data_only_after_protection_was_turned_off_first(
    tmp_path: Path,
) -> None:
    """The opt-in is a deployed `deletion_protection: false`, which plan shows on its own."""
    unprotected = BASE + "deletion_protection: false\n"
    opt_out = _plan_after_edit(tmp_path / "one", BASE, unprotected)
    table = _table(opt_out)
    assert table["action"] == "update"
    assert {"field": "deletion_protection", "before": "on", "after": "off",
            "replaces_in": [], "terraform_ignores": False, "replaces": False} in table["changes"]
    assert any("deletion protection is OFF" in n for n in table["notes"])
    removal = _table(_plan_after_edit(tmp_path / "two", unprotected, None))
    assert removal["action"] == "remove"
    assert any(n.startswith("DATA LOSS") for n in removal["notes"])


def test_new_table_file_is_a_create_and_exits_0(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", keep=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    write_tables(schemas, t=BASE.replace("things", "new"))
    result = run_cli("plan", "--schemas", str(schemas), "--out", str(out), "--format", "json")
    assert result.code == 0
    assert _table(json.loads(result.stdout))["action"] == "create"


def test_build_warns_when_it_writes_a_replacement(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    first = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert "WARNING" not in first.stderr
    write_tables(schemas, t=BASE.replace("sort_key: {name: at", "sort_key: {name: when"))
    result = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 0
    assert "WARNING: this build replaces or removes tables (their items" in result.stderr
    assert "t (replace)" in result.stderr


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo, check=True, capture_output=True, text=True,
    ).stdout


def test_plan_by_default_compares_with_the_committed_model_not_the_build_it_follows(
    tmp_path: Path,
) -> None:
    """A CI job that builds, then plans, must still see a replacement."""
    repo = tmp_path / "repo"
    schemas = write_tables(repo / "schemas", t=BASE)
    out = repo / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    _git(repo, "init", "-q")
    _git(repo, "add", "out")
    _git(repo, "commit", "-q", "-m", "v1")
    head = _git(repo, "rev-parse", "HEAD").strip()
    write_tables(schemas, t=BASE.replace("name: things", "name: stuff"))
    build = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert "WARNING: this build replaces or removes tables" in build.stderr
    assert f"compared with out/model.json at HEAD ({head[:12]}" in build.stderr
    plan = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert plan.code == 1
    assert plan.stdout.splitlines()[0] == (
        f"Plan against out/model.json at HEAD ({head[:12]}; the branch has no upstream):"
    )
    assert "name: things -> stuff  [forces replacement]" in plan.stdout
    # Committing the table files and out/ together does not hide it from the pull request:
    # with an upstream branch, the baseline is the merge base.
    _git(repo, "branch", "-q", "-M", "main")
    _git(tmp_path, "clone", "-q", "--bare", str(repo), "origin.git")
    _git(repo, "remote", "add", "origin", str(tmp_path / "origin.git"))
    _git(repo, "fetch", "-q", "origin")
    _git(repo, "checkout", "-q", "-b", "feature", "--track", "origin/main")
    _git(repo, "add", "out", "schemas")
    _git(repo, "commit", "-q", "-m", "rename")
    merged = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert merged.code == 1
    assert merged.stdout.splitlines()[0] == (
        f"Plan against out/model.json at the merge base of HEAD and origin/main "
        f"({head[:12]}):"
    )
    assert "name: things -> stuff  [forces replacement]" in merged.stdout


def test_plan_against_a_git_revision_reads_the_committed_model(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    schemas = write_tables(repo / "schemas", t=BASE)
    run_cli("build", "--schemas", str(schemas), "--out", str(repo / "out"))
    _git(repo, "init", "-q")
    _git(repo, "add", "out")
    _git(repo, "commit", "-q", "-m", "v1")
    write_tables(schemas, t=BASE.replace("name: things", "name: stuff"))
    run_cli("build", "--schemas", str(schemas), "--out", str(repo / "out"))
    _git(repo, "add", "out")
    _git(repo, "commit", "-q", "-m", "v2")
    committed = run_cli("plan", "--schemas", str(schemas), "--out", str(repo / "out"),
                        "--against", "HEAD~1")
    assert committed.code == 1
    # The label names the revision and the file's path in the repository, not ./out.
    assert committed.stdout.splitlines()[0] == "Plan against out/model.json at HEAD~1:"
    assert "name: things -> stuff  [forces replacement]" in committed.stdout
    assert run_cli("plan", "--schemas", str(schemas), "--out", str(repo / "out")).code == 0
    missing = run_cli("plan", "--schemas", str(schemas), "--out", str(repo / "out"),
                      "--against", "no-such-ref")
    assert missing.code == 3
    assert "no-such-ref" in missing.stderr


def test_missing_or_foreign_model_file_exits_3(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    result = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert result.code == 3
    assert "run `python -m generator build` first" in result.stderr
    out.mkdir()
    (out / "model.json").write_text('{"generator": "someone else"}', encoding="utf-8")
    assert run_cli("plan", "--schemas", str(schemas), "--out", str(out)).code == 3


def test_damaged_baseline_fails_plan_but_never_blocks_build(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    document = json.loads((out / "model.json").read_text(encoding="utf-8"))
    del document["tables"]["t"]["global_secondary_indexes"][0]["partition_key"]
    (out / "model.json").write_text(json.dumps(document), encoding="utf-8")
    write_tables(schemas, t=BASE.replace("tags: {team: a}", "tags: {team: b}"))
    plan = run_cli("plan", "--schemas", str(schemas), "--out", str(out))
    assert plan.code == 3
    assert "model.json is damaged" in plan.stderr
    build = run_cli("build", "--schemas", str(schemas), "--out", str(out))
    assert build.code == 0
    assert "warning: cannot compare with the baseline" in build.stderr
    assert run_cli("plan", "--schemas", str(schemas), "--out", str(out)).code == 0


@pytest.mark.parametrize("case", ["features", "capabilities"])
def test_model_json_reads_back_as_a_baseline_without_changes(case: str) -> None:
    project = load_project(REPO / "tests" / "golden" / case / "input")
    baseline = snapshots_from_json(model_json(project), "model.json")
    assert {t.action for t in diff(baseline, project, "model.json").tables} == {"unchanged"}


def test_settings_missing_from_an_older_baseline_are_named_not_reported_as_changes(
    tmp_path: Path,
) -> None:
    schemas = write_tables(tmp_path / "schemas", t=BASE)
    out = tmp_path / "out"
    run_cli("build", "--schemas", str(schemas), "--out", str(out))
    document = json.loads((out / "model.json").read_text(encoding="utf-8"))
    del document["tables"]["t"]["contributor_insights"]
    (out / "model.json").write_text(json.dumps(document), encoding="utf-8")
    table = _table(json.loads(run_cli("plan", "--schemas", str(schemas), "--out", str(out),
                                      "--format", "json").stdout))
    assert table["action"] == "unchanged"
    assert table["notes"] == [
        "not compared, the baseline does not record them: contributor_insights"
    ]


REPLICATED = """\
name: profiles
partition_key: {name: id, type: S}
stream: NEW_AND_OLD_IMAGES
global_secondary_indexes:
  - name: by-email
    partition_key: {name: email, type: S}
    projection: KEYS_ONLY
replicas:
  - region: eu-west-1
"""


def test_adding_replicas_is_in_place_one_region_per_cloudformation_update(
    tmp_path: Path,
) -> None:
    after = REPLICATED + "  - region: ap-southeast-2\n  - region: us-west-2\n"
    document = _plan_after_edit(tmp_path, REPLICATED, after)
    table = _table(document)
    assert table["action"] == "update"
    assert [c["field"] for c in table["changes"]] == [
        "replicas[ap-southeast-2]", "replicas[us-west-2]"
    ]
    assert document["cloudformation_steps"] == [
        ["t: create replica ap-southeast-2"], ["t: create replica us-west-2"]
    ]
    assert document["exit_code"] == 1


def test_index_settings_other_than_its_keys_change_in_place_without_index_operations(
    tmp_path: Path,
) -> None:
    after = REPLICATED.replace("projection: KEYS_ONLY\n", "projection: KEYS_ONLY\n"
                               "    contributor_insights: true\n")
    document = _plan_after_edit(tmp_path, REPLICATED, after)
    table = _table(document)
    assert [c["field"] for c in table["changes"]] == [
        "global_secondary_indexes[by-email].contributor_insights"
    ]
    assert table["cloudformation_operations"] == []
    assert document["exit_code"] == 0


def test_making_a_table_global_replaces_it_in_cloudformation_only(tmp_path: Path) -> None:
    single = REPLICATED[: REPLICATED.index("replicas:")]
    document = _plan_after_edit(tmp_path, single, REPLICATED)
    table = _table(document)
    assert table["action"] == "replace"
    assert table["changes"][0]["field"] == "replicas"
    assert table["changes"][0]["replaces_in"] == ["cloudformation"]
    assert "Terraform: updates this table in place" in table["notes"]
    assert any("AWS::DynamoDB::GlobalTable" in n for n in table["notes"])
    assert document["exit_code"] == 1


@pytest.mark.parametrize(("against", "extra", "code", "message"), [
    ("live", (), 2, "error: --against live needs --region R\n"),
    ("stack:tables", (), 2, "error: --against stack:tables needs --region R\n"),
    ("terraform:", (), 2, "error: --against terraform:: give the JSON of `terraform show "
     "-json` (a state, or a plan) after 'terraform:'\n"),
    ("live", ("--region", "xx-nowhere-9"), 2,
     "error: unknown region 'xx-nowhere-9'; give an AWS region such as eu-west-1\n"),
    ("live", ("--region", "eu-west-1", "--tag", "team"), 2,
     "error: --tag 'team' is not KEY=VALUE\n"),
])
def test_plan_against_a_deployment_refuses_bad_options_with_exit_2(
    against: str, extra: tuple[str, ...], code: int, message: str, tmp_path: Path,
) -> None:
    result = run_cli("plan", "--schemas", str(SCHEMAS), "--out", str(tmp_path),
                     "--against", against, *extra)
    assert (result.code, result.stderr, result.stdout) == (code, message, "")


def test_plan_against_a_missing_or_foreign_baseline_file_exits_3_or_2(tmp_path: Path) -> None:
    missing = run_cli("plan", "--schemas", str(SCHEMAS), "--against",
                      f"terraform:{tmp_path / 'none.json'}")
    assert missing.code == 3
    assert missing.stderr.startswith(f"error: cannot read {tmp_path / 'none.json'}")
    (tmp_path / "t.json").write_text('{"Resources": {}}', encoding="utf-8")
    foreign = run_cli("plan", "--schemas", str(SCHEMAS), "--against",
                      f"terraform:{tmp_path / 't.json'}")
    assert foreign.code == 2
    assert "not the JSON of `terraform show -json` (no format_version)" in foreign.stderr
    assert "Traceback" not in missing.stderr + foreign.stderr


def test_plan_against_the_template_it_was_built_from_shows_no_change() -> None:
    result = run_cli("plan", "--schemas", str(SCHEMAS), "--against",
                     f"cloudformation:{OUT / CLOUDFORMATION_TEMPLATE}")
    assert result.code == 0, result.stderr
    count = len(load_project(SCHEMAS).tables)
    assert result.stdout == (
        f"Plan against {OUT / CLOUDFORMATION_TEMPLATE} (a CloudFormation template):\n"
        + "".join(f"  {t.key} ({t.name}): unchanged\n" for t in load_project(SCHEMAS).tables)
        + f"0 to create, 0 to update in place, 0 to replace, 0 to remove, {count} unchanged\n")
