"""What a schema edit does to deployed tables: create, update in place, replace or remove.

A table loses its items when an engine replaces it, so every change is classified the way
Terraform's AWS provider and CloudFormation treat it: the key schema, a key attribute's
type, the local secondary indexes, the table name and the S3 import source force a new
table; turning a table into a global table (or back) changes its CloudFormation resource
type; everything else is an in-place update. CloudFormation adds a limit of its own: one
global secondary index (or replica) created or deleted per table per stack update, so
larger changes are planned as a sequence of deployable steps.

The baseline is ``model.json``, a canonical dump of the deployed settings of every table
that each build writes next to the IaC it describes, so the last build (or any git
revision of it) is read back without parsing Terraform or CloudFormation. Plans compare
these dumps, so a setting added to the model later is compared without code here, as an
in-place change unless listed below.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from generator import baseline, deployed, sequencing
from generator.model import Project, Table
from generator.model_file import (
    MODEL_FILE,
    ModelFileError,
    Snapshot,
    table_snapshot,
    when_set_defaults,
)
from generator.naming import table_logical_id
from generator.sequencing import Finding
from generator.sources import SourceError

TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"
_BOTH = (TERRAFORM, CLOUDFORMATION)

# Recorded for messages, never a change.
_NOT_COMPARED = frozenset({"source"})
# Settings that only exist from table creation, and so need a new table in both engines.
_REPLACES = {
    "name": _BOTH,
    "partition_key": _BOTH,
    "sort_key": _BOTH,
    "import_source": _BOTH,
    # Multi-Region strong consistency is chosen when the global table is created.
    "multi_region_consistency": _BOTH,
}
# Settings that Terraform manages in resources of their own, beside the table.
_TERRAFORM_ELSEWHERE = frozenset(
    {"contributor_insights", "kinesis_stream_arn", "resource_policy", "autoscaling"}
)
# Findings whose change the table resource does not apply: a TTL that is only removed, the
# capacity of a scaled index (read back from the live table).
_TERRAFORM_IGNORES = frozenset({"P103", "P110"})
# What identifies a global secondary index; other index settings change in place.
_INDEX_IDENTITY = ("name", "partition_key", "sort_key", "projection", "more_partition_keys",
                   "more_sort_keys")

# --- the diff ---------------------------------------------------------------------------


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    REMOVE = "remove"
    RENAME = "rename"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """One setting that differs; ``replaces_in`` names the engines that need a new table."""

    field: str
    before: str | None
    after: str | None
    replaces_in: tuple[str, ...] = ()
    # Measured: the AWS provider plans no change for it (a key attribute's type, a local
    # index's projection), so Terraform leaves the deployed table as it is.
    terraform_ignores: bool = False

    @property
    def replaces(self) -> bool:
        return bool(self.replaces_in)


@dataclass(frozen=True)
class Operation:
    """An index or replica that CloudFormation must create or delete, one per update."""

    kind: str  # "create" or "delete"
    target: str  # "index" or "replica"
    name: str


@dataclass(frozen=True)
class TablePlan:
    key: str
    name: str
    action: Action
    changes: tuple[Change, ...]
    operations: tuple[Operation, ...]
    notes: tuple[str, ...]
    findings: tuple[Finding, ...] = ()
    renamed_from: str | None = None

    @property
    def data_loss_risk(self) -> bool:
        return self.action in (Action.REPLACE, Action.REMOVE)

    @property
    def blocked(self) -> bool:
        """A finding needs more than one deployment or a manual step."""
        return any(f.blocking for f in self.findings)

    @property
    def terraform_action(self) -> str:
        """What `terraform plan` does to the aws_dynamodb_table resource itself."""
        if self.action in (Action.CREATE, Action.REMOVE):
            return "create" if self.action is Action.CREATE else "delete"
        if any(TERRAFORM in c.replaces_in and not c.terraform_ignores for c in self.changes):
            return "replace"
        ignored = {f.field for f in self.findings if f.code in _TERRAFORM_IGNORES}
        applied = [c for c in self.changes
                   if c.field.split(".")[-1] not in _TERRAFORM_ELSEWHERE and c.field not in ignored
                   and not c.terraform_ignores]
        return "update" if applied else "no-op"


def _attr(value: Any) -> str:
    return f"{value['name']} ({value['type']})"


def _projection_text(projection: Mapping[str, Any]) -> str:
    if projection.get("non_key_attributes"):
        return f"{projection['type']} [{', '.join(projection['non_key_attributes'])}]"
    return str(projection["type"])


def _gsi_text(index: Mapping[str, Any]) -> str:
    hashes = [index["partition_key"], *index.get("more_partition_keys", [])]
    ranges = [index["sort_key"], *index.get("more_sort_keys", [])] if index.get("sort_key") else []
    keys = f"hash {' + '.join(_attr(a) for a in hashes)}"
    if ranges:
        keys += f", range {' + '.join(_attr(a) for a in ranges)}"
    return f"{keys}; projection {_projection_text(index['projection'])}"


def _lsi_text(index: Mapping[str, Any]) -> str:
    return f"range {_attr(index['sort_key'])}; projection {_projection_text(index['projection'])}"


def _show(field: str, value: Any) -> str | None:
    """A setting as one short line; None when it is not set."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    if field == "tags":
        return ", ".join(f"{k}={v}" for k, v in sorted(value.items())) or "(none)"
    if isinstance(value, dict) and set(value) == {"name", "type"}:
        return _attr(value)
    if isinstance(value, dict) and set(value) == {"read", "write"} and field.endswith("capacity"):
        return f"read {value['read']}, write {value['write']}"
    if field == "encryption":
        return str(value["type"]) + (f" {value['kms_key_arn']}" if value["kms_key_arn"] else "")
    if isinstance(value, str | int | float):
        return str(value)
    return json.dumps(value, sort_keys=True, separators=(", ", ": "))


