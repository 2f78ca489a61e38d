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
import functools
import json
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from generator.filters import pretty_json
from generator.model import Project, Table

MODEL_FILE = "model.json"
_MODEL_KIND = "dynamodb-schema-generator model"
_MODEL_FORMAT = 1

TERRAFORM = "terraform"
CLOUDFORMATION = "cloudformation"
_BOTH = (TERRAFORM, CLOUDFORMATION)

# Model fields that are not deployed settings of the table: names, prose, IAM, timeouts.
_NOT_DEPLOYED = frozenset(
    {"key", "description", "environment_variable", "access_roles", "timeouts",
     "encryption_stated", "stack", "file", "display"}
)
# Recorded for messages, never a change.
_NOT_COMPARED = frozenset({"source"})
# Settings that only exist from table creation, and so need a new table in both engines.
_REPLACES = {
    "name": _BOTH,
    "partition_key": _BOTH,
    "sort_key": _BOTH,
    "import_source": _BOTH,
}
# What identifies a global secondary index; other index settings change in place.
_INDEX_IDENTITY = ("name", "partition_key", "sort_key", "projection")

Snapshot = dict[str, Any]


class ModelFileError(Exception):
    """A model.json that cannot be read back: missing, foreign, or from another format."""


# --- model.json -------------------------------------------------------------------------


def table_snapshot(table: Table) -> Snapshot:
    """The deployed settings of one table as plain JSON values, in model field order."""
    data = {
        name: _plain(getattr(table, name))
        for name in _field_names(Table)
        if name not in _NOT_DEPLOYED
    }
    data["tags"] = dict(table.tags)
    return data


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(kind))


def _plain(value: object) -> Any:
    """A model value as JSON data: dataclasses become objects, tuples lists."""
    if isinstance(value, (str, int, float)) or value is None:
        return value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    raise TypeError(f"cannot record {type(value).__name__} in model.json")


def model_json(project: Project) -> str:
    """The deployed settings of every table as stable, reviewable JSON, tables by key."""
    document = {
        "generator": _MODEL_KIND,
        "format": _MODEL_FORMAT,
        "tables": {table.key: table_snapshot(table) for table in project.tables},
    }
    return pretty_json(document, end="\n")


