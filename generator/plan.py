"""What a schema edit does to deployed tables: create, update in place, replace or remove.

A table loses its items when an engine replaces it, so every change is classified the way
Terraform's AWS provider and CloudFormation treat it: the key schema, a key attribute's
type, the local secondary indexes, the table name and the S3 import source force a new
table; turning a table into a global table (or back) changes its CloudFormation resource
type; everything else is an in-place update. CloudFormation adds a limit of its own: one
global secondary index (or replica) created or deleted per table per stack update, so
larger changes are planned as a sequence of deployable steps.

Both sides are model.json snapshots (``generator.model_file``): the baseline is the last
build's model.json (or any git revision of it), or what is deployed, read into the same form
(``generator.deployed``). A setting added to the model later is compared without code here,
as an in-place change unless listed below; changes are named by the table file's keys.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator import model_file, sequencing
from generator.features import ProviderTarget, default_target
from generator.invocation import MODULE_COMMAND
from generator.model import Project, Table
from generator.model_file import (
    GLOBAL_SECONDARY_INDEX,
    INDEX_IDENTITY,
    TABLE,
    ModelFileError,
    Snapshot,
    table_snapshot,
)
from generator.moves import renames
from generator.naming import table_logical_id
from generator.plan_wording import (
    CLOUDFORMATION,
    TERRAFORM,
    gsi_text,
    lsi_text,
    protection_note,
    remove_notes,
    replace_notes,
    show,
)
from generator.sequencing import Finding

# Both engines: a change that needs a new table in each.
BOTH_ENGINES = (TERRAFORM, CLOUDFORMATION)
# Settings that only exist from table creation, and so need a new table in both engines
# (by model.json key).
_REPLACES = {
    "name": BOTH_ENGINES,
    "partition_key": BOTH_ENGINES,
    "sort_key": BOTH_ENGINES,
    "import_source": BOTH_ENGINES,
    # Multi-Region strong consistency is chosen when the global table is created.
    "multi_region_consistency": BOTH_ENGINES,
}
# Settings that Terraform manages in resources of their own, beside the table (by the table
# file's key, as changes are named).
_TERRAFORM_ELSEWHERE = frozenset(
    {"contributor_insights", "kinesis_stream_arn", "resource_policy", "autoscaling"}
)


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
        ignored = {f.field for f in self.findings
                   if sequencing.RULES[f.code].terraform_ignores}
        applied = [c for c in self.changes
                   if c.field.split(".")[-1] not in _TERRAFORM_ELSEWHERE and c.field not in ignored
                   and not c.terraform_ignores]
        return "update" if applied else "no-op"


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
                lsi_text(was) if was else None,
                lsi_text(now) if now else None,
                BOTH_ENGINES,
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
            was.get(k) == now.get(k) for k in INDEX_IDENTITY
        ):
            for setting in sorted(was.keys() | now.keys()):
                if was.get(setting) != now.get(setting):
                    yield _change(f"{field}.{model_file.yaml_key(GLOBAL_SECONDARY_INDEX, setting)}",
                                  GLOBAL_SECONDARY_INDEX, setting, was.get(setting),
                                  now.get(setting))
            continue
        yield Change(field, gsi_text(was) if was else None, gsi_text(now) if now else None)
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


def _replica_changes(
    old: Snapshot, new: Snapshot, target: ProviderTarget,
) -> Iterator[Change | Operation | str]:
    """The replicas' changes and CloudFormation's operations on them, and a note for each
    replica whose changed settings the Terraform module cannot write."""
    before = _by_name(old["replicas"], "region")
    after = _by_name(new["replicas"], "region")
    if bool(before) != bool(after):
        yield Change(
            "replicas",
            show("replicas", sorted(before)) if before else None,
            show("replicas", sorted(after)) if after else None,
            (CLOUDFORMATION,),
        )
        return
    for region in sorted(before.keys() | after.keys()):
        was, now = before.get(region), after.get(region)
        if was == now:
            continue
        # A replica's own setting that its replica block does not carry (its table class,
        # tags, Contributor Insights...) leaves aws_dynamodb_table as it is.
        changed = {k for k in (was or {}).keys() | (now or {}).keys()
                   if (was or {}).get(k) != (now or {}).get(k)}
        yield Change(f"replicas[{region}]", show("replica", was), show("replica", now),
                     terraform_ignores=bool(was and now)
                     and not changed & target.replica_block_keys)
        unwritten = sorted(changed - target.replica_keys_written) if was and now else []
        if unwritten:
            yield (f"Terraform: the module does not write {', '.join(unwritten)} of the "
                   f"replica in {region} (provider target {target.major}; `build` warns), so "
                   "only CloudFormation changes that replica")
        if was is None:
            yield Operation("create", "replica", region)
        elif now is None:
            yield Operation("delete", "replica", region)


def _change(field: str, record: model_file.Record, key: str, before: Any, after: Any, *,
            replaces_in: tuple[str, ...] = (), terraform_ignores: bool = False) -> Change:
    """A setting's change, named and shown as the table file writes it."""
    name = field.rpartition(".")[2]
    return Change(field, show(name, model_file.shown_value(record, key, before)),
                  show(name, model_file.shown_value(record, key, after)), replaces_in,
                  terraform_ignores)


