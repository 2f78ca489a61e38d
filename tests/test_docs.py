"""out/docs/tables.md documents every table, index, role and protection, with a Mermaid diagram."""

from __future__ import annotations

import re

from generator.filters import mermaid
from generator.pipeline import generate, load_project
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


def test_sessions_doc_shows_the_device_index_sentinel_forgets() -> None:
    assert "| `gsi-device-id` | global | Query by `device_id`, sorted by `created_at` |" in DOC


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


def test_every_table_section_lists_its_alarms_with_threshold_and_period() -> None:
    for table in PROJECT.tables:
        section = DOC.split(f"\n## {table.key}\n", 1)[1].split("\n## ", 1)[0]
        alarms = section.split("\n### Alarms\n", 1)[1].split("\n### ", 1)[0]
        rows = [line for line in alarms.splitlines() if line.startswith("| `")]
        assert [row.split(" | ")[0] for row in rows] == [
            f"| `{alarm.default_name}`" for alarm in table.alarms]
        for row, alarm in zip(rows, table.alarms, strict=True):
            assert f" | {alarm.threshold} | {alarm.period} s | " in row
