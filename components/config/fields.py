"""Reads raw config (the stack's camelCase values, or a Python program's snake_case args) into the public args
types, checking every value against its type and rule (components/config/rules.py).

What it accepts, on purpose:
- numbers and booleans as strings when unambiguous (`"3"`, `"12.5"`, `"false"`): `pulumi config set --path`
  and hand-written YAML store them so; ASCII digits only, finite numbers only;
- whole numbers for strings (`zones: [1, 2]`), never fractions (YAML reads `1.30` as 1.3);
- an `Output` where the type is `pulumi.Input[str]` (secret values from another program), unchecked.
What it refuses: unknown keys, null (a key left empty in YAML), the same key in both spellings, and any value
outside its rule. Values marked secret are never echoed. Every problem is collected with its key, once.
"""

from __future__ import annotations

import inspect
import ipaddress
import math
import re
import typing
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

import pulumi

from components.config.rules import RULES, Rule


class _Missing:
    """The value was invalid or absent: the caller uses the default."""


MISSING: Final = _Missing()

_INTEGER: Final = re.compile(r"[+-]?[0-9]+", re.ASCII)
#: Ranges Azure IP rules refuse: RFC 1918 private networks, loopback, link-local.
_NOT_PUBLIC: Final = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16")
)
_DECIMAL: Final = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", re.ASCII)


def camel(name: str) -> str:
    """`memory_gb` -> `memoryGb`: how the schema and stack config spell a Python name."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class Problems:
    """Problems found so far, each `key: message`, each reported once."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, key: str, message: str) -> None:
        line = f"{key}: {message}"
        if line not in self.items:
            self.items.append(line)

    def about(self, key: str) -> bool:
        """Whether a problem was reported for this key or inside it (so follow-on checks can stay quiet)."""
        return any(item.startswith((f"{key}:", f"{key}.", f"{key}[")) for item in self.items)


def shown(value: Any, secret: bool) -> str:
    """How a bad value appears in an error: never, for secrets (errors end up in CI logs)."""
    if secret:
        return "(a secret value, not shown)"
    text = repr(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def fields(owner: type) -> dict[str, Any]:
    """The fields of an args type with their types (Required/NotRequired unwrapped), as Pulumi's schema
    inference reads them (`typing.get_type_hints` cannot resolve `pulumi.Input`'s forward reference)."""
    found: dict[str, Any] = {}
    for cls in reversed(owner.__mro__):
        found.update(inspect.get_annotations(cls))
    return {
        name: typing.get_args(tp)[0] if typing.get_origin(tp) in (typing.Required, typing.NotRequired) else tp
        for name, tp in found.items()
        if not name.startswith("_")
    }


def _type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "an object",
    }.get(type(value), type(value).__name__)


