"""Each DynamoDB rule that the JSON Schema cannot express, with a bad and a good fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.checks import PROJECT_RULES, TABLE_RULES
from generator.diagnostics import InputError
from generator.pipeline import load_project
from tests.conftest import SCHEMAS
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


def test_e150_reserved_tag_prefix(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {'aws:owner': me}\n")
    assert found == [
        "t.yaml:3:8: E150 tags[\"aws:owner\"]: the tag key 'aws:owner' uses the reserved prefix "
        "'aws:'; AWS reserves tags starting with 'aws:'; choose another key"
    ]


def test_e110_tag_value_with_forbidden_character(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {team: 'a;b'}\n")
    assert found == [
        "t.yaml:3:14: E110 tags.team: the tag value 'a;b' has a character AWS does not allow; "
        "tag values may contain letters, digits, spaces and _ . : / = + - @"
    ]


def test_e151_tag_keys_that_differ_only_in_case(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + "tags: {'true': a, Team: b, 'True': c}\n")
    assert found == [
        "t.yaml:3:28: E151 tags.True: the tag key 'True' differs from 'true' only in letter "
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


def test_e152_replicas_with_provisioned_billing(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + """\
billing_mode: PROVISIONED
capacity: {read: 1, write: 1}
replicas: [{region: eu-west-1}]
""")
    assert found == [
        "t.yaml:6:1: E152 replicas: replicated tables are generated for on-demand billing only; "
        "use billing_mode PAY_PER_REQUEST for a table with replicas"
    ]


def test_e153_replicas_with_an_s3_import(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + """\
import_from_s3: {bucket: my-bucket, input_format: ION}
replicas: [{region: eu-west-1}]
""")
    assert found == [
        "t.yaml:4:1: E153 import_from_s3: a table with replicas cannot import from S3; import "
        "into a table without replicas, then add the replicas"
    ]


def test_e154_replica_region_listed_twice(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + "replicas: [{region: eu-west-1}, {region: eu-west-1}]\n")
    assert found == [
        "t.yaml:4:42: E154 replicas[1].region: region 'eu-west-1' is listed twice; list each "
        "replica region once"
    ]


def test_e155_replica_key_on_a_table_without_a_customer_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, GLOBAL + """\
replicas:
  - region: eu-west-1
    kms_key_arn: arn:aws:kms:eu-west-1:123456789012:key/def
""")
    assert found == [
        "t.yaml:6:5: E155 replicas[0].kms_key_arn: kms_key_arn is set on a replica of a table "
        "without encryption customer_managed; set the table's encryption to customer_managed, "
        "or remove this kms_key_arn"
    ]


def test_e156_replica_key_in_the_wrong_region(tmp_path: Path) -> None:
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
        "t.yaml:9:18: E156 replicas[0].kms_key_arn: the key is in us-east-1 but the replica is in "
        "eu-west-1; give a KMS key in eu-west-1; KMS keys are regional",
        "t.yaml:10:5: E155 replicas[1]: the table uses a customer-managed key but replica "
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


def test_e115_a_replica_recovery_period_with_that_replica_s_recovery_off(
    tmp_path: Path,
) -> None:
    found = one_table(tmp_path, BASE + """\
stream: NEW_AND_OLD_IMAGES
replicas:
  - region: eu-west-1
    point_in_time_recovery: false
    point_in_time_recovery_period_days: 7
  - region: eu-west-3
    point_in_time_recovery_period_days: 7
""")
    assert found == [
        "t.yaml:7:5: E115 replicas[0].point_in_time_recovery_period_days: a recovery period is "
        "set but point_in_time_recovery is false for this replica; remove "
        "point_in_time_recovery_period_days, or turn point-in-time recovery on"
    ]


def test_e115_a_replica_takes_the_table_s_recovery_off_unless_it_turns_its_own_on(
    tmp_path: Path,
) -> None:
    found = one_table(tmp_path, BASE + """\
stream: NEW_AND_OLD_IMAGES
point_in_time_recovery: false
replicas:
  - region: eu-west-1
    point_in_time_recovery_period_days: 7
  - region: eu-west-3
    point_in_time_recovery: true
    point_in_time_recovery_period_days: 7
