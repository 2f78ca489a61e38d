"""The code's shape, measured: which stage each module belongs to, and the counts that say
whether a fact is stated once (imports against the stage order, defaults restated, names
built in templates, includes, repeated rule codes, private names reached by tests).

``tests/test_architecture.py`` holds the counts that must be zero; run this file to print
all of them (``python tests/support/architecture.py [ROOT]``), e.g. before and after a change.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The pipeline's order. A module may import modules of its own stage or of an earlier one.
# "vocabulary" holds facts every stage reads (names, key forms, regions, provider features,
# the access-pattern language, the JSON printer); "commands" are what the CLI runs on top of
# the pipeline; "cli" is the thin layer that parses arguments, prints and exits.
STAGE_ORDER = (
    "vocabulary", "load", "validate", "checks", "model", "render", "write", "commands", "cli",
)
STAGES: dict[str, str] = {
    "generator.__init__": "vocabulary",
    "generator.actions": "vocabulary",
    "generator.attribute_values": "vocabulary",
    "generator.diagnostics": "vocabulary",
    "generator.hclfmt": "vocabulary",
    "generator.invocation": "vocabulary",
    "generator.json_files": "vocabulary",
    "generator.json_printer": "vocabulary",
    "generator.keys": "vocabulary",
    "generator.naming": "vocabulary",
    "generator.parallel": "vocabulary",
    "generator.patterns": "vocabulary",
    "generator.regions": "vocabulary",
    "generator.load_rules": "load",
    "generator.loader": "load",
    "generator.loader_fast": "load",
    "generator.yaml_core": "load",
    "generator.validate": "validate",
    "generator.defaults": "validate",
    "generator.quick_check": "validate",
    "generator.environments": "validate",
    "generator.alarm_options": "validate",
    "generator.settings": "validate",
    # Reads the settings schema's default provider.
    "generator.features": "validate",
    # Reads the table schema's x-default-from of each replica key.
    "generator.replica_settings": "validate",
    "generator.checks": "checks",
    "generator.checks_keys": "checks",
    "generator.checks_project": "checks",
    "generator.checks_replicas": "checks",
    "generator.pattern_checks": "checks",
    "generator.pattern_checks_examples": "checks",
    "generator.pattern_checks_warnings": "checks",
    "generator.pattern_facts": "checks",
    "generator.target_checks": "checks",
    "generator.model": "model",
    "generator.alarms": "model",
    "generator.alarm_checks": "model",
    "generator.stacks": "model",
    "generator.replica_gaps": "model",
    "generator.model_file": "model",
    "generator.render": "render",
    "generator.filters": "render",
    "generator.cloudformation_limits": "render",
    "generator.writer": "write",
    "generator.pipeline": "commands",
    "generator.baseline": "commands",
    "generator.sequencing": "commands",
    "generator.plan": "commands",
    "generator.plan_wording": "commands",
    "generator.plan_report": "commands",
    "generator.moves": "commands",
    "generator.deployed": "commands",
    "generator.adopt": "commands",
    "generator.replay": "commands",
    "generator.replay_judge": "commands",
    "generator.verify": "commands",
    "generator.lint_shapes": "commands",
    "generator.outcomes": "commands",
    "generator.terraform_checks": "commands",
    "generator.freshness": "write",
    "generator.template_structure": "commands",
    "generator.scaffold": "commands",
    "generator.tablefile": "commands",
    "generator.workbench": "commands",
    "generator.sources": "commands",
    "generator.cli": "cli",
    "generator.cli_args": "cli",
    "generator.__main__": "cli",
}
RULE_CODE = re.compile(r"^[EWYSPN]\d{3}$")


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: int


def modules(root: Path = ROOT) -> list[Module]:
    found = []
    for path in sorted((root / "generator").rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        name = ".".join(parts)
        text = path.read_text(encoding="utf-8")
        found.append(Module(name, path, ast.parse(text), text.count("\n")))
    return found


def stage_of(module: str) -> str | None:
    """A module's stage; the modules of a package share the package's."""
    while module:
        if module in STAGES:
            return STAGES[module]
        module = module.rpartition(".")[0]
    return None


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:``, which only name types."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            yield from (n for child in node.orelse for n in ast.walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def imported(module: Module, known: set[str]) -> Iterator[str]:
    """The package's modules that ``module`` imports (``from generator import x`` names
    ``generator.x`` when that is a module, else the package)."""
    for node in _runtime_nodes(module.tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name.startswith("generator"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("generator"):
            base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield candidate if candidate in known else base


def backward_imports(found: list[Module]) -> list[tuple[str, str]]:
    """(importer, imported) pairs where the imported module belongs to a later stage."""
    known = {module.name.removesuffix(".__init__") for module in found}
    pairs = []
    for module in found:
        own = stage_of(module.name)
        for target in set(imported(module, known)):
            theirs = stage_of(target)
            if own and theirs and STAGE_ORDER.index(theirs) > STAGE_ORDER.index(own):
                pairs.append((module.name, target))
    return sorted(pairs)


def unstaged(found: list[Module]) -> list[str]:
    return [module.name for module in found if stage_of(module.name) is None]


def schema_defaults(root: Path = ROOT) -> dict[str, object]:
    """The properties the table schema gives a default, by property name."""
    schema = json.loads((root / "generator" / "table.schema.json").read_text(encoding="utf-8"))
    defaults: dict[str, object] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in [*node.get("properties", {}).items(), *node.get("$defs", {}).items()]:
                if isinstance(value, dict) and "default" in value:
                    defaults[key] = value["default"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return defaults


def restated_defaults(found: list[Module], root: Path = ROOT) -> list[str]:
    """Places outside the schema that state a schema default again: a ``DEFAULT_*``
    constant, or ``.get(key, value)`` with a literal fallback for a key the schema defaults."""
    defaults = schema_defaults(root)
    values = list(defaults.values())
    places = []
    for module in found:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id.startswith("DEFAULT_")
                for target in node.targets
            ) and isinstance(node.value, ast.Constant) and node.value.value in values:
                places.append(f"{module.name}:{node.lineno} {ast.unparse(node.targets[0])}")
            elif (
                isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"get", "setdefault"} and len(node.args) == 2
                and isinstance(node.args[0], ast.Constant) and node.args[0].value in defaults
                and isinstance(node.args[1], ast.Constant)
            ):
                places.append(f"{module.name}:{node.lineno} .get({node.args[0].value!r}, ...)")
    return places


def _template_code(text: str) -> str:
    return re.sub(r"\{#.*?#\}", "", text, flags=re.S)


def template_counts(root: Path = ROOT) -> dict[str, Counter[str]]:
    """Per template: names built with ``~``, includes, and ``if``s that only place a comma."""
    counts: dict[str, Counter[str]] = {}
    for path in sorted((root / "templates").rglob("*.j2")):
        code = _template_code(path.read_text(encoding="utf-8"))
        tags = re.findall(r"\{[{%]-?(.*?)-?[}%]\}", code, flags=re.S)
        counts[str(path.relative_to(root))] = Counter(
            concatenations=sum(tag.count("~") for tag in tags),
            includes=sum(1 for tag in tags if tag.strip().startswith("include")),
            comma_ifs=len(re.findall(r"\{%-? *if [^%]*%\},\{%-? *endif *-?%\}", code)),
        )
    return counts


def rule_code_sites(found: list[Module]) -> Counter[str]:
    """How many times each rule code is written in the package's code."""
    sites: Counter[str] = Counter()
    for module in found:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and RULE_CODE.match(
                node.value
            ):
                sites[node.value] += 1
    return sites


