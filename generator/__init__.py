"""DynamoDB tables as YAML data, rendered into a Terraform module and a CloudFormation template.

The pipeline, one module per stage: ``loader`` (YAML with line/column marks) ->
``validate`` (JSON Schema) -> ``checks`` (DynamoDB rules) -> ``model`` (frozen dataclasses)
-> ``render`` (Jinja2) -> ``writer`` (atomic, deterministic). ``cli`` only wires them up.
"""

__version__ = "0.1.0"
