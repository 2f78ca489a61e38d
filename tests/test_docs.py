"""out/docs/tables.md documents every table, index, role and protection, with a Mermaid diagram."""

from __future__ import annotations

import re

from generator import cloudformation_limits, load_rules
from generator.alarm_checks import RULES as ALARM_RULES
from generator.checks import PROJECT_RULES, TABLE_RULES
from generator.diagnostics import RuleCode
from generator.environments import RULES as ENVIRONMENT_RULES
from generator.filters import mermaid
from generator.pipeline import generate, load_project
from generator.target_checks import RULES as TARGET_RULES
from generator.validate import SCHEMA_RULES
from tests.conftest import OUT, REPO, SCHEMAS

DOC = (OUT / "docs" / "tables.md").read_text(encoding="utf-8")
PROJECT = load_project(SCHEMAS)


def mermaid_block() -> str:
    match = re.search(r"```mermaid\n(.*?)```", DOC, re.S)
    assert match, "no mermaid block"
    return match.group(1)


def test_diagram_has_a_node_per_table_and_an_edge_per_index() -> None:
    diagram = mermaid_block()
    assert diagram.startswith("flowchart LR\n")
    for table in PROJECT.tables:
        assert f'  {table.key}[("{table.name}<br/>' in diagram
        edges = re.findall(rf"^  {table.key} -->\|GSI\| ", diagram, re.M)
        assert len(edges) == len(table.global_secondary_indexes)


def test_every_table_section_lists_indexes_roles_and_protections() -> None:
    for table in PROJECT.tables:
        section = DOC.split(f"\n## {table.key}\n", 1)[1].split("\n## ", 1)[0]
        assert f"| Default name | `{table.name}` |" in section
        assert "| Deletion protection | on (Terraform prevent\\_destroy" in section
        for index in table.global_secondary_indexes:
            assert f"| `{index.name}` | global | Query by `{index.partition_key.name}`" in section
        for role in table.access_roles:
            rows = section.splitlines()
            row = next(line for line in rows if line.startswith(f"| `{role.name}` |"))
            for action in role.actions:
                assert f"`dynamodb:{action}`" in row


def test_sessions_doc_has_no_device_index_and_says_why_list_by_device_is_not_served() -> None:
    assert "| `gsi-device-id` | global" not in DOC
    assert "| `ListByDeviceID` | Query | `gsi-device-id` | `device_id = :device_id` | none | " \
        "descending | none | not served |" in DOC
    assert "- `ListByDeviceID`: Sessions of a device (\\`sentinel device sessions\\`). " \
        "**Not served:** Sentinel writes an unset device\\_id as \"\"" in DOC


def _section(key: str) -> str:
    return DOC.split(f"\n## {key}\n", 1)[1].split("\n## ", 1)[0]


def test_every_pattern_has_a_row_with_operation_index_key_order_limit_and_roles() -> None:
    for table in PROJECT.tables:
        section = _section(table.key)
        assert table.usage.patterns, f"{table.key} declares its access patterns"
        for pattern in table.usage.patterns:
            row = next(line for line in section.splitlines()
                       if line.startswith(f"| `{pattern.name}` | {pattern.action}"))
            cells = [cell.strip() for cell in row.strip("|").split("|")]
            assert cells[2] == (f"`{pattern.index}`" if pattern.index else "table")
            assert cells[3] == (f"`{pattern.key_expression}`" if pattern.key else "none")
            if pattern.served:
                assert cells[7] == ", ".join(f"`{r}`" for r in pattern.roles)
    row = next(line for line in _section("breakglass").splitlines()
               if line.startswith("| `CountByInvokerSince` |"))
    assert row == (
        "| `CountByInvokerSince` | Query (count) | `gsi-invoker` | `invoker = :invoker` | "
        "`created_at >= :created_at` | none | none | `auditor`, `runtime` |"
    )


def test_every_acknowledged_warning_is_shown_with_its_reason() -> None:
    shown = 0
    for table in PROJECT.tables:
        section = _section(table.key)
        for pattern, acknowledgement in table.usage.acknowledged:
            assert (f"| `{pattern.name}` | {acknowledgement.code} {acknowledgement.title} | "
                    in section)
            shown += 1
    assert shown == 11  # on the sessions and break-glass queries and scans
    assert "| `GetBySourceIdentity` | W203 a scan used as a lookup | Sentinel's lookup, not " \
        "the table's: it reads the table instead of querying an index on source\\_identity. |" \
        in DOC


def test_mermaid_labels_cannot_break_out_of_their_quotes() -> None:
    assert mermaid('a"] --> evil["x') == "a#quot;] --#gt; evil[#quot;x"
    assert mermaid("<b>#1</b>") == "#lt;b#gt;#35;1#lt;/b#gt;"


def test_replicas_and_autoscaling_are_in_the_docs_and_the_module_readme() -> None:
    files = generate(REPO / "tests" / "golden" / "capabilities" / "input")
    doc, readme = files["docs/tables.md"], files["terraform/README.md"]
    assert "| Replicas | `us-west-2` |" in doc
    assert (
        "| Autoscaling | table Read 5 to 200 units at 65 % utilization; table Write 5 to 100 "
        "units at 70 % utilization; index `by-host` Read 5 to 50 units at 80.5 % utilization |"
    ) in doc
    assert "| `replicated` | `eu-west-1`, `ap-southeast-2` | none |" in readme
    assert (
        "| `metrics` | none | table Read 5 to 200, table Write 5 to 100, `by-host` Read 5 to 50 |"
    ) in readme


def _rule_order(rule: RuleCode) -> tuple[str, int, str]:
    """By hundreds (Y0xx and S0xx, E1xx, E2xx and W2xx, ...), the loader's before the schema's,
    errors before warnings and notes."""
    return rule.code[1], "YSEWN".index(rule.code[0]), rule.code


def _rule_table() -> str:
    """The README's rule table as the registries declare it: every rule of every kind."""
    rules = [*load_rules.RULES, *(rule for rule, _ in SCHEMA_RULES), *TABLE_RULES, *PROJECT_RULES,
             *cloudformation_limits.RULES, *ALARM_RULES, *ENVIRONMENT_RULES, *TARGET_RULES]
    rows = [f"| {rule.code} | {rule.summary} |" for rule in sorted(rules, key=_rule_order)]
    return "\n".join(["| code | rule |", "|------|------|", *rows]) + "\n"


def test_the_readme_rule_table_is_the_registered_rules_exactly() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    tables = re.findall(r"^\| code \| rule \|\n(?:\|.*\|\n)+", readme, re.M)
    assert tables == [_rule_table()], "the README's rule table must read:\n" + _rule_table()


def test_every_table_section_lists_its_alarms_with_threshold_and_period() -> None:
    for table in PROJECT.tables:
        section = DOC.split(f"\n## {table.key}\n", 1)[1].split("\n## ", 1)[0]
        alarms = section.split("\n### Alarms\n", 1)[1].split("\n### ", 1)[0]
        rows = [line for line in alarms.splitlines() if line.startswith("| `")]
        assert [row.split(" | ")[0] for row in rows] == [
            f"| `{alarm.default_name}`" for alarm in table.alarms]
        for row, alarm in zip(rows, table.alarms, strict=True):
            assert f" | {alarm.threshold} | {alarm.period} s | " in row
