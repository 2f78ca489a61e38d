"""Hostile strings in table files come out as data in every format, never as code.

Each string goes through the real pipeline (YAML file, validation, model, templates), and
the output is parsed back with python-hcl2 and json, and planned by real Terraform, to get
exactly the original string: no interpolation, no template directive, no function call.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml

from generator.pipeline import generate
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from generator.writer import write
from tests.conftest import Terraform
from tests.helpers import hcl_string, run_cli, write_tables
from tests.support.emulator import moto_server, provider_block

# Attribute names accept any characters in DynamoDB, so they carry the hostile strings.
HOSTILE = [
    '${file("/etc/hostname")}',
    "${path.module}",
    "%{ if true }yes%{ endif }",
    "$${escaped already}",
    "%%{escaped already}",
    "ends with $",
    'quote " inside',
    "back\\slash and trailing \\",
    '\\"\\${x}',
    "line\nbreak",
    "carriage\rreturn\ttab",
    "separators\u2028\u2029",
    "unicode ünï€ 😀 中文",
    '"}\nresource "null_resource" "pwned" {\n#',
    "<<EOT\nEOT",
    "/* comment */ # hash // slashes",
    "{{ jinja }} {% raw %}",
    '"},{"Fn::GetAtt":["X","Arn"]},{"',
    "pipe | and `backtick`",
    "\\u0041 is not A",
]
# Valid HCL that python-hcl2 cannot read ("$${" or "%%{" with no closing brace); only
# Terraform checks these, in a table of their own.
UNBALANCED = ["${", "%{", "a ${ b", "x %{ if"]
TTL = "ttl ${timestamp()}"
DESCRIPTION = 'ends the comment?\nresource "null_resource" "pwned" {}\r\u2028# and ${file("x")}'


def hostile_table() -> dict[str, Any]:
    """One table whose every free-text field that reaches the output is hostile."""
    first, second, *rest = HOSTILE
    return {
        "name": "hostile",
        "description": DESCRIPTION,
        "partition_key": {"name": first, "type": "S"},
        "sort_key": {"name": second, "type": "S"},
        "ttl_attribute": TTL,
        "global_secondary_indexes": [
            {
                "name": f"gsi-{i}",
                "partition_key": {"name": text, "type": "S"},
                "projection": "INCLUDE",
                "non_key_attributes": [HOSTILE[i - 1], f"copy {text}"],
            }
            for i, text in enumerate(rest, start=1)
        ],
        "access": {"reader": {"description": DESCRIPTION, "actions": ["GetItem", "Query"],
                              "patterns": ["Read"]}},
        # How the application uses it: attribute names, texts and example values, hostile.
        "attributes": {
            f"attr {text}": {"type": "S", "empty": True, "description": DESCRIPTION}
            for text in HOSTILE[:2]
        },
        "access_patterns": {"Read": {
            "description": DESCRIPTION, "operation": "query", "index": "gsi-1",
            "key": {HOSTILE[2]: "EQ"}, "filter": {f"attr {first}": "BEGINS_WITH"},
            "arguments": {f"attr {first}": {"S": HOSTILE[5]}}, "limit": 5,
            "acknowledge": {"W201": DESCRIPTION},
        }},
        "examples": {"hostile": {
            "description": DESCRIPTION,
            "item": {
                first: {"S": HOSTILE[3]}, second: {"S": HOSTILE[4]}, HOSTILE[2]: {"S": TTL},
                f"attr {first}": {"S": HOSTILE[5] + " and more"}, f"attr {second}": {"S": ""},
                f"map {HOSTILE[7]}": {"M": {HOSTILE[8]: {"SS": HOSTILE[9:12]}}},
            },
            "returned_by": ["Read"],
        }},
    }


def unbalanced_table() -> dict[str, Any]:
    first, *rest = UNBALANCED
    return {
        "name": "unbalanced",
        "partition_key": {"name": first, "type": "S"},
        "global_secondary_indexes": [
            {"name": f"gsi-{i}", "partition_key": {"name": text, "type": "S"}}
            for i, text in enumerate(rest, start=1)
        ],
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("schemas")
    (folder / "hostile.yaml").write_text(yaml.safe_dump(hostile_table()), encoding="utf-8")
    (folder / "unbalanced.yaml").write_text(yaml.safe_dump(unbalanced_table()), "utf-8")
    return generate(folder)


def test_python_hcl2_still_cannot_read_an_unbalanced_escaped_interpolation() -> None:
    """Why UNBALANCED is checked by Terraform only; when this fails, fold it into HOSTILE."""
    with pytest.raises(Exception, match="No terminal matches"):
        hcl2.loads('x = "$${"\n')


def test_every_hostile_string_survives_yaml_unchanged() -> None:
    """Guards the test itself: the YAML written above reads back to the same strings."""
    for table in (hostile_table(), unbalanced_table()):
        assert yaml.safe_load(yaml.safe_dump(table)) == table


def test_terraform_reads_back_exactly_the_hostile_strings(rendered: dict[str, str]) -> None:
    parsed = hcl2.loads(rendered[f"{TERRAFORM_DIR}/table_hostile.tf"])
    blocks = [key for key in parsed if not key.startswith("__")]
    assert blocks == ["resource"], "a comment or string ended early and added a block"
    ((kind, resources),) = [item for r in parsed["resource"] for item in r.items()]
    ((name, table),) = resources.items()
    assert (hcl_string(kind), hcl_string(name)) == ("aws_dynamodb_table", "hostile")
    assert [hcl_string(a["name"]) for a in table["attribute"]] == HOSTILE
    assert hcl_string(table["hash_key"]) == HOSTILE[0]
    assert hcl_string(table["range_key"]) == HOSTILE[1]
    assert hcl_string(table["ttl"][0]["attribute_name"]) == TTL
    indexes = table["global_secondary_index"]
    assert [hcl_string(g["hash_key"]) for g in indexes] == HOSTILE[2:]
    assert [[hcl_string(a) for a in g["non_key_attributes"]] for g in indexes] == [
        [HOSTILE[i - 1], f"copy {text}"] for i, text in enumerate(HOSTILE[2:], start=1)
    ]


def test_every_generated_terraform_file_parses(rendered: dict[str, str]) -> None:
    for rel, text in rendered.items():
        if rel.endswith(".tf") and rel != f"{TERRAFORM_DIR}/table_unbalanced.tf":
            hcl2.loads(text)


def test_cloudformation_reads_back_exactly_the_hostile_strings(rendered: dict[str, str]) -> None:
    template = json.loads(rendered[CLOUDFORMATION_TEMPLATE])
    tables = [r for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"]
    assert len(tables) == 2
    props = tables[0]["Properties"]
    assert [a["AttributeName"] for a in props["AttributeDefinitions"]] == HOSTILE
    assert [k["AttributeName"] for k in props["KeySchema"]] == HOSTILE[:2]
    assert props["TimeToLiveSpecification"]["AttributeName"] == TTL
    indexes = props["GlobalSecondaryIndexes"]
    assert [g["KeySchema"][0]["AttributeName"] for g in indexes] == HOSTILE[2:]
    assert [g["Projection"]["NonKeyAttributes"] for g in indexes] == [
        [HOSTILE[i - 1], f"copy {text}"] for i, text in enumerate(HOSTILE[2:], start=1)
    ]
    unbalanced = tables[1]["Properties"]["AttributeDefinitions"]
    assert [a["AttributeName"] for a in unbalanced] == UNBALANCED


def test_model_json_reads_back_exactly_the_hostile_strings(rendered: dict[str, str]) -> None:
    text = json.dumps(json.loads(rendered["model.json"]), ensure_ascii=False)
    for hostile in (*HOSTILE, *UNBALANCED, TTL):
        assert json.dumps(hostile, ensure_ascii=False) in text


def test_hostile_patterns_and_examples_stay_data_in_the_model_and_the_docs(
    rendered: dict[str, str],
) -> None:
    docs = rendered["docs/tables.md"]
    assert "| `Read` | Query | `gsi-1` |" in docs
    assert "| `Read` | W201 a limit together with a filter |" in docs
    # The role lists Query, which covers every index already: no statement per index.
    assert "/index/*" in rendered[f"{TERRAFORM_DIR}/iam.tf"]
    assert "/index/gsi-1" not in rendered[f"{TERRAFORM_DIR}/iam.tf"]


def test_markdown_tables_keep_their_columns(rendered: dict[str, str]) -> None:
    """A '|' or newline in a value must not add or split a Markdown table cell."""
    for rel in ("docs/tables.md", f"{TERRAFORM_DIR}/README.md"):
        header_cells = None
        for line in rendered[rel].splitlines():
            if not line.startswith("|"):
                header_cells = None
                continue
            cells = line.replace("\\|", "").count("|")
            header_cells = header_cells or cells
            assert cells == header_cells, f"{rel}: {line}"


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"team": "${file(\"/etc/passwd\")}"},
         "E110 tags.team: the tag value '${file(\"/etc/passwd\")}' has a character AWS does not "
         "allow"),
        ({"a\"b": "x"}, "E110 tags[\"a\\\"b\"]: the tag key 'a\"b' has a character AWS does "
         "not allow"),
        ({"line": "a\nb"}, "E110 tags.line: the tag value 'a\\nb' has a character AWS does not "
         "allow"),
    ],
    ids=["interpolation", "quote", "newline"],
)
def test_characters_aws_forbids_in_tags_are_refused_at_validation(
    tags: dict[str, str], expected: str, tmp_path: Path
) -> None:
    text = yaml.safe_dump({"name": "things", "partition_key": {"name": "pk", "type": "S"},
                           "tags": tags})
    result = run_cli("validate", "--schemas", str(write_tables(tmp_path, t=text)))
    assert result.code == 2
    assert expected in result.stderr


def test_decomposed_unicode_that_terraform_would_rewrite_is_refused(tmp_path: Path) -> None:
    """HCL normalises string literals to NFC, so 'e' + U+0301 would become 'é' in Terraform
    only, and the two formats would name different attributes."""
    text = 'name: things\npartition_key: {name: "cafe\\u0301", type: S}\n'
    result = run_cli("validate", "--schemas", str(write_tables(tmp_path, t=text)))
    assert result.code == 2
    assert result.stderr.splitlines()[0].endswith(
        "t.yaml:2:23: Y011 partition_key.name: 'cafe\\u0301' is not in Unicode normal form NFC; "
        "Terraform would read it as 'caf\\xe9'; write the composed characters (most editors "
        "do); e.g. 'é' as one character, not 'e' plus a combining accent"
    )


@pytest.mark.parametrize(
    ("text", "code_point"),
    [("red \x1b[31m alert", "001B"), ("bell\x07", "0007"), ("nul\x00", "0000"),
     ("delete\x7f", "007F"), ("c1\x9b", "009B"), ("admin\u202e\u2066txt.", "202E")],
    ids=["ansi-escape", "bell", "nul", "delete", "c1-csi", "bidi-override"],
)
def test_control_and_text_direction_characters_are_refused_at_validation(
    text: str, code_point: str, tmp_path: Path
) -> None:
    """They would reach terminals showing a plan, or make a name read unlike what it is."""
    data = {"name": "things", "partition_key": {"name": "pk", "type": "S"},
            "global_secondary_indexes": [{"name": "gsi", "partition_key":
                                          {"name": text, "type": "S"}}]}
    result = run_cli("validate", "--schemas", str(write_tables(tmp_path, t=yaml.safe_dump(data))))
    assert result.code == 2
    (error,) = result.stderr.splitlines()[:-1]
    assert (
        f": Y012 global_secondary_indexes[0].partition_key.name: {text!a} contains the "
        f"control character U+{code_point}; remove it;"
    ) in error


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    """A moto server on 127.0.0.1 at a free port."""
    with moto_server() as url:
        yield url


MODULE_CALL = """
module "tables" {
  source = "./module"
}
"""


@pytest.mark.deploy
def test_terraform_plan_shows_the_literal_strings_and_runs_no_function(
    rendered: dict[str, str], terraform: Terraform, moto_endpoint: str, tmp_path: Path
) -> None:
    write(tmp_path / "out", rendered)
    (tmp_path / "module").symlink_to(tmp_path / "out" / TERRAFORM_DIR)
    (tmp_path / "main.tf").write_text(provider_block(moto_endpoint) + MODULE_CALL, "utf-8")
    for args in (["init", "-backend=false", "-no-color"], ["plan", "-no-color", "-out=tfplan"]):
        run = terraform.run(args, cwd=tmp_path)
        assert run.returncode == 0, run.stdout + run.stderr
    assert "module.tables.aws_dynamodb_table.hostile will be created" in run.stdout
    show = terraform.run(["show", "-json", "tfplan"], cwd=tmp_path)
    assert show.returncode == 0, show.stderr
    planned = json.loads(show.stdout)["planned_values"]["root_module"]["child_modules"][0]
    tables = {r["name"]: r["values"] for r in planned["resources"]
              if r["type"] == "aws_dynamodb_table"}
    table = tables["hostile"]
    assert sorted(a["name"] for a in table["attribute"]) == sorted(HOSTILE)
    assert (table["hash_key"], table["range_key"]) == (HOSTILE[0], HOSTILE[1])
    assert table["ttl"][0]["attribute_name"] == TTL
    assert sorted(g["hash_key"] for g in table["global_secondary_index"]) == sorted(HOSTILE[2:])
    assert sorted(a["name"] for a in tables["unbalanced"]["attribute"]) == sorted(UNBALANCED)
    assert not [r for r in planned["resources"] if r["type"] == "null_resource"]
