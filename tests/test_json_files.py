"""The JSON files the generator reads back (model.json, the manifest, the journal) report
damage one way: the file, what is wrong, what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator import writer
from generator.json_files import read_own
from generator.model_file import ModelFileError, snapshots_from_json


class _ProblemError(Exception):
    pass


@pytest.mark.parametrize(("text", "message"), [
    ("{", "f.json is not valid JSON (Expecting property name enclosed in double quotes: "
     "line 1 column 2 (char 1)); delete it"),
    ("[]", "f.json was not written by this tool; delete it"),
    ('{"generator": "another"}', "f.json was not written by this tool; delete it"),
])
def test_a_damaged_or_foreign_file_names_itself_and_the_fix(text: str, message: str) -> None:
    with pytest.raises(_ProblemError) as raised:
        read_own(text, "f.json", "ours", _ProblemError, "delete it")
    assert str(raised.value) == message


def test_model_json_and_the_manifest_word_a_foreign_file_alike(tmp_path: Path) -> None:
    (tmp_path / writer.MANIFEST).write_text("[]", encoding="utf-8")
    with pytest.raises(writer.OutputError) as manifest:
        writer.read_manifest(tmp_path)
    with pytest.raises(ModelFileError) as model:
        snapshots_from_json("[]", "out/model.json")
    assert str(manifest.value) == (
        f"{tmp_path / writer.MANIFEST} was not written by this tool; move it away and rebuild")
    assert str(model.value) == "out/model.json was not written by this tool"
