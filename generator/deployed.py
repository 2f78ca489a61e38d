"""Baselines read from what is deployed, for `plan --against` and `import --region`: live
tables, the JSON of `terraform show -json` (a state or a plan), a CloudFormation template
(as `aws cloudformation get-template` prints it) or a deployed stack.

Each is read by adopt's readers (``generator.sources``) and put through the same stages as
the table files, so that a deployed table and a table file are compared in one form, the
model.json snapshot, by the plan's rules. What a source holds that table files cannot
express is returned as notes, which `plan` prints as "not compared".

Matching: Terraform and CloudFormation keep the table key in the resource address and the
logical id, so a table under another key is another resource (a rename, or a replacement);
live tables have only their physical name, matched to the table files through the names the
deployment gives them (``--name-prefix``, ``--name-suffix``, ``--table-name``).
"""

from __future__ import annotations

import dataclasses
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.invocation import Exit
from generator.model import Project
from generator.model_file import Snapshot, table_snapshot
from generator.naming import table_key
from generator.sources import (
    Adopted,
    SourceError,
    strip_affixes,
)

# `--against` forms that name a deployment rather than a git revision. A git ref cannot
# contain ':' and a branch called "live" is still reachable as heads/live.
LIVE = "live"
# Each form: what it is called in the plan's first line, and what to give after "kind:".
FILE_KINDS = {
    "terraform": ("`terraform show -json` output",
                  "the JSON of `terraform show -json` (a state, or a plan)"),
    "cloudformation": ("a CloudFormation template", "a CloudFormation template, JSON or YAML"),
    "stack": ("a deployed stack",
              "the name of a deployed CloudFormation stack (or several, comma-separated)"),
}
_TABLE_NAME = re.compile(r"[a-zA-Z0-9_.-]{3,255}")


@dataclass(frozen=True)
class Deployment:
    """Where the deployed tables are, and the names and tags the deployment gives them."""

    kind: str  # LIVE or a key of FILE_KINDS
    target: str | None = None  # the file or the stack name
    region: str | None = None
    endpoint_url: str | None = None
    prefix: str = ""
    suffix: str = ""
    table_names: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        if self.kind == LIVE:
            return f"the live tables in {self.region}"
        if self.kind == "stack":
            names = (self.target or "").split(",")
            return (f"the deployed stack{'s' if len(names) > 1 else ''} {', '.join(names)} "
                    f"in {self.region}")
        return f"{self.target} ({FILE_KINDS[self.kind][0]})"


@dataclass(frozen=True)
class Where:
    """The command line's options about a deployment, parsed (KEY=VALUE options as maps)."""

    region: str | None = None
    endpoint_url: str | None = None
    prefix: str = ""
    suffix: str = ""
    table_names: Mapping[str, str] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, str] = field(default_factory=dict)

    def deployment(self, kind: str, target: str | None) -> Deployment:
        return Deployment(kind, target, self.region, self.endpoint_url, self.prefix,
                          self.suffix, self.table_names, self.tags, self.parameters)


@dataclass(frozen=True)
class Deployed:
    """The deployed tables by table key, and what could not be compared."""

    tables: dict[str, Snapshot]
    notes: tuple[str, ...]


def parse_against(against: str) -> tuple[str, str | None] | None:
    """``(kind, target)`` for an `--against` that names a deployment; None for a git ref."""
    if against == LIVE:
        return LIVE, None
    kind, colon, target = against.partition(":")
    if not colon or kind not in FILE_KINDS:
        return None
    if not target:
        raise SourceError(f"--against {against}: give {FILE_KINDS[kind][1]} after '{kind}:'")
    return kind, target


def physical_names(
    project: Project, prefix: str = "", suffix: str = "", overrides: Mapping[str, str] = {}
) -> dict[str, str]:
    """Deployed name by table key, resolved like the module's name_prefix/suffix/table_names."""
    keys = {t.key for t in project.tables}
    unknown = sorted(set(overrides) - keys)
    if unknown:
        raise SourceError(
            f"unknown table key(s) {', '.join(unknown)}; table keys are {', '.join(sorted(keys))}"
        )
    names = {t.key: overrides.get(t.key, f"{prefix}{t.name}{suffix}") for t in project.tables}
    bad = sorted(n for n in names.values() if not _TABLE_NAME.fullmatch(n))
    if bad:
        raise SourceError(f"not valid DynamoDB table names: {', '.join(bad)}")
    return names