def _by_name(items: list[dict[str, Any]], key: str = "name") -> dict[str, dict[str, Any]]:
    return {str(item[key]): item for item in items}


def _lsi_changes(old: Snapshot, new: Snapshot) -> Iterator[Change]:
    before = _by_name(old["local_secondary_indexes"])
    after = _by_name(new["local_secondary_indexes"])
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was != now:
            yield Change(
                f"local_secondary_indexes[{name}]",
                _lsi_text(was) if was else None,
                _lsi_text(now) if now else None,
                _BOTH,
                terraform_ignores=bool(was and now and was["sort_key"] == now["sort_key"]),
            )


def _gsi_changes(old: Snapshot, new: Snapshot) -> Iterator[Change | Operation]:
    before = _by_name(old["global_secondary_indexes"])
    after = _by_name(new["global_secondary_indexes"])
    deletes: list[Operation] = []
    redefines: list[Operation] = []
    creates: list[Operation] = []
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        field = f"global_secondary_indexes[{name}]"
        if was is not None and now is not None and all(
            was.get(k) == now.get(k) for k in _INDEX_IDENTITY
        ):
            for setting in sorted(was.keys() | now.keys()):
                if was.get(setting) != now.get(setting):
                    yield Change(
                        f"{field}.{setting}",
                        _show(setting, was.get(setting)),
                        _show(setting, now.get(setting)),
                    )
            continue
        yield Change(field, _gsi_text(was) if was else None, _gsi_text(now) if now else None)
        if was is not None and now is not None:
            redefines += [Operation("delete", "index", name), Operation("create", "index", name)]
        elif was is not None:
            deletes.append(Operation("delete", "index", name))
        else:
            creates.append(Operation("create", "index", name))
    # Deleting first frees index quota; a redefined index is missing for one step only.
    yield from deletes
    yield from redefines
    yield from creates


def _replica_changes(old: Snapshot, new: Snapshot) -> Iterator[Change | Operation]:
    before = _by_name(old["replicas"], "region")
    after = _by_name(new["replicas"], "region")
    if bool(before) != bool(after):
        yield Change(
            "replicas",
            _show("replicas", sorted(before)) if before else None,
            _show("replicas", sorted(after)) if after else None,
            (CLOUDFORMATION,),
        )
        return
    for region in sorted(before.keys() | after.keys()):
        was, now = before.get(region), after.get(region)
        if was == now:
            continue
        yield Change(f"replicas[{region}]", _show("replica", was), _show("replica", now))
        if was is None:
            yield Operation("create", "replica", region)
        elif now is None:
            yield Operation("delete", "replica", region)


# Settings added to the model later, with the value every older build had.
_ADDED_LATER: dict[str, Any] = {"ttl_disabled": False}


def _compared_fields(old: Snapshot, new: Snapshot) -> list[str]:
    """Fields of ``new`` that ``old`` recorded too: a baseline from an older generator lacks
    the settings added since, and those cannot be compared."""
    return [f for f in new if f in old and f not in _NOT_COMPARED]


