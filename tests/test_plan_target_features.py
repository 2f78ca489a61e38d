"""`plan` and the settings of provider target 6. Warm throughput: DynamoDB raises it in place
and never lowers it, so a decrease is never an in-place update (P121 for an index; the
table's is a Terraform replacement). Multi-Region strong consistency is fixed at creation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.sequencing import RULES
from generator.settings import SETTINGS_FILE
from tests.test_plan import BASE, _plan_after_edit, _table

WARM = "warm_throughput: {read_units_per_second: 20000, write_units_per_second: 6000}\n"
INDEX_WARM = "    warm_throughput: {read_units_per_second: 15000}\n"


def _with_index_warm(text: str, warm: str) -> str:
    return text.replace("    projection: ALL\n", "    projection: ALL\n" + warm, 1)


def _plan(tmp_path: Path, before: str, after: str) -> Any:
    """Plan the edit on provider target 6, which writes warm throughput in Terraform too."""
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", encoding="utf-8")
    return _plan_after_edit(tmp_path, before, after)


def test_p121_an_index_warm_throughput_decrease(tmp_path: Path) -> None:
    before = _with_index_warm(BASE, INDEX_WARM)
    document = _plan(tmp_path, before, before.replace("15000", "14000"))
    table = _table(document)
    (found,) = [f for f in table["findings"] if f["code"] == "P121"]
    assert found["explanation"] == (
        "index by-owner lowers or drops read_units_per_second; DynamoDB never lowers warm "
        "throughput, so the UpdateTable of either engine fails (the deployed index keeps its "
        "value)")
    assert found["title"] == RULES["P121"].title
    assert found["field"] == "global_secondary_indexes[by-owner].warm_throughput"
    assert table["action"] == "update" and document["exit_code"] == 1


def test_removing_an_index_warm_throughput_is_a_decrease_too(tmp_path: Path) -> None:
    document = _plan(tmp_path, _with_index_warm(BASE, INDEX_WARM), BASE)
    assert [f["code"] for f in _table(document)["findings"]] == ["P121"]


def test_a_table_warm_throughput_decrease_replaces_the_table_in_terraform(
    tmp_path: Path,
) -> None:
    document = _plan(tmp_path, BASE + WARM, BASE + WARM.replace("6000", "5000"))
    table = _table(document)
    assert table["action"] == "replace"
    (change,) = table["changes"]
    assert change["field"] == "warm_throughput" and change["replaces_in"] == ["terraform"]
    assert ("warm throughput: DynamoDB never lowers it; hashicorp/aws from 6.13 replaces the "
            "table to lower it, later releases stop the plan with an error") in table["notes"]
    assert ("CloudFormation: the stack update fails, DynamoDB refuses to lower warm "
            "throughput") in table["notes"]
    assert document["exit_code"] != 0


@pytest.mark.parametrize(
    ("before", "after"),
    [(BASE, BASE + WARM), (BASE + WARM, BASE + WARM.replace("20000", "30000")),
     (BASE, _with_index_warm(BASE, INDEX_WARM))],
    ids=["table-added", "table-raised", "index-added"],
)
def test_raising_or_adding_warm_throughput_is_an_update_in_place(
    tmp_path: Path, before: str, after: str
) -> None:
    document = _plan(tmp_path, before, after)
    table = _table(document)
    assert table["action"] == "update" and table["findings"] == []
    assert not any("not compared" in note for note in table["notes"])
    assert document["exit_code"] == 0


STRONG = BASE.replace("tags:", """\
stream: NEW_AND_OLD_IMAGES
replicas:
  - region: us-east-2
  - region: us-west-2
tags:""")


def test_strong_consistency_cannot_be_turned_on_in_place(tmp_path: Path) -> None:
    after = STRONG.replace("tags:", "consistency: strong\ntags:")
    table = _table(_plan(tmp_path, STRONG, after))
    assert table["action"] == "replace"
    (change,) = table["changes"]
    assert change["field"] == "consistency"  # the table file's key
    assert change["replaces_in"] == ["terraform", "cloudformation"]


def test_a_witness_changes_in_place(tmp_path: Path) -> None:
    before = STRONG.replace("  - region: us-west-2\n", "").replace(
        "tags:", "consistency: strong\nwitness_region: us-west-2\ntags:")
    table = _table(_plan(tmp_path, before, before.replace("witness_region: us-west-2",
                                                           "witness_region: us-east-1")))
    assert table["action"] == "update"
    assert [c["field"] for c in table["changes"]] == ["witness_region"]
