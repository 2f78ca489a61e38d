"""Each DynamoDB rule that the JSON Schema cannot express, with a bad and a good fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import PROJECT_RULES, TABLE_RULES
from generator.diagnostics import InputError
from generator.pipeline import load_project
from tests.helpers import write_tables


def problems(folder: Path) -> list[str]:
    try:
        load_project(folder, folder)
    except InputError as error:
        return [d.format() for d in error.diagnostics]
    return []


def one_table(tmp_path: Path, text: str) -> list[str]:
    return problems(write_tables(tmp_path / "schemas", t=text))


BASE = """\
name: things
partition_key: {name: pk, type: S}
"""


def test_valid_table_has_no_problems(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE) == []


def test_every_rule_has_a_unique_code() -> None:
    codes = [r.code for r in TABLE_RULES] + [r.code for r in PROJECT_RULES]
    assert len(codes) == len(set(codes))


def test_e101_attribute_used_with_two_types(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
sort_key: {name: created, type: S}
global_secondary_indexes:
  - name: by-created
    partition_key: {name: created, type: N}
""",
    )
    assert found == [
        "t.yaml:6:42: E101 global_secondary_indexes[0].partition_key.type: attribute 'created' "
        "is N here but S in sort_key (line 3); use one type per attribute; DynamoDB defines "
        "each key attribute once"
    ]


def test_e102_duplicate_index_names_across_gsi_and_lsi(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
sort_key: {name: sk, type: S}
global_secondary_indexes:
  - name: by-x
    partition_key: {name: x, type: S}
local_secondary_indexes:
  - name: by-x
    sort_key: {name: y, type: S}
""",
    )
    assert found == [
        "t.yaml:8:11: E102 local_secondary_indexes[0].name: index name 'by-x' is already used "
        "by global_secondary_indexes[0] (line 5); give each global and local secondary index "
        "of a table its own name"
    ]


def test_e103_lsi_without_table_sort_key(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
local_secondary_indexes:
  - name: by-y
    sort_key: {name: y, type: S}
""",
    )
    assert found == [
        "t.yaml:3:1: E103 local_secondary_indexes: local secondary indexes need the table to "
        "have a sort key; add 'sort_key:' to the table, or make these global secondary indexes"
    ]


def test_e104_sort_key_equal_to_partition_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "sort_key: {name: pk, type: S}\n")
    assert found == [
        "t.yaml:3:18: E104 sort_key.name: the sort key 'pk' is also the partition key; use a "
        "different attribute for the sort key, or leave the sort key out"
    ]


def test_e104_lsi_sorting_on_the_partition_key(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
sort_key: {name: sk, type: S}
local_secondary_indexes:
  - name: by-pk
    sort_key: {name: pk, type: S}
""",
    )
    assert found == [
        "t.yaml:6:22: E104 local_secondary_indexes[0].sort_key.name: the sort key 'pk' is the "
        "table's partition key; a local secondary index shares the table's partition key; "
        "sort on another attribute"
    ]


def test_e105_include_projection_without_attributes(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
global_secondary_indexes:
  - name: by-x
    partition_key: {name: x, type: S}
    projection: INCLUDE
""",
    )
    assert found == [
        "t.yaml:6:17: E105 global_secondary_indexes[0].projection: projection INCLUDE needs "
        "non_key_attributes; list the attributes to copy in 'non_key_attributes:', or use ALL "
        "or KEYS_ONLY"
    ]


