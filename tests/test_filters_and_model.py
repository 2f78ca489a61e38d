"""The escaping filters, the template guard, and the model's defaults and derived names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator import defaults, hclfmt, loader, model, naming
from generator.filters import hcl, hcl_comment, hcl_quote, markdown, to_json
from generator.hclfmt import align
from generator.render import environment


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("plain", '"plain"'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("${var.x}", '"$${var.x}"'),
        ("%{ if x }", '"%%{ if x }"'),
        ("$${already}", '"$$${already}"'),
        ("line\nbreak\ttab\r", '"line\\nbreak\\ttab\\r"'),
        ("bell\x07 del\x7f", '"bell\\u0007 del\\u007f"'),
        ("naïve ☃", '"naïve ☃"'),
        ("$ and % alone", '"$ and % alone"'),
    ],
)
def test_hcl_quote_escapes_everything_hcl_would_interpret(text: str, literal: str) -> None:
    assert hcl_quote(text) == literal


def test_hcl_renders_booleans_numbers_null_and_lists() -> None:
    assert [hcl(True), hcl(False), hcl(7), hcl(None), hcl(("a", "b"))] == [
        "true", "false", "7", "null", '["a", "b"]',
    ]


def test_comment_cannot_be_ended_by_a_newline_in_the_text() -> None:
    assert hcl_comment('x\nresource "evil" {}') == '# x\n# resource "evil" {}'


def test_json_filter_uses_the_serializer_without_html_escaping() -> None:
    assert to_json('<a & "b">') == '"<a & \\"b\\">"'


def test_markdown_filter_neutralises_markup() -> None:
    assert markdown("a | b <script> [x](y)") == "a \\| b \\<script\\> \\[x\\](y)"
    assert markdown("# not a heading") == "\\# not a heading"


def test_template_printing_a_raw_value_fails_instead_of_emitting_it() -> None:
    template = environment().from_string("{{ value }}")
    with pytest.raises(TypeError, match="unescaped str"):
        template.render(value="x")


def test_a_macro_prints_as_its_values_do_and_refuses_a_raw_value_inside() -> None:
    template = environment().from_string(
        "{% macro quoted(value) %}[{{ value | json }}]{% endmacro %}{{ quoted(value) }}"
    )
    assert template.render(value='a"b') == '["a\\"b"]'
    raw = environment().from_string("{% macro bare(value) %}{{ value }}{% endmacro %}{{ bare(1) }}")
    with pytest.raises(TypeError, match="unescaped int"):
        raw.render()


def test_separator_prints_first_once_then_its_text_before_each_later_item() -> None:
    template = environment().from_string(
        '{% set comma = separator(", ", ": ") %}{% for x in items %}{{ comma() }}{{ x | md }}'
        '{% endfor %}|{% set comma = separator(",") %}{% for x in items %}{{ comma() }}'
        "{{ x | md }}{% endfor %}"
    )
    assert template.render(items=["a", "b", "c"]) == ": a, b, c|a,b,c"
    assert template.render(items=[]) == "|"


def test_template_using_an_undefined_name_fails() -> None:
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ missing | hcl }}").render()


def test_align_pads_runs_of_attributes_like_terraform_fmt() -> None:
    source = 'a = 1\nlonger = 2\n\nx {\n  b = "="\n  cc = 3\n}\n'
    assert align(source) == 'a      = 1\nlonger = 2\n\nx {\n  b  = "="\n  cc = 3\n}\n'


def test_align_leaves_multi_line_values_alone() -> None:
    source = "a = 1\ntags = merge(x, {\n  k = 1\n})\n"
    assert align(source) == source


def _table(data: dict[str, Any]) -> model.Table:
    """The model of a schema-valid table file's data, its defaults filled in as a build does."""
    document = defaults.fill(loader.Document(Path("t.yaml"), "t.yaml", data, ""))
    return model.build_table(Path("t.yaml"), "schemas/t.yaml", document.data,
                             defaulted=document.defaulted)


def test_defaults_are_the_safe_production_ones() -> None:
    data = {"name": "tbl", "partition_key": {"name": "k", "type": "S"}}
    table = _table(data)
    assert table.billing_mode == "PAY_PER_REQUEST"
    assert table.encryption == model.Encryption("aws_managed", None)
    assert table.point_in_time_recovery and table.deletion_protection


def test_attribute_definitions_list_each_key_attribute_once_in_order_of_use() -> None:
    data = {
        "name": "tbl",
        "partition_key": {"name": "pk", "type": "S"},
        "sort_key": {"name": "sk", "type": "N"},
        "global_secondary_indexes": [
            {"name": "g1", "partition_key": {"name": "sk", "type": "N"},
             "sort_key": {"name": "pk", "type": "S"}},
            {"name": "g2", "partition_key": {"name": "other", "type": "B"}},
        ],
        "local_secondary_indexes": [{"name": "l1", "sort_key": {"name": "lsk", "type": "S"}}],
    }
    table = _table(data)
    assert [(a.name, a.type) for a in table.attribute_definitions] == [
        ("pk", "S"), ("sk", "N"), ("other", "B"), ("lsk", "S"),
    ]


def test_table_keys_and_logical_ids_come_from_file_names() -> None:
    assert naming.table_key(Path("schemas/Rate-Limit.yaml")) == "rate_limit"
    assert naming.logical_id("rate_limit") == "RateLimit"


def _balanced_by_scanning(text: str) -> bool:
    """The reference: one character at a time, strings and escapes tracked."""
    depth, in_string, escaped = 0, False, False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
    return depth == 0 and not in_string


@given(st.text(st.sampled_from('"\\{}[]() a$'), max_size=14))
def test_an_attribute_is_aligned_only_when_its_brackets_balance_as_a_scan_judges_them(
    text: str,
) -> None:
    # Aligned with the next attribute: `a` padded to the width of `bb`.
    aligned = hclfmt.align(f"a = {text}\nbb = 1").startswith("a  = ")
    assert aligned is _balanced_by_scanning(text)