""")
    assert found == [
        "t.yaml:7:5: E115 replicas[0].point_in_time_recovery_period_days: a recovery period is "
        "set but point_in_time_recovery is false for this replica; remove "
        "point_in_time_recovery_period_days, or turn point-in-time recovery on"
    ]


def test_the_tag_rules_check_the_tags_a_replica_sets_for_itself(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
stream: NEW_AND_OLD_IMAGES
tags: {Team: core}
replicas:
  - region: eu-west-1
    tags: {'aws:site': x, team: y, site: 'a;b'}
""")
    assert found == [
        "t.yaml:7:12: E150 replicas[0].tags[\"aws:site\"]: the tag key 'aws:site' uses the "
        "reserved prefix 'aws:'; AWS reserves tags starting with 'aws:'; choose another key",
        "t.yaml:7:27: E151 replicas[0].tags.team: the tag key 'team' differs from 'Team' only "
        "in letter case; use one spelling: IAM and cost allocation read tag keys without case, "
        "and cfn-lint reports such keys as duplicates",
        "t.yaml:7:42: E110 replicas[0].tags.site: the tag value 'a;b' has a character AWS does "
        "not allow; tag values may contain letters, digits, spaces and _ . : / = + - @",
    ]


def test_e609_a_replica_with_more_than_50_tags_with_the_table_s(tmp_path: Path) -> None:
    table_tags = ", ".join(f"t{n}: v" for n in range(30))
    replica_tags = ", ".join(f"r{n}: v" for n in range(21))
    found = one_table(tmp_path, BASE + f"""\
stream: NEW_AND_OLD_IMAGES
tags: {{{table_tags}}}
replicas:
  - region: eu-west-1
    tags: {{t0: w, {replica_tags}}}
""")
    assert found == [
        "t.yaml:7:5: E609 replicas[0].tags: replica eu-west-1 has 51 tags with the table's, but "
        "AWS allows at most 50 per resource; a replica's tags go over the table's: remove tags "
        "here or from the table"
    ]


def test_a_replica_within_50_tags_with_the_table_s_has_no_problem(tmp_path: Path) -> None:
    table_tags = ", ".join(f"t{n}: v" for n in range(30))
    replica_tags = ", ".join(f"t{n}: w" for n in range(20)) + ", r0: v"
    assert one_table(tmp_path, BASE + f"""\
stream: NEW_AND_OLD_IMAGES
tags: {{{table_tags}}}
replicas:
  - region: eu-west-1
    tags: {{{replica_tags}}}
""") == []


def test_e157_csv_options_for_another_input_format(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
import_from_s3:
  bucket: my-bucket
  input_format: ION
  csv: {delimiter: ","}
""")
    assert found == [
        "t.yaml:6:3: E157 import_from_s3.csv: csv options are set but input_format is ION; set "
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


# --- access patterns and examples (generator/pattern_checks*.py) --------------------------

PATTERN_BASE = BASE + """\
sort_key: {name: sk, type: S}
global_secondary_indexes:
  - name: by-user
    partition_key: {name: user, type: S}
    sort_key: {name: created, type: S}
"""


def warnings(tmp_path: Path, text: str) -> list[str]:
    """The warnings of a table file that has no errors."""
    folder = write_tables(tmp_path / "schemas", t=text)
    return [w.format() for w in load_project(folder, folder).warnings]


def test_e201_pattern_on_a_missing_index_or_a_get_on_an_index(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  ByOwner:
    operation: query
    index: by-owner
    key: {owner: EQ}
  Read:
    operation: get
    index: by-user
    key: {pk: EQ, sk: EQ}
""")
    assert found == [
        "t.yaml:11:12: E201 access_patterns.ByOwner.index: pattern 'ByOwner' uses the index "
        "'by-owner', which the table does not have (indexes: by-user); add the index, name "
        "an existing one, or declare the pattern 'not_served:' with the reason",
        "t.yaml:15:12: E201 access_patterns.Read.index: pattern 'Read' is a get, which works "
        "on the table, not an index; remove 'index:'; only query and scan read a secondary "
        "index",
    ]


def test_e202_key_condition_on_an_attribute_that_is_no_key_of_the_index(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  ByUser:
    operation: query
    index: by-user
    key: {user: EQ, status: EQ}
""")
    assert found == [
        "t.yaml:12:21: E202 access_patterns.ByUser.key.status: pattern 'ByUser' binds "
        "'status', which is not a key of index 'by-user' (keys: user, created); bind only "
        "the partition and sort key in 'key:'; conditions on other attributes go in 'filter:'",
    ]


def test_e203_range_condition_on_a_partition_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  ByUser:
    operation: query
    index: by-user
    key: {user: BEGINS_WITH}
""")
    assert found == [
        "t.yaml:12:17: E203 access_patterns.ByUser.key.user: pattern 'ByUser' puts "
        "BEGINS_WITH on the partition key 'user'; DynamoDB finds a partition only by "
        "equality; use EQ on the partition key; a range over partitions needs a scan, or an "
        "index whose sort key is this attribute",
    ]