def test_e105_attributes_with_projection_all(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
global_secondary_indexes:
  - name: by-x
    partition_key: {name: x, type: S}
    non_key_attributes: [a]
""",
    )
    assert found == [
        "t.yaml:6:5: E105 global_secondary_indexes[0].non_key_attributes: non_key_attributes is "
        "set but the projection is ALL; set 'projection: INCLUDE', or remove non_key_attributes"
    ]


def test_e106_more_than_100_projected_attributes(tmp_path: Path) -> None:
    first = ", ".join(f"a{i}" for i in range(60))
    second = ", ".join(f"b{i}" for i in range(41))
    found = one_table(
        tmp_path,
        BASE
        + f"""\
global_secondary_indexes:
  - name: one
    partition_key: {{name: x, type: S}}
    projection: INCLUDE
    non_key_attributes: [{first}]
  - name: two
    partition_key: {{name: y, type: S}}
    projection: INCLUDE
    non_key_attributes: [{second}]
""",
    )
    assert found == [
        "t.yaml:11:5: E106 global_secondary_indexes[1].non_key_attributes: this brings the "
        "projected non-key attributes of the table to 101, over DynamoDB's limit of 100; "
        "project fewer attributes, or use projection ALL"
    ]


def test_e107_capacity_with_on_demand_billing(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "capacity: {read: 1, write: 1}\n")
    assert found == [
        "t.yaml:3:1: E107 capacity: the table has capacity but billing_mode is PAY_PER_REQUEST; "
        "remove 'capacity', or set 'billing_mode: PROVISIONED' on the table"
    ]


def test_e107_provisioned_index_without_capacity(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
billing_mode: PROVISIONED
capacity: {read: 1, write: 1}
global_secondary_indexes:
  - name: by-x
    partition_key: {name: x, type: S}
""",
    )
    assert found == [
        "t.yaml:6:5: E107 global_secondary_indexes[0]: billing_mode is PROVISIONED but index "
        "'by-x' has no capacity; add 'capacity: {read: N, write: N}' here, or use billing_mode "
        "PAY_PER_REQUEST"
    ]


def test_e108_ttl_attribute_is_a_string_key(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
ttl_attribute: expires
global_secondary_indexes:
  - name: by-expiry
    partition_key: {name: expires, type: S}
""",
    )
    assert found == [
        "t.yaml:3:16: E108 ttl_attribute: the TTL attribute 'expires' is a key of type S in "
        "global_secondary_indexes[0].partition_key; time to live reads a Number of epoch "
        "seconds; use another attribute for TTL"
    ]


def test_e108_ttl_attribute_may_be_a_number_key(tmp_path: Path) -> None:
    assert (
        one_table(
            tmp_path,
            BASE
            + """\
ttl_attribute: expires
global_secondary_indexes:
  - name: by-expiry
    partition_key: {name: expires, type: N}
""",
        )
        == []
    )


def test_e109_customer_managed_without_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "encryption: {type: customer_managed}\n")
    assert found == [
        "t.yaml:3:13: E109 encryption: encryption type customer_managed needs kms_key_arn; add "
        "'kms_key_arn: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID', or use type aws_managed"
    ]


def test_e109_key_with_aws_owned_encryption(tmp_path: Path) -> None:
    found = one_table(
        tmp_path,
        BASE
        + """\
encryption:
  type: aws_owned
  kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/abc
""",
    )
    assert found == [
        "t.yaml:5:3: E109 encryption.kms_key_arn: kms_key_arn is set but the encryption type is "
        "aws_owned; set 'type: customer_managed', or remove kms_key_arn"
    ]


def test_e110_reserved_tag_prefix(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {'aws:owner': me}\n")
    assert found == [
        "t.yaml:3:8: E110 tags[\"aws:owner\"]: the tag key 'aws:owner' uses the reserved prefix "
        "'aws:'; AWS reserves tags starting with 'aws:'; choose another key"
    ]


def test_e110_tag_value_with_forbidden_character(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {team: 'a;b'}\n")
    assert found == [
        "t.yaml:3:14: E110 tags.team: the tag value 'a;b' has a character AWS does not allow; "
        "tag values may contain letters, digits, spaces and _ . : / = + - @"
    ]


def test_e110_tag_keys_that_differ_only_in_case(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {'true': a, Team: b, 'True': c}\n")
    assert found == [
        "t.yaml:3:28: E110 tags.True: the tag key 'True' differs from 'true' only in letter "
        "case; use one spelling: IAM and cost allocation read tag keys without case, and "
        "cfn-lint reports such keys as duplicates"
    ]


def test_e120_file_name_that_gives_no_usable_key(tmp_path: Path) -> None:
    folder = tmp_path / "schemas"
    folder.mkdir()
    (folder / "9lives.yaml").write_text(BASE, encoding="utf-8")
    assert problems(folder) == [
        "9lives.yaml:1:1: E120 (document): the file name '9lives.yaml' does not give a usable "
        "table key ('9lives'); name table files with a letter first, then letters, digits, '-' "
        "or '_', e.g. sessions.yaml; the key names the table in Terraform and CloudFormation"
    ]


def test_e120_two_files_giving_the_same_key(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path / "schemas",
        **{"rate-limit": BASE, "rate_limit": BASE.replace("things", "other")},
    )
    assert problems(folder) == [
        "rate_limit.yaml:1:1: E120 (document): the file name gives the table key 'rate_limit', "
        "as does rate-limit.yaml; rename one of the files"
    ]


def test_e120_two_keys_giving_the_same_cloudformation_name(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", a1b=BASE, a_1b=BASE.replace("things", "other"))
    assert problems(folder) == [
        "a_1b.yaml:1:1: E120 (document): the file name gives the table key 'a_1b', whose "
        "CloudFormation names (A1b...) are those of the key 'a1b' of a1b.yaml; rename one of "
        "the files"
    ]


def test_e121_same_table_name_in_two_files(tmp_path: Path) -> None:
    folder = write_tables(tmp_path / "schemas", a=BASE, b=BASE)
    assert problems(folder) == [
        "b.yaml:1:7: E121 name: table name 'things' is already used by a.yaml:1; give every "
        "table its own name"
    ]


def test_e112_autoscaling_with_on_demand_billing(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "autoscaling: {read: {min: 1, max: 5}}\n")
    assert found == [
        "t.yaml:3:1: E112 autoscaling: autoscaling is set but billing_mode is PAY_PER_REQUEST; "
        "set 'billing_mode: PROVISIONED' with capacity, or remove autoscaling (on-demand tables "
        "scale by themselves; cap them with on_demand_throughput)"
    ]


def test_e112_autoscaling_min_above_max(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
billing_mode: PROVISIONED
capacity: {read: 5, write: 5}
autoscaling:
  write: {min: 10, max: 5}
""")
    assert found == [
        "t.yaml:6:16: E112 autoscaling.write.min: write autoscaling min 10 is above max 5; "
        "make min at most max"
    ]


