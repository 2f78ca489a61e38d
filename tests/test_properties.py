"""Property tests: random valid tables render to output that parses back to the same tables,
and random damage to valid table files gives valid output or located errors, never a crash.

Examples per test are fixed below (database off, so the tree stays clean). Each test
asserts how many examples really ran, prints the count (shown with ``-rP``) and records it
as a JUnit property ``hypothesis_examples``.
"""

from __future__ import annotations

import base64
import io
import json
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.session
import hcl2
import pytest
import yaml
from boto3.dynamodb.types import TypeDeserializer
from botocore.validate import ParamValidator
from cfnlint.api import lint
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from generator.attribute_values import item_from_boto3
from generator.cli import main
from generator.diagnostics import InputError
from generator.model import Table
from generator.pipeline import generate, load_project
from generator.render import CLOUDFORMATION_TEMPLATE, TERRAFORM_DIR
from tests.conftest import REPO, SCHEMAS
from tests.helpers import hcl_string
from tests.support.shapes import cfn_default_name

RUN = Counter[str]()
PROFILE = settings(database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _run_counted(
    prop: Callable[[], None], name: str, minimum: int, record: Callable[[str, object], None]
) -> None:
    """Run a Hypothesis property and prove it ran at least ``minimum`` examples."""
    RUN[name] = 0
    prop()
    counts = {k: v for k, v in RUN.items() if k.startswith(name)}
    print(f"hypothesis examples: {counts}")
    record("hypothesis_examples", counts)
    assert RUN[name] >= minimum, counts


# --- random valid tables ----------------------------------------------------------------


def _nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


# Any character the loader accepts (no control or text-direction characters but tab and
# line breaks), quotes, backslashes, '$' and '%' included. '{' is left out because
# python-hcl2 cannot read an escaped "$${" without a closing brace (valid HCL;
# tests/test_hostile_injection.py checks those strings with Terraform instead).
BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TEXT_CHARACTERS = st.characters(
    codec="utf-8", exclude_categories=["Cs", "Cc"], include_characters="\t\n\r",
    exclude_characters=BIDI,
)
ATTRIBUTE_NAMES = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"], include_characters="\t\n\r",
                  exclude_characters=BIDI + "{"),
    min_size=1,
    max_size=12,
).filter(_nfc)
# cfn-lint 1.x compares any string with "true"/"false" as a boolean, so an attribute named
# "False" beside any other one is reported as a duplicate (E3037): its false positive,
# not a template problem. Only the cfn-lint property draws names without them.
LINTABLE_ATTRIBUTE_NAMES = ATTRIBUTE_NAMES.filter(lambda a: a.lower() not in ("true", "false"))
RESOURCE_NAMES = st.from_regex(r"[a-zA-Z0-9_.-]{3,24}", fullmatch=True)
TAG_TEXT = st.text(
    st.characters(categories=["L", "N", "Zs"]) | st.sampled_from("_.:/=+-@"),
    min_size=1,
    max_size=10,
).filter(lambda t: _nfc(t) and not t.lower().startswith("aws:"))
CAPACITY = st.fixed_dictionaries({"read": st.integers(1, 40), "write": st.integers(1, 40)})