def test_e204_operation_without_the_keys_it_needs(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  Everything:
    operation: scan
    key: {pk: EQ}
  Newest:
    operation: query
    index: by-user
    key: {created: GT}
  Read:
    operation: get
    key: {pk: EQ, sk: BEGINS_WITH}
""")
    assert found == [
        "t.yaml:11:5: E204 access_patterns.Everything.key: pattern 'Everything' is a scan, "
        "which has no key condition; move the conditions to 'filter:', or make it a query",
        "t.yaml:12:3: E204 access_patterns.Newest: pattern 'Newest' is a query but does not "
        "bind the partition key 'user'; add 'user: EQ' to 'key:'; without it, it is a scan",
        "t.yaml:18:5: E204 access_patterns.Read.key: pattern 'Read' is a get of one item but "
        "does not bind 'sk' by EQ; a get names the item by its whole key: 'key: {pk: EQ, sk: "
        "EQ}'",
    ]


def test_e205_options_that_do_not_go_with_the_operation(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
access_patterns:
  Read:
    operation: get
    key: {pk: EQ}
    order: descending
  Count:
    operation: scan
    count: true
    projection: [pk]
""")
    assert found == [
        "t.yaml:7:5: E205 access_patterns.Read.order: pattern 'Read' is a get, which takes "
        "no 'order'; 'order' goes with query; remove it",
        "t.yaml:11:5: E205 access_patterns.Count.projection: pattern 'Count' counts items "
        "(Select COUNT) and also projects attributes; remove 'projection:' or 'count:'; "
        "DynamoDB refuses both together",
    ]


def test_e206_arguments_of_the_wrong_type_count_or_attribute(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  ByUser:
    operation: query
    index: by-user
    key: {user: EQ, created: BETWEEN}
    arguments:
      user: {N: "1"}
      created: {S: "2026"}
      other: {S: x}
""")
    assert found == [
        "t.yaml:14:13: E206 access_patterns.ByUser.arguments.user: the argument for 'user' "
        "is N, but the attribute is S; give a value of type S",
        "t.yaml:15:16: E206 access_patterns.ByUser.arguments.created: BETWEEN on 'created' "
        "takes a list of two typed values; e.g. {S: alice}; BETWEEN takes [low, high]; "
        "EXISTS and NOT_EXISTS none",
        "t.yaml:16:7: E206 access_patterns.ByUser.arguments.other: pattern 'ByUser' has no "
        "condition on 'other'; give arguments only for attributes in 'key:' or 'filter:'",
    ]


def test_e207_examples_a_pattern_cannot_return(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  ByUser:
    operation: query
    index: by-user
    key: {user: EQ, created: GE}
    arguments: {created: {S: "2026-06"}}
    limit: 1
examples:
  old:
    item: {pk: {S: a}, sk: {S: "1"}, user: {S: alice}, created: {S: "2026-01"}}
    returned_by: [ByUser, ByName]
  no-user:
    item: {pk: {S: b}, sk: {S: "1"}, created: {S: "2026-07"}}
    returned_by: [ByUser]
""")
    assert found == [
        "t.yaml:14:12: E207 access_patterns.ByUser.limit: 2 examples name pattern 'ByUser', "
        "which returns at most 1; name only the examples it returns, or raise the limit",
        "t.yaml:18:19: E207 examples.old.returned_by[0]: pattern 'ByUser' cannot return this "
        "example: its key condition created >= :created does not hold for it; fix the "
        "example, the pattern's arguments, or remove the pattern from 'returned_by:'",
        "t.yaml:18:27: E207 examples.old.returned_by[1]: the pattern 'ByName' is not "
        "declared (patterns: ByUser); name a pattern from 'access_patterns:'",
        "t.yaml:21:19: E207 examples[\"no-user\"].returned_by[0]: pattern 'ByUser' reads index "
        "'by-user', but this example has no 'user': it is not in that index; an item is in "
        "an index only if it has all of the index's keys",
    ]


def test_e208_example_without_the_table_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
examples:
  half:
    item: {pk: {S: a}}