def test_e113_on_demand_limits_with_provisioned_billing(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
billing_mode: PROVISIONED
capacity: {read: 5, write: 5}
on_demand_throughput: {max_read_request_units: 10}
""")
    assert found == [
        "t.yaml:5:1: E113 on_demand_throughput: on_demand_throughput is set but billing_mode is "
        "PROVISIONED; remove on_demand_throughput, or use billing_mode PAY_PER_REQUEST"
    ]


def test_e114_replicas_without_new_and_old_images_stream(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "replicas: [{region: eu-west-1}]\n")
    assert found == [
        "t.yaml:3:1: E114 replicas: global table replicas need stream NEW_AND_OLD_IMAGES; set "
        "'stream: NEW_AND_OLD_IMAGES'"
    ]


def test_e114_replica_key_in_the_wrong_region(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
stream: NEW_AND_OLD_IMAGES
encryption:
  type: customer_managed
  kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/abc
replicas:
  - region: eu-west-1
    kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/def
  - region: eu-central-1
""")
    assert found == [
        "t.yaml:9:18: E114 replicas[0].kms_key_arn: the key is in us-east-1 but the replica is in "
        "eu-west-1; give a KMS key in eu-west-1; KMS keys are regional",
        "t.yaml:10:5: E114 replicas[1]: the table uses a customer-managed key but replica "
        "'eu-central-1' has no kms_key_arn; give 'kms_key_arn:' of a key in eu-central-1; KMS "
        "keys are regional",
    ]


def test_e115_recovery_period_without_point_in_time_recovery(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
point_in_time_recovery: false
point_in_time_recovery_period_days: 7
""")
    assert found == [
        "t.yaml:4:1: E115 point_in_time_recovery_period_days: a recovery period is set but "
        "point_in_time_recovery is false; remove point_in_time_recovery_period_days, or turn "
        "point-in-time recovery on"
    ]


def test_e115_csv_options_for_another_input_format(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
import_from_s3:
  bucket: my-bucket
  input_format: ION
  csv: {delimiter: ","}
""")
    assert found == [
        "t.yaml:6:3: E115 import_from_s3.csv: csv options are set but input_format is ION; set "
        "'input_format: CSV', or remove the csv options"
    ]


ALL_CODES = [r.code for r in TABLE_RULES] + [r.code for r in PROJECT_RULES]


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_rule_is_tested_here(code: str) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert f"def test_{code.lower()}_" in source, f"rule {code} has no test of its own"


