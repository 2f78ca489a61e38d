"""What a schema edit does to deployed tables: create, update in place, replace or remove.

A table loses its items when an engine replaces it, so every change is classified the way
Terraform's AWS provider and CloudFormation treat it: the key schema, a key attribute's
type, the local secondary indexes and the table name force a new table; everything else is
an in-place update. CloudFormation adds one constraint of its own: one global secondary
index created or deleted per table per stack update, so larger index changes are planned as
a sequence of deployable steps.

The baseline is ``model.json``, a canonical dump of the model that every build writes next
to the IaC it describes, so the last build (or any git revision of it) can be read back
without parsing Terraform or CloudFormation.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from generator.model import (
    Capacity,
    Encryption,
    GlobalSecondaryIndex,
    KeyAttribute,
    LocalSecondaryIndex,
    Project,
    Projection,
    Table,
)

MODEL_FILE = "model.json"
_MODEL_KIND = "dynamodb-schema-generator model"
_MODEL_FORMAT = 1


class ModelFileError(Exception):
    """A model.json that cannot be read back: missing, foreign, or from another format."""


# --- model.json -------------------------------------------------------------------------


# The fields that decide what gets deployed; descriptions and access roles do not.
_DEPLOYED_FIELDS = (
    "name",
    "source",
    "partition_key",
    "sort_key",
    "billing_mode",
    "capacity",
    "global_secondary_indexes",
    "local_secondary_indexes",
    "ttl_attribute",
    "stream_view_type",
    "table_class",
    "encryption",
    "point_in_time_recovery",
    "deletion_protection",
)


def _table_dict(table: Table) -> dict[str, Any]:
    data = {field: getattr(table, field) for field in _DEPLOYED_FIELDS}
    for field, value in data.items():
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            data[field] = dataclasses.asdict(value)
        elif isinstance(value, tuple):
            data[field] = [dataclasses.asdict(item) for item in value]
    data["tags"] = dict(table.tags)
    return data


def model_json(project: Project) -> str:
    """The deployed shape of every table as stable, reviewable JSON, tables by key."""
    document = {
        "generator": _MODEL_KIND,
        "format": _MODEL_FORMAT,
        "tables": {table.key: _table_dict(table) for table in project.tables},
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _key_attr(raw: dict[str, Any] | None) -> KeyAttribute | None:
    return None if raw is None else KeyAttribute(str(raw["name"]), str(raw["type"]))


def _capacity(raw: dict[str, Any] | None) -> Capacity | None:
    return None if raw is None else Capacity(int(raw["read"]), int(raw["write"]))


def _projection(raw: dict[str, Any]) -> Projection:
    return Projection(str(raw["type"]), tuple(str(a) for a in raw["non_key_attributes"]))


def _table_from_dict(key: str, raw: dict[str, Any]) -> Table:
    partition_key = _key_attr(raw["partition_key"])
    if partition_key is None:
        raise ModelFileError(f"table {key} has no partition key")
    gsis = tuple(
        GlobalSecondaryIndex(
            str(g["name"]),
            KeyAttribute(str(g["partition_key"]["name"]), str(g["partition_key"]["type"])),
            _key_attr(g["sort_key"]),
            _projection(g["projection"]),
            _capacity(g["capacity"]),
        )
        for g in raw["global_secondary_indexes"]
    )
    lsis = tuple(
        LocalSecondaryIndex(
            str(ix["name"]),
            KeyAttribute(str(ix["sort_key"]["name"]), str(ix["sort_key"]["type"])),
            _projection(ix["projection"]),
        )
        for ix in raw["local_secondary_indexes"]
    )
    return Table(
        key=key,
        source=str(raw["source"]),
        name=str(raw["name"]),
        description="",
        partition_key=partition_key,
        sort_key=_key_attr(raw["sort_key"]),
        billing_mode=str(raw["billing_mode"]),
        capacity=_capacity(raw["capacity"]),
        global_secondary_indexes=gsis,
        local_secondary_indexes=lsis,
        ttl_attribute=raw["ttl_attribute"],
        stream_view_type=raw["stream_view_type"],
        table_class=str(raw["table_class"]),
        encryption=Encryption(str(raw["encryption"]["type"]), raw["encryption"]["kms_key_arn"]),
        point_in_time_recovery=bool(raw["point_in_time_recovery"]),
        deletion_protection=bool(raw["deletion_protection"]),
        tags=tuple(sorted((str(k), str(v)) for k, v in raw["tags"].items())),
    )


def project_from_json(text: str, origin: str) -> Project:
    """Read back what ``model_json`` wrote; ``origin`` names the file in errors."""
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
    try:
        tables = [_table_from_dict(k, v) for k, v in document["tables"].items()]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise ModelFileError(f"{origin} is damaged: {exc!r}") from exc
    return Project(tuple(sorted(tables, key=lambda t: t.key)))


# --- the diff ---------------------------------------------------------------------------


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    REPLACE = "replace"
    REMOVE = "remove"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """One field that differs; ``replaces`` when either engine needs a new table for it."""

    field: str
    before: str | None
    after: str | None
    replaces: bool


@dataclass(frozen=True)
class IndexOperation:
    """A global secondary index that CloudFormation must create or delete."""

    kind: str  # "delete" or "create"
    index: str


@dataclass(frozen=True)
class TablePlan:
    key: str
    name: str
    action: Action
    changes: tuple[Change, ...]
    index_operations: tuple[IndexOperation, ...]
    notes: tuple[str, ...]

    @property
    def data_loss_risk(self) -> bool:
        return self.action in (Action.REPLACE, Action.REMOVE)


def _attr(attribute: KeyAttribute | None) -> str | None:
    return None if attribute is None else f"{attribute.name} ({attribute.type})"


def _capacity_text(capacity: Capacity | None) -> str | None:
    return None if capacity is None else f"read {capacity.read}, write {capacity.write}"


def _projection_text(projection: Projection) -> str:
    if projection.non_key_attributes:
        return f"{projection.type} [{', '.join(projection.non_key_attributes)}]"
    return projection.type


def _gsi_text(index: GlobalSecondaryIndex) -> str:
    keys = f"hash {_attr(index.partition_key)}"
    if index.sort_key:
        keys += f", range {_attr(index.sort_key)}"
    return f"{keys}; projection {_projection_text(index.projection)}"


def _lsi_text(index: LocalSecondaryIndex) -> str:
    return f"range {_attr(index.sort_key)}; projection {_projection_text(index.projection)}"


def _encryption_text(encryption: Encryption) -> str:
    return encryption.type + (f" {encryption.kms_key_arn}" if encryption.kms_key_arn else "")


def _tags_text(tags: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in tags) or "(none)"


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


# Fields compared as a whole: (field, how to show it, whether it forces a new table).
_SCALARS: tuple[tuple[str, Callable[[Table], str | None], bool], ...] = (
    ("name", lambda t: t.name, True),
    ("partition_key", lambda t: _attr(t.partition_key), True),
    ("sort_key", lambda t: _attr(t.sort_key), True),
    ("billing_mode", lambda t: t.billing_mode, False),
    ("capacity", lambda t: _capacity_text(t.capacity), False),
    ("ttl_attribute", lambda t: t.ttl_attribute, False),
    ("stream", lambda t: t.stream_view_type, False),
    ("table_class", lambda t: t.table_class, False),
    ("encryption", lambda t: _encryption_text(t.encryption), False),
    ("point_in_time_recovery", lambda t: _text(t.point_in_time_recovery), False),
    ("deletion_protection", lambda t: _text(t.deletion_protection), False),
    ("tags", lambda t: _tags_text(t.tags), False),
)


def _index_changes(
    old: Table, new: Table
) -> Iterator[Change | IndexOperation]:
    before = {ix.name: ix for ix in old.local_secondary_indexes}
    after = {ix.name: ix for ix in new.local_secondary_indexes}
    for name in sorted(before.keys() | after.keys()):
        was, now = before.get(name), after.get(name)
        if was != now:
            yield Change(
                f"local_secondary_indexes[{name}]",
                _lsi_text(was) if was else None,
                _lsi_text(now) if now else None,
                True,
            )
    gsi_before = {ix.name: ix for ix in old.global_secondary_indexes}
    gsi_after = {ix.name: ix for ix in new.global_secondary_indexes}
    deletes: list[IndexOperation] = []
    redefines: list[IndexOperation] = []
    creates: list[IndexOperation] = []
    for name in sorted(gsi_before.keys() | gsi_after.keys()):
        gwas, gnow = gsi_before.get(name), gsi_after.get(name)
        if gwas == gnow:
            continue
        field = f"global_secondary_indexes[{name}]"
        if gwas is not None and gnow is not None and dataclasses.replace(
            gwas, capacity=gnow.capacity
        ) == gnow:
            yield Change(
                f"{field}.capacity",
                _capacity_text(gwas.capacity),
                _capacity_text(gnow.capacity),
                False,
            )
            continue
        yield Change(
            field, _gsi_text(gwas) if gwas else None, _gsi_text(gnow) if gnow else None, False
        )
        if gwas is not None and gnow is not None:
            redefines += [IndexOperation("delete", name), IndexOperation("create", name)]
        elif gwas is not None:
            deletes.append(IndexOperation("delete", name))
        else:
            creates.append(IndexOperation("create", name))
    # Deleting first frees index quota; a redefined index is missing for one step only.
    yield from deletes
    yield from redefines
    yield from creates


def _protection_note(table: Table) -> str:
    return (
        f"deletion protection is OFF for this table ({table.source} sets "
        "deletion_protection: false): no prevent_destroy in Terraform, DeletionPolicy "
        "Delete in CloudFormation; a replace or remove deletes its items"
    )


def _replace_notes(old: Table, new: Table, replacing: list[Change]) -> list[str]:
    forced = ", ".join(c.field for c in replacing)
    notes = [f"DATA LOSS: {forced} cannot change in place; the table would be replaced"]
    if new.deletion_protection:
        notes.append(
            "Terraform: `terraform plan` stops with 'Instance cannot be destroyed' "
            "(lifecycle prevent_destroy)"
        )
    else:
        notes.append(
            "Terraform: destroys the table with all its items and creates an empty one"
            + (" (the destroy fails while the deployed table has deletion protection on)"
               if old.deletion_protection else "")
        )
    if old.name != new.name:
        kept = (
            "keeps the old table and its items outside the stack (UpdateReplacePolicy Retain)"
            if new.deletion_protection
            else "deletes the old table and its items (UpdateReplacePolicy Delete)"
        )
        notes.append(f"CloudFormation: creates an empty table {new.name} and {kept}")
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


def _remove_notes(old: Table) -> list[str]:
    if old.deletion_protection:
        return [
            "Terraform: the resource and its prevent_destroy leave the module, so Terraform "
            "plans a destroy; DynamoDB refuses it (deletion protection) and the apply fails. "
            "To stop managing the table and keep it, add a `removed` block to the root "
            f"module (from = <module address>.aws_dynamodb_table.{old.key}, lifecycle "
            "destroy = false; Terraform >= 1.7) or run `terraform state rm`",
            "CloudFormation: the table stays, outside the stack (DeletionPolicy Retain)",
            "to delete it on purpose: first deploy the file with deletion_protection: false, "
            "then remove the file",
        ]
    return [
        "DATA LOSS: Terraform and CloudFormation delete the table and all its items "
        f"(deletion protection was turned off in {old.source})"
    ]


def diff_table(old: Table | None, new: Table | None) -> TablePlan:
    """How one table changes between two models; None means absent on that side."""
    if old is None and new is None:
        raise ValueError("diff_table needs at least one table")
    if old is None:
        assert new is not None
        created = () if new.deletion_protection else (_protection_note(new),)
        return TablePlan(new.key, new.name, Action.CREATE, (), (), created)
    if new is None:
        return TablePlan(old.key, old.name, Action.REMOVE, (), (), tuple(_remove_notes(old)))
    changes: list[Change] = []
    for field, show, replaces in _SCALARS:
        before, after = show(old), show(new)
        if before != after:
            changes.append(Change(field, before, after, replaces))
    operations: list[IndexOperation] = []
    for item in _index_changes(old, new):
        if isinstance(item, Change):
            changes.append(item)
        else:
            operations.append(item)
    replacing = [c for c in changes if c.replaces]
    notes: list[str] = []
    if replacing:
        action = Action.REPLACE
        notes += _replace_notes(old, new, replacing)
        operations = []  # a new table gets every index at creation
    elif changes:
        action = Action.UPDATE
    else:
        action = Action.UNCHANGED
    if not new.deletion_protection:
        notes.append(_protection_note(new))
    if action is Action.UPDATE and len(operations) > 1:
        notes.append(
            f"CloudFormation: {len(operations)} index creations/deletions, but a stack update "
            "may create or delete only one global secondary index per table; deploy the steps "
            "below in order (Terraform applies them in one run)"
        )
    return TablePlan(new.key, new.name, action, tuple(changes), tuple(operations), tuple(notes))


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
        """Stack updates needed, each with at most one index operation per table.

        Everything else changes in the first step; a plan without index operations is one
        step, and a plan without changes is none.
        """
        updating = [t for t in self.tables if t.action is not Action.UNCHANGED]
        if not updating:
            return ()
        count = max([1, *(len(t.index_operations) for t in updating)])
        steps: list[tuple[str, ...]] = []
        for number in range(count):
            lines: list[str] = []
            for table in updating:
                if number < len(table.index_operations):
                    operation = table.index_operations[number]
                    lines.append(f"{table.key}: {operation.kind} index {operation.index}")
                if number != 0:
                    continue
                if table.action is not Action.UPDATE:
                    lines.append(f"{table.key}: {table.action}")
                elif any(
                    not c.field.startswith("global_secondary_indexes[")
                    or c.field.endswith(".capacity")
                    for c in table.changes
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


def diff(old: Project, new: Project, against: str) -> Plan:
    """Every table of either project, by key, with what happens to it."""
    before = {t.key: t for t in old.tables}
    after = {t.key: t for t in new.tables}
    return Plan(
        against,
        tuple(diff_table(before.get(k), after.get(k)) for k in sorted(before | after)),
    )


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
            if change.before and change.after and change.field.endswith("]"):
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
                "changes": [dataclasses.asdict(c) for c in t.changes],
                "cloudformation_index_operations": [
                    dataclasses.asdict(op) for op in t.index_operations
                ],
                "notes": list(t.notes),
            }
            for t in plan.tables
        ],
        "cloudformation_steps": [list(step) for step in plan.cloudformation_steps],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


# --- baselines and commands -------------------------------------------------------------


def read_baseline(out_dir: Path, against: str | None) -> tuple[Project, str]:
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
        return project_from_json(text, str(path)), str(path)
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
    return project_from_json(result.stdout, f"{against}:{folder.name}/{MODEL_FILE}"), spec


def build_warning(out_dir: Path, project: Project) -> str | None:
    """What `build` must say before it writes a change that replaces or removes a table."""
    try:
        old, origin = read_baseline(out_dir, None)
    except ModelFileError:
        return None  # nothing deployed from here yet, or a build from before model.json
    plan = diff(old, project, origin)
    if not plan.data_loss_risk:
        return None
    tables = ", ".join(
        f"{t.key} ({t.action})" for t in plan.tables if t.data_loss_risk
    )
    return (
        f"WARNING: this build replaces or removes tables, which loses their items: {tables}. "
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
    except ModelFileError as error:
        print(f"error: {error}", file=err)
        return 3
    plan = diff(old, project, origin)
    formatter = format_json if output_format == "json" else format_text
    out.write(formatter(plan, allow_replace))
    return plan.exit_code(allow_replace)