""")
    assert found == [
        "t.yaml:10:5: E208 examples.half.item: example 'half' has no 'sk', a key of the "
        "table; add 'sk:'; DynamoDB refuses an item without the table's key",
    ]


def test_e209_key_attribute_declared_or_written_with_another_type(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
attributes:
  user: {type: N, optional: true}
examples:
  one:
    item: {pk: {S: a}, sk: {N: "1"}}
""")
    assert found == [
        "t.yaml:9:16: E209 attributes.user.type: 'user' is declared N but is a key of type S "
        "(global_secondary_indexes[0].partition_key); declare it as S: a key attribute has "
        "its key's type",
        "t.yaml:12:28: E209 examples.one.item.sk: example 'one' writes 'sk' as N, but it is "
        "a key of type S; write it as {S: ...}; DynamoDB refuses the item otherwise",
    ]


def test_e210_example_with_an_empty_string_in_an_index_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
examples:
  one:
    item: {pk: {S: a}, sk: {S: "1"}, user: {S: ""}}
""")
    assert found == [
        "t.yaml:10:44: E210 examples.one.item.user: example 'one' has an empty S in 'user', "
        "a key of index 'by-user'; DynamoDB refuses the whole item; leave the attribute out "
        "(a sparse index), write a value, or remove the index",
    ]


def test_e211_example_over_400_kb(tmp_path: Path) -> None:
    blob = "x" * 410_000
    found = one_table(tmp_path, BASE + f"""\
examples:
  big:
    item:
      pk: {{S: a}}
      blob: {{S: "{blob}"}}
""")
    assert found == [
        "t.yaml:6:7: E211 examples.big.item: example 'big' is 410007 bytes, over DynamoDB's "
        "item limit of 409600 (400 KB); store large values elsewhere (S3) and keep a "
        "reference in the item",
    ]


def test_e212_ttl_in_milliseconds_or_not_a_number(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
ttl_attribute: expires
examples:
  millis:
    item: {pk: {S: a}, expires: {N: "1796122800000"}}
  text:
    item: {pk: {S: b}, expires: {S: "2026-12-01T11:00:00Z"}}
""")
    assert found == [
        "t.yaml:6:33: E212 examples.millis.item.expires: example 'millis' has 'expires' "
        "1796122800000, which as epoch seconds is past the year 5000: it looks like "
        "milliseconds, and the item never expires; write seconds, not milliseconds (divide "
        "by 1000)",
        "t.yaml:8:33: E212 examples.text.item.expires: example 'text' writes the TTL "
        "attribute 'expires' as S; DynamoDB ignores it and the item never expires; write the "
        "expiry as a Number of Unix epoch seconds, e.g. {N: \"1767225600\"}",
    ]


def test_e213_attribute_that_may_be_empty_is_an_index_key(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
attributes:
  user: {type: S, empty: true}
  pk: {type: S, optional: true}
""")
    assert found == [
        "t.yaml:6:20: E213 global_secondary_indexes[0].partition_key: 'user' is a key of "
        "index 'by-user', but the application may write it empty (attributes.user.empty): "
        "DynamoDB refuses every such item; have the application leave the attribute out "
        "instead of writing it empty (a sparse index: such items are just not in it), or "
        "remove the index",
        "t.yaml:10:17: E213 attributes.pk.optional: 'pk' is a key of the table, which every "
        "item has; remove 'optional: true'",
    ]


def test_e214_malformed_values_nested_in_maps_and_sets(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
attributes:
  count: {type: N, empty: true}
examples:
  odd:
    item:
      pk: {S: a}
      n: {N: "twelve"}
      b: {B: "not base64!"}
      gone: {"NULL": false}
      m: {M: {x: {Q: "1"}, y: {N: 5}}}
      ns: {NS: ["1", "1.0"]}
      big: {N: "123456789012345678901234567890123456789"}
      huge: {N: "1e200"}
""")
    assert found == [
        "t.yaml:4:20: E214 attributes.count.empty: 'count' is N, which cannot be empty; only "
        "strings (S) and binary (B) can be empty; remove 'empty: true'",
        "t.yaml:7:5: E215 examples.odd.item: example 'odd' has no 'count', which the "
        "application always writes; add 'count:', or declare it 'optional: true'",
        "t.yaml:9:14: E214 examples.odd.item.n.N: 'twelve' is not a number; write a decimal "
        "number as a string, e.g. \"12\" or \"-1.5e3\"",
        "t.yaml:10:14: E214 examples.odd.item.b.B: binary values are base64 text, and this "
        "is not; encode the bytes in base64, e.g. aGVsbG8= for 'hello'",
        "t.yaml:11:22: E214 examples.odd.item.gone.NULL: NULL takes true; write {\"NULL\": "
        "true} for an attribute that is null",
        "t.yaml:12:18: E214 examples.odd.item.m.M.x: expected a typed value, got ['Q']; "
        "write a value as one DynamoDB type and its content, e.g. {S: text} or {N: \"12\"}; "
        "the types are S, N, B, BOOL, NULL, M, L, SS, NS, BS",
        "t.yaml:12:35: E214 examples.odd.item.m.M.y.N: N takes a string, got int; quote "
        "numbers: DynamoDB JSON writes them as strings, e.g. {N: \"12\"}",
        "t.yaml:13:22: E214 examples.odd.item.ns.NS[1]: '1.0' is in the set twice; list each "
        "member once",
        "t.yaml:14:16: E214 examples.odd.item.big.N: "
        "'123456789012345678901234567890123456789' has 39 significant digits; DynamoDB keeps "
        "at most 38; write a decimal number as a string, e.g. \"12\" or \"-1.5e3\"",
        "t.yaml:15:17: E214 examples.odd.item.huge.N: '1e200' is outside DynamoDB's range of "
        "numbers (1E-130 to 9.9E+125); write a decimal number as a string, e.g. \"12\" or "
        "\"-1.5e3\"",
    ]