def test_e111_stream_action_without_a_stream(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
access:
  reader:
    actions: [GetItem, GetRecords]
""")
    assert found == [
        "t.yaml:5:24: E111 access.reader.actions[1]: role 'reader' has GetRecords but the table "
        "has no stream; enable a stream with 'stream: NEW_AND_OLD_IMAGES' (or another view "
        "type), or remove the stream actions"
    ]


def test_e122_environment_variable_used_by_two_tables(tmp_path: Path) -> None:
    folder = write_tables(
        tmp_path / "schemas",
        a=BASE + "environment_variable: APP_TABLE\n",
        b=BASE.replace("things", "others") + "environment_variable: APP_TABLE\n",
    )
    assert problems(folder) == [
        "b.yaml:3:23: E122 environment_variable: environment variable 'APP_TABLE' is already "
        "used by a.yaml:3; give each table its own environment variable"
    ]


def test_e130_resource_policy_with_cloudformation_intrinsic_functions(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
resource_policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Allow
      Principal: {AWS: {"Fn::ImportValue": other-stack-Role}}
      Action: dynamodb:GetItem
      Resource: {Ref: AWS::NoValue}
      Condition: {StringEquals: {"aws:PrincipalAccount": [{"Fn::Sub": "${AWS::AccountId}"}]}}
    - {Condition: IsProd}
""")
    fix = (
        "CloudFormation would evaluate it, Terraform would send it as text; write the value "
        "itself (an ARN, an account id), so that the policy means the same in both formats"
    )
    assert found == [
        f"t.yaml:7:25: E130 resource_policy.Statement[0].Principal.AWS[\"Fn::ImportValue\"]: "
        f"'Fn::ImportValue' is a CloudFormation intrinsic function; {fix}",
        f"t.yaml:9:18: E130 resource_policy.Statement[0].Resource.Ref: 'Ref' is a "
        f"CloudFormation intrinsic function; {fix}",
        f"t.yaml:10:60: E130 resource_policy.Statement[0].Condition.StringEquals"
        f"[\"aws:PrincipalAccount\"][0][\"Fn::Sub\"]: 'Fn::Sub' is a CloudFormation intrinsic "
        f"function; {fix}",
        f"t.yaml:11:8: E130 resource_policy.Statement[1].Condition: 'Condition' is a "
        f"CloudFormation intrinsic function; {fix}",
    ]


def test_e130_iam_condition_blocks_are_not_intrinsic_functions(tmp_path: Path) -> None:
    assert one_table(tmp_path, BASE + """\
resource_policy:
  Version: "2012-10-17"
  Statement:
    - Effect: Deny
      Principal: "*"
      Action: "dynamodb:*"
      Resource: "*"
      Condition: {Bool: {"aws:SecureTransport": "false"}}
""") == []


GLOBAL = BASE + "stream: NEW_AND_OLD_IMAGES\n"


def test_e131_replica_region_that_aws_does_not_have(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + "replicas: [{region: eu-west-9}, {region: eu-west-3}]\n")
    assert found == [
        "t.yaml:4:21: E131 replicas[0].region: 'eu-west-9' is not an AWS region; check the "
        "spelling (did you mean 'eu-west-3'?); for a region newer than the generator's list, "
        "add 'unlisted_region: true' to this replica"
    ]


def test_e131_an_unlisted_region_is_accepted_when_the_replica_says_so(tmp_path: Path) -> None:
    assert one_table(
        tmp_path, GLOBAL + "replicas: [{region: eu-west-9, unlisted_region: true}]\n"
    ) == []


def test_e132_replicas_and_keys_in_another_partition(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + """\
encryption:
  type: customer_managed
  kms_key_arn: arn:aws:kms:us-east-1:123456789012:key/abc
replicas:
  - region: cn-north-1
    kms_key_arn: arn:aws:kms:cn-north-1:123456789012:key/def
""")
    assert found == [
        "t.yaml:8:13: E132 replicas[0].region: cn-north-1 is in the partition aws-cn, but the "
        "table's key arn:aws:kms:us-east-1:123456789012:key/abc is in aws; a global table and "
        "its keys stay in one partition",
        "t.yaml:9:18: E132 replicas[0].kms_key_arn: the key is in the partition aws, but the "
        "replica region cn-north-1 is in aws-cn; give a key ARN of the form "
        "arn:aws-cn:kms:cn-north-1:ACCOUNT:key/KEY-ID",
    ]