def _protection_note(new: Snapshot) -> str:
    return (
        f"deletion protection is OFF for this table ({new['source']} sets "
        "deletion_protection: false): no prevent_destroy in Terraform, DeletionPolicy "
        "Delete in CloudFormation; a replace or remove deletes its items"
    )


def _replace_notes(old: Snapshot, new: Snapshot, replacing: list[Change]) -> list[str]:
    forced = ", ".join(c.field for c in replacing)
    engines = {engine for c in replacing for engine in c.replaces_in}
    notes = [f"DATA LOSS: {forced} cannot change in place; the table would be replaced"]
    dropped = [c.field for c in replacing if c.terraform_ignores]
    if TERRAFORM not in engines:
        notes.append("Terraform: updates this table in place")
    elif len(dropped) == len(replacing):
        notes.append(
            f"Terraform: plans no change for {', '.join(dropped)} (the AWS provider does not "
            "compare a key attribute's type or a local index's projection), so the table "
            "keeps the deployed one; only a new table gets the new one"
        )
    elif new["deletion_protection"]:
        notes.append(
            "Terraform: `terraform plan` stops with 'Instance cannot be destroyed' "
            "(lifecycle prevent_destroy)"
        )
    else:
        notes.append(
            "Terraform: destroys the table with all its items and creates an empty one"
            + (" (the destroy fails while the deployed table has deletion protection on)"
               if old["deletion_protection"] else "")
        )
    if any(c.field == "warm_throughput" for c in replacing):
        notes.append(
            "warm throughput: DynamoDB never lowers it; hashicorp/aws from 6.13 replaces the "
            "table to lower it, later releases stop the plan with an error"
        )
    if any(c.field == "warm_throughput" for c in replacing) and all(
            CLOUDFORMATION not in c.replaces_in for c in replacing):
        notes.append(
            "CloudFormation: the stack update fails, DynamoDB refuses to lower warm throughput"
        )
    elif "replicas" in old and bool(old["replicas"]) != bool(new["replicas"]):
        notes.append(
            "CloudFormation: the stack update fails, the resource type would change between "
            "AWS::DynamoDB::Table and AWS::DynamoDB::GlobalTable"
        )
    elif old["name"] != new["name"]:
        kept = (
            "keeps the old table and its items outside the stack (UpdateReplacePolicy Retain)"
            if new["deletion_protection"]
            else "deletes the old table and its items (UpdateReplacePolicy Delete)"
        )
        notes.append(f"CloudFormation: creates an empty table {new['name']} and {kept}")
    else:
        notes.append(
            "CloudFormation: the stack update fails, a table with a fixed name cannot be "
            "replaced"
        )
    notes.append(
        "to keep the items: add the new table under a new file name, copy the items, "
        "then remove the old file"
    )
    return notes


def _remove_notes(old: Snapshot) -> list[str]:
    if old["deletion_protection"]:
        return [
            "Terraform: the resource and its prevent_destroy leave the module, so Terraform "
            "plans a destroy; DynamoDB refuses it (deletion protection) and the apply fails. "
            "To stop managing the table and keep it, add a `removed` block to the root "
            "module (from = <module address>.aws_dynamodb_table.<key>, lifecycle "
            "destroy = false; Terraform >= 1.7) or run `terraform state rm`",
            "CloudFormation: the table stays, outside the stack (DeletionPolicy Retain)",
            "to delete it on purpose: first deploy the file with deletion_protection: false, "
            "then remove the file",
        ]
    return [
        "DATA LOSS: Terraform and CloudFormation delete the table and all its items "
        f"(deletion protection was turned off in {old['source']})"
    ]