def with_common_tags(project: Project, tags: Mapping[str, str]) -> Project:
    """The project as deployed with the deployment's own tags (the module's ``tags``, the
    stack's ``--tags``); a table's own tags win, as in the module."""
    if not tags:
        return project
    return dataclasses.replace(project, tables=tuple(
        dataclasses.replace(t, tags=tuple(sorted({**tags, **dict(t.tags)}.items())))
        for t in project.tables
    ))


def read(deployment: Deployment, project: Project, also: Mapping[str, str] = {}) -> Deployed:
    """The deployed tables that correspond to the project's, by table key.

    ``also`` maps further keys to table names (tables whose files are gone, from the committed
    baseline) so that a live table the project no longer declares shows as a removal.
    """
    names = physical_names(project, deployment.prefix, deployment.suffix,
                           deployment.table_names)
    summary: list[str] = []
    if deployment.kind == LIVE:
        from generator.sources import live

        wanted = {**{k: f"{deployment.prefix}{n}{deployment.suffix}" for k, n in also.items()},
                  **names}
        if deployment.region is None:
            raise SourceError("--against live needs --region R")
        found = live.read_existing(deployment.region, deployment.endpoint_url,
                                   sorted(set(wanted.values())))
        by_key = {key: found[name] for key, name in wanted.items() if name in found}
    else:
        by_key = _by_key(_read_file(deployment, summary.append))
    named = {t.key: t.name for t in project.tables}
    for key, adopted in by_key.items():
        physical = adopted.document["name"]
        # The name the deployment gives the table file's name: the same table.
        adopted.document["name"] = (
            named[key] if key in named and names[key] == physical
            else strip_affixes(physical, deployment.prefix, deployment.suffix)[0])
    snapshots = _snapshots(by_key)
    notes = list(summary)
    for key, adopted in sorted(by_key.items()):
        notes += [f"{key}: not compared{f' ({n.at})' if n.at else ''}: {n.text}"
                  for n in adopted.notes if not n.file_only]
        snapshots[key] |= adopted.history
    if deployment.kind == LIVE:
        notes += _live_only(snapshots, project)
    for table in project.tables:
        if table.key in snapshots:
            _in_file_order(snapshots[table.key], table_snapshot(table))
    return Deployed(snapshots, tuple(dict.fromkeys(notes)))  # once each, in order


def _read_file(deployment: Deployment, summary: Callable[[str], None]) -> list[Adopted]:
    assert deployment.target is not None
    if deployment.kind == "stack":
        # Several stacks (one per `stack:` key) make one deployment: stack:A,B reads them all.
        return [table for name in deployment.target.split(",")
                for table in _read_stack(deployment, name, summary)]
    from generator.sources.command import Source, read_source

    lines: list[str] = []
    source = Source(deployment.kind, Path(deployment.target), deployment.region,
                    parameters=deployment.parameters, tables_only=True)
    tables = read_source(source, "", "", lines)
    for line in lines:
        summary(line)
    return tables


