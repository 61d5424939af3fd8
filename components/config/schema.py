"""The JSON Schema of a stack file (`stacks/Pulumi.<stack>.yaml`), generated from the args types and their rules,
never written by hand: `python -m components.config.schema` rewrites `stacks/stack-config.schema.json`.

Editors validate stack files with it (the sample stacks name it in a `yaml-language-server` comment). The schema
accepts everything the parser accepts (numbers and booleans as strings, `secure:` values) and refuses unknown
keys, wrong types, patterns and bounds; what depends on several values (sizes against a host, a pool, a quota)
only the parser checks.
"""

from __future__ import annotations

import json
import sys
import typing
from enum import Enum
from pathlib import Path
from typing import Any, Final

from pulumi.provider.experimental.analyzer import Analyzer

from components.args import SpeechContainersArgs
from components.config import NAMESPACE
from components.config.fields import _is_input, camel, fields
from components.config.rules import RULES, Rule

SCHEMA_PATH: Final = Path(__file__).resolve().parents[2] / "stacks" / "stack-config.schema.json"
_INTEGER_TEXT: Final = r"^\s*[+-]?[0-9]+\s*$"
_DECIMAL_TEXT: Final = r"^\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*$"
_BOOLEAN_TEXT: Final = r"^\s*([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee])\s*$"
#: A value set with `pulumi config set --secret`, as the stack file stores it.
_SECURE: Final = {
    "type": "object",
    "properties": {"secure": {"type": "string"}},
    "required": ["secure"],
    "additionalProperties": False,
}


def _pattern(rule: Rule) -> str:
    """The rule's Python pattern as an anchored ECMA-262 one (JSON Schema's dialect has no inline flags)."""
    assert rule.pattern is not None
    pattern = rule.pattern
    if pattern.startswith("(?s)"):
        pattern = pattern.removeprefix("(?s)").replace(".+", r"[\s\S]+")
    return f"^(?:{pattern})$"


class _Builder:
    def __init__(self) -> None:
        self.defs: dict[str, Any] = {}
        self.docs = Analyzer(NAMESPACE)

    def record(self, owner: type) -> dict[str, Any]:
        name = owner.__name__
        if name not in self.defs:
            self.defs[name] = {}  # placeholder first: types may refer to each other
            properties = {}
            for field, tp in fields(owner).items():
                schema = self.value(tp, RULES[owner][field])
                description = self.docs.get_docstring(owner, field)
                if description:
                    schema["description"] = description
                default = RULES[owner][field].default
                if default not in (None, {}, []):
                    schema["default"] = default.value if isinstance(default, Enum) else default
                properties[camel(field)] = schema
            self.defs[name] = {
                "type": "object",
                "description": (owner.__doc__ or "").strip(),
                "properties": properties,
                "additionalProperties": False,
            }
            required = sorted(camel(f) for f in getattr(owner, "__required_keys__", ()))
            if required:
                self.defs[name]["required"] = required
        return {"$ref": f"#/$defs/{name}"}

    def value(self, tp: Any, rule: Rule) -> dict[str, Any]:
        if _is_input(tp) or tp is str:
            text: dict[str, Any] = {"type": "string"}
            if rule.pattern and not rule.ipv4:
                text["pattern"] = _pattern(rule)
            if rule.max_length:
                text["maxLength"] = rule.max_length
            # Whole numbers are read as strings (`zones: [1]`), and any string may be a secret.
            return {"anyOf": [text, {"type": "integer"}, _SECURE]}
        if isinstance(tp, type) and issubclass(tp, Enum):
            return {"enum": [member.value for member in tp]}
        if tp is bool:
            return {"anyOf": [{"type": "boolean"}, {"type": "string", "pattern": _BOOLEAN_TEXT}]}
        if tp in (int, float):
            number: dict[str, Any] = {"type": "integer" if tp is int else "number"}
            if rule.low is not None:
                number["minimum"] = rule.low
            if rule.high is not None:
                number["maximum"] = rule.high
            text_form = _INTEGER_TEXT if tp is int else _DECIMAL_TEXT
            return {"anyOf": [number, {"type": "string", "pattern": text_form}]}
        if typing.get_origin(tp) is list:
            return {"type": "array", "items": self.value(typing.get_args(tp)[0], rule)}
        if typing.get_origin(tp) is dict:
            values_rule = Rule(max_length=rule.max_length, secret=rule.secret)
            mapping: dict[str, Any] = {
                "type": "object",
                "additionalProperties": self.value(typing.get_args(tp)[1], values_rule),
            }
            if rule.keys is not None and rule.keys.pattern:
                mapping["propertyNames"] = {"pattern": _pattern(rule.keys)}
            return mapping
        if typing.is_typeddict(tp):
            return self.record(tp)
        raise TypeError(f"no schema for {tp!r}")


def stack_file_schema() -> dict[str, Any]:
    """The schema of a whole stack file: our namespace's keys checked, other namespaces' keys left alone."""
    builder = _Builder()
    builder.record(SpeechContainersArgs)
    root = builder.defs.pop(SpeechContainersArgs.__name__)
    properties = {
        f"{NAMESPACE}:{key}": {"anyOf": [schema, _SECURE]} if "$ref" in schema else schema
        for key, schema in root["properties"].items()
    }
    known = "|".join(key for key in root["properties"])
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://speech-containers.invalid/stack-config.schema.json",
        "title": "speech-containers stack file",
        "description": "stacks/Pulumi.<stack>.yaml; generated by python -m components.config.schema",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "description": root["description"],
                "properties": properties,
                "patternProperties": {f"^{NAMESPACE}:(?!(?:{known})$)": {"not": {}, "description": "unknown key"}},
                "required": [f"{NAMESPACE}:{key}" for key in root.get("required", [])],
            }
        },
        "$defs": builder.defs,
    }


def render() -> str:
    return json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    SCHEMA_PATH.write_text(render())
    print(f"wrote {SCHEMA_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