def test_e215_example_that_does_not_follow_the_declarations(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
attributes:
  status: {type: S}
  note: {type: S, optional: true}
examples:
  one:
    item: {pk: {S: a}, note: {N: "1"}}
  two:
    item: {pk: {S: b}, status: {S: ""}}
""")
    assert found == [
        "t.yaml:8:5: E215 examples.one.item: example 'one' has no 'status', which the "
        "application always writes; add 'status:', or declare it 'optional: true'",
        "t.yaml:8:30: E215 examples.one.item.note: example 'one' writes 'note' as N, but it "
        "is declared S; write {S: ...}, or fix the declaration",
        "t.yaml:10:32: E215 examples.two.item.status: example 'two' writes 'status' empty, "
        "but it is not declared 'empty: true'; declare 'empty: true' if the application "
        "writes it empty",
    ]


def test_w201_limit_with_a_filter_warns(tmp_path: Path) -> None:
    found = warnings(tmp_path, PATTERN_BASE + """\
access_patterns:
  Active:
    operation: query
    index: by-user
    key: {user: EQ}
    filter: {status: EQ}
    limit: 1
""")
    assert found == [
        "t.yaml:14:5: W201 access_patterns.Active.limit: pattern 'Active' has limit 1 and a "
        "filter: DynamoDB applies the limit to the items it reads, before the filter, so it "
        "can return nothing while matching items exist; follow LastEvaluatedKey until enough "
        "items match, or move the filtered attribute into the key of an index; or "
        "acknowledge it with 'acknowledge: {W201: reason}'",
    ]


def test_w202_filter_on_the_sort_key_of_the_index_queried_warns(tmp_path: Path) -> None:
    found = warnings(tmp_path, PATTERN_BASE + """\
access_patterns:
  Since:
    operation: query
    index: by-user
    key: {user: EQ}
    filter: {created: GE}
""")
    assert found == [
        "t.yaml:13:14: W202 access_patterns.Since.filter.created: pattern 'Since' filters on "
        "'created', the sort key of what it queries: the whole partition is read and the "
        "filter drops items afterwards; put the condition on 'created' in 'key:' instead; or "
        "acknowledge it with 'acknowledge: {W202: reason}'",
    ]


def test_w203_scan_with_a_filter_warns(tmp_path: Path) -> None:
    found = warnings(tmp_path, BASE + """\
access_patterns:
  Find:
    operation: scan
    filter: {email: EQ}
""")
    assert found == [
        "t.yaml:5:16: W203 access_patterns.Find.operation: pattern 'Find' scans to find "
        "items: every request reads the whole table; query an index whose key is the "
        "filtered attribute instead; or acknowledge it with 'acknowledge: {W203: reason}'",
    ]


def test_w204_count_without_pagination_warns(tmp_path: Path) -> None:
    found = warnings(tmp_path, PATTERN_BASE + """\
access_patterns:
  HowMany:
    operation: query
    index: by-user
    key: {user: EQ}
    count: true
""")
    assert found == [
        "t.yaml:13:5: W204 access_patterns.HowMany.count: pattern 'HowMany' counts without "
        "following LastEvaluatedKey: it counts only the items of the first 1 MB page; follow "
        "LastEvaluatedKey and add up the counts ('paginated: true'); or acknowledge it with "
        "'acknowledge: {W204: reason}'",
    ]


def test_e216_acknowledgement_of_a_warning_the_pattern_does_not_have(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
access_patterns:
  Read:
    operation: get
    key: {pk: EQ}
    acknowledge: {W201: not needed}
""")
    assert found == [
        "t.yaml:7:19: E216 access_patterns.Read.acknowledge.W201: pattern 'Read' "
        "acknowledges W201, which it does not have; remove the acknowledgement, so that it "
        "cannot hide a later warning",
    ]