@st.composite
def tables(draw: st.DrawFn, name: str, lintable: bool = False) -> dict[str, Any]:
    """The data of one valid table file, drawn over every setting that reaches the output."""
    attribute_names = LINTABLE_ATTRIBUTE_NAMES if lintable else ATTRIBUTE_NAMES
    names = draw(st.lists(attribute_names, min_size=3, max_size=8, unique=True))
    types = {n: draw(st.sampled_from("SNB")) for n in names}

    def key(attribute: str) -> dict[str, str]:
        return {"name": attribute, "type": types[attribute]}

    provisioned = draw(st.booleans())
    table: dict[str, Any] = {"name": name, "partition_key": key(names[0])}
    sort_key = draw(st.sampled_from([None, *names[1:]]))
    if sort_key:
        table["sort_key"] = key(sort_key)
    if provisioned:
        table["billing_mode"] = "PROVISIONED"
        table["capacity"] = draw(CAPACITY)
    index_names = draw(st.lists(RESOURCE_NAMES, max_size=5, unique_by=str.lower))
    others = draw(st.lists(attribute_names.filter(lambda a: a not in types), max_size=4,
                           unique=True))

    def projection(index: dict[str, Any]) -> dict[str, Any]:
        kind = draw(st.sampled_from(["ALL", "KEYS_ONLY", "INCLUDE"]))
        if kind != "ALL" or draw(st.booleans()):
            index["projection"] = kind
        if kind == "INCLUDE":
            index["non_key_attributes"] = draw(
                st.lists(st.sampled_from(names + others), min_size=1, max_size=3, unique=True)
            )
        return index

    gsis: list[dict[str, Any]] = []
    lsis: list[dict[str, Any]] = []
    for index_name in index_names:
        if sort_key and draw(st.booleans()) and len(lsis) < 5:
            lsi_key = draw(st.sampled_from([n for n in names if n != names[0]]))
            lsis.append(projection({"name": index_name, "sort_key": key(lsi_key)}))
            continue
        hash_key = draw(st.sampled_from(names))
        gsi: dict[str, Any] = {"name": index_name, "partition_key": key(hash_key)}
        range_key = draw(st.sampled_from([None, *[n for n in names if n != hash_key]]))
        if range_key:
            gsi["sort_key"] = key(range_key)
        if provisioned:
            gsi["capacity"] = draw(CAPACITY)
        gsis.append(projection(gsi))
    if gsis:
        table["global_secondary_indexes"] = gsis
    if lsis:
        table["local_secondary_indexes"] = lsis
    key_names = {names[0], sort_key} | {k["name"] for ix in gsis + lsis for k in
                                        (ix.get("partition_key"), ix.get("sort_key")) if k}
    ttl = draw(st.sampled_from([None, *[n for n in names + others
                                         if n not in key_names or types.get(n) == "N"]]))
    if ttl:
        table["ttl_attribute"] = ttl
    optional = {
        "stream": st.sampled_from(["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]),
        "table_class": st.sampled_from(["STANDARD", "STANDARD_INFREQUENT_ACCESS"]),
        "point_in_time_recovery": st.booleans(),
        "deletion_protection": st.booleans(),
        "description": st.text(TEXT_CHARACTERS, max_size=40).filter(_nfc),
        # E151: tag keys are unique ignoring case.
        "tags": st.dictionaries(TAG_TEXT, TAG_TEXT | st.just(""), max_size=4).filter(
            lambda tags: len({key.casefold() for key in tags}) == len(tags)),
        "encryption": st.sampled_from([
            {"type": "aws_owned"},
            {"type": "aws_managed"},
            {"type": "customer_managed",
             "kms_key_arn": "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab"},
        ]),
    }
    for field, strategy in optional.items():
        if draw(st.booleans()):
            table[field] = draw(strategy)
    return table


@st.composite
def projects(
    draw: st.DrawFn, max_tables: int, lintable: bool = False
) -> dict[str, dict[str, Any]]:
    count = draw(st.integers(1, max_tables))
    names = draw(st.lists(RESOURCE_NAMES, min_size=count, max_size=count, unique=True))
    return {f"t{i}": draw(tables(name, lintable)) for i, name in enumerate(names)}


def _write(folder: Path, project: dict[str, dict[str, Any]]) -> Path:
    for key, data in project.items():
        (folder / f"{key}.yaml").write_text(yaml.safe_dump(data, allow_unicode=False), "utf-8")
    return folder


# --- the deployed shape, read from each representation -----------------------------------


def _from_model(table: Table) -> dict[str, Any]:
    def projection(p: Any) -> tuple[str, tuple[str, ...]]:
        return p.type, tuple(p.non_key_attributes)

    return {
        "name": table.name,
        "keys": (table.partition_key.name, table.sort_key.name if table.sort_key else None),
        "attributes": sorted((a.name, a.type) for a in table.attribute_definitions),
        "billing": table.billing_mode,
        "capacity": (table.capacity.read, table.capacity.write) if table.capacity else None,
        "gsis": [
            (g.name, g.partition_key.name, g.sort_key.name if g.sort_key else None,
             projection(g.projection), (g.capacity.read, g.capacity.write) if g.capacity else None)
            for g in table.global_secondary_indexes
        ],
        "lsis": [(ix.name, ix.sort_key.name, projection(ix.projection))
                 for ix in table.local_secondary_indexes],
        "ttl": table.ttl_attribute,
        "stream": table.stream_view_type,
        "table_class": table.table_class,
        "pitr": table.point_in_time_recovery,
        "deletion_protection": table.deletion_protection,
    }


def _from_cloudformation(props: dict[str, Any]) -> dict[str, Any]:
    def keys(schema: list[dict[str, str]]) -> tuple[str | None, str | None]:
        found = {k["KeyType"]: k["AttributeName"] for k in schema}
        return found["HASH"], found.get("RANGE")

    def projection(p: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        return p["ProjectionType"], tuple(p.get("NonKeyAttributes", ()))

    def capacity(p: dict[str, Any] | None) -> tuple[int, int] | None:
        return (p["ReadCapacityUnits"], p["WriteCapacityUnits"]) if p else None

    name = cfn_default_name(props["TableName"])
    return {
        "name": name,
        "keys": keys(props["KeySchema"]),
        "attributes": sorted((a["AttributeName"], a["AttributeType"])
                             for a in props["AttributeDefinitions"]),
        "billing": props["BillingMode"],
        "capacity": capacity(props.get("ProvisionedThroughput")),
        "gsis": [(g["IndexName"], *keys(g["KeySchema"]), projection(g["Projection"]),
                  capacity(g.get("ProvisionedThroughput")))
                 for g in props.get("GlobalSecondaryIndexes", [])],
        "lsis": [(ix["IndexName"], keys(ix["KeySchema"])[1], projection(ix["Projection"]))
                 for ix in props.get("LocalSecondaryIndexes", [])],
        "ttl": props.get("TimeToLiveSpecification", {}).get("AttributeName"),
        "stream": props.get("StreamSpecification", {}).get("StreamViewType"),
        "table_class": props["TableClass"],
        "pitr": props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        "deletion_protection": props["DeletionProtectionEnabled"],
    }


def _from_terraform(resource: dict[str, Any], name: str) -> dict[str, Any]:
    def text(value: Any) -> Any:
        return hcl_string(value) if isinstance(value, str) else value

    def projection(block: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        return text(block["projection_type"]), tuple(
            text(a) for a in block.get("non_key_attributes", ())
        )

    def capacity(block: dict[str, Any]) -> tuple[int, int] | None:
        if "read_capacity" not in block:
            return None
        return block["read_capacity"], block["write_capacity"]

    return {
        "name": name,
        "keys": (text(resource["hash_key"]), text(resource.get("range_key"))),
        "attributes": sorted((text(a["name"]), text(a["type"])) for a in resource["attribute"]),
        "billing": text(resource["billing_mode"]),
        "capacity": capacity(resource),
        "gsis": [(text(g["name"]), text(g["hash_key"]), text(g.get("range_key")),
                  projection(g), capacity(g))
                 for g in resource.get("global_secondary_index", [])],
        "lsis": [(text(ix["name"]), text(ix["range_key"]), projection(ix))
                 for ix in resource.get("local_secondary_index", [])],
        "ttl": text(resource["ttl"][0]["attribute_name"]) if "ttl" in resource else None,
        "stream": text(resource.get("stream_view_type")),
        "table_class": text(resource["table_class"]),
        "pitr": resource["point_in_time_recovery"][0]["enabled"],
        "deletion_protection": resource["deletion_protection_enabled"],
    }


def _resources(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["Metadata"]["Source"].rsplit("/", 1)[-1][: -len(".yaml")]: r["Properties"]
            for r in template["Resources"].values() if r["Type"] == "AWS::DynamoDB::Table"}


@pytest.mark.slow
def test_random_valid_tables_render_to_output_that_reads_back_to_the_same_tables(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_reads_back, "render and read back", 200, record_property)


@settings(PROFILE, max_examples=200)
@given(projects(max_tables=2))
def _reads_back(project: dict[str, dict[str, Any]]) -> None:
    RUN["render and read back"] += 1
    with tempfile.TemporaryDirectory() as folder:
        model = load_project(_write(Path(folder), project))
        files = generate(Path(folder))
    expected = {t.key: _from_model(t) for t in model.tables}
    template = json.loads(files[CLOUDFORMATION_TEMPLATE])
    assert {k: _from_cloudformation(p) for k, p in _resources(template).items()} == expected
    # Every .tf file parses (each once: python-hcl2 is most of this test's time).
    parsed = {rel: hcl2.loads(text) for rel, text in files.items() if rel.endswith(".tf")}
    defaults = parsed[f"{TERRAFORM_DIR}/main.tf"]["locals"][0]["default_table_names"]
    for key in project:
        resource = parsed[f"{TERRAFORM_DIR}/table_{key}.tf"]["resource"][0][
            '"aws_dynamodb_table"'][f'"{key}"']
        assert _from_terraform(resource, hcl_string(defaults[key])) == expected[key]
    for table in model.tables:
        assert table.name == project[table.key]["name"]


# Linting takes most of a second per template, so no shrinking: a failure reports as drawn.
@settings(PROFILE, max_examples=20, phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(projects(max_tables=3, lintable=True))
def _lints_clean(project: dict[str, dict[str, Any]]) -> None:
    RUN["cfn-lint"] += 1
    with tempfile.TemporaryDirectory() as folder:
        template = generate(_write(Path(folder), project))[CLOUDFORMATION_TEMPLATE]
    assert [str(f) for f in lint(template, regions=["us-east-1"])] == []


# --- random damage to valid files -----------------------------------------------------------

VALID_FILES = sorted([*SCHEMAS.glob("*.yaml"),
                      *(REPO / "tests" / "golden" / "features" / "input").glob("*.yaml")])
JUNK = ["", "[]", "{}", "~", "-1", "0", "1e999", "yes", "'", '"', "[", "{", "&a", "*a", "!!str",
        "!!python/object/apply:os.system ['true']", "<<: *a", "${x}", "\t", "\ufeff", "\x07",
        "- x", "? x", "|", ">", "%YAML 1.1", "---", "...", "#", "a: b", "x" * 300, "é",
        # in access patterns and examples
        "{N: 1}", "{Q: x}", "{B: '!'}", "{NS: []}", "{S: ''}", "{M: {a: 1}}", "EQ", "BETWEEN",
        "[{S: a}]", "{W201: x}"]
LOCATED = re.compile(r"^t\.yaml:\d+:\d+: [YSE]\d{3} \S.*: \S.*$")


@st.composite
def damaged(draw: st.DrawFn) -> str:
    """A valid table file with one to three random cuts, swaps, insertions or deletions."""
    text = draw(st.sampled_from(VALID_FILES)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 3))):
        lines = text.splitlines(keepends=True)
        line = draw(st.integers(0, max(len(lines) - 1, 0)))
        kind = draw(st.sampled_from(["delete line", "truncate", "swap value", "insert",
                                     "duplicate line", "swap lines", "indent"]))
        if kind == "delete line" and lines:
            del lines[line]
        elif kind == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
            continue
        elif kind == "swap value" and lines and ":" in lines[line]:
            head = lines[line].split(":", 1)[0]
            lines[line] = f"{head}: {draw(st.sampled_from(JUNK))}\n"
        elif kind == "insert":
            at = draw(st.integers(0, len(text)))
            junk = draw(st.sampled_from(JUNK) | st.text(max_size=5))
            text = text[:at] + junk + text[at:]
            continue
        elif kind == "duplicate line" and lines:
            lines.insert(line, lines[line])
        elif kind == "swap lines" and len(lines) > 1:
            other = draw(st.integers(0, len(lines) - 1))
            lines[line], lines[other] = lines[other], lines[line]
        elif kind == "indent" and lines:
            lines[line] = draw(st.sampled_from(["  ", "\t", " "])) + lines[line]
        text = "".join(lines)
    return text


@pytest.mark.slow
def test_random_valid_tables_pass_cfn_lint(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_lints_clean, "cfn-lint", 20, record_property)


@pytest.mark.slow
def test_damaged_table_files_give_output_or_located_errors_never_a_crash(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_damaged_gives_output_or_errors, "damaged files", 800, record_property)


@settings(PROFILE, max_examples=800)
@given(damaged())
def _damaged_gives_output_or_errors(text: str) -> None:
    RUN["damaged files"] += 1
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "t.yaml").write_bytes(text.encode("utf-8", "surrogatepass"))
        out, err = io.StringIO(), io.StringIO()
        code = main(["validate", "--schemas", folder], stdout=out, stderr=err)
        if code == 0:
            RUN["damaged files still valid"] += 1
            files = generate(Path(folder))
            json.loads(files[CLOUDFORMATION_TEMPLATE])
            return
        with pytest.raises(InputError):
            load_project(Path(folder))
    assert code == 2, err.getvalue()
    *errors, summary = err.getvalue().replace(folder + "/", "").splitlines()
    assert summary.endswith(" in 1 file")
    assert errors and all(LOCATED.match(e) for e in errors), errors


# --- random example items ----------------------------------------------------------------

SCALAR_VALUES = st.one_of(
    st.text(TEXT_CHARACTERS, max_size=8).filter(_nfc).map(lambda t: {"S": t}),
    st.integers(-(10**30), 10**30).map(lambda n: {"N": str(n)}),
    st.decimals(-(10**6), 10**6, places=4, allow_nan=False).map(lambda d: {"N": str(d)}),
    st.binary(max_size=12).map(lambda b: {"B": base64.b64encode(b).decode()}),
    st.booleans().map(lambda b: {"BOOL": b}),
    st.just({"NULL": True}),
    st.lists(st.text(TEXT_CHARACTERS, max_size=5).filter(_nfc), min_size=1, max_size=4,
             unique=True).map(lambda x: {"SS": x}),
    st.lists(st.integers(-999, 999), min_size=1, max_size=4, unique=True).map(
        lambda x: {"NS": [str(n) for n in x]}),
    st.lists(st.binary(max_size=4), min_size=1, max_size=3, unique=True).map(
        lambda x: {"BS": [base64.b64encode(b).decode() for b in x]}),
)
TYPED_VALUES = st.recursive(
    SCALAR_VALUES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda x: {"L": x}),
        st.dictionaries(ATTRIBUTE_NAMES, inner, max_size=3).map(lambda x: {"M": x}),
    ),
    max_leaves=8,
)


