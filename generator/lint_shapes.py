"""What cfn-lint must see of a set of templates: each part of them once per shape.

cfn-lint's time grows with the resources it validates, and a platform's templates repeat the
same table shape with other names: linting each copy tells nothing the first did not. A
template splits into parts, the resources and outputs that refer to one another (a table with
its policies, alarms and outputs); a part whose text is another part's with the table's names
(key, logical id, name, file, environment variable) in their place, and the same parameters
and conditions, is left out of what cfn-lint lints. Those names only stand where the two
parts have names of the same length and the same kinds of characters in each position (see
``_signature``), so no length or pattern rule can tell the two apart.

What only the whole template shows, and cfn-lint would no longer see once a part is left out,
is checked on the whole template by ``template_structure``: references, DependsOn, unused
parameters and conditions, unique primary identifiers and the quotas. A template with
anything else at its top level is linted whole. ``verify --full-lint`` lints every template
whole; tests/test_lint_shapes.py holds the two paths to the same verdicts.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import naming, template_structure
from generator.model import Table
from generator.template_structure import References, depends_on, references

# Top-level sections this module knows how to split; any other makes a template whole.
SECTIONS = frozenset({"AWSTemplateFormatVersion", "Description", "Parameters", "Conditions",
                      "Mappings", "Resources", "Outputs"})
_FRAME = ("Parameters", "Conditions", "Mappings")
# What stands for a name in a shape: JSON text never holds it unless a string holds NUL.
_MARK = "\\u0000"
# What a shape writes for a DependsOn on a resource of another part: no logical id, which
# is alphanumeric, reads so.
_OTHER_PART = "(another part)"
_TABLE_TYPES = frozenset({"AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable"})


def identities(tables: Iterable[Table]) -> dict[str, tuple[str, ...]]:
    """The names each table's parts are written with, whose places a shape abstracts, by
    the logical id of the table's resource."""
    found = {}
    for table in tables:
        names = [table.key, naming.logical_id(table.key), table.name, table.source]
        if table.environment_variable:
            names += [table.environment_variable,
                      naming.logical_id(table.environment_variable.lower())]
        found[naming.table_logical_id(table.key)] = tuple(names)
    return found


@dataclass
class Part:
    """Resources and outputs of one template that refer to one another, and what of the
    template's frame (parameters, conditions, mappings) they use."""

    resources: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    frame: dict[str, set[str]] = field(default_factory=dict)
    tables: list[str] = field(default_factory=list)
    shape: str = ""

    @property
    def label(self) -> str:
        return (self.resources or self.outputs)[0]


def _frame_closure(template: Mapping[str, Any], used: References) -> dict[str, set[str]]:
    """The frame entries ``used`` needs, with the conditions and parameters those need."""
    parameters = set(template.get("Parameters") or {})
    conditions_defined = template.get("Conditions") or {}
    frame = {"Parameters": {n for n in used.names if n in parameters},
             "Conditions": set(), "Mappings": set(used.mappings)}
    pending = list(used.conditions)
    while pending:
        name = pending.pop()
        if name in frame["Conditions"]:
            continue
        frame["Conditions"].add(name)
        inner = references(conditions_defined.get(name))
        frame["Parameters"] |= {n for n in inner.names if n in parameters}
        frame["Mappings"] |= inner.mappings
        pending.extend(inner.conditions)
    return frame