def private_names_in_tests(root: Path = ROOT) -> list[str]:
    """``module._name`` and ``from generator.x import _name`` in the tests."""
    found: set[str] = set()
    for path in sorted((root / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("generator"):
                for alias in node.names:
                    if alias.name.startswith("_") and not alias.name.startswith("__"):
                        found.add(f"{node.module}.{alias.name}")
                    else:
                        aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("generator"):
                        aliases[alias.asname or alias.name.split(".")[0]] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.add(f"{aliases[node.value.id]}.{node.attr}")
    return sorted(found)


def longest_functions(found: list[Module], top: int = 8) -> list[tuple[int, str]]:
    lengths = []
    for module in found:
        for node in ast.walk(module.tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lengths.append((
                    (node.end_lineno or node.lineno) - node.lineno + 1,
                    f"{module.name}.{node.name}",
                ))
    return sorted(lengths, reverse=True)[:top]


def report(root: Path = ROOT) -> str:
    found = modules(root)
    templates = template_counts(root)
    total = sum(templates.values(), Counter())
    sites = rule_code_sites(found)
    repeated = {code: count for code, count in sites.items() if count > 1}
    lines = [
        f"backward imports: {len(backward_imports(found))} "
        f"{[f'{a} -> {b}' for a, b in backward_imports(found)]}",
        f"modules without a stage: {unstaged(found)}",
        f"defaults restated outside the schema: {len(restated_defaults(found, root))} "
        f"{restated_defaults(found, root)}",
        f"names built in templates (~): {total['concatenations']}",
        f"includes: {total['includes']}",
        f"ifs that only place a comma: {total['comma_ifs']}",
        f"rule codes written more than once: {len(repeated)} codes, "
        f"{sum(repeated.values()) - len(repeated)} extra sites",
        f"private names used by tests: {len(private_names_in_tests(root))}",
        "longest functions: " + ", ".join(f"{name} {n}" for n, name in longest_functions(found)),
        "modules over 400 lines: " + ", ".join(
            f"{m.name} {m.lines}" for m in sorted(found, key=lambda m: -m.lines) if m.lines > 400
        ),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT))
