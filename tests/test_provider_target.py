"""The Terraform provider target of the settings file, the feature table and the version
floor of versions.tf, and E601: a setting the target cannot write names the version that can."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest

from generator import replica_gaps
from generator.diagnostics import InputError
from generator.features import FEATURES, TARGETS, ProviderTarget, Version, table_features
from generator.pipeline import generate, load_project
from generator.settings import SETTINGS_FILE
from generator.target_checks import RULES
from tests.helpers import write_tables
from tests.test_checks import BASE

GSI = """\
global_secondary_indexes:
  - name: by-owner
    partition_key: {name: owner, type: S}
    sort_key: {name: created, type: N}
"""
WARM = "warm_throughput: {read_units_per_second: 20000}\n"
STRONG = """\
stream: NEW_AND_OLD_IMAGES
consistency: strong
replicas:
  - region: us-east-2
witness_region: us-west-2
"""
REPLICATED = """\
stream: NEW_AND_OLD_IMAGES
replicas:
  - region: eu-west-1
  - region: ap-southeast-2
"""
MULTI_GSI = GSI.replace("    sort_key: {name: created, type: N}\n", """\
    sort_key:
      - {name: created, type: N}
      - {name: seq, type: N}
""")


def _project_files(tmp_path: Path, table: str, settings: str | None) -> dict[str, str]:
    schemas = write_tables(tmp_path / "schemas", t=table)
    if settings is not None:
        (tmp_path / SETTINGS_FILE).write_text(settings, encoding="utf-8")
    return generate(schemas, tmp_path)


def _problems(tmp_path: Path, table: str, settings: str | None) -> list[str]:
    try:
        _project_files(tmp_path, table, settings)
    except InputError as error:
        return [d.format() for d in error.diagnostics]
    return []


def _constraint(files: dict[str, str]) -> str:
    (line,) = [ln for ln in files["terraform/versions.tf"].splitlines()
               if ln.strip().startswith("version ")]
    return line.split("=", 1)[1].strip()


def test_without_settings_the_target_is_5_and_gsis_use_hash_key(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + GSI, None)
    table = files["terraform/table_t.tf"]
    assert 'hash_key        = "owner"' in table and "key_schema" not in table
    assert _constraint(files) == '">= 5.0"'
    assert "hashicorp/aws provider >= 5.0." in files["terraform/README.md"]


def test_target_6_writes_each_gsi_key_in_a_key_schema_block(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + GSI, "terraform: {provider: 6}\n")
    index = files["terraform/table_t.tf"].split("global_secondary_index {", 1)[1]
    index = index.split("\n  }\n", 1)[0]
    assert "hash_key" not in index and "range_key" not in index
    assert index.count("key_schema {") == 2
    assert index.index('"owner"') < index.index('"HASH"') < index.index('"created"') < \
        index.index('"RANGE"')
    assert _constraint(files) == '">= 6.29"'
    assert "hashicorp/aws provider >= 6.29." in files["terraform/README.md"]


def test_the_table_keys_stay_hash_key_and_range_key_on_target_6(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + "sort_key: {name: sk, type: S}\n",
                           "terraform: {provider: 6}\n")
    table = files["terraform/table_t.tf"]
    assert 'hash_key                    = "pk"' in table and "key_schema" not in table


@pytest.mark.parametrize(
    ("table", "floor"),
    [(BASE, '">= 6.0"'), (BASE + WARM, '">= 6.13"'), (BASE + WARM + GSI, '">= 6.29"')],
    ids=["nothing-new", "warm-throughput", "warm-throughput-and-gsi"],
)
def test_target_6_floor_is_the_newest_feature_the_tables_use(
    tmp_path: Path, table: str, floor: str
) -> None:
    assert _constraint(_project_files(tmp_path, table, "terraform: {provider: 6}\n")) == floor


def test_warm_throughput_is_written_in_both_formats(tmp_path: Path) -> None:
    table = BASE + GSI.replace(
        "    sort_key:", "    warm_throughput: {write_units_per_second: 4500}\n    sort_key:"
    ) + WARM
    files = _project_files(tmp_path, table, "terraform: {provider: 6}\n")
    hcl = files["terraform/table_t.tf"]
    assert "  warm_throughput {\n    read_units_per_second = 20000\n  }" in hcl
    assert "    warm_throughput {\n      write_units_per_second = 4500\n    }" in hcl
    resource = json.loads(files["cloudformation/template.json"])["Resources"]["TTable"]
    properties = resource["Properties"]
    assert properties["WarmThroughput"] == {"ReadUnitsPerSecond": 20000}
    assert properties["GlobalSecondaryIndexes"][0]["WarmThroughput"] == {
        "WriteUnitsPerSecond": 4500}
    assert ("| Warm throughput | table 20000 read units per second; index `by-owner` 4500 write "
            "units per second |") in files["docs/tables.md"]


def test_warm_throughput_is_recorded_in_model_json_only_where_set(tmp_path: Path) -> None:
    """Earlier builds' model.json files stay byte for byte what they were."""
    files = _project_files(tmp_path, BASE + WARM + GSI, "terraform: {provider: 6}\n")
    (table,) = json.loads(files["model.json"])["tables"].values()
    assert table["warm_throughput"] == {"read_units_per_second": 20000,
                                        "write_units_per_second": None}
    assert "warm_throughput" not in table["global_secondary_indexes"][0]