def _read_stack(deployment: Deployment, name: str, summary: Callable[[str], None]
                ) -> list[Adopted]:
    """The template the stack was last deployed with, resolved with the stack's parameters."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from generator.sources import cloudformation
    from generator.sources.intrinsics import load_template_text

    if deployment.region is None:
        raise SourceError(f"--against stack:{name} needs --region R")
    try:
        client = boto3.client("cloudformation", region_name=deployment.region,
                              endpoint_url=deployment.endpoint_url)
        body = client.get_template(StackName=name, TemplateStage="Original")["TemplateBody"]
        stack = client.describe_stacks(StackName=name)["Stacks"][0]
    except (BotoCoreError, ClientError) as error:
        raise SourceError(f"cannot read the stack {name} in {deployment.region}: {error}",
                          Exit.UNAVAILABLE) from error
    template = load_template_text(body) if isinstance(body, str) else body
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise SourceError(f"the stack {name}'s template has no Resources mapping", Exit.UNAVAILABLE)
    given = {p["ParameterKey"]: p.get("ResolvedValue", p.get("ParameterValue", ""))
             for p in stack.get("Parameters", [])}
    hidden = sorted(k for k, v in given.items() if v == "****")
    for key in hidden:  # NoEcho: the stack does not tell; the template default stands in
        del given[key]
    if hidden:
        summary(f"the stack hides the NoEcho parameters {', '.join(hidden)}; pass them with "
                "--parameter K=V where a table uses them")
    account = stack["StackId"].split(":")[4]
    given |= {"AWS::StackName": name, "AWS::AccountId": account, **deployment.parameters}
    return cloudformation.read_template(template, f"the stack {name}", given,
                                        deployment.region, prefix="", suffix="",
                                        summary=summary, tables_only=True)


def _by_key(tables: Sequence[Adopted]) -> dict[str, Adopted]:
    """By the table key that the file adopt would write gives."""
    found: dict[str, Adopted] = {}
    for table in tables:
        key = table_key(Path(f"{table.file_stem}.yaml"))
        if key in found:
            raise SourceError(f"two tables have the key {key}: {found[key].origin} and "
                              f"{table.origin}")
        found[key] = table
    return found


def _snapshots(by_key: Mapping[str, Adopted]) -> dict[str, Snapshot]:
    """The adopted tables through the stages of a build: table files, loaded as a project."""
    from generator.diagnostics import InputError
    from generator.pipeline import load_project
    from generator.sources.command import render_files

    if not by_key:
        return {}
    for key, table in by_key.items():
        table.file_stem = key
    with tempfile.TemporaryDirectory(prefix="deployed-") as scratch:
        folder = Path(scratch) / "schemas"
        folder.mkdir()
        for path, text in render_files(list(by_key.values()), folder).items():
            path.write_text(text, encoding="utf-8")
        try:
            project = load_project(folder, jobs=1)
        except InputError as error:  # render_files checked them: a reader's bug
            raise SourceError("the deployed tables do not read back as table files:\n"
                              + "\n".join(d.format() for d in error.diagnostics),
                              Exit.INVALID) from error
    return {t.key: table_snapshot(t) for t in project.tables}


def _live_only(snapshots: dict[str, Snapshot], project: Project) -> list[str]:
    """What DynamoDB forgets: the S3 import a table was created from (the table file's is
    taken), and the attribute of a time to live that is off."""
    notes = []
    for table in project.tables:
        old = snapshots.get(table.key)
        if old is None:
            continue
        new = table_snapshot(table)
        if new["import_source"] is not None:
            old["import_source"] = new["import_source"]
            notes.append(f"{table.key}: not compared (import_from_s3): DynamoDB does not say "
                         "which S3 import a table was created from")
        if new["ttl_disabled"] and old["ttl_attribute"] is None:
            old["ttl_attribute"], old["ttl_disabled"] = new["ttl_attribute"], True
    return notes


def _in_file_order(old: Snapshot, new: Snapshot) -> None:
    """Terraform keeps indexes, replicas and projected attributes as sets, and DynamoDB lists
    indexes in an order of its own: where the deployed items are the table file's, in
    another order, they take the file's order, so that only a real difference shows."""
    for field_name, key in (("global_secondary_indexes", "name"),
                            ("local_secondary_indexes", "name"), ("replicas", "region")):
        items, wanted = old.get(field_name), new.get(field_name)
        if not isinstance(items, list) or not isinstance(wanted, list):
            continue
        for item in items:
            same = next((w for w in wanted if w.get(key) == item.get(key)), None)
            projection, theirs = item.get("projection"), (same or {}).get("projection")
            if isinstance(projection, dict) and isinstance(theirs, dict):
                _same_set_as(projection, theirs, "non_key_attributes")
        order = [w.get(key) for w in wanted]
        if sorted(map(str, order)) == sorted(str(i.get(key)) for i in items):
            items.sort(key=lambda item: order.index(item.get(key)))
    source, theirs = old.get("import_source"), new.get("import_source")
    if isinstance(source, dict) and isinstance(theirs, dict):
        _same_set_as(source, theirs, "csv_header_list")


def _same_set_as(item: dict[str, Any], wanted: dict[str, Any], field_name: str) -> None:
    values, order = item.get(field_name), wanted.get(field_name)
    if isinstance(values, list) and isinstance(order, list) and sorted(map(str, values)) == \
            sorted(map(str, order)):
        item[field_name] = list(order)
