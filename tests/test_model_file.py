"""model.json's format is its field lists: each entry names a model attribute, and every
deployed attribute has an entry, so renaming a model attribute cannot silently change the
committed baselines; the table file's keys they give are the ones plan reports."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from generator import model_file
from generator.model_file import NOT_RECORDED, RECORDS, TABLE, Field, Record
from generator.validate import table_schema
from tests.conftest import REPO


def _problems(record: Record) -> list[str]:
    """What does not match between a field list and its model class."""
    attributes = {f.name for f in dataclasses.fields(record.kind)}
    listed = [entry.attribute for entry in record.fields]
    unlisted = attributes - set(listed) - record.unrecorded - (
        NOT_RECORDED if record.kind is TABLE.kind else set())
    return [f"{record.kind.__name__}.{name}: no such attribute" for name in listed
            if name not in attributes] + [
        f"{record.kind.__name__}.{name}: deployed, but not in the field list"
        for name in sorted(unlisted)]


@pytest.mark.parametrize("record", RECORDS.values(), ids=lambda r: r.kind.__name__)
def test_every_field_names_a_model_attribute_and_every_deployed_attribute_has_a_field(
    record: Record,
) -> None:
    assert _problems(record) == []


def test_a_model_attribute_renamed_without_its_field_is_found() -> None:
    renamed = Record(TABLE.kind, tuple(
        dataclasses.replace(f, attribute="stream") if f.key == "stream_view_type" else f
        for f in TABLE.fields))
    assert _problems(renamed) == [
        "Table.stream: no such attribute",
        "Table.stream_view_type: deployed, but not in the field list",
    ]


def test_not_recorded_names_only_table_attributes() -> None:
    assert {f.name for f in dataclasses.fields(TABLE.kind)} >= NOT_RECORDED


def test_each_record_lists_a_key_once() -> None:
    for record in RECORDS.values():
        keys = [entry.key for entry in record.fields]
        assert len(keys) == len(set(keys)), record.kind.__name__


def _schema_keys(definition: str | None) -> set[str]:
    schema: dict[str, Any] = table_schema()
    node = schema if definition is None else schema["$defs"][definition]
    return set(node["properties"])


@pytest.mark.parametrize(("record", "definition"), [
    (TABLE, None),
    (model_file.GLOBAL_SECONDARY_INDEX, "global_secondary_index"),
    (model_file.LOCAL_SECONDARY_INDEX, "local_secondary_index"),
    (model_file.REPLICA, "replica"),
    (model_file.IMPORT_SOURCE, "import_from_s3"),
    (model_file.WARM_THROUGHPUT, "warm_throughput"),
    (model_file.ON_DEMAND_THROUGHPUT, "on_demand_throughput"),
    (model_file.SCALING, "scaling"),
], ids=lambda v: v.kind.__name__ if isinstance(v, Record) else str(v))
def test_the_table_file_keys_are_keys_of_the_table_schema(
    record: Record, definition: str | None
) -> None:
    named = {entry.yaml_key.split(".")[0] for entry in record.fields if entry.yaml_key}
    assert named <= _schema_keys(definition)


def test_the_committed_model_json_holds_the_field_lists_keys_in_their_order() -> None:
    document = json.loads((REPO / "out" / model_file.MODEL_FILE).read_text(encoding="utf-8"))
    for key, table in document["tables"].items():
        expected = [f.key for f in TABLE.fields if not f.when_set or f.key in table]
        assert list(table) == expected, key


def test_a_field_added_later_is_recorded_only_when_set() -> None:
    entry = next(f for f in TABLE.fields if f.key == "witness_region")
    assert entry == Field("witness_region", "witness_region", "witness_region", when_set=True)
    assert "witness_region" not in json.loads(
        (REPO / "out" / model_file.MODEL_FILE).read_text(encoding="utf-8"))["tables"]["sessions"]


def test_values_are_shown_as_the_table_file_writes_them() -> None:
    assert model_file.shown_value(TABLE, "ttl_disabled", True) is False
    assert model_file.shown_value(TABLE, "multi_region_consistency", "STRONG") == "strong"
    assert model_file.shown_value(TABLE, "multi_region_consistency", None) == "eventual"
    assert model_file.shown_value(TABLE, "import_source", {
        "bucket": "b", "key_prefix": None, "csv_delimiter": ";", "csv_header_list": ["a"],
    }) == {"bucket": "b", "key_prefix": None, "csv": {"delimiter": ";", "header_list": ["a"]}}
    assert model_file.yaml_key(TABLE, "stream_view_type") == "stream"


def test_damaged_json_is_reported_with_its_origin_and_position() -> None:
    with pytest.raises(model_file.ModelFileError, match=r"^x/model.json is not valid JSON \("
                       r"Expecting value: line 1 column 1 \(char 0\)\)$"):
        model_file.snapshots_from_json("", "x/model.json")