def diff_snapshots(key: str, old: Snapshot | None, new: Snapshot | None) -> TablePlan:
    """How one table changes between two snapshots; None means absent on that side."""
    if new is None:
        if old is None:
            raise ValueError("diff_snapshots needs at least one table")
        return TablePlan(key, old["name"], Action.REMOVE, (), (), tuple(_remove_notes(old)))
    if old is None:
        created = () if new["deletion_protection"] else (_protection_note(new),)
        return TablePlan(key, new["name"], Action.CREATE, (), (), created)
    # Fields recorded only when set are absent when they have their default.
    when_set = when_set_defaults(Table)
    old, new = {**_ADDED_LATER, **when_set, **old}, {**when_set, **new}
    changes: list[Change] = []
    operations: list[Operation] = []
    for field in _compared_fields(old, new):
        if old[field] == new[field]:
            continue
        if field == "local_secondary_indexes":
            changes += _lsi_changes(old, new)
            continue
        if field in ("global_secondary_indexes", "replicas"):
            split = _gsi_changes if field == "global_secondary_indexes" else _replica_changes
            for item in split(old, new):
                if isinstance(item, Change):
                    changes.append(item)
                else:
                    operations.append(item)
            continue
        retyped = field in ("partition_key", "sort_key") and bool(
            old[field] and new[field] and old[field]["name"] == new[field]["name"])
        replaces_in: tuple[str, ...] = _REPLACES.get(field, ())
        if field == "warm_throughput" and sequencing.warm_decreases(old[field], new[field]):
            replaces_in = (TERRAFORM,)  # the provider's answer to a decrease (see the notes)
        changes.append(
            Change(field, _show(field, old[field]), _show(field, new[field]), replaces_in,
                   retyped)
        )
    replacing = [c for c in changes if c.replaces]
    notes: list[str] = []
    missing = sorted(f for f in new if f not in old and f not in _NOT_COMPARED)
    if missing:
        notes.append(f"not compared, the baseline does not record them: {', '.join(missing)}")
    if replacing:
        action = Action.REPLACE
        notes += _replace_notes(old, new, replacing)
        operations = []  # a new table gets every index at creation
    elif changes:
        action = Action.UPDATE
    else:
        action = Action.UNCHANGED
    if not new["deletion_protection"]:
        notes.append(_protection_note(new))
    found: list[Finding] = []
    if action is not Action.REPLACE:
        found += sequencing.findings(key, old, new)
    if action is Action.UPDATE and len(operations) > 1:
        found.append(sequencing.finding(
            "P108",
            f"CloudFormation: {len(operations)} index or replica creations/deletions, but a "
            "stack update may create or delete only one per table (Terraform applies them "
            "in one run)",
            ("deploy the CloudFormation steps below in order",),
        ))
    return TablePlan(key, new["name"], action, tuple(changes), tuple(operations), tuple(notes),
                     tuple(found))


def diff_table(old: Table | None, new: Table | None) -> TablePlan:
    """How one table changes between two models."""
    either = new or old
    if either is None:
        raise ValueError("diff_table needs at least one table")
    return diff_snapshots(
        either.key,
        None if old is None else table_snapshot(old),
        None if new is None else table_snapshot(new),
    )


@dataclass(frozen=True)
class Plan:
    against: str
    tables: tuple[TablePlan, ...]
    # What the baseline holds that could not be compared (a deployed table's settings that
    # table files cannot express), said before any verdict.
    notes: tuple[str, ...] = ()

    @property
    def data_loss_risk(self) -> bool:
        """Some table would be replaced or removed."""
        return any(t.data_loss_risk for t in self.tables)

    @property
    def cloudformation_steps(self) -> tuple[tuple[str, ...], ...]:
        """Stack updates needed, each with at most one index or replica operation per table.

        Everything else changes in the first step; a plan without such operations is one
        step, and a plan without changes is none.
        """
        updating = [t for t in self.tables if t.action is not Action.UNCHANGED]
        if not updating:
            return ()
        count = max([1, *(len(t.operations) for t in updating)])
        steps: list[tuple[str, ...]] = []
        for number in range(count):
            lines: list[str] = []
            for table in updating:
                if number < len(table.operations):
                    op = table.operations[number]
                    lines.append(f"{table.key}: {op.kind} {op.target} {op.name}")
                if number != 0:
                    continue
                if table.action is not Action.UPDATE:
                    lines.append(f"{table.key}: {table.action}")
                elif len(table.changes) > len(
                    {(op.target, op.name) for op in table.operations}
                ):
                    lines.append(f"{table.key}: every other change")
            steps.append(tuple(lines))
        return tuple(steps)

    @property
    def one_update(self) -> bool:
        return len(self.cloudformation_steps) <= 1

    def exit_code(self, allow_replace: bool) -> int:
        """0 when safe and deployable in one update; replacements pass with allow_replace."""
        if self.data_loss_risk and not allow_replace:
            return 1
        if any(t.blocked for t in self.tables):
            return 1
        return 0 if self.one_update else 1


