"""The rules of the provider target and of the 2025-2026 DynamoDB features (codes E6xx).

E601 needs the project's provider target, so the pipeline calls ``check_table_target``
beside the table rules, as it does for the alarm rules; the others are table rules,
registered in ``checks`` when this module is imported.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator import keys, replica_settings
from generator.checks import table_rule
from generator.diagnostics import Diagnostic, DocPath, Problem, RuleCode
from generator.features import FEATURES, ProviderTarget
from generator.loader import Document
from generator.settings import SETTINGS_FILE

# The warm throughput every new on-demand table and index starts with; DynamoDB never lowers
# warm throughput, so an on-demand table cannot ask for less. A provisioned table may (the
# API's minimum is 1, which the JSON Schema states).
WARM_MINIMUMS = {"read_units_per_second": 12_000, "write_units_per_second": 4_000}
_WARM_READ, _WARM_WRITE = WARM_MINIMUMS.values()


# E601 needs the provider target, so ``check_table_target`` runs it rather than the registry.
UNWRITABLE_SETTING = RuleCode(
    "E601", "a setting the Terraform provider target cannot write names the hashicorp/aws "
    "version that can, and the settings that choose it",
)
RULES = (UNWRITABLE_SETTING,)


def _warm_places(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each GSI that sets warm throughput, with its path."""
    if "warm_throughput" in data:
        yield ("warm_throughput",), data["warm_throughput"]
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        if "warm_throughput" in index:
            yield ("global_secondary_indexes", position, "warm_throughput"), index[
                "warm_throughput"]


def _multi_attribute_keys(data: dict[str, Any]) -> Iterator[tuple[DocPath, str, list[Any]]]:
    """Each GSI key written as a list: its path, role and attributes."""
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        for role in keys.ROLES:
            if isinstance(index.get(role), list):
                yield ("global_secondary_indexes", position, role), role, index[role]


def _feature_uses(data: dict[str, Any]) -> Iterator[tuple[str, DocPath]]:
    """Each place a table file uses a feature of ``features.FEATURES`` that it chose."""
    for path, _ in _warm_places(data):
        yield "warm_throughput", path
    for path, _, attributes in _multi_attribute_keys(data):
        if len(attributes) > 1:
            yield "multi_attribute_gsi_keys", path
    yield from _consistency_uses(data)
    for path, _ in _insights_modes(data):
        yield "contributor_insights_mode", path