def parts(template: Mapping[str, Any],
          used: Mapping[template_structure.Node, References] | None = None) -> list[Part]:
    """The template's parts, in the order of their first resource or output; ``used`` is
    ``template_structure.node_references`` of it, if known."""
    resources: Mapping[str, Any] = template.get("Resources") or {}
    outputs: Mapping[str, Any] = template.get("Outputs") or {}
    nodes = [("Resources", n) for n in resources] + [("Outputs", n) for n in outputs]
    parent = {node: node for node in nodes}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    used = template_structure.node_references(template) if used is None else used
    for node in nodes:
        for target in used[node].names:
            if target in resources:
                parent[root(node)] = root(("Resources", target))
    grouped: dict[tuple[str, str], Part] = {}  # in the order of each part's first node
    names: dict[tuple[str, str], set[str]] = {}
    conditions: dict[tuple[str, str], set[str]] = {}
    mappings: dict[tuple[str, str], set[str]] = {}
    for node in nodes:
        key = root(node)
        part = grouped.setdefault(key, Part())
        section, name = node
        (part.resources if section == "Resources" else part.outputs).append(name)
        if section == "Resources" and isinstance(resources[name], dict) and \
                resources[name].get("Type") in _TABLE_TYPES:
            part.tables.append(name)
        names.setdefault(key, set()).update(used[node].names)
        conditions.setdefault(key, set()).update(used[node].conditions)
        mappings.setdefault(key, set()).update(used[node].mappings)
    for key, part in grouped.items():
        part.frame = _frame_closure(template, References(
            frozenset(names[key]), frozenset(conditions[key]), frozenset(mappings[key])))
    return list(grouped.values())


def _signature(name: str) -> str:
    """A name's length and kinds of characters, position by position."""
    return "".join("a" if c.islower() and c.isascii() else "A" if c.isupper() and c.isascii()
                   else "9" if c.isdigit() and c.isascii() else c for c in name)


def _frame(template: Mapping[str, Any], parts: Sequence[Part]) -> dict[str, dict[str, Any]]:
    """The parameters, conditions and mappings the parts use, in the template's order."""
    frame = {}
    for section in _FRAME:
        wanted = set().union(*(p.frame.get(section, set()) for p in parts))
        frame[section] = {n: v for n, v in (template.get(section) or {}).items()
                          if n in wanted}
    return frame


def _resources(template: Mapping[str, Any], parts: Sequence[Part],
               other: str | None) -> dict[str, Any]:
    """The parts' resources; a DependsOn on a resource of no part among them becomes
    ``other`` (a mark, in a shape) or is dropped (None, in a reduced template)."""
    own = {name for part in parts for name in part.resources}
    resources = {}
    for part in parts:
        for name in part.resources:
            body = template["Resources"][name]
            if isinstance(body, dict) and "DependsOn" in body:
                targets = [t if t in own else other for t in depends_on(body)]
                kept = [t for t in targets if t is not None]
                body = {k: v for k, v in body.items() if k != "DependsOn"}
                if kept:
                    body["DependsOn"] = kept[0] if len(kept) == 1 and other is None else kept
            resources[name] = body
    return resources


def _content(template: Mapping[str, Any], part: Part) -> dict[str, Any]:
    """The part as a template section by section, DependsOn on other parts kept as a mark."""
    return {"Resources": _resources(template, [part], _OTHER_PART),
            "Outputs": {n: template["Outputs"][n] for n in part.outputs},
            **_frame(template, [part])}


def _tables_named(part: Part, names: Mapping[str, tuple[str, ...]]) -> list[str]:
    """The tables whose names the part is written with: those it holds, else the one its
    first resource or output is named after (an output of a table's index names, say)."""
    if part.tables:
        return part.tables
    label = part.label
    owners = [label[:end] for end in range(len(label), 0, -1) if label[:end] in names]
    return owners[:1]


def shape(template: Mapping[str, Any], part: Part,
          names: Mapping[str, tuple[str, ...]]) -> str:
    """A digest that two parts share when cfn-lint cannot tell them apart (see the module's
    docstring): the part's text with the names of the tables it holds replaced by marks, in
    one pass, and each name's signature."""
    text = json.dumps(_content(template, part), ensure_ascii=True)
    marks = {json.dumps(name, ensure_ascii=True)[1:-1]: (number, kind)
             for number, table in reversed(list(enumerate(_tables_named(part, names))))
             for kind, name in reversed(list(enumerate(names.get(table, ())))) if name}
    if not marks or _MARK in text:
        return hashlib.sha256(text.encode()).hexdigest()
    replacement = {name: f"{_MARK}{number}.{kind}{_MARK}"
                   for name, (number, kind) in marks.items()}
    pattern = re.compile("|".join(re.escape(n) for n in sorted(marks, key=lambda n: -len(n))))
    abstracted = pattern.sub(lambda match: replacement[match.group(0)], text)
    found = sorted((*marks[name], _signature(name)) for name in marks
                   if replacement[name] in abstracted)
    return hashlib.sha256(json.dumps([abstracted, found]).encode()).hexdigest()