def diff(
    old: Mapping[str, Snapshot], new: Project, against: str, origin: str | None = None,
    notes: tuple[str, ...] = (),
) -> Plan:
    """Every table of the baseline or the project, by key, with what happens to it;
    ``origin`` names the baseline's file in errors (default: ``against``)."""
    after = {t.key: table_snapshot(t) for t in new.tables}
    try:
        moved = renames(old, after)
        gone = set(moved.values())
        tables = tuple(
            _renamed(k, moved[k], old[moved[k]], after[k]) if k in moved
            else diff_snapshots(k, old.get(k), after.get(k))
            for k in sorted((old.keys() - gone) | after.keys())
        )
    except (KeyError, TypeError, AttributeError) as exc:
        # A hand-edited or damaged baseline; the project's side is always complete.
        raise ModelFileError(
            f"{origin or against} is damaged: {exc!r} missing or malformed"
        ) from exc
    return Plan(against, tables, notes)


def _identity(table: Snapshot) -> tuple[Any, ...]:
    """What makes two tables under different keys the same table: name, keys, indexes."""
    indexes = sorted(
        tuple(json.dumps(ix.get(k), sort_keys=True) for k in _INDEX_IDENTITY)
        for ix in table["global_secondary_indexes"]
    )
    keys = [table[k] for k in ("name", "partition_key", "sort_key", "local_secondary_indexes")]
    return (json.dumps(keys, sort_keys=True), tuple(indexes))


def renames(old: Mapping[str, Snapshot], new: Mapping[str, Snapshot]) -> dict[str, str]:
    """Old key by new key, for each table key that disappears while another appears with
    the same physical name, keys and indexes: a renamed table file, not a new table."""
    removed = {_identity(old[k]): k for k in sorted(old.keys() - new.keys())}
    return {
        key: removed[_identity(new[key])]
        for key in sorted(new.keys() - old.keys())
        if _identity(new[key]) in removed
    }


def _renamed(key: str, was: str, old: Snapshot, new: Snapshot) -> TablePlan:
    plan = diff_snapshots(key, old, new)
    if plan.action is Action.REPLACE:
        return plan
    moved = sequencing.finding(
        "P111",
        f"the table file of {new['name']} moved from key {was} to {key}. Terraform: the "
        f"module has a `moved` block (moved.tf), so the state follows and the table stays. "
        f"CloudFormation: the logical id changes from {table_logical_id(was)} to "
        f"{table_logical_id(key)}, which it treats as a new table plus a removed one: the new "
        "one fails to create, a table of that name exists",
        (
            "Terraform: deploy as it is",
            f"CloudFormation, to keep the old logical id: name the file {was} again; or move "
            "the resource with a stack refactor (aws cloudformation create-stack-refactor "
            f"with --logical-resource-id-mappings {table_logical_id(was)} -> "
            f"{table_logical_id(key)}); or deploy a template without it (the table is kept, "
            "DeletionPolicy Retain), then import it under the new id (`python -m generator "
            "import --format cloudformation`)",
        ),
    )
    return dataclasses.replace(plan, action=Action.RENAME, findings=(moved, *plan.findings),
                               renamed_from=was)


# --- output -----------------------------------------------------------------------------

_LABELS = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "REPLACE (data loss)",
    Action.REMOVE: "REMOVE",
    Action.RENAME: "renamed table file (Terraform moves it)",
    Action.UNCHANGED: "unchanged",
}


def format_text(plan: Plan, allow_replace: bool) -> str:
    lines = [f"Plan against {plan.against}:"]
    lines.extend(f"  note: {note}" for note in plan.notes)
    for table in plan.tables:
        lines.append(f"  {table.key} ({table.name}): {_LABELS[table.action]}")
        for change in table.changes:
            effect = "forces replacement" if change.replaces else "in place"
            if change.replaces_in and change.replaces_in != _BOTH:
                effect = "forces replacement in " + ", ".join(change.replaces_in)
            elif change.before and change.after and change.field.startswith(
                "global_secondary_indexes"
            ) and change.field.endswith("]"):
                effect = "in place: index deleted and created again"
            lines.append(
                f"    {change.field}: {change.before or '(none)'} -> {change.after or '(none)'}"
                f"  [{effect}]"
            )
        lines.extend(f"    ! {note}" for note in table.notes)
        for found in table.findings:
            level = "needs steps" if found.blocking else "warning"
            lines.append(f"    {found.code} ({level}) {found.title}: {found.explanation}")
            lines.extend(f"      {n}. {step}" for n, step in enumerate(found.steps, 1))
    steps = plan.cloudformation_steps
    if len(steps) > 1:
        lines.append(f"CloudFormation needs {len(steps)} stack updates, in this order:")
        for number, step in enumerate(steps, 1):
            lines.append(f"  step {number}: " + "; ".join(step))
        lines.append(
            "  (deploy each step from table files that hold the index changes up to that step)"
        )
    counts = {a: sum(t.action is a for t in plan.tables) for a in Action}
    lines.append(
        f"{counts[Action.CREATE]} to create, {counts[Action.UPDATE]} to update in place, "
        + (f"{counts[Action.RENAME]} renamed, " if counts[Action.RENAME] else "")
        + f"{counts[Action.REPLACE]} to replace, {counts[Action.REMOVE]} to remove, "
        f"{counts[Action.UNCHANGED]} unchanged"
    )
    if plan.data_loss_risk:
        lines.append(
            "Data loss risk: accepted by --allow-replace"
            if allow_replace
            else "Data loss risk: refusing; review the notes above, or pass --allow-replace"
        )
    return "\n".join(lines) + "\n"