def _compared_fields(old: Snapshot, new: Snapshot) -> list[str]:
    """Fields of ``new`` that ``old`` recorded too: a baseline from an older generator lacks
    the settings added since, and those cannot be compared."""
    return [f for f in new if f in old and model_file.compared(TABLE, f)]


def diff_snapshots(
    key: str, old: Snapshot | None, new: Snapshot | None, target: ProviderTarget | None = None,
) -> TablePlan:
    """How one table changes between two snapshots; None means absent on that side.
    ``target``: the provider target of the Terraform module (default: the settings
    schema's), which decides what of a replica its replica block carries."""
    if new is None:
        if old is None:
            raise ValueError("diff_snapshots needs at least one table")
        return TablePlan(key, old["name"], Action.REMOVE, (), (), tuple(remove_notes(old)))
    if old is None:
        created = () if new["deletion_protection"] else (protection_note(new),)
        return TablePlan(key, new["name"], Action.CREATE, (), (), created)
    old, new = model_file.with_defaults(old, new)
    changes: list[Change] = []
    operations: list[Operation] = []
    replica_notes: list[str] = []
    for field in _compared_fields(old, new):
        if old[field] == new[field]:
            continue
        if field == "local_secondary_indexes":
            changes += _lsi_changes(old, new)
            continue
        if field in ("global_secondary_indexes", "replicas"):
            items: Iterator[Change | Operation | str] = (
                _gsi_changes(old, new) if field == "global_secondary_indexes"
                else _replica_changes(old, new, target or default_target()))
            for item in items:
                if isinstance(item, Change):
                    changes.append(item)
                elif isinstance(item, Operation):
                    operations.append(item)
                else:
                    replica_notes.append(item)
            continue
        retyped = field in ("partition_key", "sort_key") and bool(
            old[field] and new[field] and old[field]["name"] == new[field]["name"])
        replaces_in: tuple[str, ...] = _REPLACES.get(field, ())
        if field == "warm_throughput" and sequencing.warm_decreases(old[field], new[field]):
            replaces_in = (TERRAFORM,)  # the provider's answer to a decrease (see the notes)
        changes.append(_change(model_file.yaml_key(TABLE, field), TABLE, field, old[field],
                               new[field], replaces_in=replaces_in, terraform_ignores=retyped))
    replacing = [c for c in changes if c.replaces]
    notes: list[str] = []
    missing = sorted(model_file.yaml_key(TABLE, f) for f in new
                     if f not in old and model_file.compared(TABLE, f))
    if missing:
        notes.append(f"not compared, the baseline does not record them: {', '.join(missing)}")
    if replacing:
        action = Action.REPLACE
        notes += replace_notes(old, new, replacing)
        operations = []  # a new table gets every index at creation
    elif changes:
        action = Action.UPDATE
    else:
        action = Action.UNCHANGED
    notes += replica_notes
    if not new["deletion_protection"]:
        notes.append(protection_note(new))
    found: list[Finding] = []
    if action is not Action.REPLACE:
        found += sequencing.findings(key, old, new)
    if action is Action.UPDATE and len(operations) > 1:
        found.append(sequencing.SEVERAL_OPERATIONS.finding(
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

    def deployable(self, allow_replace: bool) -> bool:
        """Safe and deployable in one update; replacements pass with ``allow_replace``."""
        if self.data_loss_risk and not allow_replace:
            return False
        return not any(t.blocked for t in self.tables) and self.one_update


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
            _renamed(k, moved[k], old[moved[k]], after[k], new.provider) if k in moved
            else diff_snapshots(k, old.get(k), after.get(k), new.provider)
            for k in sorted((old.keys() - gone) | after.keys())
        )
    except (KeyError, TypeError, AttributeError) as exc:
        # A hand-edited or damaged baseline; the project's side is always complete.
        raise ModelFileError(
            f"{origin or against} is damaged: {exc!r} missing or malformed"
        ) from exc
    return Plan(against, tables, notes)


def _renamed(
    key: str, was: str, old: Snapshot, new: Snapshot, target: ProviderTarget,
) -> TablePlan:
    plan = diff_snapshots(key, old, new, target)
    if plan.action is Action.REPLACE:
        return plan
    moved = sequencing.RENAMED.finding(
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
            f"DeletionPolicy Retain), then import it under the new id (`{MODULE_COMMAND} "
            "import --format cloudformation`)",
        ),
    )
    return dataclasses.replace(plan, action=Action.RENAME, findings=(moved, *plan.findings),
                               renamed_from=was)



