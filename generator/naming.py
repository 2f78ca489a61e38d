"""The names the generated code gives things, derived from table keys.

Checks need them before there is a model (two files must not claim one logical id), and
plan, adopt and the model need the same ones after, so they live below every stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# What the generated module is called in its README's example, and so in import's addresses.
MODULE_NAME = "tables"
# Its address in that root module, the default of import's --module-address.
DEFAULT_MODULE_ADDRESS = f"module.{MODULE_NAME}"
# The CloudFormation stack (and template file) of the tables that name no stack.
DEFAULT_STACK = "template"


def table_key(path: Path) -> str:
    """The table's key in generated code, from its file name: ``rate-limit.yaml`` is ``rate_limit``.

    Keys come from file names, not from table names, so a deployment may rename tables freely.
    """
    return path.stem.lower().replace("-", "_")


def logical_id(key: str) -> str:
    """CamelCase form of a table key, for CloudFormation: ``rate_limit`` -> ``RateLimit``."""
    return "".join(part[:1].upper() + part[1:] for part in key.split("_"))


def table_logical_id(key: str) -> str:
    """The CloudFormation logical id of the table whose key is ``key``."""
    return logical_id(key) + "Table"


def environment_output(variable: str) -> str:
    """The CloudFormation output for an environment variable: ``SENTINEL_SESSION_TABLE`` gives
    ``EnvSentinelSessionTable`` (output names and exports allow no underscores)."""
    return "Env" + logical_id(variable.lower())


def table_output(key: str, attribute: str) -> str:
    """The CloudFormation output of one attribute of the table whose key is ``key``:
    ``table_output("sessions", "StreamArn")`` is ``SessionsTableStreamArn``."""
    return table_logical_id(key) + attribute


def export_name(output: str) -> str:
    """The export of a CloudFormation output, as ``Fn::Sub`` text: the stack's name, then the
    output's, so the same template deployed twice exports nothing twice."""
    return "${AWS::StackName}-" + output


@dataclass(frozen=True)
class Output:
    """A CloudFormation output's name and description; its export is named after it."""

    name: str
    description: str

    @property
    def export(self) -> str:
        return export_name(self.name)