def snapshots_from_json(text: str, origin: str) -> dict[str, Snapshot]:
    """Read back what ``model_json`` wrote, by table key; ``origin`` names it in errors."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{origin} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("generator") != _MODEL_KIND:
        raise ModelFileError(f"{origin} was not written by this generator")
    if document.get("format") != _MODEL_FORMAT:
        raise ModelFileError(
            f"{origin} has model format {document.get('format')!r}; "
            f"this generator reads format {_MODEL_FORMAT}"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(
        isinstance(t, dict) and isinstance(t.get("name"), str) for t in tables.values()
    ):
        raise ModelFileError(f"{origin} is damaged: 'tables' is not a map of tables")
    return {str(key): table for key, table in sorted(tables.items())}


# --- the diff ---------------------------------------------------------------------------


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    REMOVE = "remove"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """One setting that differs; ``replaces_in`` names the engines that need a new table."""

    field: str
    before: str | None
    after: str | None
    replaces_in: tuple[str, ...] = ()

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

    @property
    def data_loss_risk(self) -> bool:
        return self.action in (Action.REPLACE, Action.REMOVE)


def _attr(value: Any) -> str:
    return f"{value['name']} ({value['type']})"


def _projection_text(projection: Mapping[str, Any]) -> str:
    if projection.get("non_key_attributes"):
        return f"{projection['type']} [{', '.join(projection['non_key_attributes'])}]"
    return str(projection["type"])


def _gsi_text(index: Mapping[str, Any]) -> str:
    keys = f"hash {_attr(index['partition_key'])}"
    if index.get("sort_key"):
        keys += f", range {_attr(index['sort_key'])}"
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
    if TERRAFORM not in engines:
        notes.append("Terraform: updates this table in place")
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
    if "replicas" in old and bool(old["replicas"]) != bool(new["replicas"]):
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
        changes.append(
            Change(field, _show(field, old[field]), _show(field, new[field]),
                   _REPLACES.get(field, ()))
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
    if action is Action.UPDATE and len(operations) > 1:
        notes.append(
            f"CloudFormation: {len(operations)} index or replica creations/deletions, but a "
            "stack update may create or delete only one per table; deploy the steps below "
            "in order (Terraform applies them in one run)"
        )
    return TablePlan(key, new["name"], action, tuple(changes), tuple(operations), tuple(notes))


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
        return 0 if self.one_update else 1


def diff(old: Mapping[str, Snapshot], new: Project, against: str) -> Plan:
    """Every table of the baseline or the project, by key, with what happens to it."""
    after = {t.key: table_snapshot(t) for t in new.tables}
    try:
        tables = tuple(
            diff_snapshots(k, old.get(k), after.get(k)) for k in sorted(old.keys() | after)
        )
    except (KeyError, TypeError, AttributeError) as exc:
        # A hand-edited or damaged baseline; the project's side is always complete.
        raise ModelFileError(f"{against} is damaged: {exc!r} missing or malformed") from exc
    return Plan(against, tables)


# --- output -----------------------------------------------------------------------------

_LABELS = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "REPLACE (data loss)",
    Action.REMOVE: "REMOVE",
    Action.UNCHANGED: "unchanged",
}


def format_text(plan: Plan, allow_replace: bool) -> str:
    lines = [f"Plan against {plan.against}:"]
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
        f"{counts[Action.REPLACE]} to replace, {counts[Action.REMOVE]} to remove, "
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
            }
            for t in plan.tables
        ],
        "cloudformation_steps": [list(step) for step in plan.cloudformation_steps],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- baselines and commands -------------------------------------------------------------


def read_baseline(out_dir: Path, against: str | None) -> tuple[dict[str, Snapshot], str]:
    """The model of the last build in ``out_dir``, or of ``out_dir`` at git revision REF."""
    if against is None:
        path = out_dir / MODEL_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ModelFileError(
                f"{path} does not exist; run `python -m generator build` first, "
                "or compare with a git revision with --against REF"
            ) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelFileError(f"cannot read {path}: {exc}") from exc
        return snapshots_from_json(text, str(path)), str(path)
    folder = out_dir.resolve()
    spec = f"{against}:./{folder.name}/{MODEL_FILE}"
    try:
        result = subprocess.run(
            ["git", "show", spec],
            cwd=folder.parent,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as exc:
        raise ModelFileError(f"cannot run git: {exc}") from exc
    if result.returncode != 0:
        raise ModelFileError(f"git show {spec} failed: {result.stderr.strip()}")
    return snapshots_from_json(result.stdout, f"{against}:{folder.name}/{MODEL_FILE}"), spec


def build_warning(out_dir: Path, project: Project) -> str | None:
    """What `build` must say before it writes a change that replaces or removes a table."""
    if not (out_dir / MODEL_FILE).exists():
        return None  # nothing built here yet, or a build from before model.json
    try:
        old, origin = read_baseline(out_dir, None)
        plan = diff(old, project, origin)
    except ModelFileError as error:
        return f"warning: cannot compare with the previous build, so no plan check: {error}"
    if not plan.data_loss_risk:
        return None
    tables = ", ".join(
        f"{t.key} ({t.action})" for t in plan.tables if t.data_loss_risk
    )
    return (
        f"WARNING: this build replaces or removes tables (their items may be lost): {tables}. "
        "Run `python -m generator plan --against HEAD` for details before committing."
    )


def command(
    project: Project,
    *,
    out_dir: Path,
    against: str | None,
    allow_replace: bool,
    output_format: str,
    out: TextIO,
    err: TextIO,
) -> int:
    """The `plan` command: 0 safe and one update, 1 otherwise, 3 baseline unreadable."""
    try:
        old, origin = read_baseline(out_dir, against)
        plan = diff(old, project, origin)
    except ModelFileError as error:
        print(f"error: {error}", file=err)
        return 3
    formatter = format_json if output_format == "json" else format_text
    out.write(formatter(plan, allow_replace))
    return plan.exit_code(allow_replace)
