"""DynamoDB tables as YAML data, rendered into a Terraform module and a CloudFormation template.

The pipeline: ``loader`` (YAML with line/column marks) -> ``validate`` (JSON Schema, then the
schema's defaults filled in) -> ``checks`` (DynamoDB rules) -> ``model`` (frozen dataclasses)
-> ``render`` (Jinja2) -> ``writer`` (atomic, deterministic). ``cli`` only wires them up.

Modules by stage; a module imports only its own stage and earlier ones, and "vocabulary" holds
the facts every stage reads (tests/test_architecture.py holds each module to this list):

- vocabulary: actions, attribute_values, diagnostics, hclfmt, invocation, json_files,
  json_printer, keys, naming, parallel, patterns, regions
- load: load_rules, loader, loader_fast, yaml_core
- validate: alarm_options, defaults, environments, features, quick_check, replica_settings,
  settings, validate
- checks: checks, checks_keys, checks_project, checks_replicas, pattern_checks,
  pattern_checks_examples, pattern_checks_warnings, pattern_facts, target_checks
- model: alarm_checks, alarms, model, model_file, replica_gaps, stacks
- render: cloudformation_limits, filters, render
- write: freshness, writer
- commands: adopt, baseline, deployed, lint_shapes, moves, outcomes, pipeline, plan,
  plan_report, plan_wording, replay, replay_judge, scaffold, sequencing, sources, tablefile,
  template_structure, terraform_checks, verify, workbench
- cli: __main__, cli, cli_args
"""

__version__ = "0.1.0"
