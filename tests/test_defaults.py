"""The schema's defaults are filled into each valid table file once, before the rules and the
model read it: a table file that leaves every default out is the table that writes each."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator import defaults, loader, validate
from generator.diagnostics import InputError
from generator.pipeline import generate, load_project
from tests.helpers import write_tables

# Every key with a schema default left out, at each place one applies.
LEFT_OUT = """\
name: things
partition_key: {name: pk, type: S}
sort_key: {name: sk, type: S}
ttl_attribute: expires
billing_mode: PROVISIONED
capacity: {read: 5, write: 5}
autoscaling:
  read: {min: 5, max: 50}
global_secondary_indexes:
  - name: by-owner
    partition_key: {name: owner, type: S}
    capacity: {read: 5, write: 5}
local_secondary_indexes:
  - name: by-created
    sort_key: {name: created, type: S}
attributes:
  owner: {type: S}
access_patterns:
  ListByOwner:
    operation: query
    index: by-owner
    key: {owner: EQ}
  Get:
    operation: get
    key: {pk: EQ, sk: EQ}
"""
# The same table with each of those defaults written out.
WRITTEN = """\
name: things
partition_key: {name: pk, type: S}
sort_key: {name: sk, type: S}
ttl_attribute: expires
ttl_enabled: true
billing_mode: PROVISIONED
capacity: {read: 5, write: 5}
autoscaling:
  read: {min: 5, max: 50, target_utilization: 70}
table_class: STANDARD
point_in_time_recovery: true
deletion_protection: true
contributor_insights: false
global_secondary_indexes:
  - name: by-owner
    partition_key: {name: owner, type: S}
    capacity: {read: 5, write: 5}
    projection: ALL
    contributor_insights: false
local_secondary_indexes:
  - name: by-created
    sort_key: {name: created, type: S}
    projection: ALL
attributes:
  owner: {type: S, optional: false, empty: false}
access_patterns:
  ListByOwner:
    operation: query
    index: by-owner
    key: {owner: EQ}
    order: ascending
    count: false
    paginated: false
  Get:
    operation: get
    key: {pk: EQ, sk: EQ}
"""


def _document(text: str) -> loader.Document:
    document = loader.load_text(text, Path("t.yaml"), "t.yaml")
    assert validate.validate_document(document) == []
    return document


def test_a_table_file_that_leaves_the_defaults_out_builds_what_writing_them_builds(
    tmp_path: Path,
) -> None:
    # The folders have one name: the output names its source folder.
    left_out = generate(write_tables(tmp_path / "left-out" / "schemas", t=LEFT_OUT))
    written = generate(write_tables(tmp_path / "written" / "schemas", t=WRITTEN))
    assert left_out == written


def test_filling_fills_every_default_where_its_object_is() -> None:
    document = defaults.fill(_document(LEFT_OUT))
    data: dict[str, Any] = document.data
    assert {key: data[key] for key in (
        "billing_mode", "table_class", "point_in_time_recovery", "deletion_protection",
        "contributor_insights", "ttl_enabled", "encryption")} == {
        "billing_mode": "PROVISIONED", "table_class": "STANDARD",
        "point_in_time_recovery": True, "deletion_protection": True,
        "contributor_insights": False, "ttl_enabled": True,
        "encryption": {"type": "aws_managed"}}
    assert data["autoscaling"]["read"]["target_utilization"] == 70
    assert data["global_secondary_indexes"][0]["projection"] == "ALL"
    assert data["local_secondary_indexes"][0]["projection"] == "ALL"
    assert data["attributes"]["owner"] == {"type": "S", "optional": False, "empty": False}
    assert data["access_patterns"]["Get"]["order"] == "ascending"
    # Objects the file does not have get no defaults: there is no replica, alarm or import.
    assert "replicas" not in data and "alarms" not in data and "import_from_s3" not in data


def test_filling_records_what_the_file_does_not_write_and_leaves_the_document_alone() -> None:
    document = _document(LEFT_OUT)
    filled = defaults.fill(document)
    assert not filled.is_default(("billing_mode",))  # PROVISIONED is written
    assert filled.is_default(("table_class",))
    assert filled.is_default(("encryption",)) and filled.is_default(("encryption", "type"))
    assert filled.is_default(("access_patterns", "Get", "order"))
    assert not filled.is_default(("access_patterns", "Get", "operation"))
    assert "table_class" not in document.data and document.defaulted == frozenset()
    assert defaults.fill(filled) == filled
    assert defaults.fill(_document(WRITTEN)).defaulted == {
        ("encryption",), ("encryption", "type"),
        ("access_patterns", "Get", "order"), ("access_patterns", "Get", "count"),
        ("access_patterns", "Get", "paginated"),
    }


def test_the_model_says_whether_the_file_chose_its_encryption(tmp_path: Path) -> None:
    schemas = write_tables(tmp_path / "schemas", a=LEFT_OUT, b=LEFT_OUT.replace(
        "name: things", "name: others") + "encryption: {type: aws_managed}\n")
    stated = {t.key: t.encryption_stated for t in load_project(schemas).tables}
    assert stated == {"a": False, "b": True}


def test_a_default_is_not_an_option_the_file_sets(tmp_path: Path) -> None:
    # E205 is about what a pattern says: the default order of a get is not its option ...
    assert load_project(write_tables(tmp_path / "left-out", t=LEFT_OUT))
    # ... but the same value written is.
    text = LEFT_OUT + "    order: ascending\n"
    schemas = write_tables(tmp_path / "written", t=text)
    try:
        load_project(schemas, schemas)
    except InputError as error:
        assert [d.format() for d in error.diagnostics] == [
            "t.yaml:26:5: E205 access_patterns.Get.order: pattern 'Get' is a get, which takes "
            "no 'order'; 'order' goes with query; remove it"
        ]
    else:
        raise AssertionError("a written order on a get is E205")


def test_no_schema_default_sits_where_filling_cannot_reach_it() -> None:
    """``defaults.fill`` follows properties, additionalProperties and items; a default under
    oneOf/anyOf/allOf or a conditional would depend on which branch holds, and be skipped."""
    branches = {"oneOf", "anyOf", "allOf", "if", "then", "else", "not"}
    unreachable: list[str] = []

    def walk(node: Any, path: tuple[str, ...], in_branch: bool) -> None:
        if isinstance(node, dict):
            if in_branch and "default" in node:
                unreachable.append("/".join(path))
            for key, value in node.items():
                walk(value, (*path, key), in_branch or key in branches)
        elif isinstance(node, list):
            for position, value in enumerate(node):
                walk(value, (*path, str(position)), in_branch)

    walk(validate.inlined_schema(validate.SCHEMA_FILE), (), False)
    assert unreachable == []