def test_e601_warm_throughput_on_target_5(tmp_path: Path) -> None:
    found = _problems(tmp_path, BASE + WARM, "terraform: {provider: 5}\n")
    assert found == [
        "schemas/t.yaml:3:18: E601 warm_throughput: Terraform provider target 5 cannot write "
        "warm_throughput on the table and its global secondary indexes; it needs "
        f"hashicorp/aws >= 6.13; set 'terraform: {{provider: 6}}' in {SETTINGS_FILE}, or "
        "remove the setting"
    ]


def test_e601_warm_throughput_of_an_index_without_settings(tmp_path: Path) -> None:
    table = BASE + GSI + "    warm_throughput: {read_units_per_second: 12000}\n"
    found = _problems(tmp_path, table, None)
    assert [f.split(": E601 ")[1].split(":")[0] for f in found] == [
        "global_secondary_indexes[0].warm_throughput"]


def test_a_provider_target_other_than_5_or_6_is_a_located_settings_error(
    tmp_path: Path,
) -> None:
    found = _problems(tmp_path, BASE, "terraform:\n  provider: 7\n")
    assert len(found) == 1 and f"{SETTINGS_FILE}:2:13: S" in found[0], found
    assert "terraform.provider" in found[0] and "write 5" in found[0]


def test_versions_compare_as_numbers() -> None:
    assert Version(6, 29) > Version(6, 3) > Version(6, 0) > Version(5, 100)
    assert str(Version(6, 3)) == "6.3"


def test_every_feature_needs_a_release_of_a_target_major() -> None:
    for feature in FEATURES.values():
        assert feature.version.major in TARGETS, feature
        assert feature.version >= TARGETS[feature.version.major], feature


def test_e601_multi_attribute_index_keys_on_target_5(tmp_path: Path) -> None:
    found = _problems(tmp_path, BASE + MULTI_GSI, None)
    assert found == [
        "schemas/t.yaml:7:7: E601 global_secondary_indexes[0].sort_key: Terraform provider "
        "target 5 cannot write global secondary index keys of several attributes (key_schema "
        "blocks); it needs hashicorp/aws >= 6.29; set 'terraform: {provider: 6}' in "
        f"{SETTINGS_FILE}, or remove the setting"
    ]


def test_a_key_listed_with_one_attribute_is_a_plain_key_on_target_5(tmp_path: Path) -> None:
    listed = GSI.replace("    sort_key: {name: created, type: N}\n",
                         "    sort_key:\n      - {name: created, type: N}\n")
    assert _project_files(tmp_path, BASE + listed, None) == _project_files(
        tmp_path / "plain", BASE + GSI, None)


