"""One truth, two formats: the generated HCL and the generated CloudFormation JSON, parsed
back, describe exactly the tables of the model, for Sentinel's tables and for the test-only
table files that exercise every feature of the format."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.pipeline import load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import OUT, REPO, SCHEMAS
from tests.support.shapes import (
    UnknownConstructError,
    cfn_shapes,
    hcl_shapes,
    load_template,
    project_shapes,
)

FEATURES = REPO / "tests" / "golden" / "features"
CAPABILITIES = REPO / "tests" / "golden" / "capabilities"
CASES = [
    (SCHEMAS, OUT),
    (FEATURES / "input", FEATURES / "expected"),
    (CAPABILITIES / "input", CAPABILITIES / "expected"),
]
IDS = ["schemas", "features", "capabilities"]


@pytest.mark.parametrize(("schemas", "out"), CASES, ids=IDS)
def test_generated_hcl_describes_exactly_the_model_tables(schemas: Path, out: Path) -> None:
    expected = project_shapes(load_project(schemas))
    assert hcl_shapes(out / TERRAFORM_DIR) == expected


@pytest.mark.parametrize(("schemas", "out"), CASES, ids=IDS)
def test_generated_cloudformation_describes_exactly_the_model_tables(
    schemas: Path, out: Path
) -> None:
    expected = project_shapes(load_project(schemas), terraform=False)
    assert cfn_shapes(load_template(out / CLOUDFORMATION_TEMPLATE)) == expected


def test_features_cover_every_option_the_format_has() -> None:
    """The features case is the proof for options Sentinel's tables do not use; if it lost one,
    the equivalence above would silently stop covering it."""
    shapes = project_shapes(load_project(FEATURES / "input")).values()
    gsis = [g for s in shapes for g in s["gsis"]]
    lsis = [i for s in shapes for i in s["lsis"]]
    assert {s["billing_mode"] for s in shapes} == {"PAY_PER_REQUEST", "PROVISIONED"}
    assert {s["encryption"][0] for s in shapes} == {"aws_owned", "aws_managed", "customer_managed"}
    assert {s["table_class"] for s in shapes} == {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}
    assert {s["stream_view_type"] for s in shapes} >= {None, "KEYS_ONLY", "NEW_AND_OLD_IMAGES"}
    assert {g["projection"] for g in gsis} >= {"INCLUDE", "KEYS_ONLY"}
    assert {i["projection"] for i in lsis} >= {"INCLUDE", "ALL"}
    assert {s["point_in_time_recovery"] for s in shapes} == {True, False}
    assert {s["deletion_protection"] for s in shapes} == {True, False}
    assert {s["partition_key"][1] for s in shapes} == {"S", "N", "B"}
    assert any(g["sort_key"] is None for g in gsis) and any(s["tags"] for s in shapes)


def test_reader_refuses_a_table_argument_it_does_not_compare(tmp_path: Path) -> None:
    """Otherwise a new template feature would pass the equivalence without being compared."""
    module = tmp_path / "terraform"
    module.mkdir()
    text = (OUT / TERRAFORM_DIR / "table_ratelimit.tf").read_text(encoding="utf-8")
    (module / "table_ratelimit.tf").write_text(
        text.replace("  hash_key", '  restore_date_time = "2024-01-01T00:00:00Z"\n  hash_key', 1),
        encoding="utf-8",
    )
    (module / "main.tf").write_text((OUT / TERRAFORM_DIR / "main.tf").read_text("utf-8"), "utf-8")
    with pytest.raises(UnknownConstructError, match="restore_date_time"):
        hcl_shapes(module)


def test_shapes_tell_a_changed_index_apart() -> None:
    """The comparison is sharp: one projection changed in the JSON is a difference."""
    template = load_template(OUT / CLOUDFORMATION_TEMPLATE)
    index = template["Resources"]["SessionsTable"]["Properties"]["GlobalSecondaryIndexes"][0]
    index["Projection"] = {"ProjectionType": "KEYS_ONLY"}
    assert cfn_shapes(template) != project_shapes(load_project(SCHEMAS), terraform=False)


@pytest.mark.parametrize(
    ("resource", "path", "value"),
    [
        ("ReplicatedTable", ("Replicas", 2, "PointInTimeRecoverySpecification",
                             "PointInTimeRecoveryEnabled"), True),
        ("MetricsTable", ("PointInTimeRecoverySpecification", "RecoveryPeriodInDays"), 7),
        ("MetricsTableIndex1ReadScaling", ("MaxCapacity",), 51),
        ("ImportedTable", ("ImportSourceSpecification", "S3BucketSource", "S3Bucket"), "other"),
    ],
    ids=["replica-pitr", "pitr-period", "index-autoscaling", "import-bucket"],
)
def test_shapes_tell_a_changed_capability_apart(
    resource: str, path: tuple[str | int, ...], value: object
) -> None:
    template = load_template(CAPABILITIES / "expected" / CLOUDFORMATION_TEMPLATE)
    target = template["Resources"][resource]["Properties"]
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    expected = project_shapes(load_project(CAPABILITIES / "input"), terraform=False)
    assert cfn_shapes(template) != expected


def test_autoscaling_targets_carry_the_modules_tags() -> None:
    import hcl2

    from generator.pipeline import generate

    text = generate(REPO / "tests" / "golden" / "capabilities" / "input")[
        f"{TERRAFORM_DIR}/autoscaling.tf"
    ]
    resources = {
        (kind.strip('"'), name.strip('"')): body
        for block in hcl2.loads(text)["resource"]
        for kind, named in block.items()
        for name, body in named.items()
    }
    assert resources[("aws_appautoscaling_target", "dynamodb")]["tags"] == "${var.tags}"
