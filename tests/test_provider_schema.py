"""Every generated aws_dynamodb_table, parsed with python-hcl2, fits the AWS provider's own
schema (5.100.0): no unknown arguments, no wrong nesting, nothing required missing. This
holds without Terraform on the machine; the deploy test proves the same with Terraform.
Modules of provider target 6 are checked against the reduced 6.x schema instead (there is no
6.x provider here), and must not fit 5.100.0."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest

from generator.render import TERRAFORM_DIR
from tests.conftest import OUT, REPO, Terraform
from tests.support.provider_schema import (
    OTHER_SCHEMAS,
    PROVIDER_VERSION,
    REFERENCE,
    blocks,
    golden_target,
    load_reference,
    problems,
    schemas_for,
)
from tests.support.shapes import dynamodb_resources, load_hcl

GOLDEN = REPO / "tests" / "golden"
MODULES = [OUT / TERRAFORM_DIR, *sorted(GOLDEN.glob(f"*/expected/{TERRAFORM_DIR}"))]
IDS = [m.relative_to(REPO).parent.as_posix() for m in MODULES]
# The provider target of each module: out/ is the Sentinel tables' (no settings file).
TARGETS = [5 if m.parent.parent == REPO else golden_target(m.parent.parent) for m in MODULES]
TARGET_6 = [m for m, target in zip(MODULES, TARGETS, strict=True) if target == 6]


def _table_problems(module: Path, major: int) -> list[str]:
    schema = schemas_for(major)[("resource", "aws_dynamodb_table")]
    resources = dynamodb_resources(load_hcl(module))
    assert resources, f"no aws_dynamodb_table in {module}"
    return [p for name, body in resources.items()
            for p in problems(body, schema, f"aws_dynamodb_table.{name}")]


@pytest.mark.parametrize(("module", "major"), list(zip(MODULES, TARGETS, strict=True)), ids=IDS)
def test_generated_tables_fit_the_provider_schema(module: Path, major: int) -> None:
    assert _table_problems(module, major) == []


def test_a_golden_case_is_written_for_provider_target_6() -> None:
    assert TARGET_6, "no golden case sets terraform: {provider: 6}"


@pytest.mark.parametrize("module", TARGET_6, ids=lambda m: m.parent.parent.name)
def test_target_6_tables_do_not_fit_the_5_100_schema(module: Path) -> None:
    """The 6.x check is not the 5.100.0 check: key_schema is unknown to 5.100.0, and its
    global_secondary_index requires hash_key."""
    found = _table_problems(module, 5)
    assert any("key_schema: not an argument or block" in p for p in found), found
    assert any("required argument hash_key is missing" in p for p in found), found


@pytest.mark.parametrize(("module", "major"), list(zip(MODULES, TARGETS, strict=True)), ids=IDS)
def test_every_generated_resource_and_data_source_fits_the_provider_schema(
    module: Path, major: int
) -> None:
    """IAM policies, autoscaling, Contributor Insights, Kinesis and resource policies too."""
    schemas = schemas_for(major)
    found = []
    for kind, type_name, name, body in blocks(load_hcl(module)):
        where = f"{'data.' if kind == 'data' else ''}{type_name}.{name}"
        schema = schemas.get((kind, type_name))
        if schema is None:
            found.append(f"{where}: no stored provider schema for this type; add it to "
                         f"{OTHER_SCHEMAS.name} from `terraform providers schema -json`")
            continue
        found += problems(body, schema, where)
    assert found == []


def _table(text: str) -> dict[str, object]:
    body = hcl2.loads(f'resource "aws_dynamodb_table" "t" {{\n{text}\n}}\n')
    resources = dynamodb_resources({"t.tf": body})
    return dict(resources["t"])


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('name = "t"\n  hash_key = "id"\n  ttl_attribute = "ttl"',
         "ttl_attribute: not an argument"),
        ('hash_key = "id"', "required argument name is missing"),
        ('name = "t"\n  ttl = { attribute_name = "ttl" }', "ttl: a block written as an argument"),
        ('name = "t"\n  tags {\n    a = "b"\n  }', "tags: an argument written as a block"),
        ('name = "t"\n  arn = "x"', "arn: computed only"),
        ('name = "t"\n  point_in_time_recovery {\n    enabled = true\n  }\n'
         '  point_in_time_recovery {\n    enabled = true\n  }', "2 blocks, at most 1"),
        ('name = "t"\n  point_in_time_recovery {\n  }', "required argument enabled is missing"),
        ('name = "t"\n  stream_enabled = "yes"', "is not a bool"),
        ('name = "t"\n  global_secondary_index {\n    name = "g"\n    hash_key = "k"\n'
         '    projection_type = "ALL"\n    read_capacity = "5"\n  }', "is not a number"),
    ],
    ids=["unknown", "missing-required", "block-as-argument", "argument-as-block", "computed",
         "too-many", "nested-required", "bool-type", "nested-type"],
)
def test_schema_check_finds_each_kind_of_mistake(text: str, problem: str) -> None:
    found = problems(_table(text), load_reference(), "t")
    assert any(problem in p for p in found), found


def test_stored_schema_is_the_provider_schema_terraform_reports(
    terraform: Terraform, tmp_path: Path
) -> None:
    """The stored copy is what makes the check above work without Terraform; it must be the
    real provider's schema, not a hand-written one."""
    (tmp_path / "main.tf").write_text(
        'terraform {\n  required_providers {\n    aws = {\n      source  = "hashicorp/aws"\n'
        f'      version = "{PROVIDER_VERSION}"\n    }}\n  }}\n}}\n', encoding="utf-8")
    init = terraform.run(["init", "-backend=false", "-no-color"], cwd=tmp_path, timeout=60)
    assert init.returncode == 0, init.stdout + init.stderr
    shown = terraform.run(["providers", "schema", "-json"], cwd=tmp_path, timeout=60)
    assert shown.returncode == 0, shown.stderr
    schemas = json.loads(shown.stdout)["provider_schemas"]
    provider = schemas["registry.terraform.io/hashicorp/aws"]
    live = provider["resource_schemas"]["aws_dynamodb_table"]
    assert live == json.loads(REFERENCE.read_text(encoding="utf-8"))["schema"]
    other = json.loads(OTHER_SCHEMAS.read_text(encoding="utf-8"))
    for key in ("resource_schemas", "data_source_schemas"):
        for name, schema in other[key].items():
            assert provider[key][name] == schema, name
