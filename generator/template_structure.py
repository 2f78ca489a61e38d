"""What cfn-lint sees only across a whole template, checked when it lints only some parts.

When ``lint_shapes`` leaves a part out of what cfn-lint lints, the rules that relate parts
to one another would no longer see it: DependsOn targets and dependency cycles (cfn-lint
E3005, E3004), parameters and conditions nothing uses (W2001, W8001) and primary
identifiers that must be unique among the resources of a type (E3019). Each is checked here
on the whole template, under cfn-lint's code for the rule; so are the quotas, under the
codes of ``cloudformation_limits``, which states them once.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator import cloudformation_limits

_SUB_VARIABLE = re.compile(r"\$\{([^!}][^}]*)\}")
_PSEUDO = "AWS::"
# The region whose resource schemas name the primary identifiers, as verify's cfn-lint.
SCHEMA_REGION = "us-east-1"


@dataclass(frozen=True)
class References:
    """What a piece of a template names: resources (by Ref, GetAtt, Sub), parameters and
    pseudo parameters by Ref or Sub, conditions, mappings."""

    names: frozenset[str]
    conditions: frozenset[str]
    mappings: frozenset[str]


_INTRINSIC = frozenset({"Ref", "Fn::GetAtt", "Fn::Sub", "Fn::If", "Condition",
                        "Fn::FindInMap"})


def references(node: Any) -> References:
    names: set[str] = set()
    conditions: set[str] = set()
    mappings: set[str] = set()

    def walk(value: Any) -> None:
        if type(value) is list:
            for item in value:
                if type(item) is dict or type(item) is list:
                    walk(item)
            return
        for key, item in value.items():
            if key in _INTRINSIC:
                intrinsic(key, item)
            elif type(item) is dict or type(item) is list:
                walk(item)

    def intrinsic(key: str, item: Any) -> None:
        if key == "Ref" and isinstance(item, str):
            names.add(item)
        elif key == "Fn::GetAtt" and isinstance(item, str):
            names.add(item.split(".", 1)[0])
        elif key == "Fn::GetAtt" and isinstance(item, list) and item and isinstance(
                item[0], str):
            names.add(item[0])
            walk(item[1:])
        elif key == "Fn::Sub" and isinstance(item, str):
            names.update(v.split(".", 1)[0] for v in _SUB_VARIABLE.findall(item))
        elif key == "Fn::Sub" and isinstance(item, list) and len(item) == 2 and isinstance(
                item[0], str) and isinstance(item[1], dict):
            names.update(v.split(".", 1)[0] for v in _SUB_VARIABLE.findall(item[0])
                         if v.split(".", 1)[0] not in item[1])
            walk(item[1])
        elif key in ("Fn::If", "Fn::FindInMap") and isinstance(item, list) and item and \
                isinstance(item[0], str):
            (conditions if key == "Fn::If" else mappings).add(item[0])
            walk(item[1:])
        elif key == "Condition" and isinstance(item, str):
            conditions.add(item)
        elif type(item) is dict or type(item) is list:
            walk(item)

    if type(node) is dict or type(node) is list:
        walk(node)
    return References(frozenset(n for n in names if not n.startswith(_PSEUDO)),
                      frozenset(conditions), frozenset(mappings))


def depends_on(resource: Any) -> list[str]:
    """The logical ids a resource's DependsOn names."""
    value = resource.get("DependsOn") if isinstance(resource, dict) else None
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


@functools.cache
def _primary_identifiers(resource_type: str) -> tuple[str, ...]:
    """The properties that identify a resource of the type, when the template sets them
    all (cfn-lint's resource schemas; none when one is read-only or nested)."""
    from cfnlint.schema import PROVIDER_SCHEMA_MANAGER, ResourceNotFoundError

    try:
        schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema(SCHEMA_REGION, resource_type).schema
    except ResourceNotFoundError:
        return ()
    ids = schema.get("primaryIdentifier", [])
    if not ids or any(i in schema.get("readOnlyProperties", []) for i in ids):
        return ()
    names = tuple(i.removeprefix("/properties/") for i in ids)
    return () if any("/" in n for n in names) else names


def _cycle(edges: Mapping[str, set[str]]) -> list[str] | None:
    """One dependency cycle among the resources, if there is one."""
    state: dict[str, int] = {}
    for start in edges:
        if start in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(start, iter(sorted(edges[start])))]
        state[start] = 1
        while stack:
            node, targets = stack[-1]
            target = next(targets, None)
            if target is None:
                state[node] = 2
                stack.pop()
            elif state.get(target) == 1:
                path = [n for n, _ in stack]
                return [*path[path.index(target):], target]
            elif target not in state and target in edges:
                state[target] = 1
                stack.append((target, iter(sorted(edges[target]))))
    return None


Node = tuple[str, str]  # ("Resources" or "Outputs", name)


def node_references(template: Mapping[str, Any]) -> dict[Node, References]:
    """What each resource and output of the template names."""
    return {(section, name): references(body)
            for section in ("Resources", "Outputs")
            for name, body in (template.get(section) or {}).items()}


def check(text: str, template: Mapping[str, Any], tables: int,
          used: Mapping[Node, References] | None = None) -> list[str]:
    """Every cross-part problem of the template, as one line each; ``used`` is
    ``node_references`` of it, if known."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    used = node_references(template) if used is None else used
    problems = []
    edges: dict[str, set[str]] = {}
    for name, body in resources.items():
        edges[name] = {t for t in used["Resources", name].names if t in resources}
        for target in depends_on(body):
            if target not in resources:
                problems.append(f"E3005 Resources/{name}/DependsOn: {target} is not a "
                                "resource of the template")
            edges[name].add(target)
    everything = [*used.values(),
                  *(references(body) for body in (template.get("Conditions") or {}).values())]
    cycle = _cycle(edges)
    if cycle:
        problems.append("E3004 Resources: circular dependency " + " -> ".join(cycle))
    named = set().union(*(r.names for r in everything))
    conditions = set().union(*(r.conditions for r in everything))
    for parameter in template.get("Parameters") or {}:
        if parameter not in named:
            problems.append(f"W2001 Parameters/{parameter}: the parameter is not used")
    for condition in template.get("Conditions") or {}:
        if condition not in conditions:
            problems.append(f"W8001 Conditions/{condition}: the condition is not used")
    problems += _duplicate_identifiers(resources)
    problems += [f"{f.code} {f.message}" for f in cloudformation_limits.check_parsed(
        dict(template), len(text.encode("utf-8")), tables)
        if not cloudformation_limits.is_note(f)]
    return problems


def _duplicate_identifiers(resources: Mapping[str, Any]) -> Iterator[str]:
    """Resources of one type that set the same primary identifier, as written: stricter
    than cfn-lint for two resources whose conditions never hold together."""
    seen: dict[tuple[str, str], str] = {}
    for name, body in resources.items():
        if not isinstance(body, dict) or not isinstance(body.get("Type"), str):
            continue
        ids = _primary_identifiers(body["Type"])
        properties = body.get("Properties")
        if not ids or not isinstance(properties, dict) or any(i not in properties for i in ids):
            continue
        value = json.dumps([properties[i] for i in ids], sort_keys=True)
        first = seen.setdefault((body["Type"], value), name)
        if first != name:
            yield (f"E3019 Resources/{name}/Properties: primary identifier "
                   f"{', '.join(ids)} is the same as that of {first}")