def _insights_modes(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The table and each GSI that sets contributor_insights_mode: the mode's path, and the
    place that sets it."""
    if "contributor_insights_mode" in data:
        yield ("contributor_insights_mode",), data
    for position, index in enumerate(data.get("global_secondary_indexes", [])):
        if "contributor_insights_mode" in index:
            yield ("global_secondary_indexes", position, "contributor_insights_mode"), index


def _replica_insights_modes(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Each replica that states its own contributor_insights_mode: the mode's path, and the
    replica with its Contributor Insights resolved (its own, else the table's)."""
    for position, replica in enumerate(data.get("replicas", [])):
        if "contributor_insights_mode" in replica:
            yield (("replicas", position, "contributor_insights_mode"),
                   replica_settings.with_table_settings(data, replica))


def _consistency_uses(data: dict[str, Any]) -> Iterator[tuple[str, DocPath]]:
    if data.get("consistency") == "strong":
        yield "replica_consistency_mode", ("consistency",)
    if "witness_region" in data:
        yield "global_table_witness", ("witness_region",)


def check_table_target(doc: Document, target: ProviderTarget) -> list[Diagnostic]:
    """E601: every feature the table file uses that ``target`` has no syntax for."""
    found = []
    for key, path in _feature_uses(doc.data):
        if target.supports(key):
            continue
        feature = FEATURES[key]
        found.append(UNWRITABLE_SETTING.stamp(doc, Problem(
            path,
            f"Terraform provider target {target.major} cannot write {feature.title}; it "
            f"needs hashicorp/aws >= {feature.version}",
            f"set 'terraform: {{provider: {feature.version.major}}}' in {SETTINGS_FILE}, or "
            f"remove the setting",
        )))
    return found


@table_rule(
    "E602",
    "warm throughput of an on-demand table and its indexes is at least what every new one "
    f"starts with ({_WARM_READ} read, {_WARM_WRITE} write units per second), since DynamoDB "
    "never lowers it; a provisioned table may ask for less (hashicorp/aws 6.13 itself still "
    f"requires {_WARM_READ} and {_WARM_WRITE} on the table)",
)
def _warm_minimums(doc: Document) -> Iterator[Problem]:
    if doc.data["billing_mode"] != "PAY_PER_REQUEST":
        return
    for path, warm in _warm_places(doc.data):
        for name, minimum in WARM_MINIMUMS.items():
            if name in warm and warm[name] < minimum:
                yield Problem(
                    (*path, name),
                    f"{name} {warm[name]} is below {minimum}, the warm throughput every new "
                    f"on-demand table and index starts with; DynamoDB never lowers it",
                    f"write at least {minimum}, or remove {name}",
                )


@table_rule(
    "E603",
    f"a multi-attribute key of a global secondary index has at most {keys.MAX_ATTRIBUTES} "
    f"attributes in its partition key and {keys.MAX_ATTRIBUTES} in its sort key",
)
def _multi_attribute_limit(doc: Document) -> Iterator[Problem]:
    for path, role, attributes in _multi_attribute_keys(doc.data):
        if len(attributes) > keys.MAX_ATTRIBUTES:
            part = role.replace("_", " ")
            yield Problem(
                path,
                f"the {part} has {len(attributes)} attributes; DynamoDB allows at most "
                f"{keys.MAX_ATTRIBUTES} in the {part} of a global secondary index",
                f"keep {keys.MAX_ATTRIBUTES} attributes, or combine some into one attribute",
            )


@table_rule(
    "E604",
    "an attribute is listed once in a multi-attribute key (E104: not in both its partition "
    "and its sort key)",
)
def _multi_attribute_repeats(doc: Document) -> Iterator[Problem]:
    for path, role, attributes in _multi_attribute_keys(doc.data):
        seen: set[str] = set()
        for position, attribute in enumerate(attributes):
            if attribute["name"] in seen:
                yield Problem(
                    (*path, position, "name"),
                    f"{attribute['name']!r} is already in this {role.replace('_', ' ')}",
                    "list each attribute of a multi-attribute key once",
                )
            seen.add(attribute["name"])


@table_rule(
    "E605",
    "a query on a multi-attribute sort key binds its attributes from the left, with EQ on all "
    "but the last one bound (E203, E204: EQ on every partition attribute)",
)
def _sort_key_prefix(doc: Document) -> Iterator[Problem]:
    indexes = {index["name"]: keys.names(index.get("sort_key"))
               for index in doc.data.get("global_secondary_indexes", [])}
    for name, spec in doc.data.get("access_patterns", {}).items():
        sorts = indexes.get(spec.get("index", ""), [])
        if spec["operation"] != "query" or len(sorts) < 2:
            continue
        path, bound = ("access_patterns", name, "key"), spec.get("key", {})
        listed = ", ".join(sorts)
        for position, attribute in enumerate(sorts):
            if attribute not in bound:
                later = [a for a in sorts[position + 1:] if a in bound]
                if later:
                    yield Problem(
                        (*path, later[0]),
                        f"pattern {name!r} binds {later[0]!r} but not {attribute!r} before it; "
                        f"a query binds the sort key of index {spec['index']!r} ({listed}) "
                        "from the left",
                        f"bind '{attribute}' too, or leave out '{later[0]}'", key=True,
                    )
                break
            if bound[attribute] != "EQ" and any(a in bound for a in sorts[position + 1:]):
                yield Problem(
                    (*path, attribute),
                    f"pattern {name!r} puts {bound[attribute]} on {attribute!r}, which another "
                    f"bound attribute follows in the sort key of index {spec['index']!r} "
                    f"({listed}); only the last one bound takes a range",
                    f"use EQ on '{attribute}', or leave out the attributes after it",
                )
                break


# DynamoDB's region sets: the three regions of a strongly consistent global table (its
# replicas and witness) are all in one of them.
REGION_SETS = {
    "US": ("us-east-1", "us-east-2", "us-west-2"),
    "EU": ("eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1"),
    "AP": ("ap-northeast-1", "ap-northeast-2", "ap-northeast-3"),
}
_REGION_SETS_TEXT = "; ".join(
    f"{name}: {', '.join(members)}" for name, members in REGION_SETS.items()
)
# Besides the deployment's own region, a strongly consistent global table has two more.
_OTHER_REGIONS = 2


@table_rule(
    "E606",
    "`consistency: strong` has exactly three regions: the deployment's, and two replicas or "
    "one replica and a `witness_region`; a witness only with strong consistency",
)
def _strong_regions(doc: Document) -> Iterator[Problem]:
    data = doc.data
    strong = data.get("consistency") == "strong"
    if "witness_region" in data and not strong:
        yield Problem(
            ("witness_region",),
            "a witness region goes with 'consistency: strong' only",
            "add 'consistency: strong', or remove witness_region",
        )
        return
    if not strong:
        return
    replicas = len(data.get("replicas", []))
    others = replicas + ("witness_region" in data)
    if replicas == 0 or others != _OTHER_REGIONS:
        witness = " and a witness" if "witness_region" in data else ""
        yield Problem(
            ("consistency",),
            f"strong consistency needs exactly three regions, but the table has its own, "
            f"{replicas} replica(s){witness}",
            "give two replicas, or one replica and 'witness_region:', all in one region set",
        )


@table_rule(
    "E607",
    "the replicas and the witness of a strongly consistent table are in one region set "
    f"({_REGION_SETS_TEXT}), the witness in none of the replicas' regions; the deployment's "
    "own region must be in that set too, which a table file cannot see",
)
def _one_region_set(doc: Document) -> Iterator[Problem]:
    data = doc.data
    if data.get("consistency") != "strong":
        return
    places: list[tuple[DocPath, str]] = [
        (("replicas", i, "region"), r["region"]) for i, r in enumerate(data.get("replicas", []))]
    if "witness_region" in data:
        places.append((("witness_region",), data["witness_region"]))
    first_set = next((name for name, members in REGION_SETS.items()
                      if places and places[0][1] in members), None)
    for path, region in places:
        if first_set is None or region not in REGION_SETS[first_set]:
            where = f"the {first_set} region set" if first_set else "no region set"
            yield Problem(
                path,
                f"{region} is not in {where}; the regions of a strongly consistent global "
                "table are in one region set",
                f"choose regions of one set ({_REGION_SETS_TEXT}), and deploy the table in that "
                "set too",
            )
    replica_regions = {r for p, r in places if p[0] == "replicas"}
    if data.get("witness_region") in replica_regions:
        yield Problem(
            ("witness_region",),
            f"the witness region {data['witness_region']} is also a replica's",
            "choose a witness region without a replica",
        )


@table_rule(
    "E608",
    "`contributor_insights_mode` goes with `contributor_insights: true` on the same table, "
    "index or replica (a replica's own, else the table's)",
)
def _insights_mode_needs_insights(doc: Document) -> Iterator[Problem]:
    places = [*_insights_modes(doc.data), *_replica_insights_modes(doc.data)]
    for path, place in places:
        if place.get("contributor_insights") is not True:
            yield Problem(
                path,
                f"contributor_insights_mode {place['contributor_insights_mode']} is set, but "
                "Contributor Insights is off here",
                "add 'contributor_insights: true' beside it, or remove the mode",
            )