def splittable(template: Any) -> bool:
    """Whether the parsed template has only the sections a plan knows how to split."""
    return (isinstance(template, dict) and set(template) <= SECTIONS
            and isinstance(template.get("Resources"), dict)
            and all(isinstance(template.get(s, {}), dict) for s in ("Outputs", *_FRAME)))


@dataclass(frozen=True)
class Survey:
    """A template's parts with their shapes; none when it is linted whole, as it is (it is
    no JSON object of the sections known here)."""

    template: str
    parts: tuple[Part, ...] | None
    problems: tuple[str, ...] = ()  # template_structure's, on the whole template


def survey(path: str, text: str, names: Mapping[str, tuple[str, ...]]) -> Survey:
    try:
        template = json.loads(text)
    except ValueError:
        return Survey(path, None)
    if not splittable(template):
        return Survey(path, None)
    used = template_structure.node_references(template)
    found = parts(template, used)
    for part in found:
        part.shape = shape(template, part, names)
    problems = template_structure.check(text, template, sum(len(p.tables) for p in found), used)
    return Survey(path, tuple(found), tuple(problems))


@dataclass(frozen=True)
class Plan:
    """What cfn-lint lints of one template: the whole of it, or the parts ``kept``; for each
    part left out, its shape and the template that holds the part of that shape linted."""

    template: str
    whole: bool
    kept: tuple[Part, ...]
    tables: int
    left_out: int  # tables among the parts left out
    alike: tuple[tuple[str, str], ...] = ()  # (shape, template) of each part left out
    problems: tuple[str, ...] = ()  # what relates the parts, when some are left out

    @property
    def hosts(self) -> frozenset[str]:
        """The templates whose lint decides this one's verdict too."""
        return frozenset(host for _, host in self.alike)

    def text(self, text: str) -> str | None:
        """What cfn-lint lints of the template whose text is ``text`` (None: nothing)."""
        if self.whole:
            return text
        return _reduced(json.loads(text), self.kept) if self.kept else None

    def shapes_at(self, path: Sequence[object]) -> set[str]:
        """The shapes of the kept parts a finding at ``path`` (cfn-lint's) is about: the
        part of the resource or output it names, else every kept part."""
        if len(path) >= 2 and path[0] in ("Resources", "Outputs"):
            for part in self.kept:
                if path[1] in (part.resources if path[0] == "Resources" else part.outputs):
                    return {part.shape}
        return {part.shape for part in self.kept}


def _reduced(template: Mapping[str, Any], kept: Sequence[Part]) -> str:
    """The template with only the ``kept`` parts, and the frame entries they use."""
    reduced: dict[str, Any] = {k: template[k] for k in ("AWSTemplateFormatVersion",
                                                         "Description") if k in template}
    reduced.update({section: entries for section, entries in _frame(template, kept).items()
                    if entries})
    reduced["Resources"] = _resources(template, kept, None)
    outputs = {n: template["Outputs"][n] for p in kept for n in p.outputs}
    if outputs:
        reduced["Outputs"] = outputs
    return json.dumps(reduced, indent=1)


def plan(surveys: Iterable[Survey]) -> list[Plan]:
    """What to lint of each template, in path order: the first part of a shape, in path
    order, is linted; the others are left out."""
    hosts_of: dict[str, str] = {}
    plans = []
    for found in sorted(surveys, key=lambda s: s.template):
        if found.parts is None:
            plans.append(Plan(found.template, True, (), 0, 0))
            continue
        kept = []
        alike = []
        left_out = 0
        for part in found.parts:
            if part.shape in hosts_of:
                left_out += len(part.tables)
                alike.append((part.shape, hosts_of[part.shape]))
            else:
                hosts_of[part.shape] = found.template
                kept.append(part)
        tables = sum(len(p.tables) for p in found.parts)
        whole = not alike
        plans.append(Plan(found.template, whole, tuple(kept), tables, left_out, tuple(alike),
                          () if whole else found.problems))
    return plans