def test_random_example_items_load_and_convert_to_what_boto3_accepts(
    record_property: Callable[[str, object], None],
) -> None:
    _run_counted(_items_convert, "example items", 150, record_property)


@settings(PROFILE, max_examples=150)
@given(st.dictionaries(ATTRIBUTE_NAMES.filter(lambda n: n != "pk"), TYPED_VALUES, max_size=5))
def _items_convert(attributes: dict[str, Any]) -> None:
    RUN["example items"] += 1
    table = {"name": "things", "partition_key": {"name": "pk", "type": "S"},
             "examples": {"drawn": {"item": {"pk": {"S": "k"}, **attributes}}}}
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "t.yaml").write_text(yaml.safe_dump(table), encoding="utf-8")
        (example,) = load_project(Path(folder)).tables[0].usage.examples
    item = example.to_boto3()
    # botocore's own validation of a PutItem request, and boto3's own reading of the item.
    report = _PUT_ITEM.validate({"TableName": "things", "Item": item}, _PUT_ITEM_SHAPE)
    assert not report.has_errors(), report.generate_report()
    assert set(TypeDeserializer().deserialize({"M": item})) == {"pk", *attributes}
    assert item_from_boto3(item) == dict(example.item)


_DYNAMODB = botocore.session.get_session().get_service_model("dynamodb")
_PUT_ITEM_SHAPE = _DYNAMODB.operation_model("PutItem").input_shape
_PUT_ITEM = ParamValidator()