def test_e217_role_without_actions_or_with_an_unknown_pattern(tmp_path: Path) -> None:
    found = one_table(tmp_path, BASE + """\
access_patterns:
  Read:
    operation: get
    key: {pk: EQ}
access:
  nobody:
    description: nothing
  reader:
    patterns: [Read, Write]
""")
    assert found == [
        "t.yaml:9:5: E217 access.nobody: role 'nobody' names no actions and no patterns; add "
        "'patterns: [...]' (access patterns of this table) or 'actions: [...]'",
        "t.yaml:11:22: E217 access.reader.patterns[1]: role 'reader' names the pattern "
        "'Write', which is not declared (patterns: Read); name a pattern from "
        "'access_patterns:'",
    ]


def test_acknowledged_warning_is_not_printed(tmp_path: Path) -> None:
    assert warnings(tmp_path, BASE + """\
access_patterns:
  Find:
    operation: scan
    filter: {email: EQ}
    acknowledge: {W203: the table holds a few dozen items}
""") == []


# The lines that add gsi-device-id back, as sessions.yaml shows them in a comment.
DEVICE_INDEX = (
    "",
    "- name: gsi-device-id",
    "  partition_key: {name: device_id, type: S}",
    "  sort_key: {name: created_at, type: S}",
    "  projection: ALL",
)


def test_the_sentinel_sessions_file_with_gsi_device_id_put_back_is_refused_at_the_index(
    tmp_path: Path,
) -> None:
    text = (SCHEMAS / "sessions.yaml").read_text(encoding="utf-8")
    commented = "\n".join(f"  # {line}" if line else "  #" for line in DEVICE_INDEX)
    assert commented in text, "the file shows the lines that add the index back"
    found = one_table(tmp_path, text.replace(commented, "\n".join(
        f"  {line}" for line in DEVICE_INDEX if line)))
    index = [f for f in found if "E213" in f]
    assert len(index) == 1
    assert ": E213 global_secondary_indexes[4].partition_key: 'device_id' is a key of index " \
        "'gsi-device-id', but the application may write it empty" in index[0]
    assert all("E210" in f and ".device_id: " in f for f in found if f not in index)
    assert len(found) == 3  # and the two examples Sentinel writes without a device


def test_e207_examples_listed_in_another_order_than_the_query_returns(tmp_path: Path) -> None:
    found = one_table(tmp_path, PATTERN_BASE + """\
access_patterns:
  Newest:
    operation: query
    index: by-user
    key: {user: EQ}
    order: descending
examples:
  old:
    item: {pk: {S: a}, sk: {S: "1"}, user: {S: alice}, created: {S: "2026-01"}}
    returned_by: [Newest]
  new:
    item: {pk: {S: b}, sk: {S: "1"}, user: {S: alice}, created: {S: "2026-07"}}
    returned_by: [Newest]
""")
    assert found == [
        "t.yaml:20:19: E207 examples.new.returned_by[0]: pattern 'Newest' returns its examples "
        "by 'created' descending, but this one is listed after one it returns later; list the "
        "examples in the order the pattern returns them",
    ]


def test_e602_warm_throughput_below_dynamodb_starting_values(tmp_path: Path) -> None:
    # Provider target 6, which writes warm throughput in Terraform too (else E601 as well).
    (tmp_path / "dynamodb-schema-generator.yaml").write_text(
        "terraform: {provider: 6}\n", encoding="utf-8")
    found = one_table(tmp_path, BASE + """\
warm_throughput: {read_units_per_second: 11999, write_units_per_second: 4000}
global_secondary_indexes:
  - name: by-owner
    partition_key: {name: owner, type: S}
    warm_throughput: {write_units_per_second: 100}
""")
    assert found == [
        "t.yaml:3:42: E602 warm_throughput.read_units_per_second: read_units_per_second 11999 "
        "is below 12000, the warm throughput every new on-demand table and index starts with; "
        "DynamoDB never lowers it; write at least 12000, or remove read_units_per_second",
        "t.yaml:7:47: E602 global_secondary_indexes[0].warm_throughput.write_units_per_second: "
        "write_units_per_second 100 is below 4000, the warm throughput every new on-demand "
        "table and index starts with; DynamoDB never lowers it; write at least 4000, or remove "
        "write_units_per_second",
    ]