class Reader:
    """Reads args types from raw values, collecting problems; values under `secret_keys` are never echoed."""

    def __init__(self, problems: Problems, secret_keys: frozenset[str] = frozenset()) -> None:
        self.problems = problems
        #: Top-level keys set as secrets: nothing under them is ever echoed.
        self.secret_keys = secret_keys

    def record(self, owner: type, raw: Any, path: str) -> dict[str, Any] | None:
        """A TypedDict's values by Python name, only the keys present and valid; None if not an object."""
        if not isinstance(raw, Mapping):
            self.problems.add(path, f"must be an object, got {_type_name(raw)}")
            return None
        types = fields(owner)
        by_key = {camel(name): name for name in types} | {name: name for name in types}
        found: dict[str, Any] = {}
        seen: set[str] = set()
        for key, value in raw.items():
            name = by_key.get(key) if isinstance(key, str) else None
            where = join(path, camel(name) if name else str(key))
            if name is None:
                allowed = ", ".join(camel(n) for n in types)
                self.problems.add(where, f"unknown key; allowed keys: {allowed}")
                continue
            if name in seen:
                self.problems.add(where, f"is given twice (as {camel(name)} and {name}); keep one")
                continue
            seen.add(name)
            if value is None:
                self.problems.add(
                    where, f"is empty (null); set {self.describe(types[name], RULES[owner][name])} or remove the key"
                )
                continue
            read = self.value(types[name], value, where, RULES[owner][name])
            if read is not MISSING:
                found[name] = read
        for name in sorted(getattr(owner, "__required_keys__", ())):
            if name not in seen:
                what = self.describe(types[name], RULES[owner][name])
                self.problems.add(
                    join(path, camel(name)), f"is required{';' if what.startswith('allowed') else ':'} {what}"
                )
        return found

    def value(self, tp: Any, value: Any, path: str, rule: Rule) -> Any:
        """One value of type `tp`, coerced, or MISSING after reporting why not."""
        origin = typing.get_origin(tp)
        if _is_input(tp):
            if isinstance(value, pulumi.Output):
                return value
            return self.value(str, value, path, rule)
        if isinstance(tp, type) and issubclass(tp, Enum):
            return self._enum(tp, value, path)
        if tp is bool:
            return self._boolean(value, path)
        if tp is int:
            return self._number(value, path, rule, whole=True)
        if tp is float:
            return self._number(value, path, rule, whole=False)
        if tp is str:
            return self._string(value, path, rule)
        if origin is list:
            return self._list(typing.get_args(tp)[0], value, path, rule)
        if origin is dict:
            return self._map(typing.get_args(tp)[1], value, path, rule)
        if typing.is_typeddict(tp):
            found = self.record(tp, value, path)
            return MISSING if found is None else found
        raise TypeError(f"no reader for {tp!r} at {path}")  # a new args type needs a reader: fail in tests

    def describe(self, tp: Any, rule: Rule) -> str:
        """What a value of this type and rule looks like, for messages."""
        if _is_input(tp) or tp is str:
            return rule.hint or "a string"
        if isinstance(tp, type) and issubclass(tp, Enum):
            return "allowed: " + ", ".join(str(m.value) for m in tp)
        if tp is bool:
            return "true or false"
        if tp in (int, float):
            kind = "a whole number" if tp is int else "a number"
            return (
                f"{kind} from {rule.low:g} to {rule.high:g}" if rule.low is not None and rule.high is not None else kind
            )
        if typing.get_origin(tp) is list:
            return "a list"
        return "an object"

    def hidden(self, path: str) -> bool:
        return re.split(r"[.\[]", path, maxsplit=1)[0] in self.secret_keys

    def _fail(self, path: str, message: str) -> _Missing:
        self.problems.add(path, message)
        return MISSING

    def _enum(self, tp: type[Enum], value: Any, path: str) -> Any:
        allowed = [str(m.value) for m in tp]
        if isinstance(value, tp):
            return value
        if isinstance(value, str) and value in allowed:
            return tp(value)
        return self._fail(path, f"{shown(value, self.hidden(path))} is not allowed; allowed: {', '.join(allowed)}")

    def _boolean(self, value: Any, path: str) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        return self._fail(path, f"must be true or false, got {shown(value, self.hidden(path))}")

    def _number(self, value: Any, path: str, rule: Rule, whole: bool) -> Any:
        label = "a whole number" if whole else f"a number{f' of {rule.unit}' if rule.unit else ''}"
        number: float | int | None = None
        if isinstance(value, bool):
            number = None
        elif isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
            number = value
        elif isinstance(value, str) and (
            _INTEGER.fullmatch(value.strip()) or (not whole and _DECIMAL.fullmatch(value.strip()))
        ):
            text = value.strip()
            number = int(text) if _INTEGER.fullmatch(text) else float(text)
        if number is None or (whole and number != int(number)):
            return self._fail(path, f"must be {label}, got {shown(value, self.hidden(path))}")
        number = int(number) if whole else float(number)
        low, high = rule.low, rule.high
        if (low is not None and number < low) or (high is not None and number > high):
            unit = f" {rule.unit}" if rule.unit else ""
            return self._fail(
                path, f"{shown(number, self.hidden(path))}{unit} is out of range; allowed: {low:g} to {high:g}{unit}"
            )
        return number

    def _string(self, value: Any, path: str, rule: Rule) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            quote = " (quote it: YAML reads 1.30 as the number 1.3)" if isinstance(value, float) else ""
            return self._fail(path, f"must be a string, got {_type_name(value)}{quote}")
        secret = self.hidden(path) or rule.secret
        if rule.max_length is not None and len(value) > rule.max_length:
            return self._fail(path, f"is {len(value)} characters long; allowed: up to {rule.max_length}")
        if rule.ipv4:
            return self._ipv4(value, path, rule.ipv4)
        if not rule.matches(value):
            return self._fail(path, f"{shown(value, secret)} is not allowed; expected {rule.hint}")
        return value

    def _ipv4(self, value: str, path: str, scope: str) -> Any:
        """An IPv4 address or CIDR range; `public` refuses private, loopback and other non-public ranges."""
        try:
            network = ipaddress.ip_network(value, strict=False)
        except ValueError:
            network = None
        if network is None or network.version != 4:
            return self._fail(
                path, f"{shown(value, self.hidden(path))} is not allowed; expected an IPv4 address or CIDR range"
            )
        if scope == "public" and any(network.overlaps(private) for private in _NOT_PUBLIC):
            return self._fail(
                path,
                f"{shown(value, self.hidden(path))} is a private or loopback range; Azure IP rules take public ranges "
                "only (private clients come in through privateEndpoints)",
            )
        return value

    def _list(self, item: Any, value: Any, path: str, rule: Rule) -> Any:
        if not isinstance(value, list):
            return self._fail(path, f"must be a list, got {_type_name(value)}")
        read = [self.value(item, v, f"{path}[{i}]", rule) for i, v in enumerate(value)]
        return [v for v in read if v is not MISSING]

    def _map(self, item: Any, value: Any, path: str, rule: Rule) -> Any:
        if not isinstance(value, Mapping):
            return self._fail(path, f"must be an object, got {_type_name(value)}")
        found: dict[str, Any] = {}
        values_rule = Rule(max_length=rule.max_length, secret=rule.secret)
        for key, v in value.items():
            where = join(path, str(key))
            if (rule.keys is not None and not (isinstance(key, str) and rule.keys.matches(key))) or (
                rule.keys is not None and rule.keys.max_length is not None and len(str(key)) > rule.keys.max_length
            ):
                self.problems.add(where, f"is not an allowed name; expected {rule.keys.hint}")
                continue
            if v is None:
                self.problems.add(where, "is empty (null); set a value or remove the key")
                continue
            read = self.value(item, v, where, values_rule)
            if read is not MISSING:
                found[key] = read
        return found


def _is_input(tp: Any) -> bool:
    """`pulumi.Input[str]`: a union of the plain type, an Awaitable and an Output (a forward reference)."""
    return typing.get_origin(tp) is typing.Union and any(
        isinstance(a, typing.ForwardRef) and a.__forward_arg__.startswith("Output") for a in typing.get_args(tp)
    )
