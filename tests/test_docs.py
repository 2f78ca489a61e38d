"""out/docs/tables.md documents every table, index, role and protection, with a Mermaid diagram."""

from __future__ import annotations

import re

from generator.filters import mermaid
from generator.pipeline import load_project
from tests.conftest import OUT, SCHEMAS

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
