"""`plan`'s report: the plan as text for people or as JSON for pipelines.

Only wording and layout live here; what changes and why is decided by ``generator.plan``.
"""

from __future__ import annotations

import dataclasses
import json

from generator.plan import BOTH_ENGINES, Action, Plan

_LABELS = {
    Action.CREATE: "create",
    Action.UPDATE: "update in place",
    Action.REPLACE: "REPLACE (data loss)",
    Action.REMOVE: "REMOVE",
    Action.RENAME: "renamed table file (Terraform moves it)",
    Action.UNCHANGED: "unchanged",
}


def format_text(plan: Plan, allow_replace: bool) -> str:
    """The plan for people: each table's action, changes, notes and findings, then the
    CloudFormation steps and the counts."""
    lines = [f"Plan against {plan.against}:"]
    lines.extend(f"  note: {note}" for note in plan.notes)
    for table in plan.tables:
        lines.append(f"  {table.key} ({table.name}): {_LABELS[table.action]}")
        for change in table.changes:
            effect = "forces replacement" if change.replaces else "in place"
            if change.replaces_in and change.replaces_in != BOTH_ENGINES:
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


def format_json(plan: Plan, exit_code: int) -> str:
    """The plan for pipelines, with the exit code the command ends with."""
    document = {
        "against": plan.against,
        "notes": list(plan.notes),
        "data_loss_risk": plan.data_loss_risk,
        "deployable_in_one_update": plan.one_update,
        "exit_code": exit_code,
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