def test_multi_attribute_keys_are_written_in_order_in_both_formats(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + MULTI_GSI, "terraform: {provider: 6}\n")
    hcl = files["terraform/table_t.tf"]
    blocks = [line.split('"')[1] for line in hcl.splitlines()
              if "attribute_name" in line or "key_type" in line]
    assert blocks == ["owner", "HASH", "created", "RANGE", "seq", "RANGE"]
    resource = json.loads(files["cloudformation/template.json"])["Resources"]["TTable"]
    (index,) = resource["Properties"]["GlobalSecondaryIndexes"]
    assert index["KeySchema"] == [
        {"AttributeName": "owner", "KeyType": "HASH"},
        {"AttributeName": "created", "KeyType": "RANGE"},
        {"AttributeName": "seq", "KeyType": "RANGE"}]
    assert {"AttributeName": "seq", "AttributeType": "N"} in resource["Properties"][
        "AttributeDefinitions"]
    (table,) = json.loads(files["model.json"])["tables"].values()
    assert table["global_secondary_indexes"][0]["more_sort_keys"] == [
        {"name": "seq", "type": "N"}]
    assert "more_partition_keys" not in table["global_secondary_indexes"][0]


def test_target_6_gives_every_replica_the_table_deletion_protection(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + REPLICATED, "terraform: {provider: 6}\n")
    replicas = files["terraform/table_t.tf"].split("\n  replica {")[1:]
    assert len(replicas) == 2
    assert all("deletion_protection_enabled = true" in r.split("\n  }")[0] for r in replicas)
    assert _constraint(files) == '">= 6.9"'
    project = load_project(tmp_path / "schemas", tmp_path)
    assert not any("deletion protection" in w for w in replica_gaps.warnings(project))


def test_target_5_replicas_keep_the_deletion_protection_warning(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + REPLICATED, None)
    assert "deletion_protection_enabled = true\n  }" not in files["terraform/table_t.tf"].split(
        "\n  replica {", 1)[1]
    project = load_project(tmp_path / "schemas", tmp_path)
    assert any("deletion protection reaches only the provider's region" in w
               and "the AWS provider 5.x has no replica argument" in w
               for w in replica_gaps.warnings(project))


def test_target_6_turns_contributor_insights_on_in_every_replica_region(tmp_path: Path) -> None:
    table = (BASE + REPLICATED
             + "contributor_insights: true\ncontributor_insights_mode: THROTTLED_KEYS\n")
    files = _project_files(tmp_path, table, "terraform: {provider: 6}\n")
    module = hcl2.loads(files["terraform/table_t.tf"])
    (resource,) = [r['"aws_dynamodb_contributor_insights"']['"t_replicas"']
                   for r in module["resource"]
                   if '"t_replicas"' in r.get('"aws_dynamodb_contributor_insights"', {})]
    assert resource["region"] == "${each.value.region}"
    assert set(resource["for_each"]) == {'"eu-west-1"', '"ap-southeast-2"'}
    assert resource["for_each"]['"eu-west-1"'] == {
        "region": "\"eu-west-1\"", "index_name": None, "mode": "\"THROTTLED_KEYS\""}
    project = load_project(tmp_path / "schemas", tmp_path)
    assert not any("Contributor Insights" in w for w in replica_gaps.warnings(project))


def test_target_5_leaves_replica_contributor_insights_to_a_warning(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + REPLICATED + "contributor_insights: true\n", None)
    assert 'resource "aws_dynamodb_contributor_insights" "t"' in files["terraform/table_t.tf"]
    assert '"t_replicas"' not in files["terraform/table_t.tf"]
    project = load_project(tmp_path / "schemas", tmp_path)
    assert any("under Terraform, Contributor Insights reaches only the provider's region" in w
               for w in replica_gaps.warnings(project))


def test_every_feature_of_the_table_is_found_where_the_tables_use_it(tmp_path: Path) -> None:
    """No entry of the feature table is dead: a table that uses everything uses each."""
    write_tables(tmp_path / "schemas", t=BASE + WARM + MULTI_GSI + STRONG + """\
contributor_insights: true
contributor_insights_mode: THROTTLED_KEYS
""")
    (tmp_path / SETTINGS_FILE).write_text("terraform: {provider: 6}\n", encoding="utf-8")
    (table,) = load_project(tmp_path / "schemas", tmp_path).tables
    assert set(table_features(table, ProviderTarget(6))) == set(FEATURES)
    # Target 5 writes no replica deletion protection and no Contributor Insights in the
    # replicas' regions (build warns instead).
    assert set(table_features(table, ProviderTarget(5))) == set(FEATURES) - {
        "gsi_key_schema", "replica_deletion_protection", "replica_contributor_insights"}