def test_e602_does_not_apply_to_a_provisioned_table(tmp_path: Path) -> None:
    (tmp_path / "dynamodb-schema-generator.yaml").write_text(
        "terraform: {provider: 6}\n", encoding="utf-8")
    assert one_table(tmp_path, BASE + """\
billing_mode: PROVISIONED
capacity: {read: 5, write: 5}
warm_throughput: {read_units_per_second: 100, write_units_per_second: 100}
""") == []


TARGET_6 = "terraform: {provider: 6}\n"
MULTI = BASE + """\
global_secondary_indexes:
  - name: by-match
    partition_key:
      - {name: tournament, type: S}
      - {name: region, type: S}
    sort_key:
      - {name: round, type: N}
      - {name: bracket, type: S}
"""


def multi_table(tmp_path: Path, text: str) -> list[str]:
    """A table with multi-attribute index keys, on provider target 6 (else E601 as well)."""
    (tmp_path / "dynamodb-schema-generator.yaml").write_text(TARGET_6, encoding="utf-8")
    return one_table(tmp_path, text)


def test_multi_attribute_index_keys_within_the_rules_have_no_problems(tmp_path: Path) -> None:
    assert multi_table(tmp_path, MULTI + """\
access_patterns:
  one-round:
    operation: query
    index: by-match
    key: {tournament: EQ, region: EQ, round: EQ, bracket: BEGINS_WITH}
  all-rounds:
    operation: query
    index: by-match
    key: {tournament: EQ, region: EQ}
  from-round:
    operation: query
    index: by-match
    key: {tournament: EQ, region: EQ, round: GE}
""") == []


def test_e603_more_than_four_attributes_in_a_multi_attribute_key(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI + "".join(
        f"      - {{name: s{n}, type: S}}\n" for n in range(3)))
    assert found == [
        "t.yaml:9:7: E603 global_secondary_indexes[0].sort_key: the sort key has 5 attributes; "
        "DynamoDB allows at most 4 in the sort key of a global secondary index; keep 4 "
        "attributes, or combine some into one attribute"
    ]


def test_e604_an_attribute_twice_in_a_multi_attribute_key(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI.replace("{name: region, type: S}",
                                                "{name: tournament, type: S}"))
    assert found == [
        "t.yaml:7:16: E604 global_secondary_indexes[0].partition_key[1].name: 'tournament' is "
        "already in this partition key; list each attribute of a multi-attribute key once"
    ]


def test_e104_an_attribute_in_both_parts_of_a_multi_attribute_key(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI.replace("{name: bracket, type: S}",
                                                "{name: region, type: S}"))
    assert found == [
        "t.yaml:10:16: E104 global_secondary_indexes[0].sort_key[1].name: the sort key "
        "'region' is also the partition key; use a different attribute for the sort key, or "
        "leave the sort key out"
    ]


def test_e101_types_of_multi_attribute_key_attributes(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI.replace("{name: region, type: S}",
                                                "{name: pk, type: N}"))
    assert found == [
        "t.yaml:7:26: E101 global_secondary_indexes[0].partition_key[1].type: attribute 'pk' "
        "is N here but S in partition_key (line 2); use one type per attribute; DynamoDB "
        "defines each key attribute once"
    ]


def test_e605_a_query_skips_a_sort_attribute(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI + """\
access_patterns:
  by-bracket:
    operation: query
    index: by-match
    key: {tournament: EQ, region: EQ, bracket: EQ}
""")
    assert found == [
        "t.yaml:15:39: E605 access_patterns[\"by-bracket\"].key.bracket: pattern 'by-bracket' "
        "binds 'bracket' but not 'round' before it; a query binds the sort key of index "
        "'by-match' (round, bracket) from the left; bind 'round' too, or leave out 'bracket'"
    ]


def test_e605_a_range_before_the_last_bound_sort_attribute(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI + """\
access_patterns:
  late-rounds:
    operation: query
    index: by-match
    key: {tournament: EQ, region: EQ, round: GT, bracket: EQ}
""")
    assert found == [
        "t.yaml:15:46: E605 access_patterns[\"late-rounds\"].key.round: pattern 'late-rounds' "
        "puts GT on 'round', which another bound attribute follows in the sort key of index "
        "'by-match' (round, bracket); only the last one bound takes a range; use EQ on "
        "'round', or leave out the attributes after it"
    ]


