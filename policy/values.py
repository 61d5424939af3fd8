"""Reading resource inputs the way the policy engine hands them over.

pulumi-policy passes inputs as read-only Mapping/Sequence proxies (not dicts and lists) whose unknown values
(during preview) raise when read. So these helpers test the abstract types, and check whether a key is present
without reading its value: a `value` that is still unknown is just as much a violation as a known one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

EMPTY: Final[Mapping[str, Any]] = {}


def mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else EMPTY


def sequence(value: object) -> Sequence[Any]:
    return value if isinstance(value, Sequence) and not isinstance(value, str) else ()


def at(value: object, *path: str) -> Any:
    """The value under `path` in nested mappings, None when any step is absent."""
    for key in path:
        found = mapping(value)
        if not has_key(found, key):
            return None
        value = found[key]
    return value


def has_key(value: Mapping[str, Any], key: str) -> bool:
    """Whether `key` is set, without reading its value (iterating keys never touches an unknown)."""
    return any(k == key for k in value)


def named(items: object, name: str) -> list[Mapping[str, Any]]:
    """Entries of a list of `{name: ...}` objects with this name, case-insensitively (env var names are)."""
    return [mapping(item) for item in sequence(items) if str(at(item, "name")).lower() == name.lower()]


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E))?$")
_SUFFIX: Final = {
    **{s: 1024.0**i for i, s in enumerate(("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"), start=1)},
    **{s: 1000.0**i for i, s in enumerate(("k", "M", "G", "T", "P", "E"), start=1)},
    "n": 1e-9,
    "u": 1e-6,
    "m": 1e-3,
}


def quantity(value: object) -> float | None:
    """A Kubernetes quantity (`4`, `500m`, `8Gi`, `1e3`) as a number, None when absent or malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    found = _QUANTITY.match(str(value)) if isinstance(value, str) else None
    if not found:
        return None
    number, exponent, suffix = found.groups()
    return float(number + (exponent or "")) * _SUFFIX.get(suffix or "", 1.0)