def format_json(plan: Plan, allow_replace: bool) -> str:
    document = {
        "against": plan.against,
        "notes": list(plan.notes),
        "data_loss_risk": plan.data_loss_risk,
        "deployable_in_one_update": plan.one_update,
        "exit_code": plan.exit_code(allow_replace),
        "tables": [
            {
                "key": t.key,
                "name": t.name,
                "action": str(t.action),
                "changes": [
                    {**dataclasses.asdict(c), "replaces": c.replaces} for c in t.changes
                ],
                "cloudformation_operations": [dataclasses.asdict(op) for op in t.operations],
                "notes": list(t.notes),
                "renamed_from": t.renamed_from,
                "terraform_action": t.terraform_action,
                "findings": [dataclasses.asdict(f) for f in t.findings],
            }
            for t in plan.tables
        ],
        "cloudformation_steps": [list(step) for step in plan.cloudformation_steps],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- baselines and commands -------------------------------------------------------------


def build_warning(out_dir: Path, project: Project) -> str | None:
    """What `build` must say before it writes a change that replaces or removes a table."""
    if not (out_dir / MODEL_FILE).exists():
        return None  # nothing built here yet, or a build from before model.json
    try:
        found = baseline.read(out_dir, None)
        plan = diff(found.tables, project, found.label, found.origin)
    except ModelFileError as error:
        return f"warning: cannot compare with the baseline, so no plan check: {error}"
    if not plan.data_loss_risk:
        return None
    tables = ", ".join(
        f"{t.key} ({t.action})" for t in plan.tables if t.data_loss_risk
    )
    return (
        "WARNING: this build replaces or removes tables (their items may be lost), compared "
        f"with {plan.against}: {tables}. Run `python -m generator plan` for details before "
        "committing."
    )


def command(
    project: Project,
    *,
    out_dir: Path,
    against: str | None,
    where: deployed.Where,
    allow_replace: bool,
    output_format: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """The `plan` command: 0 safe and one update, 1 otherwise, 2 invalid options or a
    baseline source that is not what it should be, 3 baseline unreadable."""
    try:
        target = deployed.parse_against(against) if against is not None else None
        if target is None:
            found = baseline.read(out_dir, against)
            plan = diff(found.tables, project, found.label, found.origin)
        else:
            deployment = where.deployment(*target)
            gone = _gone_tables(out_dir, project) if target[0] == deployed.LIVE else {}
            tables = deployed.read(deployment, project, gone)
            plan = diff(tables.tables, deployed.with_common_tags(project, deployment.tags),
                        deployment.label, notes=tables.notes)
    except ModelFileError as error:
        print(f"error: {error}", file=err)
        return 3
    except SourceError as error:
        print(f"error: {error}", file=err)
        return error.exit_code
    formatter = format_json if output_format == "json" else format_text
    out.write(formatter(plan, allow_replace))
    return plan.exit_code(allow_replace)


def _gone_tables(out_dir: Path, project: Project) -> dict[str, str]:
    """Names of the tables the committed baseline has and the table files no longer do: live
    tables carry no table key, so these are looked up to show their removal."""
    try:
        recorded = baseline.read(out_dir, None).tables
    except ModelFileError:
        return {}
    keys = {t.key for t in project.tables}
    return {key: table["name"] for key, table in recorded.items() if key not in keys}