def test_e204_a_query_leaves_out_a_partition_attribute(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI + """\
access_patterns:
  by-tournament:
    operation: query
    index: by-match
    key: {tournament: EQ}
""")
    assert found == [
        "t.yaml:12:3: E204 access_patterns[\"by-tournament\"]: pattern 'by-tournament' is a "
        "query but does not bind the partition key 'region'; add 'region: EQ' to 'key:'; "
        "DynamoDB refuses a query that leaves out an attribute of a multi-attribute partition "
        "key"
    ]


def test_e203_a_range_on_a_partition_attribute(tmp_path: Path) -> None:
    found = multi_table(tmp_path, MULTI + """\
access_patterns:
  by-region:
    operation: query
    index: by-match
    key: {tournament: EQ, region: BEGINS_WITH}
""")
    assert [f.split(": E203 ")[1].split(":")[0] for f in found] == [
        'access_patterns["by-region"].key.region']


STRONG = BASE + """\
stream: NEW_AND_OLD_IMAGES
consistency: strong
replicas:
  - region: us-east-2
"""


def test_strong_consistency_with_two_replicas_or_a_witness_has_no_problems(
    tmp_path: Path,
) -> None:
    assert multi_table(tmp_path, STRONG + "  - region: us-west-2\n") == []
    (tmp_path / "witness").mkdir()
    assert multi_table(tmp_path / "witness", STRONG + "witness_region: us-west-2\n") == []


def test_e606_strong_consistency_with_one_replica_and_no_witness(tmp_path: Path) -> None:
    assert multi_table(tmp_path, STRONG) == [
        "t.yaml:4:14: E606 consistency: strong consistency needs exactly three regions, but "
        "the table has its own, 1 replica(s); give two replicas, or one replica and "
        "'witness_region:', all in one region set"
    ]


def test_e606_a_witness_without_strong_consistency(tmp_path: Path) -> None:
    found = multi_table(tmp_path, STRONG.replace("consistency: strong\n", "") +
                        "witness_region: us-west-2\n")
    assert found == [
        "t.yaml:6:17: E606 witness_region: a witness region goes with 'consistency: strong' "
        "only; add 'consistency: strong', or remove witness_region"
    ]


def test_e607_regions_of_two_region_sets(tmp_path: Path) -> None:
    found = multi_table(tmp_path, STRONG + "witness_region: eu-west-1\n")
    assert found == [
        "t.yaml:7:17: E607 witness_region: eu-west-1 is not in the US region set; the regions "
        "of a strongly consistent global table are in one region set; choose regions of one "
        "set (US: us-east-1, us-east-2, us-west-2; EU: eu-west-1, eu-west-2, eu-west-3, "
        "eu-central-1; AP: ap-northeast-1, ap-northeast-2, ap-northeast-3), and deploy the "
        "table in that set too"
    ]


def test_e607_the_witness_in_a_replica_region(tmp_path: Path) -> None:
    found = multi_table(tmp_path, STRONG + "witness_region: us-east-2\n")
    assert [f.split(": E607 ")[1] for f in found] == [
        "witness_region: the witness region us-east-2 is also a replica's; choose a witness "
        "region without a replica"]


def test_e608_a_replica_s_mode_needs_its_own_or_the_table_s_contributor_insights(
    tmp_path: Path,
) -> None:
    found = one_table(tmp_path, BASE + """\
stream: NEW_AND_OLD_IMAGES
replicas:
  - region: eu-west-1
    contributor_insights_mode: THROTTLED_KEYS
  - region: eu-west-3
    contributor_insights: true
    contributor_insights_mode: THROTTLED_KEYS
""")
    assert found == [
        "t.yaml:6:32: E608 replicas[0].contributor_insights_mode: contributor_insights_mode "
        "THROTTLED_KEYS is set, but Contributor Insights is off here; add "
        "'contributor_insights: true' beside it, or remove the mode"
    ]


def test_e608_a_contributor_insights_mode_without_contributor_insights(tmp_path: Path) -> None:
    found = multi_table(tmp_path, BASE + "contributor_insights_mode: THROTTLED_KEYS\n")
    assert found == [
        "t.yaml:3:28: E608 contributor_insights_mode: contributor_insights_mode THROTTLED_KEYS "
        "is set, but Contributor Insights is off here; add 'contributor_insights: true' beside "
        "it, or remove the mode"
    ]
