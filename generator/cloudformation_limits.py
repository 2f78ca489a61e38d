"""CloudFormation's quotas on one template, in one table, and a rendered template checked
against them.

Values from "Understand CloudFormation quotas" in the CloudFormation User Guide (and equal
to cfn-lint's own table). They are counted on the rendered template, so every resource
any template adds counts, not what this module assumes a table renders to.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from generator.diagnostics import RuleCode


@dataclass(frozen=True)
class Quota:
    """One limit: its rule, what it counts, and the most CloudFormation accepts."""

    rule: RuleCode
    counts: str
    maximum: int

    @property
    def code(self) -> str:
        return self.rule.code


# An export name holds the stack's name, which may have this many characters.
STACK_NAME_MAX = 128


def _quota(code: str, counts: str, maximum: int,
           title: str = "a stack's template has at most {maximum} {counts}") -> Quota:
    """A quota, its rule's title stating the maximum (``title`` is a format string)."""
    rule = RuleCode(code, title.format(maximum=maximum, counts=counts, stack=STACK_NAME_MAX))
    return Quota(rule, counts, maximum)


# Entries per section of a template.
SECTION_QUOTAS = {
    "Resources": _quota("E301", "resources", 500),
    "Outputs": _quota("E302", "outputs", 200),
    "Parameters": _quota("E303", "parameters", 200),
    "Mappings": _quota("E304", "mappings", 200),
}
# Bytes of the template body: through S3 (an error above it), and in the request itself.
BODY_QUOTA = _quota(
    "E305", "bytes of template body uploaded through S3", 1_000_000,
    "a stack's template has at most {maximum:,} bytes (the limit through S3)",
)
DIRECT_BODY_QUOTA = _quota(
    "N301", "bytes of template body in the request", 51_200,
    "a note, not an error: the template is over the {maximum:,} bytes CloudFormation takes "
    "in a request; deploy it through S3 (`--s3-bucket`)",
)
# Characters of a logical id, output, parameter or mapping name.
NAME_QUOTA = _quota(
    "E306", "characters in a name", 255,
    "logical ids, output, parameter and mapping names have at most {maximum} characters",
)
# Characters of an export name, with a stack name of STACK_NAME_MAX characters.
EXPORT_NAME_QUOTA = _quota(
    "E307", "characters in an export name", 255,
    "export names (`<stack name>-<output>`, with a stack name of up to {stack} characters) "
    "have at most {maximum} characters",
)
# Not a quota, but a rule across templates: an output name belongs to one stack.
UNIQUE_OUTPUT = RuleCode(
    "E308", "an output name belongs to one stack (names come from table keys and environment "
    "variables)",
)
# Every rule here, the note's too (the README's rule table lists each).
RULES = (*(q.rule for q in SECTION_QUOTAS.values()), BODY_QUOTA.rule, NAME_QUOTA.rule,
         EXPORT_NAME_QUOTA.rule, UNIQUE_OUTPUT, DIRECT_BODY_QUOTA.rule)
STACK_NAME_VARIABLE = "${AWS::StackName}"


@dataclass(frozen=True)
class Finding:
    """One quota a template breaks; ``name`` is the entry it is about, if it is one entry."""

    code: str
    message: str
    hint: str
    name: str | None = None


def _export_names(outputs: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(output, export name as deployed with the longest stack name) of each export."""
    for output, body in outputs.items():
        name = body.get("Export", {}).get("Name") if isinstance(body, dict) else None
        if isinstance(name, dict) and isinstance(name.get("Fn::Sub"), str):
            name = name["Fn::Sub"].replace(STACK_NAME_VARIABLE, "s" * STACK_NAME_MAX)
        if isinstance(name, str):
            yield output, name


def check(text: str, tables: int) -> list[Finding]:
    """Every quota the template ``text`` (of a stack with ``tables`` tables) breaks."""
    return check_parsed(json.loads(text), len(text.encode("utf-8")), tables)


def check_parsed(template: dict[str, Any], size: int, tables: int) -> list[Finding]:
    """As ``check``, for a template already parsed from its text of ``size`` bytes."""
    findings: list[Finding] = []
    for section, quota in SECTION_QUOTAS.items():
        count = len(template.get(section, {}))
        if count > quota.maximum:
            per_table = f" ({count / tables:.1f} per table)" if tables else ""
            fits = int(quota.maximum * tables / count) if tables else 0
            findings.append(Finding(
                quota.code,
                f"has {count} {quota.counts}{per_table}; "
                f"CloudFormation accepts at most {quota.maximum}",
                f"move some of its {tables} tables to another stack with `stack: NAME` in "
                f"their files (about {fits} tables fit in one)",
            ))
        for name in template.get(section, {}):
            if len(name) > NAME_QUOTA.maximum:
                findings.append(Finding(
                    NAME_QUOTA.code,
                    f"has a name of {len(name)} characters in {section} ({name[:40]}...); "
                    f"CloudFormation accepts at most {NAME_QUOTA.maximum}",
                    "rename the table file to a shorter table key", name))
    for output, export in _export_names(template.get("Outputs", {})):
        if len(export) > EXPORT_NAME_QUOTA.maximum:
            findings.append(Finding(
                EXPORT_NAME_QUOTA.code,
                f"has an export name of {len(export)} characters (output {output}, with a "
                f"stack name of {STACK_NAME_MAX}); CloudFormation accepts at most "
                f"{EXPORT_NAME_QUOTA.maximum}",
                "rename the table file to a shorter table key", output))
    if size > BODY_QUOTA.maximum:
        findings.append(Finding(
            BODY_QUOTA.code,
            f"has {size:,} bytes; CloudFormation accepts at most "
            f"{BODY_QUOTA.maximum:,}, even through S3",
            f"move some of its {tables} tables to another stack with `stack: NAME` in "
            "their files"))
    elif size > DIRECT_BODY_QUOTA.maximum:
        findings.append(Finding(
            DIRECT_BODY_QUOTA.code,
            f"has {size:,} bytes, more than the "
            f"{DIRECT_BODY_QUOTA.maximum:,} CloudFormation takes in the request",
            "deploy it with `aws cloudformation deploy --s3-bucket BUCKET` (as the README's "
            "commands do)"))
    return findings


def duplicate_output(output: str, stack: str) -> Finding:
    """An output name another stack has too: consumers could not tell the two apart."""
    return Finding(
        UNIQUE_OUTPUT.code, f"has output {output}, which stack {stack} has too",
        "output names come from table keys and environment variables: rename one", output)


def is_note(finding: Finding) -> bool:
    """Notes say how to deploy; they never fail a build."""
    return finding.code.startswith("N")
