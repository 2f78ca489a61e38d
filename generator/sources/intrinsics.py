"""CloudFormation templates as data: a YAML loader that understands the short-form tags
(``!Ref``, ``!Sub``, ``!GetAtt``...) and a resolver of intrinsic functions.

The resolver computes what is knowable before deployment: parameters (``--parameter K=V``, else
their defaults), the pseudo parameters given or implied by the region, conditions, mappings,
Fn::Sub/Join/Select/Split/If/FindInMap. Anything else (a resource's Ref or attribute, an
import, a parameter without a value) raises ``UnresolvedError`` with the reason, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml

# Marks a value that Fn::If or Ref AWS::NoValue removed.
NO_VALUE = object()
_SUB = re.compile(r"\$\{([^}]*)\}")


class UnresolvedError(Exception):
    """A value that cannot be known before deployment; the message says why."""


class _TemplateLoader(yaml.SafeLoader):
    """SafeLoader plus CloudFormation's short-form tags; dates stay strings."""


def _short_form(loader: _TemplateLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


def _timestamp_as_text(loader: _TemplateLoader, node: yaml.Node) -> str:
    """``AWSTemplateFormatVersion: 2010-09-09`` stays the text it is."""
    return str(loader.construct_scalar(node))  # type: ignore[arg-type]


_TemplateLoader.add_multi_constructor("!", _short_form)
_TemplateLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_text)


def load_template_text(text: str) -> Any:
    """JSON or YAML (JSON is YAML); raises yaml.YAMLError with a position."""
    return yaml.load(text, Loader=_TemplateLoader)


_PARTITIONS = (("cn-", "aws-cn", "amazonaws.com.cn"), ("us-gov-", "aws-us-gov", "amazonaws.com"))


class Resolver:
    """Resolves intrinsic functions of one template with the given parameter values."""

    def __init__(self, template: Mapping[str, Any], given: Mapping[str, str],
                 region: str | None) -> None:
        self.template = template
        self.values: dict[str, Any] = {}
        parameters = template.get("Parameters") or {}
        for name, raw in parameters.items():
            spec = raw if isinstance(raw, dict) else {}
            if name in given:
                value: Any = given[name]
            elif "Default" in spec:
                value = spec["Default"]
            else:
                continue
            kind = str(spec.get("Type", "String"))
            if (kind == "CommaDelimitedList" or kind.startswith("List<")) \
                    and isinstance(value, str):
                value = [part.strip() for part in value.split(",")]
            self.values[name] = value
        region = given.get("AWS::Region", region)
        for name in ("AWS::AccountId", "AWS::StackName", "AWS::StackId"):
            if name in given:
                self.values[name] = given[name]
        if region:
            partition, suffix = "aws", "amazonaws.com"
            for start, name, url in _PARTITIONS:
                if region.startswith(start):
                    partition, suffix = name, url
            self.values |= {"AWS::Region": region, "AWS::Partition": partition,
                            "AWS::URLSuffix": suffix}
        self.parameters = set(parameters)
        self.resources = set(template.get("Resources") or {})

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.values:
            return self.values[name]
        if name in self.parameters:
            raise UnresolvedError(f"parameter {name} has no default; pass --parameter {name}=VALUE")
        if name.startswith("AWS::"):
            raise UnresolvedError(
                f"{name} is known only at deployment; pass --parameter {name}=VALUE")
        if name in self.resources:
            raise UnresolvedError(f"Ref {name} names a resource, known only once deployed")
        raise UnresolvedError(f"Ref {name} names nothing in the template")

    def condition(self, name: str) -> bool:
        conditions = self.template.get("Conditions") or {}
        if name not in conditions:
            raise UnresolvedError(f"condition {name} is not defined")
        return self._truth(conditions[name])

    def _truth(self, node: Any) -> bool:
        if isinstance(node, dict) and len(node) == 1:
            (function, args), = node.items()
            if function == "Condition":
                return self.condition(args)
            if function == "Fn::Equals":
                left, right = (self.resolve(a) for a in args)
                return str(left) == str(right)
            if function == "Fn::Not":
                return not self._truth(args[0])
            if function == "Fn::And":
                return all(self._truth(a) for a in args)
            if function == "Fn::Or":
                return any(self._truth(a) for a in args)
        value = self.resolve(node)
        if isinstance(value, bool) or str(value).lower() in ("true", "false"):
            return str(value).lower() == "true"
        raise UnresolvedError(f"not a condition: {node!r}")

    def resolve(self, node: Any) -> Any:
        """The node with every intrinsic function computed; NO_VALUE members dropped."""
        if isinstance(node, list):
            items = [self.resolve(item) for item in node]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (function, args), = node.items()
            if function == "Ref":
                return self.ref(args)
            if function.startswith("Fn::") or function == "Condition":
                return self._function(function, args)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def _function(self, function: str, args: Any) -> Any:
        if function == "Fn::If":
            name, then, otherwise = args
            return self.resolve(then if self.condition(name) else otherwise)
        if function == "Fn::Join":
            separator, items = args
            parts = self.resolve(items)
            return str(separator).join(_text(p) for p in parts)
        if function == "Fn::Sub":
            return self._sub(args)
        if function == "Fn::Select":
            position, items = self.resolve(args[0]), self.resolve(args[1])
            return items[int(position)]
        if function == "Fn::Split":
            separator, text = args
            return _text(self.resolve(text)).split(separator)
        if function == "Fn::FindInMap":
            name, top, second = (_text(self.resolve(a)) for a in args[:3])
            try:
                return self.resolve(self.template["Mappings"][name][top][second])
            except (KeyError, TypeError):
                raise UnresolvedError(f"Fn::FindInMap {name}/{top}/{second} is not in Mappings") \
                    from None
        if function in ("Fn::Equals", "Fn::Not", "Fn::And", "Fn::Or", "Condition"):
            return self._truth({function: args})
        if function == "Fn::GetAtt":
            return _unknown(f"Fn::GetAtt {'.'.join(map(str, args))} is known only once deployed")
        if function == "Fn::ImportValue":
            return _unknown("Fn::ImportValue reads another stack's export at deployment")
        return _unknown(f"{function} is not resolved before deployment")

    def _sub(self, args: Any) -> str:
        text, variables = (args, {}) if isinstance(args, str) else (args[0], args[1])
        values = {k: self.resolve(v) for k, v in variables.items()}

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return _text(values[name])
            if "." in name and not name.startswith("AWS::"):
                raise UnresolvedError(
                    f"${{{name}}} is a resource attribute, known only once deployed")
            return _text(self.ref(name))

        return _SUB.sub(one, text)


def _unknown(reason: str) -> Any:
    raise UnresolvedError(reason)


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)) or value is NO_VALUE:
        raise UnresolvedError(f"expected a string, found {value!r}")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