def test_the_readme_lists_every_feature_with_its_version() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Terraform provider target", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and ">= " in line]
    listed = sorted(row.rsplit(">= ", 1)[1].strip(" |") for row in rows)
    versions = [str(v) for v in TARGETS.values()] + [str(f.version) for f in FEATURES.values()]
    assert listed == sorted(versions)


@pytest.mark.parametrize("code", [rule.code for rule in RULES])
def test_every_target_rule_is_tested_here(code: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert f"def test_{code.lower()}_" in source, f"rule {code} has no test of its own"



def test_strong_consistency_is_written_in_both_formats(tmp_path: Path) -> None:
    files = _project_files(tmp_path, BASE + STRONG, "terraform: {provider: 6}\n")
    table = files["terraform/table_t.tf"]
    assert 'consistency_mode            = "STRONG"' in table
    assert '  global_table_witness {\n    region_name = "us-west-2"\n  }' in table
    assert _constraint(files) == '">= 6.22"'
    resource = json.loads(files["cloudformation/template.json"])["Resources"]["TTable"]
    assert resource["Type"] == "AWS::DynamoDB::GlobalTable"
    assert resource["Properties"]["MultiRegionConsistency"] == "STRONG"
    assert resource["Properties"]["GlobalTableWitnesses"] == [{"Region": "us-west-2"}]
    assert ("| Consistency | multi-Region strong, witness region `us-west-2` |"
            in files["docs/tables.md"])


def test_e601_strong_consistency_and_a_witness_on_target_5(tmp_path: Path) -> None:
    found = _problems(tmp_path, BASE + STRONG, None)
    assert [f.split(": E601 ")[1].split(";")[0] for f in found] == [
        "consistency: Terraform provider target 5 cannot write consistency_mode in replica "
        "blocks (multi-Region strong consistency)",
        "witness_region: Terraform provider target 5 cannot write global_table_witness (a "
        "witness region)",
    ]
    assert "needs hashicorp/aws >= 6.3" in found[0] and "needs hashicorp/aws >= 6.22" in found[1]


INSIGHTS = """\
contributor_insights: true
contributor_insights_mode: THROTTLED_KEYS
"""


def test_contributor_insights_modes_are_written_in_both_formats(tmp_path: Path) -> None:
    index = GSI + "    contributor_insights: true\n"
    files = _project_files(tmp_path, BASE + INSIGHTS + index, "terraform: {provider: 6}\n")
    hcl = files["terraform/table_t.tf"]
    assert ('resource "aws_dynamodb_contributor_insights" "t" {\n  table_name = '
            'aws_dynamodb_table.t.name\n  mode       = "THROTTLED_KEYS"\n}') in hcl
    # An index without a mode keeps the set of names, as on target 5.
    assert 'for_each = toset(["by-owner"])' in hcl
    properties = json.loads(files["cloudformation/template.json"])["Resources"]["TTable"][
        "Properties"]
    assert properties["ContributorInsightsSpecification"] == {
        "Enabled": True, "Mode": "THROTTLED_KEYS"}
    assert properties["GlobalSecondaryIndexes"][0]["ContributorInsightsSpecification"] == {
        "Enabled": True}
    assert _constraint(files) == '">= 6.29"'


def test_e601_a_contributor_insights_mode_on_target_5(tmp_path: Path) -> None:
    found = _problems(tmp_path, BASE + INSIGHTS, None)
    assert [f.split(": E601 ")[1].split(";")[0] for f in found] == [
        "contributor_insights_mode: Terraform provider target 5 cannot write mode in "
        "aws_dynamodb_contributor_insights"]
    assert "needs hashicorp/aws >= 6.11" in found[0]
