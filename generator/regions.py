"""The AWS regions, by partition: the one list that replica regions are checked against.

Taken from the partition file the AWS SDKs share (botocore's ``data/partitions.json``),
without its ``*-global`` pseudo-regions. When AWS opens a region, add it here; until then a
table file accepts it on a replica with ``unlisted_region: true`` (see the README).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Partition:
    name: str
    # How the SDKs recognise a region of this partition that their list does not have yet.
    pattern: re.Pattern[str]
    regions: tuple[str, ...]


# Most specific first: the pattern of "aws" also matches the GovCloud and ISO names.
PARTITIONS = (
    Partition("aws-us-gov", re.compile(r"^us-gov-\w+-\d+$"), ("us-gov-east-1", "us-gov-west-1")),
    Partition("aws-iso", re.compile(r"^us-iso-\w+-\d+$"), ("us-iso-east-1", "us-iso-west-1")),
    Partition("aws-iso-b", re.compile(r"^us-isob-\w+-\d+$"), ("us-isob-east-1", "us-isob-west-1")),
    Partition("aws-iso-e", re.compile(r"^eu-isoe-\w+-\d+$"), ("eu-isoe-west-1",)),
    Partition("aws-iso-f", re.compile(r"^us-isof-\w+-\d+$"), ("us-isof-east-1", "us-isof-south-1")),
    Partition("aws-eusc", re.compile(r"^eusc-(de)-\w+-\d+$"), ("eusc-de-east-1",)),
    Partition("aws-cn", re.compile(r"^cn-\w+-\d+$"), ("cn-north-1", "cn-northwest-1")),
    Partition(
        "aws",
        re.compile(r"^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$"),
        (
            "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2",
            "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2",
            "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-6",
            "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2",
            "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3",
            "il-central-1", "me-central-1", "me-south-1", "me-west-1", "mx-central-1",
            "sa-east-1", "sa-west-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
        ),
    ),
)
_BY_REGION = {region: p.name for p in PARTITIONS for region in p.regions}
ALL_REGIONS = tuple(sorted(_BY_REGION))


def is_listed(region: str) -> bool:
    return region in _BY_REGION


def partition_of(region: str) -> str | None:
    """The partition of a listed region, else the one whose naming it follows, else None."""
    listed = _BY_REGION.get(region)
    if listed is not None:
        return listed
    return next((p.name for p in PARTITIONS if p.pattern.match(region)), None)


_ARN_PARTITION = re.compile(r"^arn:([^:]+):")


def partition_of_arn(arn: str) -> str | None:
    found = _ARN_PARTITION.match(arn)
    return found.group(1) if found else None
